from __future__ import annotations

import importlib.util

import pytest

from hlsfx.codegen.ap_types import find_ap_types


def _headers(folder):
    folder.mkdir(parents=True)
    (folder / "ap_fixed.h").write_text("// stand-in\n")
    return folder


def test_lookup_order_env_then_xilinx_then_hls4ml(tmp_path, monkeypatch):
    own = _headers(tmp_path / "own")
    xilinx = tmp_path / "Vitis_HLS"
    _headers(xilinx / "include")
    monkeypatch.setenv("HLSFX_AP_TYPES", str(own))
    monkeypatch.setenv("XILINX_HLS", str(xilinx))
    assert find_ap_types() == own
    monkeypatch.setenv("HLSFX_AP_TYPES", str(tmp_path / "empty"))
    assert find_ap_types() == xilinx / "include"
    monkeypatch.delenv("XILINX_HLS")
    if importlib.util.find_spec("hls4ml") is not None:
        assert find_ap_types().parts[-3:] == ("templates", "vivado", "ap_types")


def test_missing_headers_say_where_we_looked_and_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("HLSFX_AP_TYPES", str(tmp_path))
    monkeypatch.delenv("XILINX_HLS", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError) as error:
        find_ap_types()
    message = str(error.value)
    assert f"$HLSFX_AP_TYPES: no ap_fixed.h in {tmp_path}" in message
    assert "$XILINX_HLS (not set)" in message and "the hls4ml package (not installed)" in message
    assert "pip install hls4ml" in message
