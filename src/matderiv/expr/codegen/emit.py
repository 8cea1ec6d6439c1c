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

from matderiv.expr.codegen.program import NumpyFunction, Program, dim_text, dims_needed
from matderiv.expr.context import Context, ShapeSpec
from matderiv.expr.parser import parse_typed, user_shape
from matderiv.expr.pycode import ATOM, Code, Name, helpers_used, precedence, source, substitute

__all__ = ["compile_roots", "numpy_source", "to_function"]

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
    return not root.atoms(sp.MatrixSymbol, sp.Symbol)


def _generate_source(
    ctx: Context,
    prog: Program,
    roots: Sequence[Any],
    out_shapes: Sequence[tuple[Any, ...]],
    names: Sequence[str],
    name: str,
    doc: str | None,
) -> str:
    lines: list[str] = []
    dim_names: dict[Any, str] = {}
    for arg in names:
        if len(ctx.shapes[arg]) == 1:
            lines.append(f"{arg} = np.reshape({arg}, (-1, 1))  # vectors are columns inside")
    needed = dims_needed(roots) | {
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
                dim_names[size_name] = f"{size_name}_"
                lines.append(f"{size_name}_ = {arg}.shape[{shape.index(size_name)}]")
                break
        else:
            dim_names[size_name] = str(size_name)
            extra_dims.append(str(size_name))

    def dim(d: Any) -> str:
        return dim_text(d, dim_names)

    codes: list[Code] = []
    helpers: set[str] = set()
    temp = 0
    root_set = {prog.root_index(r) for r in roots}
    for i, (op, kids) in enumerate(zip(prog.ops, prog.children, strict=True)):
        helpers |= helpers_used(op.code)
        code = substitute(op.code, [codes[k] for k in kids])
        low = precedence(code) < ATOM
        shared = prog.uses[i] > 1 and low and op.children != ()
        if shared or (i in root_set and len(roots) > 1 and low):
            temp += 1
            lines.append(f"t{temp} = {source(code, (), dim)[0]}")
            code = Name(f"t{temp}")
        codes.append(code)
    outs = []
    for root, shape in zip(roots, out_shapes, strict=True):
        text = source(codes[prog.root_index(root)], (), dim)[0]
        if len(shape) == 0:
            outs.append(f"np.asarray({text}).reshape(())")
        elif len(shape) == 1:
            outs.append(f"np.ravel({text})")
        elif _is_constant(root):
            outs.append(f"np.broadcast_to({text}, ({', '.join(dim(d) for d in shape)})).copy()")
        else:
            outs.append(text)
    body = [f'"""{doc}"""'] if doc else []
    body += lines
    body.append("return " + ", ".join(outs))
    header = ["import numpy as np", "import numpy.typing as npt", ""]
    for helper in sorted(helpers):
        header += [_helper_sources()[helper].rstrip(), ""]
    header.append(f"def {name}({', '.join([*names, *extra_dims])}):")
    return "\n".join(header + ["    " + line for line in body]) + "\n"


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
            used |= {str(s.name) for s in root.atoms(sp.MatrixSymbol, sp.Symbol)}
        args = [name for name in ctx.shapes if name in used]
    return ctx, tuple(roots), tuple(out_shapes), tuple(args), single


def to_function(
    expr: str | sp.Basic | Sequence[Any],
    shapes: Mapping[str, ShapeSpec] | Context,
    *,
    args: Sequence[str] | None = None,
    name: str = "f",
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
        The function's name in its source text.

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
    name: str = "f",
    doc: str | None = None,
) -> str:
    """Self-contained numpy source of a function computing `expr`.

    Parameters
    ----------
    expr, shapes, args, name
        As for :func:`to_function`.
    doc
        A docstring for the generated function.

    Returns
    -------
    str
        Python source: imports, any helper functions and ``def name(...)``.

    Examples
    --------
    >>> print(numpy_source("X.T @ (X @ w - y)", {"X": ("m", "n"), "w": ("n",), "y": ("m",)}))
    import numpy as np
    import numpy.typing as npt
    <BLANKLINE>
    def f(X, w, y):
        w = np.reshape(w, (-1, 1))  # vectors are columns inside
        y = np.reshape(y, (-1, 1))  # vectors are columns inside
        return np.ravel(X.T @ (X @ w - y))
    """
    ctx, roots, out_shapes, names, _ = _prepare(expr, shapes, args)
    prog = Program.build(roots)
    return _generate_source(ctx, prog, roots, out_shapes, names, name, doc)


def compile_roots(
    roots: Sequence[Any],
    ctx: Context,
    out_shapes: Sequence[tuple[Any, ...]],
    args: Sequence[str],
    *,
    name: str = "f",
    doc: str | None = None,
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
        Name and docstring of the function in its source text.

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
    source_text = _generate_source(ctx, prog, roots, shapes, tuple(args), name, doc)
    return NumpyFunction(ctx, roots, shapes, tuple(args), source_text, len(roots) == 1, prog)
