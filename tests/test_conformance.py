"""Every layer kind in the registry has each of its faces and its cases.

Faces: an IR spec with a float reference (kinds.py), an emulator step, an HLS C++ header and
writer, an RTL writer. Cases, all in tests/kind_cases.py: a layer in the model that C
simulation (emulator == the generated C++ against the real ap_types headers) and RTL
co-simulation (emulator == RTL) run, and an ONNX model whose graph means what onnx computes;
the kinds only a quantizer makes are checked against their source's execution instead.

Adding a kind touches its spec, its emulator step, its header, its two writers, its frontend
mapping and kind_cases.py; this test fails until every one is there."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import kind_cases
import test_emulator
import test_hls_csim
import test_hls_stream
import test_layer_properties
import test_layers
import test_qonnx
import test_reference
import test_rtl_distributed
import test_rtl_stream

from hlsfx.emulator.run import PREPARERS
from hlsfx.ir import kinds

MADE_BY_QUANTIZERS = {
    kinds.LINEAR: test_reference.test_a_quantizer_on_a_shared_tensor_means_its_value_on_its_grid,
    kinds.BINARIZE: test_qonnx.test_emulator_equals_qonnx_execution_layer_by_layer,
    kinds.THRESHOLD: test_qonnx.test_a_few_bit_rescale_is_thresholds_equal_to_qonnx,
}
"""kinds no ONNX op makes alone: the test that checks each against its source's execution"""

DEEPER = {
    kinds.DENSE: test_emulator.test_wide_types_agree_with_onnxruntime,
    kinds.RELU: test_layer_properties.test_relu_ties_round_as_the_result_type_says,
    kinds.SIGMOID: test_layer_properties.test_table_indices_clamp_to_the_end_entries,
    kinds.LINEAR: test_layer_properties.test_a_linear_layer_is_the_cast_to_its_result,
    kinds.CONV2D: test_emulator.test_conv_geometry_equals_onnxruntime_exactly,
    kinds.TRANSPOSE: test_emulator.test_a_conv_after_a_reshape_gets_a_transpose_layer,
    kinds.ADD: test_layers.test_merges_equal_onnxruntime_exactly,
    kinds.BATCH_NORM: test_layers.test_batch_norm_after_an_activation_stands_alone_and_is_exact,
}
"""some of the tests that go deeper than the cases (exact semantics at ties and overflows)"""


def _is_collected_test(test) -> bool:
    module = sys.modules[test.__module__]
    return test.__name__.startswith("test_") and getattr(module, test.__name__) is test


def test_every_kind_has_a_spec_an_emulator_step_and_a_float_reference():
    for kind in kinds.KINDS.values():
        assert kind.name and "result" in kind.roles, kind
        assert kind in PREPARERS, f"{kind} has no emulator step"
        assert type(kind).reference is not kinds.LayerKind.reference, f"{kind}: no reference"


def test_every_kind_has_a_frontend_case():
    assert all(_is_collected_test(test) for test in [*MADE_BY_QUANTIZERS.values(),
                                                     *DEEPER.values()])  # fmt: skip
    covered = set(kind_cases.ONNX_CASES) | set(MADE_BY_QUANTIZERS)
    missing = set(kinds.KINDS.values()) - covered
    assert not missing, f"kinds without a frontend case: {sorted(k.name for k in missing)}"
    # every case is run: test_reference parametrizes over ONNX_CASES
    assert test_reference.test_each_kind_from_its_onnx_op_means_what_onnx_computes
    assert set(kind_cases.ONNX_CASES) <= test_reference.frontend_kinds()


def test_every_kind_has_an_hls_header_and_writer_and_is_c_simulated():
    from hlsfx.codegen.hls_layers import HLS_LAYERS
    from hlsfx.codegen.hls_project import hls_src_dir

    simulated = {layer.kind for layer in kind_cases.ALL_KINDS_MODEL.layers}
    for kind in kinds.KINDS.values():
        assert kind in HLS_LAYERS, f"{kind} has no HLS header and writer"
        assert (hls_src_dir() / HLS_LAYERS[kind].header).is_file(), HLS_LAYERS[kind].header
        assert kind in simulated, f"{kind} is not in kind_cases.ALL_KINDS_MODEL"


def _stream_forms() -> dict[kinds.LayerKind, set[str]]:
    """How each kind's layers of the all-kinds model stream."""
    graph, forms = kind_cases.ALL_KINDS_MODEL, {}
    for layer in graph.layers:
        shapes = [graph.shapes[t] for t in layer.inputs]
        forms.setdefault(layer.kind, set()).add(layer.kind.stream_form(layer, shapes))
    return forms


