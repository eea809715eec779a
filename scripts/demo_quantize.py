"""A first look at hlsfx: the same values in every rounding and overflow mode, bit for bit
what ap_fixed.h computes.

    python scripts/demo_quantize.py
"""

from __future__ import annotations

import numpy as np

import hlsfx

VALUES = np.array([0.5, -3.2, 2.53125, -2.53125, 7.99, -8.2, 100.0])


def show(text: str) -> None:
    t = hlsfx.FixedType.parse(text)
    raw = hlsfx.quantize(VALUES, t)
    cells = " ".join(f"{v:>9g}" for v in hlsfx.to_float(raw, t))
    print(f"{text:40} {cells}")


def main() -> None:
    print(f"{'value':40} " + " ".join(f"{v:>9g}" for v in VALUES))
    for rounding in hlsfx.Rounding:
        show(str(hlsfx.FixedType(8, 4, rounding=rounding)))
    for overflow in hlsfx.Overflow:
        show(str(hlsfx.FixedType(8, 4, rounding="AP_RND_CONV", overflow=overflow)))
    show("ap_ufixed<8,4,AP_RND,AP_SAT>")
    show("ap_int<8>")
    t = hlsfx.FixedType.parse("ap_fixed<8,4,AP_RND_CONV,AP_SAT>")
    print(f"\n{t}: range [{t.min}, {t.max}], step {t.lsb}; raw codes of the values:")
    print(hlsfx.quantize(VALUES, t))
    wide = hlsfx.FixedType.parse("ap_fixed<18,8>")
    narrowed = hlsfx.cast(hlsfx.quantize(VALUES, wide), wide, t)
    print(f"{wide} -> {t} (a cast, as C++ assignment): {narrowed}")


if __name__ == "__main__":
    main()
