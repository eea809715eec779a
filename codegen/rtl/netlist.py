"""The structure the RTL writer builds before it prints anything: one Verilog module's signals
(ports, wires, registers), their drivers, the bits every reader takes, clocked registers and
ROM functions. Verilog-2005 text is printed from it once, at the end.

Expressions (:mod:`.expressions`) know the slices of signals they read, so the netlist knows
which bits of each signal some logic reads, and their widths, so a value wider than the signal
it drives (Verilog would drop its top bits silently) is refused. When it prints, logic from
which no path leads to an output port (an instance or a memory) is left out: a layer whose
every output goes through a cast that keeps none of its bits (:meth:`Netlist.drop`) has no
logic at all (:meth:`Netlist.left_out` names it). The bits no printed logic reads (the bits a
cast drops by design, input positions a strided window skips) are gathered, per owner, into
one wire ``<owner>_unused``: Verilator's default ``--unused-regexp`` (``*unused*``) exempts
it, so the module lints clean with ``-Wall`` and no pragma. A wire that nothing reads at all
(unless :meth:`Netlist.drop` declared it so, or an instance drives it), or a signal bit driven
twice or never, is a bug in the builder and raises ``NetlistError``."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from hlsfx.codegen.rtl.expressions import (
    Expr,
    Function,
    NetlistError,
    Operand,
    Signal,
    Slice,
    concat,
    const,
    expr,
)

__all__ = ["Memory", "Netlist"]

_LINE = 100
"""printed lines longer than this are broken after commas or operators where they can be"""


_UNUSED_NOTE = (
    "// bits no logic reads (a cast drops them, or no window covers them), in",
    "// wires that the default --unused-regexp (*unused*) of the lint exempts",
)  # not "// Verilator ...": Verilator reads a comment that starts so as a directive


class Memory:
    """An array of ``depth`` words of ``width`` bits, written by one clocked port; a word is read
    by :meth:`Netlist.read` (asynchronously, or into a register, as block RAM is read)."""

    def __init__(self, name: str, width: int, depth: int):
        if depth < 2:
            raise NetlistError(f"memory {name!r}: depth must be at least 2, not {depth}")
        self.name, self.width, self.depth = name, width, depth
        self.address_width = (depth - 1).bit_length()
        self.written = self.read = False


@dataclass(frozen=True)
class _MemoryDeclare:
    memory: Memory


@dataclass(frozen=True)
class _MemoryWrite:
    memory: Memory
    enable: Expr
    address: Expr
    data: Expr


@dataclass(frozen=True)
class _Declare:
    signal: Signal
    value: Expr | None


@dataclass(frozen=True)
class _Assign:
    target: Slice
    value: Expr


@dataclass(frozen=True)
class _Clocked:
    target: Signal
    branches: tuple[tuple[Expr | None, Expr], ...]


@dataclass(frozen=True)
class _Rom:
    name: str
    index_width: int
    width: int
    entries: tuple[int, ...]


@dataclass(frozen=True)
class _Instance:
    module: str
    name: str
    pins: tuple[tuple[str, Expr], ...]
    outputs: tuple[Signal, ...]


@dataclass(frozen=True)
class _Comment:
    text: str
    owner: str | None


class Netlist:
    """One module under construction. Signals and statements print in the order they were
    made; ``owner`` is the base name new signals belong to."""

    def __init__(self, clock: str = "ap_clk"):
        self.clock = clock
        self.owner: str | None = None
        self.ports: list[Signal] = []
        self._sections: list[list[object]] = [[]]
        self._items = self._sections[0]
        self._declared: dict[str, tuple[list[object], int]] = {}
        self._signals: list[Signal] = []
        self._names: set[str] = set()
        self._memories: list[Memory] = []

    def _signal(self, name: str, width: int, kind: str, owner: str | None = None) -> Signal:
        if name in self._names:
            raise NetlistError(f"signal {name!r} is made twice")
        self._names.add(name)
        signal = Signal(name, width, kind, self.owner if owner is None else owner)
        self._signals.append(signal)
        return signal

    def port(self, direction: str, name: str, width: int, owner: str | None = None) -> Signal:
        """A module port (``input`` or ``output``), in port order."""
        if direction not in ("input", "output"):
            raise NetlistError(f"port direction {direction!r} is not input or output")
        signal = self._signal(name, width, direction, owner)
        self.ports.append(signal)
        return signal

    def wire(self, name: str, width: int, value: Operand | None = None) -> Signal:
        """A wire, driven by ``value`` here or by :meth:`assign` later."""
        signal = self._signal(name, width, "wire")
        driver = None if value is None else _fitting(value, width, signal)
        if driver is not None:
            self._read(driver)
            signal.driven = (1 << width) - 1
        self._declared[name] = (self._items, len(self._items))
        self._items.append(_Declare(signal, driver))
        return signal

    def drive(self, wire: Signal, value: Operand) -> None:
        """Drive ``wire``, made without a value, in its declaration."""
        items, index = self._declared.get(wire.name, (None, 0))
        if items is None or items[index] != _Declare(wire, None) or wire.kind != "wire":
            raise NetlistError(f"{wire!r} was not declared here without a value")
        driver = _fitting(value, wire.width, wire)
        self._read(driver)
        wire.driven = (1 << wire.width) - 1
        items[index] = _Declare(wire, driver)

    def section(self) -> int:
        """Start a new section: the items made from now on print after those of every earlier
        section; :meth:`into` adds to an earlier one."""
        self._sections.append([])
        self._items = self._sections[-1]
        return len(self._sections) - 1

    @contextlib.contextmanager
    def into(self, section: int) -> Iterator[None]:
        """Items made inside the ``with`` block go to the end of ``section``."""
        current, self._items = self._items, self._sections[section]
        try:
            yield
        finally:
            self._items = current

    def named(self, name: str, width: int, value: Operand) -> Signal | Slice:
        """``value`` where bits of it can be selected: itself if it is a signal or a slice,
        else a new wire ``name`` that it drives."""
        if isinstance(value, (Signal, Slice)):
            return value
        return self.wire(name, width, value)

    def reg(self, name: str, width: int, owner: str | None = None) -> Signal:
        """A register, loaded by :meth:`clocked`."""
        signal = self._signal(name, width, "reg", owner)
        self._items.append(_Declare(signal, None))
        return signal

    def assign(self, target: Signal | Slice, value: Operand) -> None:
        """``assign target = value;`` (a wire, an output port, or bits of one)."""
        target = target.all if isinstance(target, Signal) else target
        if target.signal.kind not in ("wire", "output"):
            raise NetlistError(f"{target.signal!r} is not a wire or an output")
        if target.signal.driven & target.mask:
            raise NetlistError(f"{target} is driven twice")
        target.signal.driven |= target.mask
        driver = _fitting(value, target.width, target)
        self._read(driver)
        self._items.append(_Assign(target, driver))

    def clocked(self, target: Signal, *branches: tuple[Operand | None, Operand]) -> None:
        """``always @(posedge clock) if (c0) target <= v0; else if ...`` over ``(condition,
        value)`` branches; a last condition of None is the ``else``, a single one loads every
        cycle."""
        if target.kind != "reg" or target.driven:
            raise NetlistError(f"{target!r} is not a register, or is loaded twice")
        target.driven = (1 << target.width) - 1
        made = []
        for condition, value in branches:
            pair = (
                None if condition is None else _condition(condition),
                _fitting(value, target.width, target),
            )
            for e in pair:
                if e is not None:
                    self._read(e)
            made.append(pair)
        self._items.append(_Clocked(target, tuple(made)))

    def rom(self, name: str, index_width: int, width: int, entries: Sequence[int]) -> Function:
        """A ROM function ``name`` from ``index_width`` bits to ``width`` bits holding the raw
        codes ``entries`` (an index past the end reads the last); call it with an index."""
        if name in self._names:
            raise NetlistError(f"ROM {name!r} is made twice")
        self._names.add(name)
        self._items.append(_Rom(name, index_width, width, tuple(int(e) for e in entries)))
        return Function(name, index_width, width)

    def instance(
        self, module: str, name: str, inputs: dict[str, Operand], outputs: dict[str, Signal]
    ) -> None:
        """An instance ``name`` of ``module``: its input ports read ``inputs``, its output
        ports drive the wires or output ports ``outputs`` (by port name)."""
        for port, wire in outputs.items():
            if wire.kind not in ("wire", "output") or wire.driven:
                raise NetlistError(f"{name}.{port}: {wire!r} is not an undriven wire or output")
            wire.driven, wire.may_go_unread = (1 << wire.width) - 1, True
        pins = [(port, expr(value)) for port, value in inputs.items()]
        for _, e in pins:
            self._read(e)
        pins += [(port, expr(wire)) for port, wire in outputs.items()]
        self._items.append(_Instance(module, name, tuple(pins), tuple(outputs.values())))

    def memory(self, name: str, width: int, depth: int) -> Memory:
        """A memory ``name``, written by :meth:`write` and read by :meth:`read`."""
        if name in self._names:
            raise NetlistError(f"memory {name!r} is made twice")
        self._names.add(name)
        memory = Memory(name, width, depth)
        self._memories.append(memory)
        self._items.append(_MemoryDeclare(memory))
        return memory

    def write(self, memory: Memory, enable: Operand, address: Operand, data: Operand) -> None:
        """``always @(posedge clock) if (enable) memory[address] <= data;`` (its one write)."""
        if memory.written:
            raise NetlistError(f"memory {memory.name!r} is written by two ports")
        memory.written = True
        exprs = [
            _condition(enable),
            _fitting(address, memory.address_width, f"{memory.name}'s address"),
            _fitting(data, memory.width, f"a word of {memory.name}"),
        ]
        for e in exprs:
            self._read(e)
        self._items.append(_MemoryWrite(memory, *exprs))

    def read(self, memory: Memory, address: Operand) -> Expr:
        """The word of ``memory`` at ``address`` (an expression: a wire declared with it reads
        asynchronously, a register loaded with it reads as block RAM does)."""
        memory.read = True
        index = _fitting(address, memory.address_width, f"{memory.name}'s address")
        return Expr((f"{memory.name}[", *index.parts, "]"), memory.width)

    def comment(self, text: str, owner: str | None = None) -> None:
        """A comment line; one of ``owner``'s (default: the current owner) says, when none of
        the owner's logic is printed, that it was left out instead."""
        self._items.append(_Comment(text, self.owner if owner is None else owner))

    def drop(self, value: Operand) -> None:
        """Declare that the design reads no bit of ``value`` by intent (a cast whose result
        takes none of its source's bits): its bits go to ``<owner>_unused`` rather than failing
        the check for forgotten wires."""
        for s in expr(value).slices:
            s.signal.may_go_unread = True

    def _read(self, e: Expr) -> None:
        for s in e.slices:
            s.signal.read |= s.mask

    # ---- printing

    def _check_read(self) -> None:
        """A wire that nothing reads at all is one the builder forgot, unless it may go unread."""
        for signal in self._signals:
            if signal.kind == "wire" and not signal.read and not signal.may_go_unread:
                raise NetlistError(f"nothing reads {signal!r}")

    def _live(self) -> set[int]:
        """The ids of the signals on some path to an output port, an instance or a memory."""
        drivers: dict[int, list[object]] = {}
        reached = [s for s in self.ports if s.kind == "output"]
        for item in (item for section in self._sections for item in section):
            target = _target(item)
            if target is not None:
                drivers.setdefault(id(target), []).append(item)
            elif isinstance(item, (_Instance, _MemoryWrite)):
                reached += [s.signal for s in _reads(item)]  # an instance's outputs too
        live: set[int] = set()
        while reached:
            signal = reached.pop()
            if id(signal) not in live:
                live.add(id(signal))
                for item in drivers.get(id(signal), ()):
                    reached += [s.signal for s in _sources(item)]
        return live

    def left_out(self) -> tuple[str, ...]:
        """The owners none of whose logic reaches an output port: their outputs go only
        through casts that keep none of their bits."""
        return tuple(sorted(self._left_owners(self._live())))

    def _left_owners(self, live: set[int]) -> set[str]:
        """The owners of no port and of no signal in ``live``."""
        kept = {s.owner for s in self.ports} | {s.owner for s in self._signals if id(s) in live}
        return {s.owner for s in self._signals if s.owner is not None} - kept

    def _unused(self, items: Sequence[object]) -> dict[str, list[Slice]]:
        """Per owner, the slices of its signals in ``items`` (the printed ones) that no item
        reads, most significant first."""
        read: dict[int, int] = {}
        for item in items:
            for s in _sources(item):
                read[id(s.signal)] = read.get(id(s.signal), 0) | s.mask
        declared = {id(item.signal) for item in items if isinstance(item, _Declare)}
        clocked = any(isinstance(item, (_Clocked, _MemoryWrite)) for item in items)
        found: dict[str, list[Slice]] = {}
        for signal in self._signals:
            if signal.kind == "output" or (signal.name == self.clock and clocked):
                continue
            if signal.kind != "input" and id(signal) not in declared:
                continue
            unread = ~read.get(id(signal), 0) & ((1 << signal.width) - 1)
            if not unread:
                continue
            if signal.owner is None:
                raise NetlistError(f"{signal!r} has unread bits and no owner")
            found.setdefault(signal.owner, []).extend(_runs(signal, unread))
        return found

    def lines(self, module: str, header: Sequence[str] = ()) -> list[str]:
        """The module's Verilog, ``header`` lines (comments) after its ``module`` line."""
        for signal in self._signals:
            full = (1 << signal.width) - 1
            if signal.kind != "input" and signal.driven != full:
                raise NetlistError(f"bits of {signal!r} are never driven")
        for memory in self._memories:
            if not (memory.written and memory.read):
                raise NetlistError(f"memory {memory.name!r} is never written or never read")
        self._check_read()
        items = self._printed(self._live())
        out = [f"module {module} ("]
        out += [f"    {s.kind} wire {_range_of(s.width)}{s.name}," for s in self.ports]
        out[-1] = out[-1].rstrip(",")
        out += [");", *header]
        declared = {port.name for port in self.ports}
        for item in items:
            if isinstance(item, _Declare):
                declared.add(item.signal.name)
            for used in _reads(item):
                if used.signal.name not in declared:
                    raise NetlistError(f"{used.signal!r} is used before it is declared")
            out += _print(item, self.clock)
        sinks = self._unused(items)
        if sinks:
            out += ["", *_UNUSED_NOTE]
        for owner, slices in sinks.items():
            width = sum(s.width for s in slices)
            value = concat(slices)
            out += _wrapped(f"wire {_range_of(width)}{owner}_unused = {value};")
        out.append("endmodule")
        return out

    def _printed(self, live: set[int]) -> list[object]:
        """The items to print: those that drive a live signal, the ROMs they call, every
        instance and memory, and comments; of a left-out owner's comments, its first with text
        says so."""
        left = self._left_owners(live)
        noted: set[str] = set()
        items: list[object] = []
        for item in (item for section in self._sections for item in section):
            target = _target(item)
            if target is not None and id(target) not in live:
                continue
            if isinstance(item, _Comment) and item.text and item.owner in left:
                if item.owner in noted:
                    continue
                noted.add(item.owner)
                item = _Comment(
                    f"---- {item.owner}: left out, no bit of its outputs reaches an "
                    "output (a cast keeps none of them)",
                    item.owner,
                )
            items.append(item)
        called = {
            part
            for item in items
            for e in _exprs(item)
            for part in e.parts
            if isinstance(part, str)
        }
        return [item for item in items if not isinstance(item, _Rom) or f"{item.name}(" in called]


