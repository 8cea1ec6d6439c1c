"""SymPy -> numpy: generated source text and a callable, from one op table.

Each node type has one :class:`Op` in :data:`OPS`: how to write it in numpy
source and how to compute it with numpy.  An expression is first flattened
into a list of distinct subexpressions (shared subexpressions are computed
once), then either printed as a self-contained Python function or evaluated
directly.  Nothing is ever passed to ``exec``: :func:`to_function` walks the
same instruction list with the numpy callables of the table.

Inside the generated code vectors are ``(n, 1)`` columns and scalars are
numbers; the arguments and the result have the user's numpy shapes (1-D
vectors, 0-d scalars).

Examples
--------
>>> import numpy as np
>>> f = to_function("x.T @ A @ x", {"x": ("n",), "A": ("n", "n")})
>>> float(f(x=np.array([1.0, 2.0]), A=np.eye(2)))
5.0
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from matderiv.errors import ShapeError, UnsupportedError
from matderiv.expr import _numpy_helpers
from matderiv.expr.context import Context, ShapeSpec, format_shape
from matderiv.expr.functions import ELEMENTWISE
from matderiv.expr.nodes import (
    Commutation,
    Elementwise,
    LogDet,
    LogSumExp,
    Norm,
    ScalarOf,
    Softmax,
    SumAll,
    Vec,
)
from matderiv.expr.parser import parse_typed

__all__ = [
    "OPS",
    "NumpyFunction",
    "Op",
    "compile_roots",
    "dimension_value",
    "numpy_source",
    "to_function",
]

# precedence of the printed result (Python's): higher binds tighter
_ATOM, _POSTFIX, _POWER, _UNARY, _PRODUCT, _SUM = 100, 90, 80, 70, 60, 50

Src = tuple[str, int]


def _wrap(arg: Src, level: int) -> str:
    text, prec = arg
    return text if prec >= level else f"({text})"


@dataclass(frozen=True)
class Op:
    """How one node is computed: numpy source and a numpy callable.

    Attributes
    ----------
    children
        The node's subexpressions that are computed first.
    source
        ``(printed children, dimension names) -> (text, precedence)``.
    call
        ``(computed children, dimension values) -> value``.
    helpers
        Names of functions of :mod:`matderiv.expr._numpy_helpers` the source uses.
    """

    children: tuple[Any, ...]
    source: Callable[[list[Src], Callable[[Any], str]], Src]
    call: Callable[[list[Any], Callable[[Any], int]], Any]
    helpers: tuple[str, ...] = field(default=())


def _unary(
    child: Any,
    template: str,
    func: Callable[[Any], Any],
    level: int = _ATOM,
    prec: int = _POSTFIX,
    helpers: tuple[str, ...] = (),
) -> Op:
    return Op(
        (child,),
        lambda a, d: (template.format(_wrap(a[0], level)), prec),
        lambda a, d: func(a[0]),
        helpers,
    )


def _weighted_gram_op(node: Any) -> Op | None:
    """``c Aᵀ diag(w) A`` (Gauss–Newton and logistic Hessians) by a symmetric rank-k update."""
    coeff, matrices = node.as_coeff_matrices()
    if len(matrices) != 3:
        return None
    first, middle, last = matrices
    if not (
        isinstance(first, sp.Transpose) and first.arg == last and isinstance(middle, DiagMatrix)
    ):
        return None
    has_coeff = coeff != 1
    children = (coeff, last, middle.args[0]) if has_coeff else (last, middle.args[0])

    def source(a: list[Src], d: Callable[[Any], str]) -> Src:
        matrix, weights = a[-2:]
        text: Src = (f"_weighted_gram({matrix[0]}, {weights[0]})", _POSTFIX)
        if not has_coeff:
            return text
        if a[0][0] == "-1":
            return (f"-{text[0]}", _UNARY)
        return (f"{_wrap(a[0], _PRODUCT)} * {text[0]}", _PRODUCT)

    def call(a: list[Any], d: Callable[[Any], int]) -> Any:
        gram = _numpy_helpers._weighted_gram(a[-2], a[-1])
        return a[0] * gram if has_coeff else gram

    return Op(children, source, call, ("_weighted_gram",))


def _matmul_op(node: Any) -> Op:
    gram = _weighted_gram_op(node)
    if gram is not None:
        return gram
    coeff, matrices = node.as_coeff_matrices()
    factors: list[Any] = []
    diag_flags: list[bool] = []
    for m in matrices:
        if isinstance(m, DiagMatrix):
            factors.append(m.args[0])
            diag_flags.append(True)
        else:
            factors.append(m)
            diag_flags.append(False)
    children = (coeff, *factors) if coeff != 1 else tuple(factors)
    has_coeff = coeff != 1

    def source(a: list[Src], d: Callable[[Any], str]) -> Src:
        parts = a[1:] if has_coeff else a
        text: Src | None = None
        pending: list[Src] = []  # diagonals waiting for a right operand
        for part, is_diag in zip(parts, diag_flags, strict=True):
            if is_diag:
                if text is None:
                    pending.append(part)
                else:
                    text = (f"{_wrap(text, _PRODUCT)} * {_wrap(part, _POSTFIX + 1)}.T", _PRODUCT)
            else:
                if text is None:
                    text = part
                    for p in reversed(pending):
                        text = (f"{_wrap(p, _PRODUCT)} * {_wrap(text, _PRODUCT + 1)}", _PRODUCT)
                    pending = []
                else:
                    text = (f"{_wrap(text, _PRODUCT)} @ {_wrap(part, _PRODUCT + 1)}", _PRODUCT)
        if text is None:  # a product of diagonals only
            prod = pending[0]
            for p in pending[1:]:
                prod = (f"{_wrap(prod, _PRODUCT)} * {_wrap(p, _PRODUCT + 1)}", _PRODUCT)
            text = (f"np.diagflat({prod[0]})", _POSTFIX)
        if has_coeff:
            c = a[0]
            if c[0] == "-1":
                return (f"-{_wrap(text, _UNARY)}", _UNARY)
            return (f"{_wrap(c, _PRODUCT)} * {_wrap(text, _PRODUCT + 1)}", _PRODUCT)
        return text

    def call(a: list[Any], d: Callable[[Any], int]) -> Any:
        parts = a[1:] if has_coeff else a
        value: Any = None
        pending: list[Any] = []
        for part, is_diag in zip(parts, diag_flags, strict=True):
            if is_diag:
                if value is None:
                    pending.append(part)
                else:
                    value = value * part.T
            elif value is None:
                value = part
                for p in reversed(pending):
                    value = p * value
                pending = []
            else:
                value = value @ part
        if value is None:
            prod = pending[0]
            for p in pending[1:]:
                prod = prod * p
            value = np.diagflat(prod)
        return a[0] * value if has_coeff else value

    return Op(children, source, call)


def _negative(term: Any) -> bool:
    if isinstance(term, sp.MatMul):
        return bool(term.as_coeff_mmul()[0].is_negative)
    return bool(term.could_extract_minus_sign())


def _nary(node: Any, symbol: str, level: int, func: Callable[[Any, Any], Any]) -> Op:
    args = tuple(node.args)
    if symbol == " + ":  # positive terms first: y - X @ w rather than -X @ w + y
        args = tuple(a for a in args if not _negative(a)) + tuple(a for a in args if _negative(a))

    def source(a: list[Src], d: Callable[[Any], str]) -> Src:
        text = _wrap(a[0], level)
        for part in a[1:]:
            if symbol == " + " and part[0].startswith("-") and part[1] >= _UNARY:
                text += " - " + _wrap((part[0][1:], part[1]), level + 1)
            else:
                text += symbol + _wrap(part, level + 1)
        return (text, level)

    def call(a: list[Any], d: Callable[[Any], int]) -> Any:
        value = a[0]
        for part in a[1:]:
            value = func(value, part)
        return value

    return Op(args, source, call)


def _number_op(node: Any) -> Op:
    value = float(node) if not node.is_Integer else int(node)
    text = repr(value)
    if node.is_Rational and not node.is_Integer:
        text = f"{node.p} / {node.q}"
        prec = _PRODUCT
    else:
        prec = _ATOM if value >= 0 else _UNARY
    return Op((), lambda a, d: (text, prec), lambda a, d: value)


def _mul_op(node: Any) -> Op:
    numer, denom = sp.fraction(node, exact=True)
    if denom != 1:
        return Op(
            (numer, denom),
            lambda a, d: (f"{_wrap(a[0], _PRODUCT)} / {_wrap(a[1], _PRODUCT + 1)}", _PRODUCT),
            lambda a, d: a[0] / a[1],
        )
    coeff, rest = node.as_coeff_Mul()
    if coeff == -1:
        return Op(
            (rest,),
            lambda a, d: (f"-{_wrap(a[0], _UNARY)}", _UNARY),
            lambda a, d: -a[0],
        )
    return _nary(node, " * ", _PRODUCT, lambda x, y: x * y)


def _pow_op(node: Any) -> Op:
    """Scalar powers and elementwise (Hadamard) powers: both are numpy's ``**``."""
    base, exponent = node.args
    if exponent == sp.Rational(1, 2) and isinstance(node, sp.Pow):
        return _unary(base, "np.sqrt({0})", np.sqrt, 0, _POSTFIX)
    if exponent == -1:
        return Op(
            (base,),
            lambda a, d: (f"1 / {_wrap(a[0], _PRODUCT + 1)}", _PRODUCT),
            lambda a, d: 1 / a[0],
        )
    return Op(
        (base, exponent),
        lambda a, d: (f"{_wrap(a[0], _POWER + 1)} ** {_wrap(a[1], _POWER)}", _POWER),
        lambda a, d: a[0] ** a[1],
    )


