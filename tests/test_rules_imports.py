"""The modules of ``matderiv.rules`` import each other as a DAG, every import at module level.

A cycle hidden behind an import inside a function is still a cycle: the graph counts every
``import`` statement of ``matderiv`` modules wherever it is, and a second test rejects imports
of ``matderiv`` inside functions (outside ``if TYPE_CHECKING:``) altogether.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import matderiv.rules

PACKAGE = Path(matderiv.rules.__file__).resolve().parent
SRC = PACKAGE.parent.parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.glob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, importer: str) -> set[str]:
    """The ``matderiv`` modules an import statement loads (``from pkg import module`` too)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name.startswith("matderiv")}
    base = node.module or ""
    if node.level:  # relative import
        package = (
            importer
            if importer in MODULES and MODULES[importer].name == "__init__.py"
            else importer.rsplit(".", 1)[0]
        )
        for _ in range(node.level - 1):
            package = package.rsplit(".", 1)[0]
        base = f"{package}.{base}" if base else package
    if not base.startswith("matderiv"):
        return set()
    out = set()
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        out.add(candidate if candidate in MODULES else base)
    return out


def _imports(path: Path) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement with whether it is at module level (or in ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append((child, top))
            nested = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            visit(child, top and not nested)

    visit(tree, True)
    return found


def _graph() -> dict[str, set[str]]:
    return {
        name: {t for node, _ in _imports(path) for t in _targets(node, name) if t in MODULES}
        - {name}
        for name, path in MODULES.items()
    }


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of `graph` as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_rules_modules_are_found() -> None:
    assert {"matderiv.rules", "matderiv.rules.model", "matderiv.rules.verify"} <= set(MODULES)


def test_no_import_cycle_among_the_rules_modules() -> None:
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_matderiv_imports_are_at_module_level(name: str) -> None:
    inner = [
        ast.unparse(node)
        for node, top in _imports(MODULES[name])
        if not top and any(t.startswith("matderiv") for t in _targets(node, name))
    ]
    assert not inner, f"{name} imports inside a function: {inner}"


def test_the_cycle_finder_finds_a_cycle() -> None:
    # the checker is tested too: a graph with a cycle behind a DAG part
    graph = {"a": {"b"}, "b": {"c"}, "c": {"b"}, "d": set()}
    assert _cycle(graph) == ["b", "c", "b"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_a_function_level_import_is_seen(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "import os\n\ndef f():\n    from matderiv.rules import loader\n", encoding="utf-8"
    )
    (inner,) = [node for node, top in _imports(path) if not top]
    assert _targets(inner, "matderiv.rules.model") == {"matderiv.rules.loader"}
