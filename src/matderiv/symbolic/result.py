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
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import sympy as sp

from matderiv._numpy import numpy_module
from matderiv.errors import ArgumentError, BudgetError, NumericError, ShapeError
from matderiv.expr.codegen import NumpyFunction, compile_roots, dimension_value
from matderiv.expr.context import Context, format_shape
from matderiv.expr.functions import ELEMENTWISE
from matderiv.expr.latex import to_latex
from matderiv.expr.nodes import Elementwise, LogDet
from matderiv.expr.text import to_text
from matderiv.layout import Layout, as_layout, derivative_shape, to_layout, unvec_jacobian

if TYPE_CHECKING:
    import numpy.typing as npt

    from matderiv.numeric import CheckResult
    from matderiv.numeric.differences import Method

__all__ = ["FORMS", "Derivative", "Form"]

#: ``matderiv.sampling.symmetrize`` (imported with numpy when a check runs).
Projection = Callable[[Any], Any]

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

    def latex(self, layout: Layout | str | None = None) -> str:
        """LaTeX of the derivative (in `layout`, default: this one's).

        >>> from matderiv.symbolic import derive
        >>> derive("logdet(X)", "X", {"X": ("n", "n")}).latex()
        'X^{-\\\\top}'
        """
        if layout is not None and as_layout(layout) is not self.layout:
            return self.in_layout(layout).latex()
        return to_latex(self.expr)

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

    def text(self, layout: Layout | str | None = None) -> str:
        """The derivative as text of the expression language (numpy syntax).

        >>> from matderiv.symbolic import derive
        >>> print(derive("x.T @ A @ x", "x", {"x": ("n",), "A": ("n", "n")}).text())
        (A + A.T) @ x
        """
        if layout is not None and as_layout(layout) is not self.layout:
            return self.in_layout(layout).text()
        return to_text(self.expr, self.context.shapes, len(self._output_shape(self.layout)))

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
        mixed = replace(self, layout=Layout.MIXED, expr=self.mixed)
        return compile_roots(
            [self.mixed], self.context, [mixed._output_shape(Layout.MIXED)], self.args
        )

    @functools.cached_property
    def _kronecker_plan(self) -> NumpyFunction | None:
        """For a vec form that is a sum of ``c (P ⊗ A)``: the factors, compiled.

        Then the mixed array is ``J[i, j, k, l] = Σ c A[i, k] P[j, l]``, written once,
        instead of the Kronecker matrix followed by a strided reshuffle.
        """
        if self.form != "vec":
            return None
        terms = self.mixed.args if isinstance(self.mixed, sp.MatAdd) else (self.mixed,)
        roots: list[Any] = []
        shapes: list[tuple[Any, ...]] = []
        for term in terms:
            coeff, mats = (
                term.as_coeff_matrices() if isinstance(term, sp.MatMul) else (sp.Integer(1), [term])
            )
            if len(mats) != 1 or not isinstance(mats[0], sp.KroneckerProduct):
                return None
            if len(mats[0].args) != 2:
                return None
            p, a = mats[0].args
            of = self.gradient_of.mixed if self.gradient_of is not None else self.function
            f_rows, f_cols = _internal_shape(of)
            x_rows, x_cols = self.context.symbols[self.wrt].shape
            if tuple(a.shape) != (f_rows, x_rows) or tuple(p.shape) != (f_cols, x_cols):
                return None  # not of the form vec(A dX Pᵀ)
            roots += [coeff, p, a]
            shapes += [(), tuple(p.shape), tuple(a.shape)]
        return compile_roots(roots, self.context, shapes, self.args)

    def _mixed_from_kronecker(
        self, plan: NumpyFunction, arrays: Mapping[str, Any], shape: tuple[int, ...]
    ) -> npt.NDArray[Any]:
        values = plan(**arrays)
        if not isinstance(values, tuple):
            values = (values,)
        total: npt.NDArray[Any] | None = None
        for i in range(0, len(values), 3):
            coeff, p, a = values[i : i + 3]
            a4 = a[:, None, :, None] if coeff == 1 else coeff * a[:, None, :, None]
            term = a4 * p[None, :, None, :]  # J[i, j, k, l] = c A[i, k] P[j, l]
            total = term if total is None else total + term
        assert total is not None
        return total.reshape(shape)

    def numpy_source(self, name: str | None = None) -> str:
        """Self-contained numpy source of a function computing :attr:`expr`.

        The docstring of the function shows the differentiated expression as
        matderiv prints it (``matderiv.expr.text.to_text`` of the parsed
        nodes, escaped), never the text it was given: comments and other user
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
        fn = compile_roots(
            [self.expr],
            self.context,
            [self._output_shape(self.layout)],
            self.args,
            name=name,
            doc=what,
            default_name=f"{prefix}_{self.wrt}",
        )
        return fn.source

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
        np = numpy_module()  # NumpyMissingError first when numpy is not installed
        arrays = _as_arrays(arrays)
        if self.check_values:
            self._check_assumptions(arrays)
        try:
            return self._evaluate(arrays)
        except np.linalg.LinAlgError as exc:
            raise NumericError(self._singular_message(arrays, exc)) from None

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

    def _check_assumptions(self, arrays: Mapping[str, Any]) -> None:
        from matderiv.symbolic.inputs import assumption_violation

        for name, facts in self.context.assume.items():
            if name in arrays:
                problem = assumption_violation(arrays[name], facts)
                if problem is not None:
                    raise ArgumentError(
                        f"{name} is assumed {problem}; pass a value that satisfies the "
                        "assumption, or d.unchecked().evaluate(...) to skip the check "
                        "(the derivative was derived under it, so it may then be wrong)"
                    )

    @functools.cached_property
    def _inverted(self) -> tuple[list[Any], NumpyFunction | None]:
        """The matrices the function and the derivative invert, and a function computing them."""
        nodes = _inverted_matrices([self.function, self.mixed])
        if not nodes:
            return nodes, None
        shapes = [tuple(node.shape) for node in nodes]
        return nodes, compile_roots(nodes, self.context, shapes, self.args)

    def _ill_conditioned(self, arrays: Mapping[str, Any], max_cond: float) -> list[str]:
        """The inverted matrices (as text) whose condition number at `arrays` exceeds `max_cond`."""
        np = numpy_module()
        nodes, fn = self._inverted
        if fn is None:
            return []
        values = fn(**{k: v for k, v in arrays.items() if k in self.args})
        if len(nodes) == 1:
            values = (values,)
        out = []
        with np.errstate(all="ignore"):
            for node, value in zip(nodes, values, strict=True):
                value = np.asarray(value, dtype=np.float64)
                if not np.all(np.isfinite(value)) or not np.linalg.cond(value) < max_cond:
                    out.append(to_text(node))
        return out

    def _singular_message(self, arrays: Mapping[str, Any], exc: Exception) -> str:
        try:
            culprits = self._ill_conditioned(arrays, SINGULAR_COND)
        except Exception:  # the diagnosis must not hide the error it explains
            culprits = []
        what = " and ".join(culprits) if culprits else "a matrix the derivative inverts"
        verb = "are" if len(culprits) > 1 else "is"
        return (
            f"d/d{self.wrt} of {self.source or to_text(self.function)} cannot be evaluated at "
            f"these arrays: {what} {verb} singular there (numpy: {exc}); pass values at which it "
            "is invertible (the derivative does not exist, or needs another formula, at a "
            "singular matrix)"
        )

    def _evaluate(self, arrays: Mapping[str, Any]) -> npt.NDArray[Any]:
        # numpy is optional (the symbolic path runs without it): the budgets are imported here
        from matderiv.numeric import limits

        out_int, in_int = self._int_shapes(arrays)
        entries = math.prod(out_int + in_int)
        if 8 * entries > limits.MAX_BYTES:
            raise BudgetError(
                f"the derivative of {self.source or to_text(self.function)} by {self.wrt} at "
                f"these sizes is an array of shape {out_int + in_int}: {entries:,} entries, "
                f"{limits.format_bytes(8 * entries)}, over the memory budget "
                f"matderiv.numeric.limits.MAX_BYTES = {limits.format_bytes(limits.MAX_BYTES)}; "
                "evaluate it at smaller sizes, use a directional form (the differential "
                "d.differential applied to one direction), or raise the budget"
            )
        plan = self._kronecker_plan
        if plan is not None:
            value = self._mixed_from_kronecker(plan, arrays, out_int + in_int)
        else:
            value = numpy_module().asarray(self._mixed_function(**arrays))
            if self.form == "vec":
                value = unvec_jacobian(value, out_int, in_int)
        if self.layout is not Layout.MIXED:
            value = to_layout(value, out_int, in_int, Layout.MIXED, self.layout)
        return value

    def _int_shapes(self, arrays: Mapping[str, Any]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        np = numpy_module()
        sizes: dict[Any, int] = {}
        for name, value in arrays.items():
            if name in self.context.shapes:
                for dim, size in zip(self.context.shapes[name], np.shape(value), strict=False):
                    sizes[dim] = int(size)
        for name in self.context.dims:
            if name in arrays and name not in self.context.shapes:
                sizes[self.context.dims[name]] = int(arrays[name])

        def concrete(shape: tuple[Any, ...]) -> tuple[int, ...]:
            return tuple(dimension_value(d, sizes) for d in shape)

        return concrete(self.out_shape), concrete(self.in_shape)

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
        # numpy is optional (the symbolic path runs without it): the checker is imported here
        numpy_module()
        from matderiv.numeric import check_derivative
        from matderiv.sampling import symmetrize

        symmetric = self._symmetric_variable()
        projection = symmetrize if symmetric else None
        inputs = self._check_inputs(seed, sizes)
        if self.gradient_of is not None:
            first = self.gradient_of.check(
                seed,
                sizes=sizes,
                rtol=rtol,
                atol=atol,
                directions=directions,
                method=method,
                full=full,
                step=step,
            )
            if not first:
                return first
            f = _as_function_of(self.gradient_of, inputs, self.wrt, projection)
        else:
            fn = compile_roots([self.function], self.context, [self.out_shape], self.args)
            f = _function_of(fn, inputs, self.wrt, projection)
        claimed = self.unchecked().evaluate(**inputs)  # drawn to satisfy them
        if symmetric and self.form == "vec":
            claimed = self._along_symmetric(claimed, inputs, symmetrize)
        result = check_derivative(
            f,
            claimed,
            inputs[self.wrt],
            layout=self.layout,
            rtol=rtol,
            atol=atol,
            directions=directions,
            seed=seed,
            method=method,
            full=full,
            step=step,
        )
        if symmetric and not result.passed:
            note = (
                f"{self.wrt} is assumed symmetric, so the check differentiates "
                f"f(sym({self.wrt})), sym(V) = (V + Vᵀ)/2, and compares along symmetric "
                "directions only; "
            )
            result = replace(result, diagnosis=note + result.diagnosis)
        return result

    def _check_inputs(self, seed: int, sizes: Mapping[str, int] | None) -> dict[str, Any]:
        """Random inputs at which the function and the derivative are finite and well posed.

        Draws at most :data:`CHECK_ATTEMPTS` times, also trying other sizes for the dimension
        names `sizes` leaves free (``X.T @ X`` is singular whenever X has fewer rows than
        columns), and gives up with a :class:`~matderiv.errors.NumericError`.
        """
        from matderiv.symbolic.inputs import candidate_sizes, random_inputs

        np = numpy_module()
        positive = _positive_names(self.function)
        fn = compile_roots([self.function], self.context, [self.out_shape], self.args)
        problems: list[str] = []
        choices = candidate_sizes(self.context, sizes, CHECK_ATTEMPTS)
        for attempt in range(CHECK_ATTEMPTS):
            chosen = choices[attempt % len(choices)]
            inputs = random_inputs(
                self.context,
                seed + attempt,
                sizes=chosen,
                positive=positive,
                names=set(self.context.shapes),
            )
            try:
                with np.errstate(all="ignore"):
                    bad = self._ill_conditioned(inputs, MAX_CHECK_COND)
                    finite = bool(np.all(np.isfinite(fn(**_used(inputs, self.args)))))
                    claimed = self.unchecked().evaluate(**inputs)
                    finite = finite and bool(np.all(np.isfinite(claimed)))
            except (np.linalg.LinAlgError, NumericError) as exc:
                bad, finite = [str(exc).splitlines()[0]], True
            if not bad and finite:
                return inputs
            shown = ", ".join(f"{k}={v}" for k, v in sorted(chosen.items()))
            problems.append(
                f"sizes {shown or '(fixed)'}: "
                + (f"{', '.join(bad)} ill-conditioned" if bad else "a non-finite value")
            )
        raise NumericError(
            f"check() found no random inputs at which "
            f"{self.source or to_text(self.function)} and its derivative are finite and well "
            f"conditioned in {CHECK_ATTEMPTS} draws ({'; '.join(problems[:3])}); pass "
            "sizes={...} that make the expression well posed (for example more rows than "
            "columns for X.T @ X), or check at chosen values with matderiv.numeric"
        )

    def _symmetric_variable(self) -> bool:
        return "symmetric" in self.context.assume.get(self.wrt, frozenset())

    def _along_symmetric(
        self, claimed: npt.NDArray[Any], inputs: Mapping[str, Any], symmetrize: Projection
    ) -> Any:
        """The claimed Jacobian's action on symmetric directions, as one array.

        For a symmetric variable the engine states a ``J`` with ``vec(dF) = J vec(dX)`` for
        every symmetric ``dX``; every ``J`` with the same action on symmetric directions states
        the same derivative.  The derivative of ``V -> F(sym(V))`` is the one of them that is
        symmetric in the variable's two axes: ``sym`` over those axes (mixed layout).
        """
        out_int, in_int = self._int_shapes(inputs)
        mixed = to_layout(claimed, out_int, in_int, self.layout, Layout.MIXED)
        mixed = symmetrize(mixed)  # the variable's axes are the last two in mixed layout
        return to_layout(mixed, out_int, in_int, Layout.MIXED, self.layout)


#: How many draws (and size choices) :meth:`Derivative.check` tries before giving up.
CHECK_ATTEMPTS = 6

#: :meth:`Derivative.check` redraws when a matrix the derivative inverts has a larger
#: condition number at the drawn inputs (the finite differences would be meaningless).
MAX_CHECK_COND = 1e8

#: A condition number above which an inverted matrix is reported as the singular one.
SINGULAR_COND = 1e14


def _inverted_matrices(exprs: list[Any]) -> list[Any]:
    """The distinct matrices `exprs` invert: arguments of inv, logdet, negative powers."""
    out: list[Any] = []
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        for node in sp.preorder_traversal(expr):
            arg = None
            negative_power = isinstance(node, sp.MatPow) and node.args[1].is_negative
            if isinstance(node, sp.Inverse | LogDet) or negative_power:
                arg = node.args[0]
            if arg is not None and isinstance(arg, sp.MatrixExpr) and arg not in out:
                out.append(arg)
    return out


def _used(arrays: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in arrays.items() if k in names}


def _internal_shape(expr: Any) -> tuple[Any, Any]:
    if isinstance(expr, sp.MatrixExpr):
        return tuple(expr.shape)
    return (sp.Integer(1), sp.Integer(1))


def _function_of(
    fn: NumpyFunction, inputs: Mapping[str, Any], wrt: str, symmetrize: Projection | None
) -> Callable[[npt.NDArray[Any]], Any]:
    """``W -> f(W)``, the other inputs fixed; ``f(sym(W))`` given the projection `symmetrize`."""

    def f(w: npt.NDArray[Any]) -> Any:
        if symmetrize is not None:  # f restricted to symmetric matrices, extended by sym(W)
            w = symmetrize(w)
        values = dict(inputs)
        values[wrt] = w
        return fn(**values)

    return f


def _as_arrays(arrays: Mapping[str, Any]) -> dict[str, Any]:
    """Each value as a numeric numpy array, or an ArgumentError naming it."""
    np = numpy_module()
    out: dict[str, Any] = {}
    for name, value in arrays.items():
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise ArgumentError(
                f"{name} is not a rectangular numeric array ({exc}); pass a numpy array or a "
                "nested list whose rows all have the same length"
            ) from None
        if array.dtype.kind not in "fciu":
            raise ArgumentError(
                f"{name} must be a numeric array, got dtype {array.dtype} from "
                f"{type(value).__name__}; pass numbers (float64 arrays)"
            )
        out[name] = array
    return out


def _as_function_of(
    d: Derivative, inputs: Mapping[str, Any], wrt: str, symmetrize: Projection | None
) -> Callable[[npt.NDArray[Any]], npt.NDArray[Any]]:
    """``W -> d(W)``, the other inputs fixed; ``d(sym(W))`` given the projection `symmetrize`."""

    def f(w: npt.NDArray[Any]) -> npt.NDArray[Any]:
        values = dict(inputs)
        values[wrt] = w if symmetrize is None else symmetrize(w)
        return d.unchecked().evaluate(**values)  # w may leave the assumed set

    return f


def _positive_names(expr: Any) -> set[str]:
    names: set[str] = set()
    for node in sp.preorder_traversal(expr):
        arg = None
        if isinstance(node, Elementwise) and ELEMENTWISE[node.name].domain == "positive":
            arg = node.arg
        elif (
            isinstance(node, sp.log)
            or (isinstance(node, sp.HadamardPower | sp.Pow) and not node.args[1].is_nonnegative)
            or (isinstance(node, sp.Pow) and not node.args[1].is_integer)
        ):
            arg = node.args[0]
        if isinstance(arg, sp.MatrixSymbol | sp.Symbol):
            names.add(str(arg.name))
    return names


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
