"""Numpy helpers that generated code calls; their source is copied into it.

The code generator copies the text of these functions (``inspect.getsource``)
into every generated module that uses them, so the generated code and
:func:`matderiv.expr.to_function` run the very same functions.

Examples
--------
>>> import numpy as np
>>> float(_logsumexp(np.zeros((2, 1))))  # log 2
0.693...
>>> _commutation(2, 3).shape
(6, 6)
>>> a = np.arange(6.0).reshape(3, 2)
>>> np.allclose(_weighted_gram(a, np.array([1.0, -2.0, 0.5])), a.T @ np.diag([1, -2, 0.5]) @ a)
True
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "_commutation",
    "_log_sigmoid",
    "_logsumexp",
    "_logsumexp_along",
    "_softmax",
    "_softmax_along",
    "_weighted_gram",
]


def _softmax(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    e = np.exp(z - np.max(z.real))
    return e / np.sum(e)  # type: ignore[no-any-return]


def _logsumexp(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    m = np.max(z.real)
    return m + np.log(np.sum(np.exp(z - m)))  # type: ignore[no-any-return]


def _logsumexp_along(z: npt.NDArray[np.float64], axis: int) -> npt.NDArray[np.float64]:
    # log sum exp along an axis, as a column; each column (or row) shifted by its maximum
    m = np.max(z.real, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
    return np.reshape(out, (-1, 1))


def _softmax_along(z: npt.NDArray[np.float64], axis: int) -> npt.NDArray[np.float64]:
    e = np.exp(z - np.max(z.real, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)  # type: ignore[no-any-return]


def _log_sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # log σ(z) = -log(1 + exp(-z)): logaddexp for real z (no overflow, full relative
    # precision in both tails); numpy's logaddexp has no complex loop, log1p does
    if np.iscomplexobj(z):
        return -np.log1p(np.exp(-z))
    return -np.logaddexp(0.0, -z)


def _commutation(m: int, n: int) -> npt.NDArray[np.float64]:
    # K @ vec(X) == vec(X.T) for X of shape (m, n), vec stacking columns
    k = np.zeros((m * n, m * n))
    rows = np.arange(m * n)
    i, j = rows % n, rows // n  # row r of vec(X.T) is X.T[i, j] = X[j, i]
    k[rows, i * m + j] = 1.0
    return k


def _weighted_gram(
    a: npt.NDArray[np.float64], w: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    # a.T @ diag(w) @ a written as b.T @ b products, which numpy computes with a symmetric
    # rank-k update (half the flops of a general product): b = sqrt(w) a, row by row,
    # rows of negative weight subtracted (complex or non-finite weights: the plain product)
    w = np.reshape(w, -1)
    if np.iscomplexobj(a) or np.iscomplexobj(w) or not np.all(np.isfinite(w)):
        return (a.T * w) @ a
    if np.all(w >= 0):
        b = a * np.sqrt(w)[:, None]
        return b.T @ b
    pos, neg = w >= 0, w < 0
    b, c = a[pos] * np.sqrt(w[pos])[:, None], a[neg] * np.sqrt(-w[neg])[:, None]
    return b.T @ b - c.T @ c
