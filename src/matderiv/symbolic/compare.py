"""matderiv next to SymPy: run SymPy's own ``.diff`` on the same expression.

Used by the book page "matderiv and SymPy side by side" and by
``benchmarks/bench_derive.py``.  The expression is parsed once; the parts
SymPy knows natively are handed to it in its own vocabulary (``log(det X)``,
``Z.applyfunc(tanh)``, a ``1 x 1`` matrix for ``xᵀAx``); SymPy's answer is
evaluated numerically with ``sympy.lambdify`` at the same random point as
matderiv's and compared entry by entry (allowing SymPy its own axis order).

Examples
--------
>>> r = compare("logdet(X)", "X", {"X": ("n", "n")})
>>> r.sympy_status
'wrong'
>>> r.matderiv_ok
True
"""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from matderiv.expr.nodes import ScalarOf
from matderiv.expr.primitive import PRIMITIVES, NotNative
from matderiv.symbolic.api import Derivative, derive
from matderiv.symbolic.inputs import dimension_sizes, random_inputs

__all__ = ["Comparison", "compare", "to_sympy_native"]


def to_sympy_native(expr: Any) -> Any:
    """The expression in SymPy's own vocabulary (each primitive's ``native`` stanza).

    Raises ``matderiv.expr.primitive.NotNative`` for softmax and logsumexp.

    >>> import sympy as sp
    >>> from matderiv.expr.nodes import LogDet
    >>> X = sp.MatrixSymbol("X", 2, 2)
    >>> to_sympy_native(LogDet(X))
    log(Determinant(X))
    """
    if isinstance(expr, sp.MatrixSymbol | sp.Symbol | sp.Number) or not expr.args:
        return expr
    spec = PRIMITIVES.get(expr)
    args = [to_sympy_native(a) if isinstance(a, sp.Basic) else a for a in expr.args]
    if spec is not None and spec.native is not None:
        return spec.native(expr, args)
    return expr.func(*args)


@dataclass(frozen=True)
class Comparison:
    """matderiv's and SymPy's derivative of one expression, both checked numerically.

    Attributes
    ----------
    derivative
        matderiv's :class:`~matderiv.symbolic.result.Derivative`.
    matderiv_ok
        Whether matderiv's derivative passed its numeric check.
    sympy_result
        SymPy's ``.diff`` result (or ``None`` when SymPy raised or cannot express it).
    sympy_text
        SymPy's result as SymPy prints it, or the error.
    sympy_status
        ``"right"``, ``"wrong"``, ``"unevaluated"``, ``"error"`` or ``"not expressible"``.
    matderiv_seconds, sympy_seconds
        Time of one ``derive`` and one ``.diff`` call.
    """

    derivative: Derivative
    matderiv_ok: bool
    sympy_result: Any
    sympy_text: str
    sympy_status: str
    matderiv_seconds: float
    sympy_seconds: float | None


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise TimeoutError(f"SymPy took longer than {seconds} s")

    try:
        previous = signal.signal(signal.SIGALRM, handler)
    except ValueError:  # not in the main thread: no limit
        yield
        return
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _matches(theirs: np.ndarray, ours: np.ndarray) -> bool:
    if theirs.size != ours.size:
        return False
    if np.allclose(theirs.reshape(-1), ours.reshape(-1), rtol=1e-7, atol=1e-9):
        return True
    squeezed = theirs.reshape([s for s in theirs.shape if s != 1] or [1])
    target = ours.reshape([s for s in ours.shape if s != 1] or [1])
    if squeezed.ndim != target.ndim or squeezed.ndim > 4:
        return False
    for perm in itertools.permutations(range(squeezed.ndim)):
        candidate = np.transpose(squeezed, perm)
        if candidate.shape == target.shape and np.allclose(candidate, target, atol=1e-9):
            return True
    return False


def _evaluate_sympy(result: Any, d: Derivative, inputs: Mapping[str, Any]) -> np.ndarray:
    sizes = dimension_sizes(d.context)
    concrete = result.subs(sizes)
    symbols = []
    values: list[Any] = []
    for name in d.context.shapes:
        sym = d.context.symbols[name]
        value = np.asarray(inputs[name], dtype=float)
        if isinstance(sym, sp.MatrixSymbol):
            symbols.append(sym.subs(sizes))
            values.append(value.reshape(-1, 1) if value.ndim == 1 else value)
        else:
            symbols.append(sym)
            values.append(float(value))
    try:
        func = sp.lambdify(symbols, concrete, modules="numpy")
        return np.asarray(func(*values), dtype=float)
    except Exception:  # lambdify cannot print it: substitute explicit matrices instead
        explicit = {
            sym: (sp.ImmutableMatrix(val) if isinstance(sym, sp.MatrixSymbol) else val)
            for sym, val in zip(symbols, values, strict=True)
        }
        value = concrete.xreplace(explicit).doit()
        if hasattr(value, "as_explicit"):
            value = value.as_explicit()
        return np.asarray(
            np.array(value.tolist() if hasattr(value, "tolist") else value, dtype=float)
        )


def compare(
    expr: str,
    wrt: str,
    shapes: Mapping[str, Any],
    assume: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    time_limit: int = 20,
) -> Comparison:
    """Derive with matderiv and with SymPy's ``.diff``; check both at one random point.

    Parameters
    ----------
    expr, wrt, shapes, assume
        As for :func:`~matderiv.symbolic.derive`.
    seed
        Seed of the random point.
    time_limit
        Seconds SymPy may take (main thread only).

    Returns
    -------
    Comparison
        Both results and their numeric status.

    Examples
    --------
    >>> c = compare("x.T @ A @ x", "x", {"x": ("n",), "A": ("n", "n")})
    >>> c.sympy_status, c.matderiv_ok
    ('right', True)
    """
    start = time.perf_counter()
    d = derive(expr, wrt, shapes, assume)
    matderiv_seconds = time.perf_counter() - start
    matderiv_ok = bool(d.check(seed=seed))
    inputs = random_inputs(d.context, seed)
    ours = d.evaluate(check_assumptions=True, **inputs)
    try:
        fn = d.function
        native = to_sympy_native(fn.arg) if isinstance(fn, ScalarOf) else to_sympy_native(fn)
    except NotNative as exc:
        return Comparison(
            d,
            matderiv_ok,
            None,
            f"no SymPy matrix function for {exc}",
            "not expressible",
            matderiv_seconds,
            None,
        )
    var = d.context.symbols[wrt]
    start = time.perf_counter()
    try:
        with _time_limit(time_limit):
            result = native.diff(var)
    except Exception as exc:
        return Comparison(
            d,
            matderiv_ok,
            None,
            f"{type(exc).__name__}: {exc}",
            "error",
            matderiv_seconds,
            time.perf_counter() - start,
        )
    sympy_seconds = time.perf_counter() - start
    text = str(result)
    if result.has(sp.Derivative) or "Derivative" in type(result).__name__:
        status = "unevaluated"
    else:
        try:
            value = _evaluate_sympy(result, d, inputs)
            status = "right" if _matches(value, ours) else "wrong"
        except Exception:
            status = "unevaluated"
    return Comparison(d, matderiv_ok, result, text, status, matderiv_seconds, sympy_seconds)
