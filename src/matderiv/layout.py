"""Layouts and shapes: how the one derivative is written down as an array.

The derivative of ``f: R^in_shape -> R^out_shape`` at a point is one linear map
``dX -> df``.  This module knows the array representations of that map and
converts between them; every conversion goes through the *mixed* layout, the
generalized Jacobian ``J[i.., j..] = ∂f_i/∂x_j`` of shape ``out_shape + in_shape``.

Kinds and numpy shapes
----------------------
The *kind* of an array is read from its number of axes: a 0-d array is a
**scalar**, a 1-D array ``(n,)`` a **vector**, a 2-D array ``(m, n)`` a
**matrix** (a column vector ``(n, 1)`` is therefore a matrix, as in numpy).

Numerator and denominator layouts write every derivative as a scalar or a
2-D matrix, exactly as the layout tables of Wikipedia's "Matrix calculus"
article.  In these two layouts a row vector is the 2-D shape ``(1, n)`` and a
column vector the 2-D shape ``(n, 1)``, never ``(n,)``: the shape alone tells
which layout an array is in.  With ``y ∈ R^m``, ``x ∈ R^n``, ``Y ∈ R^{m×n}``,
``X ∈ R^{p×q}``:

=========================  ================  ================  ==================
pair                       mixed             numerator         denominator
=========================  ================  ================  ==================
scalar by scalar           ``()``            ``()``            ``()``
vector ``y`` by scalar     ``(m,)``          ``(m, 1)``        ``(1, m)``
matrix ``Y`` by scalar     ``(m, n)``        ``(m, n)``        ``(n, m)`` (†)
scalar by vector ``x``     ``(n,)``          ``(1, n)``        ``(n, 1)``
vector by vector           ``(m, n)``        ``(m, n)``        ``(n, m)``
scalar by matrix ``X``     ``(p, q)``        ``(q, p)``        ``(p, q)``
matrix by vector           ``(m, n, n)``     undefined         undefined
vector by matrix           ``(m, p, q)``     undefined         undefined
matrix by matrix           ``(m, n, p, q)``  undefined         undefined
=========================  ================  ================  ==================

(†) Wikipedia defines the matrix-by-scalar derivative in numerator layout
only; matderiv takes the denominator form to be its transpose, the rule that
relates the two layouts everywhere else.

The mixed layout exists for every pair and any tensor rank; it is the layout
of ``jax.jacobian``, the Matrix Cookbook and matrixcalculus.org, and in it the
gradient of a scalar has the shape of the variable.  Where numerator or
denominator layout is undefined, use the mixed array, the vec (Kronecker)
matrix of :func:`vec_jacobian`, or the linear map itself.

Examples
--------
>>> import numpy as np
>>> from matderiv.layout import Layout, derivative_shape, to_layout
>>> derivative_shape((), (3,), Layout.NUMERATOR)
(1, 3)
>>> A = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> G = A.T                      # d tr(AX)/dX in mixed layout: the shape of X
>>> to_layout(G, (), (2, 2), "mixed", "numerator")   # laid out by Xᵀ
array([[1., 2.],
       [3., 4.]])
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matderiv.errors import ShapeError, UnsupportedError

__all__ = [
    "Layout",
    "ShapeRow",
    "as_layout",
    "derivative_shape",
    "kind_of",
    "shape_table",
    "to_layout",
    "unvec",
    "unvec_jacobian",
    "vec",
    "vec_jacobian",
]

Shape = tuple[int, ...]
if TYPE_CHECKING:  # numpy is needed for arrays only: shapes and layouts work without it
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]

_KINDS = ("scalar", "vector", "matrix")


class Layout(enum.StrEnum):
    """How the entries of a derivative are arranged in an array.

    A ``Layout`` is a ``str``: ``Layout.MIXED == "mixed"``, and every function
    that takes a layout also takes the plain strings ``"mixed"``,
    ``"numerator"`` and ``"denominator"``.

    Examples
    --------
    >>> Layout("numerator") is Layout.NUMERATOR
    True
    >>> Layout.MIXED == "mixed"
    True
    """

    #: Generalized Jacobian, shape ``out_shape + in_shape`` (the default).
    MIXED = "mixed"
    #: Wikipedia's numerator layout, laid out by the output and by the transposed input.
    NUMERATOR = "numerator"
    #: Wikipedia's denominator layout, the transpose of the numerator layout.
    DENOMINATOR = "denominator"


def as_layout(layout: Layout | str) -> Layout:
    """Return `layout` as a :class:`Layout`, accepting its string value.

    Parameters
    ----------
    layout
        A :class:`Layout` or one of ``"mixed"``, ``"numerator"``, ``"denominator"``
        (case-insensitive).

    Returns
    -------
    Layout
        The layout.

    Raises
    ------
    ~matderiv.errors.UnsupportedError
        If `layout` names no layout.

    Examples
    --------
    >>> as_layout("Denominator")
    <Layout.DENOMINATOR: 'denominator'>
    """
    if isinstance(layout, Layout):
        return layout
    if isinstance(layout, str):
        try:
            return Layout(layout.strip().lower())
        except ValueError:
            pass
    names = ", ".join(repr(item.value) for item in Layout)
    raise UnsupportedError(f"unknown layout {layout!r}; use one of {names} (or a matderiv.Layout)")


def kind_of(shape: Shape) -> str:
    """Name the kind of an array of this shape: scalar, vector, matrix or tensor.

    Examples
    --------
    >>> kind_of(()), kind_of((3,)), kind_of((3, 1)), kind_of((2, 2, 2))
    ('scalar', 'vector', 'matrix', 'tensor')
    """
    return _KINDS[len(shape)] if len(shape) < len(_KINDS) else "tensor"


def _shape(shape: object, what: str) -> Shape:
    try:
        result = tuple(int(n) for n in shape)  # type: ignore[attr-defined]
    except TypeError:
        raise ShapeError(f"{what} must be a tuple of ints, got {shape!r}") from None
    if any(n < 0 for n in result):
        raise ShapeError(f"{what} {result} has a negative dimension")
    return result


def _undefined(out_shape: Shape, in_shape: Shape, layout: Layout) -> ShapeError:
    out_kind, in_kind = kind_of(out_shape), kind_of(in_shape)
    mixed = out_shape + in_shape
    vec_shape = (math.prod(out_shape), math.prod(in_shape))
    return ShapeError(
        f"{layout.value} layout has no {out_kind}-by-{in_kind} derivative "
        f"(output shape {out_shape}, input shape {in_shape}): numerator and denominator "
        "layouts only write derivatives that fit in a matrix. Representations that exist: "
        f"the mixed layout, a {len(mixed)}-d array of shape {mixed} (layout='mixed'); "
        f"the vec/Kronecker matrix of shape {vec_shape} with vec(dF) = J_vec vec(dX) "
        "(matderiv.vec_jacobian); or the linear map dX -> dF (matderiv.numeric.jvp)."
    )


def derivative_shape(
    out_shape: Shape, in_shape: Shape, layout: Layout | str = Layout.MIXED
) -> Shape:
    """Shape of the derivative of an `out_shape` array by an `in_shape` array.

    Parameters
    ----------
    out_shape, in_shape
        Shapes of the function's value and of its variable (``()`` for a scalar).
    layout
        ``"mixed"`` (any ranks), ``"numerator"`` or ``"denominator"``
        (scalars, vectors and matrices; see the module docstring for the table).

    Returns
    -------
    tuple of int
        The shape of the derivative array.

    Raises
    ------
    ~matderiv.errors.ShapeError
        If the layout does not define this pair of kinds (for instance matrix by
        matrix in numerator layout); the message names the representations that
        do exist.

    Examples
    --------
    >>> derivative_shape((2,), (3,), "mixed")
    (2, 3)
    >>> derivative_shape((2,), (3,), "denominator")
    (3, 2)
    >>> derivative_shape((), (2, 5), "numerator")
    (5, 2)
    >>> derivative_shape((2, 2), (3, 3))
    (2, 2, 3, 3)
    """
    out_shape = _shape(out_shape, "out_shape")
    in_shape = _shape(in_shape, "in_shape")
    layout = as_layout(layout)
    if layout is Layout.MIXED:
        return out_shape + in_shape
    numerator = _numerator_shape(out_shape, in_shape)
    if numerator is None:
        raise _undefined(out_shape, in_shape, layout)
    if layout is Layout.NUMERATOR:
        return numerator
    return numerator[::-1]


def _numerator_shape(out_shape: Shape, in_shape: Shape) -> Shape | None:
    """Numerator-layout shape, or None where Wikipedia's table has no entry."""
    if len(out_shape) > 2 or len(in_shape) > 2:
        return None
    if not in_shape:
        # scalar, column vector (m, 1) or the matrix itself
        return (*out_shape, 1) if len(out_shape) == 1 else out_shape
    if not out_shape:
        # row vector (1, n), or the q×p matrix laid out by Xᵀ
        return (1, *in_shape) if len(in_shape) == 1 else in_shape[::-1]
    if len(out_shape) == 1 and len(in_shape) == 1:
        return out_shape + in_shape
    return None


