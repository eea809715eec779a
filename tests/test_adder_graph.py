"""The shift-add graphs of the distributed strategy, evaluated in exact integers against numpy's
matrix product: canonical signed digits, shared subexpressions, exact node ranges, and what a
zero weight or a duplicate column costs (nothing)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hlsfx.codegen.adder_graph import ADDER, CONSTANT, INPUT, adder_graph, csd


def evaluate(graph, x: list[int]) -> list[int]:
    """The outputs for integer inputs ``x``, every node checked against its stated range."""
    values: list[int] = []
    for node in graph.nodes:
        if node.kind == INPUT:
            value = x[node.index]
        elif node.kind == CONSTANT:
            value = node.value
        else:
            shifted, a = values[node.b] << node.shift, values[node.a]
            value = shifted - a if node.reverse else a - shifted if node.subtract else a + shifted
        assert node.lo <= value <= node.hi, (node, value)
        values.append(value)
    return [values[o.node] << o.shift if o.node >= 0 else 0 for o in graph.outputs]


def _minimal_digits(value: int) -> int:
    """The fewest signed power-of-two terms that sum to ``value`` (breadth-first search)."""
    frontier, seen, count = {value}, {value}, 0
    while 0 not in frontier:
        count += 1
        frontier = {v + sign * (1 << k) for v in frontier for k in range(12) for sign in (1, -1)
                    if abs(v + sign * (1 << k)) < 4096} - seen  # fmt: skip
        seen |= frontier
    return count


def test_canonical_signed_digits_are_exact_non_adjacent_and_fewest():
    for value in range(-300, 301):
        digits = csd(value)
        assert sum(sign << shift for shift, sign in digits) == value
        shifts = [shift for shift, _ in digits]
        assert all(b - a >= 2 for a, b in itertools.pairwise(shifts)), (value, digits)
        if abs(value) < 160:
            assert len(digits) == _minimal_digits(value), value


def _corner_matrix(rng: np.random.Generator, n_in: int, n_out: int, bits: int) -> np.ndarray:
    """Random codes with the corners: zeros, +-1, powers of two, the largest and smallest
    codes, a duplicate column, a negated column and an all-zero column."""
    top = 1 << (bits - 1)
    m = rng.integers(-top, top, (n_in, n_out))
    m[rng.random((n_in, n_out)) < 0.2] = 0
    m[0, :] = [(-top, top - 1, 1, -1, 0, 1 << (bits - 2))[j % 6] for j in range(n_out)]
    m[:, 1] = m[:, 0]
    m[:, 2] = -m[:, 3]
    m[:, -1] = 0
    return m


@pytest.mark.parametrize("seed", range(6))
def test_graphs_equal_the_matrix_product_at_the_corners(seed):
    rng = np.random.default_rng(seed)
    n_in, n_out, bits = int(rng.integers(2, 9)), int(rng.integers(5, 9)), int(rng.integers(2, 9))
    m = _corner_matrix(rng, n_in, n_out, bits)
    lo, hi = sorted(int(v) for v in rng.integers(-(1 << 9), 1 << 9, 2))
    if seed % 2:  # unsigned inputs, as after a ReLU
        lo, hi = 0, abs(hi) + 1
    offsets = rng.integers(-500, 500, n_out)
    offsets[::3] = 0
    shift = seed % 3
    graph = adder_graph(m, [(lo, hi)] * n_in, offsets, shift)
    corners = [[lo] * n_in, [hi] * n_in, [0 if lo <= 0 <= hi else lo] * n_in]
    for x in corners + rng.integers(lo, hi + 1, (40, n_in)).tolist():
        expected = [int(v) for v in (np.array(x) @ m) * (1 << shift) + offsets]
        assert evaluate(graph, x) == expected
    # a duplicate column shares its sum; an all-zero column is its offset
    assert graph.outputs[0] == graph.outputs[1] or offsets[0] != offsets[1]
    assert graph.adders <= graph.unshared_adders


def test_zero_weights_cost_nothing_and_shared_pairs_become_one_adder():
    # every column reads x0 + 4 x1 (times 1, 2 or -1) plus its own term in x2
    m = np.array([[1, 2, -1, 3, 0], [4, 8, -4, 12, 0], [1, 0, 2, 0, 0]])
    graph = adder_graph(m, [(-8, 7)] * 3)
    assert sum(node.kind == ADDER for node in graph.nodes) == graph.adders
    # x0 + 4 x1 once, 3 (x0 + 4 x1) once more, then x2 added to two columns: 4 adders
    assert graph.adders == 4 and graph.unshared_adders == 8
    zero = adder_graph(np.zeros((3, 2), np.int64), [(-8, 7)] * 3, [0, 5])
    assert zero.adders == 0 and zero.outputs[0].node == -1
    assert evaluate(zero, [1, 2, 3]) == [0, 5]
    unshared = adder_graph(m, [(-8, 7)] * 3, share=False)
    assert unshared.adders > graph.adders
    for x in itertools.product((-8, -1, 0, 7), repeat=3):
        assert evaluate(graph, list(x)) == evaluate(unshared, list(x)) == (np.array(x) @ m).tolist()


def test_nodes_are_as_wide_as_their_range_and_the_tree_is_balanced_for_depth():
    m = np.ones((16, 1), np.int64)  # sixteen inputs summed: four levels of adders
    graph = adder_graph(m, [(0, 255)] * 16)
    assert graph.adders == 15 and graph.depth == 4
    root = graph.nodes[graph.outputs[0].node]
    assert (root.lo, root.hi, root.width, root.signed) == (0, 16 * 255, 12, False)
    signed = adder_graph(np.array([[1], [-1]]), [(-128, 127)] * 2)
    node = signed.nodes[signed.outputs[0].node]
    assert (node.lo, node.hi, node.width, node.signed) == (-255, 255, 9, True)


@pytest.mark.parametrize(
    ("result", "nonnegative"),
    [
        ("ap_fixed<8,3,AP_TRN,AP_SAT>", True),  # saturates
        ("ap_fixed<10,5>", True),  # wraps, but holds every input value
        ("ap_fixed<8,3>", True),  # the input's own type
        ("ap_fixed<7,2>", False),  # wraps: a large input comes out negative
        ("ap_fixed<7,3,AP_RND>", False),  # coarser: the largest input rounds up past the top
    ],
)
def test_a_relu_s_codes_are_known_non_negative_only_where_its_cast_cannot_wrap(result, nonnegative):
    import hlsfx
    from hlsfx.codegen.adder_graph import code_range
    from hlsfx.ir import kinds
    from hlsfx.ir.graph import Graph, Layer

    graph = Graph(("x",), ("y",), (Layer("relu", kinds.RELU, ["x"], "y"),), {"x": (2,), "y": (2,)})
    qm = hlsfx.configure(graph, "ap_fixed<8,3>", layers={"relu": {"result": result}})
    y = qm.tensor_types["y"]
    assert code_range(qm, "y") == ((0 if nonnegative else y.min_code), y.max_code)
    assert code_range(qm, "x") == (-128, 127)
    # the emulator agrees: over every input code, no negative output where none is claimed
    codes = np.arange(-128, 128).reshape(-1, 1).repeat(2, axis=1)
    out = qm.predict_codes({"x": codes})
    out = out if isinstance(out, np.ndarray) else next(iter(out.values()))
    assert (out.min() >= 0) == nonnegative
