"""The layouts and the derivative's shape in each: :class:`Layout`, :func:`derivative_shape`.

Numpy-free: shapes and layouts are known before any array exists.  The shape
table and the conventions are in the docstring of :mod:`matderiv.layout`, the
public module that re-exports these names.
"""

from __future__ import annotations

import enum
import math

from matderiv.errors import ShapeError, UnsupportedError

__all__ = ["Layout", "Shape", "as_layout", "as_shape", "derivative_shape", "kind_of"]

Shape = tuple[int, ...]

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


def as_shape(shape: object, what: str) -> Shape:
    """`shape` as a tuple of ints >= 0, or a :class:`ShapeError` naming `what`."""
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
        (scalars, vectors and matrices; the table is in :mod:`matderiv.layout`).

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
    out_shape = as_shape(out_shape, "out_shape")
    in_shape = as_shape(in_shape, "in_shape")
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
