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

from matderiv._layout_arrays import to_layout, unvec, unvec_jacobian, vec, vec_jacobian
from matderiv._layout_shapes import Layout, as_layout, derivative_shape, kind_of
from matderiv._layout_table import ShapeRow, shape_table

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
