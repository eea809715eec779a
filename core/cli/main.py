"""The ``hlsfx`` command line.

A MODEL argument is a model file (``.onnx``) or the name of a shipped example (``jet_mlp``,
``digits_cnn``); ``--data`` names an ``.npz`` file of inputs ``x`` and labels ``y`` (or
``x_test``/``y_test``), and defaults to a shipped example's test set. Errors print one line;
``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from hlsfx.cli.args import command, fraction, positive
from hlsfx.cli.demo import DEMOS
from hlsfx.cli.design import add_design_commands
from hlsfx.codegen.strategies import STRATEGIES

__all__ = ["main", "parser"]


class CommandError(Exception):
    """A problem with what the command was asked: printed as one line, exit status 2."""


# --- what several commands share -----------------------------------------------------------------


def _graph(args: argparse.Namespace) -> Any:
    import hlsfx

    if args.model in hlsfx.examples.EXAMPLES and not Path(args.model).exists():
        return hlsfx.examples.load(args.model).graph
    return hlsfx.load(args.model, weights=args.weights)


def _quantized(args: argparse.Namespace) -> Any:
    import hlsfx

    graph = _graph(args)
    if getattr(args, "config", None):
        return hlsfx.configure(graph, config=args.config)
    return hlsfx.configure(graph, args.precision)


def _data(args: argparse.Namespace, labels: bool = False) -> tuple[Any, Any]:
    """``(x, y)`` from ``--data`` or the example's test set; ``y`` None when absent."""

    import hlsfx

    if args.data is None:
        if args.model not in hlsfx.examples.EXAMPLES:
            raise CommandError("give the inputs with --data FILE.npz (arrays x and y)")
        example = hlsfx.examples.load(args.model)
        x, y = example.x_test, example.y_test
    else:
        path = Path(args.data)
        if not path.is_file():
            raise CommandError(f"--data {str(path)!r}: no such file")
        try:
            x, y = _arrays(path)
        except (OSError, ValueError, EOFError, BadZipFile) as error:  # never a pickle
            raise CommandError(
                f"--data {str(path)!r} is not a NumPy .npz or .npy file of numbers ({error})"
            ) from None
    if getattr(args, "samples", None):
        x, y = x[: args.samples], None if y is None else y[: args.samples]
    if labels and y is None:
        raise CommandError("this command needs labels: an array y in the --data file")
    return x, y


def _arrays(path: Path) -> tuple[Any, Any]:
    """``(x, y)`` from an .npy file (x only) or an .npz file's arrays x and y."""
    import numpy as np

    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False), None
    with np.load(path, allow_pickle=False) as arrays:
        keys = set(arrays.files)
        x_key = next((k for k in ("x", "x_test", "X", "X_test") if k in keys), None)
        if x_key is None:
            raise CommandError(f"--data {str(path)!r} has no array x (it has {sorted(keys)})")
        y_key = next((k for k in ("y", "y_test") if k in keys), None)
        return arrays[x_key], arrays[y_key] if y_key else None


def _add_model(p: argparse.ArgumentParser, precision: bool = True) -> None:
    p.add_argument(
        "model",
        help="a model file (.onnx, Keras .json/.h5/.keras) or a shipped example: "
        "jet_mlp, digits_cnn",
    )
    p.add_argument("--weights", help="the HDF5 weights of a Keras .json architecture")
    if precision:
        p.add_argument(
            "--precision",
            default="ap_fixed<16,6>",
            help="the default type of every role (default ap_fixed<16,6>)",
        )
        p.add_argument("--config", help="a saved configuration (JSON or YAML) instead")


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help="an .npz file with inputs x (and labels y), or an .npy of x")
    p.add_argument("--samples", type=positive, help="use the first N samples only")


def _add_strategy(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="latency",
        help="multipliers (latency, resource) or, for Dense and convolutions, shift-add graphs "
        "without multipliers (distributed; io_parallel)",
    )
    p.add_argument(
        "--max-adder-depth",
        type=positive,
        help="distributed: adders chained per pipeline stage (default 4)",
    )


def _accuracy(outputs: Any, labels: Any) -> float:
    from hlsfx.explore.scan import predicted_classes

    return float((predicted_classes(outputs) == labels).mean())


# --- the commands --------------------------------------------------------------------------------


