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

from dataclasses import replace

from hlsfx.codegen.rtl.expressions import (
    Operand,
    Signal,
    add,
    bit_and,
    bit_literal,
    bit_or,
    concat,
    const,
    equal,
    invert,
    not_equal,
    subtract,
)
from hlsfx.codegen.rtl.interface import Interface, PortField, StreamSignals, TensorInterface
from hlsfx.codegen.rtl.netlist import Netlist

__all__ = ["PORT_STYLES", "wrap"]

PORT_STYLES = ("ap_vld", "ap_vld_elements", "axis")


def _transfers(tensor: TensorInterface) -> tuple[int, int]:
    """Codes per AXI-Stream transfer (one position's channels) and transfers per sample."""
    beat = tensor.shape[-1] if tensor.shape else 1
    return beat, tensor.size // beat


def _stream(name: str, beat: int) -> StreamSignals:
    """The stream of tensor port ``name``."""
    return StreamSignals(beat, f"{name}_V_TDATA", f"{name}_V_TVALID", f"{name}_V_TREADY")


def _stream_ports(net: Netlist, tensor: TensorInterface, direction: str) -> tuple:
    """The AXI-Stream ports of ``tensor`` (``direction``: ``input`` into the design, or
    ``output``): its port name, codes per transfer, transfers per sample, bits per transfer,
    the width of a transfer counter, and its TDATA, TVALID and TREADY."""
    name = tensor.ports[0].data
    beat, beats = _transfers(tensor)
    bits = beat * tensor.width
    net.owner = name
    back = "output" if direction == "input" else "input"
    data = net.port(direction, f"{name}_V_TDATA", bits)
    valid = net.port(direction, f"{name}_V_TVALID", 1)
    ready = net.port(back, f"{name}_V_TREADY", 1)
    return name, beat, beats, bits, max(1, beats.bit_length()), data, valid, ready


def _shifted_in(register: Signal, data: Operand, bits: int) -> Operand:
    """``register`` moved down by ``bits``, ``data`` entering at the top."""
    if register.width == bits:
        return data
    return concat([data, register.bits(bits, register.width - bits)])


def _control(net: Netlist, names: tuple[str, ...], direction: str) -> dict[str, Signal]:
    return {name: net.port(direction, name, 1) for name in names}


def _elements(top: str, core: str, interface: Interface) -> tuple[Netlist, Interface]:
    net = Netlist()
    control = _control(net, ("ap_clk", "ap_rst", "ap_start"), "input")
    done = _control(net, ("ap_done", "ap_idle", "ap_ready"), "output")
    inputs: dict[str, Operand] = {name: control[name] for name in ("ap_clk", "ap_rst", "ap_start")}
    outputs: dict[str, Signal] = dict(done)
    described_in = []
    for t in interface.inputs:
        f = t.ports[0]
        net.owner = f.data
        inputs[f.data] = net.port("input", f"{f.data}_V", t.size * t.width)
        inputs[f.valid] = net.port("input", f"{f.data}_V_ap_vld", 1)
        port = replace(f, data=f"{f.data}_V", valid=f"{f.data}_V_ap_vld")
        described_in.append(replace(t, ports=(port,)))
    elements, described_out = [], []
    for t in interface.outputs:
        f, w = t.ports[0], t.width
        ports = []
        for k in range(t.size):
            name = f"{f.data}_{k}_V"
            elements.append(
                (net.port("output", name, w), net.port("output", f"{name}_ap_vld", 1), f, k * w, w)
            )
            ports.append(PortField(name, k, 1, f"{name}_ap_vld"))
        described_out.append(replace(t, ports=tuple(ports)))
    for t in interface.outputs:
        f = t.ports[0]
        net.owner = f.data
        outputs[f.data] = net.wire(f.data, t.size * t.width)
        outputs[f.valid] = net.wire(f.valid, 1)
    net.instance(core, "core", inputs, outputs)
    for data, valid, f, first, w in elements:
        net.assign(data, outputs[f.data].bits(first, w))
        net.assign(valid, outputs[f.valid])
    return net, replace(interface, inputs=tuple(described_in), outputs=tuple(described_out))


