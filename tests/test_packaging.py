"""The distribution: one import name, hlsfx, installed from core/ with emulator/, codegen/, cosim/
and hls_src/ under it; no folder of the checkout is named hlsfx, so a clone's root never
shadows the installed package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

import hlsfx

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = {"core": "hlsfx", "emulator": "hlsfx/emulator", "codegen": "hlsfx/codegen",
               "cosim": "hlsfx/cosim", "hls_src": "hlsfx/hls_src"}  # fmt: skip


def _pip(python: Path | str, *args: str, cwd: Path = ROOT) -> None:
    run = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_wheel_installs_subpackages_under_hlsfx(tmp_path):
    _pip(sys.executable, "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT))
    (wheel,) = tmp_path.glob("hlsfx-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "hlsfx/__init__.py" in names and "hlsfx/ir/fixed_type.py" in names
    for folder, installed in SUBPACKAGES.items():
        assert f"{installed}/__init__.py" in names
        assert not any(name.startswith(f"{folder}/") for name in names), f"top-level {folder}/"
    assert "hlsfx/emulator/primitives.py" in names and "hlsfx/emulator/quantize.py" in names
    assert "hlsfx/hls_src/hlsfx_dense.h" in names and "hlsfx/cli/main.py" in names
    for example in hlsfx.examples.EXAMPLES:  # the shipped models and their test data
        assert {f"hlsfx/examples/{example}.onnx", f"hlsfx/examples/{example}.npz"} <= names
    assert not any(name.startswith("hls_src/") for name in names)


def test_editable_install_maps_the_top_level_folders(tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _pip(python, "install", "-q", "--no-deps", "-e", str(ROOT))
    probe = (
        "import importlib.util, json, hlsfx, hlsfx.emulator, hlsfx.codegen, hlsfx.cosim\n"
        "print(json.dumps({name: importlib.util.find_spec(name) is not None and "
        "importlib.util.find_spec(name).origin for name in "
        "['hlsfx', 'hlsfx.ir.graph', 'hlsfx.emulator', 'hlsfx.emulator.quantize', "
        "'hlsfx.codegen', 'emulator', 'core']}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the new venv's own
    run = subprocess.run([str(python), "-c", probe], cwd=tmp_path, env=env, capture_output=True,
                         text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    origins = json.loads(run.stdout)  # name -> origin path, or false
    assert origins["hlsfx"] == str(ROOT / "core" / "__init__.py")
    assert origins["hlsfx.ir.graph"] == str(ROOT / "core" / "ir" / "graph.py")
    assert origins["hlsfx.emulator"] == str(ROOT / "emulator" / "__init__.py")
    assert origins["hlsfx.emulator.quantize"] == str(ROOT / "emulator" / "quantize.py")
    assert origins["hlsfx.codegen"] == str(ROOT / "codegen" / "__init__.py")
    assert origins["emulator"] is False and origins["core"] is False
    # from the checkout's root, first on sys.path, the same modules are found
    run = subprocess.run([str(python), "-c", probe], cwd=ROOT, env=env, capture_output=True,
                         text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    mapped = {name: origin for name, origin in origins.items() if name.startswith("hlsfx")}
    assert {name: json.loads(run.stdout)[name] for name in mapped} == mapped


@pytest.mark.skipif(
    os.environ.get("HLSFX_EXPECT_INSTALLED") != "1",
    reason="set by scripts/setup.sh, which installs hlsfx without -e before running the tests",
)
def test_suite_runs_against_the_installed_package():
    assert "site-packages" in hlsfx.__file__, hlsfx.__file__
    import hlsfx.emulator.quantize as quantize

    assert "site-packages" in quantize.__file__
    # the command line is installed beside the interpreter, and finds its headers
    command = Path(sys.executable).with_name("hlsfx")
    assert command.is_file(), f"no {command}"
    from hlsfx.codegen.hls_project import hls_src_dir

    assert "site-packages" in str(hls_src_dir())


def test_the_first_command_runs_csim_and_cosim_on_a_fresh_copy(tmp_path):
    """The README's first command, on a copy of the checkout with no venv: it installs hlsfx
    with its cosim extra into a new .venv and the demo ends with C simulation and Icarus
    co-simulation passing (g++ and iverilog come from apt-get when root)."""
    from conftest import require

    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    require(files.returncode == 0, "git", "run the tests in a git checkout")
    copy = tmp_path / "hlsfx"
    for name in files.stdout.splitlines():
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / name).read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHON"] = str(Path(sys.base_prefix) / "bin" / "python3")
    done = subprocess.run(
        ["bash", "scripts/setup.sh", "demo", "--quick"], cwd=copy, env=env, capture_output=True,
        text=True, timeout=1200,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PASS: 100 samples, 0 mismatching output codes" in done.stdout
    assert "PASS on icarus: 50 vectors, 0 mismatching output codes" in done.stdout
    assert (copy / "hlsfx_demo" / "rtl" / "interface.json").is_file()
    # the README's first Python, run from the clone's root with the installed package
    example = _readme_python()
    ran = subprocess.run([str(copy / ".venv" / "bin" / "python"), "-c", example], cwd=copy,
                         env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "accuracy 0.7" in ran.stdout and "overflows in 100,000 samples" in ran.stdout
    assert (copy / "jet_hls" / "firmware" / "myproject.cpp").is_file()
    assert (copy / "jet_rtl" / "myproject.v").is_file()


def _readme_python() -> str:
    """The README's first Python example."""
    text = (ROOT / "README.md").read_text()
    start = text.index("```python\n") + len("```python\n")
    return text[start : text.index("```", start)]


def test_the_readme_python_runs_from_the_root_of_the_checkout(tmp_path):
    """What a newcomer types in the clone's root: ``import hlsfx`` finds the whole package."""
    example = _readme_python().replace('"jet_hls"', repr(str(tmp_path / "jet_hls")))
    example = example.replace('"jet_rtl"', repr(str(tmp_path / "jet_rtl")))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    ran = subprocess.run([sys.executable, "-c", example], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert (tmp_path / "jet_rtl" / "interface.json").is_file()
