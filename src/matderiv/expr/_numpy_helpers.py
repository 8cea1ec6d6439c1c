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
    "_cholesky",
    "_commutation",
    "_commutation_matmul",
    "_kron_matmul",
    "_log_sigmoid",
    "_logsumexp",
    "_logsumexp_along",
    "_matrix_function",
    "_matrix_function_frechet",
    "_pinv",
    "_sech",
    "_softmax",
    "_softmax_along",
    "_spectral_basis",
    "_spectrum",
    "_tril_half",
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


def _sech(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # sech(z) = 1 / cosh(z) = 2 e^{-|z|} / (1 + e^{-2|z|}) for real z: no overflow, full
    # relative precision in the tails; complex z takes 1 / cosh(z)
    if np.iscomplexobj(z):
        return 1.0 / np.cosh(z)
    e = np.exp(-np.abs(z))
    return 2.0 * e / (1.0 + e * e)


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


# -- spectral functions (matderiv.expr.primitives.spectral); SciPy is imported on first use ------


def _matrix_function(name: str, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # expm / logm / sqrtm of a square matrix: V f(w) V^T by eigh for a symmetric X, else SciPy's
    # kernels; logm and sqrtm need a matrix with no eigenvalue on the closed negative real axis
    # (the principal branch, real result)
    import scipy.linalg

    if not np.iscomplexobj(x) and np.array_equal(x, x.T):
        w, v = np.linalg.eigh(x)
        if name == "expm" or w[0] > 0:
            fw = {"expm": np.exp, "logm": np.log, "sqrtm": np.sqrt}[name](w)
            value = (v * fw) @ v.T
            return (value + value.T) / 2  # type: ignore[no-any-return]
    kernel = {"expm": scipy.linalg.expm, "logm": scipy.linalg.logm, "sqrtm": scipy.linalg.sqrtm}
    value = np.asarray(kernel[name](x))
    if np.iscomplexobj(value) and not np.iscomplexobj(x):
        if np.max(np.abs(value.imag), initial=0.0) > 1e-8 * max(1.0, np.max(np.abs(value))):
            try:  # generated code runs without matderiv: then a ValueError with the same text
                from matderiv.errors import ArgumentError

                error: type[ValueError] = ArgumentError
            except ImportError:  # pragma: no cover
                error = ValueError
            raise error(
                f"{name}: the matrix has an eigenvalue on the closed negative real axis, so "
                "its principal real matrix function does not exist; use an spd or positive "
                "stable matrix"
            )
        value = value.real
    return value


def _matrix_function_frechet(
    name: str, x: npt.NDArray[np.float64], e: npt.NDArray[np.float64] | str
) -> npt.NDArray[np.float64]:
    # L_f(X)[E], the Frechet derivative of f = expm / logm / sqrtm at X in the direction E, or
    # (e = "vec") the matrix K with vec(L_f(X)[E]) = K vec(E), vec stacking columns.
    # X symmetric: Daleckii-Krein, V (F o (V^T E V)) V^T, K = (V (x) V) diag(vec F) (V (x) V)^T,
    # with the divided differences F_ij = f[w_i, w_j] written without cancellation.
    # Otherwise: expm by scipy's expm_frechet, sqrtm by the Sylvester equation S L + L S = E,
    # logm by the upper-right block of f([[X, E], [0, X]]); K by the upper-right block of
    # f([[I (x) X, I], [0, X^T (x) I]]) (the divided difference at the two commuting Kronecker
    # factors, left and right multiplication by X)
    import scipy.linalg

    n = x.shape[0]
    if not np.iscomplexobj(x) and np.array_equal(x, x.T):
        w, v = np.linalg.eigh(x)
        if name != "expm" and w[0] <= 0:
            try:
                from matderiv.errors import ArgumentError

                failure: type[ValueError] = ArgumentError
            except ImportError:  # pragma: no cover
                failure = ValueError
            raise failure(
                f"{name}: the symmetric matrix has the eigenvalue {w[0]:.3g} <= 0, outside the "
                "domain of the principal branch; use an spd matrix"
            )
        a, b = w[:, None], w[None, :]
        d = a - b
        same = d == 0
        safe = np.where(same, 1.0, d)
        if name == "expm":
            f = np.exp(b) * np.where(same, 1.0, np.expm1(d) / safe)
        elif name == "logm":
            f = np.where(same, 1.0 / b, np.log1p(d / b) / safe)
        else:
            f = 1.0 / (np.sqrt(a) + np.sqrt(b))
        if isinstance(e, str):
            vv = np.kron(v, v)
            return (vv * f.reshape(-1, order="F")) @ vv.T  # type: ignore[no-any-return]
        return v @ (f * (v.T @ e @ v)) @ v.T  # type: ignore[no-any-return]
    kernel = {"expm": scipy.linalg.expm, "logm": scipy.linalg.logm, "sqrtm": scipy.linalg.sqrtm}
    if isinstance(e, str):
        eye = np.eye(n)
        left, right = np.kron(eye, x), np.kron(x.T, eye)
        block = np.block([[left, np.eye(n * n)], [np.zeros_like(left), right]])
        return np.real_if_close(kernel[name](block))[: n * n, n * n :]
    if name == "expm":
        return scipy.linalg.expm_frechet(x, e, compute_expm=False)  # type: ignore[no-any-return]
    if name == "sqrtm":
        s = np.real_if_close(scipy.linalg.sqrtm(x))
        return scipy.linalg.solve_sylvester(s, s, e)  # type: ignore[no-any-return]
    block = np.block([[x, e], [np.zeros_like(x), x]])
    return np.real_if_close(kernel[name](block))[:n, n:]


def _spectrum(name: str, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # eigvalsh: the ascending eigenvalues of the symmetric part of X; svdvals: the descending
    # singular values; both as a column
    if name == "eigvalsh":
        return np.linalg.eigvalsh((x + x.T) / 2).reshape(-1, 1)  # type: ignore[return-value]
    return np.linalg.svd(x, compute_uv=False).reshape(-1, 1)  # type: ignore[return-value]


def _spectral_basis(name: str, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # the eigenvectors (eigvecsh) or singular vectors (svd_u, svd_v; the leading pair svd_u1,
    # svd_v1) that the derivatives of eigenvalues and singular values need; refused when the
    # values they belong to are not separated by 1e-8 of the largest (the vectors are then not
    # determined by X and the derivative does not exist or is ill-conditioned)
    if name == "eigvecsh":
        values, basis = np.linalg.eigh((x + x.T) / 2)
        gaps, what = np.diff(values), "eigenvalues"
    else:
        u, values, vt = np.linalg.svd(x, full_matrices=False)
        lead = name in ("svd_u1", "svd_v1")
        gaps, what = -np.diff(values[:2] if lead else values), "singular values"
        if not lead:
            gaps = np.append(gaps, values[-1:])  # a singular value at zero: |s| has a kink
        basis = {"svd_u": u, "svd_v": vt.T, "svd_u1": u[:, :1], "svd_v1": vt[:1].T}[name]
    scale = max(float(np.max(np.abs(values), initial=0.0)), np.finfo(float).tiny)
    if gaps.size and np.min(gaps) <= 1e-8 * scale:
        try:  # generated code runs without matderiv: then a ValueError with the same text
            from matderiv.errors import SpectralGapError

            error: type[ValueError] = SpectralGapError
        except ImportError:  # pragma: no cover
            error = ValueError
        raise error(
            f"{name}: two {what} (or a singular value and zero) are {np.min(gaps):.3g} apart, "
            f"at most 1e-8 of the largest ({scale:.3g}); the derivative needs distinct "
            f"{what} and does not exist or is ill-conditioned here"
        )
    return basis


def _cholesky(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # the lower Cholesky factor of the symmetric part of X (X itself when symmetric)
    return np.linalg.cholesky((x + x.T) / 2)  # type: ignore[return-value]


def _tril_half(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # Phi(Z): the strictly lower triangle of Z and half its diagonal
    return np.tril(z, -1) + np.diag(np.diagonal(z)) / 2


def _pinv(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # the pseudo-inverse of a full-rank matrix; refused when X is numerically rank deficient
    s = np.linalg.svd(x, compute_uv=False)
    if s[-1] <= 1e-10 * s[0]:
        try:  # generated code runs without matderiv: then a ValueError with the same text
            from matderiv.errors import SpectralGapError

            error: type[ValueError] = SpectralGapError
        except ImportError:  # pragma: no cover
            error = ValueError
        raise error(
            f"pinv: the smallest singular value {s[-1]:.3g} is at most 1e-10 of the largest "
            f"({s[0]:.3g}); the pseudo-inverse is differentiable only at full rank"
        )
    return np.linalg.pinv(x)  # type: ignore[return-value]
