"""A numerics dialect: whose arithmetic a configured model follows (docs/numerics.md).

Each way a dialect departs from hlsfx's own rules is one field of :class:`Dialect`; the
configuration, the kinds' faces and the writers ask the dialect a layer was resolved with, and
never compare its name. hlsfx's own dialect, :data:`HLSFX`, departs in nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsfx.ir import kinds

if TYPE_CHECKING:
    from hlsfx.ir.fixed_type import FixedType
    from hlsfx.ir.graph import Layer
    from hlsfx.ir.kinds import LayerKind
    from hlsfx.ir.tables import Table, TableRequest

__all__ = ["HLSFX", "ROLE_DEFAULTS", "Dialect"]

TABLE_TYPE = "ap_fixed<18,8,AP_RND_CONV,AP_SAT>"
CONSTANT_TYPE = "ap_fixed<18,8,AP_RND_CONV,AP_SAT>"

ROLE_DEFAULTS: dict[str, Any] = {
    "accum": "auto",
    "sum": "auto",
    "inv_input": "auto",
    "table": TABLE_TYPE,
    "exp_table": TABLE_TYPE,
    "inv_table": TABLE_TYPE,
    "alpha": CONSTANT_TYPE,
    "beta": CONSTANT_TYPE,
    "gamma": CONSTANT_TYPE,
    "recip": "ap_fixed<18,2,AP_RND_CONV,AP_SAT>",
    "scale": CONSTANT_TYPE,
}
"""hlsfx's roles whose default is not the model default: exact accumulators, 18-bit tables"""

LayerCheck = Callable[["Layer", dict[str, "FixedType"], "FixedType"], None]
ActivationTable = Callable[["TableRequest", "FixedType", int], "Table | None"]
KindTables = Callable[
    [dict[str, "FixedType"], "FixedType", Mapping[str, str], Callable[[str], int]],
    dict[str, "Table"],
]


@dataclass(frozen=True, eq=False)
class Dialect:
    """Whose arithmetic a model follows. Compared by identity: one object per dialect."""

    name: str
    """how configurations and saved files spell it (``configure(..., numerics=name)``)"""
    role_defaults: Mapping[str, Any]
    """the roles whose default is not the model default"""
    kind_defaults: Mapping[LayerKind, Mapping[str, Any]] = field(default_factory=dict)
    """defaults of one kind, before the user's settings"""
    kinds: tuple[LayerKind, ...] | None = None
    """the kinds the dialect reproduces (None: every kind)"""
    constants_as_decimal_text: bool = False
    """constants reach the C++ as decimal text with as many decimals as their type has
    fractional bits, and are read back from it (rounded twice)"""
    literal_roles: Mapping[LayerKind, tuple[str, ...]] = field(default_factory=dict)
    """constants written as full-precision C++ literals even so"""
    checks: Mapping[LayerKind, LayerCheck] = field(default_factory=dict)
    """per-kind checks of a resolved layer: a ValueError where the dialect computes what hlsfx
    does not reproduce"""
    flatten_channels_last: bool = False
    """a Flatten before a Dense keeps channels-last order (the graph is reordered to it)"""
    average_pool_divides: bool = False
    """average pooling divides the sum by the count toward zero, in the accumulator (else it
    multiplies by the count's reciprocal, ``recip``)"""
    softmax_balanced_tree: bool = False
    """Softmax sums its exponentials by a balanced tree and casts the sum to ``inv_input``
    before the reciprocal table (else it sums in index order, and ``inv_input`` is the sum)"""
    kind_tables: Mapping[LayerKind, KindTables] = field(default_factory=dict)
    """per kind, the tables the dialect builds its own way: (types by role, input type,
    options, the size of a table role) -> tables by role"""
    activation_table: ActivationTable | None = None
    """(request, entry type, size) -> the table of an activation whose table the dialect fixes
    (its range is not a setting), or None to build hlsfx's"""

    def __str__(self) -> str:
        return self.name

    def reproduces(self, kind: LayerKind) -> bool:
        """Whether the dialect reproduces layers of ``kind``."""
        return self.kinds is None or kind in self.kinds

    def check_kind(self, layer: Layer) -> None:
        """A ValueError naming ``layer`` when the dialect does not reproduce its kind."""
        if not self.reproduces(layer.kind):
            known = ", ".join(kind.name for kind in self.kinds or ())
            raise ValueError(
                f"{layer.describe()}: numerics={self.name!r} reproduces "
                f"{self.name}'s {known} layers; its {layer.kind.name} is not "
                "reproduced yet"
            )

    def constant_values(self, kind: LayerKind, role: str, values: Any, t: FixedType) -> Any:
        """The values a constant of ``role`` is quantized from: as given, or as the decimal
        text the dialect's C++ reads them from."""
        if self.constants_as_decimal_text and role not in self.literal_roles.get(kind, ()):
            return decimal_text_values(values, t)
        return values

    def check(self, layer: Layer, types: dict[str, FixedType], x: FixedType) -> None:
        """The dialect's check of a resolved layer (its types by role, its input's type)."""
        if layer.kind in self.checks:
            self.checks[layer.kind](layer, types, x)


def decimal_text_values(values: Any, t: FixedType) -> np.ndarray:
    """``values`` printed with as many decimal places as ``t`` has fractional bits (none below
    one), then read back as doubles, as hls4ml hands constants to its C++."""
    places = max(0, t.fractional)
    flat = np.asarray(values, dtype=np.float64)
    text = [float(f"{v:.{places}f}") for v in flat.reshape(-1).tolist()]
    return np.array(text, dtype=np.float64).reshape(flat.shape)


def _inv_input_is_the_sum(layer: Layer, types: dict[str, FixedType], x: FixedType) -> None:
    """hlsfx's softmax reads its reciprocal table at the sum itself."""
    if types["inv_input"] != types["sum"]:
        raise ValueError(
            f"inv_input {types['inv_input']} differs from sum {types['sum']}: the "
            "sum is cast to inv_input with numerics='hls4ml' only"
        )


HLSFX = Dialect("hlsfx", ROLE_DEFAULTS, checks={kinds.SOFTMAX: _inv_input_is_the_sum})
"""hlsfx's own rules (docs/numerics.md, sections 1-6)"""