def test_every_kind_has_an_hls_stream_writer_and_is_c_simulated_streaming():
    from hlsfx.codegen.hls_stream import STREAM_WRITERS

    forms = _stream_forms()
    for kind in kinds.KINDS.values():
        assert kind in forms, f"{kind} is not in kind_cases.ALL_KINDS_MODEL"
        assert forms[kind] <= set(STREAM_WRITERS), f"{kind} streams as {forms[kind]}"
    # the all-kinds model is C-simulated streaming, and so is a chained CNN with branches
    assert test_hls_stream.test_every_layer_kind_streams_bit_for_bit
    assert test_hls_stream.test_a_chained_cnn_with_branches_streams_bit_for_bit


def test_every_kind_has_an_rtl_writer_and_is_co_simulated():
    from hlsfx.codegen.rtl.layers import RTL_LAYERS

    simulated = {layer.kind for layer in kind_cases.ALL_KINDS_MODEL.layers}
    for kind in kinds.KINDS.values():
        assert kind in RTL_LAYERS, f"{kind} has no RTL writer"
        assert kind in simulated, f"{kind} is not in the model test_rtl co-simulates"


def test_every_kind_has_an_rtl_stream_process_and_is_co_simulated_streaming():
    from hlsfx.codegen.rtl.stream_layers import STREAM_RTL_LAYERS

    forms = _stream_forms()
    for kind in kinds.KINDS.values():
        assert kind in forms, f"{kind} is not in kind_cases.ALL_KINDS_MODEL"
        assert forms[kind] <= set(STREAM_RTL_LAYERS), f"{kind} streams as {forms[kind]}"
    # the all-kinds model is co-simulated streaming with backpressure
    assert test_rtl_stream.test_every_kind_streams_with_backpressure


def test_dense_and_every_convolution_have_distributed_faces_that_are_simulated():
    from hlsfx.codegen.hls_distributed import DISTRIBUTED_HLS_LAYERS
    from hlsfx.codegen.rtl.layers import DISTRIBUTED_LAYERS

    weighted = {kind for kind in kinds.KINDS.values() if kind.weighted}
    assert set(DISTRIBUTED_HLS_LAYERS) == DISTRIBUTED_LAYERS == weighted
    simulated = {layer.kind for layer in kind_cases.ALL_KINDS_MODEL.layers}
    assert weighted <= simulated
    # the all-kinds model written distributed: C-simulated, and co-simulated on both simulators
    assert test_hls_csim.test_the_distributed_strategy_equals_the_emulator_bit_for_bit
    assert test_rtl_distributed.test_every_weighted_kind_is_multiplier_free_and_equals_the_emulator


FACE_FOLDERS = {"core/numerics": "hlsfx.numerics", "emulator": "hlsfx.emulator",
                "codegen": "hlsfx.codegen", "cosim": "hlsfx.cosim"}  # fmt: skip
"""the faces of the kinds (configuration, emulator, writers, co-simulation): they ask a layer's
kind, never name one inside their functions"""


def kind_ladders(source: str) -> list[str]:
    """Where a function of ``source`` names one kind (``kinds.RELU``, ...) to decide something
    by it: a comparison, a literal of kinds, an attribute of a named kind. Registries, mappings
    from kinds written at a module's top, are where that belongs."""
    found = []
    for top in ast.parse(source).body:
        if not isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for node in ast.walk(top):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in ("kinds", "kind_registry")
                    and node.attr.isupper() and node.attr != "KINDS"):  # fmt: skip
                found.append(f"line {node.lineno}: kinds.{node.attr}")
    return found


def test_no_face_of_a_kind_names_a_kind_inside_a_function():
    root = Path(__file__).resolve().parents[1]
    for folder in FACE_FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            ladders = kind_ladders(path.read_text())
            assert not ladders, f"{path.relative_to(root)} decides by kind: {ladders}"


def test_the_ladder_check_catches_a_ladder_and_passes_a_registry():
    ladder = "def f(layer):\n    if layer.kind is kinds.SELU:\n        return 1\n"
    assert kind_ladders(ladder) == ["line 2: kinds.SELU"]
    table = "def f(layer):\n    return {kinds.ELU: 'elu'}.get(layer.kind)\n"
    assert kind_ladders(table) == ["line 2: kinds.ELU"]
    constant = "def f(x):\n    return kinds.HARD_SIGMOID.exact_type(x)\n"
    assert kind_ladders(constant) == ["line 2: kinds.HARD_SIGMOID"]
    registry = "WRITE = {kinds.RELU: write_relu}\n\ndef f(layer):\n    return WRITE[layer.kind]\n"
    assert kind_ladders(registry) == []
