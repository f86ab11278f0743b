"""An uploaded YAML file (a plan, a certificate's positions) read as its schema, or refused in Vietnamese."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from config.yaml_source import ConfigError, load_text
from tdkt.common.errors import Refused

M = TypeVar("M", bound=BaseModel)


def read_yaml(content: bytes, filename: str, model: type[M], semantic: Any = None, *, what: str) -> M:
    """The file as `model`; Refused when it is not UTF-8, or naming each wrong field with its line."""
    try:
        return load_text(content.decode("utf-8-sig"), Path(filename), model, semantic)
    except UnicodeDecodeError as exc:
        raise Refused("bad_file", f"Tệp {filename} không phải văn bản UTF-8: hãy lưu lại dạng UTF-8.") from exc
    except ConfigError as exc:
        raise Refused("bad_file", f"{what} có lỗi:\n" + "\n".join(exc.problems)) from exc