def _dims_op(node: Any, template: str, func: Callable[..., Any], dims: Sequence[Any]) -> Op:
    return Op(
        (),
        lambda a, d: (template.format(*[d(x) for x in dims]), _POSTFIX),
        lambda a, d: func(*[d(x) for x in dims]),
    )


def _scalar_function(name: str, func: Callable[[Any], Any]) -> Callable[[Any], Op]:
    return lambda node: _unary(node.args[0], f"np.{name}({{0}})", func, 0, _POSTFIX)


def _elementwise_op(node: Any) -> Op:
    spec = ELEMENTWISE[node.name]
    level = _PRODUCT + 1 if "* {0}" in spec.numpy_source else 0
    prec = _PRODUCT if spec.numpy_source[0].isdigit() else _POSTFIX
    return _unary(node.arg, spec.numpy_source, spec.numpy, level, prec)


def _max_op(node: Any) -> Op:
    if len(node.args) != 2:
        raise UnsupportedError(f"no numpy code for {node}: Max of two arguments only")
    return Op(
        tuple(node.args),
        lambda a, d: (f"np.maximum({a[0][0]}, {a[1][0]})", _POSTFIX),
        lambda a, d: np.maximum(a[0], a[1]),
    )


def _heaviside_op(node: Any) -> Op:
    return _unary(
        node.args[0], "np.heaviside({0}, 0.0)", lambda z: np.heaviside(z, 0.0), 0, _POSTFIX
    )


