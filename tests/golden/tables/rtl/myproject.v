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
wire [16:0] fc_acc0 = 17'd0 + {fc_p0[15], fc_p0};
assign fc_next[7:0] = fc_acc0[12:5];
wire [16:0] fc_acc1 = 17'd896 + {fc_p1[15], fc_p1};
assign fc_next[15:8] = fc_acc1[12:5];
wire [16:0] fc_acc2 = 17'd768 + {fc_p2[15], fc_p2} + {fc_p3[15], fc_p3};
assign fc_next[23:16] = fc_acc2[12:5];
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
        4'd0: sig_rom = 18'd18;
        4'd1: sig_rom = 18'd30;
        4'd2: sig_rom = 18'd49;
        4'd3: sig_rom = 18'd78;
        4'd4: sig_rom = 18'd122;
        4'd5: sig_rom = 18'd187;
        4'd6: sig_rom = 18'd275;
        4'd7: sig_rom = 18'd387;
        4'd8: sig_rom = 18'd512;
        4'd9: sig_rom = 18'd637;
        4'd10: sig_rom = 18'd749;
        4'd11: sig_rom = 18'd837;
        4'd12: sig_rom = 18'd902;
        4'd13: sig_rom = 18'd946;
        4'd14: sig_rom = 18'd975;
        4'd15: sig_rom = 18'd994;
    endcase
endfunction
wire [10:0] sig_k0_d = {{3{sig_in[7]}}, sig_in[7:0]} + 11'd136;
wire [10:0] sig_k0_s = $signed(sig_k0_d) >>> 4;
wire [3:0] sig_k0_i = $signed(sig_k0_s) < 11'sd0 ? 4'd0 : $signed(sig_k0_s) > 11'sd15 ? 4'd15 : sig_k0_s[3:0];
wire [17:0] sig_k0_e = sig_rom(sig_k0_i);
assign sig_next[7:0] = sig_k0_e[12:5];
wire [10:0] sig_k1_d = {{3{sig_in[15]}}, sig_in[15:8]} + 11'd136;
wire [10:0] sig_k1_s = $signed(sig_k1_d) >>> 4;
wire [3:0] sig_k1_i = $signed(sig_k1_s) < 11'sd0 ? 4'd0 : $signed(sig_k1_s) > 11'sd15 ? 4'd15 : sig_k1_s[3:0];
wire [17:0] sig_k1_e = sig_rom(sig_k1_i);
assign sig_next[15:8] = sig_k1_e[12:5];
wire [10:0] sig_k2_d = {{3{sig_in[23]}}, sig_in[23:16]} + 11'd136;
wire [10:0] sig_k2_s = $signed(sig_k2_d) >>> 4;
wire [3:0] sig_k2_i = $signed(sig_k2_s) < 11'sd0 ? 4'd0 : $signed(sig_k2_s) > 11'sd15 ? 4'd15 : sig_k2_s[3:0];
wire [17:0] sig_k2_e = sig_rom(sig_k2_i);
assign sig_next[23:16] = sig_k2_e[12:5];
reg [23:0] sig_reg;
always @(posedge ap_clk) sig_reg <= sig_next;

// ---- sm: Softmax (stable, hlsfx) over the last axis; cycles 2 .. 2 after the accept; 3 products
wire [23:0] sm_in = sig_reg;
wire [23:0] sm_next;
function [17:0] sm_exp_rom;
    input [3:0] k;
    case (k)
        4'd0: sm_exp_rom = 18'd1024;
        4'd1: sm_exp_rom = 18'd621;
        4'd2: sm_exp_rom = 18'd377;
        4'd3: sm_exp_rom = 18'd228;
        4'd4: sm_exp_rom = 18'd139;
        4'd5: sm_exp_rom = 18'd84;
        4'd6: sm_exp_rom = 18'd51;
        4'd7: sm_exp_rom = 18'd31;
        4'd8: sm_exp_rom = 18'd19;
        4'd9: sm_exp_rom = 18'd11;
        4'd10: sm_exp_rom = 18'd7;
        4'd11: sm_exp_rom = 18'd4;
        4'd12: sm_exp_rom = 18'd3;
        4'd13: sm_exp_rom = 18'd2;
        4'd14: sm_exp_rom = 18'd1;
        4'd15: sm_exp_rom = 18'd1;
    endcase
endfunction
function [17:0] sm_inv_rom;
    input [3:0] k;
    case (k)
        4'd0: sm_inv_rom = 18'd131071;
        4'd1: sm_inv_rom = 18'd4096;
        4'd2: sm_inv_rom = 18'd2048;
        4'd3: sm_inv_rom = 18'd1365;
        4'd4: sm_inv_rom = 18'd1024;
        4'd5: sm_inv_rom = 18'd819;
        4'd6: sm_inv_rom = 18'd683;
        4'd7: sm_inv_rom = 18'd585;
        4'd8: sm_inv_rom = 18'd512;
        4'd9: sm_inv_rom = 18'd455;
        4'd10: sm_inv_rom = 18'd410;
        4'd11: sm_inv_rom = 18'd372;
        4'd12: sm_inv_rom = 18'd341;
        4'd13: sm_inv_rom = 18'd315;
        4'd14: sm_inv_rom = 18'd293;
        4'd15: sm_inv_rom = 18'd273;
    endcase