def _convert(args: argparse.Namespace) -> int:
    qm = _quantized(args)
    if not args.hls and not args.rtl:
        raise CommandError("name an output: --hls DIR and/or --rtl DIR")
    if args.max_adder_depth is not None and not args.rtl:
        raise CommandError(
            "--max-adder-depth sets the pipeline of the RTL (--rtl DIR); the "
            "HLS project's distributed layers are not pipelined by it"
        )
    if args.hls:
        path = qm.write_hls(
            args.hls, reuse_factor=args.reuse, io_type=f"io_{args.io}", strategy=args.strategy
        )
        print(f"HLS project ({args.io}): {path}")
    if args.rtl:
        path = qm.write_rtl(
            args.rtl, reuse_factor=args.reuse, io_type=f"io_{args.io}", **_strategy(args)
        )
        print(f"Verilog RTL ({args.io}): {path}")
    return 0


def _strategy(args: argparse.Namespace) -> dict[str, Any]:
    """The io_parallel RTL's strategy options from the command line."""
    options: dict[str, Any] = {"strategy": args.strategy}
    if args.max_adder_depth is not None:
        if args.strategy != "distributed" or args.io == "stream":
            raise CommandError(
                "--max-adder-depth sets the pipeline of --strategy distributed in --io parallel"
            )
        options["max_adder_depth"] = args.max_adder_depth
    return options


def _rtl(args: argparse.Namespace) -> int:
    from hlsfx.cosim.interface import load_interface

    qm = _quantized(args)
    if args.io == "stream":
        _strategy(args)  # refuses options io_stream does not take
        if args.ports != "ap_vld":
            raise CommandError(
                "--io stream has its own AXI-Stream ports; --ports is for io_parallel"
            )
        path = qm.write_rtl(
            args.out, reuse_factor=args.reuse, io_type="io_stream", strategy=args.strategy
        )
        fifos = load_interface(path).fifos
        print(
            f"Verilog RTL (stream): {path} ({len(fifos)} FIFOs; 'hlsfx cosim {path}' "
            "measures latency and interval)"
        )
        return 0
    path = qm.write_rtl(args.out, reuse_factor=args.reuse, ports=args.ports, **_strategy(args))
    interface = load_interface(path)
    print(f"Verilog RTL: {path} (latency {interface.latency}, II {interface.ii})")
    return 0


def _predict(args: argparse.Namespace) -> int:
    import numpy as np

    qm = _quantized(args)
    x, y = _data(args)
    outputs = qm.predict(x, raw=args.raw)
    if args.out:
        np.save(args.out, outputs if isinstance(outputs, np.ndarray) else outputs[0])
        print(f"predictions: {args.out}")
    print(f"{len(x):,} samples emulated at {args.config or args.precision}")
    if y is not None and not args.raw:
        print(f"accuracy: {_accuracy(outputs, y):.4f}")
    return 0


def _trace(args: argparse.Namespace) -> int:
    import numpy as np

    qm = _quantized(args)
    x, _ = _data(args)
    layers = qm.trace(x, raw=args.raw)
    np.savez_compressed(args.out, **layers)
    for name, values in layers.items():
        print(f"{name:24} {values.shape!s:20} max |value| {np.abs(values).max():g}")
    print(f"every layer's output: {args.out}")
    return 0


def _profile(args: argparse.Namespace) -> int:
    from hlsfx.explore import plots

    qm = _quantized(args)
    x, _ = _data(args)
    print(qm.overflow_report(x))
    for path in plots.profile(qm, x, args.out):
        print(f"plot: {path}")
    return 0


def _integers(text: str) -> list[int | str]:
    try:
        return ["auto" if part == "auto" else int(part) for part in text.split(",")]
    except ValueError:
        raise CommandError(f"--integer {text!r} is not 'auto' or a list like 2,4,auto") from None


def _widths(text: str) -> list[int]:
    """``low:high`` (both included) or a list like ``6,8,12``: widths of 1 bit or more."""
    try:
        if ":" in text:
            low, high = (int(v) for v in text.split(":"))
            widths = list(range(low, high + 1))
        else:
            widths = [int(v) for v in text.split(",")]
    except ValueError:
        raise CommandError(f"--widths {text!r} is not 'low:high' or a list like 6,8,12") from None
    if not widths or min(widths) < 1:
        raise CommandError(
            f"--widths {text!r} gives no width of 1 bit or more (low:high needs low <= high)"
        )
    return widths


