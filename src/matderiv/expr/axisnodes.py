"""Node types for broadcasting and for reductions along one axis of a matrix.

Internally a 1-D vector is an ``(n, 1)`` column (:mod:`matderiv.expr.nodes`).
Broadcasting and axis-wise reductions are written with four node types, whose
stanzas are in :mod:`matderiv.expr.primitives.reductions`:

=====================================  ==========  =================================
node                                   shape       entry ``(i, j)`` / ``k``
=====================================  ==========  =================================
``Broadcast(v, m, n, 0)`` (v: (n, 1))  ``(m, n)``  ``v[j]`` (numpy's ``X + v``)
``Broadcast(v, m, n, 1)`` (v: (m, 1))  ``(m, n)``  ``v[i]`` (numpy's ``X + v[:, None]``)
``AxisSum(X, 0)`` (X: (m, n))          ``(n, 1)``  ``sum_i X[i, k]``
``AxisSum(X, 1)``                      ``(m, 1)``  ``sum_j X[k, j]``
``AxisLogSumExp(X, axis)``             as above    ``log sum exp`` along the axis
``AxisSoftmax(X, axis)``               ``(m, n)``  ``exp(X) / sum(exp(X), axis)``
``AxisLogSoftmax(X, axis)``            ``(m, n)``  ``X - logsumexp(X, axis)``
``SoftmaxJacobian(V, S, log)``         as ``V``    the softmax's Jacobian applied to V
=====================================  ==========  =================================

``Broadcast(v, m, n, axis)`` repeats the column ``v`` along ``axis``: it is the
adjoint of ``AxisSum(·, axis)``.  This module imports nothing of the reader, so
the reader's operators can build these nodes.

Examples
--------
>>> import sympy as sp
>>> m, n = sp.symbols("m n", integer=True, positive=True)
>>> b = sp.MatrixSymbol("b", n, 1)
>>> Broadcast(b, m, n, 0).shape
(m, n)
>>> AxisSum(sp.MatrixSymbol("X", m, n), 1).shape
(m, 1)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = [
    "AxisLogSoftmax",
    "AxisLogSumExp",
    "AxisSoftmax",
    "AxisSum",
    "Broadcast",
    "SoftmaxJacobian",
    "broadcast",
]


def _axis(axis: Any) -> sp.Integer:
    axis = sp.Integer(axis)
    if axis not in (0, 1):
        raise ValueError(f"the axis of a matrix is 0 or 1, got {axis}")
    return axis


class Broadcast(sp.MatrixExpr):  # type: ignore[misc]
    """The column ``v`` repeated along `axis` into an ``(m, n)`` matrix.

    ``axis=0``: every row is ``vᵀ`` (v has n entries); ``axis=1``: every column
    is ``v`` (v has m entries).
    """

    def __new__(cls, arg: Any, rows: Any, cols: Any, axis: Any) -> Broadcast:
        arg = sp.sympify(arg)
        axis = _axis(axis)
        rows, cols = sp.sympify(rows), sp.sympify(cols)
        length = cols if axis == 0 else rows
        if not isinstance(arg, sp.MatrixExpr) or tuple(arg.shape) != (length, 1):
            raise TypeError(f"Broadcast along axis {axis} needs a ({length}, 1) column, got {arg}")
        return super().__new__(cls, arg, rows, cols, axis)  # type: ignore[no-any-return]

    @property
    def arg(self) -> sp.MatrixExpr:
        """The repeated column."""
        return self.args[0]

    @property
    def axis(self) -> int:
        """The axis along which the column is repeated."""
        return int(self.args[3])

    @property
    def shape(self) -> tuple[Any, Any]:
        return (self.args[1], self.args[2])

    def _eval_transpose(self) -> Broadcast:
        # every row vᵀ, transposed, is every column v
        rows, cols = self.shape
        return Broadcast(self.arg, cols, rows, 1 - self.axis)

    def _sympystr(self, printer: Any) -> str:
        return f"broadcast({printer._print(self.arg)}, axis={self.axis})"


class _AlongAxis(sp.MatrixExpr):  # type: ignore[misc]
    """A function of a matrix along one axis (0: down the columns, 1: along the rows)."""

    label = ""

    def __new__(cls, arg: Any, axis: Any) -> _AlongAxis:
        arg = sp.sympify(arg)
        if not isinstance(arg, sp.MatrixExpr):
            raise TypeError(f"{cls.label} needs a matrix expression, got {arg!r}")
        return super().__new__(cls, arg, _axis(axis))  # type: ignore[no-any-return]

    @property
    def arg(self) -> sp.MatrixExpr:
        """The matrix argument."""
        return self.args[0]

    @property
    def axis(self) -> int:
        """The axis the function runs along."""
        return int(self.args[1])

    @property
    def shape(self) -> tuple[Any, Any]:  # the reductions: one entry per remaining index
        rows, cols = self.arg.shape
        return (cols, sp.Integer(1)) if self.axis == 0 else (rows, sp.Integer(1))

    def _sympystr(self, printer: Any) -> str:
        return f"{self.label}({printer._print(self.arg)}, axis={self.axis})"


class AxisSum(_AlongAxis):
    """``X.sum(axis=k)``, as a column."""

    label = "sum"


class AxisLogSumExp(_AlongAxis):
    """``logsumexp(X, axis=k)``, as a column."""

    label = "logsumexp"


class AxisSoftmax(_AlongAxis):
    """``softmax(X, axis=k)``: each column (k=0) or row (k=1) normalised."""

    label = "softmax"

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.arg.shape  # type: ignore[no-any-return]


class AxisLogSoftmax(AxisSoftmax):
    """``log_softmax(X, axis=k)``: ``X - logsumexp(X, axis=k, keepdims=True)``."""

    label = "log_softmax"


class SoftmaxJacobian(sp.MatrixExpr):  # type: ignore[misc]
    """The Jacobian of the softmax along an axis applied to ``V``: linear in ``V``.

    ``SoftmaxJacobian(V, S)`` is ``S * (V - (S * V).sum(axis, keepdims=True))`` and, with
    ``log=True``, ``V - (S * V).sum(axis, keepdims=True)`` (the log-softmax's), where
    ``S = AxisSoftmax(Z, axis)``.  It is what the differentials of ``softmax(Z, axis)`` and
    ``log_softmax(Z, axis)`` are made of, so that ``dZ`` appears once in them (the gradient
    then pulls one cotangent through ``Z``, not two).
    """

    def __new__(cls, direction: Any, softmax: Any, log: Any = False) -> SoftmaxJacobian:
        direction, softmax = sp.sympify(direction), sp.sympify(softmax)
        if not isinstance(softmax, AxisSoftmax) or isinstance(softmax, AxisLogSoftmax):
            raise TypeError(f"SoftmaxJacobian needs an AxisSoftmax, got {softmax!r}")
        flag = sp.true if log in (True, sp.true) else sp.false
        return super().__new__(cls, direction, softmax, flag)  # type: ignore[no-any-return]

    @property
    def direction(self) -> sp.MatrixExpr:
        """The matrix the Jacobian is applied to."""
        return self.args[0]

    @property
    def softmax(self) -> AxisSoftmax:
        """The softmax the Jacobian is taken at."""
        return self.args[1]  # type: ignore[no-any-return]

    @property
    def log(self) -> bool:
        """Whether it is the Jacobian of the log-softmax."""
        return bool(self.args[2])

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape  # type: ignore[no-any-return]


def broadcast(column: Any, rows: Any, cols: Any, axis: int) -> Any:
    """``Broadcast(column, rows, cols, axis)``, folding the cases SymPy writes otherwise.

    A repeat of length 1 is the column itself (or its transpose, a row), ones
    stay ones, and a scalar multiple keeps its coefficient outside.
    """
    length = rows if axis == 0 else cols
    if length == 1:
        return column.T if axis == 0 else column
    if isinstance(column, sp.OneMatrix):
        return sp.OneMatrix(rows, cols)
    if isinstance(column, sp.MatMul):
        coeff, mats = column.as_coeff_matrices()
        if coeff != 1:
            rest = mats[0] if len(mats) == 1 else sp.MatMul(*mats)
            return sp.MatMul(coeff, broadcast(rest, rows, cols, axis))
    return Broadcast(column, rows, cols, axis)
