"""The entry points: an expression in, numpy source and a numpy function out.

:func:`numpy_source` prints the program of :mod:`~matderiv.expr.codegen.program`
as a self-contained Python function (shared subexpressions become temporaries,
helpers of ``matderiv.expr._numpy_helpers`` are copied in);
:func:`to_function` and :func:`compile_roots` return a
:class:`~matderiv.expr.codegen.program.NumpyFunction` running the same
program.  Writing source needs no numpy.

Examples
--------
>>> import numpy as np
>>> f = to_function("x.T @ A @ x", {"x": ("n",), "A": ("n", "n")})
>>> float(f(x=np.array([1.0, 2.0]), A=np.eye(2)))
5.0
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sympy as sp

from matderiv.expr.codegen.names import Namer, check_function_name, rename_identifiers
from matderiv.expr.codegen.ops import is_dimension
from matderiv.expr.codegen.program import NumpyFunction, Program, dim_text, dims_needed
from matderiv.expr.context import Context, ShapeSpec
from matderiv.expr.parser import parse_typed, user_shape
from matderiv.expr.pycode import ATOM, Code, Name, helpers_used, precedence, source, substitute
from matderiv.expr.walk import symbols

__all__ = ["compile_roots", "numpy_source", "shared_source", "to_function"]

_HELPERS_FILE = Path(__file__).resolve().parent.parent / "_numpy_helpers.py"


@functools.cache
def _helper_sources() -> dict[str, str]:
    """The text of each helper function, read from its file (without importing numpy)."""
    text = _HELPERS_FILE.read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef):
            segment = ast.get_source_segment(text, node)
            assert segment is not None
            out[node.name] = segment
    return out


def _is_constant(root: Any) -> bool:
    return not symbols(root)


def _is_real_constant(root: Any) -> bool:
    """No array argument: numbers and sizes only (its value may be a Python int)."""
    found = symbols(root)
    return not any(isinstance(s, sp.MatrixSymbol) for s in found) and all(
        is_dimension(s) for s in found if isinstance(s, sp.Symbol)
    )


def docstring_literal(doc: str) -> str:
    r'''`doc` as a one-line ``"""…"""`` literal that cannot end early or hide code.

    Backslashes and double quotes are escaped, and so is every character that is
    not printable (newlines, U+2028, NUL…), so the literal is one line of source
    whose value is exactly `doc`.

    >>> import ast
    >>> doc = 'x """;import os;os.system("touch F");"""\n\u2028'
    >>> literal = docstring_literal(doc)
    >>> print(literal)
    """x \"\"\";import os;os.system(\"touch F\");\"\"\"\n\u2028"""
    >>> ast.literal_eval(literal) == doc
    True
    '''
    out = []
    for ch in doc:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return '"""' + "".join(out) + '"""'


def _generate_source(
    ctx: Context,
    prog: Program,
    roots: Sequence[Any],
    out_shapes: Sequence[tuple[Any, ...]],
    names: Sequence[str],
    name: str | None,
    doc: str | None,
    default_name: str = "f",
    intermediates: Sequence[tuple[str, Any]] = (),
) -> str:
    """The source of `prog`; each ``(name, value)`` of `intermediates` is a local ``name``.

    With intermediates, `prog` computes ``[*values, *roots]`` and the roots use the names
    (as ``MatrixSymbol``/``Symbol`` placeholders, see :mod:`matderiv.expr.shared`).
    """
    declared = [*ctx.shapes, *ctx.dims]
    namer = Namer([*declared, *(local for local, _ in intermediates)])
    if name is None:
        name = namer.fresh(default_name)
    else:
        namer.take(check_function_name(name, declared))
    np_alias = namer.fresh("np")
    rename = {"np": np_alias}
    lines: list[str] = []
    dim_names: dict[Any, str] = {}
    for arg in names:
        if len(ctx.shapes[arg]) == 1:
            lines.append(
                f"{arg} = {np_alias}.reshape({arg}, (-1, 1))  # vectors are columns inside"
            )
    needed = dims_needed([*roots, *(value for _, value in intermediates)]) | {
        d
        for root, shape in zip(roots, out_shapes, strict=True)
        if _is_constant(root)
        for size in shape
        for d in sp.sympify(size).free_symbols
    }
    extra_dims: list[str] = []
    for size_name in sorted(needed, key=str):
        for arg in names:
            shape = ctx.shapes[arg]
            if size_name in shape:
                local = namer.fresh(f"{size_name}_")
                dim_names[size_name] = local
                lines.append(f"{local} = {arg}.shape[{shape.index(size_name)}]")
                break
        else:
            dim_names[size_name] = str(size_name)
            extra_dims.append(str(size_name))

    def dim(d: Any) -> str:
        return dim_text(d, dim_names)

    helpers: set[str] = set()
    for op in prog.ops:
        helpers |= helpers_used(op.code)
    for helper in sorted(helpers):
        rename[helper] = namer.fresh(helper)
    codes: list[Code] = []
    root_set = {prog.root_index(r) for r in roots}
    locals_at = {prog.root_index(value): local for local, value in intermediates}
    for i, (op, kids) in enumerate(zip(prog.ops, prog.children, strict=True)):
        code = substitute(op.code, [codes[k] for k in kids])
        if i in locals_at:  # a named intermediate: computed once, under its name
            lines.append(f"{locals_at[i]} = {source(code, (), dim, rename)[0]}")
            codes.append(Name(locals_at[i]))
            continue
        low = precedence(code) < ATOM
        shared = prog.uses[i] > 1 and low and op.children != ()
        if shared or (i in root_set and len(roots) > 1 and low):
            temp = namer.numbered("t")
            lines.append(f"{temp} = {source(code, (), dim, rename)[0]}")
            code = Name(temp)
        codes.append(code)
    outs = []
    for root, shape in zip(roots, out_shapes, strict=True):
        text = source(codes[prog.root_index(root)], (), dim, rename)[0]
        if len(shape) == 0 and _is_real_constant(root):  # a Python number: as float64
            outs.append(f"{np_alias}.asarray({text}, dtype={np_alias}.float64).reshape(())")
        elif len(shape) == 0:
            outs.append(f"{np_alias}.asarray({text}).reshape(())")
        elif len(shape) == 1:
            outs.append(f"{np_alias}.ravel({text})")
        elif _is_constant(root):
            size = ", ".join(dim(d) for d in shape)
            value = f"{np_alias}.asarray({text}, dtype={np_alias}.float64)"
            outs.append(f"{np_alias}.broadcast_to({value}, ({size})).copy()")
        else:
            outs.append(text)
    body = [docstring_literal(doc)] if doc else []
    body += lines
    body.append("return " + ", ".join(outs))
    header = [_import("numpy", np_alias)]
    if helpers:
        rename["npt"] = namer.fresh("npt")
        header.append(_import("numpy.typing", rename["npt"]))
    header.append("")
    for helper in sorted(helpers):
        header += [rename_identifiers(_helper_sources()[helper].rstrip(), rename), ""]
    header.append(f"def {name}({', '.join([*names, *extra_dims])}):")
    return "\n".join(header + ["    " + line for line in body]) + "\n"


def _import(module: str, alias: str) -> str:
    return f"import {module} as {alias}"


def _prepare(
    expr: str | sp.Basic | Sequence[Any],
    shapes: Mapping[str, ShapeSpec] | Context,
    args: Sequence[str] | None,
) -> tuple[Context, tuple[Any, ...], tuple[tuple[Any, ...], ...], tuple[str, ...], bool]:
    single = isinstance(expr, str | sp.Basic)
    items = [expr] if single else list(expr)
    ctx: Context | None = shapes if isinstance(shapes, Context) else None
    roots = []
    out_shapes = []
    for item in items:
        parsed = parse_typed(item, ctx if ctx is not None else shapes)
        ctx = parsed.context
        roots.append(parsed.expr)
        out_shapes.append(parsed.shape if isinstance(item, str) else user_shape(parsed.expr, ctx))
    assert ctx is not None
    if args is None:
        used: set[str] = set()
        for root in roots:
            used |= {str(s.name) for s in symbols(root)}
        args = [name for name in ctx.shapes if name in used]
    return ctx, tuple(roots), tuple(out_shapes), tuple(args), single


def to_function(
    expr: str | sp.Basic | Sequence[Any],
    shapes: Mapping[str, ShapeSpec] | Context,
    *,
    args: Sequence[str] | None = None,
    name: str | None = None,
) -> NumpyFunction:
    """Compile an expression into a numpy function of its arrays.

    Parameters
    ----------
    expr
        Expression text, a SymPy expression (internal representation), or a
        sequence of them (the function then returns a tuple).
    shapes
        Name -> shape, as for :func:`matderiv.expr.parse`.
    args
        The argument names, in order (default: the declared names the
        expression uses, in declaration order).
    name
        The function's name in its source text: an ASCII Python identifier, not a
        keyword, not ``np`` and not a declared name (default ``f``, or ``f_1``…
        when ``f`` is declared).

    Returns
    -------
    NumpyFunction
        Call it with keyword arguments: ``f(x=..., A=...)``; it returns a
        numpy array in the user's shape (0-d for a scalar, 1-D for a vector).
        ``f.source`` is the same function as Python text.

    Raises
    ------
    ParseError, ShapeError
        Bad expression; at call time, arrays whose shapes do not fit.
    ArgumentError
        `name` cannot name the function (see `name`).

    Notes
    -----
    The source uses no name the user chose except the arguments, the dimension
    names and `name`; every name it invents (the numpy alias ``np``, helper
    functions, temporaries ``t1``…, sizes ``n_``…) is drawn outside the
    declared names, so a variable called ``np``, ``t1`` or ``_softmax`` makes the
    source write ``np_1``, ``t2`` or ``_softmax_1``.

    Examples
    --------
    >>> import numpy as np
    >>> f = to_function("np.tanh(W @ x + b)", {"W": ("m", "n"), "x": ("n",), "b": ("m",)})
    >>> f(W=np.eye(2), x=np.zeros(2), b=np.zeros(2))
    array([0., 0.])
    """
    ctx, roots, out_shapes, names, single = _prepare(expr, shapes, args)
    prog = Program.build(roots)
    source_text = _generate_source(ctx, prog, roots, out_shapes, names, name, None)
    return NumpyFunction(ctx, roots, out_shapes, names, source_text, single, prog)


def numpy_source(
    expr: str | sp.Basic | Sequence[Any],
    shapes: Mapping[str, ShapeSpec] | Context,
    *,
    args: Sequence[str] | None = None,
    name: str | None = None,
    doc: str | None = None,
) -> str:
    """Self-contained numpy source of a function computing `expr`.

    Parameters
    ----------
    expr, shapes, args, name
        As for :func:`to_function`.
    doc
        A docstring for the generated function, written as one escaped line
        (quotes, backslashes and unprintable characters escaped: it cannot end
        the string).

    Returns
    -------
    str
        Python source: imports, any helper functions and ``def name(...)``.

    Raises
    ------
    ParseError, ShapeError
        Bad expression.
    ArgumentError
        `name` cannot name the function (see :func:`to_function`).

    Examples
    --------
    >>> print(numpy_source("X.T @ (X @ w - y)", {"X": ("m", "n"), "w": ("n",), "y": ("m",)}))
    import numpy as np
    <BLANKLINE>
    def f(X, w, y):
        w = np.reshape(w, (-1, 1))  # vectors are columns inside
        y = np.reshape(y, (-1, 1))  # vectors are columns inside
        return np.ravel(X.T @ (X @ w - y))
    """
    ctx, roots, out_shapes, names, _ = _prepare(expr, shapes, args)
    prog = Program.build(roots)
    return _generate_source(ctx, prog, roots, out_shapes, names, name, doc)


def shared_source(
    roots: Sequence[Any],
    ctx: Context,
    out_shapes: Sequence[tuple[Any, ...]],
    args: Sequence[str],
    intermediates: Sequence[tuple[str, Any]],
    *,
    name: str | None = None,
    doc: str | None = None,
    default_name: str = "f",
) -> str:
    """Source of a function computing `roots`, with named intermediates as local variables.

    Parameters
    ----------
    roots
        SymPy expressions in the internal representation, using the names of
        `intermediates` as placeholders (``MatrixSymbol`` or ``Symbol``, see
        :func:`matderiv.expr.shared.share`).
    ctx, out_shapes, args, name, doc, default_name
        As for :func:`compile_roots`.
    intermediates
        ``(name, value)`` pairs in the order they are computed; ``value`` may use the
        names before it.  Each is one line ``name = ...`` of the source, computed once.

    Returns
    -------
    str
        The source (as :func:`numpy_source`).

    Examples
    --------
    >>> from matderiv.expr import parse_typed
    >>> from matderiv.expr.shared import share
    >>> shapes = {"W": ("m", "n"), "x": ("n",), "y": ("m",)}
    >>> p = parse_typed("softmax(W @ x) * y + (softmax(W @ x) @ y) * softmax(W @ x)", shapes)
    >>> s = share(p.expr, p.context)
    >>> print(shared_source([s.main], p.context, [("m",)], ["W", "x", "y"], s.definitions,
    ...                     doc=None).splitlines()[-2:])
    ['    s = _softmax(W @ x)', '    return np.ravel((s.T @ y)[0, 0] * s + y * s)']
    """
    roots = tuple(roots)
    values = tuple(value for _, value in intermediates)
    prog = Program.build((*values, *roots))
    shapes = tuple(tuple(sp.sympify(d) for d in s) for s in out_shapes)
    return _generate_source(
        ctx, prog, roots, shapes, tuple(args), name, doc, default_name, tuple(intermediates)
    )


def compile_roots(
    roots: Sequence[Any],
    ctx: Context,
    out_shapes: Sequence[tuple[Any, ...]],
    args: Sequence[str],
    *,
    name: str | None = None,
    doc: str | None = None,
    default_name: str = "f",
) -> NumpyFunction:
    """Compile internal expressions with explicit output shapes (for :mod:`matderiv.symbolic`).

    Parameters
    ----------
    roots
        SymPy expressions in the internal representation.
    ctx
        The context declaring every name they use.
    out_shapes
        The numpy shape of each result (a 2-D internal ``(n, 1)`` may be returned
        as ``(n,)`` or as ``(n, 1)``).
    args
        The argument names, in order.
    name, doc
        Name and docstring of the function in its source text (as for
        :func:`numpy_source`).
    default_name
        The name used when `name` is None (``default_name_1``… when declared).

    Returns
    -------
    NumpyFunction
        A single result when one root is given, else a tuple.

    Examples
    --------
    >>> import numpy as np
    >>> from matderiv.expr import parse_typed
    >>> p = parse_typed("A @ x", {"A": (2, 2), "x": (2,)})
    >>> f = compile_roots([p.expr], p.context, [(2, 1)], ["A", "x"])
    >>> f(A=np.eye(2), x=np.ones(2)).shape
    (2, 1)
    """
    roots = tuple(roots)
    prog = Program.build(roots)
    shapes = tuple(tuple(sp.sympify(d) for d in s) for s in out_shapes)
    source_text = _generate_source(ctx, prog, roots, shapes, tuple(args), name, doc, default_name)
    return NumpyFunction(ctx, roots, shapes, tuple(args), source_text, len(roots) == 1, prog)
