"""Derivative arrays converted between layouts, and between array and vec forms.

Every conversion goes through the mixed layout (see :mod:`matderiv.layout`).
numpy is imported on first use: the symbolic path imports this module where
numpy may be missing.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from matderiv._layout_shapes import Layout, Shape, as_layout, as_shape, derivative_shape
from matderiv.errors import ShapeError

if TYPE_CHECKING:  # numpy is needed for arrays only: shapes and layouts work without it
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
__all__ = ["to_layout", "unvec", "unvec_jacobian", "vec", "vec_jacobian"]


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

    out_shape = as_shape(out_shape, "out_shape")
    in_shape = as_shape(in_shape, "in_shape")
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

    shape = as_shape(shape, "shape")
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

    out_shape = as_shape(out_shape, "out_shape")
    in_shape = as_shape(in_shape, "in_shape")
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

    out_shape = as_shape(out_shape, "out_shape")
    in_shape = as_shape(in_shape, "in_shape")
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
