"""The route file: validated at start-up with errors naming the line; load → dump → load is stable."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.route import Route, load_route
from config.settings import CONFIG_DIR
from config.yaml_source import ConfigError
from tdkt.workflow.checks import CHECKS

ROUTE = CONFIG_DIR / "route.yaml"


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = ROUTE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "route.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_default_route_is_valid() -> None:
    route = load_route(ROUTE)
    assert route.start == "school_vote"
    assert route.submission() == ("school_vote", "submit")
    assert route.block_step() == ("block_aggregation", "forward")
    assert route.decision_step() == ("awaiting_decision", "decide")


def test_round_trip(tmp_path: Path) -> None:
    route = load_route(ROUTE)
    dumped = tmp_path / "route.yaml"
    dumped.write_text(yaml.safe_dump(route.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    assert load_route(dumped) == route


def test_action_leading_to_an_unknown_stage_names_its_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, "to: noivu_verification", "to: noivu_verfication")
    with pytest.raises(ConfigError) as error:
        load_route(path)
    line = _line_of(path, "to: noivu_verfication")
    assert error.value.problems == [
        f"route.yaml, dòng {line} (stages.phong_review.actions.approve.to): hành động dẫn tới bước "
        "'noivu_verfication' không tồn tại"
    ]


def test_unknown_start_stage_and_unregistered_check(tmp_path: Path) -> None:
    path = _broken(tmp_path, "start: school_vote", "start: school")
    text = path.read_text(encoding="utf-8").replace("checks: [block_complete, award_rules]", "checks: [all_good]")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_route(path, CHECKS)
    text = "\n".join(error.value.problems)
    assert f"dòng {_line_of(path, 'start: school')} (start)" in text
    assert f"dòng {_line_of(path, 'checks: [all_good]')}" in text and "'all_good' chưa được đăng ký" in text


def test_stage_from_which_no_end_is_reachable(tmp_path: Path) -> None:
    path = _broken(tmp_path, "to: decided", "to: awaiting_decision")
    with pytest.raises(ConfigError) as error:
        load_route(path)
    assert any("awaiting_decision" in p and "không thể đi tới bước kết thúc" in p for p in error.value.problems)
    assert any(f"dòng {_line_of(path, '  awaiting_decision:')}" in p for p in error.value.problems)


def test_unknown_field_and_bad_value(tmp_path: Path) -> None:
    path = _broken(tmp_path, "school_submission, late: refuse", "school_submission, late: sometimes")
    with pytest.raises(ConfigError) as error:
        load_route(path)
    assert error.value.problems[0].startswith(f"route.yaml, dòng {_line_of(path, 'late: sometimes')}")


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, "roles:\n", "roles: [\n")
    with pytest.raises(ConfigError) as error:
        load_route(path)
    assert "YAML sai cú pháp" in error.value.problems[0] and "dòng" in error.value.problems[0]


def test_undeclared_role(tmp_path: Path) -> None:
    path = _broken(tmp_path, "roles: [chairman]", "roles: [chair]")
    with pytest.raises(ConfigError) as error:
        load_route(path)
    assert "vai trò 'chair' chưa được khai báo" in error.value.problems[0]


def test_route_models_forbid_stray_keys() -> None:
    with pytest.raises(ValueError):
        Route.model_validate({"name": "x", "label": "x", "start": "a", "roles": {"r": "R"}, "stages": {}, "extra": 1})