def _matpow_op(node: Any) -> Op:
    base, k = node.args
    k = int(k)
    if k < 0:
        return _unary(
            base,
            f"np.linalg.matrix_power(np.linalg.inv({{0}}), {-k})",
            lambda x: np.linalg.matrix_power(np.linalg.inv(x), -k),
            0,
            _POSTFIX,
        )
    return _unary(
        base,
        f"np.linalg.matrix_power({{0}}, {k})",
        lambda x: np.linalg.matrix_power(x, k),
        0,
        _POSTFIX,
    )


def _helper(name: str) -> Callable[[Any], Op]:
    func = getattr(_numpy_helpers, name)
    return lambda node: _unary(node.args[0], name + "({0})", func, 0, _POSTFIX, helpers=(name,))


_T = Callable[[Any], Op]

#: The code-generation rule of each node type.
OPS: dict[type, _T] = {
    sp.MatAdd: lambda n: _nary(n, " + ", _SUM, lambda x, y: x + y),
    sp.Add: lambda n: _nary(n, " + ", _SUM, lambda x, y: x + y),
    sp.MatMul: _matmul_op,
    sp.Mul: _mul_op,
    sp.Pow: _pow_op,
    sp.HadamardProduct: lambda n: _nary(n, " * ", _PRODUCT, lambda x, y: x * y),
    sp.HadamardPower: _pow_op,
    sp.KroneckerProduct: lambda n: Op(
        tuple(n.args),
        lambda a, d: (
            "np.kron(" + ", ".join(x[0] for x in a[:1]) + ", " + _kron_source(a[1:]) + ")",
            _POSTFIX,
        ),
        lambda a, d: _kron_call(a),
    ),
    sp.Transpose: lambda n: _unary(n.arg, "{0}.T", lambda x: x.T, _POSTFIX),
    sp.Inverse: lambda n: _unary(n.arg, "np.linalg.inv({0})", np.linalg.inv, 0, _POSTFIX),
    sp.MatPow: _matpow_op,
    sp.Trace: lambda n: _unary(n.arg, "np.trace({0})", np.trace, 0, _POSTFIX),
    sp.Determinant: lambda n: _unary(n.arg, "np.linalg.det({0})", np.linalg.det, 0, _POSTFIX),
    LogDet: lambda n: _unary(
        n.arg, "np.linalg.slogdet({0})[1]", lambda x: np.linalg.slogdet(x)[1], 0, _POSTFIX
    ),
    ScalarOf: lambda n: _unary(n.arg, "{0}[0, 0]", lambda x: x[0, 0], _POSTFIX),
    SumAll: lambda n: _unary(n.arg, "np.sum({0})", np.sum, 0, _POSTFIX),
    Norm: lambda n: _unary(n.arg, "np.linalg.norm({0})", np.linalg.norm, 0, _POSTFIX),
    LogSumExp: _helper("_logsumexp"),
    Softmax: _helper("_softmax"),
    Elementwise: _elementwise_op,
    DiagMatrix: lambda n: _unary(n.args[0], "np.diagflat({0})", np.diagflat, 0, _POSTFIX),
    DiagonalOf: lambda n: _unary(
        n.args[0],
        "np.diagonal({0}).reshape(-1, 1)",
        lambda x: np.diagonal(x).reshape(-1, 1),
        0,
        _POSTFIX,
    ),
    Vec: lambda n: _unary(
        n.arg, "{0}.reshape(-1, 1, order='F')", lambda x: x.reshape(-1, 1, order="F")
    ),
    sp.Identity: lambda n: _dims_op(n, "np.eye({0})", np.eye, [n.rows]),
    sp.ZeroMatrix: lambda n: _dims_op(
        n, "np.zeros(({0}, {1}))", lambda r, c: np.zeros((r, c)), list(n.shape)
    ),
    sp.OneMatrix: lambda n: _dims_op(
        n, "np.ones(({0}, {1}))", lambda r, c: np.ones((r, c)), list(n.shape)
    ),
    Commutation: lambda n: Op(
        (),
        lambda a, d: (f"_commutation({d(n.args[0])}, {d(n.args[1])})", _POSTFIX),
        lambda a, d: _numpy_helpers._commutation(d(n.args[0]), d(n.args[1])),
        ("_commutation",),
    ),
    sp.exp: _scalar_function("exp", np.exp),
    sp.log: _scalar_function("log", np.log),
    sp.sin: _scalar_function("sin", np.sin),
    sp.cos: _scalar_function("cos", np.cos),
    sp.tanh: _scalar_function("tanh", np.tanh),
    sp.Abs: _scalar_function("abs", np.abs),
    sp.sign: _scalar_function("sign", np.sign),
    sp.re: _scalar_function("real", np.real),
    sp.Max: _max_op,
    sp.Heaviside: _heaviside_op,
}


