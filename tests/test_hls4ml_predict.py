"""hlsfx in ``numerics="hls4ml"`` against hls4ml 1.3.0's own ``predict`` (its C++ compiled by its
own build script): four models at two precision settings each, one of them saturating, equal on
every output code. The models are converted by hls4ml from PyTorch (and from QONNX for the
QKeras jet tagger); hlsfx reads hls4ml's converted model with ``hlsfx.from_hls4ml``. hls4ml's
compiled libraries are kept by the hash of the sources it wrote."""

from __future__ import annotations

import ctypes
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import fixture, require

import hlsfx
from hlsfx.frontends.hls4ml.project import ProjectError
from hlsfx.frontends.hls4ml.reader import Hls4mlError
from hlsfx.ir import kinds

pytestmark = pytest.mark.csim

SETTINGS = {
    # hls4ml's defaults at 16 bits: wrapping, truncating, 1024-entry tables
    "default": {"result": "ap_fixed<16,6>", "weight": "ap_fixed<16,6>", "bias": "ap_fixed<16,6>",
                "accum": "ap_fixed<16,6>", "table": "ap_fixed<18,8>", "size": 1024},
    # narrow and saturating everywhere (the accumulators saturate: the sum's order matters),
    # rounding results and weights, small tables
    "saturating": {"result": "ap_fixed<10,4,AP_RND,AP_SAT>",
                   "weight": "ap_fixed<8,2,AP_RND_CONV,AP_SAT>",
                   "bias": "ap_fixed<8,3,AP_RND,AP_SAT>", "accum": "ap_fixed<12,5,AP_TRN,AP_SAT>",
                   "table": "ap_fixed<12,4,AP_RND,AP_SAT>", "size": 256},
}  # fmt: skip


def _torch_models() -> dict:
    try:
        import torch
    except ImportError:
        require(False, "torch", "pip install torch==2.13.0 (hlsfx[torch])")
    nn = torch.nn
    torch.manual_seed(16)

    class Cnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.pool = nn.Conv2d(1, 4, 3), nn.MaxPool2d(2)
            self.flat, self.fc, self.out = nn.Flatten(), nn.Linear(64, 5), nn.Softmax(dim=1)

        def forward(self, x):
            return self.out(self.fc(self.flat(self.pool(torch.relu(self.conv(x))))))

    class Branches(nn.Module):  # merges, concatenations, slopes, batch norm, ELU
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2, self.out = nn.Linear(8, 12), nn.Linear(8, 12), nn.Linear(36, 4)
            self.leaky, self.prelu, self.bn = nn.LeakyReLU(0.3), nn.PReLU(12), nn.BatchNorm1d(12)
            self.elu = nn.ELU(0.7)  # hls4ml holds alpha in the layer's parameter type
            with torch.no_grad():
                self.prelu.weight.uniform_(-0.7, 0.7)
                self.bn.running_mean.normal_(0.0, 0.5)
                self.bn.running_var.uniform_(0.3, 3.0)
                self.bn.weight.normal_(0.0, 1.5)
                self.bn.bias.normal_(0.0, 0.5)

        def forward(self, x):
            a = self.bn(self.leaky(self.fc1(x)))  # after an activation: not folded
            b = self.prelu(self.fc2(x))
            c = self.elu(a - b)
            return self.out(torch.cat([torch.cat([a + b, a * b], dim=1), c], dim=1))

    class Upsampled(nn.Module):  # average pooling, padded and not, then nearest upsampling
        def __init__(self):
            super().__init__()
            self.conv, self.pool = nn.Conv2d(2, 3, 3), nn.AvgPool2d(2)
            self.pad_pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
            self.up, self.fc = nn.Upsample(scale_factor=4), nn.Linear(192, 5)

        def forward(self, x):
            pooled = self.pad_pool(self.pool(torch.relu(self.conv(x))))
            return self.fc(torch.flatten(self.up(pooled), 1))

    mlp = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 5), nn.Softmax(dim=1))
    squashing = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 4), nn.Sigmoid())
    return {"mlp_softmax": (mlp, (16,)), "sigmoid_tanh": (squashing, (8,)),
            "cnn_pool": (Cnn(), (1, 10, 10)), "branches": (Branches(), (8,)),
            "upsampled": (Upsampled(), (2, 10, 10))}  # fmt: skip


