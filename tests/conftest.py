from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
TESTS = Path(__file__).resolve().parent


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None,
            **options) -> subprocess.CompletedProcess:  # fmt: skip
    """``python -m hlsfx.cli ARGS`` in a child that imports what this process imports, run
    from tests/ unless told otherwise (from the checkout's root, its ./hlsfx would be found
    before the installed package)."""
    return subprocess.run(
        [sys.executable, "-m", "hlsfx.cli", *args], capture_output=True, text=True,
        cwd=cwd or TESTS,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **(env or {})}, **options,
    )  # fmt: skip


def require(available: bool, what: str, how: str) -> None:
    """Skip (or in CI, fail) a test whose tool is missing."""
    if available:
        return
    message = f"{what} is not available: {how}"
    if IN_CI:
        pytest.fail(f"CI must have every tool the tests need; {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def ap_types_dir():
    """The real Xilinx ap_types headers."""
    from hlsfx.codegen.ap_types import find_ap_types

    try:
        folder = find_ap_types()
    except FileNotFoundError as error:
        require(False, "the Xilinx ap_types headers", str(error))
    return folder


@pytest.fixture(scope="session")
def gxx():
    path = shutil.which("g++")
    require(path is not None, "g++", "install it with 'apt-get install g++'")
    return path


def fixture(relative: str) -> Path:
    """A model from the shared fixtures (``../shared/fixtures`` beside the checkout)."""
    path = FIXTURES / relative
    require(path.is_file(), f"the shared fixture {relative}", f"expected it at {path}")
    return path


@pytest.fixture(scope="session", autouse=True)
def hlsfx_cache(request, tmp_path_factory):
    """hlsfx's own cache (vendor RTL builds) in pytest's cache folder, not the user's home."""
    cache = getattr(request.config, "cache", None)
    folder = cache.mkdir("hlsfx") if cache else tmp_path_factory.mktemp("hlsfx")
    saved = os.environ.get("HLSFX_CACHE")
    os.environ["HLSFX_CACHE"] = str(folder)
    yield folder
    if saved is None:
        os.environ.pop("HLSFX_CACHE", None)
    else:
        os.environ["HLSFX_CACHE"] = saved


@pytest.fixture(scope="session")
def csim_cache(request, tmp_path_factory):
    """A folder keeping compiled C simulations by the hash of their sources, across runs."""
    cache = getattr(request.config, "cache", None)
    return cache.mkdir("csim") if cache else tmp_path_factory.mktemp("csim")
