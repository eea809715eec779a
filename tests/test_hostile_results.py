"""A co-simulation or C simulation passes only when every vector written was driven and
compared; test-vector files that are short, empty or not numbers are errors naming the file and
the line (codegen/vectors.py, cosim/tb_data.py, cosim/engine.py, codegen/csim.py)."""

from __future__ import annotations

import shutil

import pytest
from conftest import require, run_cli
from test_hostile_folders import _model

from hlsfx.codegen.vectors import MAX_VECTORS, read_vectors
from hlsfx.cosim.tb_data import read_tb_inputs, read_tb_outputs


def _cut(path, keep: int) -> None:
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:keep]))


@pytest.mark.rtl
def test_a_cosimulation_with_fewer_expected_rows_than_inputs_fails(tmp_path):
    from hlsfx.cosim.simulate import CosimError, run

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    rtl = _model().write_rtl(tmp_path / "rtl", vectors=8)
    _cut(rtl / "tb_data" / "expected_raw.dat", 5)
    with pytest.raises(CosimError, match="8 input vectors and 5 expected ones"):
        run(rtl)
    assert run(rtl, vectors=5).passed  # the first five, asked for, are all compared
    done = run_cli("cosim", str(rtl))
    assert done.returncode != 0 and "8 input vectors and 5 expected ones" in done.stderr
    for name in ("inputs_raw.dat", "expected_raw.dat"):
        (rtl / "tb_data" / name).write_text("")
    with pytest.raises(CosimError, match=r"inputs_raw\.dat holds no vectors"):
        run(rtl)
    done = run_cli("cosim", str(rtl))
    assert done.returncode != 0 and "holds no vectors" in done.stderr


def test_a_c_simulation_with_fewer_expected_rows_than_inputs_fails(tmp_path, ap_types_dir, gxx):
    from hlsfx.codegen.csim import CsimError, csim

    project = _model().write_hls(tmp_path / "prj", vectors=8)
    _cut(project / "tb_data" / "expected_raw.dat", 5)
    with pytest.raises(CsimError, match="8 input vectors, 5 expected and 5 results"):
        csim(project, ap_types=ap_types_dir)


@pytest.mark.parametrize(
    "text, message",
    [
        ("1 2\n3 nan\n", r"line 2: '3 nan' is not integer codes"),
        ("1 2\n3 4.5\n", r"line 2: '3 4.5' is not integer codes"),
        ("1 2\n3 1_0\n", r"line 2: '3 1_0' is not integer codes"),
        ("1 2\n3\n", r"line 2: 1 values, not 2"),
        ("\n\n", r"holds no vectors"),
        ("", r"holds no vectors"),
        (b"\xff\xfe1 2\n", r"cannot be read as text"),
    ],
)
def test_raw_code_files_name_the_file_and_line_of_what_is_wrong(text, message, tmp_path):
    path = tmp_path / "codes.dat"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ValueError, match=message) as error:
        read_vectors(path)
    assert str(path) in str(error.value)


def test_raw_code_files_take_their_width_from_the_first_line_with_codes(tmp_path):
    path = tmp_path / "codes.dat"
    path.write_text("\n  \n1 -2 3\n\n4 5 -9223372036854775808\n")
    assert read_vectors(path).tolist() == [[1, -2, 3], [4, 5, -(1 << 63)]]
    path.write_text("1 2\n" * (MAX_VECTORS + 1))
    with pytest.raises(ValueError, match=f"more than {MAX_VECTORS:,} vectors"):
        read_vectors(path)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "0x10", "1,5", "1_0"])
def test_tb_data_values_that_are_not_finite_numbers_are_errors_naming_the_line(value, tmp_path):
    path = tmp_path / "csim_results.log"
    path.write_text(f"0.5 0.25\n1 {value}\n")
    for read in (read_tb_outputs, read_tb_inputs):
        with pytest.raises(ValueError, match=rf"{path.name}, line 2: .* is not finite numbers"):
            read(path, "ap_fixed<16,6>")
