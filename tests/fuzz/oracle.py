"""Independent oracles for the fuzz suite: plain numpy values and central differences.

The grammar's expressions are numpy syntax, so their value can be computed by numpy
itself (the text is *ours*, drawn by the grammar, never a user's): this is the
reference that matderiv's parser, code generator and derivatives are held against.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def _softmax(z: Array) -> Array:
    e: Array = np.exp(z - np.max(z))
    out: Array = e / np.sum(e)
    return out


def _logsumexp(z: Array) -> Any:
    top = np.max(z)
    return top + np.log(np.sum(np.exp(z - top)))


def _diag(a: Array) -> Array:
    return np.diag(a)


def _commutation(m: int, n: int) -> Array:
    # K vec(X) = vec(X.T) for X of shape (m, n), written from the definition entry by entry
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k


def _vec(a: Array) -> Array:
    return np.reshape(a, -1, order="F")


def _shape(*dims: Any) -> tuple[int, ...]:
    if len(dims) == 1 and isinstance(dims[0], tuple):
        return tuple(int(d) for d in dims[0])
    return tuple(int(d) for d in dims)


NAMESPACE: dict[str, Any] = {
    "np": np,
    "exp": np.exp,
    "log": np.log,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sign": np.sign,
    "relu": lambda z: np.maximum(z, 0.0),
    "maximum": np.maximum,
    "heaviside": np.heaviside,
    "zeros": lambda *d: np.zeros(_shape(*d)),
    "ones": lambda *d: np.ones(_shape(*d)),
    "identity": np.eye,
    "kron": np.kron,
    "vec": _vec,
    "commutation": _commutation,
    "matrix_power": np.linalg.matrix_power,
    "dot": np.dot,
    "matmul": np.matmul,
    "transpose": np.transpose,
    "logdet": lambda a: np.linalg.slogdet(a)[1],
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "sech": lambda z: 1.0 / np.cosh(z),
    "log_sigmoid": lambda z: -np.logaddexp(0.0, -z),
    "log_softmax": lambda z: z - _logsumexp(z),
    "solve": np.linalg.solve,
    "softmax": _softmax,
    "logsumexp": _logsumexp,
    "outer": np.outer,
    "diag": _diag,
    "trace": np.trace,
    "det": np.linalg.det,
    "inv": np.linalg.inv,
    "norm": np.linalg.norm,
    "eye": np.eye,
    "sum": np.sum,
}


# ndarray.sum imports numpy's _methods on its first call, which the restricted eval below
# cannot do (no __import__): call it once here
np.zeros((1, 1)).sum(axis=0)


def value(text: str, arrays: Mapping[str, Any], dims: Mapping[str, int]) -> Any:
    """The value of grammar text computed by plain numpy."""
    scope = dict(NAMESPACE)
    scope.update(dims)
    scope.update({k: np.asarray(v, dtype=float) for k, v in arrays.items()})
    return np.asarray(eval(text, {"__builtins__": {}}, scope), dtype=float)  # noqa: S307


def central_jacobian(f: Callable[[Array], Any], x: Array, h: float = 1e-6) -> Array:
    """The mixed-layout Jacobian ``out_shape + in_shape`` by central differences."""
    x = np.asarray(x, dtype=float)
    f0 = np.asarray(f(x), dtype=float)
    jac = np.zeros(f0.shape + x.shape)
    for idx in np.ndindex(*x.shape) if x.shape else [()]:
        step = h * max(1.0, abs(float(x[idx])))
        xp, xm = x.copy(), x.copy()
        xp[idx] += step
        xm[idx] -= step
        jac[(Ellipsis, *idx)] = (np.asarray(f(xp)) - np.asarray(f(xm))) / (2 * step)
    return jac


def inputs(
    shapes: Mapping[str, tuple[str, ...]], sizes: Mapping[str, int], seed: int
) -> dict[str, Array]:
    """Random inputs of moderate size (entries in [-1, 1])."""
    rng = np.random.default_rng(seed)
    out: dict[str, Array] = {}
    for name, shape in shapes.items():
        dims = tuple(sizes[d] for d in shape)
        out[name] = rng.uniform(-1.0, 1.0, size=dims) if dims else np.asarray(rng.uniform(0.5, 1.0))
    return out


def close(a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """Equal within `rtol` relative to the larger array's scale."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    return bool(np.all(np.abs(a - b) <= atol + rtol * scale))
