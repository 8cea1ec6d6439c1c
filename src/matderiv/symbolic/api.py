"""``derive`` and ``derive_hessian``: text in, a checked, readable derivative out.

The pipeline: parse the text (:mod:`matderiv.expr`), take the differential
(:mod:`matderiv.symbolic.differential`), identify the derivative
(:mod:`matderiv.symbolic.identify`), make it readable
(:mod:`matderiv.symbolic.simplify`), and wrap it in a :class:`Derivative` that
prints LaTeX, writes numpy code, evaluates in any layout (through
:mod:`matderiv.layout`) and checks itself (through :mod:`matderiv.numeric`).

Examples
--------
>>> d = derive("x.T @ A @ x", wrt="x", shapes={"x": ("n",), "A": ("n", "n")})
>>> print(d.expr)
(A + A.T)*x
>>> print(derive("x.T @ A @ x", "x", {"x": ("n",), "A": ("n", "n")},
...              assume={"A": "symmetric"}).expr)
2*A*x
>>> bool(d.check(seed=0))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import sympy as sp

from matderiv.errors import ShapeError
from matderiv.expr._guard import internal_errors
from matderiv.expr.broadcasting import with_one_hot
from matderiv.expr.context import Context, ShapeSpec, check_wrt, format_shape, make_context
from matderiv.expr.parser import parse_typed
from matderiv.layout import Layout, as_layout
from matderiv.symbolic import result
from matderiv.symbolic.differential import differential as take_differential
from matderiv.symbolic.identify import gradient, tangent, vec_identify
from matderiv.symbolic.result import Derivative, Form
from matderiv.symbolic.rewrite import rewrite
from matderiv.symbolic.shared import (
    READABLE_WHOLE,
    chain_gradient,
    chain_tangent,
    chain_vec,
    linearise,
    share,
    tree_size,
)
from matderiv.symbolic.simplify import readable, symmetrize

__all__ = ["FORMS", "Derivative", "Form", "derive", "derive_hessian"]

#: What ``Derivative.form`` can be (the table of ``matderiv.symbolic.result``).
FORMS = result.FORMS


def _differential_symbol(ctx: Context, wrt: str) -> Any:
    name = "d" + wrt
    while name in ctx.symbols:
        name = "d" + name
    var = ctx.symbols[wrt]
    if isinstance(var, sp.MatrixSymbol):
        return sp.MatrixSymbol(name, *var.shape)
    return sp.Symbol(name, real=True)


def _size(shape: tuple[Any, ...]) -> Any:
    size = sp.Integer(1)
    for d in shape:
        size = size * d
    return size


def _zero(shape: tuple[Any, ...]) -> Any:
    if not shape:
        return sp.Integer(0)
    return sp.ZeroMatrix(shape[0], shape[1] if len(shape) == 2 else 1)


def _derive_internal(
    function: Any,
    out_shape: tuple[Any, ...],
    ctx: Context,
    wrt: str,
    args: tuple[str, ...],
    layout: Layout,
    source: str | None,
) -> Derivative:
    if wrt not in ctx.symbols:
        declared = ", ".join(sorted(ctx.symbols)) or "nothing"
        raise ShapeError(
            f"wrt={wrt!r} is not declared in shapes (declared: {declared}); "
            "declare the variable's shape, for example shapes={'x': ('n',)}"
        )
    var = ctx.symbols[wrt]
    in_shape = ctx.shapes[wrt]
    dvar = _differential_symbol(ctx, wrt)
    # stable primitives first (log(1 + exp z) is softplus z): their derivatives are stable too;
    # deep nesting is then taken one level at a time (see matderiv.symbolic.shared)
    shared = share(rewrite(function, "input"))
    lin = linearise(shared, var, dvar, take_differential)
    df = lin.root
    symmetric = [ctx.symbols[n] for n, facts in ctx.assume.items() if "symmetric" in facts]
    labels = {  # one-hot labels: their sums along the one-hot axis are ones
        ctx.symbols[n]: int("onehot_rows" in facts)
        for n, facts in ctx.assume.items()
        if facts & {"onehot_columns", "onehot_rows"} and isinstance(ctx.symbols[n], sp.MatrixExpr)
    }
    form: Form
    defs: list[tuple[Any, Any]] = []
    if not in_shape:
        form = "derivative" if not out_shape else "tangent"
        mixed, defs = chain_tangent(lin, dvar, tangent)
        if df is None:
            mixed = _zero(out_shape)
    elif not out_shape:
        form = "gradient"
        mixed, defs = chain_gradient(lin, dvar, gradient)
        if wrt in ctx.assume and "symmetric" in ctx.assume[wrt]:
            mixed = symmetrize(mixed)
    else:
        form = "jacobian" if len(out_shape) == 1 and len(in_shape) == 1 else "vec"
        if df is None:
            mixed = sp.ZeroMatrix(_size(out_shape), _size(in_shape))
        else:
            mixed, defs = chain_vec(lin, dvar, vec_identify)

    def finish(expr: Any, definitions: list[tuple[Any, Any]]) -> Any:
        if not shared.defs:
            return readable(with_one_hot(expr, labels), symmetric)
        whole = shared.expand(expr, definitions)
        if tree_size(whole, READABLE_WHOLE + 1) <= READABLE_WHOLE:
            # small: the rewrites see across the levels
            return readable(with_one_hot(whole, labels), symmetric)
        return shared.expand(readable(with_one_hot(expr, labels), symmetric), definitions)

    mixed = finish(mixed, defs)
    differential = finish(df, [*lin.definitions()]) if df is not None else _zero(out_shape)
    d = Derivative(
        expr=mixed,
        layout=Layout.MIXED,
        differential=differential,
        function=function,
        wrt=wrt,
        form=form,
        out_shape=out_shape,
        in_shape=in_shape,
        context=ctx,
        args=args,
        source=source,
        mixed=mixed,
    )
    return d if layout is Layout.MIXED else d.in_layout(layout)


def _used_names(expr: Any, ctx: Context, wrt: str) -> tuple[str, ...]:
    used = {str(s.name) for s in expr.atoms(sp.MatrixSymbol, sp.Symbol)} | {wrt}
    return tuple(name for name in ctx.shapes if name in used)


def derive(
    expr: str | sp.Basic,
    wrt: str,
    shapes: Mapping[str, ShapeSpec],
    assume: Mapping[str, str | Iterable[str]] | None = None,
    layout: Layout | str = Layout.MIXED,
) -> Derivative:
    """Differentiate an expression of the language with respect to one variable.

    Parameters
    ----------
    expr
        Expression text in numpy syntax (see :mod:`matderiv.expr`), or a SymPy
        expression in the internal representation.
    wrt
        The name of the variable.
    shapes
        Name -> shape: a tuple of ints or dimension names, ``()`` for a scalar.
        Every name of `expr` must be declared.
    assume
        Name -> ``"symmetric"``, ``"spd"``, ``"invertible"``, ``"positive"``,
        ``"onehot_columns"`` or ``"onehot_rows"``
        (or a list of them): used to simplify and to draw the inputs of :meth:`Derivative.check`.
    layout
        ``"mixed"`` (default: a gradient has the variable's shape),
        ``"numerator"`` or ``"denominator"``.

    Returns
    -------
    Derivative
        The derivative: ``.expr``, ``.differential``, ``.latex()``,
        ``.numpy_source()``, ``.evaluate(**arrays)``, ``.check()``.

    Raises
    ------
    ParseError, ShapeError
        Bad expression, shapes that do not fit, `wrt` not declared, a layout
        that does not exist for this pair of kinds.
    UnsupportedError
        A construct without a differential rule (the message names it).

    Examples
    --------
    >>> d = derive("trace((Y - X @ T).T @ (Y - X @ T))", "T",
    ...            {"Y": ("m", "k"), "X": ("m", "n"), "T": ("n", "k")})
    >>> print(d.expr)
    -2*X.T*(-X*T + Y)
    >>> print(derive("inv(X)", "X", {"X": ("n", "n")}).expr)
    -(KroneckerProduct(X.T**(-1), X**(-1)))
    """
    declared = shapes if isinstance(shapes, Context) else make_context(shapes, assume)
    check_wrt(declared, wrt)  # declarations are checked before any parsing
    parsed = parse_typed(expr, declared)
    ctx = parsed.context
    with internal_errors(expr):
        return _derive_internal(
            parsed.expr,
            parsed.shape,
            ctx,
            wrt,
            _used_names(parsed.expr, ctx, wrt) if wrt in ctx.symbols else (),
            as_layout(layout),
            parsed.source,
        )


def derive_hessian(
    expr: str | sp.Basic,
    wrt: str,
    shapes: Mapping[str, ShapeSpec],
    assume: Mapping[str, str | Iterable[str]] | None = None,
) -> Derivative:
    """The Hessian of a scalar expression: the derivative of its gradient.

    For a vector variable the result is the ``n x n`` matrix (form
    ``"jacobian"``); for a matrix variable the ``pq x pq`` vec form, and
    :meth:`Derivative.evaluate` returns the ``in_shape + in_shape`` array.

    Raises
    ------
    ShapeError
        When the expression is not scalar.

    Examples
    --------
    >>> import numpy as np
    >>> h = derive_hessian("logsumexp(x)", "x", {"x": ("n",)})
    >>> print(h)
    diag(softmax(x)) - outer(softmax(x), softmax(x))
    >>> h.evaluate(x=np.zeros(2))
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    first = derive(expr, wrt, shapes, assume)
    if first.out_shape:
        raise ShapeError(
            f"hessian needs a scalar function, but {first.source or first.function} has shape "
            f"{format_shape(first.out_shape)}; use derive() for its Jacobian"
        )
    with internal_errors(expr):
        second = _derive_internal(
            first.mixed,
            first.in_shape,
            first.context,
            wrt,
            first.args,
            Layout.MIXED,
            first.source,
        )
    return replace(second, function=first.function, gradient_of=first)