def _check_array_shape(J: FloatArray, expected: Shape, layout: Layout, what: str) -> None:
    if J.shape != expected:
        raise ShapeError(
            f"{what} has shape {J.shape}, but a derivative in {layout.value} layout "
            f"must have shape {expected}; reshape it, or declare the layout it is in "
            "(see matderiv.derivative_shape)."
        )


def to_layout(
    J: npt.ArrayLike,
    out_shape: Shape,
    in_shape: Shape,
    src: Layout | str,
    dst: Layout | str,
) -> FloatArray:
    """Convert a derivative array from layout `src` to layout `dst`.

    Parameters
    ----------
    J
        The derivative of an `out_shape` function by an `in_shape` variable,
        laid out in `src`.
    out_shape, in_shape
        Shapes of the function's value and of its variable.
    src, dst
        Source and destination layouts (:class:`Layout` or its string value).

    Returns
    -------
    numpy.ndarray
        The same derivative laid out in `dst` (a new array).

    Raises
    ------
    ~matderiv.errors.ShapeError
        If `J` does not have the shape `src` prescribes (the message shows both
        shapes), or if `dst` does not define this pair of kinds.

    Examples
    --------
    Scalar by vector: the mixed gradient ``(n,)`` is a row ``(1, n)`` in
    numerator layout and a column ``(n, 1)`` in denominator layout.

    >>> import numpy as np
    >>> g = np.array([1.0, 2.0, 3.0])
    >>> to_layout(g, (), (3,), Layout.MIXED, Layout.NUMERATOR)
    array([[1., 2., 3.]])
    >>> to_layout(g, (), (3,), "mixed", "denominator").shape
    (3, 1)
    """
    import numpy as np  # numpy is optional for the symbolic path: imported on use

    out_shape = _shape(out_shape, "out_shape")
    in_shape = _shape(in_shape, "in_shape")
    src, dst = as_layout(src), as_layout(dst)
    array = np.array(J, dtype=np.result_type(np.asarray(J).dtype, np.float64))
    _check_array_shape(array, derivative_shape(out_shape, in_shape, src), src, "J")
    mixed = _to_mixed(array, out_shape, in_shape, src)
    return _from_mixed(mixed, out_shape, in_shape, dst)


