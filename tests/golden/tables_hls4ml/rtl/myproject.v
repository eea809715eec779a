`default_nettype none
// myproject: written by hlsfx; latency 3 cycles, II 1.
module myproject (
    input wire ap_clk,
    input wire ap_rst,
    input wire ap_start,
    output wire ap_done,
    output wire ap_idle,
    output wire ap_ready,
    input wire [15:0] x,
    input wire x_ap_vld,
    output wire [23:0] sm_out,
    output wire sm_out_ap_vld
);
wire accept = ap_start & x_ap_vld & ap_ready;
// valid[k]: a sample was accepted k + 1 cycles ago (k = 0 .. 2)
reg [2:0] valid;
always @(posedge ap_clk)
    if (ap_rst) valid <= 3'd0;
    else valid <= {valid[1:0], accept};
assign ap_ready = 1'b1;

// ---- fc: Dense 2 -> 3; cycles 0 .. 0 after the accept; 4 products
wire [15:0] fc_in = x;
wire [23:0] fc_next;
wire [15:0] fc_p0;
wire [15:0] fc_p1;
wire [15:0] fc_p2;
wire [15:0] fc_p3;
wire [7:0] fc_acc0_0 = 8'd0;
wire [8:0] fc_acc0_0_s = {fc_acc0_0[7], fc_acc0_0} + {fc_p0[12], fc_p0[12:5]};
assign fc_next[7:0] = fc_acc0_0_s[7:0];
wire [7:0] fc_acc1_0 = 8'd28;
wire [8:0] fc_acc1_0_s = {fc_acc1_0[7], fc_acc1_0} + {fc_p1[12], fc_p1[12:5]};
assign fc_next[15:8] = fc_acc1_0_s[7:0];
wire [7:0] fc_acc2_0 = 8'd24;
wire [8:0] fc_acc2_0_s = {fc_acc2_0[7], fc_acc2_0} + {fc_p2[12], fc_p2[12:5]};
wire [8:0] fc_acc2_1_s = {fc_acc2_0_s[7], fc_acc2_0_s[7:0]} + {fc_p3[12], fc_p3[12:5]};
assign fc_next[23:16] = fc_acc2_1_s[7:0];
assign fc_p0 = $signed({{8{fc_in[15]}}, fc_in[15:8]}) * -16'sd20;
assign fc_p1 = $signed({{8{fc_in[7]}}, fc_in[7:0]}) * -16'sd28;
assign fc_p2 = $signed({{8{fc_in[7]}}, fc_in[7:0]}) * -16'sd24;
assign fc_p3 = $signed({{8{fc_in[15]}}, fc_in[15:8]}) * 16'sd16;
reg [23:0] fc_reg;
always @(posedge ap_clk) fc_reg <= fc_next;

// ---- sig: Sigmoid over 3 values; cycles 1 .. 1 after the accept; 0 products
wire [23:0] sig_in = fc_reg;
wire [23:0] sig_next;
function [17:0] sig_rom;
    input [3:0] k;
    case (k)
        4'd0: sig_rom = 18'd0;
        4'd1: sig_rom = 18'd0;
        4'd2: sig_rom = 18'd2;
        4'd3: sig_rom = 18'd6;
        4'd4: sig_rom = 18'd18;
        4'd5: sig_rom = 18'd48;
        4'd6: sig_rom = 18'd122;
        4'd7: sig_rom = 18'd275;
        4'd8: sig_rom = 18'd512;
        4'd9: sig_rom = 18'd748;
        4'd10: sig_rom = 18'd901;
        4'd11: sig_rom = 18'd975;
        4'd12: sig_rom = 18'd1005;
        4'd13: sig_rom = 18'd1017;
        4'd14: sig_rom = 18'd1021;
        4'd15: sig_rom = 18'd1023;
    endcase
endfunction
wire [10:0] sig_k0_m = -{{3{sig_in[7]}}, sig_in[7:0]};
wire [10:0] sig_k0_q = sig_in[7] ? -(sig_k0_m >> 5) : {{3{sig_in[7]}}, sig_in[7:0]} >> 5;
wire [10:0] sig_k0_s = sig_k0_q + 11'd8;
wire [3:0] sig_k0_i = $signed(sig_k0_s) < 11'sd0 ? 4'd0 : $signed(sig_k0_s) > 11'sd15 ? 4'd15 : sig_k0_s[3:0];
wire [17:0] sig_k0_e = sig_rom(sig_k0_i);
assign sig_next[7:0] = sig_k0_e[12:5];
wire [10:0] sig_k1_m = -{{3{sig_in[15]}}, sig_in[15:8]};
wire [10:0] sig_k1_q = sig_in[15] ? -(sig_k1_m >> 5) : {{3{sig_in[15]}}, sig_in[15:8]} >> 5;
wire [10:0] sig_k1_s = sig_k1_q + 11'd8;
wire [3:0] sig_k1_i = $signed(sig_k1_s) < 11'sd0 ? 4'd0 : $signed(sig_k1_s) > 11'sd15 ? 4'd15 : sig_k1_s[3:0];
wire [17:0] sig_k1_e = sig_rom(sig_k1_i);
assign sig_next[15:8] = sig_k1_e[12:5];
wire [10:0] sig_k2_m = -{{3{sig_in[23]}}, sig_in[23:16]};
wire [10:0] sig_k2_q = sig_in[23] ? -(sig_k2_m >> 5) : {{3{sig_in[23]}}, sig_in[23:16]} >> 5;
wire [10:0] sig_k2_s = sig_k2_q + 11'd8;
wire [3:0] sig_k2_i = $signed(sig_k2_s) < 11'sd0 ? 4'd0 : $signed(sig_k2_s) > 11'sd15 ? 4'd15 : sig_k2_s[3:0];
wire [17:0] sig_k2_e = sig_rom(sig_k2_i);
assign sig_next[23:16] = sig_k2_e[12:5];
reg [23:0] sig_reg;
always @(posedge ap_clk) sig_reg <= sig_next;

// ---- sm: Softmax (stable, hls4ml) over the last axis; cycles 2 .. 2 after the accept; 3 products
wire [23:0] sm_in = sig_reg;
wire [23:0] sm_next;
function [17:0] sm_exp_rom;
    input [3:0] k;
    case (k)
        4'd0: sm_exp_rom = 18'd1024;
        4'd1: sm_exp_rom = 18'd797;
        4'd2: sm_exp_rom = 18'd621;
        4'd3: sm_exp_rom = 18'd484;
        4'd4: sm_exp_rom = 18'd377;
        4'd5: sm_exp_rom = 18'd293;
        4'd6: sm_exp_rom = 18'd228;
        4'd7: sm_exp_rom = 18'd178;
        4'd8: sm_exp_rom = 18'd139;
        4'd9: sm_exp_rom = 18'd108;
        4'd10: sm_exp_rom = 18'd84;
        4'd11: sm_exp_rom = 18'd65;
        4'd12: sm_exp_rom = 18'd51;
        4'd13: sm_exp_rom = 18'd40;
        4'd14: sm_exp_rom = 18'd31;
        4'd15: sm_exp_rom = 18'd24;
    endcase
endfunction
function [17:0] sm_inv_rom;
    input [3:0] k;
    case (k)
        4'd0: sm_inv_rom = 18'd131071;
        4'd1: sm_inv_rom = 18'd64;
        4'd2: sm_inv_rom = 18'd32;
        4'd3: sm_inv_rom = 18'd21;
        4'd4: sm_inv_rom = 18'd16;
        4'd5: sm_inv_rom = 18'd13;
        4'd6: sm_inv_rom = 18'd11;
        4'd7: sm_inv_rom = 18'd9;
        4'd8: sm_inv_rom = 18'd262136;
        4'd9: sm_inv_rom = 18'd262135;
        4'd10: sm_inv_rom = 18'd262133;
        4'd11: sm_inv_rom = 18'd262131;
        4'd12: sm_inv_rom = 18'd262128;
        4'd13: sm_inv_rom = 18'd262123;
        4'd14: sm_inv_rom = 18'd262112;
        4'd15: sm_inv_rom = 18'd262080;
    endcase
endfunction
wire [7:0] sm_r0_m1 = $signed(sm_in[15:8]) > $signed(sm_in[7:0]) ? sm_in[15:8] : sm_in[7:0];
wire [7:0] sm_r0_m2 = $signed(sm_in[23:16]) > $signed(sm_r0_m1) ? sm_in[23:16] : sm_r0_m1;
wire [7:0] sm_r0_0_df = sm_r0_m2 - sm_in[7:0];
wire [17:0] sm_r0_0_exp_e = sm_exp_rom(sm_r0_0_df[6:3]);
wire [7:0] sm_r0_1_df = sm_r0_m2 - sm_in[15:8];
wire [17:0] sm_r0_1_exp_e = sm_exp_rom(sm_r0_1_df[6:3]);
wire [7:0] sm_r0_2_df = sm_r0_m2 - sm_in[23:16];
wire [17:0] sm_r0_2_exp_e = sm_exp_rom(sm_r0_2_df[6:3]);
wire [18:0] sm_r0_t3 = {sm_r0_0_exp_e[17], sm_r0_0_exp_e} + {sm_r0_1_exp_e[17], sm_r0_1_exp_e};
wire [19:0] sm_r0_cs3_q = {sm_r0_t3[18], sm_r0_t3};
wire [17:0] sm_r0_s3 = $signed(sm_r0_cs3_q) > 20'sd131071 ? 18'd131071 : $signed(sm_r0_cs3_q) < -20'sd131072 ? 18'd131072 : sm_r0_cs3_q[17:0];
wire [18:0] sm_r0_t4 = {sm_r0_s3[17], sm_r0_s3} + {sm_r0_2_exp_e[17], sm_r0_2_exp_e};
wire [19:0] sm_r0_cs4_q = {sm_r0_t4[18], sm_r0_t4};
wire [17:0] sm_r0_s4 = $signed(sm_r0_cs4_q) > 20'sd131071 ? 18'd131071 : $signed(sm_r0_cs4_q) < -20'sd131072 ? 18'd131072 : sm_r0_cs4_q[17:0];
wire [17:0] sm_r0_inv_e = sm_inv_rom(sm_r0_s4[17:14]);
wire [35:0] sm_r0_0_p;
assign sm_next[7:0] = sm_r0_0_p[22:15];
wire [35:0] sm_r0_1_p;
assign sm_next[15:8] = sm_r0_1_p[22:15];
wire [35:0] sm_r0_2_p;
assign sm_next[23:16] = sm_r0_2_p[22:15];
assign sm_r0_0_p = $signed({{18{sm_r0_0_exp_e[17]}},
    sm_r0_0_exp_e}) * $signed({{18{sm_r0_inv_e[17]}}, sm_r0_inv_e});
assign sm_r0_1_p = $signed({{18{sm_r0_1_exp_e[17]}},
    sm_r0_1_exp_e}) * $signed({{18{sm_r0_inv_e[17]}}, sm_r0_inv_e});
assign sm_r0_2_p = $signed({{18{sm_r0_2_exp_e[17]}},
    sm_r0_2_exp_e}) * $signed({{18{sm_r0_inv_e[17]}}, sm_r0_inv_e});
reg [23:0] sm_reg;
always @(posedge ap_clk) sm_reg <= sm_next;

assign sm_out = sm_reg;
assign sm_out_ap_vld = valid[2];
assign ap_done = valid[2];
assign ap_idle = ~ap_start & ~(|valid);

// bits no logic reads (a cast drops them, or no window covers them), in
// wires that the default --unused-regexp (*unused*) of the lint exempts
wire [35:0] fc_unused = {fc_p0[15:13], fc_p0[4:0], fc_p1[15:13], fc_p1[4:0], fc_p2[15:13],
    fc_p2[4:0], fc_p3[15:13], fc_p3[4:0], fc_acc0_0_s[8], fc_acc1_0_s[8], fc_acc2_0_s[8],
    fc_acc2_1_s[8]};
wire [29:0] sig_unused = {sig_k0_e[17:13], sig_k0_e[4:0], sig_k1_e[17:13], sig_k1_e[4:0],
    sig_k2_e[17:13], sig_k2_e[4:0]};
wire [109:0] sm_unused = {sm_r0_0_df[7], sm_r0_0_df[2:0], sm_r0_1_df[7], sm_r0_1_df[2:0],
    sm_r0_2_df[7], sm_r0_2_df[2:0], sm_r0_s4[13:0], sm_r0_0_p[35:23], sm_r0_0_p[14:0],
    sm_r0_1_p[35:23], sm_r0_1_p[14:0], sm_r0_2_p[35:23], sm_r0_2_p[14:0]};
endmodule
`default_nettype wire
