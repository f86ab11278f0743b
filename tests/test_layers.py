"""The architecture as the imports draw it: every import points down the layers, and no modules import each other
in a circle. Read from the source (imports inside functions included), not from what happens to be loaded."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "models", "tdkt", "notifications", "tasks", "flows", "web", "benchmarks")
# lower number = lower layer; a module may import its own layer or a lower one
LAYERS = {
    "config": 0,
    "tdkt.common": 1,
    "models": 2,
    "tdkt.workflow": 3,
    "tdkt.documents": 4,
    "notifications": 4,
    "tdkt.services": 5,
    "tasks": 6,
    "flows": 7,
    "tdkt.cli": 8,
    "web": 8,
    "benchmarks": 9,
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _layer(module: str) -> int | None:
    best = max((key for key in LAYERS if module == key or module.startswith(key + ".")), key=len, default=None)
    return LAYERS[best] if best is not None else None


def _imports(module: str, path: Path) -> set[str]:
    """The project's modules that `module` imports (a `from package import name` names the submodule when it
    is one, else the package)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    assert [m for m in MODULES if _layer(m) is None and m != "tdkt"] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module: str) -> None:
    own = _layer(module) if module != "tdkt" else 0
    upward = sorted(name for name in GRAPH[module] if (_layer(name) or 0) > (own or 0))
    assert upward == [], f"{module} (layer {own}) imports a higher layer: {upward}"


def test_config_imports_nothing_of_the_project() -> None:
    assert {m: sorted(i for i in GRAPH[m] if not i.startswith("config")) for m in MODULES
            if m.startswith("config") and any(not i.startswith("config") for i in GRAPH[m])} == {}


def test_no_import_circle() -> None:
    """Tarjan's strongly connected components: any component of more than one module is a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert circles == []


def test_the_graph_is_read_from_the_source() -> None:
    """Known imports are found, a `from package import module` included, so an empty graph cannot pass."""
    assert "tdkt.services" in GRAPH["web.routers.links"] and "tdkt.services.links" in GRAPH["web.routers.links"]
    assert "models.db" in GRAPH["models.audit"]
    assert {"tdkt.workflow.award_rules", "tdkt.workflow.checks"} <= GRAPH["tdkt.workflow"]