def _scan(args: argparse.Namespace) -> int:
    import hlsfx
    from hlsfx.explore import plots
    from hlsfx.explore.estimate import MEASURE_NAMES, MEASURES
    from hlsfx.explore.scan import grid, scan

    graph = _graph(args)
    x, y = _data(args, labels=True)
    base = hlsfx.configure(graph, config=args.config) if args.config else None
    layers: list[str | None] = [None]
    if args.per_layer:
        layers = [la.name for la in graph.layers if "weight" in la.params or args.role == "result"]
    elif args.layers:
        layers = args.layers.split(",")
    points = grid(_widths(args.widths), _integers(args.integer), layers, [args.role])
    results = scan(
        base or graph,
        x,
        y,
        points,
        base=None if base else args.precision,
        out=args.out,
        workers=args.workers,
        progress=not args.quiet,
        strategy=args.strategy,
    )
    measure = MEASURES[args.strategy]
    fit = (
        _fit_luts(graph, results, args.fit_luts, Path(args.out), args.strategy)
        if args.fit_luts
        else None
    )
    head = f"{'point':44} {'accuracy':>9} {'agreement':>9} {'overflows':>10}"
    print(head + f" {MEASURE_NAMES[measure]:>12}" + (f" {'LUTs (fit)':>10}" if fit else ""))
    for r in results:
        if r.error:
            print(f"{r.point.label:44} cannot be emulated: {r.error}")
            continue
        luts = f" {fit.luts(r.resources[measure]):10,}" if fit else ""
        print(
            f"{r.point.label:44} {r.accuracy:9.4f} {r.agreement:9.4f} {r.overflow_total:10,} "
            f"{r.resources[measure]:12,}{luts}"
        )
    if fit:
        print(fit)
    out = Path(args.out)
    for path in plots.accuracy_vs_width(results, out.with_name(out.name + "_accuracy")):
        print(f"plot: {path}")
    for path in plots.accuracy_vs_resources(
        results, out.with_name(out.name + "_pareto"), measure=measure
    ):
        print(f"plot: {path}")
    print(f"results: {out.with_suffix('.csv')} and {out.with_suffix('.jsonl')}")
    return 0


def _fit_luts(graph: Any, results: list, count: int, out: Path, strategy: str) -> Any:
    """A LUT fit to Yosys on ``count`` scanned points spread over their cost."""
    import numpy as np

    import hlsfx
    from hlsfx.explore.estimate import MEASURES, fit_luts

    measure = MEASURES[strategy]
    usable = sorted((r for r in results if not r.error), key=lambda r: r.resources[measure])
    if count < 2 or len(usable) < 2:
        raise CommandError("--fit-luts needs at least 2 points that could be emulated")
    picks = sorted({round(k) for k in np.linspace(0, len(usable) - 1, count)})
    models = [hlsfx.configure(graph, config=usable[k].config) for k in picks]
    what = "multipliers in LUTs" if measure == "bops" else "the distributed strategy"
    print(f"synthesizing {len(models)} points with Yosys ({what})...", flush=True)
    return fit_luts(models, out.with_name(out.name + "_yosys"), strategy=strategy)


