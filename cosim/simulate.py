"""Co-simulate a folder: RTL that ``write_rtl`` wrote (or its Yosys netlist), or an HLS project
that Vivado/Vitis HLS synthesized, on the folder's own test vectors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hlsfx.codegen.project_files import MANIFEST
from hlsfx.codegen.rtl import INTERFACE
from hlsfx.codegen.vectors import read_vectors
from hlsfx.cosim.engine import SIMULATORS, CosimError, CosimResult, check_simulator, simulate
from hlsfx.cosim.interface import InterfaceError, load_interface
from hlsfx.cosim.vendor import run_project

__all__ = ["SIMULATORS", "CosimError", "CosimResult", "run"]


def run(
    path: str | Path,
    *,
    simulator: str = "icarus",
    vectors: int | None = None,
    netlist: bool = False,
) -> CosimResult:
    """Simulate the RTL in ``path`` on its test vectors (the first ``vectors`` of them, or all)
    and compare every output code with the emulator's. ``path`` is a folder ``write_rtl``
    wrote, or an HLS project ``write_hls`` wrote after Vivado/Vitis HLS synthesized it: then
    the vendor's Verilog (``<top>_prj/solution1/syn/verilog``) runs the project's ``tb_data``
    vectors, its ports read by :func:`hlsfx.cosim.infer_interface`. With ``netlist``, simulate
    the Yosys xc7 netlist of ``write_rtl``'s RTL instead (synthesized first if it is not there),
    with Yosys's Xilinx cell models flattened into it."""
    if vectors is not None and (
        isinstance(vectors, bool) or not isinstance(vectors, int) or vectors < 1
    ):
        raise ValueError(f"vectors must be a positive number of test vectors, not {vectors!r}")
    check_simulator(simulator)
    root = Path(path).resolve()
    if (root / MANIFEST).is_file() and not (root / INTERFACE).is_file():
        if netlist:
            raise CosimError(f"{root} is an HLS project: netlist=True simulates write_rtl's RTL")
        return run_project(root, simulator=simulator, vectors=vectors)
    try:
        interface = load_interface(root)
    except InterfaceError as error:
        raise CosimError(str(error)) from None
    sources, label = None, simulator
    if netlist:
        from hlsfx.cosim.yosys import SynthError, simulation_netlist

        try:
            sources, label = [simulation_netlist(root)], f"{simulator}_netlist"
        except SynthError as error:
            raise CosimError(str(error)) from None
    width_in, width_out = (
        sum(t.size for t in tensors) for tensors in (interface.inputs, interface.outputs)
    )
    work, report = root / f"cosim_{label}", root / f"cosim_{label}.json"
    if report.is_symlink():
        raise CosimError(f"{report} is a symbolic link; hlsfx does not follow it")
    report.unlink(missing_ok=True)
    try:
        inputs = read_vectors(root / "tb_data" / "inputs_raw.dat", width_in)[:vectors]
        expected = read_vectors(root / "tb_data" / "expected_raw.dat", width_out)[:vectors]
    except ValueError as error:
        raise CosimError(str(error)) from None
    result = simulate(
        root,
        interface,
        inputs.tolist(),
        expected.tolist(),
        simulator=simulator,
        work=work,
        sources=sources,
        lint="lenient" if netlist else "strict",
    )
    result = dataclasses.replace(result, simulator=label)
    found = json.loads((work / "result.json").read_text())
    report.write_text(json.dumps({**found, "passed": result.passed}))
    return result