def _fitting(value: Operand, width: int, target: object) -> Expr:
    """``value`` as what drives ``width`` bits of ``target``: no wider (Verilog would drop
    its top bits; :func:`.expressions.low_bits` says so on purpose)."""
    e = expr(value)
    if e.width > width:
        raise NetlistError(f"{e} is {e.width} bits wide, wider than the {width} bits of {target}")
    return e


def _condition(value: Operand) -> Expr:
    e = expr(value)
    if e.width != 1:
        raise NetlistError(f"condition {e} is {e.width} bits wide, not 1")
    return e


def _runs(signal: Signal, mask: int) -> list[Slice]:
    """The runs of set bits of ``mask`` as slices of ``signal``, most significant first."""
    runs, bit = [], 0
    while mask >> bit:
        if mask >> bit & 1:
            top = bit
            while mask >> (top + 1) & 1:
                top += 1
            runs.append(Slice(signal, top, bit))
            bit = top + 1
        else:
            bit += 1
    return runs[::-1]


def _range_of(width: int) -> str:
    return "" if width == 1 else f"[{width - 1}:0] "


def _wrapped(line: str, indent: str = "    ") -> list[str]:
    """``line`` broken after a comma, ``+`` or ``|`` where it is longer than a printed line
    should be."""
    if len(line) <= _LINE:
        return [line]
    out, current = [], ""
    pieces = re.split(r"(?<=, |\+ |\| )", line)
    for piece in pieces:
        if current.strip() and len(current) + len(piece.rstrip()) > _LINE:
            out.append(current.rstrip())
            current = indent
        current += piece
    out.append(current.rstrip())
    return out


