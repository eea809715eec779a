"""Layer kinds: what each op is in the IR (roles, attributes, shape rule), in one registry.

A kind's semantics are defined in NUMERICS.md, its float meaning by its ``reference`` method;
its emulator step lives with its family's kernels (``hlsfx.emulator.weighted``, ``activations``
or ``layout``), registered under the same kind object."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsfx.ir import windows
from hlsfx.ir.errors import GraphError
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.kinds.base import KINDS, ElementwiseKind, LayerKind, WeightedKind, kind_named
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
from hlsfx.ir.tables import TableRequest, TableSpec

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer

__all__ = [
    "ADD", "AVERAGE_POOL1D", "AVERAGE_POOL2D", "BATCH_NORM", "BINARIZE", "CLIP", "CONCATENATE",
    "CONV1D", "CONV2D", "DENSE", "DEPTHWISE_CONV1D", "DEPTHWISE_CONV2D", "ELU", "HARD_SIGMOID",
    "KINDS", "LEAKY_RELU", "LINEAR", "MAX_POOL1D", "MAX_POOL2D", "MULTIPLY", "PRELU", "RELU",
    "RESHAPE", "SELU", "SIGMOID", "SOFTMAX", "SOFTPLUS", "SOFTSIGN", "SUBTRACT", "TANH",
    "THRESHOLD", "TRANSPOSE", "BatchNormKind", "BinarizeKind", "ClipKind", "ElementwiseKind",
    "HardSigmoidKind", "LayerKind", "LeakyReluKind", "LinearKind", "LutKind", "ReluKind",
    "TableRequest", "TableSpec", "ThresholdKind", "WeightedKind", "WindowKind", "kind_named"
]  # fmt: skip


class DenseKind(WeightedKind):
    """``y = x @ weight + bias`` over the last axis; weight (n_in, n_out), bias (n_out,)."""

    name = "Dense"

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        (shape,) = input_shapes
        weight, bias = layer.params.get("weight"), layer.params.get("bias")
        if weight is None or weight.ndim != 2 or bias is None or bias.shape != weight.shape[1:]:
            got = [None if p is None else p.shape for p in (weight, bias)]
            raise GraphError(
                f"{layer.describe()} needs a weight (n_in, n_out) and a bias (n_out,), got "
                f"{got[0]} and {got[1]}"
            )
        if not shape or shape[-1] != weight.shape[0]:
            raise GraphError(
                f"{layer.describe()}: input shape {shape} does not end in the weight's "
                f"{weight.shape[0]} inputs"
            )
        return (*shape[:-1], weight.shape[1])

    def reference(self, layer, xs, shapes):
        return xs[0] @ layer.params["weight"] + layer.params["bias"]


class SoftmaxKind(LayerKind):
    """Softmax over the last axis, "stable": ``exp(x_i - max x)`` from a table, summed in index
    order in the ``sum`` type, times ``1/sum`` from a table (see NUMERICS.md)."""

    name = "Softmax"
    roles = ("exp_table", "sum", "inv_input", "inv_table", "result")
    """``inv_input``: the sum's type before the 1/sum lookup (hls4ml's ``inv_inp_t``)"""
    options = {"implementation": ("stable", "latency")}  # noqa: RUF012 - read only
    """``latency`` (as hls4ml's): ``e_i = exp_table[index(x_i)]`` directly, no maximum taken"""
    tables = (
        TableSpec("exp_table", "exp_neg", "difference"),
        TableSpec("inv_table", "reciprocal", "sum"),
    )

    def exact_roles(self, layer, types, x, n):
        """``sum``: a row's sum of ``n`` exponentials, exactly; ``inv_input``: the sum's."""
        e = types["exp_table"]
        grow = max(1, math.ceil(math.log2(n)))
        exact = FixedType(e.width + grow, e.integer + grow, e.signed)
        return {"sum": exact, "inv_input": types.get("sum", exact)}

    def table_requests(self, layer, types, x, n, options):
        """``exp_table`` over ``max - x`` (stable: an unsigned type with x's bits, the
        difference being exact) or over x (latency); ``inv_table`` over the sum's type, by
        default over the sums the exponentials can reach."""
        e = types["exp_table"]
        if options["implementation"] == "stable":
            difference = FixedType(x.width, x.integer, False) if x.signed else x
            exp = TableRequest("exp_table", "exp_neg", difference, n)
            sums = None  # 1 <= sum <= n: the function's natural range
        else:
            exp = TableRequest("exp_table", "exp", x, n)
            sums = (0.0, n * float(e.max))
        return [exp, TableRequest("inv_table", "reciprocal", types["sum"], n, None, sums)]

    def reference(self, layer, xs, shapes):
        e = np.exp(xs[0] - xs[0].max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


class WindowKind(LayerKind):
    """A kind that reads a window of positions per output position (convolutions, pooling):
    attrs ``kernel``, ``strides``, ``dilations``, ``pads`` (begin..., end...) over ``spatial``
    axes, channels last."""

    spatial: int = 1

    def window_counts(self, layer: Layer, shape: tuple[int, ...]) -> list[int]:
        """The number of window positions along each spatial axis of an input ``shape``."""
        problem = windows.attrs_problem(layer.attrs, shape)
        if problem:
            raise GraphError(f"{layer.describe()}: {problem}")
        counts = windows.window_counts(layer.attrs, shape)
        if counts is None:
            raise GraphError(f"{layer.describe()}: the window reaches beyond the padded input")
        return counts

    def windows(self, layer: Layer, x: np.ndarray, shape: tuple[int, ...]) -> tuple[Any, Any]:
        """The windows of float inputs (see :func:`hlsfx.ir.windows.gather`)."""
        return windows.gather(self.patch_index(layer, shape), x, shape[-1])

    def patch_index(self, layer: Layer, shape: tuple[int, ...]) -> np.ndarray:
        """For each output position (row-major) and tap (kernel positions, then input
        channels), the flat channels-last input index it reads, or -1 for padding."""
        self.output_shape(layer, [shape])  # checks the shapes
        entries = math.prod(self.window_counts(layer, shape)) * math.prod(layer.attrs["kernel"])
        if entries * shape[-1] > windows.MAX_PATCH_INDEX:
            raise ValueError(f"{layer.describe()}: its window index over input {shape} would "
                             f"hold {entries * shape[-1]:,} entries, over the "
                             f"{windows.MAX_PATCH_INDEX:,} hlsfx builds")  # fmt: skip
        return windows.patch_index(layer.attrs, shape)


class ConvKind(WindowKind, WeightedKind):
    """Convolution, channels-last: Dense over each output position's receptive field, in the
    order kernel height, kernel width, input channel (NUMERICS.md).

    attrs: ``kernel`` (k,) or (kh, kw), ``strides``, ``dilations`` (same length) and ``pads``
    (begin..., end...) in input positions. params: ``weight`` (*kernel, c_in, c_out), ``bias``
    (c_out,).
    """

    def __init__(self, name: str, spatial: int, depthwise: bool = False) -> None:
        self.name = name
        self.spatial = spatial
        self.depthwise = depthwise
        """one filter per channel: weight (*kernel, C), output channels = input channels"""

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        (shape,) = input_shapes
        a, weight = layer.attrs, layer.params.get("weight")
        d = self.spatial
        if self.depthwise and weight is not None and weight.ndim != d + 1:
            raise GraphError(
                f"{layer.describe()}: a depthwise weight is (*kernel, channels), not {weight.shape}"
            )
        if len(shape) != d + 1:
            raise GraphError(
                f"{layer.describe()}: input shape {shape} is not (*{d} spatial, channels)"
            )
        bias = layer.params.get("bias")
        if weight is not None and (bias is None or bias.shape != weight.shape[-1:]):
            got = None if bias is None else bias.shape
            raise GraphError(f"{layer.describe()}: bias shape {got} is not one value per output "
                             f"channel of weight {weight.shape}")  # fmt: skip
        if weight is None or weight.shape[:d] != tuple(a["kernel"]) or weight.shape[d] != shape[-1]:
            raise GraphError(
                f"{layer.describe()}: weight shape {None if weight is None else weight.shape} does "
                f"not fit kernel {tuple(a['kernel'])} over {shape[-1]} input channels"
            )
        return (*self.window_counts(layer, shape), weight.shape[-1])

    def reference(self, layer, xs, shapes):
        """Dense over each output position's window; depthwise: each channel alone."""
        (x,), (shape,), weight = xs, shapes, layer.params["weight"]
        taps, _ = self.windows(layer, x, shape)
        if self.depthwise:
            out = np.einsum("nptc,tc->npc", taps, weight.reshape(-1, weight.shape[-1]))
        else:
            out = taps.reshape(*taps.shape[:2], -1) @ weight.reshape(-1, weight.shape[-1])
        return (out + layer.params["bias"]).reshape(len(x), *self.output_shape(layer, shapes))


class ReshapeKind(LayerKind):
    """The same values in another shape (the data order does not change)."""

    name = "Reshape"
    result_follows_input = True

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        shape = tuple(layer.attrs["shape"])
        if math.prod(shape) != math.prod(input_shapes[0]):
            raise GraphError(f"{layer.describe()}: cannot reshape {input_shapes[0]} to {shape}")
        return shape

    def reference(self, layer, xs, shapes):
        return xs[0].reshape(len(xs[0]), *layer.attrs["shape"])


class TransposeKind(LayerKind):
    """Permute the axes: ``output = input.transpose(perm)`` (batch axis excluded)."""

    name = "Transpose"
    result_follows_input = True

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        perm, shape = tuple(layer.attrs["perm"]), input_shapes[0]
        if sorted(perm) != list(range(len(shape))):
            raise GraphError(
                f"{layer.describe()}: {perm} is not a permutation of {len(shape)} axes"
            )
        return tuple(shape[p] for p in perm)

    def reference(self, layer, xs, shapes):
        return xs[0].transpose(0, *(1 + np.asarray(layer.attrs["perm"], dtype=int)))


class UpSamplingKind(LayerKind):
    """Nearest-neighbour upsampling by integer factors, channels-last: output position ``o``
    along spatial axis ``a`` reads input position ``o // scales[a]`` (attrs ``scales``, one
    positive integer per spatial axis), cast to the result type."""

    name = "UpSampling"
    result_follows_input = True

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        scales, shape = tuple(layer.attrs["scales"]), input_shapes[0]
        if len(scales) != len(shape) - 1 or not all(isinstance(f, int) and f >= 1 for f in scales):
            raise GraphError(f"{layer.describe()}: scales {scales} are not one positive integer "
                             f"per spatial axis of {shape}")  # fmt: skip
        return (*(d * f for d, f in zip(shape, scales, strict=False)), shape[-1])

    def source_index(self, layer, in_shape: tuple[int, ...]) -> np.ndarray:
        """For each output value (flat, channels-last), the flat input index it copies."""
        index = np.arange(math.prod(in_shape)).reshape(in_shape)
        for axis, factor in enumerate(layer.attrs["scales"]):
            index = np.repeat(index, factor, axis=axis)
        return index.reshape(-1)

    def reference(self, layer, xs, shapes):
        out = xs[0]
        for axis, factor in enumerate(layer.attrs["scales"]):
            out = np.repeat(out, factor, axis=axis + 1)
        return out


class PoolKind(WindowKind):
    """Max or average pooling, channels-last, per channel over each window. attrs: ``kernel``,
    ``strides``, ``pads`` (begin..., end...), ``dilations`` (all 1) and, for average pooling,
    ``count_include_pad``. Max: ``cast(max over the window, result)`` (padding never wins).
    Average: the taps inside the input summed in window order into ``accum`` (cast after each
    add; exact by default), then ``cast(acc * recip[count], result)``, ``recip[count] =
    cast(1 / count, recip)``, count the window size or, without ``count_include_pad``, the taps
    inside; ``numerics="hls4ml"`` gives ``cast(trunc(acc / count), result)`` (toward zero)."""

    def __init__(self, name: str, spatial: int, average: bool) -> None:
        self.name = name
        self.spatial = spatial
        self.average = average
        self.roles = ("accum", "recip", "result") if average else ("result",)
        self.result_follows_input = not average

    def exact_roles(self, layer, types, x, n):
        taps = math.prod(layer.attrs["kernel"])  # average pooling's exact window sum
        return {"accum": self.window_sum_type(x, taps)} if self.average else {}

    def derived_constants(self, layer, types, x, quantize):
        """Average pooling's ``recip``: ``cast(1 / count, recip)`` by count (entry 0 unused;
        1 / window everywhere when the padding counts)."""
        if not self.average:
            return {}
        taps = math.prod(layer.attrs["kernel"])
        recip = np.concatenate([[0], quantize(1.0 / np.arange(1, taps + 1), types["recip"])])
        if layer.attrs.get("count_include_pad", 0):
            recip[1:] = recip[taps]
        return {"recip": recip.astype(np.int64)}

    @staticmethod
    def window_sum_type(x: FixedType, taps: int) -> FixedType:
        """The exact type of the sum of ``taps`` codes of type ``x`` (average pooling)."""
        grow = max(1, taps).bit_length()
        return FixedType(x.width + grow, x.integer + grow, signed=x.signed)

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        (shape,) = input_shapes
        d = self.spatial
        if len(shape) != d + 1:
            raise GraphError(
                f"{layer.describe()}: input shape {shape} is not (*{d} spatial, channels)"
            )
        return (*self.window_counts(layer, shape), shape[-1])

    def reference(self, layer, xs, shapes):
        """Max over the taps inside the input; average: their sum over the window size or,
        without ``count_include_pad``, over the number of taps inside."""
        (x,), (shape,) = xs, shapes
        taps, inside = self.windows(layer, x, shape)
        if not self.average:
            out = np.where(inside[..., None], taps, -np.inf).max(axis=2)
        elif layer.attrs.get("count_include_pad", 0):
            out = taps.sum(axis=2) / inside.shape[1]
        else:
            out = taps.sum(axis=2) / inside.sum(axis=1)[:, None]
        return out.reshape(len(x), *self.output_shape(layer, shapes))


class MergeKind(LayerKind):
    """Two tensors of one shape, element by element, exactly, then ``cast(., result)``."""

    n_inputs = 2

    def __init__(self, name: str, combine: Callable[[Any, Any], Any]) -> None:
        self.name = name
        self.combine = combine
        """the exact operation, on numbers or arrays"""

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        if input_shapes[0] != input_shapes[1]:
            raise GraphError(
                f"{layer.describe()}: shapes {input_shapes[0]} and {input_shapes[1]} differ"
            )
        return input_shapes[0]

    def reference(self, layer, xs, shapes):
        return self.combine(xs[0], xs[1])


class ConcatKind(LayerKind):
    """The inputs joined along ``axis`` (of the batch-free shape), each cast to result."""

    name = "Concatenate"
    n_inputs = 2

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        axis = layer.attrs["axis"]
        a, b = input_shapes
        if not isinstance(axis, (int, np.integer)) or not 0 <= axis < len(a):
            raise GraphError(f"{layer.describe()}: axis {axis!r} is not an axis of {a}")
        if len(a) != len(b) or any(
            x != y for i, (x, y) in enumerate(zip(a, b, strict=True)) if i != axis
        ):
            raise GraphError(f"{layer.describe()}: cannot join {a} and {b} along axis {axis}")
        return tuple(x + y if i == axis else x for i, (x, y) in enumerate(zip(a, b, strict=True)))

    def reference(self, layer, xs, shapes):
        return np.concatenate(xs, axis=1 + layer.attrs["axis"])


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
ADD = MergeKind("Add", np.add)
SUBTRACT = MergeKind("Subtract", np.subtract)
MULTIPLY = MergeKind("Multiply", np.multiply)
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
SELU = LutKind("SELU", "selu", linear_above_zero=True, roles=("table", "gamma", "result"))
LEAKY_RELU = LeakyReluKind("LeakyReLU")
PRELU = LeakyReluKind("PReLU")
CLIP = ClipKind()
HARD_SIGMOID = HardSigmoidKind()
SOFTMAX = SoftmaxKind()
THRESHOLD = ThresholdKind()

_ALL_KINDS = (
    *(DENSE, CONV1D, CONV2D, DEPTHWISE_CONV1D, DEPTHWISE_CONV2D, RELU, LEAKY_RELU, PRELU, CLIP),
    *(HARD_SIGMOID, LINEAR, BINARIZE, SIGMOID, TANH, SOFTPLUS, SOFTSIGN, ELU, SELU, SOFTMAX),
    *(MAX_POOL1D, MAX_POOL2D, AVERAGE_POOL1D, AVERAGE_POOL2D, ADD, SUBTRACT, MULTIPLY),
    *(CONCATENATE, BATCH_NORM, RESHAPE, TRANSPOSE, UPSAMPLING, THRESHOLD),
)
KINDS.update({kind.name: kind for kind in _ALL_KINDS})
