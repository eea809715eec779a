"""ONNX models to the hlsfx graph IR."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import onnx

from hlsfx import kinds
from hlsfx.fixed_type import FixedType
from hlsfx.graph import Graph, GraphError, Layer, verify

__all__ = ["SUPPORTED_OPS", "load_onnx"]

MIN_OPSET, MAX_OPSET = 7, 21
TRANSLATED = "translated from "
"""A node's doc string that starts so names where the node came from (e.g. a Keras layer)."""


@dataclass(frozen=True)
class _Tensor:
    """An ONNX tensor held by the graph: its internal name and ``perm``, the permutation with
    ``onnx_view = internal.transpose(perm)`` (batch axis excluded)."""

    name: str
    perm: tuple[int, ...]


class _Converter:
    def __init__(self, model, label: str) -> None:
        self.onnx = onnx
        self.model = model
        self.label = label
        self.graph = model.graph
        self.values: dict[str, np.ndarray | _Tensor] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.layers: list[Layer] = []
        self.inputs: list[str] = []
        self.const_types: dict[str, FixedType] = {}  # constants quantized by QONNX Quant nodes
        self.layouts: dict[str, tuple[int, ...]] = {}  # a layer output's perm to its ONNX tensor
        self.input_types: dict[str, FixedType] = {}
        self.real_valued: set[str] = set()  # QuantizeLinear outputs, held as real values
        self.integer_initializers = {
            i.name: onnx.numpy_helper.to_array(i).dtype for i in model.graph.initializer
        }
        self.uses = Counter(name for node in self.graph.node for name in node.input if name)
        self.uses.update(output.name for output in self.graph.output)
        self.opset = next(
            (o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None
        )

    # -- helpers -----------------------------------------------------------------------------

    def where(self, node) -> str:
        if node.doc_string.startswith(TRANSLATED):  # a node another frontend wrote
            return f"{node.doc_string[len(TRANSLATED) :]} (as ONNX {node.op_type})"
        name = f"{node.name!r}" if node.name else f"producing {(list(node.output) or ['?'])[0]!r}"
        domain = f", domain {node.domain!r}" if node.domain not in ("", "ai.onnx") else ""
        return f"ONNX node {name} ({node.op_type}{domain})"

    def fail(self, node, message: str) -> GraphError:
        return GraphError(f"{self.label}: {self.where(node)}: {message}")

    def attrs(self, node) -> dict:
        return {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}

    def const(self, node, name: str, what: str) -> np.ndarray:
        value = self.values.get(name)
        if not isinstance(value, np.ndarray):
            raise self.fail(node, f"{what} ({name!r}) must be a constant")
        return value

    def tensor(self, node, name: str) -> _Tensor:
        value = self.values.get(name)
        if not isinstance(value, _Tensor):
            raise self.fail(node, f"input {name!r} must be a tensor computed by the graph")
        return value

    def plain(self, node, name: str) -> _Tensor:
        """A tensor whose internal layout is its ONNX layout."""
        value = self.tensor(node, name)
        if value.perm != tuple(range(len(value.perm))):
            raise self.fail(
                node, f"input {name!r} is held transposed {value.perm}; not supported here"
            )
        return value

    def in_layout(self, node, name: str, wanted: tuple[int, ...]) -> _Tensor:
        """The tensor ``name`` held so that its ONNX view is ``internal.transpose(wanted)``:
        as it is, by taking a graph input in that layout, or through a Transpose layer."""
        value = self.tensor(node, name)
        if value.perm == wanted:
            return value
        if value.name in self.inputs and not any(value.name in x.inputs for x in self.layers):
            # take the graph input in the wanted layout (predict transposes the caller's array):
            # the new data is the old one transposed by q, and every view of it is re-expressed
            q = [value.perm[i] for i in np.argsort(wanted)]
            inverse_q = np.argsort(q)
            self.shapes[value.name] = tuple(self.shapes[value.name][j] for j in q)
            for key, held in list(self.values.items()):
                if isinstance(held, _Tensor) and held.name == value.name:
                    self.values[key] = _Tensor(
                        held.name, tuple(int(inverse_q[i]) for i in held.perm)
                    )
            return self.values[name]
        perm = tuple(value.perm[i] for i in np.argsort(wanted))
        output = self.unique_tensor(f"{value.name}_transposed")
        layer = Layer(
            name=self.unique_name(f"{node.name or node.output[0]}_transpose"),
            kind=kinds.TRANSPOSE,
            inputs=(value.name,),
            output=output,
            attrs={"perm": perm},
            source=f"layout for {self.where(node)}",
        )
        self.shapes[output] = kinds.TRANSPOSE.output_shape(layer, [self.shapes[value.name]])
        self.layers.append(layer)
        self.layouts[output] = wanted
        return _Tensor(output, wanted)

    def unique_tensor(self, wanted: str) -> str:
        name, k = wanted, 1
        while name in self.shapes or name in self.values:
            k += 1
            name = f"{wanted}_{k}"
        return name

    def unique_name(self, wanted: str) -> str:
        taken = {layer.name for layer in self.layers}
        name, k = wanted or "layer", 1
        while name in taken:
            k += 1
            name = f"{wanted}_{k}"
        return name

    def add_layer(
        self, node, kind, inputs, output, *, attrs=None, params=None, out_perm=None, fixed=None
    ):
        layer = Layer(
            name=self.unique_name(node.name or node.output[0]),
            kind=kind,
            inputs=tuple(t.name for t in inputs),
            output=output,
            attrs=attrs or {},
            params=params or {},
            fixed=fixed or {},
            source=self.where(node),
        )
        shape = kind.output_shape(layer, [self.shapes[t.name] for t in inputs])
        self.layers.append(layer)
        self.shapes[output] = shape
        self.values[output] = _Tensor(output, out_perm or tuple(range(len(shape))))
        self.layouts[output] = self.values[output].perm
        return layer

    def absorb(self, producer: Layer, node, **changes) -> None:
        """``producer`` takes over ``node`` (a bias Add, a Quant): it now makes ``node``'s
        output tensor, with ``changes`` to its fields."""
        old, new = producer.output, node.output[0]
        changed = replace(producer, output=new, **changes)
        self.layers[self.layers.index(producer)] = changed
        self.shapes[new] = self.shapes.pop(old)
        self.layouts[new] = self.layouts.pop(old)
        self.values[new] = _Tensor(new, self.values.pop(old).perm)

    # -- the walk ----------------------------------------------------------------------------

    def run(self) -> Graph:
        for init in self.graph.initializer:
            self.values[init.name] = self.onnx.numpy_helper.to_array(init).astype(np.float64)
        inputs = []
        for value_info in self.graph.input:
            if value_info.name in self.values:
                continue
            dims = value_info.type.tensor_type.shape.dim
            if len(dims) < 2:
                raise GraphError(
                    f"{self.label}: input {value_info.name!r} has rank {len(dims)}; expected a "
                    "batch axis and at least one more"
                )
            shape = []
            for d in dims[1:]:  # the batch axis, symbolic or oddly fixed, is ignored
                if not d.HasField("dim_value") or d.dim_value <= 0:
                    raise GraphError(
                        f"{self.label}: input {value_info.name!r} has a non-fixed dimension "
                        f"{d.dim_param or '?'} beyond the batch axis"
                    )
                shape.append(d.dim_value)
            self.shapes[value_info.name] = tuple(shape)
            self.values[value_info.name] = _Tensor(value_info.name, tuple(range(len(shape))))
            inputs.append(value_info.name)
        self.inputs = inputs
        for node in self.graph.node:
            try:
                self.convert(node)
            except (KeyError, IndexError, TypeError, AttributeError, StopIteration) as error:
                # a node whose inputs, attributes or constants are not what its op takes
                message = f"malformed node ({type(error).__name__}: {error})"
                raise self.fail(node, message) from None
        outputs, layouts = [], {}
        for out in self.graph.output:
            value = self.values.get(out.name)
            if not isinstance(value, _Tensor):
                raise GraphError(f"{self.label}: output {out.name!r} is not computed from an input")
            if value.name in inputs:
                raise GraphError(f"{self.label}: output {out.name!r} is an input passed through")
            outputs.append(value.name)
            layouts[value.name] = value.perm
        return verify(
            Graph(
                inputs=tuple(inputs),
                outputs=tuple(outputs),
                layers=tuple(self.layers),
                shapes=self.shapes,
                layouts={**self.layouts, **{name: self.values[name].perm for name in inputs}},
                output_layouts=layouts,
                input_types=self.input_types,
                name=self.graph.name or "model",
            )
        )

    def param_types(self, **names: str | None) -> dict[str, FixedType]:
        """The QONNX types of constant parameters, by role (``weight="W"`` ...)."""
        return {role: self.const_types[n] for role, n in names.items() if n in self.const_types}

    def convert(self, node) -> None:
        if node.domain in QONNX_DOMAINS and node.op_type in QONNX_CONVERTERS:
            QONNX_CONVERTERS[node.op_type](self, node)
            return
        if node.domain not in ("", "ai.onnx"):
            raise self.unsupported(node)
        quantizing = node.op_type in ("QuantizeLinear", "DequantizeLinear")
        if not quantizing and all(
            isinstance(self.values.get(n), np.ndarray) for n in node.input if n
        ):
            self.fold(node)
            return
        converter = CONVERTERS.get(node.op_type)
        if converter is None:
            raise self.unsupported(node)
        converter(self, node)

    def unsupported(self, node) -> GraphError:
        return self.fail(
            node, f"op {node.op_type!r} is not supported; supported ops: {', '.join(SUPPORTED_OPS)}"
        )

    def fold(self, node) -> None:
        """Evaluate a node whose inputs are all constants."""
        from onnx.reference import ReferenceEvaluator

        helper = self.onnx.helper
        inputs = [name for name in node.input if name]
        graph = helper.make_graph(
            [node],
            "fold",
            [],
            [
                helper.make_tensor_value_info(o, self.onnx.TensorProto.UNDEFINED, None)
                for o in node.output
            ],
            initializer=[self.onnx.numpy_helper.from_array(self.values[n], n) for n in inputs],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)])
        try:
            results = ReferenceEvaluator(model).run(None, {})
        except Exception as error:  # the reference evaluator raises many kinds
            raise self.fail(node, f"cannot fold this constant subgraph: {error}") from None
        for name, value in zip(node.output, results, strict=False):
            self.values[name] = np.asarray(value).astype(np.float64)


