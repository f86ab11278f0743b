"""Configuration files are parsed once per process, even by many request threads arriving together."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import config.rules
from config.route import default_route
from config.rules import RuleSet, rule_set
from config.settings import CONFIG_DIR, get_settings
from config.yaml_source import ConfigError

THREADS = 16


def test_threads_missing_together_parse_the_rule_set_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[Path] = []
    real = config.rules.load_rules

    def counted(path: Path) -> RuleSet:
        parsed.append(path)
        return real(path)

    monkeypatch.setattr(config.rules, "load_rules", counted)
    rule_set.cache_clear()
    start = threading.Barrier(THREADS)

    def ask(_: int) -> RuleSet:
        start.wait()
        return rule_set("nd91-2017", "")

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(ask, range(THREADS)))
    assert len(parsed) == 1
    assert all(r is results[0] for r in results)
    assert rule_set("nd91-2017", "") is results[0]
    rule_set.cache_clear()
    assert rule_set("nd91-2017", "") is not results[0]
    assert len(parsed) == 2


def test_the_web_app_does_not_start_on_a_broken_route(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from web.app import create_app

    broken = tmp_path / "route.yaml"
    broken.write_text((CONFIG_DIR / "route.yaml").read_text(encoding="utf-8").replace("start:", "begin:", 1),
                      encoding="utf-8")
    monkeypatch.setenv("TDKT_ROUTE_FILE", str(broken))
    get_settings.cache_clear()
    default_route.cache_clear()
    try:
        with pytest.raises(ConfigError) as raised:
            create_app()
        assert "route.yaml" in str(raised.value)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        default_route.cache_clear()
