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
    "_commutation_matmul",
    "_kron_matmul",
    "_logsumexp",
    "_softmax",
    "_weighted_gram",
]


def _softmax(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    e = np.exp(z - np.max(z.real))
    return e / np.sum(e)  # type: ignore[no-any-return]


def _logsumexp(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    m = np.max(z.real)
    return m + np.log(np.sum(np.exp(z - m)))  # type: ignore[no-any-return]


def _commutation(m: int, n: int) -> npt.NDArray[np.float64]:
    # K @ vec(X) == vec(X.T) for X of shape (m, n), vec stacking columns
    k = np.zeros((m * n, m * n))
    rows = np.arange(m * n)
    i, j = rows % n, rows // n  # row r of vec(X.T) is X.T[i, j] = X[j, i]
    k[rows, i * m + j] = 1.0
    return k


def _commutation_matmul(a: npt.NDArray[np.float64], m: int, n: int) -> npt.NDArray[np.float64]:
    # commutation(m, n) @ a as a transpose of axes: the permutation is never built
    k = a.shape[1]
    return np.reshape(np.transpose(np.reshape(a, (n, m, k)), (1, 0, 2)), (m * n, k))


def _kron_matmul(
    a: npt.NDArray[np.float64], *factors: npt.NDArray[np.float64] | int | tuple[int, int]
) -> npt.NDArray[np.float64]:
    # kron(F1, ..., Fr) @ a, one factor at a time on an axis of a reshaped a: an int factor
    # is an identity of that size (nothing to do), a pair (m, n) is commutation(m, n) (a
    # transpose of two axes); each step's output is already in order, so memory stays of the
    # order of a and the result, never of the kron
    k = a.shape[1]
    sizes = [
        f if isinstance(f, int) else f[0] * f[1] if isinstance(f, tuple) else f.shape[1]
        for f in factors
    ]
    t = a
    for axis, f in enumerate(factors):
        if isinstance(f, int):
            continue
        before = int(np.prod(sizes[:axis], dtype=np.int64))
        after = int(np.prod(sizes[axis + 1 :], dtype=np.int64)) * k
        if isinstance(f, tuple):
            m, n = f
            t = np.transpose(np.reshape(t, (before, n, m, after)), (0, 2, 1, 3))
        elif before == 1:
            t = f @ np.reshape(t, (sizes[axis], after))
            sizes[axis] = f.shape[0]
        else:
            t = np.matmul(f, np.reshape(t, (before, sizes[axis], after)))
            sizes[axis] = f.shape[0]
    return np.reshape(t, (-1, k))


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
