"""SymPy node types the expression language needs beyond SymPy's own.

SymPy's matrix expressions cover ``+``, ``@``, ``.T``, ``inv``, ``trace``,
``det``, Hadamard products and powers.  The language also has elementwise
functions, sums, norms, ``logdet``, ``softmax`` and ``logsumexp``, and the
engine needs ``vec`` and the commutation matrix.  Each is one small class
here; how each is parsed, printed, computed and differentiated is its
primitive's stanza (:mod:`matderiv.expr.primitive`, :mod:`matderiv.expr.primitives`).

Internal representation (decided once):

* a user scalar is a SymPy scalar expression (a real :class:`~sympy.Symbol`
  for a scalar variable);
* a user vector of shape ``(n,)`` is an ``(n, 1)`` matrix expression;
* a ``1 x 1`` matrix product that numpy would return as a scalar is wrapped
  in :class:`ScalarOf`;
* dimension names are positive integer :class:`~sympy.Symbol` objects.

Examples
--------
>>> import sympy as sp
>>> n = sp.Symbol("n", integer=True, positive=True)
>>> x = sp.MatrixSymbol("x", n, 1)
>>> Elementwise("tanh", x).shape
(n, 1)
>>> print(ScalarOf(x.T * x))
x.T*x
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.symbol import Str
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from matderiv.expr import _sympy_shapes

_sympy_shapes.install()  # products nested k deep are sized in k steps, not 2^k

__all__ = [
    "Commutation",
    "Diag",
    "Diagonal",
    "Elementwise",
    "LogDet",
    "LogSoftmax",
    "LogSumExp",
    "Maximum",
    "Norm",
    "ScalarOf",
    "Softmax",
    "Solve",
    "SumAll",
    "Vec",
]


def _matrix(arg: Any, what: str) -> sp.MatrixExpr:
    arg = sp.sympify(arg)
    if not isinstance(arg, sp.MatrixExpr):
        raise TypeError(f"{what} needs a matrix expression, got {arg!r}")
    return arg


class Elementwise(sp.MatrixExpr):  # type: ignore[misc]
    """A scalar function applied to every entry: ``Elementwise("exp", Z)``.

    The function is named by a key of
    :data:`matderiv.expr.functions.ELEMENTWISE`.
    """

    def __new__(cls, name: str | Str, arg: Any) -> Elementwise:
        name = Str(str(name))
        return super().__new__(cls, name, _matrix(arg, "an elementwise function"))  # type: ignore[no-any-return]

    @property
    def name(self) -> str:
        """The function's name, for example ``"tanh"``."""
        return str(self.args[0])

    @property
    def arg(self) -> sp.MatrixExpr:
        """The matrix the function is applied to."""
        return self.args[1]

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape  # type: ignore[no-any-return]

    def _sympystr(self, printer: Any) -> str:
        return f"{self.name}({printer._print(self.arg)})"


class Vec(sp.MatrixExpr):  # type: ignore[misc]
    """Column-major vectorisation: stacks the columns of a matrix."""

    def __new__(cls, arg: Any) -> Vec:
        return super().__new__(cls, _matrix(arg, "vec"))  # type: ignore[no-any-return]

    @property
    def arg(self) -> sp.MatrixExpr:
        """The vectorised matrix."""
        return self.args[0]

    @property
    def shape(self) -> tuple[Any, Any]:
        rows, cols = self.args[0].shape
        return (rows * cols, sp.Integer(1))

    def _sympystr(self, printer: Any) -> str:
        return f"vec({printer._print(self.arg)})"


class Commutation(sp.MatrixExpr):  # type: ignore[misc]
    """The commutation matrix ``commutation(m, n)``: ``K vec(X) = vec(X.T)`` for X (m, n)."""

    def __new__(cls, m: Any, n: Any) -> Commutation:
        return super().__new__(cls, sp.sympify(m), sp.sympify(n))  # type: ignore[no-any-return]

    @property
    def shape(self) -> tuple[Any, Any]:
        m, n = self.args
        return (m * n, m * n)

    def _sympystr(self, printer: Any) -> str:
        m, n = self.args
        return f"commutation({printer._print(m)}, {printer._print(n)})"


class _ScalarNode(sp.Expr):  # type: ignore[misc]
    """A scalar-valued function of one matrix expression."""

    is_commutative = True
    is_real = True
    label = ""

    def __new__(cls, arg: Any) -> _ScalarNode:
        return super().__new__(cls, _matrix(arg, cls.label or cls.__name__))  # type: ignore[no-any-return]

    @property
    def arg(self) -> sp.MatrixExpr:
        """The matrix argument."""
        return self.args[0]

    def _eval_derivative(self, s: Any) -> Any:  # SymPy's own diff: we do not pretend
        raise NotImplementedError(f"use matderiv.derive for {self.label}")

    def _sympystr(self, printer: Any) -> str:
        return f"{self.label}({printer._print(self.arg)})"


