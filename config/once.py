"""Loaders that parse each file once per process, even when many threads ask for it at the same moment.

`functools.lru_cache` lets every thread that misses compute the value: at a web worker's first burst of
approvals its request threads all parsed the same rule-set YAML at once. Here the first caller parses and the
others wait for its result; a hit takes no lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from functools import update_wrapper
from typing import Generic, TypeVar

R = TypeVar("R")


class Once(Generic[R]):
    """A memo of `fn` by its positional arguments, filled under a lock (see the module's docstring)."""

    def __init__(self, fn: Callable[..., R]) -> None:
        self._fn = fn
        self._values: dict[tuple[Hashable, ...], R] = {}
        self._lock = threading.Lock()
        update_wrapper(self, fn)

    def __call__(self, *args: Hashable) -> R:
        try:
            return self._values[args]
        except KeyError:
            pass
        with self._lock:
            if args not in self._values:
                self._values[args] = self._fn(*args)
            return self._values[args]

    def cache_clear(self) -> None:
        """Forget every value (tests and the benchmark change the settings the files are found by)."""
        with self._lock:
            self._values.clear()


def once(fn: Callable[..., R]) -> Once[R]:
    return Once(fn)