def _to_mixed(J: FloatArray, out_shape: Shape, in_shape: Shape, src: Layout) -> FloatArray:
    if src is Layout.MIXED:
        return J
    numerator = J if src is Layout.NUMERATOR else J.T
    if not out_shape and len(in_shape) == 2:
        return numerator.T.copy()
    return numerator.reshape(out_shape + in_shape)


def _from_mixed(J: FloatArray, out_shape: Shape, in_shape: Shape, dst: Layout) -> FloatArray:
    if dst is Layout.MIXED:
        return J.copy()
    shape = derivative_shape(out_shape, in_shape, Layout.NUMERATOR)
    numerator = J.T if not out_shape and len(in_shape) == 2 else J.reshape(shape)
    result = numerator if dst is Layout.NUMERATOR else numerator.T
    return result.copy()


def vec(X: npt.ArrayLike) -> FloatArray:
    """Stack the columns of `X` into one vector (column-major, as Magnus–Neudecker).

    A scalar becomes a vector of length 1; a vector is returned as a copy.

    Examples
    --------
    >>> import numpy as np
    >>> vec(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([1., 3., 2., 4.])
    """
    import numpy as np  # numpy is optional for the symbolic path: imported on use

    return np.asarray(X).reshape(-1, order="F").copy()


def unvec(v: npt.ArrayLike, shape: Shape) -> FloatArray:
    """Inverse of :func:`vec`: refill an array of `shape` column by column.

    Raises
    ------
    ~matderiv.errors.ShapeError
        If `v` does not have ``prod(shape)`` entries.

    Examples
    --------
    >>> import numpy as np
    >>> unvec(np.array([1.0, 3.0, 2.0, 4.0]), (2, 2))
    array([[1., 2.],
           [3., 4.]])
    """
    import numpy as np  # numpy is optional for the symbolic path: imported on use

    shape = _shape(shape, "shape")
    array = np.asarray(v)
    if array.size != math.prod(shape):
        raise ShapeError(
            f"cannot unvec {array.size} entries into shape {shape} "
            f"({math.prod(shape)} entries); pass the shape vec was applied to"
        )
    return array.reshape(shape, order="F").copy()