endfunction
wire [7:0] sm_r0_m1 = $signed(sm_in[15:8]) > $signed(sm_in[7:0]) ? sm_in[15:8] : sm_in[7:0];
wire [7:0] sm_r0_m2 = $signed(sm_in[23:16]) > $signed(sm_r0_m1) ? sm_in[23:16] : sm_r0_m1;
wire [19:0] sm_r0_sum0 = 20'd0;
wire [7:0] sm_r0_0_d = sm_r0_m2 - sm_in[7:0];
wire [10:0] sm_r0_0_exp_d = {{3{1'b0}}, sm_r0_0_d} + 11'd8;
wire [10:0] sm_r0_0_exp_s = $signed(sm_r0_0_exp_d) >>> 4;
wire [3:0] sm_r0_0_exp_i = $signed(sm_r0_0_exp_s) < 11'sd0 ? 4'd0 : $signed(sm_r0_0_exp_s) > 11'sd15 ? 4'd15 : sm_r0_0_exp_s[3:0];
wire [17:0] sm_r0_0_exp_e = sm_exp_rom(sm_r0_0_exp_i);
wire [20:0] sm_r0_0_t = {sm_r0_sum0[19], sm_r0_sum0} + {{3{sm_r0_0_exp_e[17]}}, sm_r0_0_exp_e};
wire [7:0] sm_r0_1_d = sm_r0_m2 - sm_in[15:8];
wire [10:0] sm_r0_1_exp_d = {{3{1'b0}}, sm_r0_1_d} + 11'd8;
wire [10:0] sm_r0_1_exp_s = $signed(sm_r0_1_exp_d) >>> 4;
wire [3:0] sm_r0_1_exp_i = $signed(sm_r0_1_exp_s) < 11'sd0 ? 4'd0 : $signed(sm_r0_1_exp_s) > 11'sd15 ? 4'd15 : sm_r0_1_exp_s[3:0];
wire [17:0] sm_r0_1_exp_e = sm_exp_rom(sm_r0_1_exp_i);
wire [20:0] sm_r0_1_t = {sm_r0_0_t[19], sm_r0_0_t[19:0]} + {{3{sm_r0_1_exp_e[17]}}, sm_r0_1_exp_e};
wire [7:0] sm_r0_2_d = sm_r0_m2 - sm_in[23:16];
wire [10:0] sm_r0_2_exp_d = {{3{1'b0}}, sm_r0_2_d} + 11'd8;
wire [10:0] sm_r0_2_exp_s = $signed(sm_r0_2_exp_d) >>> 4;
wire [3:0] sm_r0_2_exp_i = $signed(sm_r0_2_exp_s) < 11'sd0 ? 4'd0 : $signed(sm_r0_2_exp_s) > 11'sd15 ? 4'd15 : sm_r0_2_exp_s[3:0];
wire [17:0] sm_r0_2_exp_e = sm_exp_rom(sm_r0_2_exp_i);
wire [20:0] sm_r0_2_t = {sm_r0_1_t[19], sm_r0_1_t[19:0]} + {{3{sm_r0_2_exp_e[17]}}, sm_r0_2_exp_e};
wire [21:0] sm_r0_inv_d = {{2{sm_r0_2_t[19]}}, sm_r0_2_t[19:0]} + 22'd128;
wire [21:0] sm_r0_inv_s = $signed(sm_r0_inv_d) >>> 8;
wire [3:0] sm_r0_inv_i = $signed(sm_r0_inv_s) < 22'sd0 ? 4'd0 : $signed(sm_r0_inv_s) > 22'sd15 ? 4'd15 : sm_r0_inv_s[3:0];
wire [17:0] sm_r0_inv_e = sm_inv_rom(sm_r0_inv_i);
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
wire [26:0] fc_unused = {fc_acc0[16:13], fc_acc0[4:0], fc_acc1[16:13], fc_acc1[4:0], fc_acc2[16:13],
    fc_acc2[4:0]};
wire [29:0] sig_unused = {sig_k0_e[17:13], sig_k0_e[4:0], sig_k1_e[17:13], sig_k1_e[4:0],
    sig_k2_e[17:13], sig_k2_e[4:0]};
wire [86:0] sm_unused = {sm_r0_0_t[20], sm_r0_1_t[20], sm_r0_2_t[20], sm_r0_0_p[35:23],
    sm_r0_0_p[14:0], sm_r0_1_p[35:23], sm_r0_1_p[14:0], sm_r0_2_p[35:23], sm_r0_2_p[14:0]};
endmodule
`default_nettype wire
