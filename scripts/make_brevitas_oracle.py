"""Record a Brevitas model built as the QONNX model zoo's TFC_1W2A is (brevitas_examples' FC:
binary weights, BatchNorm1d, 2-bit signed narrow-range activations of constant scale), exported
to QONNX, with QONNX's own execution of it: the oracle tests/test_qonnx.py replays (Brevitas
is not a test dependency; the zoo's trained weights need the network, so the layers are the
zoo's and the weights and batch-norm statistics are drawn with fixed seeds).

    pip install torch==2.13.0 brevitas==0.13.4 qonnx
    python scripts/make_brevitas_oracle.py

Writes tests/data/tfc_1w2a.onnx and tfc_1w2a.npz (1 000 inputs, QONNX's outputs and every
quantized activation). Recorded with brevitas 0.13.4, torch 2.13.0 and qonnx 1.0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from brevitas.core.bit_width import BitWidthImplType
from brevitas.core.quant import QuantType
from brevitas.core.restrict_val import FloatToIntImplType, RestrictValueType
from brevitas.core.scaling import ScalingImplType
from brevitas.core.zero_point import ZeroZeroPoint
from brevitas.export import export_qonnx
from brevitas.inject import ExtendedInjector
from brevitas.nn import QuantIdentity, QuantLinear
from brevitas.quant.solver import ActQuantSolver, WeightQuantSolver
from dependencies import value
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_shapes import InferShapes

OUT = Path(__file__).resolve().parents[1] / "tests" / "data"
FEATURES, HIDDEN, CLASSES, SAMPLES = 64, (64, 64, 64), 10, 1000


class CommonQuant(ExtendedInjector):
    """brevitas_examples' bnn_pynq common quantizer: constant scale and bit width."""

    bit_width_impl_type = BitWidthImplType.CONST
    scaling_impl_type = ScalingImplType.CONST
    restrict_scaling_type = RestrictValueType.FP
    zero_point_impl = ZeroZeroPoint
    float_to_int_impl_type = FloatToIntImplType.ROUND
    scaling_per_output_channel = False
    narrow_range = True
    signed = True

    @value
    def quant_type(bit_width):
        return QuantType.BINARY if bit_width == 1 else QuantType.INT


class CommonWeightQuant(CommonQuant, WeightQuantSolver):
    scaling_const = 1.0


class CommonActQuant(CommonQuant, ActQuantSolver):
    min_val = -1.0
    max_val = 1.0


def model() -> torch.nn.Module:
    layers: list[torch.nn.Module] = [QuantIdentity(act_quant=CommonActQuant, bit_width=8)]
    width = FEATURES
    for out in HIDDEN:
        layers += [
            QuantLinear(width, out, bias=False, weight_bit_width=1, weight_quant=CommonWeightQuant),
            torch.nn.BatchNorm1d(out),
            QuantIdentity(act_quant=CommonActQuant, bit_width=2),
        ]
        width = out
    layers.append(
        QuantLinear(width, CLASSES, bias=False, weight_bit_width=1, weight_quant=CommonWeightQuant)
    )
    return torch.nn.Sequential(*layers)


def main() -> None:
    torch.manual_seed(3)
    m = model()
    with torch.no_grad():
        for layer in m:
            if isinstance(layer, torch.nn.BatchNorm1d):
                layer.running_mean.normal_(0.0, 4.0)
                layer.running_var.uniform_(4.0, 40.0)
                layer.weight.normal_(0.0, 1.0)
                layer.bias.normal_(0.0, 0.5)
    m.eval()
    OUT.mkdir(exist_ok=True)
    path = OUT / "tfc_1w2a.onnx"
    export_qonnx(m, torch.randn(1, FEATURES), str(path))
    onnx.save(onnx.load(str(path)), str(path), save_as_external_data=False)  # one file
    path.with_name(path.name + ".data").unlink(missing_ok=True)
    wrapper = ModelWrapper(str(path)).transform(InferShapes())
    quants = [
        n.output[0]
        for n in wrapper.graph.node
        if n.op_type == "Quant" and wrapper.get_initializer(n.input[0]) is None
    ]
    x = np.random.default_rng(4).uniform(-1, 1, (SAMPLES, FEATURES)).astype(np.float32)
    name, output = wrapper.graph.input[0].name, wrapper.graph.output[0].name
    contexts = [
        execute_onnx(wrapper, {name: row[None]}, return_full_exec_context=True) for row in x
    ]
    recorded = {k: np.concatenate([c[k] for c in contexts]) for k in [output, *quants]}
    np.savez_compressed(
        OUT / "tfc_1w2a.npz", x=x, y=recorded[output], **{f"act_{k}": recorded[k] for k in quants}
    )
    print(f"{path}: {len(x)} samples, activations {quants}")


if __name__ == "__main__":
    main()
