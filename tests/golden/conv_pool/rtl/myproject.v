`default_nettype none
// myproject: written by hlsfx; latency 2 cycles, II 1.
module myproject (
    input wire ap_clk,
    input wire ap_rst,
    input wire ap_start,
    output wire ap_done,
    output wire ap_idle,
    output wire ap_ready,
    input wire [199:0] x,
    input wire x_ap_vld,
    output wire [63:0] pool_out,
    output wire pool_out_ap_vld
);
wire accept = ap_start & x_ap_vld & ap_ready;
// valid[k]: a sample was accepted k + 1 cycles ago (k = 0 .. 1)
reg [1:0] valid;
always @(posedge ap_clk)
    if (ap_rst) valid <= 2'd0;
    else valid <= {valid[0], accept};
assign ap_ready = 1'b1;

// ---- conv: Conv2D, 16 output positions; cycles 0 .. 0 after the accept; 68 products
wire [199:0] conv_in = x;
wire [255:0] conv_next;
wire [15:0] conv_p0;
wire [15:0] conv_p1;
wire [15:0] conv_p2;
wire [15:0] conv_p3;
wire [15:0] conv_p4;
wire [15:0] conv_p5;
wire [15:0] conv_p6;
wire [15:0] conv_p7;
wire [15:0] conv_p8;
wire [15:0] conv_p9;
wire [15:0] conv_p10;
wire [15:0] conv_p11;
wire [15:0] conv_p12;
wire [15:0] conv_p13;
wire [15:0] conv_p14;
wire [15:0] conv_p15;
wire [15:0] conv_p16;
wire [15:0] conv_p17;
wire [15:0] conv_p18;
wire [15:0] conv_p19;
wire [15:0] conv_p20;
wire [15:0] conv_p21;
wire [15:0] conv_p22;
wire [15:0] conv_p23;
wire [15:0] conv_p24;
wire [15:0] conv_p25;
wire [15:0] conv_p26;
wire [15:0] conv_p27;
wire [15:0] conv_p28;
wire [15:0] conv_p29;
wire [15:0] conv_p30;
wire [15:0] conv_p31;
wire [15:0] conv_p32;
wire [15:0] conv_p33;
wire [15:0] conv_p34;
wire [15:0] conv_p35;
wire [15:0] conv_p36;
wire [15:0] conv_p37;
wire [15:0] conv_p38;
wire [15:0] conv_p39;
wire [15:0] conv_p40;
wire [15:0] conv_p41;
wire [15:0] conv_p42;
wire [15:0] conv_p43;
wire [15:0] conv_p44;
wire [15:0] conv_p45;
wire [15:0] conv_p46;
wire [15:0] conv_p47;
wire [15:0] conv_p48;
wire [15:0] conv_p49;
wire [15:0] conv_p50;
wire [15:0] conv_p51;
wire [15:0] conv_p52;
wire [15:0] conv_p53;
wire [15:0] conv_p54;
wire [15:0] conv_p55;
wire [15:0] conv_p56;
wire [15:0] conv_p57;
wire [15:0] conv_p58;
wire [15:0] conv_p59;
wire [15:0] conv_p60;
wire [15:0] conv_p61;
wire [15:0] conv_p62;
wire [15:0] conv_p63;
wire [15:0] conv_p64;
wire [15:0] conv_p65;
wire [15:0] conv_p66;
wire [15:0] conv_p67;
wire [17:0] conv_acc0 = 18'd0 + {{2{conv_p0[15]}}, conv_p0} + {{2{conv_p1[15]}}, conv_p1};
assign conv_next[7:0] = conv_acc0[12:5];
wire [17:0] conv_acc1 = 18'd0 + {{2{conv_p2[15]}}, conv_p2} + {{2{conv_p3[15]}}, conv_p3} +
    {{2{conv_p4[15]}}, conv_p4};
assign conv_next[15:8] = conv_acc1[12:5];
wire [17:0] conv_acc2 = 18'd0 + {{2{conv_p5[15]}}, conv_p5} + {{2{conv_p6[15]}}, conv_p6};
assign conv_next[23:16] = conv_acc2[12:5];
wire [17:0] conv_acc3 = 18'd0 + {{2{conv_p3[15]}}, conv_p3} + {{2{conv_p7[15]}}, conv_p7} +
    {{2{conv_p8[15]}}, conv_p8};
assign conv_next[31:24] = conv_acc3[12:5];
wire [17:0] conv_acc4 = 18'd0 + {{2{conv_p9[15]}}, conv_p9} + {{2{conv_p10[15]}}, conv_p10};
assign conv_next[39:32] = conv_acc4[12:5];
wire [17:0] conv_acc5 = 18'd0 + {{2{conv_p7[15]}}, conv_p7} + {{2{conv_p11[15]}}, conv_p11} +
    {{2{conv_p12[15]}}, conv_p12};
assign conv_next[47:40] = conv_acc5[12:5];
wire [17:0] conv_acc6 = 18'd0 + {{2{conv_p13[15]}}, conv_p13} + {{2{conv_p14[15]}}, conv_p14};
assign conv_next[55:48] = conv_acc6[12:5];
wire [17:0] conv_acc7 = 18'd0 + {{2{conv_p11[15]}}, conv_p11} + {{2{conv_p15[15]}}, conv_p15} +
    {{2{conv_p16[15]}}, conv_p16};
assign conv_next[63:56] = conv_acc7[12:5];
wire [17:0] conv_acc8 = 18'd0 + {{2{conv_p17[15]}}, conv_p17} + {{2{conv_p18[15]}}, conv_p18};
assign conv_next[71:64] = conv_acc8[12:5];
wire [17:0] conv_acc9 = 18'd0 + {{2{conv_p19[15]}}, conv_p19} + {{2{conv_p20[15]}}, conv_p20} +
    {{2{conv_p21[15]}}, conv_p21};
assign conv_next[79:72] = conv_acc9[12:5];
wire [17:0] conv_acc10 = 18'd0 + {{2{conv_p22[15]}}, conv_p22} + {{2{conv_p23[15]}}, conv_p23};
assign conv_next[87:80] = conv_acc10[12:5];
wire [17:0] conv_acc11 = 18'd0 + {{2{conv_p20[15]}}, conv_p20} + {{2{conv_p24[15]}}, conv_p24} +
    {{2{conv_p25[15]}}, conv_p25};
assign conv_next[95:88] = conv_acc11[12:5];
wire [17:0] conv_acc12 = 18'd0 + {{2{conv_p26[15]}}, conv_p26} + {{2{conv_p27[15]}}, conv_p27};
assign conv_next[103:96] = conv_acc12[12:5];
wire [17:0] conv_acc13 = 18'd0 + {{2{conv_p24[15]}}, conv_p24} + {{2{conv_p28[15]}}, conv_p28} +
    {{2{conv_p29[15]}}, conv_p29};
assign conv_next[111:104] = conv_acc13[12:5];
wire [17:0] conv_acc14 = 18'd0 + {{2{conv_p30[15]}}, conv_p30} + {{2{conv_p31[15]}}, conv_p31};
assign conv_next[119:112] = conv_acc14[12:5];
wire [17:0] conv_acc15 = 18'd0 + {{2{conv_p28[15]}}, conv_p28} + {{2{conv_p32[15]}}, conv_p32} +
    {{2{conv_p33[15]}}, conv_p33};
assign conv_next[127:120] = conv_acc15[12:5];
wire [17:0] conv_acc16 = 18'd0 + {{2{conv_p34[15]}}, conv_p34} + {{2{conv_p35[15]}}, conv_p35};
assign conv_next[135:128] = conv_acc16[12:5];
wire [17:0] conv_acc17 = 18'd0 + {{2{conv_p36[15]}}, conv_p36} + {{2{conv_p37[15]}}, conv_p37} +
    {{2{conv_p38[15]}}, conv_p38};
assign conv_next[143:136] = conv_acc17[12:5];
wire [17:0] conv_acc18 = 18'd0 + {{2{conv_p39[15]}}, conv_p39} + {{2{conv_p40[15]}}, conv_p40};
assign conv_next[151:144] = conv_acc18[12:5];
wire [17:0] conv_acc19 = 18'd0 + {{2{conv_p37[15]}}, conv_p37} + {{2{conv_p41[15]}}, conv_p41} +
    {{2{conv_p42[15]}}, conv_p42};
assign conv_next[159:152] = conv_acc19[12:5];
wire [17:0] conv_acc20 = 18'd0 + {{2{conv_p43[15]}}, conv_p43} + {{2{conv_p44[15]}}, conv_p44};
assign conv_next[167:160] = conv_acc20[12:5];
wire [17:0] conv_acc21 = 18'd0 + {{2{conv_p41[15]}}, conv_p41} + {{2{conv_p45[15]}}, conv_p45} +
    {{2{conv_p46[15]}}, conv_p46};
assign conv_next[175:168] = conv_acc21[12:5];
wire [17:0] conv_acc22 = 18'd0 + {{2{conv_p47[15]}}, conv_p47} + {{2{conv_p48[15]}}, conv_p48};
assign conv_next[183:176] = conv_acc22[12:5];
wire [17:0] conv_acc23 = 18'd0 + {{2{conv_p45[15]}}, conv_p45} + {{2{conv_p49[15]}}, conv_p49} +
    {{2{conv_p50[15]}}, conv_p50};
assign conv_next[191:184] = conv_acc23[12:5];
wire [17:0] conv_acc24 = 18'd0 + {{2{conv_p51[15]}}, conv_p51} + {{2{conv_p52[15]}}, conv_p52};
assign conv_next[199:192] = conv_acc24[12:5];
wire [17:0] conv_acc25 = 18'd0 + {{2{conv_p53[15]}}, conv_p53} + {{2{conv_p54[15]}}, conv_p54} +
    {{2{conv_p55[15]}}, conv_p55};
assign conv_next[207:200] = conv_acc25[12:5];
wire [17:0] conv_acc26 = 18'd0 + {{2{conv_p56[15]}}, conv_p56} + {{2{conv_p57[15]}}, conv_p57};
assign conv_next[215:208] = conv_acc26[12:5];
wire [17:0] conv_acc27 = 18'd0 + {{2{conv_p54[15]}}, conv_p54} + {{2{conv_p58[15]}}, conv_p58} +
    {{2{conv_p59[15]}}, conv_p59};
assign conv_next[223:216] = conv_acc27[12:5];
wire [17:0] conv_acc28 = 18'd0 + {{2{conv_p60[15]}}, conv_p60} + {{2{conv_p61[15]}}, conv_p61};
assign conv_next[231:224] = conv_acc28[12:5];
wire [17:0] conv_acc29 = 18'd0 + {{2{conv_p58[15]}}, conv_p58} + {{2{conv_p62[15]}}, conv_p62} +
    {{2{conv_p63[15]}}, conv_p63};
assign conv_next[239:232] = conv_acc29[12:5];
wire [17:0] conv_acc30 = 18'd0 + {{2{conv_p64[15]}}, conv_p64} + {{2{conv_p65[15]}}, conv_p65};
assign conv_next[247:240] = conv_acc30[12:5];
wire [17:0] conv_acc31 = 18'd0 + {{2{conv_p62[15]}}, conv_p62} + {{2{conv_p66[15]}}, conv_p66} +
    {{2{conv_p67[15]}}, conv_p67};
assign conv_next[255:248] = conv_acc31[12:5];
assign conv_p0 = $signed({{8{conv_in[15]}}, conv_in[15:8]}) * -16'sd32;
assign conv_p1 = $signed({{8{conv_in[55]}}, conv_in[55:48]}) * 16'sd8;
assign conv_p2 = $signed({{8{conv_in[7]}}, conv_in[7:0]}) * 16'sd16;
assign conv_p3 = $signed({{8{conv_in[15]}}, conv_in[15:8]}) * 16'sd16;
assign conv_p4 = $signed({{8{conv_in[55]}}, conv_in[55:48]}) * -16'sd16;
assign conv_p5 = $signed({{8{conv_in[23]}}, conv_in[23:16]}) * -16'sd32;
assign conv_p6 = $signed({{8{conv_in[63]}}, conv_in[63:56]}) * 16'sd8;
assign conv_p7 = $signed({{8{conv_in[23]}}, conv_in[23:16]}) * 16'sd16;
assign conv_p8 = $signed({{8{conv_in[63]}}, conv_in[63:56]}) * -16'sd16;
assign conv_p9 = $signed({{8{conv_in[31]}}, conv_in[31:24]}) * -16'sd32;
assign conv_p10 = $signed({{8{conv_in[71]}}, conv_in[71:64]}) * 16'sd8;
assign conv_p11 = $signed({{8{conv_in[31]}}, conv_in[31:24]}) * 16'sd16;
assign conv_p12 = $signed({{8{conv_in[71]}}, conv_in[71:64]}) * -16'sd16;
assign conv_p13 = $signed({{8{conv_in[39]}}, conv_in[39:32]}) * -16'sd32;
assign conv_p14 = $signed({{8{conv_in[79]}}, conv_in[79:72]}) * 16'sd8;
assign conv_p15 = $signed({{8{conv_in[39]}}, conv_in[39:32]}) * 16'sd16;
assign conv_p16 = $signed({{8{conv_in[79]}}, conv_in[79:72]}) * -16'sd16;
assign conv_p17 = $signed({{8{conv_in[55]}}, conv_in[55:48]}) * -16'sd32;
assign conv_p18 = $signed({{8{conv_in[95]}}, conv_in[95:88]}) * 16'sd8;
assign conv_p19 = $signed({{8{conv_in[47]}}, conv_in[47:40]}) * 16'sd16;
assign conv_p20 = $signed({{8{conv_in[55]}}, conv_in[55:48]}) * 16'sd16;
assign conv_p21 = $signed({{8{conv_in[95]}}, conv_in[95:88]}) * -16'sd16;
assign conv_p22 = $signed({{8{conv_in[63]}}, conv_in[63:56]}) * -16'sd32;
assign conv_p23 = $signed({{8{conv_in[103]}}, conv_in[103:96]}) * 16'sd8;
assign conv_p24 = $signed({{8{conv_in[63]}}, conv_in[63:56]}) * 16'sd16;
assign conv_p25 = $signed({{8{conv_in[103]}}, conv_in[103:96]}) * -16'sd16;
assign conv_p26 = $signed({{8{conv_in[71]}}, conv_in[71:64]}) * -16'sd32;
assign conv_p27 = $signed({{8{conv_in[111]}}, conv_in[111:104]}) * 16'sd8;
assign conv_p28 = $signed({{8{conv_in[71]}}, conv_in[71:64]}) * 16'sd16;
assign conv_p29 = $signed({{8{conv_in[111]}}, conv_in[111:104]}) * -16'sd16;
assign conv_p30 = $signed({{8{conv_in[79]}}, conv_in[79:72]}) * -16'sd32;
assign conv_p31 = $signed({{8{conv_in[119]}}, conv_in[119:112]}) * 16'sd8;
assign conv_p32 = $signed({{8{conv_in[79]}}, conv_in[79:72]}) * 16'sd16;
assign conv_p33 = $signed({{8{conv_in[119]}}, conv_in[119:112]}) * -16'sd16;
assign conv_p34 = $signed({{8{conv_in[95]}}, conv_in[95:88]}) * -16'sd32;
assign conv_p35 = $signed({{8{conv_in[135]}}, conv_in[135:128]}) * 16'sd8;
assign conv_p36 = $signed({{8{conv_in[87]}}, conv_in[87:80]}) * 16'sd16;
assign conv_p37 = $signed({{8{conv_in[95]}}, conv_in[95:88]}) * 16'sd16;
assign conv_p38 = $signed({{8{conv_in[135]}}, conv_in[135:128]}) * -16'sd16;
assign conv_p39 = $signed({{8{conv_in[103]}}, conv_in[103:96]}) * -16'sd32;
assign conv_p40 = $signed({{8{conv_in[143]}}, conv_in[143:136]}) * 16'sd8;
assign conv_p41 = $signed({{8{conv_in[103]}}, conv_in[103:96]}) * 16'sd16;
assign conv_p42 = $signed({{8{conv_in[143]}}, conv_in[143:136]}) * -16'sd16;
assign conv_p43 = $signed({{8{conv_in[111]}}, conv_in[111:104]}) * -16'sd32;
assign conv_p44 = $signed({{8{conv_in[151]}}, conv_in[151:144]}) * 16'sd8;
assign conv_p45 = $signed({{8{conv_in[111]}}, conv_in[111:104]}) * 16'sd16;
assign conv_p46 = $signed({{8{conv_in[151]}}, conv_in[151:144]}) * -16'sd16;
assign conv_p47 = $signed({{8{conv_in[119]}}, conv_in[119:112]}) * -16'sd32;
assign conv_p48 = $signed({{8{conv_in[159]}}, conv_in[159:152]}) * 16'sd8;
assign conv_p49 = $signed({{8{conv_in[119]}}, conv_in[119:112]}) * 16'sd16;
assign conv_p50 = $signed({{8{conv_in[159]}}, conv_in[159:152]}) * -16'sd16;
assign conv_p51 = $signed({{8{conv_in[135]}}, conv_in[135:128]}) * -16'sd32;
assign conv_p52 = $signed({{8{conv_in[175]}}, conv_in[175:168]}) * 16'sd8;
assign conv_p53 = $signed({{8{conv_in[127]}}, conv_in[127:120]}) * 16'sd16;
assign conv_p54 = $signed({{8{conv_in[135]}}, conv_in[135:128]}) * 16'sd16;
assign conv_p55 = $signed({{8{conv_in[175]}}, conv_in[175:168]}) * -16'sd16;
assign conv_p56 = $signed({{8{conv_in[143]}}, conv_in[143:136]}) * -16'sd32;
assign conv_p57 = $signed({{8{conv_in[183]}}, conv_in[183:176]}) * 16'sd8;
assign conv_p58 = $signed({{8{conv_in[143]}}, conv_in[143:136]}) * 16'sd16;
assign conv_p59 = $signed({{8{conv_in[183]}}, conv_in[183:176]}) * -16'sd16;
assign conv_p60 = $signed({{8{conv_in[151]}}, conv_in[151:144]}) * -16'sd32;
assign conv_p61 = $signed({{8{conv_in[191]}}, conv_in[191:184]}) * 16'sd8;
assign conv_p62 = $signed({{8{conv_in[151]}}, conv_in[151:144]}) * 16'sd16;
assign conv_p63 = $signed({{8{conv_in[191]}}, conv_in[191:184]}) * -16'sd16;
assign conv_p64 = $signed({{8{conv_in[159]}}, conv_in[159:152]}) * -16'sd32;
assign conv_p65 = $signed({{8{conv_in[199]}}, conv_in[199:192]}) * 16'sd8;
assign conv_p66 = $signed({{8{conv_in[159]}}, conv_in[159:152]}) * 16'sd16;
assign conv_p67 = $signed({{8{conv_in[199]}}, conv_in[199:192]}) * -16'sd16;
reg [255:0] conv_reg;
always @(posedge ap_clk) conv_reg <= conv_next;

// ---- pool: MaxPooling2D, 4 output positions; cycles 1 .. 1 after the accept; 0 products
wire [255:0] pool_in = conv_reg;
wire [63:0] pool_next;
wire [7:0] pool_k0_m1 = $signed(pool_in[23:16]) > $signed(pool_in[7:0]) ? pool_in[23:16] : pool_in[7:0];
wire [7:0] pool_k0_m2 = $signed(pool_in[71:64]) > $signed(pool_k0_m1) ? pool_in[71:64] : pool_k0_m1;
wire [7:0] pool_k0_m3 = $signed(pool_in[87:80]) > $signed(pool_k0_m2) ? pool_in[87:80] : pool_k0_m2;
assign pool_next[7:0] = pool_k0_m3;
wire [7:0] pool_k1_m1 = $signed(pool_in[31:24]) > $signed(pool_in[15:8]) ? pool_in[31:24] : pool_in[15:8];
wire [7:0] pool_k1_m2 = $signed(pool_in[79:72]) > $signed(pool_k1_m1) ? pool_in[79:72] : pool_k1_m1;
wire [7:0] pool_k1_m3 = $signed(pool_in[95:88]) > $signed(pool_k1_m2) ? pool_in[95:88] : pool_k1_m2;
assign pool_next[15:8] = pool_k1_m3;
wire [7:0] pool_k2_m1 = $signed(pool_in[55:48]) > $signed(pool_in[39:32]) ? pool_in[55:48] : pool_in[39:32];
wire [7:0] pool_k2_m2 = $signed(pool_in[103:96]) > $signed(pool_k2_m1) ? pool_in[103:96] : pool_k2_m1;
wire [7:0] pool_k2_m3 = $signed(pool_in[119:112]) > $signed(pool_k2_m2) ? pool_in[119:112] : pool_k2_m2;
assign pool_next[23:16] = pool_k2_m3;
wire [7:0] pool_k3_m1 = $signed(pool_in[63:56]) > $signed(pool_in[47:40]) ? pool_in[63:56] : pool_in[47:40];
wire [7:0] pool_k3_m2 = $signed(pool_in[111:104]) > $signed(pool_k3_m1) ? pool_in[111:104] : pool_k3_m1;
wire [7:0] pool_k3_m3 = $signed(pool_in[127:120]) > $signed(pool_k3_m2) ? pool_in[127:120] : pool_k3_m2;
assign pool_next[31:24] = pool_k3_m3;
wire [7:0] pool_k4_m1 = $signed(pool_in[151:144]) > $signed(pool_in[135:128]) ? pool_in[151:144] : pool_in[135:128];
wire [7:0] pool_k4_m2 = $signed(pool_in[199:192]) > $signed(pool_k4_m1) ? pool_in[199:192] : pool_k4_m1;
wire [7:0] pool_k4_m3 = $signed(pool_in[215:208]) > $signed(pool_k4_m2) ? pool_in[215:208] : pool_k4_m2;
assign pool_next[39:32] = pool_k4_m3;
wire [7:0] pool_k5_m1 = $signed(pool_in[159:152]) > $signed(pool_in[143:136]) ? pool_in[159:152] : pool_in[143:136];
wire [7:0] pool_k5_m2 = $signed(pool_in[207:200]) > $signed(pool_k5_m1) ? pool_in[207:200] : pool_k5_m1;
wire [7:0] pool_k5_m3 = $signed(pool_in[223:216]) > $signed(pool_k5_m2) ? pool_in[223:216] : pool_k5_m2;
assign pool_next[47:40] = pool_k5_m3;
wire [7:0] pool_k6_m1 = $signed(pool_in[183:176]) > $signed(pool_in[167:160]) ? pool_in[183:176] : pool_in[167:160];
wire [7:0] pool_k6_m2 = $signed(pool_in[231:224]) > $signed(pool_k6_m1) ? pool_in[231:224] : pool_k6_m1;
wire [7:0] pool_k6_m3 = $signed(pool_in[247:240]) > $signed(pool_k6_m2) ? pool_in[247:240] : pool_k6_m2;
assign pool_next[55:48] = pool_k6_m3;
wire [7:0] pool_k7_m1 = $signed(pool_in[191:184]) > $signed(pool_in[175:168]) ? pool_in[191:184] : pool_in[175:168];
wire [7:0] pool_k7_m2 = $signed(pool_in[239:232]) > $signed(pool_k7_m1) ? pool_in[239:232] : pool_k7_m1;
wire [7:0] pool_k7_m3 = $signed(pool_in[255:248]) > $signed(pool_k7_m2) ? pool_in[255:248] : pool_k7_m2;
assign pool_next[63:56] = pool_k7_m3;
reg [63:0] pool_reg;
always @(posedge ap_clk) pool_reg <= pool_next;

assign pool_out = pool_reg;
assign pool_out_ap_vld = valid[1];
assign ap_done = valid[1];
assign ap_idle = ~ap_start & ~(|valid);

// bits no logic reads (a cast drops them, or no window covers them), in
// wires that the default --unused-regexp (*unused*) of the lint exempts
wire [327:0] conv_unused = {conv_in[167:160], conv_acc0[17:13], conv_acc0[4:0], conv_acc1[17:13],
    conv_acc1[4:0], conv_acc2[17:13], conv_acc2[4:0], conv_acc3[17:13], conv_acc3[4:0],
    conv_acc4[17:13], conv_acc4[4:0], conv_acc5[17:13], conv_acc5[4:0], conv_acc6[17:13],
    conv_acc6[4:0], conv_acc7[17:13], conv_acc7[4:0], conv_acc8[17:13], conv_acc8[4:0],
    conv_acc9[17:13], conv_acc9[4:0], conv_acc10[17:13], conv_acc10[4:0], conv_acc11[17:13],
    conv_acc11[4:0], conv_acc12[17:13], conv_acc12[4:0], conv_acc13[17:13], conv_acc13[4:0],
    conv_acc14[17:13], conv_acc14[4:0], conv_acc15[17:13], conv_acc15[4:0], conv_acc16[17:13],
    conv_acc16[4:0], conv_acc17[17:13], conv_acc17[4:0], conv_acc18[17:13], conv_acc18[4:0],
    conv_acc19[17:13], conv_acc19[4:0], conv_acc20[17:13], conv_acc20[4:0], conv_acc21[17:13],
    conv_acc21[4:0], conv_acc22[17:13], conv_acc22[4:0], conv_acc23[17:13], conv_acc23[4:0],
    conv_acc24[17:13], conv_acc24[4:0], conv_acc25[17:13], conv_acc25[4:0], conv_acc26[17:13],
    conv_acc26[4:0], conv_acc27[17:13], conv_acc27[4:0], conv_acc28[17:13], conv_acc28[4:0],
    conv_acc29[17:13], conv_acc29[4:0], conv_acc30[17:13], conv_acc30[4:0], conv_acc31[17:13],
    conv_acc31[4:0]};
endmodule
`default_nettype wire
