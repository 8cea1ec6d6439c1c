"""Code data: printed source parses back to the same tree; the callable computes what numpy does."""

from __future__ import annotations

import ast
from typing import Any

import numpy as np
import pytest

from matderiv.expr.pycode import (
    ATOM,
    Attr,
    BinOp,
    Call,
    Code,
    Const,
    Index,
    Method,
    Name,
    Neg,
    Slot,
    compile_code,
    source,
)

_OPS: dict[type, Any] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.MatMult: "@",
    ast.Pow: "**",
}


def _from_ast(node: ast.AST) -> Code:
    """Python's reading of the printed text, as code data (the oracle for parentheses)."""
    if isinstance(node, ast.Name):
        return Name(node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
        return Const(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _from_ast(node.operand)
        if isinstance(inner, Const) and not isinstance(inner.value, str):
            return Const(-inner.value)
        return Neg(inner)
    if isinstance(node, ast.BinOp):
        return BinOp(_OPS[type(node.op)], _from_ast(node.left), _from_ast(node.right))
    if isinstance(node, ast.Attribute):
        return Attr(_from_ast(node.value), node.attr)
    if isinstance(node, ast.Call):
        func = ast.unparse(node.func)
        return Call(func, tuple(_from_ast(a) for a in node.args))
    raise AssertionError(f"unexpected syntax {ast.dump(node)}")


def _random_tree(rng: np.random.Generator, depth: int) -> Code:
    if depth == 0:
        return Name(str(rng.choice(["a", "b", "c"])))
    kind = rng.integers(0, 5)
    if kind == 0:
        return Neg(_random_tree(rng, depth - 1))
    if kind == 1:
        return Call("np.exp", (_random_tree(rng, depth - 1),))
    if kind == 2:
        return Attr(_random_tree(rng, depth - 1), "T")
    op = str(rng.choice(list(_OPS.values())))
    return BinOp(op, _random_tree(rng, depth - 1), _random_tree(rng, depth - 1))  # type: ignore[arg-type]


def _normal(code: Code) -> Code:
    """``a + -b`` is printed ``a - b`` (the same IEEE number): compare in that form."""
    if isinstance(code, BinOp):
        left, right = _normal(code.left), _normal(code.right)
        if code.op == "+" and isinstance(right, Neg):
            return BinOp("-", left, right.arg)
        return BinOp(code.op, left, right)
    if isinstance(code, Neg):
        return Neg(_normal(code.arg))
    if isinstance(code, Attr):
        return Attr(_normal(code.obj), code.name)
    if isinstance(code, Call):
        return Call(code.func, tuple(_normal(a) for a in code.args))
    return code


@pytest.mark.parametrize("seed", range(200))
def test_printed_source_parses_to_the_same_tree(seed: int) -> None:
    tree = _random_tree(np.random.default_rng(seed), 4)
    text = source(tree, [])[0]
    assert _from_ast(ast.parse(text, mode="eval").body) == _normal(tree), text


def test_slots_carry_their_precedence() -> None:
    code = BinOp("*", Slot(0), Slot(1))
    assert source(code, [("a + b", 50), ("c", ATOM)])[0] == "(a + b) * c"


def test_the_callable_computes_what_the_source_says() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 1))
    code = BinOp(
        "-",
        BinOp("@", Call("np.linalg.inv", (Slot(0),)), Slot(1)),
        BinOp("**", Method(Attr(Slot(0), "T"), "sum", (), (("axis", Const(1)),)), Const(2)),
    )
    text = source(code, [("a", ATOM), ("b", ATOM)])[0]
    assert text == "np.linalg.inv(a) @ b - a.T.sum(axis=1) ** 2"
    want = np.linalg.inv(a) @ b - a.T.sum(axis=1) ** 2
    np.testing.assert_allclose(compile_code(code)([a, b], int), want)
    first = compile_code(Index(Call("np.linalg.slogdet", (Slot(0),)), (1,)))
    assert first([a + 3 * np.eye(3)], int) == pytest.approx(np.linalg.slogdet(a + 3 * np.eye(3))[1])