def _kron_source(rest: list[Src]) -> str:
    if len(rest) == 1:
        return rest[0][0]
    return "np.kron(" + rest[0][0] + ", " + _kron_source(rest[1:]) + ")"


def _kron_call(values: list[Any]) -> Any:
    out = values[-1]
    for v in reversed(values[:-1]):
        out = np.kron(v, out)
    return out


def _is_dimension(node: Any) -> bool:
    """Dimension names are positive integer symbols; user scalars are only real."""
    return isinstance(node, sp.Symbol) and node.is_integer is True


def _op_for(node: Any) -> Op:
    if _is_dimension(node):  # a size used as a number, e.g. sum(ones(n)) = n
        return Op((), lambda a, d: (d(node), _ATOM), lambda a, d: d(node))
    if isinstance(node, sp.MatrixSymbol | sp.Symbol):
        name = str(node.name)
        return Op((), lambda a, d: (name, _ATOM), lambda a, d: None)
    if isinstance(node, sp.Number) or node in (sp.pi, sp.E):
        if node in (sp.pi, sp.E):
            text = "np.pi" if node is sp.pi else "np.e"
            value = float(node)
            return Op((), lambda a, d: (text, _ATOM), lambda a, d: value)
        if node is sp.nan or node in (sp.oo, -sp.oo, sp.zoo):
            raise UnsupportedError(f"no numpy code for the number {node}")
        return _number_op(node)
    for klass in type(node).__mro__:
        rule = OPS.get(klass)
        if rule is not None:
            return rule(node)
    raise UnsupportedError(
        f"no numpy code for the node {type(node).__name__} ({node}); "
        "the code generator knows " + ", ".join(sorted(k.__name__ for k in OPS))
    )


