"""The instruction list of an expression and the numpy function that runs it.

An expression is flattened into its distinct subexpressions, children first
(a shared subexpression is computed once).  :class:`NumpyFunction` runs that
list with the callables compiled from each :class:`~matderiv.expr.pycode.Op`
(numpy is imported on the first call); :mod:`matderiv.expr.codegen.emit` prints
the same list as source.

Inside the computation vectors are ``(n, 1)`` columns and scalars are numbers;
the arguments and the result have the user's numpy shapes (1-D vectors, 0-d
scalars).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from matderiv._numpy import numpy_module
from matderiv.errors import ShapeError, UnsupportedError
from matderiv.expr.codegen.ops import is_dimension, op_for
from matderiv.expr.context import Context, format_shape
from matderiv.expr.nodes import Commutation
from matderiv.expr.pycode import Compiled, Op, compile_code
from matderiv.expr.walk import distinct

__all__ = ["NumpyFunction", "Program", "dim_text", "dimension_value", "dims_needed"]


@dataclass
class Program:
    """Distinct subexpressions, children first, with their ops and use counts."""

    nodes: list[Any]
    ops: list[Op]
    children: list[list[int]]
    uses: list[int]

    @classmethod
    def build(cls, roots: Sequence[Any]) -> Program:
        """The program computing every root."""
        index: dict[Any, int] = {}
        prog = cls([], [], [], [])

        def visit(node: Any) -> int:
            found = index.get(node)
            if found is not None:
                prog.uses[found] += 1
                return found
            op = op_for(node)
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
        """Where `root` is computed."""
        return self.nodes.index(root)

    @functools.cached_property
    def last_use(self) -> list[int]:
        """For each instruction, the last instruction that reads its value (itself if none)."""
        last = list(range(len(self.nodes)))
        for i, kids in enumerate(self.children):
            for k in kids:
                last[k] = i
        return last

    @functools.cached_property
    def compiled(self) -> list[Compiled | None]:
        """The callable of each instruction (``None`` for an argument); imports numpy."""
        return [
            None if _is_argument(node) else compile_code(op.code)
            for node, op in zip(self.nodes, self.ops, strict=True)
        ]


def _is_argument(node: Any) -> bool:
    return isinstance(node, sp.MatrixSymbol | sp.Symbol) and not is_dimension(node)


def dim_text(dim: Any, names: Mapping[Any, str]) -> str:
    """A (possibly compound) dimension as Python source, given the names of the sizes."""
    if dim in names:
        return names[dim]
    if dim.is_Integer:
        return str(int(dim))
    if isinstance(dim, sp.Symbol):
        return str(dim)
    if isinstance(dim, sp.Mul | sp.Add):
        symbol = " * " if isinstance(dim, sp.Mul) else " + "
        return "(" + symbol.join(dim_text(a, names) for a in dim.args) + ")"
    if isinstance(dim, sp.Pow) and dim.args[1].is_Integer:
        return f"{dim_text(dim.args[0], names)} ** {int(dim.args[1])}"
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


def dims_needed(roots: Iterable[Any]) -> set[Any]:
    """The dimension names the computation uses beyond the arrays' own shapes."""
    dims: set[Any] = set()
    # a MatrixSymbol's shape is known from its array: not walked into
    for node in distinct(*roots, descend=lambda n: not isinstance(n, sp.MatrixSymbol)):
        if isinstance(node, sp.MatrixSymbol):
            continue
        if is_dimension(node):
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
    function as Python text.  Calling it needs numpy; building it does not.

    Examples
    --------
    >>> import numpy as np
    >>> from matderiv.expr import to_function
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
    _program: Program

    @functools.cached_property
    def _root_indices(self) -> tuple[int, ...]:
        # a function's roots never change: found once, not at every call
        return tuple(self._program.root_index(root) for root in self.roots)

    @functools.cached_property
    def _dims_needed(self) -> frozenset[Any]:
        return frozenset(dims_needed(self.roots))

    def __call__(self, /, **arrays: Any) -> Any:
        values, dims = _bind(self.context, self.arg_names, arrays, self._dims_needed)
        prog = self._program

        def size(d: Any) -> int:
            return _dim_value(d, dims)

        computed: list[Any] = []
        last_use = prog.last_use
        keep = set(self._root_indices)
        for i, (node, call, kids) in enumerate(
            zip(prog.nodes, prog.compiled, prog.children, strict=True)
        ):
            if call is None:
                computed.append(values[str(node.name)])
            else:
                computed.append(call([computed[k] for k in kids], size))
                for k in kids:  # an intermediate no later step reads is released at once
                    if last_use[k] == i and k not in keep:
                        computed[k] = None
        results = [
            _to_user(computed[i], shape, dims)
            for i, shape in zip(self._root_indices, self.out_shapes, strict=True)
        ]
        return results[0] if self.single else tuple(results)


def _bind(
    ctx: Context, names: Sequence[str], arrays: Mapping[str, Any], needed: Iterable[Any]
) -> tuple[dict[str, Any], dict[Any, int]]:
    np = numpy_module()
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
    for dim in needed:
        if dim not in dims:
            if str(dim) in arrays:
                dims[dim] = int(arrays[str(dim)])
            else:
                raise ShapeError(
                    f"the size {dim} is not known from the arrays; pass {dim}=... as well"
                )
    return values, dims


def _to_user(value: Any, shape: tuple[Any, ...], dims: Mapping[Any, int]) -> Any:
    np = numpy_module()
    array = np.asarray(value)
    if array.dtype.kind not in "fc":  # an integer result (a size, a constant): float64
        array = array.astype(np.float64)
    if len(shape) == 0:
        return array.reshape(())
    target = tuple(_dim_value(d, dims) for d in shape)
    if array.ndim == 0:  # a constant that numpy folded to a scalar
        return np.broadcast_to(array, target).copy()
    return array.reshape(target)