# -- converters, one per ONNX op -----------------------------------------------------------------


def _dense(c: _Converter, node, x: _Tensor, weight, bias, fixed=None) -> None:
    n_out = weight.shape[1]
    if bias is None:
        bias = np.zeros(n_out)
    try:
        bias = np.broadcast_to(np.asarray(bias, dtype=np.float64).reshape(-1), (n_out,)).copy()
    except ValueError:
        raise c.fail(node, f"bias of shape {np.shape(bias)} does not fit {n_out} outputs") from None
    params = {"weight": weight, "bias": bias}
    c.add_layer(node, kinds.DENSE, [x], node.output[0], params=params, fixed=fixed)


def _matmul(c: _Converter, node) -> None:
    x = c.plain(node, node.input[0])
    weight = c.const(node, node.input[1], "the second operand")
    if weight.ndim != 2:
        raise c.fail(node, f"the weight must be a matrix, not shape {weight.shape}")
    _dense(c, node, x, weight, None, c.param_types(weight=node.input[1]))


def _gemm(c: _Converter, node) -> None:
    a = c.attrs(node)
    if a.get("transA", 0):
        raise c.fail(node, "transA=1 is not supported (the input must be the left operand)")
    x = c.plain(node, node.input[0])
    weight = c.const(node, node.input[1], "B")
    if weight.ndim != 2:
        raise c.fail(node, f"B must be a matrix, not shape {weight.shape}")
    weight = (weight.T if a.get("transB", 0) else weight) * a.get("alpha", 1.0)
    bias = None
    if len(node.input) > 2 and node.input[2]:
        bias = c.const(node, node.input[2], "C") * a.get("beta", 1.0)
    unscaled = {"weight": a.get("alpha", 1.0) == 1.0, "bias": a.get("beta", 1.0) == 1.0}
    names = {"weight": node.input[1], "bias": node.input[2] if len(node.input) > 2 else None}
    fixed = c.param_types(**{role: n for role, n in names.items() if unscaled[role]})
    _dense(c, node, x, weight, bias, fixed)