# -- the instruction list ------------------------------------------------------------


@dataclass
class _Program:
    nodes: list[Any]  # distinct subexpressions, children first
    ops: list[Op]
    children: list[list[int]]
    uses: list[int]

    @classmethod
    def build(cls, roots: Sequence[Any]) -> _Program:
        index: dict[Any, int] = {}
        prog = cls([], [], [], [])

        def visit(node: Any) -> int:
            found = index.get(node)
            if found is not None:
                prog.uses[found] += 1
                return found
            op = _op_for(node)
            kids = [visit(child) for child in op.children]
            index[node] = len(prog.nodes)
            prog.nodes.append(node)
            prog.ops.append(op)
            prog.children.append(kids)
            prog.uses.append(1)
            return index[node]

        for root in roots:
            visit(root)
        return prog

    def root_index(self, root: Any) -> int:
        return self.nodes.index(root)


def _dim_text(dim: Any, names: Mapping[Any, str]) -> str:
    if dim in names:
        return names[dim]
    if dim.is_Integer:
        return str(int(dim))
    if isinstance(dim, sp.Symbol):
        return str(dim)
    if isinstance(dim, sp.Mul | sp.Add):
        symbol = " * " if isinstance(dim, sp.Mul) else " + "
        return "(" + symbol.join(_dim_text(a, names) for a in dim.args) + ")"
    if isinstance(dim, sp.Pow) and dim.args[1].is_Integer:
        return f"{_dim_text(dim.args[0], names)} ** {int(dim.args[1])}"
    raise UnsupportedError(f"cannot write the dimension {dim} in numpy")


def dimension_value(dim: Any, values: Mapping[Any, int]) -> int:
    """The size of a (possibly compound) dimension given the sizes of the names.

    >>> import sympy as sp
    >>> m, p = sp.symbols("m p")
    >>> dimension_value(m * p + 1, {m: 2, p: 3})
    7
    """
    return _dim_value(sp.sympify(dim), values)


def _dim_value(dim: Any, values: Mapping[Any, int]) -> int:
    if dim.is_Integer:
        return int(dim)
    if dim in values:
        return values[dim]
    if isinstance(dim, sp.Mul):
        out = 1
        for a in dim.args:
            out *= _dim_value(a, values)
        return out
    if isinstance(dim, sp.Add):
        return sum(_dim_value(a, values) for a in dim.args)
    if isinstance(dim, sp.Pow):
        return int(_dim_value(dim.args[0], values) ** int(dim.args[1]))
    raise ShapeError(f"the size {dim} is not known from the arrays; pass {dim}=... as well")


def _dims_needed(roots: Iterable[Any]) -> set[Any]:
    dims: set[Any] = set()
    for root in roots:
        walk = sp.preorder_traversal(root)
        for node in walk:
            if isinstance(node, sp.MatrixSymbol):
                walk.skip()  # its shape is known from its array
                continue
            if _is_dimension(node):
                dims.add(node)
            if isinstance(node, sp.Identity | sp.ZeroMatrix | sp.OneMatrix | Commutation):
                for d in node.shape if not isinstance(node, Commutation) else node.args:
                    dims |= set(sp.sympify(d).free_symbols)
    return dims


