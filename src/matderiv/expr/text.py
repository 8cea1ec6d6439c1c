"""SymPy -> text in the expression language itself (numpy syntax, 1-D vectors).

The printed text of a gradient or Jacobian is again an expression of the
language: it parses, and as numpy it computes the same array for the same
1-D vectors.  Column-times-row products become ``outer(u, v)``, transposes of
vectors disappear (as in numpy), ``c * 1 + v`` is written ``c + v``.

Examples
--------
>>> from matderiv.expr import parse
>>> to_text(parse("x.T @ A @ x", {"x": ("n",), "A": ("n", "n")}))
'x @ A @ x'
>>> import sympy as sp
>>> u, x = sp.MatrixSymbol("u", 3, 1), sp.MatrixSymbol("x", 2, 1)
>>> to_text(u * x.T)
'outer(u, x)'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from matderiv.expr.nodes import (
    Commutation,
    Diag,
    Diagonal,
    Elementwise,
    LogDet,
    LogSumExp,
    Norm,
    ScalarOf,
    Softmax,
    SumAll,
    Vec,
)

__all__ = ["to_text"]

_ATOM, _POSTFIX, _POWER, _UNARY, _PRODUCT, _SUM = 100, 90, 80, 70, 60, 50
Txt = tuple[str, int]


def _wrap(t: Txt, level: int) -> str:
    return t[0] if t[1] >= level else f"({t[0]})"


def _is_row(m: Any) -> bool:
    return bool(m.shape[0] == 1 and m.shape[1] != 1)


def _is_col(m: Any) -> bool:
    return bool(m.shape[1] == 1 and m.shape[0] != 1)


def _negative(term: Any) -> bool:
    if isinstance(term, sp.MatMul):
        return bool(term.as_coeff_mmul()[0].is_negative)
    return bool(term.could_extract_minus_sign())


def _ones_coeff(term: Any) -> Any:
    if isinstance(term, sp.OneMatrix):
        return sp.Integer(1)
    if isinstance(term, sp.MatMul):
        coeff, mats = term.as_coeff_matrices()
        if len(mats) == 1 and isinstance(mats[0], sp.OneMatrix):
            return coeff
    return None


def _add(node: Any) -> Txt:
    args = list(node.args)
    if isinstance(node, sp.MatAdd) and any(_ones_coeff(a) is None for a in args):
        args = [(_ones_coeff(a) if _ones_coeff(a) is not None else a) for a in args]
    args = [a for a in args if not _negative(a)] + [a for a in args if _negative(a)]
    text = _wrap(_p(args[0]), _SUM)
    for a in args[1:]:
        if _negative(a):
            text += " - " + _wrap(_p(-a if not isinstance(a, sp.MatMul) else _neg(a)), _SUM + 1)
        else:
            text += " + " + _wrap(_p(a), _SUM + 1)
    return (text, _SUM)


def _neg(term: Any) -> Any:
    coeff, mats = term.as_coeff_matrices()
    return (
        sp.MatMul(-coeff, *mats)
        if -coeff != 1
        else (sp.MatMul(*mats) if len(mats) > 1 else mats[0])
    )


def _product(mats: list[Any]) -> Txt:
    cur: Txt = _p(mats[0])
    shape = mats[0].shape
    for m in mats[1:]:
        if shape[1] == 1 and shape[0] != 1 and _is_row(m):
            cur = (f"outer({cur[0]}, {_p(m)[0]})", _POSTFIX)
        else:
            cur = (f"{_wrap(cur, _PRODUCT)} @ {_wrap(_p(m), _PRODUCT + 1)}", _PRODUCT)
        shape = (shape[0], m.shape[1])
    return cur


def _matmul(node: Any) -> Txt:
    coeff, mats = node.as_coeff_matrices()
    body = _product(list(mats))
    return _with_coeff(coeff, body)


def _with_coeff(coeff: Any, body: Txt) -> Txt:
    numer, denom = sp.fraction(coeff, exact=True)
    if denom != 1 and not (coeff.is_Rational):
        scaled = _with_coeff(numer, body)
        return (f"{_wrap(scaled, _PRODUCT)} / {_wrap(_p(denom), _PRODUCT + 1)}", _PRODUCT)
    if coeff == 1:
        return body
    if coeff == -1:
        return (f"-{_wrap(body, _PRODUCT)}", _UNARY)
    return (f"{_wrap(_p(coeff), _PRODUCT)} * {_wrap(body, _PRODUCT)}", _PRODUCT)


def _hadamard(node: Any) -> Txt:
    num = [a for a in node.args if not (isinstance(a, sp.HadamardPower) and a.args[1] == -1)]
    den = [a.args[0] for a in node.args if a not in num]
    top = " * ".join(_wrap(_p(a), _PRODUCT + 1) for a in num) if num else "1"
    if not den:
        return (top, _PRODUCT)
    bottom = " / ".join(_wrap(_p(a), _PRODUCT + 1) for a in den)
    return (f"{top} / {bottom}", _PRODUCT)


def _mul(node: Any) -> Txt:
    numer, denom = sp.fraction(node, exact=True)
    if denom != 1:
        return (f"{_wrap(_p(numer), _PRODUCT)} / {_wrap(_p(denom), _PRODUCT + 1)}", _PRODUCT)
    coeff, rest = node.as_coeff_Mul()
    if coeff == -1:
        return (f"-{_wrap(_p(rest), _UNARY)}", _UNARY)
    parts = [_wrap(_p(a), _PRODUCT + 1) for a in node.args]
    return (" * ".join(parts), _PRODUCT)


def _pow(node: Any) -> Txt:
    base, p = node.args
    if p == sp.Rational(1, 2):
        return _call("sqrt", base)
    if p == -1:
        return (f"1 / {_wrap(_p(base), _PRODUCT + 1)}", _PRODUCT)
    return (f"{_wrap(_p(base), _POWER + 1)} ** {_wrap(_p(p), _POWER)}", _POWER)


def _number(node: Any) -> Txt:
    if node.is_Rational and not node.is_Integer:
        return (f"{node.p}/{node.q}", _PRODUCT)
    text = str(int(node)) if node.is_Integer else repr(float(node))
    return (text, _ATOM if not text.startswith("-") else _UNARY)


def _call(name: str, *args: Any) -> Txt:
    return (f"{name}(" + ", ".join(_p(a)[0] for a in args) + ")", _POSTFIX)


def _transpose(node: Any) -> Txt:
    if node.arg.shape[1] == 1:  # a vector: .T is a no-op on 1-D arrays
        return _p(node.arg)
    return (f"{_wrap(_p(node.arg), _POSTFIX)}.T", _POSTFIX)


def _kron(node: Any) -> Txt:
    # Vectors print as 1-D arrays, which np.kron treats as rows next to a matrix; a
    # column (or a product of columns) is written through (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ or as an outer product.
    *init, b = node.args
    a = init[0] if len(init) == 1 else sp.KroneckerProduct(*init)
    if (_is_col(a) and _is_col(b)) or not (_is_col(a) or _is_col(b)):
        return _call("kron", a, b)
    if _is_col(a) and _is_row(b):
        return _call("outer", a, b.T)
    if _is_row(a) and _is_col(b):
        return _call("outer", b, a.T)
    return (f"{_wrap(_call('kron', a.T, b.T), _POSTFIX)}.T", _POSTFIX)


def _dims(shape: tuple[Any, Any]) -> str:
    if shape[1] == 1:
        return str(shape[0])
    if shape[0] == 1:
        return str(shape[1])
    return f"({shape[0]}, {shape[1]})"


_PRINTERS: dict[type, Callable[[Any], Txt]] = {
    sp.MatAdd: _add,
    sp.Add: _add,
    sp.MatMul: _matmul,
    sp.Mul: _mul,
    sp.Pow: _pow,
    sp.HadamardProduct: _hadamard,
    sp.HadamardPower: lambda n: (
        (f"1 / {_wrap(_p(n.args[0]), _PRODUCT + 1)}", _PRODUCT)
        if n.args[1] == -1
        else (f"{_wrap(_p(n.args[0]), _POWER + 1)} ** {_wrap(_p(n.args[1]), _POWER)}", _POWER)
    ),
    sp.Transpose: _transpose,
    sp.Inverse: lambda n: _call("inv", n.arg),
    sp.MatPow: lambda n: (f"matrix_power({_p(n.args[0])[0]}, {int(n.args[1])})", _POSTFIX),
    sp.Trace: lambda n: _call("trace", n.arg),
    sp.Determinant: lambda n: _call("det", n.arg),
    LogDet: lambda n: _call("logdet", n.arg),
    SumAll: lambda n: _call("sum", n.arg),
    Norm: lambda n: _call("norm", n.arg),
    LogSumExp: lambda n: _call("logsumexp", n.arg),
    Softmax: lambda n: (
        _call("softmax", n.arg)
        if n.arg.shape[1] == 1
        else (f"np.exp({_p(n.arg)[0]}) / sum(np.exp({_p(n.arg)[0]}))", _PRODUCT)
    ),
    ScalarOf: lambda n: _p(n.arg),
    Elementwise: lambda n: (
        (f"np.heaviside({_p(n.arg)[0]}, 0)", _POSTFIX) if n.name == "step" else _call(n.name, n.arg)
    ),
    Diag: lambda n: _call("diag", n.args[0]),
    Diagonal: lambda n: _call("diag", n.args[0]),
    sp.KroneckerProduct: lambda n: _kron(n),
    Vec: lambda n: _call("vec", n.arg),
    Commutation: lambda n: (f"commutation({n.args[0]}, {n.args[1]})", _POSTFIX),
    sp.Identity: lambda n: (f"eye({n.rows})", _POSTFIX),
    sp.ZeroMatrix: lambda n: (f"zeros({_dims(n.shape)})", _POSTFIX),
    sp.OneMatrix: lambda n: (f"ones({_dims(n.shape)})", _POSTFIX),
    sp.exp: lambda n: _call("exp", n.args[0]),
    sp.log: lambda n: _call("log", n.args[0]),
    sp.sin: lambda n: _call("sin", n.args[0]),
    sp.cos: lambda n: _call("cos", n.args[0]),
    sp.tanh: lambda n: _call("tanh", n.args[0]),
    sp.Abs: lambda n: _call("abs", n.args[0]),
    sp.sign: lambda n: _call("np.sign", n.args[0]),
    sp.Heaviside: lambda n: (f"np.heaviside({_p(n.args[0])[0]}, 0)", _POSTFIX),
    sp.Max: lambda n: (f"np.maximum({', '.join(_p(a)[0] for a in n.args)})", _POSTFIX),
}


def _p(node: Any) -> Txt:
    if isinstance(node, sp.MatrixSymbol | sp.Symbol):
        return (str(node.name), _ATOM)
    if isinstance(node, sp.Number):
        return _number(node)
    if node is sp.pi:
        return ("pi", _ATOM)
    for klass in type(node).__mro__:
        printer = _PRINTERS.get(klass)
        if printer is not None:
            return printer(node)
    return (str(node), _ATOM)


def to_text(expr: Any) -> str:
    """The expression as text of the language (numpy syntax, 1-D vectors).

    Parameters
    ----------
    expr
        A SymPy expression in matderiv's internal representation.

    Returns
    -------
    str
        Text that :func:`matderiv.expr.parse` reads back, and numpy code for the
        same arrays (vec forms included: ``vec``, ``commutation`` and ``kron``).

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> to_text(parse("-2 * X.T @ (Y - X @ T)", {"X": ("m", "n"), "Y": ("m", "k"),
    ...                                          "T": ("n", "k")}))
    '-2 * X.T @ (Y - X @ T)'
    """
    return _p(expr)[0]
