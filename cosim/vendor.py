"""RTL that hlsfx did not write (Vivado/Vitis HLS ``syn/verilog``, or any Verilog top that follows
the HLS port conventions) under hlsfx's cocotb testbench.

:func:`infer_interface` reads the top module's ports from Yosys's JSON netlist and recognises
the conventions Vivado/Vitis HLS gives a top function:

- clock ``ap_clk``; reset ``ap_rst`` (active high) or ``ap_rst_n`` (active low);
- block handshake ``ap_ctrl_hs`` (``ap_start``, ``ap_done``, ``ap_idle``, ``ap_ready``);
  ``ap_continue`` (``ap_ctrl_chain``) and ``ap_ce`` are tied high;
- a packed array bus (``input_V[31:0]``: the elements side by side, element k at bits
  ``[k*width +: width]``), or one port per element (``layer7_out_0_V``, ``layer7_out_1_V``),
  each with its ``_ap_vld`` where it has one (an output without one is valid with ``ap_done``);
- the function's return, ``ap_return`` or ``ap_return_0``..``ap_return_N`` (valid with
  ``ap_done``; one tensor when they are equally wide, else a tensor each);
- AXI-Stream ``<name>_TDATA``/``_TVALID``/``_TREADY`` with an optional ``_TLAST`` (driven on a
  sample's last transfer); an input's ``_TKEEP``/``_TSTRB`` are tied to all ones;
- older hls4ml's constant size outputs ``const_size_in_1``/``const_size_out_1`` (and their
  ``_ap_vld``), which are not data and are left unread.

A port that follows none of them is an error naming it: such RTL needs an interface written by
hand (the schema is in the README). :func:`run_vendor` simulates the RTL on raw codes and
returns the :class:`~hlsfx.cosim.engine.CosimResult` that :func:`~hlsfx.cosim.run` returns."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hlsfx.codegen.project_files import read_manifest, synthesized_verilog
from hlsfx.codegen.rtl.interface import Interface, TensorInterface
from hlsfx.codegen.vectors import read_vectors
from hlsfx.cosim.engine import CosimError, CosimResult, cache_root, simulate
from hlsfx.cosim.interface import (
    SOURCE_NAME,
    InterfaceError,
    check_interface,
    memory_files,
    read_interface,
)
from hlsfx.ir.fixed_type import FixedType

__all__ = ["LATENCY_BOUND", "TypeSpec", "infer_interface", "run_project", "run_vendor"]
__all__ += ["verilog_sources"]

LATENCY_BOUND = 1000
"""cycles the testbench allows a sample when the RTL does not state its latency"""
PACKING = (
    "element k of a tensor at bits [k*width +: width] of its bus (or of a port's share), "
    "a raw two's complement code of its type"
)
TypeSpec = FixedType | str | Sequence[FixedType | str] | None
"""one type for every tensor of a direction, one per tensor, or none (ports give the widths)"""

_CLOCK, _RESETS = "ap_clk", {"ap_rst": 1, "ap_rst_n": 0}
_HANDSHAKE = ("ap_start", "ap_done", "ap_idle", "ap_ready")
_TIED_HIGH = ("ap_continue", "ap_ce")
_STREAM = re.compile(r"(?P<base>\w+?)_(?P<signal>TDATA|TVALID|TREADY|TLAST|TKEEP|TSTRB)")
_ELEMENT = re.compile(r"(?P<base>\w+?)_(?P<index>\d+)(?:_V)?")
_RETURN = re.compile(r"ap_return(?:_(?P<index>\d+))?")
_OTHER_PROTOCOLS = {  # protocol: a port that marks it, the ports that belong to it
    "ap_memory": (
        re.compile(r"(?P<base>\w+?)_address\d+"),
        re.compile(r"(?P<base>\w+?)_(?:address|ce|we|q|d)\d+"),
    ),
    "ap_fifo": (
        re.compile(r"(?P<base>\w+?)_(?:dout|din)"),
        re.compile(r"(?P<base>\w+?)_(?:dout|empty_n|read|din|full_n|write)"),
    ),
    "ap_ack": (re.compile(r"(?P<base>\w+?)_ap_ack"), re.compile(r"(?P<base>\w+?)_ap_ack")),
}
_CONST_SIZE = re.compile(r"const_size_(?:in|out)_\d+(?:_ap_vld)?")
"""the size outputs hls4ml before 0.6 gave the top function (``const_size_in_1``)"""
_CORE_INFO = re.compile(r"HLS_SYN_(?P<key>LAT|TPT)=(?P<value>\w+)")
_VERILOG_SUFFIXES = (".v", ".sv")


def verilog_sources(rtl_dir: str | Path) -> list[str]:
    """The Verilog files (``.v``, ``.sv``) directly in ``rtl_dir``, sorted: the sources of a
    vendor RTL folder."""
    root = Path(rtl_dir)
    if not root.is_dir():
        raise CosimError(f"{root} is not a folder of Verilog")
    found = sorted(
        p.name
        for p in root.iterdir()
        if p.suffix in _VERILOG_SUFFIXES and p.is_file() and not p.is_symlink()
    )
    if not found:
        raise CosimError(f"{root} holds no Verilog (.v or .sv files)")
    for name in found:  # they are written into the Yosys script that reads the ports
        if not SOURCE_NAME.fullmatch(name):
            raise CosimError(
                f"{root}: the file name {name!r} is not letters, digits, '_', '-' and '.' "
                "(starting with a letter, digit or '_'), the only names hlsfx writes into the "
                "scripts it runs: rename it"
            )
    return found


def _top_module(root: Path, sources: list[str], top: str) -> dict:
    """The top module as Yosys's JSON netlist describes it (ports and attributes; every
    module read as a black box, so nothing is elaborated)."""
    if shutil.which("yosys") is None:
        raise CosimError("yosys is not on PATH: run scripts/setup.sh test (apt-get install yosys)")
    with tempfile.TemporaryDirectory(prefix="hlsfx_ports_") as scratch:
        netlist = Path(scratch) / "ports.json"
        reads = [f"read_verilog -lib {'-sv ' if s.endswith('.sv') else ''}{s}" for s in sources]
        script = Path(scratch) / "ports.ys"
        script.write_text("\n".join([*reads, ""]))  # checked names only; paths go as arguments
        done = subprocess.run(
            ["yosys", "-q", "-s", str(script), "-b", "json", "-o", str(netlist)],
            cwd=root,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not netlist.is_file():
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-10:])
            raise CosimError(f"yosys could not read the Verilog in {root}:\n{tail}")
        modules = json.loads(netlist.read_text())["modules"]
    if top not in modules:
        raise CosimError(
            f"no module {top!r} in the Verilog of {root}; it defines "
            f"{', '.join(sorted(modules)) or 'none'}"
        )
    return modules[top]


def _types(where: str, given: TypeSpec, count: int) -> list[FixedType | None]:
    if given is None:
        return [None] * count
    if isinstance(given, (str, FixedType)):
        given = [given] * count
    types = [t if isinstance(t, FixedType) else FixedType.parse(t) for t in given]
    if len(types) != count:
        raise CosimError(f"{count} {where} tensors, but {len(types)} {where} types")
    return types


def _tensor(name: str, size: int, t: FixedType | None, width: int) -> dict:
    return {
        "tensor": name,
        "size": size,
        "width": t.width if t else width,
        "signed": t.signed if t else True,
        "type": str(t) if t else None,
        "shape": [size],
    }


class _Ports:
    """The top's ports, taken one convention at a time; what is left follows none."""

    def __init__(self, module: dict):
        self.ports = {name: (p["direction"], len(p["bits"])) for name, p in module["ports"].items()}
        self.left = dict(self.ports)

    def take(self, name: str) -> tuple[str, int] | None:
        return self.left.pop(name, None)

    def has(self, name: str) -> bool:
        return name in self.ports


