"""PyTorch models through ONNX: ``torch.onnx.export`` writes the module (in eval mode) as an ONNX
graph in memory and :func:`hlsfx.frontends.onnx.reader.load_onnx` reads it.

Why export rather than trace with ``torch.fx``: torch's exporter is the maintained definition
of what each module computes (batch norm with its running statistics, padding, adaptive
pooling, functional calls in ``forward``), and the ONNX reader is already tested against
onnxruntime and QONNX, so a PyTorch model and its ONNX file give the same graph by
construction. The TorchScript-based exporter (``dynamo=False``) is used: it writes each module
as the ONNX op hlsfx reads (``Gemm``, ``BatchNormalization``, ``GlobalAveragePool``), where
the newer exporter decomposes some (adaptive pooling into ``ReduceMean``).

torch is optional: ``pip install torch==2.13.0`` (the CPU build).
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from hlsfx.ir.graph import Graph, GraphError

__all__ = ["SUPPORTED_MODULES", "from_torch"]

SUPPORTED_MODULES = (
    "Linear",
    "Conv1d",
    "Conv2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "ELU",
    "SELU",
    "GELU",
    "SiLU",
    "Mish",
    "Hardswish",
    "Hardtanh",
    "ReLU6",
    "MaxPool1d",
    "MaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "Flatten",
    "ConstantPad1d",
    "ConstantPad2d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "Upsample",
    "UpsamplingNearest2d",
    "Dropout",
    "Identity",
    "Sequential",
    "ModuleList",
    "ModuleDict",
)
"""Module classes ``from_torch`` takes (any container of them, and plain functional code)."""


def _check_modules(module: Any) -> None:
    """Refuse a module class hlsfx does not take, naming it, before exporting anything."""
    for name, child in module.named_modules():
        cls = type(child).__name__
        if child is module and list(child.children()):
            continue  # the model's own class: a container whose forward is traced
        if list(child.children()) and cls not in SUPPORTED_MODULES:
            continue  # a user-defined block: its children are checked
        if cls not in SUPPORTED_MODULES:
            raise GraphError(
                f"PyTorch module {name or '(the model)'!r} ({cls}) is not supported; hlsfx "
                f"takes {', '.join(SUPPORTED_MODULES)}"
            )
        if cls.startswith("AdaptiveAvgPool"):
            size = child.output_size
            if any(s != 1 for s in (size if isinstance(size, tuple) else (size,))):
                raise GraphError(
                    f"PyTorch module {name!r} ({cls}): output size {size}; only 1 is supported"
                )


def from_torch(module: Any, example_input: Any) -> Graph:
    """The PyTorch ``module`` as an hlsfx graph; ``example_input`` is one batch of inputs (a
    tensor or array, or a tuple of them) in the layout ``forward`` takes. The module is
    exported in eval mode and left in the mode it was in."""
    try:
        import torch
    except ImportError:
        raise ImportError("from_torch needs PyTorch: pip install torch==2.13.0") from None
    import onnx

    from hlsfx.frontends.onnx.reader import load_onnx

    _check_modules(module)
    inputs = example_input if isinstance(example_input, tuple) else (example_input,)
    inputs = tuple(torch.as_tensor(x, dtype=torch.float32) for x in inputs)
    names = [f"input_{k}" if len(inputs) > 1 else "input" for k in range(len(inputs))]
    training = module.training
    module.eval()
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's deprecation notices
            torch.onnx.export(
                module,
                inputs,
                buffer,
                dynamo=False,
                input_names=names,
                dynamic_axes={n: {0: "N"} for n in names},
                opset_version=20,  # Gelu is an ONNX op from opset 20
            )
    except Exception as error:  # the exporter's own errors name the op it could not write
        raise GraphError(
            f"PyTorch model {type(module).__name__}: torch.onnx.export failed: {error}"
        ) from None
    finally:
        module.train(training)
    model = onnx.load_from_string(buffer.getvalue())
    model.graph.name = type(module).__name__
    return load_onnx(model)