@dataclass(frozen=True)
class NumpyFunction:
    """A numpy function compiled from an expression (no ``exec`` involved).

    Call it with the arrays as keyword arguments, in their numpy shapes
    (0-d scalars, 1-D vectors, 2-D matrices).  ``source`` is the same
    function as Python text.

    Examples
    --------
    >>> import numpy as np
    >>> f = to_function("outer(x, x)", {"x": ("n",)})
    >>> f(x=np.array([1.0, 2.0]))
    array([[1., 2.],
           [2., 4.]])
    >>> f.arg_names
    ('x',)
    """

    context: Context
    roots: tuple[Any, ...]
    out_shapes: tuple[tuple[Any, ...], ...]
    arg_names: tuple[str, ...]
    source: str
    single: bool
    _program: _Program

    def __call__(self, **arrays: Any) -> Any:
        values, dims = _bind(self.context, self.arg_names, arrays, self.roots)
        results = []
        computed: list[Any] = []
        for op, node, kids in zip(
            self._program.ops, self._program.nodes, self._program.children, strict=True
        ):
            if isinstance(node, sp.MatrixSymbol | sp.Symbol) and not _is_dimension(node):
                computed.append(values[str(node.name)])
            else:
                computed.append(op.call([computed[k] for k in kids], lambda d: _dim_value(d, dims)))
        for root, shape in zip(self.roots, self.out_shapes, strict=True):
            value = computed[self._program.root_index(root)]
            results.append(_to_user(value, shape, root, dims))
        return results[0] if self.single else tuple(results)


def _bind(
    ctx: Context, names: Sequence[str], arrays: Mapping[str, Any], roots: Sequence[Any]
) -> tuple[dict[str, Any], dict[Any, int]]:
    values: dict[str, Any] = {}
    dims: dict[Any, int] = {}
    missing = [n for n in names if n not in arrays]
    if missing:
        raise ShapeError(
            f"missing argument{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            f"(the function takes {', '.join(names)} as keyword arguments)"
        )
    for name in names:
        array = np.asarray(arrays[name])
        if array.dtype.kind not in "fciu":
            raise ShapeError(f"{name} must be a numeric array, got dtype {array.dtype}")
        shape = ctx.shapes[name]
        if array.ndim != len(shape):
            raise ShapeError(
                f"{name} has shape {array.shape}, but it is declared with shape "
                f"{format_shape(shape)} ({len(shape)}-D)"
            )
        for size, dim in zip(array.shape, shape, strict=True):
            known = dims.get(dim, int(dim) if dim.is_Integer else None)
            if known is not None and known != size:
                raise ShapeError(
                    f"{name} has shape {array.shape}, which does not fit its declared shape "
                    f"{format_shape(shape)} ({dim} = {known} from the other arrays)"
                )
            dims[dim] = size
        if array.dtype.kind in "iu":
            array = array.astype(np.float64)
        if array.ndim == 0:
            values[name] = array[()]
        elif array.ndim == 1:
            values[name] = array.reshape(-1, 1)
        else:
            values[name] = array
    for name, value in arrays.items():  # other declared arrays may tell sizes too
        if name in ctx.shapes and name not in values:
            for size, dim in zip(np.shape(value), ctx.shapes[name], strict=False):
                dims.setdefault(dim, int(size))
    for dim in _dims_needed(roots):
        if dim not in dims:
            if str(dim) in arrays:
                dims[dim] = int(arrays[str(dim)])
            else:
                raise ShapeError(
                    f"the size {dim} is not known from the arrays; pass {dim}=... as well"
                )
    return values, dims


def _to_user(value: Any, shape: tuple[Any, ...], root: Any, dims: Mapping[Any, int]) -> Any:
    array = np.asarray(value)
    if len(shape) == 0:
        return array.reshape(())
    target = tuple(_dim_value(d, dims) for d in shape)
    if array.ndim == 0:  # a constant that numpy folded to a scalar
        return np.broadcast_to(array, target).copy()
    return array.reshape(target)


def _is_constant(root: Any) -> bool:
    return not root.atoms(sp.MatrixSymbol, sp.Symbol)