def _streams(ports: _Ports, sizes: dict, types: dict, interface: dict) -> None:
    groups: dict[str, dict[str, str]] = {}
    for name in list(ports.left):
        match = _STREAM.fullmatch(name)
        if match:
            groups.setdefault(match["base"], {})[match["signal"]] = name
    for base, signals in groups.items():
        if not {"TDATA", "TVALID", "TREADY"} <= set(signals):
            continue
        direction, bits = ports.take(signals["TDATA"])
        for signal in signals.values():
            ports.take(signal)
        group = "inputs" if direction == "input" else "outputs"
        stream = {"data": signals["TDATA"], "valid": signals["TVALID"], "ready": signals["TREADY"]}
        if "TLAST" in signals and group == "inputs":
            stream["last"] = signals["TLAST"]
        for side in ("TKEEP", "TSTRB"):
            if side in signals and group == "inputs":
                interface["tie"][signals[side]] = (1 << ports.ports[signals[side]][1]) - 1
        interface[group].append({"base": base, "bits": bits, "stream": stream})
    if not interface["inputs"] and not interface["outputs"]:
        return
    for group in ("inputs", "outputs"):
        found = interface[group]
        kinds = _types(group[:-1], types[group], len(found))
        described = []
        for entry, t in zip(found, kinds, strict=True):
            if t is None:
                raise CosimError(
                    f"{group[:-1]} stream {entry['stream']['data']} carries codes "
                    f"of unknown width: give {group[:-1]}_type"
                )
            beat = max(1, entry["bits"] // t.width)
            size = sizes[group] if len(found) == 1 and sizes[group] else None
            if size is None:
                raise CosimError(
                    f"how many codes a sample sends on {entry['stream']['data']} is "
                    f"not in its ports: give {group[:-1]}_size or write the "
                    "interface by hand"
                )
            described.append(
                {
                    **_tensor(entry["base"], size, t, t.width),
                    "stream": {**entry["stream"], "beat": min(beat, size)},
                }
            )
        interface[group] = described


def _refuse_other_protocols(top: str, ports: _Ports) -> None:
    for protocol, (marker, members) in _OTHER_PROTOCOLS.items():
        bases = {m["base"] for name in ports.left if (m := marker.fullmatch(name))}
        found = sorted(
            name for name in ports.left if (m := members.fullmatch(name)) and m["base"] in bases
        )
        if found:
            raise CosimError(
                f"{top}: ports {', '.join(found)} are {protocol}, which the testbench does not "
                "drive (it drives ap_vld, ap_none, ap_ctrl_hs, ap_return and AXI-Stream): "
                "partition or reshape the arrays, or use io_stream with AXI-Stream"
            )


def _parallel(ports: _Ports, types: dict, interface: dict) -> None:
    """Data ports, grouped into tensors: ``ap_return[_N]``, elements ``<base>_<k>[_V]`` with
    k = 0..n-1, and packed buses."""
    valid = {}
    for name in list(ports.left):
        if name.endswith("_ap_vld") and ports.has(name[: -len("_ap_vld")]):
            valid[name[: -len("_ap_vld")]] = name
            ports.take(name)
    found: dict[str, list[tuple[str, str, list[tuple[int, str, int]]]]] = {
        "inputs": [],
        "outputs": [],
    }
    returns = [(int(m["index"] or 0), n) for n in ports.left if (m := _RETURN.fullmatch(n))]
    elements: dict[tuple[str, str], list[tuple[int, str, int]]] = {}
    for name in list(ports.left):
        direction, bits = ports.left[name]
        if _RETURN.fullmatch(name):
            continue
        match = _ELEMENT.fullmatch(name)
        if match and direction in ("input", "output"):
            elements.setdefault((direction, match["base"]), []).append(
                (int(match["index"]), name, bits)
            )
    for (direction, base), members in elements.items():
        group = "inputs" if direction == "input" else "outputs"
        indices = sorted(k for k, _, _ in members)
        widths = {bits for _, _, bits in members}
        one = types[group] if isinstance(types[group], (str, FixedType)) else None
        hint = {t.width for t in _types(group[:-1], one, 1) if t}
        if indices != list(range(len(members))) or len(widths) > 1:
            continue
        if len(members) == 1 and hint and widths != hint:
            continue  # one bus that happens to end in a number: a packed array
        for _, name, _ in members:
            ports.take(name)
        found[group].append(("elements", base, sorted(members)))
    for name in list(ports.left):
        direction, bits = ports.left[name]
        if direction not in ("input", "output") or _RETURN.fullmatch(name):
            continue
        ports.take(name)
        group = "inputs" if direction == "input" else "outputs"
        base = name[:-2] if name.endswith("_V") else name
        found[group].append(("bus", base, [(0, name, bits)]))
    for _, name in returns:
        ports.take(name)
    members = [(k, name, ports.ports[name][1]) for k, name in sorted(returns)]
    if len(members) > 1 and len({bits for _, _, bits in members}) == 1:
        found["outputs"].append(("elements", "ap_return", members))
    else:  # one return, or a struct's fields of different widths: a tensor each
        found["outputs"] += [("bus", name, [(0, name, bits)]) for _, name, bits in members]
    for group in ("inputs", "outputs"):
        kinds = _types(group[:-1], types[group], len(found[group]))
        for (shape, base, members), t in zip(found[group], kinds, strict=True):
            interface[group].append(_fields(group, shape, base, members, t, valid, ports))


def _fields(
    group: str,
    shape: str,
    base: str,
    members: list,
    t: FixedType | None,
    valid: dict,
    ports: _Ports,
) -> dict:
    """The tensor of ports ``members`` (one packed bus, or one port per element)."""
    fields = []
    if shape == "bus":
        ((_, name, bits),) = members
        if t is None and bits > 1 and group == "inputs":
            raise CosimError(
                f"input port {name} is a {bits}-bit bus: give input_type so that "
                "how wide its codes are, or write the interface by hand"
            )
        width = t.width if t else bits
        if bits % width:
            raise CosimError(
                f"{group[:-1]} port {name} has {bits} bits, not a whole number of "
                f"{width}-bit codes of {t}"
            )
        fields.append({"data": name, "first": 0, "count": bits // width})
    else:
        width = t.width if t else members[0][2]
        if members[0][2] != width:
            raise CosimError(
                f"{group[:-1]} port {members[0][1]} has {members[0][2]} bits, but "
                f"its type {t} has {width}"
            )
        fields += [{"data": name, "first": k, "count": 1} for k, name, _ in members]
    for field in fields:
        if field["data"] in valid:
            field["valid"] = valid[field["data"]]
        elif group == "outputs":
            if not ports.has("ap_done"):
                raise CosimError(
                    f"output port {field['data']} has no _ap_vld and the design no "
                    "ap_done: write the interface by hand"
                )
            field["valid"] = "ap_done"
    return {**_tensor(base, sum(f["count"] for f in fields), t, width), "ports": fields}


def _timing(module: dict) -> tuple[int, int]:
    """Latency and II from the ``CORE_GENERATION_INFO`` Vivado/Vitis HLS put on the top (a
    bound and 1 when it is not there: the testbench then waits for ``ap_ready``)."""
    info = dict(
        (m["key"], m["value"])
        for m in _CORE_INFO.finditer(
            str(module.get("attributes", {}).get("CORE_GENERATION_INFO", ""))
        )
    )
    latency = int(info["LAT"]) if info.get("LAT", "").isdigit() else None
    ii = int(info["TPT"]) if info.get("TPT", "").isdigit() else None
    if ii is None:
        ii = latency + 1 if latency is not None else 1
    return (LATENCY_BOUND if latency is None else latency), max(1, ii)


def infer_interface(
    rtl_dir: str | Path,
    top: str = "myproject",
    *,
    input_type: TypeSpec = None,
    output_type: TypeSpec = None,
    input_size: int | None = None,
    output_size: int | None = None,
) -> Interface:
    """The interface description (the schema of ``interface.json``, in the README) of the
    Verilog top module ``top`` in ``rtl_dir``, from its ports as Yosys reads them. The types
    (one for every tensor of a direction, or one per tensor in port order) give the width of
    the codes in a packed bus and whether they are signed; the sizes (codes per vector, all
    tensors of a direction together) are needed for AXI-Stream, whose ports do not say how
    many transfers a sample takes."""
    root = Path(rtl_dir).resolve()
    sources = verilog_sources(root)
    try:
        memory_files(root, sources)  # Yosys loads them too; a missing one is named here
    except InterfaceError as error:
        raise CosimError(str(error)) from None
    module = _top_module(root, sources, top)
    ports = _Ports(module)
    if not ports.take(_CLOCK):
        raise CosimError(f"{top} has no {_CLOCK} port: write the interface by hand")
    resets = [r for r in _RESETS if ports.take(r)]
    if len(resets) != 1:
        raise CosimError(f"{top} needs one reset port, ap_rst or ap_rst_n, not {resets or 'none'}")
    for name in list(ports.left):  # an older hls4ml's constant size outputs: not data
        if _CONST_SIZE.fullmatch(name):
            ports.take(name)
    handshake = {name: ports.take(name) is not None for name in _HANDSHAKE}
    latency, ii = _timing(module)
    interface: dict[str, Any] = {
        "top": top,
        "sources": sources,
        "protocol": "ap_vld",
        "packing": PACKING,
        "clock": _CLOCK,
        "reset": resets[0],
        "reset_active": _RESETS[resets[0]],
        "start": "ap_start" if handshake["ap_start"] else None,
        "done": "ap_done" if handshake["ap_done"] else None,
        "ready": "ap_ready" if handshake["ap_ready"] else None,
        "tie": {name: 1 for name in _TIED_HIGH if ports.take(name)},
        "inputs": [],
        "outputs": [],
        "latency": latency,
        "ii": ii,
        "origin": f"inferred by hlsfx.cosim.infer_interface from the ports of {top}",
    }
    sizes = {"inputs": input_size, "outputs": output_size}
    types = {"inputs": input_type, "outputs": output_type}
    _streams(ports, sizes, types, interface)
    if interface["inputs"] or interface["outputs"]:
        interface["protocol"] = "axis"
    else:
        _refuse_other_protocols(top, ports)
        _parallel(ports, types, interface)
    if ports.left:
        raise CosimError(
            f"{top}: ports {', '.join(sorted(ports.left))} follow no HLS convention hlsfx knows "
            "(ap_vld, ap_none, ap_ctrl_hs, ap_return, AXI-Stream): write the interface by hand"
        )
    try:
        return check_interface(root, interface, f"the interface inferred for {top}")
    except InterfaceError as error:
        raise CosimError(str(error)) from None


def _codes(where: str, codes: Any) -> np.ndarray:
    array = np.asarray(codes)
    wide = array.dtype == object and all(isinstance(c, int) for c in array.flat)
    if (array.dtype.kind not in "iu" and not wide) or array.ndim != 2 or not len(array):
        raise CosimError(
            f"{where} must be raw integer codes, one row per vector, not "
            f"{array.dtype} {array.shape}"
        )
    return array


def _check_codes(where: str, codes: np.ndarray, tensors: Sequence[TensorInterface]) -> None:
    """Each column within its tensor's width (signed or not)."""
    width = sum(t.size for t in tensors)
    if codes.shape[1] != width:
        raise CosimError(
            f"{where} have {codes.shape[1]} codes per vector; the interface's tensors hold {width}"
        )
    first = 0
    for t in tensors:
        low, high = (
            (-(1 << (t.width - 1)), (1 << (t.width - 1)) - 1)
            if t.signed
            else (0, (1 << t.width) - 1)
        )
        part = codes[:, first : first + t.size]
        outside = (part < low) | (part > high)
        if outside.any():
            row, col = (int(i) for i in np.argwhere(outside)[0])
            raise CosimError(
                f"{where}: vector {row}, code {col} of {t.tensor} is "
                f"{part[row, col]}, outside {low} .. {high}"
            )
        first += t.size


def _work_folder(root: Path, interface: Interface, simulator: str) -> Path:
    """A folder of hlsfx's cache named by the hash of everything the build depends on."""
    digest = hashlib.sha256(json.dumps([interface.to_dict(), simulator]).encode())
    for source in interface.sources:
        digest.update(source.encode() + b"\0" + (root / source).read_bytes())
    for name, path in memory_files(root, interface.sources):
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return cache_root() / f"cosim-{interface.top}-{simulator}-{digest.hexdigest()[:20]}"


def run_vendor(
    rtl_dir: str | Path,
    top: str = "myproject",
    *,
    inputs: Any,
    expected: Any,
    input_type: TypeSpec = None,
    output_type: TypeSpec = None,
    interface: Interface | dict | str | Path | None = None,
    simulator: str = "icarus",
    work: str | Path | None = None,
) -> CosimResult:
    """Simulate the Verilog top ``top`` in ``rtl_dir`` with hlsfx's cocotb testbench on the raw
    codes ``inputs`` (one row per vector: every input tensor's codes, in port order) and
    compare its outputs with ``expected`` by ``==``. The ports are inferred
    (:func:`infer_interface`) unless ``interface`` gives them (a description or its JSON file).
    Verilator builds with its warnings reported, not fatal. The build is kept in ``work``
    (default: a folder of hlsfx's cache, ``$HLSFX_CACHE`` or ``~/.cache/hlsfx``, named by the
    hash of the sources, memory files, interface and simulator), so a second run on the same
    RTL only simulates."""
    root = Path(rtl_dir).resolve()
    inputs, expected = _codes("inputs", inputs), _codes("expected", expected)
    if len(inputs) != len(expected):
        raise CosimError(f"{len(inputs)} input vectors but {len(expected)} expected ones")
    try:
        if interface is None:
            interface = infer_interface(
                root,
                top,
                input_type=input_type,
                output_type=output_type,
                input_size=inputs.shape[1],
                output_size=expected.shape[1],
            )
        elif isinstance(interface, Interface):
            interface = check_interface(root, interface.to_dict())
        elif isinstance(interface, dict):
            interface = check_interface(root, interface)
        else:
            interface = read_interface(root, interface)
    except InterfaceError as error:
        raise CosimError(str(error)) from None
    _check_codes("inputs", inputs, interface.inputs)
    _check_codes("expected codes", expected, interface.outputs)
    work = Path(work) if work is not None else _work_folder(root, interface, simulator)
    return simulate(
        root,
        interface,
        inputs.tolist(),
        expected.tolist(),
        simulator=simulator,
        work=work,
        lint="lenient",
    )


def run_project(project: Path, *, simulator: str, vectors: int | None) -> CosimResult:
    """The Verilog Vivado/Vitis HLS made of the hlsfx HLS project ``project``, on the project's
    ``tb_data`` vectors."""
    manifest = read_manifest(project)
    rtl = synthesized_verilog(project, manifest["top"])
    if not rtl.is_dir():
        raise CosimError(
            f"{project} holds no synthesized Verilog ({rtl} is missing): run "
            f"'hlsfx build {project}' with Vivado/Vitis HLS first"
        )
    sizes = [sum(p["size"] for p in manifest[k]) for k in ("inputs", "outputs")]
    try:
        inputs = read_vectors(project / "tb_data" / "inputs_raw.dat", sizes[0])[:vectors]
        expected = read_vectors(project / "tb_data" / "expected_raw.dat", sizes[1])[:vectors]
    except ValueError as error:
        raise CosimError(str(error)) from None
    return run_vendor(
        rtl,
        manifest["top"],
        inputs=inputs,
        expected=expected,
        input_type=[p["type"] for p in manifest["inputs"]],
        output_type=[p["type"] for p in manifest["outputs"]],
        simulator=simulator,
        work=project / f"cosim_vendor_{simulator}",
    )
