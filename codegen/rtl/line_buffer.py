"""The windows of a stream of pixels, for convolutions and pooling in the io_stream RTL: a line
buffer and a window of registers turn the pixels, in raster order, into one patch per output
position (its taps in window order, row by row, each tap every channel).

The process walks the padded input in raster order, one position per cycle at most: a position
inside the input takes a pixel from the stream, a padding position is a zero pixel and takes
nothing. The line buffer is a memory of one word per padded column holding that column's last
``span_h - 1`` rows (``span = dilation * (kernel - 1) + 1``); it is read one cycle ahead, as
block RAM is, and written back with the new pixel in and the oldest row out. The window holds
the last ``span_w`` columns of the kernel's rows. When the position just taken completes an
output position's window, the patch is offered (``valid``) until the layer takes it; the walk
waits meanwhile. So its registers depend on the kernel, the channels and the row length, never
on the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlsfx.codegen.rtl.expressions import (
    Operand,
    Signal,
    Slice,
    add,
    bit_and,
    bit_literal,
    bit_or,
    concat,
    const,
    equal,
    greater_equal,
    group,
    invert,
    less,
    mux,
)
from hlsfx.codegen.rtl.netlist import Netlist

if TYPE_CHECKING:
    from hlsfx.codegen.rtl.stream_layers import Channel
    from hlsfx.ir.graph import Layer

__all__ = ["WindowGeometry", "windows"]


@dataclass(frozen=True)
class WindowGeometry:
    """A convolution's or pooling's window over an input of ``height`` x ``width`` pixels of
    ``chans`` channels (a 1-D layer has height 1)."""

    height: int
    width: int
    chans: int
    kernel: tuple[int, int]
    strides: tuple[int, int]
    dilations: tuple[int, int]
    pads: tuple[int, int, int, int]
    """top, left, bottom, right"""

    @classmethod
    def of(cls, layer: Layer, shape: tuple[int, ...]) -> WindowGeometry:
        a, d = layer.attrs, len(shape) - 1
        kernel, strides = tuple(a["kernel"]), tuple(a["strides"])
        dilations = tuple(a.get("dilations") or [1] * d)
        begin, end = tuple(a["pads"][:d]), tuple(a["pads"][d:])
        if d == 1:
            return cls(
                1,
                shape[0],
                shape[1],
                (1, *kernel),
                (1, *strides),
                (1, *dilations),
                (0, begin[0], 0, end[0]),
            )
        return cls(shape[0], shape[1], shape[2], kernel, strides, dilations, (*begin, *end))

    @property
    def span(self) -> tuple[int, int]:
        """Rows and columns a window covers."""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilations, self.kernel, strict=True))

    @property
    def padded(self) -> tuple[int, int]:
        top, left, bottom, right = self.pads
        return self.height + top + bottom, self.width + left + right

    @property
    def outputs(self) -> tuple[int, int]:
        return tuple(
            (p - s) // st + 1 for p, s, st in zip(self.padded, self.span, self.strides, strict=True)
        )

    @property
    def taps(self) -> int:
        return self.kernel[0] * self.kernel[1]


def windows(
    net: Netlist,
    name: str,
    g: WindowGeometry,
    reset: Signal,
    source: Channel,
    ready: Signal,
    flags: bool = False,
) -> tuple[Signal | Slice, Signal]:
    """The patches of ``source``'s pixels: the patch bus and its ``valid``; the reader drives
    ``ready`` (a wire made without a value). Drives ``source.ready``. With ``flags``, the
    patch bus has one more bit per tap above the taps: whether the tap is inside the input."""
    p = source.data.width  # bits of a pixel
    (kh, kw), (sh, sw), (dh, dw) = g.kernel, g.strides, g.dilations
    (span_h, span_w), (rows, cols) = g.span, g.padded
    top, left, bottom, right = g.pads
    cw, rw = (cols - 1 + sw).bit_length(), max(1, (rows - 1 + sh).bit_length())
    column = net.reg(f"{name}_col", cw)
    col_due = net.reg(f"{name}_col_due", cw)
    row = net.reg(f"{name}_row", rw) if rows > 1 else None
    row_due = net.reg(f"{name}_row_due", rw) if rows > 1 else None
    pending = net.reg(f"{name}_valid", 1)
    window = [net.reg(f"{name}_win{j}", kh * p) for j in range(span_w)]
    above = net.reg(f"{name}_above", (span_h - 1) * p) if span_h > 1 else None

    inside = []  # the comparisons that say the position is inside the input, not padding
    if top:
        inside.append(greater_equal(row, const(top, rw)))
    if bottom:
        inside.append(less(row, const(top + g.height, rw)))
    if left:
        inside.append(greater_equal(column, const(left, cw)))
    if right:
        inside.append(less(column, const(left + g.width, cw)))
    real = net.wire(f"{name}_inside", 1, bit_and(*inside)) if inside else None
    can_move = net.wire(f"{name}_free", 1, bit_or(invert(pending), ready))
    if real is None:
        advance = net.wire(f"{name}_move", 1, bit_and(can_move, source.valid))
        net.assign(source.ready, can_move)
        pixel: Signal | Slice = source.data
    else:
        advance = net.wire(f"{name}_move", 1, bit_and(can_move, bit_or(invert(real), source.valid)))
        net.assign(source.ready, bit_and(can_move, real))
        pixel = net.wire(f"{name}_pixel", p, mux(real, source.data, const(0, p)))
    row_end = net.wire(f"{name}_row_end", 1, equal(column, const(cols - 1, cw)))

    # the column at this position: the new pixel (slot 0), then the rows above (slots 1 ..)
    if above is None:
        full: Signal | Slice = pixel
    else:
        full = net.wire(f"{name}_column", span_h * p, concat([above, pixel]))
        kept = full.bits(0, (span_h - 1) * p)
        if cols > 1:
            aw = (cols - 1).bit_length()
            lines = net.memory(f"{name}_lines", kept.width, cols)
            address = column.bits(0, aw)
            following = mux(row_end, const(0, aw), add(address, const(1, aw)))
            net.clocked(above, (None, net.read(lines, mux(advance, following, address))))
            net.write(lines, advance, address, kept)
        else:
            net.clocked(above, (advance, kept))
    taps_of_column = [full.bits((span_h - 1 - k * dh) * p, p) for k in range(kh)]
    net.clocked(window[0], (advance, concat(taps_of_column[::-1])))
    for j in range(1, span_w):
        net.clocked(window[j], (advance, window[j - 1]))

    due = equal(column, col_due)
    emit = due if row is None else bit_and(due, equal(row, row_due))
    net.clocked(pending, (reset, bit_literal(0)), (advance, emit), (ready, bit_literal(0)))
    step = mux(row_end, const(0, cw), add(column, const(1, cw)))
    net.clocked(column, (reset, const(0, cw)), (advance, step))
    first_col = const(span_w - 1, cw)
    net.clocked(
        col_due,
        (reset, first_col),
        (bit_and(advance, row_end), first_col),
        (bit_and(advance, due), add(col_due, const(sw, cw))),
    )
    if row is not None:
        image_end = net.wire(
            f"{name}_image_end", 1, bit_and(row_end, equal(row, const(rows - 1, rw)))
        )
        next_row = mux(image_end, const(0, rw), add(row, const(1, rw)))
        net.clocked(row, (reset, const(0, rw)), (bit_and(advance, row_end), next_row))
        first_row = const(span_h - 1, rw)
        net.clocked(
            row_due,
            (reset, first_row),
            (bit_and(advance, image_end), first_row),
            (
                bit_and(advance, row_end, equal(row, row_due)),
                add(row_due, const(sh, rw)),
            ),
        )
    # tap (i, j) of the kernel, in window order: row slot i of the column j * dw from the left
    patch = [window[span_w - 1 - j * dw].bits(i * p, p) for i in range(kh) for j in range(kw)]
    if flags:
        inside_taps = net.reg(f"{name}_taps_inside", g.taps)
        net.clocked(inside_taps, (advance, _inside_taps(g, row, rw, column, cw)))
        patch.append(inside_taps)
    return net.named(f"{name}_patch", g.taps * p + flags * g.taps, concat(patch[::-1])), pending


def _inside_taps(
    g: WindowGeometry, row: Signal | None, rw: int, column: Signal, cw: int
) -> Operand:
    """Per tap of the window whose last position is (``row``, ``column``), whether it lies
    inside the input (bit ``i * kernel_w + j`` for tap (i, j))."""
    (span_h, span_w), (rows, cols) = g.span, g.padded
    top, left = g.pads[:2]

    def within(counter: Signal | None, width: int, first: int, end: int, last: int) -> list:
        tests = []
        if counter is not None and first > 0:
            tests.append(greater_equal(counter, const(first, width)))
        if counter is not None and end <= last:
            tests.append(less(counter, const(end, width)))
        return tests

    bits = []
    for i in range(g.kernel[0]):
        back = span_h - 1 - i * g.dilations[0]
        rows_ok = within(row, rw, top + back, top + g.height + back, rows - 1)
        for j in range(g.kernel[1]):
            back_w = span_w - 1 - j * g.dilations[1]
            tests = rows_ok + within(column, cw, left + back_w, left + g.width + back_w, cols - 1)
            bits.append(group(bit_and(*tests)) if tests else bit_literal(1))
    return concat(bits[::-1])
