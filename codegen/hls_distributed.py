"""The distributed strategy in the HLS C++: a Dense or convolution's shift-add graph
(:mod:`hlsfx.codegen.adder_graph`, the same graph the RTL builds) written as a generated
function on raw integer codes, called by ``hlsfx_distributed.h``."""

from __future__ import annotations

from hlsfx.codegen.adder_graph import (
    ADDER,
    CONSTANT,
    INPUT,
    AdderGraph,
    Node,
    exact_sums,
    layer_matrix,
)
from hlsfx.codegen.cpp import cpp_type
from hlsfx.codegen.hls_layers import LayerCode, LayerContext, config_struct, window_geometry
from hlsfx.ir import kinds

__all__ = ["DISTRIBUTED_HEADER", "DISTRIBUTED_HLS_LAYERS"]

DISTRIBUTED_HEADER = "hlsfx_distributed.h"


def _int_type(node: Node) -> str:
    return f"{'ap_int' if node.signed else 'ap_uint'}<{node.width}>"


def _statement(k: int, node: Node) -> str:
    """``n<k>`` = the node's value as an integer of its exact width (wrapping arithmetic there
    is exact: the value fits)."""
    t = _int_type(node)
    if node.kind == INPUT:
        bits = f"x[{node.index}].range({node.width - 1}, 0)"
        return f"const {t} n{k} = {bits};"
    if node.kind == CONSTANT:
        return f'const {t} n{k} = {t}("{node.value}", 10);'
    shifted = f"({t}(n{node.b}) << {node.shift})" if node.shift else f"{t}(n{node.b})"
    if node.reverse:
        value = f"{shifted} - n{node.a}"
    else:
        value = f"n{node.a} {'-' if node.subtract else '+'} {shifted}"
    return f"const {t} n{k} = {value};"


def graph_function(ctx: LayerContext, graph: AdderGraph, sums, n_in: int) -> str:
    """The struct ``<layer>_graph`` whose ``apply(x, y)`` computes the layer's outputs for one
    input row or window ``x``."""
    read = {o.node for o in graph.outputs} | {
        n for node in graph.nodes if node.kind == ADDER for n in (node.a, node.b)
    }  # a graph holds only nodes some output reads, and every input
    body = [
        _statement(k, node) for k, node in enumerate(graph.nodes) if node.kind != INPUT or k in read
    ]
    for j, out in enumerate(graph.outputs):
        if out.node < 0:
            body.append(f"y[{j}] = 0;")
            continue
        acc = cpp_type(sums.sum_type(graph.nodes[out.node], out.shift))
        body.append(f"y[{j}] = hlsfx::from_code<{acc} >(n{out.node});")
    head = [
        f"// {ctx.layer.describe()} as shifts and adds (strategy distributed): {graph.adders}"
        f" adders, {graph.unshared_adders} without shared terms, at most {graph.depth} in a"
        " chain.",
        "// n<k> holds the raw integer code of node k; y[j] = the exact sum, cast to the result.",
        f"struct {ctx.ident}_graph {{",
        f"    static void apply(const {ctx.in_typedefs[0]} x[{n_in}], "
        f"{ctx.out_typedef} y[{len(graph.outputs)}]) {{",
        "        #pragma HLS INLINE",
    ]
    return "\n".join([*head, *(f"        {line}" for line in body), "    }", "};"])


def _write(ctx: LayerContext, windowed: bool) -> LayerCode:
    """A distributed Dense (``windowed`` False) or convolution: its config struct, its graph
    and its call."""
    layer, p = ctx.layer, ctx.precision
    matrix = layer_matrix(layer, p.params["weight"])
    sums = exact_sums(layer, p, ctx.in_types[0], matrix)
    graph = sums.graph(matrix, [ctx.x_range] * len(matrix))
    n_in, n_out = matrix.shape
    types = (*ctx.in_typedefs, ctx.out_typedef, f"{ctx.ident}_config", f"{ctx.ident}_graph")
    if not windowed:
        fields: list[tuple[str, object]] = [("n_in", n_in), ("n_out", n_out)]
        function = "dense_distributed"
    else:
        fields = [f for f in window_geometry(ctx, n_out) if f[0] != "n_filt"]
        fields.append(("n_filt", n_out))
        function = "conv_2d_distributed"
    config = config_struct(f"{ctx.ident}_config", fields, [])
    call = f"hlsfx::{function}<{', '.join(types)}>({ctx.in_vars[0]}, {ctx.out_var});"
    return LayerCode(config, graph_function(ctx, graph, sums, n_in), call)


def _dense(ctx: LayerContext) -> LayerCode:
    return _write(ctx, windowed=False)


def _conv(ctx: LayerContext) -> LayerCode:
    return _write(ctx, windowed=True)


DISTRIBUTED_HLS_LAYERS = {
    kinds.DENSE: _dense,
    kinds.CONV1D: _conv,
    kinds.CONV2D: _conv,
    kinds.DEPTHWISE_CONV1D: _conv,
    kinds.DEPTHWISE_CONV2D: _conv,
}
"""The kinds the distributed strategy writes as shift-add graphs, and their writers."""
