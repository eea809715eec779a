"""The PyTorch frontend: models covering every supported module mean what torch computes (in
float64, to 1e-9), follow torch's own float output at wide types and equal the same model
exported to an ONNX file and loaded, bit for bit; an unsupported module is named with its
class. torch is optional: skipped without it outside CI."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import require
from test_reference import assert_close

import hlsfx
from hlsfx.ir import kinds, reference
from hlsfx.ir.graph import GraphError

try:
    import torch
    from torch import nn
except ImportError:
    torch = None

WIDE = "ap_fixed<26,10>"


@pytest.fixture(autouse=True)
def _needs_torch():
    require(torch is not None, "PyTorch", "pip install torch==2.13.0 (the CPU build)")


def _settled(model):
    """Random batch-norm statistics (not the identity a fresh module has), eval mode."""
    torch.manual_seed(0)
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
            module.weight.data.uniform_(0.5, 1.5)
    return model.eval()


class Residual(nn.Module):
    """A functional graph: a skip connection, a concatenation and torch functions."""

    def __init__(self):
        super().__init__()
        self.first, self.second, self.out = nn.Linear(6, 5), nn.Linear(5, 5), nn.Linear(11, 2)

    def forward(self, x):
        y = torch.relu(self.first(x))
        z = self.second(y) + y
        return torch.sigmoid(self.out(torch.cat([z, x], dim=1)))


class Moves(nn.Module):
    """Every padding module, nearest upsampling and slices (a negative step included)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 1)
        self.pads = nn.Sequential(
            nn.ConstantPad2d((1, 0, 2, 1), 0.5), nn.ReflectionPad2d(1),
            nn.ReplicationPad2d((0, 2, 1, 0)), nn.ZeroPad2d(1), nn.Upsample(scale_factor=2),
            nn.UpsamplingNearest2d(scale_factor=(1, 2)),
        )  # fmt: skip
        self.line = nn.Sequential(nn.ConstantPad1d((2, 1), -1.0), nn.ReflectionPad1d(2),
                                  nn.ReplicationPad1d(1), nn.ZeroPad1d((0, 3)))  # fmt: skip

    def forward(self, x):
        h = self.pads(self.conv(x))[:, 1:, 2:-1, ::2]
        line = self.line(h.flatten(2)).flip(2)[..., 1:-2:3]
        return torch.cat([h.flatten(1), line.flatten(1)], dim=1)


def _models():
    torch.manual_seed(1)
    image = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3), nn.LeakyReLU(0.1), nn.AvgPool2d(1), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ELU(), nn.SELU(), nn.Hardtanh(),
        nn.Sigmoid(), nn.Dropout(0.2), nn.Tanh(), nn.Linear(8, 3), nn.Softmax(dim=1),
    )  # fmt: skip
    sequence = nn.Sequential(
        nn.Conv1d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2), nn.AvgPool1d(2),
        nn.Conv1d(4, 4, 1), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(4, 2),
    )  # fmt: skip
    return {
        "image": (_settled(image), (2, 8, 8)),
        "sequence": (_settled(sequence), (3, 12)),
        "residual": (_settled(Residual()), (6,)),
        "moves": (_settled(Moves()), (2, 4, 5)),
    }


@pytest.mark.parametrize("name", ["image", "sequence", "residual", "moves"])
def test_a_torch_model_follows_torch_and_equals_its_onnx_export(name, tmp_path):
    model, shape = _models()[name]
    x = np.random.default_rng(2).uniform(-1, 1, (400, *shape)).astype(np.float32)
    graph = hlsfx.from_torch(model, x[:4])
    assert not model.training
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    double = copy.deepcopy(model).double()
    with torch.no_grad():
        expected64 = double(torch.from_numpy(x.astype(np.float64))).numpy()
    assert_close(reference.run(graph, x.astype(np.float64)), expected64)  # torch in float64
    got = hlsfx.configure(graph, WIDE).predict(x)
    assert got.shape == expected.shape and np.max(np.abs(got - expected)) < 5e-3
    path = tmp_path / f"{name}.onnx"
    torch.onnx.export(model, (torch.from_numpy(x[:4]),), str(path), dynamo=False,
                      input_names=["input"], dynamic_axes={"input": {0: "N"}})  # fmt: skip
    a = hlsfx.configure(graph, "ap_fixed<16,6>").predict(x * 40, raw=True)  # overflows too
    b = hlsfx.configure(hlsfx.load(path), "ap_fixed<16,6>").predict(x * 40, raw=True)
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    ("module", "kind"),
    [("GELU", kinds.GELU), ("GELUTanh", kinds.GELU_TANH), ("SiLU", kinds.SILU),
     ("Mish", kinds.MISH), ("Hardswish", kinds.MULTIPLY)],
)  # fmt: skip
def test_gated_activations_are_one_layer_and_follow_torch_within_their_tables(module, kind):
    activation = nn.GELU(approximate="tanh") if module == "GELUTanh" else getattr(nn, module)()
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 6), activation).eval()
    x = np.random.default_rng(4).uniform(-2, 2, (500, 4)).astype(np.float32)
    graph = hlsfx.from_torch(model, x[:4])
    assert kind in {layer.kind for layer in graph.layers} and len(graph.layers) <= 3
    with torch.no_grad():
        expected64 = copy.deepcopy(model).double()(torch.from_numpy(x.astype(np.float64)))
    assert_close(reference.run(graph, x.astype(np.float64)), expected64.numpy())
    table = {"table": "ap_fixed<24,6,AP_RND_CONV,AP_SAT>", "table_size": 4096}
    qm = hlsfx.configure(graph, "ap_fixed<24,8>", roles=table)
    assert np.max(np.abs(qm.predict(x) - expected64.numpy())) < 0.02


def test_unsupported_modules_are_named_with_their_class_and_the_mode_is_kept():
    model = nn.Sequential(nn.Linear(4, 4), nn.LSTM(4, 4))
    with pytest.raises(GraphError, match=r"PyTorch module '1' \(LSTM\) is not supported"):
        hlsfx.from_torch(model, np.zeros((1, 4), np.float32))
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(2))
    with pytest.raises(GraphError, match=r"'1' \(AdaptiveAvgPool2d\): output size 2"):
        hlsfx.from_torch(model, np.zeros((1, 1, 6, 6), np.float32))
    model = nn.Sequential(nn.Linear(4, 2)).train()
    hlsfx.from_torch(model, np.zeros((2, 4), np.float32))
    assert model.training
