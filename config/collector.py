"""The garbage collector of a tdkt process, set for work that loads many ORM rows at once.

CPython collects its youngest generation every 700 new container objects. A batch of transitions loads
tens of thousands (each nomination and nominee is an ORM instance with its state and dictionaries), so it
ran hundreds of collections per batch, and every tenth of those also walked the older generation that
holds Prefect, SQLAlchemy and pydantic. Collecting every 50,000 objects instead, with what was loaded at
start-up (the imported modules) left out of every collection, took about a fifth off the CPU of a chunk's
transitions (README, "Benchmark"), for ~40 MB more peak memory in the 1,000-school benchmark: rows are freed
by reference counting as before, only objects in reference cycles wait longer.
"""

import gc

YOUNG = 50_000  # new container objects between two collections of the youngest generation


def tune() -> None:
    """Apply the settings above to this process (idempotent)."""
    gc.freeze()  # everything alive now (modules, classes, settings) is never scanned again
    gc.set_threshold(YOUNG, 10, 10)
