"""The CLI's commands on written designs: C simulation, vendor reports and builds, co-simulation
and synthesis."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hlsfx.cli.args import command, positive

__all__ = ["add_design_commands"]


def _csim(args: argparse.Namespace) -> int:
    from hlsfx.codegen.csim import csim

    result = csim(args.project, ap_types=args.ap_types)
    print(result.summary())
    return 0 if result.passed else 1


def _report(args: argparse.Namespace) -> int:
    from hlsfx.codegen.reports import read_report

    report = read_report(args.project)
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.table())
    return 0


def _build(args: argparse.Namespace) -> int:
    from hlsfx.codegen.build import ToolMissing, build

    steps = {s: getattr(args, s) for s in ("csim", "synth", "cosim", "export")}
    if not any(steps.values()):
        steps["synth"] = True
    try:
        report = build(args.project, **steps)
    except ToolMissing as error:
        print(f"hlsfx build: {error}", file=sys.stderr)
        return 3
    if report is not None:
        print(report.table())
    return 0


def _cosim(args: argparse.Namespace) -> int:
    vendor_only = ("top", "inputs", "expected", "input_type", "output_type", "interface", "codes")
    given = [
        f"--{k.replace('_', '-')}" for k in vendor_only if getattr(args, k) not in (None, False)
    ]
    if args.vendor:
        result = _cosim_vendor(args)
    elif given:
        raise ValueError(f"{', '.join(given)} apply to --vendor RTL only")
    else:
        from hlsfx.cosim.simulate import run

        result = run(
            args.project, simulator=args.simulator, vectors=args.vectors, netlist=args.netlist
        )
    print(result.summary())
    return 0 if result.passed else 1


def _cosim_vendor(args: argparse.Namespace):
    from hlsfx.codegen.vectors import read_vectors
    from hlsfx.cosim.tb_data import read_tb_inputs, read_tb_outputs
    from hlsfx.cosim.vendor import run_vendor

    if args.netlist:
        raise ValueError("--netlist simulates write_rtl's RTL, not --vendor RTL")
    missing = [f"--{k}" for k in ("inputs", "expected") if getattr(args, k) is None]
    if missing:
        raise ValueError(f"--vendor needs {' and '.join(missing)}")
    if args.codes:
        inputs, expected = read_vectors(args.inputs), read_vectors(args.expected)
    else:
        if args.input_type is None or args.output_type is None:
            raise ValueError(
                "values in --inputs/--expected need --input-type and --output-type "
                "(or pass raw codes with --codes)"
            )
        inputs = read_tb_inputs(args.inputs, args.input_type)
        expected = read_tb_outputs(args.expected, args.output_type)
    return run_vendor(
        args.project,
        args.top or "myproject",
        inputs=inputs[: args.vectors],
        expected=expected[: args.vectors],
        input_type=args.input_type,
        output_type=args.output_type,
        interface=args.interface,
        simulator=args.simulator,
    )


def _synth(args: argparse.Namespace) -> int:
    from hlsfx.cosim.yosys import synth

    result = synth(args.project, target=args.target, dsp=not args.nodsp)
    print(json.dumps(result.resources, indent=2) if args.json else result.summary())
    return 0


def add_design_commands(commands: Any) -> None:
    """Add csim, report, cosim, synth and build to the subparsers ``commands``."""
    p = command(
        commands, "csim", "C-simulate a generated HLS project with g++", "hlsfx csim prj", _csim
    )
    p.add_argument("project", help="the project folder (written by write_hls)")
    p.add_argument("--ap-types", help="folder of the Xilinx ap_types headers")

    p = command(
        commands,
        "report",
        "read the vendor reports of an HLS project",
        "hlsfx report prj --json",
        _report,
    )
    p.add_argument("project", help="the project folder, or a csynth.xml file")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = command(
        commands,
        "cosim",
        "simulate RTL with cocotb: hlsfx's, or Vivado/Vitis HLS's (--vendor)",
        "hlsfx cosim rtl --simulator verilator --vectors 50\n"
        "         hlsfx cosim syn/verilog --vendor "
        "--top myproject --inputs tb_data/tb_input_features.dat --expected "
        "tb_data/csim_results.log --input-type 'ap_fixed<16,6>' --output-type 'ap_fixed<16,6>'",
        _cosim,
    )
    p.add_argument(
        "project",
        help="the RTL folder (written by write_rtl), an HLS project after Vivado/Vitis HLS "
        "synthesis, or with --vendor a folder of vendor Verilog",
    )
    p.add_argument("--simulator", choices=("icarus", "verilator"), default="icarus")
    p.add_argument("--vectors", type=positive, help="how many of its test vectors (default all)")
    p.add_argument(
        "--netlist",
        action="store_true",
        help="simulate the Yosys xc7 netlist (synthesized first when missing)",
    )
    p.add_argument("--vendor", action="store_true", help="RTL hlsfx did not write")
    p.add_argument("--top", help="--vendor: the top module (default myproject)")
    p.add_argument("--inputs", help="--vendor: the input vectors (hls4ml's tb_input_features.dat)")
    p.add_argument("--expected", help="--vendor: the expected outputs (hls4ml's csim_results.log)")
    p.add_argument("--input-type", help="--vendor: the inputs' type, e.g. 'ap_fixed<16,6>'")
    p.add_argument("--output-type", help="--vendor: the outputs' type")
    p.add_argument("--interface", help="--vendor: an interface.json instead of inferring it")
    p.add_argument(
        "--codes", action="store_true", help="--vendor: the files hold raw integer codes"
    )

    p = command(
        commands,
        "synth",
        "synthesize RTL written by write_rtl with Yosys synth_xilinx",
        "hlsfx synth rtl --target xc7",
        _synth,
    )
    p.add_argument("project", help="the RTL folder (written by write_rtl)")
    p.add_argument(
        "--target",
        choices=("xc7", "xcu", "xcup"),
        default="xc7",
        help="the synth_xilinx family (default xc7)",
    )
    p.add_argument("--nodsp", action="store_true", help="map multipliers to LUTs")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")

    p = command(
        commands,
        "build",
        "run vitis_hls / vivado_hls on an HLS project",
        "hlsfx build prj --csim --synth",
        _build,
    )
    p.add_argument("project", help="the project folder")
    for step, text in (
        ("csim", "C simulation"),
        ("synth", "C synthesis (the default when no step is named)"),
        ("cosim", "C/RTL co-simulation"),
        ("export", "export as an IP"),
    ):
        p.add_argument(f"--{step}", action="store_true", help=text)