def _reversed_axes(first: int, count: int) -> list[int]:
    return list(range(first + count - 1, first - 1, -1))


def vec_jacobian(J: npt.ArrayLike, out_shape: Shape, in_shape: Shape) -> FloatArray:
    """The vec (Magnus–Neudecker) matrix of a mixed-layout derivative.

    Parameters
    ----------
    J
        Mixed-layout derivative, shape ``out_shape + in_shape``.
    out_shape, in_shape
        Shapes of the function's value and of its variable.

    Returns
    -------
    numpy.ndarray
        The ``(out_size, in_size)`` matrix ``J_vec`` with
        ``vec(dF) = J_vec @ vec(dX)`` (column-major :func:`vec`).  For
        ``F = A X B`` it is the Kronecker product ``Bᵀ ⊗ A``.

    Raises
    ------
    ~matderiv.errors.ShapeError
        If `J` does not have shape ``out_shape + in_shape``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A, B = rng.standard_normal((2, 3)), rng.standard_normal((4, 5))
    >>> J = np.einsum("ik,lj->ijkl", A, B)   # d(AXB)/dX in mixed layout, X is 3×4
    >>> np.allclose(vec_jacobian(J, (2, 5), (3, 4)), np.kron(B.T, A))
    True
    """
    import numpy as np  # numpy is optional for the symbolic path: imported on use

    out_shape = _shape(out_shape, "out_shape")
    in_shape = _shape(in_shape, "in_shape")
    array = np.asarray(J)
    _check_array_shape(array, out_shape + in_shape, Layout.MIXED, "J")
    axes = _reversed_axes(0, len(out_shape)) + _reversed_axes(len(out_shape), len(in_shape))
    matrix = array.transpose(axes).reshape(math.prod(out_shape), math.prod(in_shape))
    return matrix.copy()


def unvec_jacobian(J_vec: npt.ArrayLike, out_shape: Shape, in_shape: Shape) -> FloatArray:
    """Inverse of :func:`vec_jacobian`: the mixed-layout array of a vec matrix.

    Raises
    ------
    ~matderiv.errors.ShapeError
        If `J_vec` is not ``(prod(out_shape), prod(in_shape))``.

    Examples
    --------
    >>> import numpy as np
    >>> J = np.arange(24.0).reshape(2, 3, 4)
    >>> np.array_equal(unvec_jacobian(vec_jacobian(J, (2,), (3, 4)), (2,), (3, 4)), J)
    True
    """
    import numpy as np  # numpy is optional for the symbolic path: imported on use

    out_shape = _shape(out_shape, "out_shape")
    in_shape = _shape(in_shape, "in_shape")
    array = np.asarray(J_vec)
    expected = (math.prod(out_shape), math.prod(in_shape))
    if array.shape != expected:
        raise ShapeError(
            f"J_vec has shape {array.shape}, but the vec matrix of a derivative of an "
            f"{out_shape} output by an {in_shape} input has shape {expected}"
        )
    reversed_shape = out_shape[::-1] + in_shape[::-1]
    axes = _reversed_axes(0, len(out_shape)) + _reversed_axes(len(out_shape), len(in_shape))
    return array.reshape(reversed_shape).transpose(np.argsort(axes)).copy()


# --- the shape table, as data ------------------------------------------------------------

