"""The compiled kernel of :mod:`hlsfx.codegen.adder_graph`'s common-subexpression elimination:
greedy pairwise sharing over the signed, shifted terms of every output (numba; a layer of a few
thousand weights has millions of term pairs)."""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit, types
from numba.typed import Dict, List

__all__ = ["NODE_BITS", "SHIFT_BITS", "share_pairs"]

NODE_BITS, SHIFT_BITS = 21, 10
"""a pair key packs two node ids, a shift and a sign into 53 bits"""
_COLUMN_BITS = 62 - NODE_BITS - SHIFT_BITS


@njit(cache=True)
def _key(n0: int, s0: int, g0: int, n1: int, s1: int, g1: int) -> int:
    """The pair's nodes (lower shift first), relative shift and relative sign, packed."""
    if s0 > s1 or (s0 == s1 and n0 > n1):
        n0, s0, g0, n1, s1, g1 = n1, s1, g1, n0, s0, g0
    return ((((n0 << NODE_BITS) | n1) << SHIFT_BITS | (s1 - s0)) << 1) | (1 if g0 != g1 else 0)


@njit(cache=True)
def _shift_of(key: int) -> int:
    """A pair's relative shift: of two pairs as frequent, the closer one is taken first (its
    adder is narrower)."""
    return (key >> 1) & ((1 << SHIFT_BITS) - 1)


@njit(cache=True)
def _at(j: int, node: int, shift: int) -> int:
    return ((j << NODE_BITS) | node) << SHIFT_BITS | shift


@njit(cache=True)
def share_pairs(
    node: np.ndarray,
    shift: np.ndarray,
    sign: np.ndarray,
    length: np.ndarray,
    first_id: int,
    max_shift: int,
) -> np.ndarray:
    """Share pairs of terms in place: ``node``, ``shift`` and ``sign`` hold column j's terms in
    their first ``length[j]`` entries. Repeatedly, the pair pattern ``(a, b, d, subtract)``
    with the most non-overlapping occurrences (two or more) becomes node ``first_id + k``
    (``a + (b << d)``, or ``a - (b << d)``), which replaces each occurrence ``(a, s, g)``,
    ``(b, s + d, ±g)`` by ``(node, s, g)``; of patterns as frequent, the one of smaller ``d``
    first. Returns the patterns taken, ``(k, 4)``."""
    columns = node.shape[0]
    counts = Dict.empty(types.int64, types.int64)
    where = Dict.empty(types.int64, types.int64)  # (column, node, shift) -> term index
    for j in range(columns):
        for x in range(length[j]):
            where[_at(j, node[j, x], shift[j, x])] = x
            for y in range(x + 1, length[j]):
                k = _key(node[j, x], shift[j, x], sign[j, x], node[j, y], shift[j, y], sign[j, y])
                counts[k] = (counts[k] if k in counts else 0) + 1
    heap = [(-c, _shift_of(k), k) for k, c in counts.items() if c > 1]
    heapq.heapify(heap)
    taken = List.empty_list(types.int64)
    found_j = np.empty(node.size, np.int64)
    found_s = np.empty(node.size, np.int64)
    while len(heap) > 0:
        negative, _, key = heapq.heappop(heap)
        now = counts[key]
        if now < 2:
            continue
        if now != -negative:
            heapq.heappush(heap, (-now, _shift_of(key), key))
            continue
        subtract = key & 1
        d = (key >> 1) & ((1 << SHIFT_BITS) - 1)
        b = (key >> (SHIFT_BITS + 1)) & ((1 << NODE_BITS) - 1)
        a = key >> (SHIFT_BITS + 1 + NODE_BITS)
        found = 0
        for j in range(columns):
            blocked = -1
            for s in range(max_shift + 1 - d):
                if s == blocked:
                    continue
                here, there = _at(j, a, s), _at(j, b, s + d)
                if here not in where or there not in where:
                    continue
                x, y = where[here], where[there]
                if (1 if sign[j, x] != sign[j, y] else 0) != subtract:
                    continue
                found_j[found], found_s[found] = j, s
                found += 1
                if a == b:
                    blocked = s + d
        if found < 2:
            counts[key] = found  # its nodes are old: no new term forms this pair again
            continue
        made = first_id + len(taken)
        taken.append(key)
        for f in range(found):
            j, s = found_j[f], found_s[f]
            x, y = where[_at(j, a, s)], where[_at(j, b, s + d)]
            g = sign[j, x]
            for z in range(length[j]):
                if z != x and z != y:
                    for t in (x, y):
                        k = _key(
                            node[j, t], shift[j, t], sign[j, t], node[j, z], shift[j, z], sign[j, z]
                        )
                        counts[k] -= 1
            counts[key] -= 1
            for t in (max(x, y), min(x, y)):  # remove both, the last term moving into place
                del where[_at(j, node[j, t], shift[j, t])]
                last = length[j] - 1
                if t != last:
                    node[j, t], shift[j, t], sign[j, t] = (
                        node[j, last],
                        shift[j, last],
                        sign[j, last],
                    )
                    where[_at(j, node[j, t], shift[j, t])] = t
                length[j] = last
            for z in range(length[j]):
                k = _key(made, s, g, node[j, z], shift[j, z], sign[j, z])
                c = (counts[k] if k in counts else 0) + 1
                counts[k] = c
                if c > 1:
                    heapq.heappush(heap, (-c, _shift_of(k), k))
            t = length[j]
            node[j, t], shift[j, t], sign[j, t] = made, s, g
            where[_at(j, made, s)] = t
            length[j] = t + 1
    out = np.empty((len(taken), 4), np.int64)
    for i in range(len(taken)):
        key = taken[i]
        out[i, 0] = key >> (SHIFT_BITS + 1 + NODE_BITS)
        out[i, 1] = (key >> (SHIFT_BITS + 1)) & ((1 << NODE_BITS) - 1)
        out[i, 2] = (key >> 1) & ((1 << SHIFT_BITS) - 1)
        out[i, 3] = key & 1
    return out
