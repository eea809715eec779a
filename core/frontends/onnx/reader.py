"""ONNX models to the hlsfx graph IR."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx

from hlsfx.frontends.onnx.ops import CONVERTERS, QONNX_CONVERTERS, SUPPORTED_OPS
from hlsfx.frontends.onnx.patterns import with_fused_patterns
from hlsfx.frontends.onnx.quant import QONNX_DOMAINS
from hlsfx.frontends.onnx.values import BatchMoved, Tensor
from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Graph, GraphError, Layer, verify
from hlsfx.passes import run_passes

__all__ = ["SUPPORTED_OPS", "load_onnx"]

MIN_OPSET, MAX_OPSET = 6, onnx.defs.onnx_opset_version()
LAYOUT_OPS = ("Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity")
"""ops that only move a constant's values"""
TRANSLATED = "translated from "
"""A node's doc string that starts so names where the node came from (e.g. a Keras layer)."""


class Converter:
    def __init__(self, model, label: str) -> None:
        self.onnx = onnx
        self.model = model
        self.label = label
        self.graph = model.graph
        self.values: dict[str, np.ndarray | Tensor] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.layers: list[Layer] = []
        self.inputs: list[str] = []
        self.const_types: dict[str, FixedType] = {}  # constants quantized by QONNX Quant nodes
        self.const_scales: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        """constants quantized with a scale that is not a power of two: their integer codes
        (of the type in const_types) and the scale of each value, both in the value's shape"""
        self.layouts: dict[str, tuple[int, ...]] = {}  # a layer output's perm to its ONNX tensor
        self.real_valued: set[str] = set()  # QuantizeLinear outputs, held as real values
        self.dtypes: dict[str, np.dtype] = {
            i.name: onnx.numpy_helper.to_array(i).dtype for i in model.graph.initializer
        }
        """each constant's ONNX element type (constants are held as float64)"""
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
        """The node's attributes; float attributes it leaves out take the operator schema's
        default, a float32 value as every ONNX runtime uses (Selu's alpha is
        1.67326319217681884765625, not the double 1.6732632423543772)."""
        found = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        try:
            schema = self.onnx.defs.get_schema(node.op_type, self.opset or 1, node.domain)
        except self.onnx.defs.SchemaError:
            return found  # a custom domain's op (QONNX): its converter knows its defaults
        for name, attribute in schema.attributes.items():
            default = attribute.default_value
            if name not in found and default.type == self.onnx.AttributeProto.FLOAT:
                found[name] = default.f
        return found

    def const(self, node, name: str, what: str) -> np.ndarray:
        value = self.values.get(name)
        if not isinstance(value, np.ndarray):
            raise self.fail(node, f"{what} ({name!r}) must be a constant")
        return value

    def tensor(self, node, name: str) -> Tensor:
        value = self.values.get(name)
        if isinstance(value, BatchMoved):
            raise self.fail(
                node,
                f"input {name!r} has its batch axis transposed to the second; "
                "only a BatchNormalization, then a Transpose back, may take "
                "it",
            )
        if not isinstance(value, Tensor):
            raise self.fail(node, f"input {name!r} must be a tensor computed by the graph")
        return value

    def plain(self, node, name: str) -> Tensor:
        """A tensor whose internal layout is its ONNX layout."""
        value = self.tensor(node, name)
        if value.perm != tuple(range(len(value.perm))):
            raise self.fail(
                node, f"input {name!r} is held transposed {value.perm}; not supported here"
            )
        return value

    def in_layout(self, node, name: str, wanted: tuple[int, ...]) -> Tensor:
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
                if isinstance(held, Tensor) and held.name == value.name:
                    self.values[key] = Tensor(
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
        return Tensor(output, wanted)

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
        self,
        node,
        kind,
        inputs,
        output,
        *,
        attrs=None,
        params=None,
        out_perm=None,
        fixed=None,
        name=None,
    ):
        layer = Layer(
            name=self.unique_name(name or node.name or node.output[0]),
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
        self.values[output] = Tensor(output, out_perm or tuple(range(len(shape))))
        self.layouts[output] = self.values[output].perm
        return layer

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
            self.values[value_info.name] = Tensor(value_info.name, tuple(range(len(shape))))
            inputs.append(value_info.name)
        self.inputs = inputs
        for node in with_fused_patterns(self.graph, self.onnx.helper, self.onnx.numpy_helper):
            try:
                self.convert(node)
            except (KeyError, IndexError, TypeError, AttributeError, StopIteration) as error:
                # a node whose inputs, attributes or constants are not what its op takes
                message = f"malformed node ({type(error).__name__}: {error})"
                raise self.fail(node, message) from None
        outputs, layouts = [], {}
        for out in self.graph.output:
            value = self.values.get(out.name)
            if not isinstance(value, Tensor):
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
                name=self.graph.name or "model",
            )
        )

    def param_types(self, **names: str | None) -> dict[str, FixedType]:
        """The QONNX types of constant parameters, by role (``weight="W"`` ...)."""
        return {role: self.const_types[n] for role, n in names.items() if n in self.const_types}

    def legacy_broadcast(self, node):
        """Opset 6's Add/Sub/Mul/Div broadcast a second operand only when asked, aligned at
        ``axis``; the same node in numpy's broadcasting (opset 7 on), its constant reshaped."""
        a = self.attrs(node)
        if not a.get("broadcast") or not isinstance(self.values.get(node.input[1]), np.ndarray):
            return node
        first = self.values.get(node.input[0])
        rank = (len(first.perm) + 1) if isinstance(first, Tensor) else np.ndim(first)
        second = self.values[node.input[1]]
        axis = a.get("axis", rank - second.ndim)
        axis = axis + rank if axis < 0 else axis
        name = self.unique_tensor(f"{node.input[1]}_broadcast")
        self.values[name] = second.reshape(second.shape + (1,) * (rank - axis - second.ndim))
        self.dtypes[name] = self.dtypes.get(node.input[1], np.dtype(np.float32))
        return self.onnx.helper.make_node(
            node.op_type,
            [node.input[0], name],
            list(node.output),
            name=node.name,
            doc_string=node.doc_string,
        )

    def convert(self, node) -> None:
        if self.opset < 7 and node.op_type in ("Add", "Sub", "Mul", "Div"):
            node = self.legacy_broadcast(node)
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
        """Evaluate a node whose inputs are all constants. A layout op (Transpose, Reshape ...)
        of a quantized constant keeps its type, and the codes and scales of one quantized with
        a scale that is not a power of two (:attr:`const_scales`) move with its values."""
        data = node.input[0] if node.input else None
        for name, value in zip(node.output, self.evaluate(node, {}), strict=False):
            self.dtypes[name] = value.dtype
            self.values[name] = value.astype(np.float64)
        if node.op_type not in LAYOUT_OPS or data is None:
            return
        if data in self.const_types:
            self.const_types[node.output[0]] = self.const_types[data]
        if data in self.const_scales:
            codes, scales = self.const_scales[data]
            moved = [self.evaluate(node, {data: a})[0].astype(np.float64) for a in (codes, scales)]
            self.const_scales[node.output[0]] = (moved[0], moved[1])

    def evaluate(self, node, replaced: dict[str, np.ndarray]) -> list[np.ndarray]:
        """``node``'s outputs on its constant inputs (some ``replaced``)."""
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
            initializer=[
                self.onnx.numpy_helper.from_array(
                    replaced.get(n, self.values[n]).astype(self.dtypes.get(n, np.float32)), n
                )
                for n in inputs
            ],
        )
        opset = max(self.opset, 7)  # the reference evaluator starts at opset 7
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        try:
            return [np.asarray(v) for v in ReferenceEvaluator(model).run(None, {})]
        except Exception as error:  # the reference evaluator raises many kinds
            raise self.fail(node, f"cannot fold this constant subgraph: {error}") from None


# -- converters, one per ONNX op -----------------------------------------------------------------


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
    converter = Converter(proto, label)
    if converter.opset is None:
        raise GraphError(
            f"{label}: the model declares no opset of the ONNX domain (opset_import), so its "
            "operators' meaning is unknown; set one when exporting"
        )
    if not MIN_OPSET <= converter.opset <= MAX_OPSET:
        raise GraphError(
            f"{label}: opset {converter.opset} is outside the supported {MIN_OPSET}-{MAX_OPSET}"
        )
    return run_passes(converter.run())
