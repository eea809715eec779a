"""Running a configured model's steps over a batch: in chunks of bounded memory, on a pool of
threads kept between runs, each thread with its own tensor buffers and step scratch."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from hlsfx.emulator.quantize import fits_int64, quantize
from hlsfx.emulator.run import float_tensors, plan
from hlsfx.emulator.steps import scratch_array

if TYPE_CHECKING:
    from hlsfx.ir.fixed_type import FixedType
    from hlsfx.ir.graph import Graph
    from hlsfx.numerics.config import LayerPrecision

__all__ = ["CHUNK_BYTES", "DEFAULT_BATCH", "MAX_THREADS", "Executor"]

CHUNK_BYTES = 1 << 27
"""the memory a chunk of samples may take, tensors and scratch together"""
DEFAULT_BATCH = 1 << 13
MAX_THREADS = 256


class Rows(Protocol):
    """One input's samples: raw codes, or floats read chunk by chunk."""

    raw: bool
    array: Any

    def floats(self, start: int, stop: int) -> np.ndarray: ...


class Executor:
    """Runs the steps of one configured graph (``tensor_types``, ``precisions``)."""

    def __init__(
        self,
        graph: Graph,
        tensor_types: Mapping[str, FixedType],
        precisions: Mapping[str, LayerPrecision],
    ) -> None:
        self.graph, self.tensor_types, self.precisions = graph, tensor_types, precisions
        self._thread_state = threading.local()
        self._pools: tuple[int, ThreadPoolExecutor, weakref.finalize] | None = None

    @cached_property
    def plans(self) -> dict[bool, tuple[list, set[str]]]:
        """For unfused and fused runs: the steps, and the tensors they may hold as float64."""
        plans = {}
        for fuse in (False, True):
            steps = plan(self.graph, self.precisions, self.tensor_types, fuse)
            plans[fuse] = steps, float_tensors(self.graph, steps, self.tensor_types)
        return plans

    def run(
        self,
        arrays: Mapping[str, Rows],
        keep: set[str],
        batch_size: int | None,
        threads: int | None,
        fuse: bool = True,
        counted: bool = True,
    ) -> tuple[dict[str, np.ndarray], dict]:
        """Emulate ``arrays`` chunk by chunk on ``threads`` threads (default: one per core),
        keeping the tensors ``keep``; ``fuse`` lets steps skip tensors not kept, and without
        ``counted`` steps may skip counting overflows (same bits either way; the counts
        returned are then incomplete). Returns the kept tensors' codes and the overflow
        counts by layer and role."""
        n = len(next(iter(arrays.values())))
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
        if threads is not None and (
            isinstance(threads, bool)
            or not isinstance(threads, int)
            or not 1 <= threads <= MAX_THREADS
        ):
            raise ValueError(f"threads must be an integer from 1 to {MAX_THREADS}, not {threads!r}")
        width = {t: int(np.prod(shape)) for t, shape in self.graph.shapes.items()}
        if batch_size is None:  # what fits the memory budget, counting scratch as much again
            per_sample = 2 * 8 * sum(width.values())
            batch_size = max(1, min(DEFAULT_BATCH, CHUNK_BYTES // per_sample))
        batch_size = min(batch_size, max(n, 1))
        results = {name: np.empty((n, width[name]), self.dtype(name)) for name in keep}
        starts = range(0, n, batch_size)
        workers = max(1, min(threads or os.cpu_count() or 1, len(starts)))

        def run_chunk(start: int) -> dict[str, dict[str, int]]:
            local = self._thread_state
            if not hasattr(local, "buffers"):
                local.buffers, local.scratch = {}, {}
            stop = min(start + batch_size, n)
            return self._run_chunk(arrays, start, stop, results, local, fuse, counted)

        if workers == 1:
            chunk_counts = [run_chunk(start) for start in starts]
        else:  # chunks on the model's threads, BLAS kept to one thread per call meanwhile
            with threadpool_limits(1, user_api="blas"):
                chunk_counts = list(self._pool(workers).map(run_chunk, starts))
        counts: dict[str, dict[str, int]] = {layer.name: {} for layer in self.graph.layers}
        for chunk in chunk_counts:
            for layer, roles in chunk.items():
                for role, k in roles.items():
                    counts[layer][role] = counts[layer].get(role, 0) + k
        return results, counts

    def _pool(self, workers: int) -> ThreadPoolExecutor:
        """The worker threads: one pool, kept while runs ask for the same number (so their
        buffers are reused), replaced when they ask for another, shut down with the
        executor."""
        held = self._pools
        if held is not None and held[0] == workers:
            return held[1]
        if held is not None:
            held[2].detach()
            held[1].shutdown(wait=True)
            self._thread_state = threading.local()  # the old threads' buffers go
        pool = ThreadPoolExecutor(workers, thread_name_prefix="hlsfx")
        finalizer = weakref.finalize(self, pool.shutdown, wait=False)
        self._pools = (workers, pool, finalizer)
        return pool

    def _run_chunk(self, arrays, start, stop, results, local, fuse, counted) -> dict:
        steps, as_float = self.plans[fuse]

        def buffer(tensor: str) -> np.ndarray:
            if tensor in results:
                return results[tensor][start:stop]
            width = int(np.prod(self.graph.shapes[tensor]))
            dtype = np.float64 if tensor in as_float else self.dtype(tensor)
            return scratch_array(local.buffers, tensor, stop - start, width, dtype)

        values: dict[str, np.ndarray] = {}
        for name, rows in arrays.items():
            if rows.raw:
                values[name] = buffer(name)
                values[name][...] = rows.array[start:stop]
                continue
            try:
                values[name] = quantize(
                    rows.floats(start, stop),
                    self.tensor_types[name],
                    out=buffer(name),
                )
            except ValueError as error:
                raise ValueError(f"input {name!r}: {error}") from None
        counts: dict[str, dict[str, int]] = {}
        for layers, step in steps:
            step = step if counted else getattr(step, "uncounted", step)
            out = values[layers[-1].output] = buffer(layers[-1].output)
            overflows = step([values[t] for t in layers[0].inputs], out, local.scratch)
            counts[layers[0].name] = {role: int(k) for role, k in overflows.items()}
        return counts

    def dtype(self, tensor: str) -> type:
        """int64 codes, or Python integers for a type wider than int64."""
        return np.int64 if fits_int64(self.tensor_types[tensor]) else object