def _add(c: _Converter, node) -> None:
    tensors = [n for n in node.input if isinstance(c.values.get(n), _Tensor)]
    if len(tensors) == 2:
        _merge(c, node)
        return
    (name,) = tensors
    constant = c.const(node, next(n for n in node.input if n != name), "the addend")
    producer = next((layer for layer in c.layers if layer.output == name), None)
    if producer is None or not producer.kind.weighted or c.uses[name] != 1:
        raise c.fail(node, "a constant can only be added as the bias of a MatMul, Gemm or Conv")
    n_out = producer.params["bias"].shape[0]
    try:
        extra = np.broadcast_to(constant.reshape(-1) if constant.size != 1 else constant, (n_out,))
    except ValueError:
        raise c.fail(
            node, f"addend of shape {constant.shape} does not fit {n_out} outputs"
        ) from None
    fixed = dict(producer.fixed)
    addend = next(n for n in node.input if n != name)
    if addend in c.const_types and not producer.params["bias"].any():
        fixed["bias"] = c.const_types[addend]
    c.absorb(
        producer,
        node,
        params={**producer.params, "bias": producer.params["bias"] + extra},
        fixed=fixed,
        source=f"{producer.source} + {c.where(node)}",
    )


def _activation(kind):
    def convert(c: _Converter, node) -> None:
        x = c.tensor(node, node.input[0])
        c.add_layer(node, kind, [x], node.output[0], out_perm=x.perm)

    return convert


MERGES = {"Add": kinds.ADD, "Sub": kinds.SUBTRACT, "Mul": kinds.MULTIPLY}


def _merge(c: _Converter, node) -> None:
    if not all(isinstance(c.values.get(n), _Tensor) for n in node.input):
        raise c.fail(
            node, f"{node.op_type} with a constant operand is not supported (only as a bias)"
        )
    first = c.tensor(node, node.input[0])
    second = c.in_layout(node, node.input[1], first.perm)
    kind = MERGES[node.op_type]
    c.add_layer(node, kind, [first, second], node.output[0], out_perm=first.perm)