def _target(item: object) -> Signal | None:
    """The signal an item declares or drives (None: an instance, a memory, a ROM, a comment)."""
    if isinstance(item, _Declare):
        return item.signal
    if isinstance(item, _Assign):
        return item.target.signal
    if isinstance(item, _Clocked):
        return item.target
    return None


def _exprs(item: object) -> list[Expr]:
    """The expressions an item holds."""
    if isinstance(item, _Declare):
        return [item.value] if item.value is not None else []
    if isinstance(item, _Assign):
        return [item.value]
    if isinstance(item, _Clocked):
        return [e for branch in item.branches for e in branch if e is not None]
    if isinstance(item, _Instance):
        return [value for _, value in item.pins]
    if isinstance(item, _MemoryWrite):
        return [item.enable, item.address, item.data]
    return []


def _sources(item: object) -> list[Slice]:
    """The slices an item reads (of an instance, its input pins)."""
    found = [s for e in _exprs(item) for s in e.slices]
    if isinstance(item, _Instance):
        return [s for s in found if s.signal not in item.outputs]
    return found


def _reads(item: object) -> list[Slice]:
    """The slices an item reads or drives (every one must be declared before it)."""
    driven = [item.target] if isinstance(item, _Assign) else []
    if isinstance(item, _Clocked):
        driven = [item.target.all]
    return driven + [s for e in _exprs(item) for s in e.slices]


