"""Port styles of the RTL top other than hlsfx's own (one bus per tensor with ``_ap_vld``): a
wrapper module around the core, in the port conventions Vivado/Vitis HLS gives a design.

- ``ap_vld_elements`` (io_parallel after ``ARRAY_PARTITION``): each input one wide bus
  ``<port>_V`` with ``_ap_vld``; each output element its own port ``<port>_<k>_V`` with its own
  ``_ap_vld``.
- ``axis`` (io_stream): per tensor an AXI-Stream ``<port>_V_TDATA/_TVALID/_TREADY`` carrying
  one position's channels (the last axis) per transfer, reset ``ap_rst_n`` (active low), no
  block-level handshake. The wrapper collects every input's transfers, starts the core, and
  sends the outputs; it takes one sample at a time (a new one once the last output's transfers
  have gone), so it proves the port map, not the throughput.

Each returns the wrapper's Verilog and the interface description the testbench reads."""

from __future__ import annotations

import copy

__all__ = ["PORT_STYLES", "wrap"]

PORT_STYLES = ("ap_vld", "ap_vld_elements", "axis")


def _instance(core: str, connect: dict[str, str]) -> list[str]:
    pins = [f"    .{port}({wire})" for port, wire in connect.items()]
    return [f"{core} core (", ",\n".join(pins), ");"]


def _transfers(tensor: dict) -> tuple[int, int]:
    """Codes per AXI-Stream transfer (one position's channels) and transfers per sample."""
    beat = tensor["shape"][-1] if tensor["shape"] else 1
    return beat, tensor["size"] // beat


def _stream(name: str, beat: int) -> dict:
    """The interface description of the stream of tensor port ``name``."""
    return {"data": f"{name}_V_TDATA", "valid": f"{name}_V_TVALID", "ready": f"{name}_V_TREADY",
            "beat": beat}  # fmt: skip


def _shifted_in(register: str, data: str, width: int, bits: int) -> str:
    """``register`` (``width`` bits) moved down by ``bits``, ``data`` entering at the top."""
    return data if width == bits else f"{{{data}, {register}[{width - 1}:{bits}]}}"


def _core_pins(interface: dict) -> dict[str, str]:
    """The core's ports, each wired to a net of the same name."""
    pins = {p: p for p in ("ap_clk", "ap_rst", "ap_start", "ap_done", "ap_idle", "ap_ready")}
    for t in (*interface["inputs"], *interface["outputs"]):
        field = t["ports"][0]
        pins[field["data"]], pins[field["valid"]] = field["data"], field["valid"]
    return pins


def _elements(top: str, core: str, interface: dict) -> tuple[list[str], dict]:
    ports = [
        "input wire ap_clk", "input wire ap_rst", "input wire ap_start", "output wire ap_done",
        "output wire ap_idle", "output wire ap_ready",
    ]  # fmt: skip
    body, described = [], copy.deepcopy(interface)
    for t, d in zip(interface["inputs"], described["inputs"], strict=True):
        f = t["ports"][0]
        bits = t["size"] * t["width"]
        ports += [f"input wire [{bits - 1}:0] {f['data']}_V", f"input wire {f['data']}_V_ap_vld"]
        body += [f"wire [{bits - 1}:0] {f['data']} = {f['data']}_V;",
                 f"wire {f['valid']} = {f['data']}_V_ap_vld;"]  # fmt: skip
        d["ports"] = [{**f, "data": f"{f['data']}_V", "valid": f"{f['data']}_V_ap_vld"}]
    for t, d in zip(interface["outputs"], described["outputs"], strict=True):
        f, w = t["ports"][0], t["width"]
        body += [f"wire [{t['size'] * w - 1}:0] {f['data']};", f"wire {f['valid']};"]
        d["ports"] = []
        for k in range(t["size"]):
            name = f"{f['data']}_{k}_V"
            ports += [f"output wire [{w - 1}:0] {name}", f"output wire {name}_ap_vld"]
            body += [f"assign {name} = {f['data']}[{k * w + w - 1}:{k * w}];",
                     f"assign {name}_ap_vld = {f['valid']};"]  # fmt: skip
            d["ports"].append({"data": name, "valid": f"{name}_ap_vld", "first": k, "count": 1})
    lines = [f"module {top} (", ",\n".join(f"    {p}" for p in ports), ");", *body]
    lines += [*_instance(core, _core_pins(interface)), "endmodule"]
    return lines, described