def _optimize(args: argparse.Namespace) -> int:
    from hlsfx.explore.optimize import optimize

    qm = _quantized(args)
    x, y = _data(args, labels=True)
    found = optimize(
        qm, x, y, budget=args.budget, out=args.out, progress=not args.quiet, show=False
    )
    print(found.table())
    print(f"{found.evaluations} configurations emulated in {found.seconds:.1f} s")
    print(f"configuration: {args.out}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from hlsfx.cli.demo import run_demo

    return run_demo(args.out, quick=args.quick, example=args.example)


# --- the parser ----------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    top = argparse.ArgumentParser(
        prog="hlsfx",
        description="Neural networks on FPGAs, simulator first.",
        epilog="example: hlsfx demo   (each command's --help shows one of its own)",
    )
    top.add_argument("--debug", action="store_true", help="show the traceback of an error")
    commands = top.add_subparsers(dest="command", required=True)

    p = command(
        commands,
        "convert",
        "write a model as an HLS C++ project and/or Verilog RTL",
        "hlsfx convert jet_mlp --precision 'ap_fixed<10,4>' --hls prj --rtl rtl",
        _convert,
    )
    _add_model(p)
    p.add_argument("--hls", help="the HLS project folder to write")
    p.add_argument("--rtl", help="the RTL folder to write")
    p.add_argument("--reuse", type=positive, default=1, help="reuse factor (default 1)")
    _add_strategy(p)
    p.add_argument(
        "--io",
        choices=("parallel", "stream"),
        default="parallel",
        help="every tensor an array (default) or a stream of pixels",
    )

    p = command(
        commands,
        "rtl",
        "write a model as Verilog RTL (io_parallel, or io_stream with --io stream)",
        "hlsfx rtl jet_mlp --out rtl --reuse 4",
        _rtl,
    )
    _add_model(p)
    p.add_argument("--out", required=True, help="the folder to write")
    p.add_argument("--reuse", type=positive, default=1, help="reuse factor (default 1)")
    _add_strategy(p)
    p.add_argument(
        "--ports",
        choices=("ap_vld", "ap_vld_elements", "axis"),
        default="ap_vld",
        help="io_parallel port style (default ap_vld)",
    )
    p.add_argument(
        "--io",
        choices=("parallel", "stream"),
        default="parallel",
        help="every tensor a bus (default) or an AXI-Stream of pixels through FIFOs",
    )

    p = command(
        commands,
        "predict",
        "emulate a model bit-exactly on data; accuracy if labelled",
        "hlsfx predict jet_mlp --precision 'ap_fixed<8,3>' --out y.npy",
        _predict,
    )
    _add_model(p)
    _add_data(p)
    p.add_argument("--raw", action="store_true", help="raw integer codes instead of values")
    p.add_argument("--out", help="save the predictions as .npy")

    p = command(
        commands,
        "trace",
        "every layer's output on data, saved as .npz",
        "hlsfx trace digits_cnn --samples 10 --out trace.npz",
        _trace,
    )
    _add_model(p)
    _add_data(p)
    p.add_argument("--raw", action="store_true", help="raw integer codes instead of values")
    p.add_argument("--out", default="trace.npz", help="the .npz to write (default trace.npz)")

    p = command(
        commands,
        "profile",
        "overflow counts and a plot of value ranges against types",
        "hlsfx profile jet_mlp --precision 'ap_fixed<8,3>' --out profile",
        _profile,
    )
    _add_model(p)
    _add_data(p)
    p.add_argument("--out", default="profile", help="plot file name, .png and .pdf added")

    p = command(
        commands,
        "scan",
        "accuracy over a range of fixed-point widths, with plots",
        "hlsfx scan jet_mlp --widths 4:16 --integer auto --out scan/jets",
        _scan,
    )
    _add_model(p)
    _add_data(p)
    p.add_argument("--widths", default="4:16", help="W values: 'low:high' or a list (default 4:16)")
    p.add_argument(
        "--integer",
        default="auto",
        help="integer bits: 'auto' (from the data) or a list like 2,4,auto",
    )
    p.add_argument(
        "--per-layer",
        action="store_true",
        help="scan each layer with weights alone, the others at the base precision",
    )
    p.add_argument("--layers", help="scan these layers (comma-separated) one at a time")
    p.add_argument(
        "--role",
        choices=("weight", "bias", "result"),
        help="scan only this role (default: weight, bias and result)",
    )
    p.add_argument("--out", default="scan", help="results (.csv, .jsonl) and plots; resumes")
    p.add_argument("--workers", type=positive, help="processes (default one per core)")
    p.add_argument(
        "--fit-luts",
        type=positive,
        metavar="N",
        help="synthesize N points with Yosys and turn the cost into LUTs (slow)",
    )
    p.add_argument(
        "--strategy",
        choices=("latency", "distributed"),
        default="latency",
        help="estimate multipliers (BOPs, default) or the distributed strategy's adder bits",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = command(
        commands,
        "optimize",
        "narrow each layer's types within an accuracy budget",
        "hlsfx optimize jet_mlp --samples 20000 --budget 0.01 --out best.yaml",
        _optimize,
    )
    _add_model(p)
    _add_data(p)
    p.add_argument(
        "--budget",
        type=fraction,
        default=0.01,
        help="accuracy the search may lose against the float model (default 0.01)",
    )
    p.add_argument("--out", default="optimized.yaml", help="the configuration to write")
    p.add_argument("--quiet", action="store_true", help="no progress line")

    add_design_commands(commands)

    p = command(
        commands,
        "demo",
        "the whole flow on a shipped example (the jet tagger by default), offline",
        "hlsfx demo --out hlsfx_demo --example svhn_like_cnn",
        _demo,
    )
    p.add_argument("--out", default="hlsfx_demo", help="where everything goes")
    p.add_argument(
        "--example",
        choices=tuple(DEMOS),
        default="jet_mlp",
        help="jet_mlp (io_parallel, default) or svhn_like_cnn (a 32x32x3 CNN, io_stream)",
    )
    p.add_argument("--quick", action="store_true", help="fewer samples and points")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print(f"hlsfx {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the whole message, without the traceback (--debug shows it)
        if args.debug:
            raise
        message = str(error).strip() or type(error).__name__
        print(f"hlsfx {args.command}: {message}", file=sys.stderr)
        return 2