def _concat(c: _Converter, node) -> None:
    if len(node.input) != 2:
        raise c.fail(node, f"concatenating {len(node.input)} tensors: only 2 are supported")
    first = c.tensor(node, node.input[0])
    second = c.in_layout(node, node.input[1], first.perm)
    rank = len(first.perm) + 1
    axis = c.attrs(node)["axis"]
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        raise c.fail(node, "concatenating along the batch axis is not supported")
    internal_axis = first.perm[axis - 1]
    c.add_layer(
        node,
        kinds.CONCATENATE,
        [first, second],
        node.output[0],
        attrs={"axis": internal_axis},
        out_perm=first.perm,
    )


def _pool(c: _Converter, node) -> None:
    a = c.attrs(node)
    held = c.tensor(node, node.input[0])
    d = len(held.perm) - 1
    if d not in (1, 2):
        raise c.fail(node, f"{d}-D pooling is not supported (only 1-D and 2-D)")
    x = c.in_layout(node, node.input[0], (d, *range(d)))  # channels-last
    spatial = c.shapes[x.name][:-1]
    is_global = node.op_type.startswith("Global")
    kernel = tuple(spatial) if is_global else tuple(a["kernel_shape"])
    strides = [1] * d if is_global else list(a.get("strides", [1] * d))
    dilations = list(a.get("dilations", [1] * d))
    if any(v != 1 for v in dilations):
        raise c.fail(node, f"dilated pooling {dilations} is not supported")
    if a.get("ceil_mode", 0):
        raise c.fail(node, "ceil_mode=1 is not supported")
    pads = [0] * 2 * d if is_global else _conv_pads(c, node, spatial, kernel, strides, dilations)
    average = "Average" in node.op_type
    kind = {
        (1, False): kinds.MAX_POOL1D,
        (2, False): kinds.MAX_POOL2D,
        (1, True): kinds.AVERAGE_POOL1D,
        (2, True): kinds.AVERAGE_POOL2D,
    }[d, average]
    attrs = {"kernel": kernel, "strides": strides, "pads": pads, "dilations": dilations}
    if average:
        attrs["count_include_pad"] = int(a.get("count_include_pad", 0))
    c.add_layer(node, kind, [x], node.output[0], attrs=attrs, out_perm=(d, *range(d)))


def _batch_norm(c: _Converter, node) -> None:
    gamma, beta, mean, var = (
        c.const(node, n, what)
        for n, what in zip(node.input[1:5], ("scale", "B", "mean", "var"), strict=True)
    )
    epsilon = c.attrs(node).get("epsilon", 1e-5)
    scale = gamma / np.sqrt(var + epsilon)
    shift = beta - mean * scale
    held = c.tensor(node, node.input[0])
    producer = next((layer for layer in c.layers if layer.output == held.name), None)
    if (
        producer is not None
        and producer.kind.weighted
        and c.uses[node.input[0]] == 1
        and c.uses[held.name] <= 1
    ):
        weight, bias = producer.params["weight"], producer.params["bias"]
        fixed = {k: v for k, v in producer.fixed.items() if k not in ("weight", "bias")}
        c.absorb(
            producer, node, fixed=fixed,
            params={"weight": weight * scale, "bias": bias * scale + shift},
            source=f"{producer.source} + {c.where(node)} (folded)",
        )  # fmt: skip
        return
    rank = len(held.perm)
    x = c.in_layout(node, node.input[0], (rank - 1, *range(rank - 1)) if rank > 1 else (0,))
    c.add_layer(
        node,
        kinds.BATCH_NORM,
        [x],
        node.output[0],
        params={"scale": scale, "bias": shift},
        out_perm=x.perm,
    )