#: Symbolic sizes used by the shape table; distinct primes so a computed shape
#: can be read back as letters.
_SYMBOLS = {2: "m", 3: "n", 5: "p", 7: "q"}
_OUT_EXAMPLES: dict[str, tuple[str, Shape]] = {
    "scalar": ("y", ()),
    "vector": ("y ∈ R^m", (2,)),
    "matrix": ("Y ∈ R^{m×n}", (2, 3)),
}
_IN_EXAMPLES: dict[str, tuple[str, Shape]] = {
    "scalar": ("x", ()),
    "vector": ("x ∈ R^n", (3,)),
    "matrix": ("X ∈ R^{p×q}", (5, 7)),
}
#: The implicit (linear-map) form of each derivative, after the shape table of Edelman and
#: Johnson's MIT 18.S096 notes.
_LINEAR_MAPS: dict[tuple[str, str], str] = {
    ("scalar", "scalar"): "dy = f′(x) dx: multiply dx by a number",
    ("vector", "scalar"): "dy = v dx: scale a fixed vector v by dx",
    ("matrix", "scalar"): "dY = M dx: scale a fixed matrix M by dx",
    ("scalar", "vector"): "dy = ∇fᵀ dx: dot product with the gradient",
    ("vector", "vector"): "dy = J dx: the Jacobian matrix times dx",
    ("matrix", "vector"): "dY = Σₖ (∂Y/∂xₖ) dxₖ",
    ("scalar", "matrix"): "dy = tr(Gᵀ dX) = ⟨G, dX⟩, G has the shape of X",
    ("vector", "matrix"): "dyᵢ = ⟨Gᵢ, dX⟩, one matrix Gᵢ per output",
    ("matrix", "matrix"): "dY = L[dX], e.g. d(X²) = X dX + dX X; vec(dY) = J_vec vec(dX)",
}


@dataclass(frozen=True)
class ShapeRow:
    """One cell of the 3×3 shape table: a pair of kinds and its derivative shapes.

    Attributes
    ----------
    output_kind, input_kind
        ``"scalar"``, ``"vector"`` or ``"matrix"``.
    output, input
        How the table names the output and the variable (``"Y ∈ R^{m×n}"``).
    mixed, numerator, denominator
        The derivative's shape in each layout, in letters (``"(q, p)"``);
        ``None`` where the layout does not define the pair.
    vec
        Shape of the vec (Kronecker) matrix, ``(out_size, in_size)``.
    linear_map
        The implicit form ``df = f'(x)[dx]`` of this kind of derivative.
    """

    output_kind: str
    input_kind: str
    output: str
    input: str
    mixed: str
    numerator: str | None
    denominator: str | None
    vec: str
    linear_map: str


def _letters(shape: Shape) -> str:
    if not shape:
        return "()"
    inner = ", ".join(_SYMBOLS.get(n, str(n)) for n in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _size_letters(shape: Shape) -> str:
    return "·".join(_SYMBOLS[n] for n in shape) if shape else "1"


def _shape_in(out_shape: Shape, in_shape: Shape, layout: Layout) -> str | None:
    try:
        return _letters(derivative_shape(out_shape, in_shape, layout))
    except ShapeError:
        return None


def shape_table() -> list[ShapeRow]:
    """The derivative's shape for each pair of kinds, in each layout, as data.

    Rows come in the order input scalar, vector, matrix; within each, output
    scalar, vector, matrix.  Shapes are computed by :func:`derivative_shape`
    with ``y ∈ R^m``, ``x ∈ R^n``, ``Y ∈ R^{m×n}`` and ``X ∈ R^{p×q}``.

    Returns
    -------
    list of ShapeRow
        Nine rows.

    Examples
    --------
    >>> row = next(r for r in shape_table()
    ...            if (r.output_kind, r.input_kind) == ("scalar", "matrix"))
    >>> row.mixed, row.numerator, row.denominator
    ('(p, q)', '(q, p)', '(p, q)')
    """
    rows = []
    for input_kind, (input_name, in_shape) in _IN_EXAMPLES.items():
        for output_kind, (output_name, out_shape) in _OUT_EXAMPLES.items():
            rows.append(
                ShapeRow(
                    output_kind=output_kind,
                    input_kind=input_kind,
                    output=output_name,
                    input=input_name,
                    mixed=_letters(derivative_shape(out_shape, in_shape, Layout.MIXED)),
                    numerator=_shape_in(out_shape, in_shape, Layout.NUMERATOR),
                    denominator=_shape_in(out_shape, in_shape, Layout.DENOMINATOR),
                    vec=f"({_size_letters(out_shape)}, {_size_letters(in_shape)})",
                    linear_map=_LINEAR_MAPS[(output_kind, input_kind)],
                )
            )
    return rows