def _settle(config: dict, setting: dict) -> dict:
    """Every 'auto' of hls4ml's per-layer configuration replaced by the setting's types."""
    for layer in config["LayerName"].values():
        precision = layer.get("Precision", {})
        for role in list(precision):
            key = "table" if "table" in role else role if role in setting else "result"
            precision[role] = setting[key]
        if "TableSize" in layer:
            layer["TableSize"] = setting["size"]
    return config


def _compiled(hls_model, cache: Path) -> None:
    """``hls_model.compile()``, built once per content: the project hls4ml writes is kept in
    the cache under the hash of its sources (its C simulation reads the weights' text files
    from the folder it was built in)."""
    hls_model.write()
    root = Path(hls_model.config.get_output_dir())
    digest = hashlib.sha256()
    for path in sorted([*root.glob("firmware/**/*"), root / "myproject_bridge.cpp"]):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    kept = cache / f"hls4ml-{digest.hexdigest()[:24]}"
    libraries = sorted(kept.glob("firmware/myproject-*.so"))
    if libraries:
        hls_model._top_function_lib = ctypes.cdll.LoadLibrary(str(libraries[0]))
        return
    shutil.rmtree(kept, ignore_errors=True)
    shutil.copytree(root, kept)
    hls_model.config.config["OutputDir"] = str(kept)
    hls_model._compile()