def _axis(top: str, core: str, interface: dict) -> tuple[list[str], dict]:
    ports, body = ["input wire ap_clk", "input wire ap_rst_n"], []
    described = copy.deepcopy(interface)
    pins = _core_pins(interface)
    outs = interface["outputs"]
    body += [
        "wire ap_rst = ~ap_rst_n;",
        "wire ap_done, ap_ready;",
        "/* verilator lint_off UNUSEDSIGNAL */",
        "wire ap_idle;",
        "/* verilator lint_on UNUSEDSIGNAL */",
        "reg waiting;  // a sample is in the core",
        "wire ap_start;",
    ]
    full = []
    for t, d in zip(interface["inputs"], described["inputs"], strict=True):
        f, w = t["ports"][0], t["width"]
        name = f["data"]
        beat, beats = _transfers(t)
        bw, cw = beat * w, max(1, beats.bit_length())
        ports += [f"input wire [{bw - 1}:0] {name}_V_TDATA", f"input wire {name}_V_TVALID",
                  f"output wire {name}_V_TREADY"]  # fmt: skip
        body += [
            f"reg [{t['size'] * w - 1}:0] {name};",
            f"reg [{cw - 1}:0] {name}_count;  // transfers taken of {beats}",
            f"wire {name}_full = {name}_count == {cw}'d{beats};",
            f"assign {name}_V_TREADY = ~{name}_full;",
            "always @(posedge ap_clk) begin",
            f"    if (ap_rst) {name}_count <= {cw}'d0;",
            f"    else if (ap_start) {name}_count <= {cw}'d0;",
            f"    else if ({name}_V_TVALID & {name}_V_TREADY) begin  // in at the top, moving down",
            f"        {name} <= {_shifted_in(name, f'{name}_V_TDATA', t['size'] * w, bw)};",
            f"        {name}_count <= {name}_count + {cw}'d1;",
            "    end",
            "end",
            f"wire {f['valid']} = 1'b1;",
        ]
        full.append(f"{name}_full")
        d.pop("ports")
        d["stream"] = _stream(name, beat)
    sending = []
    for t, d in zip(outs, described["outputs"], strict=True):
        f, w = t["ports"][0], t["width"]
        name = f["data"]
        beat, beats = _transfers(t)
        bw, cw = beat * w, max(1, beats.bit_length())
        zeros = f"{bw}'d0"
        ports += [f"output wire [{bw - 1}:0] {name}_V_TDATA", f"output wire {name}_V_TVALID",
                  f"input wire {name}_V_TREADY"]  # fmt: skip
        body += [
            f"wire [{t['size'] * w - 1}:0] {name};",
            "/* verilator lint_off UNUSEDSIGNAL */ // all outputs come with ap_done",
            f"wire {f['valid']};",
            "/* verilator lint_on UNUSEDSIGNAL */",
            f"reg [{t['size'] * w - 1}:0] {name}_held;",
            f"reg [{cw - 1}:0] {name}_left;  // transfers still to send",
            f"assign {name}_V_TVALID = {name}_left != {cw}'d0;",
            f"assign {name}_V_TDATA = {name}_held[{bw - 1}:0];",
            "always @(posedge ap_clk) begin",
            f"    if (ap_rst) {name}_left <= {cw}'d0;",
            f"    else if (ap_done) begin {name}_held <= {name}; {name}_left <= {cw}'d{beats}; end",
            f"    else if ({name}_V_TVALID & {name}_V_TREADY) begin",
            f"        {name}_held <= {_shifted_in(f'{name}_held', zeros, t['size'] * w, bw)};",
            f"        {name}_left <= {name}_left - {cw}'d1;",
            "    end",
            "end",
        ]
        sending.append(f"({name}_left != {cw}'d0)")
        d.pop("ports")
        d["stream"] = _stream(name, beat)
    body += [
        f"wire busy = waiting | {' | '.join(sending)};  // one sample at a time",
        f"assign ap_start = {' & '.join(full)} & ~busy & ap_ready;",
        "always @(posedge ap_clk) begin",
        "    if (ap_rst) waiting <= 1'b0;",
        "    else if (ap_start) waiting <= 1'b1;",
        "    else if (ap_done) waiting <= 1'b0;",
        "end",
    ]
    lines = [f"module {top} (", ",\n".join(f"    {p}" for p in ports), ");", *body]
    lines += [*_instance(core, pins), "endmodule"]
    beats_in = max(_transfers(t)[1] for t in interface["inputs"])
    beats_out = max(_transfers(t)[1] for t in outs)
    described.update(
        protocol="axis", reset="ap_rst_n", reset_active=0, start=None, done=None, ready=None,
        ii=beats_in + interface["latency"] + beats_out + 2,
    )  # fmt: skip
    return lines, described


def wrap(style: str, top: str, core: str, interface: dict) -> tuple[list[str], dict]:
    """The wrapper module ``top`` around the core module ``core`` (whose interface is
    ``interface``) in port style ``style``, and the wrapper's interface description."""
    if style == "ap_vld_elements":
        return _elements(top, core, interface)
    if style == "axis":
        return _axis(top, core, interface)
    raise ValueError(f"port style {style!r} is not one of {', '.join(PORT_STYLES)}")
