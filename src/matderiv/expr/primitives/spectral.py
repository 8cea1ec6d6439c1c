"""Spectral functions: ``expm``, ``logm``, ``sqrtm`` and their Fréchet derivatives,
``eigvalsh``, ``svdvals`` (with the eigen- and singular vectors their derivatives need), the
nuclear and spectral norms ``norm(X, "nuc")`` and ``norm(X, 2)``, ``cholesky`` and ``pinv``.

The calculus, one rule per node:

* a matrix function F = f(X) (f = exp, log, sqrt, principal branch) has the differential
  ``dF = L_f(X)[dX]``, its Fréchet derivative, a node of its own (``expm_frechet(X, E)``…)
  linear in the direction E.  Its adjoint is ``L_f(Xᵀ)`` (f has a real Taylor series), so the
  gradient of ``<G, f(X)>`` is ``L_f(Xᵀ)[G]``, and ``L_f(Xᵀ)[I] = f'(Xᵀ)`` gives
  ``∂ tr f(X)/∂X = f'(X)ᵀ`` in closed form.  Its vec matrix is ``expm_frechet_matrix(X)``…
  Numbers: SciPy's ``expm``/``logm``/``sqrtm``; the Fréchet derivative by Daleckii–Krein
  (divided differences of the eigenvalues) for a symmetric X, ``expm_frechet`` (the block form
  ``expm([[X, E], [0, X]])``) for a general X, a Sylvester equation for ``sqrtm`` and the block
  form for ``logm``;
* eigenvalues of a symmetric matrix: ``dλᵢ = vᵢᵀ dX vᵢ``, that is ``dλ = diag(Vᵀ dX V)`` with
  ``V = eigvecsh(X)``; singular values: ``dσ = diag(Uᵀ dX V)`` with ``U = svd_u(X)``,
  ``V = svd_v(X)``; the nuclear norm ``d‖X‖_* = tr(Uᵀ dX V)``, the spectral norm
  ``d‖X‖₂ = u₁ᵀ dX v₁``.  Evaluating the vectors refuses (``SpectralGapError``) values closer
  than 1e-8 of the largest: there the derivative does not exist or is ill-conditioned;
* Cholesky ``X = L Lᵀ`` (X spd): ``dL = L Φ(L⁻¹ dX L⁻ᵀ)``, Φ the lower triangle with half the
  diagonal (``tril_half``, a linear node, its own adjoint);
* the pseudo-inverse of a full-rank A: ``dA⁺ = −A⁺ dA A⁺ + A⁺A⁺ᵀ dAᵀ (I − AA⁺)
  + (I − A⁺A) dAᵀ A⁺ᵀA⁺``.

``eigvalsh``, ``eigvecsh`` and ``cholesky`` read the symmetric part ``(X + Xᵀ)/2`` of their
argument (X itself when X is symmetric), so they are functions of every square matrix and their
derivatives hold in every direction.  Second derivatives through the eigen- and singular
vectors and of the Fréchet derivatives are refused (``UnsupportedError``).

Examples
--------
>>> import matderiv
>>> print(matderiv.derive("trace(expm(X))", "X", {"X": ("n", "n")}).text())
expm(X.T)
>>> print(matderiv.derive('norm(X, "nuc")', "X", {"X": ("m", "n")}).text())
svd_u(X) @ svd_v(X).T
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import sympy as sp
from sympy.core.symbol import Str

from matderiv.errors import ShapeError, UnsupportedError
from matderiv.expr.nodes import (
    Diag,
    Diagonal,
    Norm,
    ScalarOf,
    Vec,
    _matrix,
    _MatrixNode,
    _ScalarNode,
)
from matderiv.expr.primitive import (
    POSTFIX,
    D,
    LatexPrinting,
    Linear,
    NotNative,
    Primitive,
    Pull,
    call_text,
    register,
)
from matderiv.expr.primitives.matrix import NORM_ORDERS
from matderiv.expr.pycode import Call, Const, Op, Slot
from matderiv.expr.reader import Handler, Reader, Val

__all__ = [
    "Cholesky",
    "Frechet",
    "FrechetMatrix",
    "MatrixFunction",
    "NuclearNorm",
    "Pinv",
    "SpectralBasis",
    "SpectralNorm",
    "Spectrum",
    "TrilHalf",
]

#: The matrix functions, their LaTeX, and ``f'`` as a matrix expression (``L_f(X)[I]``).
MATRIX_FUNCTIONS: dict[str, tuple[Callable[[str], str], Callable[[Any], Any]]] = {
    "expm": (lambda x: f"e^{{{x}}}", lambda x: MatrixFunction("expm", x)),
    "logm": (lambda x: rf"\log\left({x}\right)", sp.Inverse),
    "sqrtm": (
        lambda x: rf"{x}^{{1/2}}",
        lambda x: sp.MatMul(sp.Rational(1, 2), sp.Inverse(MatrixFunction("sqrtm", x))),
    ),
}


def _smaller(m: Any, n: Any) -> Any:
    """min(m, n) of two dimensions (SymPy's ``Min`` when their order is unknown)."""
    return m if m == n else sp.Min(m, n)


class _Named(sp.MatrixExpr):  # type: ignore[misc]
    """A node ``name(X, ...)``: a function name (``Str``) and matrix arguments."""

    def __new__(cls, name: str | Str, *args: Any) -> Any:
        return super().__new__(cls, Str(str(name)), *(_matrix(a, str(name)) for a in args))

    @property
    def name(self) -> str:
        """The function's name, for example ``"expm"``."""
        return str(self.args[0])

    @property
    def arg(self) -> sp.MatrixExpr:
        """The matrix argument."""
        return self.args[1]

    def _sympystr(self, printer: Any) -> str:
        return f"{self.name}(" + ", ".join(printer._print(a) for a in self.args[1:]) + ")"


class MatrixFunction(_Named):
    """``expm(X)``, ``logm(X)`` or ``sqrtm(X)`` (principal branch) of a square matrix."""

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape  # type: ignore[no-any-return]


class Frechet(_Named):
    """``L_f(X)[E]``: the Fréchet derivative of the matrix function f at X in the direction E."""

    @property
    def direction(self) -> sp.MatrixExpr:
        """The direction E."""
        return self.args[2]

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape  # type: ignore[no-any-return]

    def _sympystr(self, printer: Any) -> str:
        return f"{self.name}_frechet({printer._print(self.arg)}, {printer._print(self.direction)})"


class FrechetMatrix(_Named):
    """``K_f(X)`` with ``vec(L_f(X)[E]) = K_f(X) vec(E)``, of shape ``(n², n²)``."""

    @property
    def shape(self) -> tuple[Any, Any]:
        n = self.args[1].shape[0]
        return (n * n, n * n)

    def _sympystr(self, printer: Any) -> str:
        return f"{self.name}_frechet_matrix({printer._print(self.arg)})"


class Spectrum(_Named):
    """``eigvalsh(X)`` (ascending, of the symmetric part) or ``svdvals(X)`` (descending), a
    column."""

    @property
    def shape(self) -> tuple[Any, Any]:
        m, n = self.args[1].shape
        return (m if self.name == "eigvalsh" else _smaller(m, n), sp.Integer(1))


#: The vectors of a spectral decomposition: name -> (shape from X's (m, n), LaTeX symbol).
BASES: dict[str, tuple[Callable[[Any, Any], tuple[Any, Any]], str]] = {
    "eigvecsh": (lambda m, n: (m, n), r"V_{\lambda}"),
    "svd_u": (lambda m, n: (m, _smaller(m, n)), r"U_{\sigma}"),
    "svd_v": (lambda m, n: (n, _smaller(m, n)), r"V_{\sigma}"),
    "svd_u1": (lambda m, n: (m, sp.Integer(1)), "u_{1}"),
    "svd_v1": (lambda m, n: (n, sp.Integer(1)), "v_{1}"),
}


class SpectralBasis(_Named):
    """The eigenvectors ``eigvecsh(X)`` of the symmetric part of X (columns in the order of
    ``eigvalsh``), the thin singular vectors ``svd_u(X)``, ``svd_v(X)`` (``X = U diag(σ) Vᵀ``),
    or the leading pair ``svd_u1(X)``, ``svd_v1(X)``."""

    @property
    def shape(self) -> tuple[Any, Any]:
        return BASES[self.name][0](*self.args[1].shape)


class Cholesky(_MatrixNode):
    """The lower Cholesky factor L of an spd matrix, ``X = L Lᵀ`` (of its symmetric part)."""

    label = "cholesky"


class TrilHalf(_MatrixNode):
    """``Φ(Z)``: the strictly lower triangle of a square Z and half its diagonal."""

    label = "tril_half"


class Pinv(_MatrixNode):
    """The Moore–Penrose pseudo-inverse of a full-rank matrix."""

    label = "pinv"

    @property
    def shape(self) -> tuple[Any, Any]:
        m, n = self.args[0].shape
        return (n, m)


class NuclearNorm(_ScalarNode):
    """``‖X‖_*``: the sum of the singular values."""

    label = "nuclear norm"

    def _sympystr(self, printer: Any) -> str:
        return f'norm({printer._print(self.arg)}, "nuc")'


class SpectralNorm(_ScalarNode):
    """``‖X‖₂``: the largest singular value."""

    label = "spectral norm"

    def _sympystr(self, printer: Any) -> str:
        return f"norm({printer._print(self.arg)}, 2)"


# -- shared pieces --------------------------------------------------------------------------------


def _not_native(name: str) -> Callable[[Any, list[Any]], Any]:
    def native(node: Any, args: list[Any]) -> Any:
        raise NotNative(name)

    return native


def _named_op(helper: str) -> Callable[[Any], Op]:
    """``helper("name", X, ...)``: the numpy code of a named node."""

    def op(node: Any) -> Op:
        kids = tuple(node.args[1:])
        return Op(kids, Call(helper, (Const(node.name), *(Slot(i) for i in range(len(kids))))))

    return op


def _latex_call(name: str) -> Callable[[Any, LatexPrinting], str]:
    return lambda node, printer: rf"{name}\left({printer._print(node.args[-1])}\right)"


def _constant_only(what: str) -> Callable[[Any, D], Any]:
    """The differential of a node whose argument must not depend on the variable."""

    def differential(node: Any, d: D) -> Any:
        if d(node.arg) is None:
            return None
        raise UnsupportedError(
            f"{what} {node} depends on the variable: matderiv does not differentiate it (a "
            "second derivative through eigenvectors, singular vectors or a Fréchet "
            "derivative); differentiate once, or check the second derivative numerically "
            "with matderiv.numeric"
        )

    return differential


def _require_matrix(val: Val, name: str) -> None:
    if len(val.shape) != 2:
        raise ShapeError(f"{name} needs a matrix, got {val.describe()}")


def _require_known_rank(expr: Any, val: Val, name: str) -> None:
    """Refuse a value whose number of singular values min(m, n) is not a dimension."""
    if any(isinstance(d, sp.Min) for d in expr.shape):
        m, n = val.shape
        raise ShapeError(
            f"{name}({val.text}): the number of singular values min({m}, {n}) of "
            f"{val.describe()} is not a dimension; declare a square matrix ('n', 'n') or "
            "the shape in numbers, such as (3, 5)"
        )


# -- matrix functions and their Fréchet derivatives ---------------------------------------------


def _function_differential(node: Any, d: D) -> Any:
    dx = d(node.arg)
    return None if dx is None else Frechet(node.name, node.arg, dx)


def _frechet_differential(node: Any, d: D) -> Any:
    if d(node.arg) is not None:
        return _constant_only("the point X of the Fréchet derivative")(node, d)
    de = d(node.direction)
    return None if de is None else Frechet(node.name, node.arg, de)


def _identity_multiple(bar: Any) -> Any:
    """c when `bar` is ``c I``, else ``None``."""
    if isinstance(bar, sp.Identity):
        return sp.Integer(1)
    if isinstance(bar, sp.MatMul):
        matrices = [a for a in bar.args if isinstance(a, sp.MatrixExpr)]
        if len(matrices) == 1 and isinstance(matrices[0], sp.Identity):
            return sp.Mul(*(a for a in bar.args if not isinstance(a, sp.MatrixExpr)))
    return None


def _frechet_pullback(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    # <G, L_f(X)[E]> = <L_f(Xᵀ)[G], E>; L_f(Xᵀ)[c I] = c f'(Xᵀ) in closed form
    xt = node.arg.T
    c = _identity_multiple(bar)
    if c is not None:
        derivative = MATRIX_FUNCTIONS[node.name][1](xt)
        pull(node.direction, derivative if c == 1 else sp.MatMul(c, derivative))
        return
    pull(node.direction, Frechet(node.name, xt, bar))


def _frechet_vec(node: Any, jac: Callable[[Any], Any]) -> Any:
    j = jac(node.direction)
    return None if j is None else sp.MatMul(FrechetMatrix(node.name, node.arg), j)


def _function_call(name: str) -> Handler:
    def handler(reader: Reader, node: ast.Call) -> Val:
        (arg,) = reader.args(node, 1, name)
        reader.require_square(arg, name, node)
        return Val(MatrixFunction(name, arg.expr), arg.shape, reader.text(node))

    return handler


def _frechet_call(name: str) -> Handler:
    def handler(reader: Reader, node: ast.Call) -> Val:
        x, e = reader.args(node, 2, f"{name}_frechet")
        reader.require_square(x, f"{name}_frechet", node)
        if tuple(e.shape) != tuple(x.shape):
            raise ShapeError(
                f"{name}_frechet(X, E) needs a direction E shaped like X, got "
                f"{x.describe()} and {e.describe()}"
            )
        return Val(Frechet(name, x.expr, e.expr), x.shape, reader.text(node))

    return handler


def _frechet_matrix_call(name: str) -> Handler:
    def handler(reader: Reader, node: ast.Call) -> Val:
        (x,) = reader.args(node, 1, f"{name}_frechet_matrix")
        reader.require_square(x, f"{name}_frechet_matrix", node)
        n = x.shape[0]
        return Val(FrechetMatrix(name, x.expr), (n * n, n * n), reader.text(node))

    return handler


def _function_latex(node: Any, printer: LatexPrinting) -> str:
    arg = printer._wrapped(node.arg) if node.name == "sqrtm" else printer._print(node.arg)
    return MATRIX_FUNCTIONS[node.name][0](arg)


#: The subscript naming f in L_f(X)[E] and K_f(X).
_SUBSCRIPT = {"expm": r"\exp", "logm": r"\log", "sqrtm": r"\sqrt{\cdot}"}


register(
    Primitive(
        MatrixFunction,
        text=lambda n, p: call_text(p, n.name, n.arg),
        numpy=_named_op("_matrix_function"),
        latex=_function_latex,
        differential=_function_differential,
        functions={name: _function_call(name) for name in MATRIX_FUNCTIONS},
        native=_not_native("a matrix function"),
    )
)
register(
    Primitive(
        Frechet,
        text=lambda n, p: call_text(p, f"{n.name}_frechet", n.arg, n.direction),
        numpy=_named_op("_matrix_function_frechet"),
        latex=lambda n, printer: (
            rf"L_{{{_SUBSCRIPT[n.name]}}}\left({printer._print(n.arg)}\right)"
            rf"\left[{printer._print(n.direction)}\right]"
        ),
        differential=_frechet_differential,
        pullback=_frechet_pullback,
        vec=_frechet_vec,
        functions={f"{name}_frechet": _frechet_call(name) for name in MATRIX_FUNCTIONS},
        native=_not_native("a Fréchet derivative"),
    )
)
register(
    Primitive(
        FrechetMatrix,
        text=lambda n, p: call_text(p, f"{n.name}_frechet_matrix", n.arg),
        numpy=lambda n: Op(
            (n.arg,), Call("_matrix_function_frechet", (Const(n.name), Slot(0), Const("vec")))
        ),
        latex=lambda n, printer: rf"K_{{{_SUBSCRIPT[n.name]}}}\left({printer._print(n.arg)}\right)",
        differential=_constant_only("the Fréchet matrix"),
        functions={
            f"{name}_frechet_matrix": _frechet_matrix_call(name) for name in MATRIX_FUNCTIONS
        },
        native=_not_native("a Fréchet matrix"),
    )
)


# -- eigenvalues, singular values and their vectors -------------------------------------------


def _spectrum_differential(node: Any, d: D) -> Any:
    dx = d(node.arg)
    if dx is None:
        return None
    if node.name == "eigvalsh":  # dλᵢ = vᵢᵀ dX vᵢ
        v = SpectralBasis("eigvecsh", node.arg)
        return Diagonal(sp.MatMul(v.T, dx, v))
    u, v = SpectralBasis("svd_u", node.arg), SpectralBasis("svd_v", node.arg)  # dσᵢ = uᵢᵀ dX vᵢ
    return Diagonal(sp.MatMul(u.T, dx, v))


def _spectral_call(node_class: type, name: str, square: str) -> Handler:
    """Read ``name(X)`` as ``node_class(name, X)``: X a matrix, square when `name` is `square`;
    a vector result (one entry per eigen- or singular value, or one vector) is 1-D."""

    def handler(reader: Reader, node: ast.Call) -> Val:
        (arg,) = reader.args(node, 1, name)
        if name == square:
            reader.require_square(arg, name, node)
        else:
            _require_matrix(arg, name)
        expr = node_class(name, arg.expr)
        _require_known_rank(expr, arg, name)
        vector = node_class is Spectrum or name in ("svd_u1", "svd_v1")
        shape = (expr.shape[0],) if vector else tuple(expr.shape)
        return Val(expr, shape, reader.text(node))

    return handler


register(
    Primitive(
        Spectrum,
        text=lambda n, p: call_text(p, n.name, n.arg),
        numpy=_named_op("_spectrum"),
        latex=lambda n, printer: (
            (r"\lambda" if n.name == "eigvalsh" else r"\sigma")
            + rf"\left({printer._print(n.arg)}\right)"
        ),
        differential=_spectrum_differential,
        functions={
            name: _spectral_call(Spectrum, name, "eigvalsh") for name in ("eigvalsh", "svdvals")
        },
        native=_not_native("eigenvalues and singular values"),
    )
)


register(
    Primitive(
        SpectralBasis,
        text=lambda n, p: call_text(p, n.name, n.arg),
        numpy=_named_op("_spectral_basis"),
        latex=lambda n, printer: rf"{BASES[n.name][1]}\left({printer._print(n.arg)}\right)",
        differential=_constant_only("the spectral vectors"),
        functions={name: _spectral_call(SpectralBasis, name, "eigvecsh") for name in BASES},
        native=_not_native("eigenvectors and singular vectors"),
    )
)


# -- the nuclear and spectral norms: norm(X, "nuc"), norm(X, 2), norm(X, "fro") -----------------


def _nuclear_differential(node: Any, d: D) -> Any:
    dx = d(node.arg)
    if dx is None:
        return None
    u, v = SpectralBasis("svd_u", node.arg), SpectralBasis("svd_v", node.arg)
    return sp.Trace(sp.MatMul(u.T, dx, v))


def _spectral_norm_differential(node: Any, d: D) -> Any:
    dx = d(node.arg)
    if dx is None:
        return None
    u, v = SpectralBasis("svd_u1", node.arg), SpectralBasis("svd_v1", node.arg)
    return ScalarOf(sp.MatMul(u.T, dx, v))


def _norm_order(
    name: str, build: Callable[[Any], Any], vector: Callable[[Any], Any] | None
) -> Callable[[Reader, Val, ast.Call], Val]:
    """The reading of ``norm(X, ord)`` for one ord (``vector``: the node for a 1-D x)."""

    def read(reader: Reader, arg: Val, node: ast.Call) -> Val:
        if len(arg.shape) == 2:
            return Val(build(arg.expr), (), reader.text(node))
        if len(arg.shape) == 1 and vector is not None:
            return Val(vector(arg.expr), (), reader.text(node))
        raise ShapeError(f"norm(x, {name}) needs a matrix, got {arg.describe()}")

    return read


NORM_ORDERS.update(
    {
        "nuc": _norm_order('"nuc"', NuclearNorm, None),
        2: _norm_order("2", SpectralNorm, Norm),
        "fro": _norm_order('"fro"', Norm, None),
    }
)

register(
    Primitive(
        NuclearNorm,
        text=lambda n, p: (f'norm({p(n.arg)[0]}, "nuc")', POSTFIX),
        numpy=lambda n: Op((n.arg,), Call("np.linalg.norm", (Slot(0), Const("nuc")))),
        latex=lambda n, printer: rf"\left\|{printer._print(n.arg)}\right\|_{{*}}",
        differential=_nuclear_differential,
        native=_not_native("the nuclear norm"),
    )
)
register(
    Primitive(
        SpectralNorm,
        text=lambda n, p: (f"norm({p(n.arg)[0]}, 2)", POSTFIX),
        numpy=lambda n: Op((n.arg,), Call("np.linalg.norm", (Slot(0), Const(2)))),
        latex=lambda n, printer: rf"\left\|{printer._print(n.arg)}\right\|_{{2}}",
        differential=_spectral_norm_differential,
        native=_not_native("the spectral norm"),
    )
)


# -- Cholesky and Φ -------------------------------------------------------------------------------


def _cholesky_differential(node: Any, d: D) -> Any:
    dx = d(node.arg)
    if dx is None:
        return None
    li = sp.Inverse(node)  # dL = L Φ(L⁻¹ sym(dX) L⁻ᵀ)
    sym = sp.MatMul(sp.Rational(1, 2), sp.MatAdd(dx, dx.T))
    return sp.MatMul(node, TrilHalf(sp.MatMul(li, sym, li.T)))


def _single_call(name: str, build: type, square: bool) -> Handler:
    def handler(reader: Reader, node: ast.Call) -> Val:
        (arg,) = reader.args(node, 1, name)
        if square:
            reader.require_square(arg, name, node)
        else:
            _require_matrix(arg, name)
        expr = build(arg.expr)
        return Val(expr, tuple(expr.shape), reader.text(node))

    return handler


register(
    Primitive(
        Cholesky,
        text=lambda n, p: call_text(p, "cholesky", n.arg),
        numpy=lambda n: Op((n.arg,), Call("_cholesky", (Slot(0),))),
        latex=_latex_call(r"\operatorname{chol}"),
        differential=_cholesky_differential,
        functions={"cholesky": _single_call("cholesky", Cholesky, square=True)},
        native=_not_native("cholesky"),
    )
)
register(
    Primitive(
        TrilHalf,
        text=lambda n, p: call_text(p, "tril_half", n.arg),
        numpy=lambda n: Op((n.arg,), Call("_tril_half", (Slot(0),))),
        latex=_latex_call(r"\Phi"),
        linear=Linear(  # a mask: its own adjoint, vec matrix diag(vec Φ(1 1ᵀ))
            adjoint=lambda n, bar: TrilHalf(bar),
            vec=lambda n: Diag(Vec(TrilHalf(sp.OneMatrix(*n.arg.shape)))),
        ),
        functions={"tril_half": _single_call("tril_half", TrilHalf, square=True)},
        native=_not_native("tril_half"),
    )
)


# -- the pseudo-inverse ---------------------------------------------------------------------------


def _pinv_differential(node: Any, d: D) -> Any:
    da = d(node.arg)
    if da is None:
        return None
    a, p = node.arg, node
    m, n = a.shape
    return sp.MatAdd(
        sp.MatMul(-1, p, da, p),
        sp.MatMul(p, p.T, da.T, sp.MatAdd(sp.Identity(m), sp.MatMul(-1, a, p))),
        sp.MatMul(sp.MatAdd(sp.Identity(n), sp.MatMul(-1, p, a)), da.T, p.T, p),
    )


register(
    Primitive(
        Pinv,
        text=lambda n, p: call_text(p, "pinv", n.arg),
        numpy=lambda n: Op((n.arg,), Call("_pinv", (Slot(0),))),
        latex=lambda n, printer: f"{printer._wrapped(n.arg)}^{{+}}",
        differential=_pinv_differential,
        functions={"pinv": _single_call("pinv", Pinv, square=False)},
        native=_not_native("pinv"),
    )
)
