"""A battery of derivative problems, one per line: the engine's test and benchmark set.

Each problem is (expression, wrt, shapes, assume, kind); ``kind`` names the
pair of kinds or ``"hessian"``.  ``tests/test_derive_battery.py`` verifies every problem
numerically, ``benchmarks/bench_derive.py`` times them, and the book's SymPy comparison
(``docs/conventions/sympy-comparison.md``) runs them through SymPy.  Not part of the installed
package: pytest finds it through ``pythonpath`` in ``pyproject.toml``, the benchmark and the
book page through the path of this folder.

Examples
--------
>>> len(PROBLEMS) >= 45
True
>>> PROBLEMS[1].id
'scalar-by-vector: d(x.T @ A @ x)/dx'
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["PROBLEMS", "Problem"]


class Problem(NamedTuple):
    """One problem: differentiate `expr` with respect to `wrt`."""

    expr: str
    wrt: str
    shapes: dict[str, Any]
    assume: dict[str, Any] | None
    kind: str

    @property
    def id(self) -> str:
        """A readable identifier (used as the pytest id)."""
        extra = f" [{','.join(f'{k}={v}' for k, v in self.assume.items())}]" if self.assume else ""
        return f"{self.kind}: d({self.expr})/d{self.wrt}{extra}"


V = {"x": ("n",), "a": ("n",), "b": ("n",), "A": ("n", "n"), "c": ()}
M = {"X": ("n", "n"), "A": ("n", "n"), "B": ("n", "n"), "a": ("n",), "b": ("n",), "c": ()}
R = {"X": ("m", "n"), "w": ("n",), "y": ("m",), "A": ("m", "m"), "B": ("n", "n")}
NET = {"u": ("m",), "W": ("m", "n"), "x": ("n",), "b": ("m",)}
LS = {"Y": ("m", "k"), "X": ("m", "n"), "T": ("n", "k")}
SYM = {"A": "symmetric"}
SPD_X = {"X": "spd"}
INV_X = {"X": "invertible"}

PROBLEMS: list[Problem] = [
    # scalar by vector
    Problem("a @ x", "x", V, None, "scalar-by-vector"),
    Problem("x.T @ A @ x", "x", V, None, "scalar-by-vector"),
    Problem("x.T @ A @ x", "x", V, SYM, "scalar-by-vector"),
    Problem("x @ x", "x", V, None, "scalar-by-vector"),
    Problem("norm(x)", "x", V, None, "scalar-by-vector"),
    Problem("norm(A @ x - b) ** 2", "x", V, None, "scalar-by-vector"),
    Problem("sum(np.exp(x))", "x", V, None, "scalar-by-vector"),
    Problem("logsumexp(x)", "x", V, None, "scalar-by-vector"),
    Problem("sum(np.log(x))", "x", V, {"x": "positive"}, "scalar-by-vector"),
    Problem("sum(softplus(X @ w)) - y @ X @ w", "w", R, None, "scalar-by-vector"),
    Problem("sum(np.log(1 + np.exp(-y * (X @ w))))", "w", R, None, "scalar-by-vector"),
    Problem("u.T @ np.tanh(W @ x + b)", "x", NET, None, "scalar-by-vector"),
    Problem("u.T @ np.tanh(W @ x + b)", "b", NET, None, "scalar-by-vector"),
    Problem("a @ softmax(x)", "x", V, None, "scalar-by-vector"),
    Problem("(x @ x) / (1 + a @ x * (a @ x))", "x", V, None, "scalar-by-vector"),
    Problem("x @ inv(A) @ x", "x", V, None, "scalar-by-vector"),
    # scalar by matrix
    Problem("trace(X)", "X", M, None, "scalar-by-matrix"),
    Problem("trace(A @ X)", "X", M, None, "scalar-by-matrix"),
    Problem("trace(X.T @ A @ X)", "X", M, None, "scalar-by-matrix"),
    Problem("trace(X @ X)", "X", M, None, "scalar-by-matrix"),
    Problem("det(X)", "X", M, None, "scalar-by-matrix"),
    Problem("logdet(X)", "X", M, None, "scalar-by-matrix"),
    Problem("logdet(X)", "X", M, SPD_X, "scalar-by-matrix"),
    Problem("np.linalg.slogdet(X)[1]", "X", M, None, "scalar-by-matrix"),
    Problem("trace(inv(X))", "X", M, INV_X, "scalar-by-matrix"),
    Problem("a @ X @ b", "X", M, None, "scalar-by-matrix"),
    Problem("a @ inv(X) @ b", "X", M, INV_X, "scalar-by-matrix"),
    Problem("norm(X)", "X", M, None, "scalar-by-matrix"),
    Problem("sum(X * X)", "X", M, None, "scalar-by-matrix"),
    Problem("sum(np.exp(X))", "X", M, None, "scalar-by-matrix"),
    Problem("trace(matrix_power(X, 3))", "X", M, None, "scalar-by-matrix"),
    Problem("det(X) * trace(A @ X)", "X", M, None, "scalar-by-matrix"),
    Problem("trace((Y - X @ T).T @ (Y - X @ T))", "T", LS, None, "scalar-by-matrix"),
    Problem("u.T @ np.tanh(W @ x + b)", "W", NET, None, "scalar-by-matrix"),
    Problem("sum(sigmoid(A @ X) * B)", "X", M, None, "scalar-by-matrix"),
    Problem("logsumexp(X)", "X", M, None, "scalar-by-matrix"),
    # vector by vector
    Problem("A @ x", "x", V, None, "vector-by-vector"),
    Problem("np.tanh(W @ x + b)", "x", NET, None, "vector-by-vector"),
    Problem("softmax(x)", "x", V, None, "vector-by-vector"),
    Problem("x * x", "x", V, None, "vector-by-vector"),
    Problem("np.maximum(A @ x, 0)", "x", V, None, "vector-by-vector"),
    Problem("diag(x) @ A @ x", "x", V, None, "vector-by-vector"),
    Problem("x * (x @ x)", "x", V, None, "vector-by-vector"),
    Problem("sigmoid(x) / (1 + x ** 2)", "x", V, None, "vector-by-vector"),
    # vector by scalar
    Problem("c * x", "c", V, None, "vector-by-scalar"),
    Problem("np.exp(c * x)", "c", V, None, "vector-by-scalar"),
    Problem("np.sin(c) * x + c ** 2 * a", "c", V, None, "vector-by-scalar"),
    Problem(
        "inv(A + c * eye(n)) @ b", "c", {**V, "A": ("n", "n")}, {"A": "spd"}, "vector-by-scalar"
    ),
    # matrix by scalar
    Problem("c * A", "c", M, None, "matrix-by-scalar"),
    Problem("np.exp(c) * A + c * c * B", "c", M, None, "matrix-by-scalar"),
    Problem("inv(A + c * eye(n))", "c", M, {"A": "spd"}, "matrix-by-scalar"),
    Problem("matrix_power(A + c * eye(n), 3)", "c", M, None, "matrix-by-scalar"),
    # scalar by scalar
    Problem("c ** 3 * np.exp(c) + np.sin(c)", "c", V, None, "scalar-by-scalar"),
    # vector by matrix
    Problem("X @ w", "X", R, None, "vector-by-matrix"),
    Problem("np.tanh(W @ x + b)", "W", NET, None, "vector-by-matrix"),
    # matrix by vector
    Problem("outer(x, x)", "x", V, None, "matrix-by-vector"),
    # matrix by matrix
    Problem("X @ X", "X", M, None, "matrix-by-matrix"),
    Problem("inv(X)", "X", M, INV_X, "matrix-by-matrix"),
    Problem("X.T", "X", M, None, "matrix-by-matrix"),
    Problem("A @ X @ B", "X", M, None, "matrix-by-matrix"),
    Problem("X * X", "X", M, None, "matrix-by-matrix"),
    Problem("X.T @ X", "X", R, None, "matrix-by-matrix"),
    Problem("np.exp(X)", "X", M, None, "matrix-by-matrix"),
    Problem("matrix_power(X, 3)", "X", M, None, "matrix-by-matrix"),
    Problem("X @ B @ X.T", "X", R, None, "matrix-by-matrix"),
    Problem("A @ X * X", "X", M, None, "matrix-by-matrix"),
    # Hessians
    Problem("logsumexp(x)", "x", V, None, "hessian"),
    Problem("x.T @ A @ x", "x", V, None, "hessian"),
    Problem("norm(A @ x - b) ** 2", "x", V, None, "hessian"),
    Problem("sum(softplus(X @ w)) - y @ X @ w", "w", R, None, "hessian"),
    Problem("sum(np.exp(x)) + (a @ x) ** 3", "x", V, None, "hessian"),
    Problem("logdet(X)", "X", M, INV_X, "hessian"),
    Problem("trace(X.T @ A @ X)", "X", M, None, "hessian"),
    Problem("c ** 3 * np.exp(c)", "c", V, None, "hessian"),
]
