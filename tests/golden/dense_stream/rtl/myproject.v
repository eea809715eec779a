`default_nettype none
// myproject: written by hlsfx; io_stream, AXI-Stream ports
module myproject (
    input wire ap_clk,
    input wire ap_rst_n,
    input wire [23:0] x_V_TDATA,
    input wire x_V_TVALID,
    output wire x_V_TREADY,
    input wire x_V_TLAST,
    output wire [15:0] act_out_V_TDATA,
    output wire act_out_V_TVALID,
    input wire act_out_V_TREADY,
    output wire act_out_V_TLAST
);
wire rst = ~ap_rst_n;
wire x_fifo_in_valid;

// ---- x_fifo: FIFO of 2 pixels of 24 bits
reg [23:0] x_fifo_slots [0:1];
reg x_fifo_head;
reg x_fifo_tail;
reg [1:0] x_fifo_count;
wire x_fifo_in_ready = x_fifo_count != 2'd2;
wire x_fifo_push = x_fifo_in_valid & x_fifo_in_ready;
wire x_fifo_out_valid = x_fifo_count != 2'd0;
wire x_fifo_out_ready;
wire x_fifo_pop = x_fifo_out_valid & x_fifo_out_ready;
wire [23:0] x_fifo_out_data = x_fifo_slots[x_fifo_head];
always @(posedge ap_clk) if (x_fifo_push) x_fifo_slots[x_fifo_tail] <= x_V_TDATA;
always @(posedge ap_clk)
    if (rst) x_fifo_tail <= 1'd0;
    else if (x_fifo_push) x_fifo_tail <= x_fifo_tail + 1'd1;
always @(posedge ap_clk)
    if (rst) x_fifo_head <= 1'd0;
    else if (x_fifo_pop) x_fifo_head <= x_fifo_head + 1'd1;
always @(posedge ap_clk)
    if (rst) x_fifo_count <= 2'd0;
    else if (x_fifo_push & ~x_fifo_pop) x_fifo_count <= x_fifo_count + 2'd1;
    else if (x_fifo_pop & ~x_fifo_push) x_fifo_count <= x_fifo_count - 2'd1;
assign x_fifo_in_valid = x_V_TVALID;
assign x_V_TREADY = x_fifo_in_ready;

// ---- fc: Dense 3 -> 2, per pixel; 3 products on 3 multipliers, 1 cycle a pixel
wire fc_ready;
wire [23:0] fc_in = x_fifo_out_data;
wire [15:0] fc_next;
wire [15:0] fc_p0;
wire [15:0] fc_p1;
wire [15:0] fc_p2;
wire [16:0] fc_acc0 = 17'd0 + {fc_p0[15], fc_p0};
assign fc_next[7:0] = fc_acc0[12:5];
wire [16:0] fc_acc1 = 17'd130560 + {fc_p1[15], fc_p1} + {fc_p2[15], fc_p2};
assign fc_next[15:8] = fc_acc1[12:5];
assign fc_p0 = $signed({{8{fc_in[15]}}, fc_in[15:8]}) * 16'sd16;
assign fc_p1 = $signed({{8{fc_in[15]}}, fc_in[15:8]}) * 16'sd28;
assign fc_p2 = $signed({{8{fc_in[23]}}, fc_in[23:16]}) * -16'sd24;
reg [15:0] fc_reg;
reg fc_valid;
wire fc_free = ~fc_valid | fc_ready;
wire fc_accept = x_fifo_out_valid & fc_free;
always @(posedge ap_clk) if (fc_accept) fc_reg <= fc_next;
always @(posedge ap_clk)
    if (rst) fc_valid <= 1'b0;
    else if (fc_free) fc_valid <= fc_accept;
assign x_fifo_out_ready = fc_accept;
wire fc_fifo_in_valid;

// ---- fc_fifo: FIFO of 2 pixels of 16 bits
reg [15:0] fc_fifo_slots [0:1];
reg fc_fifo_head;
reg fc_fifo_tail;
reg [1:0] fc_fifo_count;
wire fc_fifo_in_ready = fc_fifo_count != 2'd2;
wire fc_fifo_push = fc_fifo_in_valid & fc_fifo_in_ready;
wire fc_fifo_out_valid = fc_fifo_count != 2'd0;
wire fc_fifo_out_ready;
wire fc_fifo_pop = fc_fifo_out_valid & fc_fifo_out_ready;
wire [15:0] fc_fifo_out_data = fc_fifo_slots[fc_fifo_head];
always @(posedge ap_clk) if (fc_fifo_push) fc_fifo_slots[fc_fifo_tail] <= fc_reg;
always @(posedge ap_clk)
    if (rst) fc_fifo_tail <= 1'd0;
    else if (fc_fifo_push) fc_fifo_tail <= fc_fifo_tail + 1'd1;
always @(posedge ap_clk)
    if (rst) fc_fifo_head <= 1'd0;
    else if (fc_fifo_pop) fc_fifo_head <= fc_fifo_head + 1'd1;
always @(posedge ap_clk)
    if (rst) fc_fifo_count <= 2'd0;
    else if (fc_fifo_push & ~fc_fifo_pop) fc_fifo_count <= fc_fifo_count + 2'd1;
    else if (fc_fifo_pop & ~fc_fifo_push) fc_fifo_count <= fc_fifo_count - 2'd1;
assign fc_fifo_in_valid = fc_valid;
assign fc_ready = fc_fifo_in_ready;

// ---- act: ReLU over 2 values, per pixel; 0 products on 0 multipliers, 1 cycle a pixel
wire act_ready;
wire [15:0] act_in = fc_fifo_out_data;
wire [15:0] act_next;
wire [6:0] act_m0 = act_in[7] ? 7'd0 : act_in[6:0];
assign act_next[7:0] = {1'b0, act_m0};
wire [6:0] act_m1 = act_in[15] ? 7'd0 : act_in[14:8];
assign act_next[15:8] = {1'b0, act_m1};
reg [15:0] act_reg;
reg act_valid;
wire act_free = ~act_valid | act_ready;
wire act_accept = fc_fifo_out_valid & act_free;
always @(posedge ap_clk) if (act_accept) act_reg <= act_next;
always @(posedge ap_clk)
    if (rst) act_valid <= 1'b0;
    else if (act_free) act_valid <= act_accept;
assign fc_fifo_out_ready = act_accept;
wire act_fifo_in_valid;

// ---- act_fifo: FIFO of 2 pixels of 16 bits
reg [15:0] act_fifo_slots [0:1];
reg act_fifo_head;
reg act_fifo_tail;
reg [1:0] act_fifo_count;
wire act_fifo_in_ready = act_fifo_count != 2'd2;
wire act_fifo_push = act_fifo_in_valid & act_fifo_in_ready;
wire act_fifo_out_valid = act_fifo_count != 2'd0;
wire act_fifo_out_ready;
wire act_fifo_pop = act_fifo_out_valid & act_fifo_out_ready;
wire [15:0] act_fifo_out_data = act_fifo_slots[act_fifo_head];
always @(posedge ap_clk) if (act_fifo_push) act_fifo_slots[act_fifo_tail] <= act_reg;
always @(posedge ap_clk)
    if (rst) act_fifo_tail <= 1'd0;
    else if (act_fifo_push) act_fifo_tail <= act_fifo_tail + 1'd1;
always @(posedge ap_clk)
    if (rst) act_fifo_head <= 1'd0;
    else if (act_fifo_pop) act_fifo_head <= act_fifo_head + 1'd1;
always @(posedge ap_clk)
    if (rst) act_fifo_count <= 2'd0;
    else if (act_fifo_push & ~act_fifo_pop) act_fifo_count <= act_fifo_count + 2'd1;
    else if (act_fifo_pop & ~act_fifo_push) act_fifo_count <= act_fifo_count - 2'd1;
assign act_fifo_in_valid = act_valid;
assign act_ready = act_fifo_in_ready;

// ---- output act_out: TLAST on pixel 0 of each image
assign act_out_V_TDATA = act_fifo_out_data;
assign act_out_V_TVALID = act_fifo_out_valid;
assign act_fifo_out_ready = act_out_V_TREADY;
assign act_out_V_TLAST = 1'b1;

// bits no logic reads (a cast drops them, or no window covers them), in
// wires that the default --unused-regexp (*unused*) of the lint exempts
wire x_unused = x_V_TLAST;
wire [25:0] fc_unused = {fc_in[7:0], fc_acc0[16:13], fc_acc0[4:0], fc_acc1[16:13], fc_acc1[4:0]};
endmodule
`default_nettype wire