def _generate_source(
    ctx: Context,
    prog: _Program,
    roots: Sequence[Any],
    out_shapes: Sequence[tuple[Any, ...]],
    names: Sequence[str],
    name: str,
    doc: str | None,
) -> str:
    lines: list[str] = []
    dim_names: dict[Any, str] = {}
    for arg in names:
        shape = ctx.shapes[arg]
        if len(shape) == 1:
            lines.append(f"{arg} = np.reshape({arg}, (-1, 1))  # vectors are columns inside")
    needed = _dims_needed(roots) | {
        d
        for root, shape in zip(roots, out_shapes, strict=True)
        if _is_constant(root)
        for size in shape
        for d in sp.sympify(size).free_symbols
    }
    extra_dims: list[str] = []
    for dim in sorted(needed, key=str):
        for arg in names:
            shape = ctx.shapes[arg]
            if dim in shape:
                axis = shape.index(dim)
                dim_names[dim] = f"{dim}_"
                lines.append(f"{dim}_ = {arg}.shape[{axis}]")
                break
        else:
            dim_names[dim] = str(dim)
            extra_dims.append(str(dim))
    texts: list[Src] = []
    helpers: set[str] = set()
    temp = 0
    root_set = {prog.root_index(r) for r in roots}
    for i, (op, kids) in enumerate(zip(prog.ops, prog.children, strict=True)):
        helpers |= set(op.helpers)
        text = op.source([texts[k] for k in kids], lambda d: _dim_text(d, dim_names))
        shared = prog.uses[i] > 1 and text[1] < _ATOM and op.children != ()
        if shared or (i in root_set and len(roots) > 1 and text[1] < _ATOM):
            temp += 1
            lines.append(f"t{temp} = {text[0]}")
            text = (f"t{temp}", _ATOM)
        texts.append(text)
    outs = []
    for root, shape in zip(roots, out_shapes, strict=True):
        text = texts[prog.root_index(root)]
        if len(shape) == 0:
            outs.append(f"np.asarray({text[0]}).reshape(())")
        elif len(shape) == 1:
            outs.append(f"np.ravel({text[0]})")
        elif _is_constant(root):
            dims = ", ".join(_dim_text(d, dim_names) for d in shape)
            outs.append(f"np.broadcast_to({text[0]}, ({dims})).copy()")
        else:
            outs.append(text[0])
    body = []
    if doc:
        body.append(f'"""{doc}"""')
    body += lines
    body.append("return " + ", ".join(outs))
    params = ", ".join([*names, *extra_dims])
    header = ["import numpy as np", "import numpy.typing as npt", ""]
    for helper in sorted(helpers):
        header += [inspect.getsource(getattr(_numpy_helpers, helper)).rstrip(), ""]
    header.append(f"def {name}({params}):")
    return "\n".join(header + ["    " + line for line in body]) + "\n"


def _prepare(
    expr: str | sp.Basic | Sequence[Any],
    shapes: Mapping[str, ShapeSpec] | Context,
    args: Sequence[str] | None,
) -> tuple[Context, tuple[Any, ...], tuple[tuple[Any, ...], ...], tuple[str, ...], bool]:
    from matderiv.expr.parser import user_shape

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
    prog = _Program.build(roots)
    source = _generate_source(ctx, prog, roots, out_shapes, names, name, None)
    return NumpyFunction(ctx, roots, out_shapes, names, source, single, prog)


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
    prog = _Program.build(roots)
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
    """Compile internal expressions with explicit output shapes (for :mod:`matderiv.derive`).

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
    prog = _Program.build(roots)
    shapes = tuple(tuple(sp.sympify(d) for d in s) for s in out_shapes)
    source = _generate_source(ctx, prog, roots, shapes, tuple(args), name, doc)
    return NumpyFunction(ctx, roots, shapes, tuple(args), source, len(roots) == 1, prog)


def evaluate(fn: NumpyFunction, arrays: Mapping[str, Any]) -> npt.NDArray[Any]:
    """Call `fn` with `arrays` (a convenience for mappings).

    >>> import numpy as np
    >>> f = to_function("sum(x)", {"x": ("n",)})
    >>> float(evaluate(f, {"x": np.ones(3)}))
    3.0
    """
    return fn(**arrays)  # type: ignore[no-any-return]
