"""Stable scalar functions: ``sigmoid``, ``softplus`` and ``log_sigmoid`` of a scalar.

On an array these are :class:`~matderiv.expr.nodes.Elementwise` nodes with stable numpy
kernels.  On a scalar the language used SymPy's own expressions (``log(1 + exp(t))``), whose
derivative ``exp(t) / (1 + exp(t))`` is ``nan`` at ``t = 1000``.  These SymPy functions keep
the scalar forms whole, so that the engine derives and computes them as stably as the array
forms: the derivative of ``Softplus(t)`` is ``Sigmoid(t)``, computed as
``exp(log_sigmoid(t))``, never ``exp(t) / (1 + exp(t))``.

Each evaluates to its explicit form at a number, and gives SymPy's numeric evaluation and
``lambdify`` what they need.

Examples
--------
>>> import sympy as sp
>>> t = sp.Symbol("t", real=True)
>>> Softplus(t).diff(t)
Sigmoid(t)
>>> float(Sigmoid(0))
0.5
>>> f = sp.lambdify(t, Softplus(t).diff(t), modules="numpy")
>>> float(f(1000.0)), float(f(-1000.0)) == 0.0
(1.0, True)
"""

from __future__ import annotations

from typing import Any, ClassVar

import sympy as sp

__all__ = ["SCALAR_FUNCTIONS", "LogSigmoid", "Sigmoid", "Softplus"]


class _Stable(sp.Function):  # type: ignore[misc]
    """A real function of one real argument, explicit at numbers.

    A subclass gives its explicit form (``explicit``), its numpy code (``numpy``, a template
    in ``{x}``, for SymPy's ``lambdify``) and its derivative (``fdiff``).  matderiv's own
    code and LaTeX come from the elementwise table (:mod:`matderiv.expr.primitives.elementwise`).
    """

    nargs = 1
    numpy: ClassVar[str]

    @classmethod
    def explicit(cls, t: Any) -> Any:
        """The function written with ``exp`` and ``log``."""
        raise NotImplementedError

    @classmethod
    def eval(cls, t: Any) -> Any:
        if t.is_Number:
            return cls.explicit(t)
        return None

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real  # type: ignore[no-any-return]

    def _eval_evalf(self, prec: int) -> Any:
        return self.explicit(self.args[0])._eval_evalf(prec)

    def _eval_rewrite_as_exp(self, t: Any, **kwargs: Any) -> Any:
        return self.explicit(t)

    def _numpycode(self, printer: Any) -> str:
        return self.numpy.format(x=printer._print(self.args[0]))


class Sigmoid(_Stable):
    """``σ(t) = 1 / (1 + exp(-t))``."""

    numpy = "numpy.exp(-numpy.logaddexp(0, -({x})))"

    @classmethod
    def explicit(cls, t: Any) -> Any:
        return 1 / (1 + sp.exp(-t))

    def fdiff(self, argindex: int = 1) -> Any:
        t = self.args[0]
        return Sigmoid(t) * Sigmoid(-t)


class Softplus(_Stable):
    """``softplus(t) = log(1 + exp(t))``."""

    numpy = "numpy.logaddexp(0, {x})"

    @classmethod
    def explicit(cls, t: Any) -> Any:
        return sp.log(1 + sp.exp(t))

    def fdiff(self, argindex: int = 1) -> Any:
        return Sigmoid(self.args[0])


class LogSigmoid(_Stable):
    """``log σ(t) = -softplus(-t)``."""

    numpy = "(-numpy.logaddexp(0, -({x})))"

    @classmethod
    def explicit(cls, t: Any) -> Any:
        return -sp.log(1 + sp.exp(-t))

    def fdiff(self, argindex: int = 1) -> Any:
        return Sigmoid(-self.args[0])


#: The language's name of each scalar function.
SCALAR_FUNCTIONS: dict[str, type[_Stable]] = {
    "sigmoid": Sigmoid,
    "softplus": Softplus,
    "log_sigmoid": LogSigmoid,
}
