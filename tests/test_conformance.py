"""Every layer kind in the registry has each of its pieces: its IR spec, an emulator step, tests
that run it against a real reference (onnxruntime, QONNX, or hand-checked semantics), a float
reference that the frontend tests compare with the source frameworks, its HLS
C++ header and writer, and a place in the C-simulation model (emulator == generated C++), and
its RTL writer (the same model co-simulated: emulator == RTL)."""

from __future__ import annotations

import sys

import test_activations
import test_emulator
import test_hls_csim
import test_layer_properties
import test_layers
import test_qonnx
import test_reference
from conftest import fixture

import hlsfx
from hlsfx import kinds
from hlsfx.emulator.run import PREPARERS

# kinds whose tests are not driven by one of the case tables below: kind -> the test covering
# it against a real reference (onnxruntime, QONNX's executor, or exact Fraction arithmetic with
# casts checked against ap_fixed.h)
COVERED_ELSEWHERE = {
    kinds.DENSE: test_emulator.test_wide_types_agree_with_onnxruntime,
    kinds.RELU: test_layer_properties.test_relu_ties_round_as_the_result_type_says,
    kinds.SIGMOID: test_layer_properties.test_table_indices_clamp_to_the_end_entries,
    kinds.SOFTMAX: test_qonnx.test_emulator_equals_qonnx_execution_layer_by_layer,
    kinds.LINEAR: test_layer_properties.test_a_linear_layer_is_the_cast_to_its_result,
    kinds.BINARIZE: test_qonnx.test_emulator_equals_qonnx_execution_layer_by_layer,
    kinds.CONV1D: test_emulator.test_conv_geometry_equals_onnxruntime_exactly,
    kinds.CONV2D: test_emulator.test_conv_geometry_equals_onnxruntime_exactly,
    kinds.DEPTHWISE_CONV1D: test_emulator.test_conv_geometry_equals_onnxruntime_exactly,
    kinds.DEPTHWISE_CONV2D: test_emulator.test_conv_geometry_equals_onnxruntime_exactly,
    kinds.RESHAPE: test_emulator.test_a_conv_after_a_reshape_gets_a_transpose_layer,
    kinds.TRANSPOSE: test_emulator.test_a_conv_after_a_reshape_gets_a_transpose_layer,
    kinds.ADD: test_layers.test_merges_equal_onnxruntime_exactly,
    kinds.SUBTRACT: test_layers.test_merges_equal_onnxruntime_exactly,
    kinds.MULTIPLY: test_layers.test_merges_equal_onnxruntime_exactly,
    kinds.CONCATENATE: test_layers.test_concatenation_along_channels_equals_onnxruntime,
    kinds.BATCH_NORM: test_layers.test_batch_norm_after_an_activation_stands_alone_and_is_exact,
}
NOT_YET_TESTED: dict[kinds.LayerKind, str] = {}  # kind -> why it has no such test yet


def test_every_kind_has_a_spec_and_an_emulator_step():
    for kind in kinds.KINDS.values():
        assert kind.name and "result" in kind.roles, kind
        assert kind in PREPARERS, f"{kind} has no emulator step"


def test_every_kind_is_tested_against_a_reference():
    for kind, test in COVERED_ELSEWHERE.items():  # each pointer is a test pytest collects
        module = sys.modules[test.__module__]
        assert test.__name__.startswith("test_") and getattr(module, test.__name__) is test, kind
    covered = set(COVERED_ELSEWHERE)
    covered |= {kind for _, kind in test_activations.EXACT.values()}
    covered |= {case[1] for case in test_activations.TABLES.values()}
    covered |= {case[-1] for case in test_layers.POOLS.values()}
    assert test_emulator.CONV_CASES  # the conv geometry cases
    missing = set(kinds.KINDS.values()) - covered - set(NOT_YET_TESTED)
    assert not missing, (
        f"kinds without a test against a reference: {sorted(k.name for k in missing)}"
    )


def test_every_kind_has_a_float_reference_that_every_frontend_test_covers():
    """hlsfx.reference defines each kind's float meaning; the frontend tests compare it with
    the source's own computation on graphs that hold every kind (Binarize, which only a QONNX
    quantizer makes, against QONNX's executor)."""
    for kind in kinds.KINDS.values():
        assert type(kind).reference is not kinds.LayerKind.reference, f"{kind}: no reference"
    covered = test_reference.frontend_kinds()
    for relative in test_qonnx.QONNX_FIXTURES:  # test_emulator_equals_qonnx_execution_...
        covered |= {layer.kind for layer in hlsfx.load(fixture(relative)).layers}
    missing = set(kinds.KINDS.values()) - covered
    assert not missing, f"kinds no frontend test covers: {sorted(k.name for k in missing)}"


def test_every_kind_has_an_hls_header_and_writer_and_is_c_simulated():
    from hlsfx.codegen.hls_layers import HLS_LAYERS
    from hlsfx.codegen.hls_project import hls_src_dir

    simulated = {layer.kind for layer in test_hls_csim.ALL_KINDS_MODEL.layers}
    for kind in kinds.KINDS.values():
        assert kind in HLS_LAYERS, f"{kind} has no HLS header and writer"
        assert (hls_src_dir() / HLS_LAYERS[kind].header).is_file(), HLS_LAYERS[kind].header
        assert kind in simulated, f"{kind} is not in the C-simulation model of test_hls_csim"


def test_every_kind_has_an_rtl_writer_and_is_co_simulated():
    from hlsfx.codegen.rtl.layers import RTL_LAYERS

    simulated = {layer.kind for layer in test_hls_csim.ALL_KINDS_MODEL.layers}
    for kind in kinds.KINDS.values():
        assert kind in RTL_LAYERS, f"{kind} has no RTL writer"
        assert kind in simulated, f"{kind} is not in the model test_rtl co-simulates"