def _print(item: object, clock: str) -> list[str]:
    if isinstance(item, _Declare):
        s = item.signal
        kind = "reg" if s.kind == "reg" else "wire"
        if item.value is None:
            return [f"{kind} {_range_of(s.width)}{s.name};"]
        return _wrapped(f"wire {_range_of(s.width)}{s.name} = {item.value};")
    if isinstance(item, _Assign):
        return _wrapped(f"assign {item.target} = {item.value};")
    if isinstance(item, _Clocked):
        name, steps = item.target.name, []
        for condition, value in item.branches:
            load = f"{name} <= {value};"
            steps.append(load if condition is None else f"if ({condition}) {load}")
        if len(steps) == 1:
            return _wrapped(f"always @(posedge {clock}) {steps[0]}")
        lines = [f"always @(posedge {clock})", *_wrapped(f"    {steps[0]}", " " * 8)]
        for step in steps[1:]:
            lines += _wrapped(f"    else {step}", " " * 8)
        return lines
    if isinstance(item, _Rom):
        bits, w = item.index_width, item.width
        lines = [
            f"function {_range_of(w)}{item.name};",
            f"    input [{bits - 1}:0] k;",
            "    case (k)",
        ]
        lines += [
            f"        {bits}'d{i}: {item.name} = {const(e, w)};" for i, e in enumerate(item.entries)
        ]
        if len(item.entries) < (1 << bits):
            lines.append(f"        default: {item.name} = {const(item.entries[-1], w)};")
        return [*lines, "    endcase", "endfunction"]
    if isinstance(item, _Instance):
        pins = [f"    .{port}({value})," for port, value in item.pins]
        pins[-1] = pins[-1].rstrip(",")
        return [f"{item.module} {item.name} (", *pins, ");"]
    if isinstance(item, _Comment):
        return [f"// {item.text}" if item.text else ""]
    if isinstance(item, _MemoryDeclare):
        m = item.memory
        return [f"reg {_range_of(m.width)}{m.name} [0:{m.depth - 1}];"]
    if isinstance(item, _MemoryWrite):
        m = item.memory
        return _wrapped(
            f"always @(posedge {clock}) if ({item.enable}) {m.name}[{item.address}] <= {item.data};"
        )
    raise NetlistError(f"{item!r} is not a netlist item")
