"""Locating the real Xilinx ``ap_types`` headers (``ap_fixed.h``, ``ap_int.h``)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = ["find_ap_types"]

_HEADER = "ap_fixed.h"


def _candidates() -> list[tuple[str, Path | None]]:
    found: list[tuple[str, Path | None]] = []
    for variable, sub in (("HLSFX_AP_TYPES", ""), ("XILINX_HLS", "include")):
        value = os.environ.get(variable)
        found.append((f"${variable}", Path(value) / sub if value else None))
    spec = importlib.util.find_spec("hls4ml")
    wheel = None
    if spec is not None and spec.submodule_search_locations:
        wheel = Path(next(iter(spec.submodule_search_locations))) / "templates/vivado/ap_types"
    found.append(("the hls4ml package", wheel))
    return found


def find_ap_types() -> Path:
    """The folder holding the real ``ap_fixed.h``.

    Looks in ``$HLSFX_AP_TYPES``, then ``$XILINX_HLS/include``, then the copy inside the
    ``hls4ml`` wheel (``pip install hls4ml``). Raises ``FileNotFoundError`` saying where it
    looked and how to get the headers.
    """
    looked = []
    for source, folder in _candidates():
        if folder is None:
            looked.append(
                f"{source} (not set)" if source.startswith("$") else f"{source} (not installed)"
            )
            continue
        if (folder / _HEADER).is_file():
            return folder
        looked.append(f"{source}: no {_HEADER} in {folder}")
    raise FileNotFoundError(
        "the Xilinx ap_types headers were not found; looked at "
        + "; ".join(looked)
        + ". Install them with 'pip install hls4ml' or point $HLSFX_AP_TYPES at the folder "
        "holding ap_fixed.h"
    )