def _axis(top: str, core: str, interface: Interface) -> tuple[Netlist, Interface]:
    net = Netlist()
    clock, reset_n = net.port("input", "ap_clk", 1), net.port("input", "ap_rst_n", 1)
    reset = net.wire("ap_rst", 1, invert(reset_n))
    net.owner = "ap"
    core_out = {name: net.wire(name, 1) for name in ("ap_done", "ap_idle", "ap_ready")}
    net.owner = None
    start = net.wire("ap_start", 1)
    waiting = net.reg("waiting", 1)
    net.comment("waiting: a sample is in the core; one sample at a time")
    pins: dict[str, Operand] = {"ap_clk": clock, "ap_rst": reset, "ap_start": start}
    full, described_in = [], []
    for t in interface.inputs:
        f, w = t.ports[0], t.width
        name, beat, beats, bw, cw, tdata, tvalid, tready = _stream_ports(net, t, "input")
        data, count = net.reg(name, t.size * w), net.reg(f"{name}_count", cw)
        net.comment(f"{name}_count: transfers taken of {beats}; the data moves down as they come")
        is_full = net.wire(f"{name}_full", 1, equal(count, const(beats, cw)))
        net.assign(tready, invert(is_full))
        take = net.wire(f"{name}_take", 1, bit_and(tvalid, tready))
        net.clocked(
            count,
            (reset, const(0, cw)),
            (start, const(0, cw)),
            (take, add(count, const(1, cw))),
        )
        net.clocked(
            data, (bit_and(invert(reset), invert(start), take), _shifted_in(data, tdata, bw))
        )
        pins[f.data], pins[f.valid] = data, bit_literal(1)
        full.append(is_full)
        described_in.append(replace(t, ports=(), stream=_stream(name, beat)))
    outputs: dict[str, Signal] = dict(core_out)
    sending, described_out = [], []
    for t in interface.outputs:
        f, w = t.ports[0], t.width
        name, beat, beats, bw, cw, tdata, tvalid, tready = _stream_ports(net, t, "output")
        outputs[f.data] = net.wire(name, t.size * w)
        outputs[f.valid] = net.wire(f.valid, 1)  # unread: every output comes with ap_done
        held, left = net.reg(f"{name}_held", t.size * w), net.reg(f"{name}_left", cw)
        net.comment(f"{name}_left: transfers still to send")
        net.assign(tvalid, not_equal(left, const(0, cw)))
        net.assign(tdata, held.bits(0, bw))
        sent = net.wire(f"{name}_sent", 1, bit_and(tvalid, tready))
        net.clocked(
            left,
            (reset, const(0, cw)),
            (core_out["ap_done"], const(beats, cw)),
            (sent, subtract(left, const(1, cw))),
        )
        net.clocked(
            held,
            (bit_and(invert(reset), core_out["ap_done"]), outputs[f.data]),
            (bit_and(invert(reset), sent), _shifted_in(held, const(0, bw), bw)),
        )
        sending.append(tvalid)
        described_out.append(replace(t, ports=(), stream=_stream(name, beat)))
    net.owner = None
    busy = net.wire("busy", 1, bit_or(waiting, *sending))
    net.assign(start, bit_and(*full, invert(busy), core_out["ap_ready"]))
    net.clocked(
        waiting,
        (reset, bit_literal(0)),
        (start, bit_literal(1)),
        (core_out["ap_done"], bit_literal(0)),
    )
    net.instance(core, "core", pins, outputs)
    beats_in = max(_transfers(t)[1] for t in interface.inputs)
    beats_out = max(_transfers(t)[1] for t in interface.outputs)
    described = replace(
        interface,
        protocol="axis",
        reset="ap_rst_n",
        reset_active=0,
        start=None,
        done=None,
        ready=None,
        ii=beats_in + interface.latency + beats_out + 2,
        inputs=tuple(described_in),
        outputs=tuple(described_out),
    )
    return net, described


def wrap(style: str, top: str, core: str, interface: Interface) -> tuple[list[str], Interface]:
    """The Verilog of the wrapper module ``top`` around the core module ``core`` (whose
    interface is ``interface``) in port style ``style``, and the wrapper's interface
    description."""
    if style == "ap_vld_elements":
        net, described = _elements(top, core, interface)
    elif style == "axis":
        net, described = _axis(top, core, interface)
    else:
        raise ValueError(f"port style {style!r} is not one of {', '.join(PORT_STYLES)}")
    return net.lines(top), described
