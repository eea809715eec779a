"""Layer kinds: what each op is in the IR (roles, attributes, shape rule), in one registry.

A kind's arithmetic is defined in docs/numerics.md, its float meaning by its ``reference``
method. The kinds are written by family (``base``, ``weighted``, ``window``, ``elementwise``,
``softmax``, ``layout``); this module makes one object per kind and registers it. Each of a
kind's other faces (emulator step, HLS writer, RTL writer) is registered under the same object
in its own package."""

from __future__ import annotations

import numpy as np

from hlsfx.ir.kinds.base import (
    KINDS,
    PER_PIXEL,
    WHOLE,
    WINDOW,
    ElementwiseKind,
    LayerKind,
    WeightedKind,
    kind_named,
)
from hlsfx.ir.kinds.elementwise import (
    BatchNormKind,
    BinarizeKind,
    ClipKind,
    HardSigmoidKind,
    LeakyReluKind,
    LinearKind,
    LutKind,
    ReluKind,
    ThresholdKind,
)
from hlsfx.ir.kinds.layout import (
    FILL,
    ConcatKind,
    MergeKind,
    MovingKind,
    PadKind,
    ReshapeKind,
    SliceKind,
    TransposeKind,
    UpSamplingKind,
)
from hlsfx.ir.kinds.softmax import SoftmaxKind
from hlsfx.ir.kinds.weighted import ConvKind, DenseKind
from hlsfx.ir.kinds.window import PoolKind, WindowKind
from hlsfx.ir.tables import TableRequest, TableSpec

__all__ = [
    "ADD",
    "AVERAGE_POOL1D",
    "AVERAGE_POOL2D",
    "BATCH_NORM",
    "BINARIZE",
    "CLIP",
    "CONCATENATE",
    "CONV1D",
    "CONV2D",
    "DENSE",
    "DEPTHWISE_CONV1D",
    "DEPTHWISE_CONV2D",
    "ELU",
    "EXP",
    "FILL",
    "GELU",
    "GELU_TANH",
    "HARD_SIGMOID",
    "KINDS",
    "LEAKY_RELU",
    "LINEAR",
    "MAX_POOL1D",
    "MAX_POOL2D",
    "MISH",
    "MULTIPLY",
    "PAD",
    "PER_PIXEL",
    "PRELU",
    "RELU",
    "RESHAPE",
    "SELU",
    "SIGMOID",
    "SILU",
    "SLICE",
    "SOFTMAX",
    "SOFTPLUS",
    "SOFTSIGN",
    "SUBTRACT",
    "TANH",
    "THRESHOLD",
    "TRANSPOSE",
    "UPSAMPLING",
    "WHOLE",
    "WINDOW",
    "BatchNormKind",
    "BinarizeKind",
    "ClipKind",
    "ConcatKind",
    "ConvKind",
    "DenseKind",
    "ElementwiseKind",
    "HardSigmoidKind",
    "LayerKind",
    "LeakyReluKind",
    "LinearKind",
    "LutKind",
    "MergeKind",
    "MovingKind",
    "PadKind",
    "PoolKind",
    "ReluKind",
    "ReshapeKind",
    "SliceKind",
    "SoftmaxKind",
    "TableRequest",
    "TableSpec",
    "ThresholdKind",
    "TransposeKind",
    "UpSamplingKind",
    "WeightedKind",
    "WindowKind",
    "kind_named",
]


DENSE = DenseKind()
CONV1D = ConvKind("Conv1D", 1)
CONV2D = ConvKind("Conv2D", 2)
DEPTHWISE_CONV1D = ConvKind("DepthwiseConv1D", 1, depthwise=True)
DEPTHWISE_CONV2D = ConvKind("DepthwiseConv2D", 2, depthwise=True)
RESHAPE = ReshapeKind()
BINARIZE = BinarizeKind()
MAX_POOL1D = PoolKind("MaxPooling1D", 1, average=False)
MAX_POOL2D = PoolKind("MaxPooling2D", 2, average=False)
AVERAGE_POOL1D = PoolKind("AveragePooling1D", 1, average=True)
AVERAGE_POOL2D = PoolKind("AveragePooling2D", 2, average=True)
ADD = MergeKind("Add", "+", np.add)
SUBTRACT = MergeKind("Subtract", "-", np.subtract)
MULTIPLY = MergeKind("Multiply", "*", np.multiply)
CONCATENATE = ConcatKind()
BATCH_NORM = BatchNormKind()
TRANSPOSE = TransposeKind()
UPSAMPLING = UpSamplingKind()
RELU = ReluKind()
LINEAR = LinearKind()
SIGMOID = LutKind("Sigmoid", "sigmoid")
TANH = LutKind("Tanh", "tanh")
SOFTPLUS = LutKind("Softplus", "softplus")
SOFTSIGN = LutKind("Softsign", "softsign")
ELU = LutKind("ELU", "elu", linear_above_zero=True)
SELU = LutKind("SELU", "selu", linear_above_zero=True, scaled_above_zero=True)
GELU = LutKind("GELU", "gelu")
GELU_TANH = LutKind("GELUTanh", "gelu_tanh")
SILU = LutKind("SiLU", "silu")
MISH = LutKind("Mish", "mish")
EXP = LutKind("Exp", "exp")
LEAKY_RELU = LeakyReluKind("LeakyReLU")
PRELU = LeakyReluKind("PReLU")
CLIP = ClipKind()
HARD_SIGMOID = HardSigmoidKind()
SOFTMAX = SoftmaxKind()
THRESHOLD = ThresholdKind()
SLICE = SliceKind()
PAD = PadKind()

_ALL_KINDS = (
    *(DENSE, CONV1D, CONV2D, DEPTHWISE_CONV1D, DEPTHWISE_CONV2D, RELU, LEAKY_RELU, PRELU, CLIP),
    *(HARD_SIGMOID, LINEAR, BINARIZE, SIGMOID, TANH, SOFTPLUS, SOFTSIGN, ELU, SELU, SOFTMAX),
    *(MAX_POOL1D, MAX_POOL2D, AVERAGE_POOL1D, AVERAGE_POOL2D, ADD, SUBTRACT, MULTIPLY),
    *(CONCATENATE, BATCH_NORM, RESHAPE, TRANSPOSE, UPSAMPLING, THRESHOLD, SLICE, PAD),
    *(GELU, GELU_TANH, SILU, MISH, EXP),
)
KINDS.update({kind.name: kind for kind in _ALL_KINDS})