class ScalarOf(_ScalarNode):
    """The single entry of a 1 x 1 matrix expression (numpy's scalar ``x @ y``)."""

    label = "scalar"

    def __new__(cls, arg: Any) -> ScalarOf:
        arg = _matrix(arg, "scalar")
        if tuple(arg.shape) != (1, 1):
            raise TypeError(f"ScalarOf needs a 1 x 1 matrix expression, got shape {arg.shape}")
        return sp.Expr.__new__(cls, arg)  # type: ignore[no-any-return]

    def _sympystr(self, printer: Any) -> str:
        return str(printer._print(self.arg))


class SumAll(_ScalarNode):
    """The sum of all entries (numpy's ``sum(X)``)."""

    label = "sum"


class Norm(_ScalarNode):
    """The Euclidean norm of a vector or the Frobenius norm of a matrix."""

    label = "norm"


class LogDet(_ScalarNode):
    """``log |det X|`` (numpy's ``slogdet(X)[1]``)."""

    label = "logdet"


class LogSumExp(_ScalarNode):
    """``log(sum(exp(X)))`` over all entries."""

    label = "logsumexp"


class _MatrixNode(sp.MatrixExpr):  # type: ignore[misc]
    """A matrix-valued function of one matrix expression, of its argument's shape.

    A subclass names its function in ``label`` and overrides ``shape`` when it differs.
    """

    label = ""

    def __new__(cls, arg: Any) -> Any:
        return super().__new__(cls, _matrix(arg, cls.label or cls.__name__))

    @property
    def arg(self) -> sp.MatrixExpr:
        """The argument."""
        return self.args[0]

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape  # type: ignore[no-any-return]

    def _sympystr(self, printer: Any) -> str:
        return f"{self.label}({printer._print(self.arg)})"


class Softmax(_MatrixNode):
    """``exp(x) / sum(exp(x))`` of a vector."""

    label = "softmax"


class LogSoftmax(_MatrixNode):
    """``x - logsumexp(x)`` of a vector: the logarithm of :class:`Softmax`, computed stably."""

    label = "log_softmax"


class Diag(DiagMatrix):  # type: ignore[misc]
    """``diag(v)``: the square matrix with the vector v on its diagonal.

    SymPy's ``DiagMatrix`` with a ``doit`` that does not call the (slow)
    assumption system.
    """

    def doit(self, **hints: Any) -> Any:
        arg = self.args[0]
        if hints.get("deep", True):
            arg = arg.doit(**hints)
        return Diag(arg)


class Diagonal(DiagonalOf):  # type: ignore[misc]
    """``diag(X)``: the diagonal of a square matrix, as a column."""

    def doit(self, **hints: Any) -> Any:
        arg = self.args[0]
        if hints.get("deep", True):
            arg = arg.doit(**hints)
        return Diagonal(arg)


class Solve(sp.MatrixExpr):  # type: ignore[misc]
    """``solve(A, B)``: the X with ``A X = B`` (``A⁻¹ B``, computed without the inverse)."""

    def __new__(cls, a: Any, b: Any) -> Solve:
        a, b = _matrix(a, "solve"), _matrix(b, "solve")
        return super().__new__(cls, a, b)  # type: ignore[no-any-return]

    @property
    def shape(self) -> tuple[Any, Any]:
        return (self.args[0].shape[1], self.args[1].shape[1])

    def _sympystr(self, printer: Any) -> str:
        return f"solve({printer._print(self.args[0])}, {printer._print(self.args[1])})"


class Maximum(sp.MatrixExpr):  # type: ignore[misc]
    """``maximum(A, B)``: the entrywise maximum of two arrays of one shape."""

    def __new__(cls, a: Any, b: Any) -> Maximum:
        a, b = _matrix(a, "maximum"), _matrix(b, "maximum")
        if tuple(a.shape) != tuple(b.shape):
            raise TypeError(f"maximum needs two arrays of one shape, got {a.shape} and {b.shape}")
        return super().__new__(cls, a, b)  # type: ignore[no-any-return]

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape  # type: ignore[no-any-return]

    def _sympystr(self, printer: Any) -> str:
        return f"maximum({printer._print(self.args[0])}, {printer._print(self.args[1])})"
