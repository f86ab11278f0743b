"""Load YAML keeping node positions, so a config error can name the file and line it comes from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """A config file is invalid; `problems` are Vietnamese lines such as "route.yaml, dòng 12: …"."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"Cấu hình không hợp lệ ({path.name}):\n" + "\n".join(f"  - {p}" for p in problems))


def _line_of(node: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """Walk the composed node tree along `loc`; return the 1-based line of the deepest node reached."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                break
            key, node = match
            line = key.start_mark.line + 1  # a stage is named on its key's line, not its first field's
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _describe(path: Path, root: yaml.Node | None, loc: Sequence[str | int], message: str) -> str:
    where = ".".join(str(p) for p in loc)
    line = _line_of(root, loc)
    prefix = f"{path.name}, dòng {line}" if line else path.name
    return f"{prefix} ({where}): {message}" if where else f"{prefix}: {message}"


_PYDANTIC_VI = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép",
    "literal_error": "giá trị không thuộc danh sách cho phép",
    "enum": "giá trị không thuộc danh sách cho phép",
    "date_from_datetime_parsing": "không phải ngày hợp lệ (ghi dạng 2026-09-05)",
    "date_parsing": "không phải ngày hợp lệ (ghi dạng 2026-09-05)",
    "date_type": "không phải ngày hợp lệ (ghi dạng 2026-09-05)",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "string_type": "phải là chữ",
    "list_type": "phải là một danh sách",
    "dict_type": "phải là một bảng (tên: giá trị)",
    "model_type": "phải là một bảng (tên: giá trị)",
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải từ {ge} trở lên",
    "less_than_equal": "phải không quá {le}",
    "too_short": "cần ít nhất {min_length} phần tử",
}


def _vietnamese(err: Any) -> str:
    text = _PYDANTIC_VI.get(err["type"])
    return text.format(**(err.get("ctx") or {})) if text else str(err["msg"])


def load_model(path: Path, model: type[M], semantic: Any = None) -> M:
    """Parse `path` into `model`; then run `semantic(model) -> [(loc, message)]`. Errors name lines."""
    return load_text(path.read_text(encoding="utf-8"), path, model, semantic)


def load_text(text: str, path: Path, model: type[M], semantic: Any = None) -> M:
    """`load_model` of text already read (an uploaded file); `path` names it in the errors."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", dòng {mark.line + 1}" if mark else ""
        raise ConfigError(path, [f"{path.name}{line}: YAML sai cú pháp ({getattr(exc, 'problem', exc)})"]) from exc
    try:
        parsed = model.model_validate(data or {})
    except ValidationError as exc:
        problems = [_describe(path, root, err["loc"], _vietnamese(err)) for err in exc.errors()]
        raise ConfigError(path, problems) from exc
    found: Iterable[tuple[Sequence[str | int], str]] = semantic(parsed) if semantic else ()
    problems = [_describe(path, root, loc, message) for loc, message in found]
    if problems:
        raise ConfigError(path, problems)
    return parsed
