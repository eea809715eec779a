"""Graph passes: each a pure ``(graph) -> (graph, changed)`` step in a module of its own, run by
the frontends after they translate a model (:func:`run_passes`), each tested on a tiny graph
whose float meaning (:mod:`hlsfx.ir.reference`) it must keep."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hlsfx.ir.graph import Graph, verify
from hlsfx.passes.absorb_casts import absorb_casts
from hlsfx.passes.flatten_channels_last import flatten_channels_last
from hlsfx.passes.fold_batch_norm import fold_batch_norm
from hlsfx.passes.fuse_gates import fuse_gates
from hlsfx.passes.rescale import (
    merge_batch_norms,
    move_scalings,
    threshold_quantizers,
    threshold_scalings,
)

__all__ = [
    "FINISHING",
    "PASSES",
    "Pass",
    "absorb_casts",
    "flatten_channels_last",
    "fold_batch_norm",
    "fuse_gates",
]
__all__ += ["merge_batch_norms"]
__all__ += ["move_scalings", "run_passes", "threshold_quantizers", "threshold_scalings"]

Pass = Callable[[Graph], tuple[Graph, bool]]

PASSES: tuple[Pass, ...] = (
    absorb_casts,
    fold_batch_norm,
    merge_batch_norms,
    move_scalings,
    threshold_scalings,
    fuse_gates,
)
"""The passes every frontend runs, in this order, until none changes the graph."""
FINISHING: tuple[Pass, ...] = (threshold_quantizers,)
"""The passes run once the others have nothing left to do (a rescale is whole then)."""


def run_passes(
    graph: Graph, passes: Sequence[Pass] = PASSES, finishing: Sequence[Pass] = FINISHING
) -> Graph:
    """``graph`` after every pass, each repeated until no pass changes it, then the
    finishing passes likewise; the IR invariants are checked after each change."""
    for stage in (passes, finishing):
        changed = True
        while changed:
            changed = False
            for step in stage:
                graph, did = step(graph)
                if did:
                    verify(graph)
                    changed = True
    return graph
