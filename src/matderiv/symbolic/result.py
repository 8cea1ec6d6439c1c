"""The result of :func:`~matderiv.symbolic.derive`: a derivative that prints, computes, checks.

A :class:`Derivative` holds the derivative as a SymPy expression in one
layout, with the differential it came from; it prints as text of the language
and as LaTeX, writes numpy source, evaluates in any layout (through
:mod:`matderiv.layout`) and checks itself against finite differences (through
:mod:`matderiv.numeric`, imported with numpy on first use).

Examples
--------
>>> from matderiv.symbolic import derive
>>> d = derive("x.T @ A @ x", wrt="x", shapes={"x": ("n",), "A": ("n", "n")})
>>> d.form, d.text()
('gradient', '(A + A.T) @ x')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import sympy as sp

from matderiv.errors import ShapeError
from matderiv.expr.codegen import NumpyFunction, shared_source
from matderiv.expr.context import Context, format_shape
from matderiv.expr.latex import to_latex, to_latex_where
from matderiv.expr.shared import Shared, share
from matderiv.expr.text import to_text, to_text_where
from matderiv.layout import Layout, as_layout, derivative_shape
from matderiv.symbolic import checking, evaluation

if TYPE_CHECKING:
    from collections.abc import Mapping

    import numpy.typing as npt

    from matderiv.numeric import CheckResult
    from matderiv.numeric.differences import Method

__all__ = ["FORMS", "Derivative", "Form"]

#: How a derivative represents the linear map (see :data:`FORMS`).
Form = Literal["derivative", "gradient", "tangent", "jacobian", "vec"]

#: What ``Derivative.form`` can be.
FORMS: dict[Form, str] = {
    "derivative": "scalar by scalar: an ordinary derivative",
    "gradient": "scalar by vector or matrix: G with df = <G, dX>, the shape of the variable",
    "tangent": "vector or matrix by scalar: F' with dF = F' dt, the shape of the output",
    "jacobian": "vector by vector: J with df = J dx",
    "vec": "matrix involved: J with vec(dF) = J vec(dX) (Kronecker form)",
}


@dataclass(frozen=True)
class Derivative:
    """A derivative found by :func:`~matderiv.symbolic.derive` (or by ``derive_hessian``).

    Attributes
    ----------
    expr
        The derivative as a SymPy expression, in `layout` (internally vectors
        are ``(n, 1)`` columns; in mixed layout a gradient has the variable's shape).
    layout
        The :class:`~matderiv.layout.Layout` of `expr` and of :meth:`evaluate`.
    differential
        ``df`` as a SymPy expression, linear in ``d<wrt>``: the linear map itself.
    function
        The differentiated expression (SymPy).
    wrt
        The variable's name.
    form
        How `expr` represents the map: one of :data:`~matderiv.symbolic.api.FORMS`.
        In ``"vec"`` form `expr` is the Kronecker-form matrix ``J`` with ``vec(dF) = J vec(dX)``,
        and :meth:`evaluate` returns the generalized (mixed) Jacobian array.
    out_shape, in_shape
        numpy shapes of the function's value and of the variable (SymPy dims).
    context
        Declared names, shapes and assumptions.
    args
        The names the function uses, in declaration order (the arguments of
        :meth:`evaluate` and of the generated code).
    source
        The expression text, when text was given.
    """

    expr: Any
    layout: Layout
    differential: Any
    function: Any
    wrt: str
    form: Form
    out_shape: tuple[Any, ...]
    in_shape: tuple[Any, ...]
    context: Context
    args: tuple[str, ...]
    source: str | None = None
    mixed: Any = field(default=None, repr=False)
    gradient_of: Derivative | None = field(default=None, repr=False)
    check_values: bool = field(default=True, repr=False)

    # -- representations ---------------------------------------------------------------
    def in_layout(self, layout: Layout | str) -> Derivative:
        """The same derivative with `expr` and :meth:`evaluate` in another layout.

        Raises
        ------
        ShapeError
            When `layout` does not define this pair of kinds (numerator and
            denominator layouts for matrix-by-matrix derivatives); the message
            names the representations that exist.

        Examples
        --------
        >>> from matderiv.symbolic import derive
        >>> d = derive("a.T @ x", "x", {"a": ("n",), "x": ("n",)})
        >>> d.in_layout("numerator").expr.shape
        (1, n)
        """
        target = as_layout(layout)
        return replace(self, layout=target, expr=_in_layout(self, target))

    @functools.cached_property
    def shared(self) -> Shared:
        """:attr:`expr` split into a main expression and named intermediates.

        A subexpression that the printed result would repeat 3 or more times is printed
        once, under a name (see :mod:`matderiv.expr.shared`); :meth:`text`, :meth:`latex`
        and :meth:`numpy_source` all read this split.
        """
        return share(self.expr, self.context)

    def _text_of(self, expr: Any) -> str:
        return to_text(expr, self.context.shapes)

    @property
    def intermediates(self) -> tuple[tuple[str, str], ...]:
        """The named intermediates of :meth:`text`: ``(name, text)`` pairs, in order.

        Each text may use the names before it; substituted back (in parentheses) into the
        main text they give :meth:`text` with ``inline=True``.  Empty when no
        subexpression repeats 3 or more times.

        Examples
        --------
        >>> from matderiv.symbolic import derive_hessian
        >>> shapes = {"W": ("m", "n"), "x": ("n",), "y": ("m",)}
        >>> h = derive_hessian("-y @ log(softmax(W @ x))", "x", shapes)
        >>> h.intermediates[0]
        ('s', 'softmax(W @ x)')
        """
        return tuple((name, self._text_of(value)) for name, value in self.shared.definitions)

    def latex(self, layout: Layout | str | None = None, *, inline: bool = False) -> str:
        """LaTeX of the derivative (in `layout`, default: this one's).

        A subexpression that would be printed 3 or more times is printed once, as a named
        intermediate: the LaTeX is then an ``aligned`` block, the formula on its first line
        and ``\\text{where } s = ...`` below (see :attr:`intermediates`); with
        ``inline=True``, one formula without names.

        >>> from matderiv.symbolic import derive
        >>> derive("logdet(X)", "X", {"X": ("n", "n")}).latex()
        'X^{-\\\\top}'
        """
        if layout is not None and as_layout(layout) is not self.layout:
            return self.in_layout(layout).latex(inline=inline)
        return to_latex(self.expr) if inline else to_latex_where(self.shared)

    def _repr_latex_(self) -> str:
        lhs = self._lhs_latex()
        return f"$\\displaystyle {lhs} = {self.latex()}$"

    def _lhs_latex(self) -> str:
        var = to_latex(self.context.symbols[self.wrt])
        inner = to_latex(self.function)
        if self.gradient_of is not None:
            return rf"\frac{{\partial^2}}{{\partial {var}^2}}\left({inner}\right)"
        if self.form == "vec":
            return (
                rf"\frac{{\partial \operatorname{{vec}}\left({inner}\right)}}"
                rf"{{\partial \operatorname{{vec}} {var}}}"
            )
        return rf"\frac{{\partial}}{{\partial {var}}}\left({inner}\right)"

    def text(self, layout: Layout | str | None = None, *, inline: bool = False) -> str:
        """The derivative as text of the expression language (numpy syntax).

        A subexpression that would be printed 3 or more times is printed once, as a named
        intermediate: ``main where s = softmax(W @ x), T = ...`` (each definition may use
        the names before it; :attr:`intermediates` holds them as pairs).  That text reads
        back with :func:`matderiv.expr.text.inline_where`, which substitutes the names;
        ``inline=True`` gives the single expression directly, which
        :func:`matderiv.expr.parse` reads.

        Parameters
        ----------
        layout
            The layout (default: this derivative's).
        inline
            One expression, without named intermediates.

        Examples
        --------
        >>> from matderiv.symbolic import derive, derive_hessian
        >>> print(derive("x.T @ A @ x", "x", {"x": ("n",), "A": ("n", "n")}).text())
        (A + A.T) @ x
        >>> shapes = {"W": ("m", "n"), "x": ("n",), "y": ("m",)}
        >>> h = derive_hessian("-y @ log(softmax(W @ x))", "x", shapes)
        >>> h.text().count("softmax(W @ x)"), h.text(inline=True).count("softmax(W @ x)")
        (1, 3)
        """
        if layout is not None and as_layout(layout) is not self.layout:
            return self.in_layout(layout).text(inline=inline)
        ndim = len(self._output_shape(self.layout))
        if inline:
            return to_text(self.expr, self.context.shapes, ndim)
        return to_text_where(self.shared, self.context.shapes, ndim)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        what = self.source or to_text(self.function)
        order = "hessian" if self.gradient_of is not None else self.form
        return f"Derivative(d/d{self.wrt} [{what}] = {self.text()}; {order}, {self.layout.value})"

    # -- numbers ------------------------------------------------------------------------
    def _output_shape(self, layout: Layout) -> tuple[Any, ...]:
        if layout is not Layout.MIXED or self.form in ("vec", "jacobian"):
            return tuple(self.expr.shape) if isinstance(self.expr, sp.MatrixExpr) else ()
        return self.in_shape if self.form == "gradient" else self.out_shape

    @functools.cached_property
    def _mixed_function(self) -> NumpyFunction:
        return evaluation.mixed_function(self)

    @functools.cached_property
    def _kronecker_plan(self) -> NumpyFunction | None:
        """For a vec form that is a sum of ``c (P ⊗ A)``: the factors, compiled."""
        return evaluation.kronecker_plan(self)

    @functools.cached_property
    def _inverted(self) -> tuple[list[Any], NumpyFunction | None]:
        """The matrices the function and the derivative invert, and a function computing them."""
        return evaluation.inverted(self)

    def numpy_source(self, name: str | None = None) -> str:
        """Self-contained numpy source of a function computing :attr:`expr`.

        Each named intermediate of :meth:`text` (:attr:`intermediates`) is a local variable
        of the same name, computed once.  The docstring of the function shows the
        differentiated expression as matderiv prints it (``matderiv.expr.text.to_text`` of
        the parsed nodes, escaped), never the text it was given: comments and other user
        text do not reach the source.

        Parameters
        ----------
        name
            The function's name: an ASCII Python identifier, not a keyword, not
            ``np`` and not a declared name (default ``grad_<wrt>``, ``jac_<wrt>``,
            ``jac_vec_<wrt>`` or ``d_<wrt>``, with ``_1``… appended when declared).

        Raises
        ------
        ArgumentError
            `name` cannot name the function.

        Examples
        --------
        >>> from matderiv.symbolic import derive
        >>> d = derive("x.T @ A @ x", "x", {"x": ("n",), "A": ("n", "n")})
        >>> print(d.numpy_source())
        import numpy as np
        <BLANKLINE>
        def grad_x(x, A):
            \"\"\"d/dx of x @ A @ x (gradient, mixed)\"\"\"
            x = np.reshape(x, (-1, 1))  # vectors are columns inside
            return np.ravel((A + A.T) @ x)
        <BLANKLINE>
        """
        prefix = {"gradient": "grad", "vec": "jac_vec", "jacobian": "jac"}.get(self.form, "d")
        what = f"d/d{self.wrt} of {to_text(self.function)} ({self.form}, {self.layout})"
        shared = self.shared
        if name is not None and name in shared.symbols:  # the function's name wins
            shared = share(self.expr, self.context, taken={name})
        return shared_source(
            [shared.main],
            self.context,
            [self._output_shape(self.layout)],
            self.args,
            shared.definitions,
            name=name,
            doc=what,
            default_name=f"{prefix}_{self.wrt}",
        )

    def evaluate(self, /, **arrays: Any) -> npt.NDArray[Any]:
        """The derivative at the given arrays, as a numpy array in :attr:`layout`.

        In mixed layout the shape is ``out_shape + in_shape`` (a gradient has
        the variable's shape; a matrix-by-matrix derivative is 4-D).  The declared
        assumptions (``assume=``) are checked on the arrays first: a derivative derived
        for a symmetric ``A`` is wrong at a non-symmetric one.  The tests and their
        tolerances are :data:`matderiv.sampling.VALUE_CHECKS`; :meth:`unchecked` gives a
        derivative that skips them.

        Parameters
        ----------
        **arrays
            The value of each argument (:attr:`args`), by name.  Only the names of the
            expression are keywords here, so any variable name works.

        Returns
        -------
        numpy.ndarray
            The derivative, float64, in :attr:`layout` (see above for its shape).

        Raises
        ------
        ArgumentError
            An array that breaks an assumption declared for it (the message names the
            variable and the assumption).
        NumericError
            A matrix the derivative inverts is singular at these arrays (the message names
            the subexpression).

        Examples
        --------
        >>> from matderiv.symbolic import derive
        >>> import numpy as np
        >>> d = derive("X @ X", "X", {"X": (2, 2)})
        >>> d.evaluate(X=np.eye(2)).shape
        (2, 2, 2, 2)
        >>> s = derive("x @ A @ x", "x", {"x": ("n",), "A": ("n", "n")}, {"A": "symmetric"})
        >>> s.evaluate(x=np.ones(2), A=np.array([[1.0, 2.0], [0.0, 1.0]]))
        Traceback (most recent call last):
        ...
        matderiv.errors.ArgumentError: A is assumed symmetric, but ...
        """
        return evaluation.evaluate(self, arrays)

    def unchecked(self) -> Derivative:
        """The same derivative, whose :meth:`evaluate` does not check the assumptions.

        For speed in a loop, or to evaluate the formula off the assumed set on purpose
        (it was derived under the assumptions, so it may then be wrong).

        Examples
        --------
        >>> from matderiv.symbolic import derive
        >>> import numpy as np
        >>> s = derive("x @ A @ x", "x", {"x": ("n",), "A": ("n", "n")}, {"A": "symmetric"})
        >>> s.unchecked().evaluate(x=np.ones(2), A=np.array([[1.0, 2.0], [0.0, 1.0]]))
        array([6., 2.])
        """
        return replace(self, check_values=False)

    def check(
        self,
        seed: int = 0,
        *,
        sizes: Mapping[str, int] | None = None,
        rtol: float = 1e-6,
        atol: float = 0.0,
        directions: int = 3,
        method: Method = "richardson",
        full: bool = False,
        step: float | None = None,
    ) -> CheckResult:
        """Verify the derivative numerically at random inputs that honour ``assume``.

        Uses :func:`matderiv.numeric.check_derivative` (finite differences along
        random directions).  A Hessian is checked in two steps: the gradient
        against differences of the function, then the Hessian against
        differences of that gradient.

        For a variable assumed symmetric the function checked is ``V -> f(sym(V))``,
        ``sym(V) = (V + Vᵀ)/2`` (:func:`matderiv.sampling.symmetrize`): a gradient must be the
        symmetric one, and a Jacobian is compared by its action on symmetric directions, the
        only directions a symmetric variable moves in.

        Parameters
        ----------
        seed
            Seed of the random inputs and directions.
        sizes
            Sizes of the dimension names (default 3, 4, 2, …).
        rtol, atol, directions, method, full, step
            As for :func:`~matderiv.numeric.check_derivative`.

        Returns
        -------
        matderiv.numeric.CheckResult
            Truthy when the derivative passed.

        Examples
        --------
        >>> from matderiv.symbolic import derive
        >>> print(derive("det(X)", "X", {"X": ("n", "n")}).check().passed)
        True
        """
        return checking.check(
            self,
            seed,
            sizes=sizes,
            rtol=rtol,
            atol=atol,
            directions=directions,
            method=method,
            full=full,
            step=step,
        )


def _transposes(
    form: Form, out_shape: tuple[Any, ...], in_shape: tuple[Any, ...], layout: Layout
) -> bool:
    by_variable = form == "gradient" and len(in_shape) > 0
    if layout is Layout.NUMERATOR:
        return by_variable
    if layout is Layout.DENOMINATOR:
        return not by_variable and not (len(out_shape) == 0 and len(in_shape) == 0)
    return False


def _in_layout(d: Derivative, layout: Layout) -> Any:
    if layout is Layout.MIXED:
        return d.mixed
    # let matderiv.layout say whether the layout exists for this pair of kinds
    try:
        derivative_shape(tuple(2 for _ in d.out_shape), tuple(3 for _ in d.in_shape), layout)
    except ShapeError:
        kinds = ("scalar", "vector", "matrix")
        raise ShapeError(
            f"{layout.value} layout has no {kinds[len(d.out_shape)]}-by-"
            f"{kinds[len(d.in_shape)]} derivative (output shape {format_shape(d.out_shape)}, "
            f"input shape {format_shape(d.in_shape)}); what exists: the mixed layout "
            f"(evaluate() gives the array of shape {format_shape(d.out_shape + d.in_shape)}), "
            "the vec (Kronecker) matrix that expr holds, and the linear map .differential"
        ) from None
    if _transposes(d.form, d.out_shape, d.in_shape, layout):
        return d.mixed.T.doit() if isinstance(d.mixed, sp.MatrixExpr) else d.mixed
    return d.mixed
