"""The error the graph IR and its layer kinds raise (below both, so neither imports the
other for it)."""

from __future__ import annotations

__all__ = ["GraphError"]


class GraphError(ValueError):
    """A graph that breaks an IR invariant, or a model that cannot become one."""
