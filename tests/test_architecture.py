"""The package's architecture, checked from its source.

- No import cycles anywhere in ``src/matderiv`` (module-level and function-level
  imports alike; imports under ``if TYPE_CHECKING:`` never run and are left out).
- No function-level import of a matderiv module, except the few listed in
  :data:`LAZY_IMPORTS`, each there because numpy or SymPy is optional on that path.
- ``import matderiv`` imports neither SymPy nor numpy, and every public name resolves.
"""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import matderiv

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "matderiv"

#: Function-level imports of matderiv modules that are allowed: (importer, imported) -> why.
LAZY_IMPORTS: dict[tuple[str, str], str] = {
    ("matderiv.expr._numpy_helpers", "matderiv.errors"): (
        "a helper's text is copied into generated code, which runs without matderiv: the "
        "spectral helpers raise SpectralGapError when matderiv is there, else ValueError"
    ),
    ("matderiv.symbolic.checking", "matderiv.numeric"): (
        "Derivative.check needs numpy; the symbolic path (parse, derive, print) imports "
        "matderiv.symbolic.result, and with it matderiv.symbolic.checking, where numpy "
        "cannot be imported"
    ),
    ("matderiv.symbolic.evaluation", "matderiv.numeric.limits"): (
        "Derivative.evaluate reads the memory budget, a module that imports numpy; same "
        "reason as above"
    ),
    ("matderiv.symbolic.evaluation", "matderiv.symbolic.inputs"): (
        "Derivative.evaluate checks the assumptions on the arrays with numpy; same reason as above"
    ),
    ("matderiv.symbolic.checking", "matderiv.symbolic.inputs"): (
        "Derivative.check draws its random inputs with numpy; same reason as above"
    ),
    ("matderiv.symbolic.checking", "matderiv.sampling"): (
        "Derivative.check projects a symmetric variable with numpy (sampling.symmetrize); "
        "same reason as above"
    ),
    ("matderiv.expr.pycode", "matderiv.expr._numpy_helpers"): (
        "the helpers of generated code are numpy functions, resolved on the first evaluation; "
        "printing numpy source must work without numpy"
    ),
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    in_function: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _walk(other, in_function)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function
        yield from _walk(child, in_function or isinstance(child, _FUNCTIONS))


def _targets(
    node: ast.Import | ast.ImportFrom, importer: str, path: Path, modules: dict[str, Path]
) -> list[str]:
    """The matderiv modules an import statement loads (``from m import sub`` loads m.sub)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name.split(".")[0] == "matderiv"]
    base = node.module or ""
    if node.level:
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    if base.split(".")[0] != "matderiv":
        return []
    out = []
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        out.append(sub if sub in modules else base)
    return out


def _imports() -> list[Import]:
    modules = _modules()
    found = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node, in_function in _walk(tree, in_function=False):
            for target in _targets(node, name, path, modules):
                if target != name:
                    found.append(Import(name, target, node.lineno, in_function))
    return found


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each knot of mutually importing modules."""
    return [_one_cycle(component, edges) for component in _knots(edges)]


def _knots(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components


def _one_cycle(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected component."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(edges.get(node, set()) & members):
                if nxt == start:
                    return [*paths[node], start]
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    raise AssertionError(f"no cycle through {start}")  # unreachable for a real component


def test_the_import_walk_sees_both_kinds_of_import() -> None:
    found = _imports()
    assert any(not i.in_function for i in found)
    assert {i.importer for i in found} >= {"matderiv.cli", "matderiv.symbolic.result"}
    # the walker is a test too: it must find a function-level import where there is one
    tree = ast.parse("def f():\n    from matderiv.expr import nodes\n")
    [(node, in_function)] = list(_walk(tree, in_function=False))
    assert in_function
    assert _targets(node, "matderiv.x", PACKAGE / "x.py", _modules()) == ["matderiv.expr.nodes"]


def test_cycle_finder_names_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert _cycles(edges) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    edges: dict[str, set[str]] = {}
    for imp in _imports():
        edges.setdefault(imp.importer, set()).add(imp.imported)
    knots = _knots(edges)
    assert not knots, "import cycles in src/matderiv:\n" + "\n".join(
        f"  {' -> '.join(_one_cycle(knot, edges))}  (modules importing each other: "
        f"{', '.join(knot)})"
        for knot in knots
    )


def test_no_function_level_imports_of_matderiv() -> None:
    lazy = [i for i in _imports() if i.in_function]
    unexplained = [i for i in lazy if (i.importer, i.imported) not in LAZY_IMPORTS]
    assert not unexplained, (
        "function-level imports of matderiv modules (import them at the top of the module; "
        "a lazy import is only for an optional numpy or SymPy, listed in LAZY_IMPORTS):\n"
        + "\n".join(f"  {i.importer}:{i.line} imports {i.imported}" for i in unexplained)
    )
    stale = set(LAZY_IMPORTS) - {(i.importer, i.imported) for i in lazy}
    assert not stale, f"LAZY_IMPORTS lists imports that no longer exist: {sorted(stale)}"


def _run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_matderiv_loads_neither_sympy_nor_numpy() -> None:
    out = _run_python(
        "import sys, matderiv\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sympy', 'numpy')))"
    )
    assert out.strip() == "[]"


def test_the_public_symbolic_names_work_without_numpy() -> None:
    """Through ``import matderiv`` itself, in a Python where numpy cannot be imported."""
    out = _run_python(
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'numpy':\n"
        "            raise ImportError('numpy is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import matderiv\n"
        "shapes = {'x': ('n',), 'A': ('n', 'n')}\n"
        "print(matderiv.derive('x @ A @ x', 'x', shapes).text())\n"
        "print(matderiv.derive_hessian('x @ A @ x', 'x', shapes).text())\n"
        "print(isinstance(matderiv.derive('x @ x', 'x', shapes), matderiv.Derivative))\n"
        "print('numpy' in sys.modules)\n"
    )
    assert out.split("\n")[:4] == ["(A + A.T) @ x", "A + A.T", "True", "False"]


def test_derive_is_the_function_after_its_subpackage_is_imported() -> None:
    # the engine's subpackage is matderiv.symbolic, so nothing can rebind matderiv.derive
    out = _run_python(
        "import sys, matderiv.symbolic.api, matderiv.rules\n"
        "import matderiv\n"
        "from matderiv import derive\n"
        "assert derive is matderiv.derive is sys.modules['matderiv.symbolic.api'].derive\n"
        "print(derive('x @ x', 'x', {'x': ('n',)}).evaluate(x=[1.0, 2.0]))"
    )
    assert out.strip() == "[2. 4.]"


def test_dir_lists_all_and_every_name_resolves() -> None:
    assert set(matderiv.__all__) <= set(dir(matderiv))
    for name in matderiv.__all__:
        assert getattr(matderiv, name) is not None, name


def test_numeric_differences_are_not_top_level() -> None:
    for name in ("gradient", "jacobian", "hessian", "jvp"):
        assert name not in matderiv.__all__
        with pytest.raises(AttributeError, match=name):
            getattr(matderiv, name)
        assert callable(getattr(matderiv.numeric, name))


def test_the_symbolic_names_are_top_level() -> None:
    derive_module = importlib.import_module("matderiv.symbolic")
    assert matderiv.derive is derive_module.derive
    assert matderiv.derive_hessian is derive_module.derive_hessian
    assert matderiv.Derivative is derive_module.Derivative


def test_type_checkers_see_every_lazy_name() -> None:
    """The ``if TYPE_CHECKING:`` block of ``__init__`` imports exactly the lazy names."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    seen: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                seen |= {alias.asname or alias.name for alias in stmt.names}
    assert seen == set(matderiv._LAZY)
    assert set(matderiv._LAZY) <= set(matderiv.__all__)
