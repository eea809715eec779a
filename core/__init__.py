"""hlsfx: neural networks on FPGAs, simulator first.

The core (types, graph, configuration) imports no numba; the numeric functions below load the
numba-compiled emulator on first use.
"""

from __future__ import annotations

import importlib

from hlsfx.ir.fixed_type import FixedType, Overflow, Rounding, product_type, sum_type

__all__ = [
    "FixedType",
    "Overflow",
    "QuantizedModel",
    "Rounding",
    "cast",
    "configure",
    "csim",
    "from_hls4ml",
    "from_torch",
    "load",
    "load_config",
    "product_type",
    "quantize",
    "read_report",
    "sum_type",
    "to_float",
]

__version__ = "0.1.0"

_LAZY = {
    "QuantizedModel": "hlsfx.model",
    "load": "hlsfx.api",
    "from_torch": "hlsfx.frontends.pytorch",
    "from_hls4ml": "hlsfx.api",
    "configure": "hlsfx.model",
    "load_config": "hlsfx.model",
    "quantize": "hlsfx.emulator.quantize",
    "cast": "hlsfx.emulator.quantize",
    "to_float": "hlsfx.emulator.quantize",
    "csim": "hlsfx.codegen.csim",
    "read_report": "hlsfx.codegen.reports",
}


def __getattr__(name: str) -> object:
    if name in ("cosim", "examples"):  # subpackages, on first use
        return importlib.import_module(f"hlsfx.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hlsfx' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | {"cosim", "examples"})
