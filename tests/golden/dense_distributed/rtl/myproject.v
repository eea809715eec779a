`default_nettype none
// myproject: written by hlsfx; latency 2 cycles, II 1.
module myproject (
    input wire ap_clk,
    input wire ap_rst,
    input wire ap_start,
    output wire ap_done,
    output wire ap_idle,
    output wire ap_ready,
    input wire [23:0] x,
    input wire x_ap_vld,
    output wire [15:0] act_out,
    output wire act_out_ap_vld
);
wire accept = ap_start & x_ap_vld & ap_ready;
// valid[k]: a sample was accepted k + 1 cycles ago (k = 0 .. 1)
reg [1:0] valid;
always @(posedge ap_clk)
    if (ap_rst) valid <= 2'd0;
    else valid <= {valid[0], accept};
assign ap_ready = 1'b1;

// ---- fc: Dense 3 -> 2; cycles 0 .. 0 after the accept; 4 adders in 1 pipeline stages of at most 4 (distributed)
wire [23:0] fc_in = x;
wire [15:0] fc_next;
assign fc_next[7:0] = {fc_in[15], fc_in[15:9]};
wire [10:0] fc_n5 = {{{3{fc_in[23]}}, fc_in[23:18]} + {fc_in[15], fc_in[15:8]}, fc_in[17:16]};
wire [7:0] fc_n4 = {fc_in[15] + 1'd1, fc_in[14:8]};
wire [11:0] fc_n6 = {{{4{1'b0}}, fc_n4[7:3]} + {fc_in[23], fc_in[23:16]}, fc_n4[2:0]};
wire [11:0] fc_n7 = {fc_n5, 1'd0} - fc_n6;
assign fc_next[15:8] = fc_n7[10:3];
reg [15:0] fc_reg;
always @(posedge ap_clk) fc_reg <= fc_next;

// ---- act: ReLU over 2 values; cycles 1 .. 1 after the accept; 0 products
wire [15:0] act_in = fc_reg;
wire [15:0] act_next;
wire [6:0] act_m0 = act_in[7] ? 7'd0 : act_in[6:0];
assign act_next[7:0] = {1'b0, act_m0};
wire [6:0] act_m1 = act_in[15] ? 7'd0 : act_in[14:8];
assign act_next[15:8] = {1'b0, act_m1};
reg [15:0] act_reg;
always @(posedge ap_clk) act_reg <= act_next;

assign act_out = act_reg;
assign act_out_ap_vld = valid[1];
assign ap_done = valid[1];
assign ap_idle = ~ap_start & ~(|valid);

// bits no logic reads (a cast drops them, or no window covers them), in
// wires that the default --unused-regexp (*unused*) of the lint exempts
wire [11:0] fc_unused = {fc_in[7:0], fc_n7[11], fc_n7[2:0]};
endmodule
`default_nettype wire
