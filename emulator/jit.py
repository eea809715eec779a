"""numba compilation for the emulator, with an on-disk cache that any emulator change invalidates.

numba keys a cached function on its own source file only, so a kernel that inlines the
primitives of another file would keep stale machine code after that file changed. Kernels
compiled with :func:`kernel` are keyed on a hash of every emulator source instead.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from numba import njit

from hlsfx.emulator import twins

__all__ = ["Kernel", "kernel"]

_HERE = Path(__file__).resolve().parent


def _sources_stamp() -> str:
    digest = hashlib.sha256()
    for path in sorted(_HERE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _install_locator() -> bool:
    try:
        from numba.core import caching, config

        registry = caching.CacheImpl._locator_classes
        base = caching.UserWideCacheLocator
    except (ImportError, AttributeError):  # a numba without this extension point: no cache
        return False
    stamp = _sources_stamp()

    class EmulatorCacheLocator(base):
        def __init__(self, py_func, py_file):
            super().__init__(py_func, py_file)
            if config.CACHE_DIR:  # NUMBA_CACHE_DIR, honoured as numba's own locators do
                subpath = self.get_suitable_cache_subpath(py_file)
                self._cache_path = os.path.join(config.CACHE_DIR, subpath)

        @classmethod
        def from_function(cls, py_func, py_file):
            if Path(py_file).resolve().parent != _HERE:
                return None
            return super().from_function(py_func, py_file)

        def get_source_stamp(self):
            return stamp

    registry.insert(0, EmulatorCacheLocator)
    return True


_CACHE = _install_locator()


def kernel(function=None, *, parallel: bool = False, finite: bool = False):
    """``numba.njit`` for an emulator kernel, releasing the GIL and cached on disk when numba
    allows it safely.

    ``parallel`` pays a thread wake-up per call, worth it only for large arrays; parallel
    kernels are not cached, as numba's cached parallel code runs slower (numba issue 8085;
    measured here: 72 against 100 M values/s for ``quantize``). ``finite`` lets LLVM assume no
    NaN or infinity (so min/max vectorise); only for kernels whose floats are exact integers.
    """
    fastmath = {"nnan", "ninf"} if finite else False
    jit = njit(cache=_CACHE and not parallel, parallel=parallel, nogil=True, fastmath=fastmath)

    def decorate(function):
        return Kernel(jit(function))

    return decorate if function is None else decorate(function)


class Kernel:
    """A compiled kernel that runs its exact twin (:mod:`hlsfx.emulator.twins`) instead while
    the calling thread emulates a layer too wide for int64."""

    def __init__(self, dispatcher) -> None:
        self.dispatcher = dispatcher
        self.__doc__ = dispatcher.__doc__
        self.__name__ = dispatcher.__name__

    def __call__(self, *args):
        if not twins.exact_active():
            return self.dispatcher(*args)
        # the twin reads Python integers: int64 arrays go in as copies, and come back
        exact = [twins.as_exact(a) for a in args]
        result = twins.twin(self)(*exact)
        for given, used in zip(args, exact, strict=True):
            if used is not given and isinstance(given, np.ndarray) and given.flags.writeable:
                given[...] = used
        return result