def _inputs(shape: tuple[int, ...], channels_last: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(4)
    x = rng.normal(0.0, 2.0, (3000, *shape)).astype(np.float32)
    x[:20] = rng.choice([-40.0, 40.0, 0.0, 31.99], (20, *shape))  # past every input range
    return x.reshape(len(x), *channels_last) if channels_last else x


def _hls4ml():
    try:
        import hls4ml
    except ImportError:
        require(False, "hls4ml", "pip install hls4ml==1.3.0 (hlsfx[test])")
    return hls4ml


def _assert_equal_codes(hls_model, x: np.ndarray, what: str) -> None:
    qm = hlsfx.from_hls4ml(hls_model)
    assert qm.numerics.name == "hls4ml"
    theirs, ours = hls_model.predict(x), qm.predict(x)
    if len(qm.graph.outputs) == 1:
        theirs, ours = [theirs], {qm.graph.outputs[0]: ours}
    for name, their in zip(qm.graph.outputs, theirs, strict=True):
        y_t = qm.tensor_types[name]
        codes = [np.rint(np.asarray(v, np.float64).reshape(len(x), -1) * 2.0**y_t.fractional)
                 .astype(np.int64) for v in (their, ours[name])]  # fmt: skip
        differ = np.argwhere(codes[0] != codes[1])
        assert not differ.size, (
            f"{what} output {name}: {len(differ)} of {codes[0].size} output codes differ, first "
            f"at sample {differ[0][0]}: hls4ml {codes[0][differ[0][0]]}, "
            f"hlsfx {codes[1][differ[0][0]]}"
        )
        assert len(np.unique(codes[0], axis=0)) > 50, f"{name}: the outputs hardly vary"


@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize(
    "name", ["mlp_softmax", "sigmoid_tanh", "cnn_pool", "branches", "upsampled"]
)
def test_hlsfx_equals_hls4ml_predict_on_every_output_code(name, setting, tmp_path, csim_cache):
    hls4ml = _hls4ml()
    model, shape = _torch_models()[name]
    model.eval()
    config = hls4ml.utils.config_from_pytorch_model(
        model, input_shape=shape, granularity="name", backend="Vivado",
        default_precision=SETTINGS[setting]["result"],
    )  # fmt: skip
    config = _settle(config, SETTINGS[setting])
    hls_model = hls4ml.converters.convert_from_pytorch_model(
        model, hls_config=config, output_dir=str(tmp_path / "hls4ml"), backend="Vivado",
        io_type="io_parallel",
    )  # fmt: skip
    _compiled(hls_model, csim_cache)
    # hls4ml's converted model reads channels-last data, or transposes several channels itself
    read = tuple(hls_model.get_input_variables()[0].shape)
    x = _inputs(shape, () if read == shape else (*shape[1:], shape[0]))
    _assert_equal_codes(hls_model, x, f"{name} {setting}")


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_a_qkeras_model_through_qonnx_equals_hls4ml_predict(setting, tmp_path, csim_cache):
    """The QKeras jet tagger (6-bit weights, 6-bit unsigned activations) as exported to QONNX,
    converted by hls4ml's ONNX frontend: its quantizers give the types, the setting the input
    and the softmax."""
    hls4ml = _hls4ml()
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.channels_last import ConvertToChannelsLastAndClean
    from qonnx.transformation.gemm_to_matmul import GemmToMatMul
    from qonnx.util.cleanup import cleanup_model

    model = cleanup_model(ModelWrapper(str(fixture("qonnx/qkeras_jettagging.onnx"))))
    model = cleanup_model(
        model.transform(ConvertToChannelsLastAndClean()).transform(GemmToMatMul())
    )
    setting_types = SETTINGS[setting]
    config = hls4ml.utils.config.config_from_onnx_model(
        model, granularity="name", backend="Vivado", default_precision=setting_types["result"]
    )
    for name, layer in config["LayerName"].items():
        if name == "global_in":
            layer["Precision"]["result"] = setting_types["result"]
        if "TableSize" in layer:  # the softmax
            layer["TableSize"] = setting_types["size"]
            for role in layer["Precision"]:
                if "table" in role:
                    layer["Precision"][role] = setting_types["table"]
    hls_model = hls4ml.converters.convert_from_onnx_model(
        model, hls_config=config, output_dir=str(tmp_path / "hls4ml"), backend="Vivado",
        io_type="io_parallel",
    )  # fmt: skip
    _compiled(hls_model, csim_cache)
    _assert_equal_codes(hls_model, _inputs((16,), ()), f"qkeras jet tagger {setting}")


def _layer_list(name: str) -> list[dict]:
    """As the layer list hls4ml's Keras reader makes (hls4ml reads these layers from Keras
    only): ``depthwise2d``, a padded depthwise Conv2D, a ReLU and a Dense; ``keras_1d``, a
    strided depthwise Conv1D, a ReLU and a Dense, then ReLU6, binary tanh and hard sigmoid,
    each an output."""
    rng = np.random.default_rng(len(name))
    if name == "depthwise2d":
        shape = [9, 9, 3]
        window = {"in_height": 9, "in_width": 9, "filt_height": 3, "filt_width": 3,
                  "stride_height": 1, "stride_width": 1, "pad_top": 1, "pad_bottom": 1,
                  "pad_left": 1, "pad_right": 1, "out_height": 9, "out_width": 9}  # fmt: skip
    else:
        shape = [20, 3]
        window = {"in_width": 20, "filt_width": 4, "stride_width": 2, "pad_left": 0,
                  "pad_right": 0, "out_width": 9}  # fmt: skip
    kernel = [window[k] for k in ("filt_height", "filt_width") if k in window]
    size = int(np.prod([window.get("out_height", 1), window["out_width"], 3]))
    n_out = 4 if name == "depthwise2d" else 8
    layers = [
        {"class_name": "InputLayer", "name": "x", "input_shape": shape},
        {"class_name": f"DepthwiseConv{len(kernel)}D", "name": "dw", "inputs": ["x"],
         "data_format": "channels_last", "n_chan": 3, "n_filt": 3, "depth_multiplier": 1,
         "depthwise_data": rng.normal(0.0, 0.6, (*kernel, 3, 1)),
         "bias_data": rng.normal(0.0, 0.4, 3), **window},
        {"class_name": "Activation", "activation": "relu", "name": "relu", "inputs": ["dw"]},
        {"class_name": "Reshape", "name": "flat", "inputs": ["relu"], "target_shape": [size]},
        {"class_name": "Dense", "name": "fc", "inputs": ["flat"], "n_in": size, "n_out": n_out,
         "weight_data": rng.normal(0.0, 0.6, (size, n_out)),
         "bias_data": rng.normal(0.0, 0.2, n_out)},
    ]  # fmt: skip
    if name == "keras_1d":
        layers += [
            {"class_name": "Activation", "activation": "relu6", "name": "relu6", "inputs": ["fc"]},
            {"class_name": "Activation", "activation": "binary_tanh", "name": "binary",
             "inputs": ["fc"]},
            {"class_name": "HardActivation", "activation": "hard_sigmoid", "name": "hard",
             "inputs": ["fc"], "slope": 0.2, "shift": 0.5},
        ]  # fmt: skip
    return layers


def _from_layer_list(name: str, setting: dict, folder: Path):
    """The hls4ml ModelGraph of :func:`_layer_list` at a precision setting."""
    roles = {"weight": setting["weight"], "bias": setting["bias"], "accum": setting["accum"],
             "result": setting["result"]}  # fmt: skip
    config = {"OutputDir": str(folder), "ProjectName": "myproject", "Backend": "Vivado",
              "IOType": "io_parallel",
              "HLSConfig": {"Model": {"Precision": setting["result"], "ReuseFactor": 1,
                                      "Strategy": "Latency"},
                            "LayerName": {"dw": {"Precision": roles},
                                          "fc": {"Precision": roles}}}}  # fmt: skip
    outputs = ["relu6", "binary", "hard"] if name == "keras_1d" else None
    return _hls4ml().model.ModelGraph.from_layer_list(config, _layer_list(name), outputs=outputs)


@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("name", ["depthwise2d", "keras_1d"])
def test_keras_only_layers_equal_hls4ml_predict(name, setting, tmp_path, csim_cache):
    hls_model = _from_layer_list(name, SETTINGS[setting], tmp_path / "hls4ml")
    _compiled(hls_model, csim_cache)
    shape = tuple(_layer_list(name)[0]["input_shape"])
    _assert_equal_codes(hls_model, _inputs(shape, ()), f"{name} {setting}")


def test_an_hls4ml_configuration_with_its_model_gives_the_same_model(tmp_path):
    hls4ml = _hls4ml()
    model, shape = _torch_models()["sigmoid_tanh"]
    model.eval()
    config = hls4ml.utils.config_from_pytorch_model(
        model, input_shape=shape, granularity="name", backend="Vivado",
        default_precision="ap_fixed<12,5>",
    )  # fmt: skip
    config = _settle(config, {**SETTINGS["saturating"], "size": 512})
    config["LayerName"]["_0"]["ReuseFactor"] = 4
    project = {"HLSConfig": config, "Backend": "Vivado", "IOType": "io_parallel",
               "InputShape": shape, "OutputDir": str(tmp_path / "prj")}  # fmt: skip
    from_config = hlsfx.from_hls4ml(project, model=model)
    hls_model = hls4ml.converters.convert_from_pytorch_model(
        model, hls_config=config, output_dir=str(tmp_path / "graph"), backend="Vivado",
        io_type="io_parallel",
    )  # fmt: skip
    from_graph = hlsfx.from_hls4ml(hls_model)
    assert from_config.config() == from_graph.config()
    assert from_config.precisions["_3"].tables["table"].size == 512  # the sigmoid's table
    x = _inputs(shape, ())
    assert np.array_equal(from_config.predict(x, raw=True), from_graph.predict(x, raw=True))
    # hls4ml's reuse factors and strategy are the writers' defaults
    assert from_graph.design == {"reuse_factor": {"_0": 4, "_2": 1}, "strategy": "latency"}
    written = from_graph.write_hls(tmp_path / "hlsfx_prj", vectors=4)
    assert "reuse_factor = 4;" in (written / "firmware" / "parameters.h").read_text()
    rtl = from_graph.write_rtl(tmp_path / "hlsfx_rtl", vectors=4)
    assert json.loads((rtl / "interface.json").read_text())["layers"]["_0"]["reuse_factor"] == 4
    with pytest.raises(Hls4mlError, match="names no model: pass model="):
        hlsfx.from_hls4ml({"HLSConfig": config})


@pytest.mark.parametrize("name", ["cnn_pool", "branches", "upsampled", "keras_1d"])
def test_an_hls4ml_project_folder_round_trips_to_its_own_c_simulation(
    name, tmp_path, gxx, ap_types_dir
):
    """The folder hls4ml writes, read without hls4ml (firmware/*.cpp, parameters.h, defines.h,
    weights/*.txt): hlsfx's predict equals the project's own testbench, compiled with g++ and
    run on its tb_data, code for code."""
    hls4ml = _hls4ml()
    project = tmp_path / "hls4ml_prj"
    if name == "keras_1d":
        hls_model = _from_layer_list(name, SETTINGS["saturating"], project)
        shape = tuple(_layer_list(name)[0]["input_shape"])
    else:
        model, shape = _torch_models()[name]
        model.eval()
        config = hls4ml.utils.config_from_pytorch_model(
            model, input_shape=shape, granularity="name", backend="Vivado",
            default_precision=SETTINGS["saturating"]["result"],
        )  # fmt: skip
        config = _settle(config, SETTINGS["saturating"])
        hls_model = hls4ml.converters.convert_from_pytorch_model(
            model, hls_config=config, output_dir=str(project), backend="Vivado",
            io_type="io_parallel",
        )  # fmt: skip
    hls_model.write()
    read = tuple(hls_model.get_input_variables()[0].shape)
    x = _inputs(shape, () if read == shape else (*shape[1:], shape[0]))[:400].reshape(400, -1)
    n_out = sum(int(np.prod(v.shape)) for v in hls_model.get_output_variables())
    (project / "tb_data").mkdir(exist_ok=True)
    np.savetxt(project / "tb_data" / "tb_input_features.dat", x, fmt="%.9g")
    np.savetxt(project / "tb_data" / "tb_output_predictions.dat", np.zeros((len(x), n_out)))
    weights = f'-DWEIGHTS_DIR="{project / "firmware" / "weights"}"'
    subprocess.run([gxx, "-O2", "-std=c++14", "-Ifirmware", f"-I{ap_types_dir}", weights,
                    "myproject_test.cpp", "firmware/myproject.cpp", "-o", "csim"], cwd=project,
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(["./csim"], cwd=project, check=True, capture_output=True)
    qm = hlsfx.from_hls4ml(project)  # the folder alone
    y_t = qm.tensor_types[qm.graph.outputs[0]]
    inputs = hlsfx.cosim.read_tb_inputs(project / "tb_data" / "tb_input_features.dat",
                                        qm.tensor_types[qm.graph.inputs[0]])  # fmt: skip
    theirs = hlsfx.cosim.read_tb_outputs(project / "tb_data" / "csim_results.log", y_t)
    codes = qm.predict_codes({qm.graph.inputs[0]: inputs})  # the outputs side by side
    ours = np.concatenate([codes[name] for name in qm.graph.outputs], axis=1)
    assert np.array_equal(ours.reshape(theirs.shape), theirs)
    assert len(np.unique(theirs, axis=0)) > 50
    # the same layers and settings as read from hls4ml's ModelGraph (the flatten, which the
    # C++ writes as a reference, named by its variable)
    ours, graph = qm.config()["layers"], hlsfx.from_hls4ml(hls_model).config()["layers"]
    assert list(ours.values()) == list(graph.values())
    if name != "cnn_pool":
        return
    # a layer call hlsfx does not read is named
    top = project / "firmware" / "myproject.cpp"
    top.write_text(top.read_text().replace("nnet::pooling2d_cl<", "nnet::pooling3d_cl<"))
    with pytest.raises(ProjectError, match="nnet::pooling3d_cl is not read"):
        hlsfx.from_hls4ml(project)


def test_a_channels_first_graph_in_hls4ml_numerics_flattens_as_hls4ml(tmp_path, csim_cache):
    """A PyTorch CNN read by hlsfx.from_torch and configured with numerics='hls4ml' (the
    types hls4ml's configuration gives): its Flatten feeds the Dense in the channels-last
    order hls4ml sums in. At an accumulator that saturates within the sum, the order decides
    the bits: 93.7 % of samples were equal before (hlsfx summed channel by channel)."""
    import torch

    hls4ml = _hls4ml()
    model, shape = _torch_models()["cnn_pool"]
    model.eval()
    setting = {**SETTINGS["saturating"], "accum": "ap_fixed<9,2,AP_TRN,AP_SAT>"}
    config = hls4ml.utils.config_from_pytorch_model(
        model, input_shape=shape, granularity="name", backend="Vivado",
        default_precision=setting["result"],
    )  # fmt: skip
    hls_model = hls4ml.converters.convert_from_pytorch_model(
        model, hls_config=_settle(config, setting), output_dir=str(tmp_path / "hls4ml"),
        backend="Vivado", io_type="io_parallel",
    )  # fmt: skip
    _compiled(hls_model, csim_cache)
    x = _inputs(shape, ())[:1000]
    read = tuple(hls_model.get_input_variables()[0].shape)
    theirs = hls_model.predict(np.ascontiguousarray(x if read == shape else
                                                    x.transpose(0, 2, 3, 1)))  # fmt: skip
    saved = hlsfx.from_hls4ml(hls_model).config()
    graph = hlsfx.from_torch(model, torch.tensor(x[:1]))
    ours = [layer for layer in graph.layers if layer.kind is not kinds.TRANSPOSE]
    assert len(ours) == len(saved["layers"])
    saved["layers"] = dict(zip([layer.name for layer in ours], saved["layers"].values(),
                               strict=True))  # fmt: skip
    saved["inputs"] = {graph.inputs[0]: next(iter(saved["inputs"].values()))}
    qm = hlsfx.configure(graph, config=saved)
    assert kinds.TRANSPOSE not in [layer.kind for layer in qm.graph.layers]
    y_t = qm.tensor_types[qm.graph.outputs[0]]
    codes = [np.rint(np.asarray(v).reshape(len(x), -1) * 2.0**y_t.fractional)
             for v in (theirs, qm.predict(x))]  # fmt: skip
    assert np.array_equal(codes[0], codes[1])