def _leaky_relu(c: _Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    alpha = [c.attrs(node).get("alpha", 0.01)]
    c.add_layer(
        node, kinds.LEAKY_RELU, [x], node.output[0], params={"alpha": alpha}, out_perm=x.perm
    )


def _prelu(c: _Converter, node) -> None:
    held = c.tensor(node, node.input[0])
    slope = c.const(node, node.input[1], "the slope")
    onnx_shape = tuple(c.shapes[held.name][p] for p in held.perm)
    try:
        full = np.broadcast_to(slope, onnx_shape)
    except ValueError:
        raise c.fail(
            node, f"slope of shape {slope.shape} does not broadcast to {onnx_shape}"
        ) from None
    varying = [k for k in range(full.ndim) if np.any(np.diff(full, axis=k) != 0)]
    if len(varying) > 1:
        raise c.fail(node, "the slope varies along an axis other than the channels")
    if not varying:
        x, alpha = held, full.reshape(-1)[:1]
    else:  # hold the tensor with the slope's axis last: one slope per channel
        (k,) = varying
        order = [i for i in range(full.ndim) if i != k] + [k]
        x = c.in_layout(node, node.input[0], tuple(int(i) for i in np.argsort(order)))
        alpha = np.moveaxis(full, k, -1).reshape(-1, full.shape[k])[0]
    c.add_layer(node, kinds.PRELU, [x], node.output[0], params={"alpha": alpha}, out_perm=x.perm)


def _clip(c: _Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    if c.opset < 11:
        a = c.attrs(node)
        bounds = [a.get("min"), a.get("max")]
    else:
        bounds = [
            float(c.const(node, node.input[i], "a bound"))
            if len(node.input) > i and node.input[i]
            else None
            for i in (1, 2)
        ]
    attrs = {"min": bounds[0], "max": bounds[1]}
    c.add_layer(node, kinds.CLIP, [x], node.output[0], attrs=attrs, out_perm=x.perm)


def _hard_sigmoid(c: _Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    a = c.attrs(node)
    params = {"alpha": [a.get("alpha", 0.2)], "beta": [a.get("beta", 0.5)]}
    c.add_layer(node, kinds.HARD_SIGMOID, [x], node.output[0], params=params, out_perm=x.perm)


def _elu(c: _Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    attrs = {"alpha": c.attrs(node).get("alpha", 1.0)}
    c.add_layer(node, kinds.ELU, [x], node.output[0], attrs=attrs, out_perm=x.perm)


def _selu(c: _Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    a = c.attrs(node)
    attrs = {
        "alpha": a.get("alpha", 1.6732632423543772),
        "gamma": a.get("gamma", 1.0507009873554805),
    }
    params = {"gamma": [attrs["gamma"]]}
    c.add_layer(node, kinds.SELU, [x], node.output[0], attrs=attrs, params=params, out_perm=x.perm)


def _softmax(c: _Converter, node) -> None:
    x = c.plain(node, node.input[0])
    rank = len(c.shapes[x.name]) + 1
    axis = c.attrs(node).get("axis", -1 if c.opset >= 13 else 1)
    axis = axis + rank if axis < 0 else axis
    # before opset 13, axis means "flatten from here"; with one axis after the batch both agree
    if axis != rank - 1 and not (c.opset < 13 and axis == 1 and rank == 2):
        raise c.fail(node, f"softmax over axis {axis} of a rank-{rank} tensor: only the last axis")
    c.add_layer(node, kinds.SOFTMAX, [x], node.output[0])


def _identity(c: _Converter, node) -> None:
    c.values[node.output[0]] = c.tensor(node, node.input[0])


def _reshape_to(c: _Converter, node, name: str, shape: tuple[int, ...]) -> None:
    """``node``'s output: the tensor ``name``, in ONNX order, reshaped (batch excluded)."""
    rank = len(c.shapes[c.tensor(node, name).name])
    x = c.in_layout(node, name, tuple(range(rank)))
    if c.shapes[x.name] == shape:
        c.values[node.output[0]] = x
        return
    c.add_layer(node, kinds.RESHAPE, [x], node.output[0], attrs={"shape": shape})


def _flatten(c: _Converter, node) -> None:
    axis = c.attrs(node).get("axis", 1)
    if axis not in (0, 1):
        raise c.fail(node, f"flatten from axis {axis}: only the batch axis (0 or 1) is supported")
    shape = c.shapes[c.tensor(node, node.input[0]).name]
    _reshape_to(c, node, node.input[0], (math.prod(shape),))


def _reshape(c: _Converter, node) -> None:
    if len(node.input) > 1:
        target = [int(v) for v in c.const(node, node.input[1], "the shape")]
    else:
        target = list(c.attrs(node)["shape"])
    current = c.shapes[c.tensor(node, node.input[0]).name]
    current_onnx = [None, *(current[p] for p in c.tensor(node, node.input[0]).perm)]
    dims = [current_onnx[i] if d == 0 else d for i, d in enumerate(target)][1:]
    if dims.count(-1) > 1:
        raise c.fail(node, f"shape {target} has more than one -1")
    if -1 in dims:
        known = math.prod(d for d in dims if d != -1)
        dims[dims.index(-1)] = math.prod(current) // known if known else 0
    if math.prod(dims) != math.prod(current):
        raise c.fail(
            node, f"cannot reshape {tuple(current_onnx[1:])} to {tuple(target)} per sample"
        )
    _reshape_to(c, node, node.input[0], tuple(dims))


def _squeeze_like(c: _Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    onnx_shape = [c.shapes[x.name][p] for p in x.perm]
    if node.op_type == "Squeeze":
        axes = c.attrs(node).get("axes")
        if axes is None and len(node.input) > 1:
            axes = [int(v) for v in c.const(node, node.input[1], "the axes")]
        rank = len(onnx_shape) + 1
        axes = {
            a + rank if a < 0 else a
            for a in (axes or [i + 1 for i, d in enumerate(onnx_shape) if d == 1])
        }
        if 0 in axes:
            raise c.fail(node, "squeezing the batch axis is not supported")
        shape = tuple(d for i, d in enumerate(onnx_shape, start=1) if i not in axes)
    else:
        axes = c.attrs(node).get("axes")
        if axes is None:
            axes = [int(v) for v in c.const(node, node.input[1], "the axes")]
        rank = len(onnx_shape) + 1 + len(axes)
        axes = sorted(a + rank if a < 0 else a for a in axes)
        if 0 in axes:
            raise c.fail(node, "unsqueezing at the batch axis is not supported")
        shape = [None, *onnx_shape]
        for a in axes:
            shape.insert(a, 1)
        shape = tuple(shape[1:])
    _reshape_to(c, node, node.input[0], shape)


def _transpose(c: _Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    rank = len(x.perm) + 1
    perm = list(c.attrs(node).get("perm", range(rank - 1, -1, -1)))
    if perm[0] != 0:
        raise c.fail(node, f"perm {perm} moves the batch axis; only the other axes may move")
    c.values[node.output[0]] = _Tensor(x.name, tuple(x.perm[p - 1] for p in perm[1:]))


def _conv_pads(c: _Converter, node, shape, kernel, strides, dilations) -> list[int]:
    a = c.attrs(node)
    d = len(kernel)
    auto_pad = a.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    if auto_pad in ("NOTSET", ""):
        return list(a.get("pads", [0] * 2 * d))
    if auto_pad == "VALID":
        return [0] * 2 * d
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise c.fail(node, f"unknown auto_pad {auto_pad!r}")
    begin, end = [], []
    for i in range(d):
        out = -(-shape[i] // strides[i])
        total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - shape[i])
        small, large = total // 2, total - total // 2
        begin.append(small if auto_pad == "SAME_UPPER" else large)
        end.append(large if auto_pad == "SAME_UPPER" else small)
    return begin + end


def _conv(c: _Converter, node, channels_last_data: bool = False) -> None:
    """ONNX Conv (data N, C, *spatial; weight out, in/group, *kernel), or QONNX's channels-last
    Conv (data N, *spatial, C; weight out, *kernel, in/group). group 1, or depthwise."""
    weight = c.const(node, node.input[1], "the weight")
    d = weight.ndim - 2
    if d not in (1, 2):
        raise c.fail(node, f"{d}-D convolution is not supported (only 1-D and 2-D)")
    if channels_last_data:  # to the ONNX weight layout (out, in/group, *kernel)
        weight = np.moveaxis(weight, -1, 1)
    a = c.attrs(node)
    channels_last = (d, *range(d))  # ONNX (C, *spatial) is internal (*spatial, C)
    wanted = tuple(range(d + 1)) if channels_last_data else channels_last
    x = c.in_layout(node, node.input[0], wanted)
    shape = c.shapes[x.name]
    group, n_out = a.get("group", 1), weight.shape[0]
    depthwise = group != 1
    if depthwise and not (group == shape[-1] == n_out and weight.shape[1] == 1):
        raise c.fail(
            node,
            f"group={group} over {shape[-1]} channels into {n_out}: only group 1 and depthwise "
            "(group = input channels = output channels) are supported",
        )
    kernel = tuple(weight.shape[2:])
    if not depthwise and weight.shape[1] != shape[-1]:
        raise c.fail(
            node, f"the weight expects {weight.shape[1]} input channels, the input has {shape[-1]}"
        )
    strides = list(a.get("strides", [1] * d))
    dilations = list(a.get("dilations", [1] * d))
    pads = _conv_pads(c, node, shape, kernel, strides, dilations)
    bias = (
        c.const(node, node.input[2], "the bias") if len(node.input) > 2 and node.input[2] else None
    )
    if depthwise:  # (C, 1, *kernel) -> (*kernel, C)
        internal_weight = np.moveaxis(weight[:, 0], 0, -1)
        kind = kinds.DEPTHWISE_CONV1D if d == 1 else kinds.DEPTHWISE_CONV2D
    else:  # (out, in, *kernel) -> (*kernel, in, out)
        internal_weight = weight.transpose(*range(2, 2 + d), 1, 0)
        kind = kinds.CONV1D if d == 1 else kinds.CONV2D
    params = {
        "weight": internal_weight,
        "bias": np.zeros(n_out) if bias is None else bias.reshape(n_out),
    }
    attrs = {"kernel": kernel, "strides": strides, "dilations": dilations, "pads": pads}
    fixed = c.param_types(weight=node.input[1], bias=node.input[2] if len(node.input) > 2 else None)
    c.add_layer(
        node, kind, [x], node.output[0], attrs=attrs, params=params, out_perm=wanted, fixed=fixed
    )


QONNX_DOMAINS = (
    "qonnx.custom_op.general",
    "finn.custom_op.general",
    "onnx.brevitas",
    "qonnx.custom_op.channels_last",
)
QONNX_ROUNDING = {"ROUND": "AP_RND_CONV", "FLOOR": "AP_TRN", "ROUND_TO_ZERO": "AP_TRN_ZERO"}


def _power_of_two(c: _Converter, node, name: str, what: str) -> int:
    """F such that the constant ``name`` is 2**-F everywhere."""
    values = np.unique(c.const(node, name, what))
    if values.size != 1 or values[0] <= 0 or np.frexp(values[0])[0] != 0.5:
        shown = values[0] if values.size == 1 else values.tolist()
        raise c.fail(
            node, f"{what} {shown} is not a single power of two, which a fixed-point type needs"
        )
    return -int(np.frexp(values[0])[1] - 1)


def _quant_type(c: _Converter, node) -> FixedType:
    a = c.attrs(node)
    fractional = _power_of_two(c, node, node.input[1], "scale")
    zero = c.const(node, node.input[2], "the zero point")
    if np.any(zero != 0):
        raise c.fail(
            node, f"zero point {zero.tolist()} is not 0; only symmetric quantizers map to ap_fixed"
        )
    bits = c.const(node, node.input[3], "the bit width")
    if bits.size != 1 or bits.item() != int(bits.item()) or bits.item() < 1:
        raise c.fail(node, f"bit width {bits.tolist()} is not a positive integer")
    width, signed, narrow = int(bits.item()), bool(a.get("signed", 1)), bool(a.get("narrow", 0))
    mode = a.get("rounding_mode", b"ROUND")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode not in QONNX_ROUNDING:
        raise c.fail(
            node,
            f"rounding mode {mode!r} has no ap_fixed equivalent; "
            f"supported: {', '.join(QONNX_ROUNDING)}",
        )
    if narrow and not signed:
        raise c.fail(node, "a narrow unsigned range [0, 2**b - 2] has no ap_fixed overflow mode")
    overflow = "AP_SAT_SYM" if narrow else "AP_SAT"
    return FixedType(width, width - fractional, signed, QONNX_ROUNDING[mode], overflow)


def _set_type(c: _Converter, node, x: _Tensor, t: FixedType) -> None:
    """``node``'s output is ``x`` cast to ``t``: type the graph input or the layer that makes
    ``x`` (when nothing else reads it), or else add a Linear layer that casts."""
    producer = next((layer for layer in c.layers if layer.output == x.name), None)
    only_reader = c.uses[node.input[0]] == 1 and c.uses[x.name] <= 1
    if x.name in c.inputs and x.name not in c.input_types and only_reader:
        c.input_types[x.name] = t
        c.values[node.output[0]] = x
    elif producer is not None and only_reader and "result" not in producer.fixed:
        c.absorb(producer, node, fixed={**producer.fixed, "result": t})
    else:
        c.add_layer(node, kinds.LINEAR, [x], node.output[0], out_perm=x.perm, fixed={"result": t})


def _apply_quantizer(c: _Converter, node, t: FixedType) -> None:
    """``node`` quantizes its first input to ``t``: a constant becomes its exact quantized
    values (typed for the layer that takes it), a tensor gets the type."""
    value = c.values.get(node.input[0])
    if isinstance(value, np.ndarray):
        from hlsfx.emulator.quantize import quantize, to_float

        c.values[node.output[0]] = to_float(quantize(value, t), t)
        c.const_types[node.output[0]] = t
    else:
        _set_type(c, node, c.tensor(node, node.input[0]), t)


def _quant(c: _Converter, node) -> None:
    _apply_quantizer(c, node, _quant_type(c, node))


def _bipolar_quant(c: _Converter, node) -> None:
    fractional = _power_of_two(c, node, node.input[1], "scale")
    scale = 2.0**-fractional
    t = FixedType(2, 2 - fractional)  # codes -1 and +1
    value = c.values.get(node.input[0])
    if isinstance(value, np.ndarray):
        c.values[node.output[0]] = np.where(value >= 0, scale, -scale)
        c.const_types[node.output[0]] = t
        return
    x = c.tensor(node, node.input[0])
    c.add_layer(
        node,
        kinds.BINARIZE,
        [x],
        node.output[0],
        attrs={"scale": scale},
        out_perm=x.perm,
        fixed={"result": t},
    )


QDQ_TYPES = {  # ONNX integer type of the quantized tensor -> (width, signed)
    2: (8, False),  # UINT8
    3: (8, True),  # INT8
    4: (16, False),  # UINT16
    5: (16, True),  # INT16
}


def _qdq_type(c: _Converter, node, scale_name: str, zero_name: str | None, elem: int) -> FixedType:
    fractional = _power_of_two(c, node, scale_name, "scale")
    if zero_name:
        zero = c.const(node, zero_name, "the zero point")
        if np.any(zero != 0):
            raise c.fail(
                node, f"zero point {zero.tolist()} is not 0: only symmetric ones map to ap_fixed"
            )
    if elem not in QDQ_TYPES:
        raise c.fail(node, f"quantizing to ONNX element type {elem}: only (u)int8 and (u)int16")
    width, signed = QDQ_TYPES[elem]
    return FixedType(width, width - fractional, signed, "AP_RND_CONV", "AP_SAT")


def _zero_point_type(c: _Converter, node) -> int:
    """The element type of QuantizeLinear's output: its zero point's, else int8 ... uint8."""
    if len(node.input) > 2 and node.input[2]:
        for init in c.graph.initializer:
            if init.name == node.input[2]:
                return init.data_type
    return c.attrs(node).get("output_dtype", 2) or 2  # UINT8 by default (opset 21: output_dtype)


def _quantize_linear(c: _Converter, node) -> None:
    t = _qdq_type(
        c,
        node,
        node.input[1],
        node.input[2] if len(node.input) > 2 else None,
        _zero_point_type(c, node),
    )
    _apply_quantizer(c, node, t)
    c.real_valued.add(node.output[0])


def _dequantize_linear(c: _Converter, node) -> None:
    name = node.input[0]
    if name in c.real_valued:  # after QuantizeLinear: the values are real already
        c.values[node.output[0]] = c.values[name]
        if name in c.const_types:
            c.const_types[node.output[0]] = c.const_types[name]
        return
    dtype = c.integer_initializers.get(name)
    if dtype is None or dtype.kind not in "iu":
        raise c.fail(
            node, "DequantizeLinear applies to a QuantizeLinear output or to integer constants"
        )
    elem = onnx.helper.np_dtype_to_tensor_dtype(dtype)
    t = _qdq_type(c, node, node.input[1], node.input[2] if len(node.input) > 2 else None, elem)
    c.values[node.output[0]] = c.values[name] * float(t.lsb)
    c.const_types[node.output[0]] = t


QONNX_CONVERTERS = {
    "Quant": _quant,
    "BipolarQuant": _bipolar_quant,
    "Conv": lambda c, node: _conv(c, node, channels_last_data=True),
}

CONVERTERS = {
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Add": _add,
    "Relu": _activation(kinds.RELU),
    "Sigmoid": _activation(kinds.SIGMOID),
    "Tanh": _activation(kinds.TANH),
    "Softplus": _activation(kinds.SOFTPLUS),
    "Softsign": _activation(kinds.SOFTSIGN),
    "LeakyRelu": _leaky_relu,
    "PRelu": _prelu,
    "Clip": _clip,
    "HardSigmoid": _hard_sigmoid,
    "Elu": _elu,
    "Selu": _selu,
    "Softmax": _softmax,
    "Identity": _identity,
    "Dropout": _identity,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Squeeze": _squeeze_like,
    "Unsqueeze": _squeeze_like,
    "Transpose": _transpose,
    "Conv": _conv,
    "Sub": _merge,
    "Mul": _merge,
    "Concat": _concat,
    "MaxPool": _pool,
    "AveragePool": _pool,
    "GlobalMaxPool": _pool,
    "GlobalAveragePool": _pool,
    "BatchNormalization": _batch_norm,
    "QuantizeLinear": _quantize_linear,
    "DequantizeLinear": _dequantize_linear,
}
SUPPORTED_OPS = (*sorted(CONVERTERS), *(f"{op} (QONNX)" for op in sorted(QONNX_CONVERTERS)))


def load_onnx(model: str | Path | object) -> Graph:
    """Read an ONNX model (a path or an ``onnx.ModelProto``) into a :class:`Graph`."""
    if isinstance(model, (str, Path)):
        path = Path(model)
        label = f"ONNX model {str(path)!r}"
        if not path.is_file():
            raise FileNotFoundError(f"{label}: no such file")
        try:
            proto = onnx.load(str(path))
        except Exception as error:  # protobuf raises DecodeError and others
            raise GraphError(
                f"{label}: not a readable ONNX file ({type(error).__name__}: {error})"
            ) from None
    elif isinstance(model, onnx.ModelProto):
        proto, label = model, f"ONNX model {model.graph.name or '(unnamed)'!r}"
    else:
        raise TypeError(f"expected a path or an onnx.ModelProto, not {type(model).__name__}")
    if not proto.graph.node:
        raise GraphError(f"{label}: the graph has no nodes (is the file complete?)")
    converter = _Converter(proto, label)
    if converter.opset is None:
        raise GraphError(
            f"{label}: the model declares no opset of the ONNX domain (opset_import), so its "
            "operators' meaning is unknown; set one when exporting"
        )
    if not MIN_OPSET <= converter.opset <= MAX_OPSET:
        raise GraphError(
            f"{label}: opset {converter.opset} is outside the supported {MIN_OPSET}-{MAX_OPSET}"
        )
    return converter.run()
