"""What a layer's netlist builder is given (:class:`RtlLayer`), and the small readings of a
code every builder shares: its sign, its value in a comparison, a literal of its type."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hlsfx.codegen.rtl.cast import cast
from hlsfx.codegen.rtl.distributed import Pipeline
from hlsfx.codegen.rtl.expressions import (
    Expr,
    Operand,
    Signal,
    Slice,
    as_signed,
    bit_literal,
    const,
    expr,
    signed_const,
)
from hlsfx.codegen.rtl.multipliers import Multipliers
from hlsfx.codegen.rtl.netlist import Netlist
from hlsfx.ir.fixed_type import FixedType

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer
    from hlsfx.numerics.config import LayerPrecision

__all__ = ["RtlLayer", "is_negative", "literal", "number"]


@dataclass(frozen=True)
class RtlLayer:
    """What a layer's builder is given: the netlist, the layer's base name, the layer, its
    precision, its input types, shapes and wires, the wire it drives and its multipliers."""

    net: Netlist
    name: str
    layer: Layer
    p: LayerPrecision
    in_types: tuple[FixedType, ...]
    in_shapes: tuple[tuple[int, ...], ...]
    inputs: tuple[Signal, ...]
    output: Signal
    mults: Multipliers
    pipeline: Pipeline | None = None
    """the distributed strategy's pipeline (Dense and convolutions), else multipliers"""
    x_range: tuple[int, int] = (0, 0)
    """the codes the (first) input can take"""

    @property
    def x_t(self) -> FixedType:
        return self.in_types[0]

    @property
    def size(self) -> int:
        """Values in the (first) input."""
        return math.prod(self.in_shapes[0])

    def lanes(self, i: int = 0) -> list[Slice]:
        """The codes of input ``i``, element by element."""
        width = self.in_types[i].width
        return [self.inputs[i].bits(k * width, width) for k in range(math.prod(self.in_shapes[i]))]

    def out(self, k: int) -> Slice:
        width = self.p.types["result"].width
        return self.output.bits(k * width, width)

    def cast_out(self, k: int, value: Signal | Slice, t: FixedType, name: str) -> None:
        """Output ``k`` = ``cast(value, result)`` of a code of ``t``."""
        self.net.assign(self.out(k), cast(self.net, value, t, self.p.types["result"], name))

    def wire(self, name: str, width: int, value: Operand) -> Signal:
        return self.net.wire(f"{self.name}_{name}", width, value)


def is_negative(x: Slice, t: FixedType) -> Operand:
    return x.bit(t.width - 1) if t.signed else bit_literal(0)


def number(x: Operand, t: FixedType) -> Expr:
    """A code of ``t`` read as a number (signed or not) in a comparison."""
    return as_signed(x) if t.signed else expr(x)


def literal(value: int, t: FixedType) -> Expr:
    """A code of ``t`` as a literal for comparisons with codes of ``t``."""
    return signed_const(value, t.width) if t.signed else const(value, t.width)
