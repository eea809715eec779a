"""The ``hlsfx`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _csim(args: argparse.Namespace) -> int:
    from hlsfx.codegen.csim import CsimError, csim

    try:
        result = csim(args.project, ap_types=args.ap_types)
    except CsimError as error:
        print(f"hlsfx csim: {error}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0 if result.passed else 1


def _report(args: argparse.Namespace) -> int:
    from hlsfx.codegen.reports import ReportError, read_report

    try:
        report = read_report(args.project)
    except ReportError as error:
        print(f"hlsfx report: {error}", file=sys.stderr)
        return 2
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
    except (FileNotFoundError, RuntimeError) as error:
        print(f"hlsfx build: {error}", file=sys.stderr)
        return 2
    if report is not None:
        print(report.table())
    return 0


def _cosim(args: argparse.Namespace) -> int:
    from hlsfx.cosim.simulate import CosimError, run

    try:
        result = run(
            args.project, simulator=args.simulator, vectors=args.vectors, netlist=args.netlist
        )
    except CosimError as error:
        print(f"hlsfx cosim: {error}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0 if result.passed else 1


def _synth(args: argparse.Namespace) -> int:
    from hlsfx.cosim.yosys import SynthError, synth

    try:
        result = synth(args.project, target=args.target, dsp=not args.nodsp)
    except SynthError as error:
        print(f"hlsfx synth: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result.resources, indent=2) if args.json else result.summary())
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    top = argparse.ArgumentParser(
        prog="hlsfx", description="Neural networks on FPGAs, simulator first."
    )
    commands = top.add_subparsers(dest="command", required=True)

    csim = commands.add_parser("csim", help="C-simulate a generated HLS project with g++")
    csim.add_argument("project", help="the project folder (written by write_hls)")
    csim.add_argument("--ap-types", help="folder of the Xilinx ap_types headers")
    csim.set_defaults(run=_csim)

    report = commands.add_parser("report", help="read the vendor reports of an HLS project")
    report.add_argument("project", help="the project folder, or a csynth.xml file")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.set_defaults(run=_report)

    cosim = commands.add_parser("cosim", help="simulate RTL written by write_rtl with cocotb")
    cosim.add_argument("project", help="the RTL folder (written by write_rtl)")
    cosim.add_argument("--simulator", choices=("icarus", "verilator"), default="icarus")
    cosim.add_argument("--vectors", type=int, help="how many of its test vectors (default all)")
    cosim.add_argument(
        "--netlist", action="store_true",
        help="simulate the Yosys xc7 netlist (synthesized first when missing) instead of the RTL",
    )  # fmt: skip
    cosim.set_defaults(run=_cosim)

    synth = commands.add_parser(
        "synth", help="synthesize RTL written by write_rtl with Yosys synth_xilinx",
        epilog="example: hlsfx synth build/rtl --target xc7",
    )  # fmt: skip
    synth.add_argument("project", help="the RTL folder (written by write_rtl)")
    synth.add_argument("--target", choices=("xc7", "xcu", "xcup"), default="xc7",
                       help="the synth_xilinx family (default xc7)")  # fmt: skip
    synth.add_argument("--nodsp", action="store_true", help="map multipliers to LUTs")
    synth.add_argument("--json", action="store_true", help="print the counts as JSON")
    synth.set_defaults(run=_synth)

    build = commands.add_parser("build", help="run vitis_hls / vivado_hls on an HLS project")
    build.add_argument("project", help="the project folder")
    for step, text in (
        ("csim", "C simulation"), ("synth", "C synthesis (the default when no step is named)"),
        ("cosim", "C/RTL co-simulation"), ("export", "export as an IP"),
    ):  # fmt: skip
        build.add_argument(f"--{step}", action="store_true", help=text)
    build.set_defaults(run=_build)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
