"""Each kind of tdkt process (the web app's workers; whatever runs flows: Prefect workers, the scheduler, the
CLI) sets its garbage collector for ORM work when it loads, checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config.collector import YOUNG

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["web.app", "flows.submission"])
def test_a_process_that_loads_tdkt_collects_young_objects_in_large_batches(module: str) -> None:
    code = f"import gc, {module}; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(YOUNG), "True"]
