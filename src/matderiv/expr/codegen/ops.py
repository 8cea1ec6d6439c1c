"""How each node is computed in numpy: one :class:`Op` per node type, as code data.

An :class:`Op` names the node's children (computed first) and one
:data:`~matderiv.expr.pycode.Code` tree over them; the generated source and the
callable of :func:`~matderiv.expr.codegen.to_function` both come from that tree.

Examples
--------
>>> import sympy as sp
>>> from matderiv.expr.pycode import source
>>> X = sp.MatrixSymbol("X", 3, 3)
>>> op = op_for(sp.Inverse(X))
>>> source(op.code, [("X", 100)])
('np.linalg.inv(X)', 90)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from matderiv.errors import UnsupportedError
from matderiv.expr.dispatch import TypeTable
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
from matderiv.expr.pycode import (
    Attr,
    BinOp,
    Call,
    Code,
    Const,
    Dim,
    Index,
    Method,
    Name,
    Neg,
    Operator,
    Slot,
    Tup,
)

__all__ = ["OPS", "Op", "is_dimension", "op_for", "unary"]


@dataclass(frozen=True)
class Op:
    """How one node is computed.

    Attributes
    ----------
    children
        The subexpressions computed first; ``Slot(i)`` in `code` is the i-th.
    code
        The computation, as code data (source text and callable in one).
    """

    children: tuple[Any, ...]
    code: Code


#: The code-generation rule of each node type.
OPS: TypeTable[Callable[[Any], Op]] = TypeTable("numpy code")


def unary(func: str) -> Callable[[Any], Op]:
    """The op ``func(arg)`` of a one-argument node (``np.linalg.inv``)."""
    return lambda node: Op((node.args[0],), Call(func, (Slot(0),)))


def _chain(op: Operator, count: int, first: int = 0) -> Code:
    code: Code = Slot(first)
    for i in range(first + 1, first + count):
        code = BinOp(op, code, Slot(i))
    return code


def _scaled(coeff: Any, code: Code) -> Code:
    """``c * code`` (Slot 0 holds c), ``-code`` for c = -1."""
    if coeff == -1:
        return Neg(code)
    return BinOp("*", Slot(0), code)


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
    start = 1 if has_coeff else 0
    code: Code = Call("_weighted_gram", (Slot(start), Slot(start + 1)))
    children = (last, middle.args[0])
    if not has_coeff:
        return Op(children, code)
    return Op((coeff, *children), _scaled(coeff, code))


def _matmul_op(node: Any) -> Op:
    """A matrix product; ``diag(v)`` factors become broadcasting products, never matrices."""
    gram = _weighted_gram_op(node)
    if gram is not None:
        return gram
    coeff, matrices = node.as_coeff_matrices()
    has_coeff = coeff != 1
    start = 1 if has_coeff else 0
    factors = [m.args[0] if isinstance(m, DiagMatrix) else m for m in matrices]
    code: Code | None = None
    pending: list[Code] = []  # diagonals waiting for a right operand
    for i, m in enumerate(matrices):
        part: Code = Slot(start + i)
        if isinstance(m, DiagMatrix):
            if code is None:
                pending.append(part)
            else:  # A diag(v) = A * vᵀ
                code = BinOp("*", code, Attr(part, "T"))
        elif code is None:  # diag(v) B = v * B
            code = part
            for p in reversed(pending):
                code = BinOp("*", p, code)
            pending = []
        else:
            code = BinOp("@", code, part)
    if code is None:  # a product of diagonals only
        prod = pending[0]
        for p in pending[1:]:
            prod = BinOp("*", prod, p)
        code = Call("np.diagflat", (prod,))
    if has_coeff:
        return Op((coeff, *factors), _scaled(coeff, code))
    return Op(tuple(factors), code)


def _negative(term: Any) -> bool:
    if isinstance(term, sp.MatMul):
        return bool(term.as_coeff_mmul()[0].is_negative)
    return bool(term.could_extract_minus_sign())


def _add_op(node: Any) -> Op:
    # positive terms first: y - X @ w rather than -X @ w + y
    args = [a for a in node.args if not _negative(a)] + [a for a in node.args if _negative(a)]
    return Op(tuple(args), _chain("+", len(args)))


def _mul_op(node: Any) -> Op:
    numer, denom = sp.fraction(node, exact=True)
    if denom != 1:
        return Op((numer, denom), BinOp("/", Slot(0), Slot(1)))
    coeff, rest = node.as_coeff_Mul()
    if coeff == -1:
        return Op((rest,), Neg(Slot(0)))
    return Op(tuple(node.args), _chain("*", len(node.args)))


def _pow_op(node: Any) -> Op:
    """Scalar powers and elementwise (Hadamard) powers: both are numpy's ``**``."""
    base, exponent = node.args
    if exponent == sp.Rational(1, 2) and isinstance(node, sp.Pow):
        return Op((base,), Call("np.sqrt", (Slot(0),)))
    if exponent == -1:
        return Op((base,), BinOp("/", Const(1), Slot(0)))
    return Op((base, exponent), BinOp("**", Slot(0), Slot(1)))


def _kron_op(node: Any) -> Op:
    args = tuple(node.args)
    code: Code = Slot(len(args) - 1)
    for i in reversed(range(len(args) - 1)):
        code = Call("np.kron", (Slot(i), code))
    return Op(args, code)


def _matpow_op(node: Any) -> Op:
    base, k = node.args
    k = int(k)
    arg: Code = Slot(0) if k >= 0 else Call("np.linalg.inv", (Slot(0),))
    return Op((base,), Call("np.linalg.matrix_power", (arg, Const(abs(k)))))


def _max_op(node: Any) -> Op:
    if len(node.args) != 2:
        raise UnsupportedError(f"no numpy code for {node}: Max of two arguments only")
    return Op(tuple(node.args), Call("np.maximum", (Slot(0), Slot(1))))


def _filled(func: str) -> Callable[[Any], Op]:
    return lambda node: Op((), Call(func, (Tup((Dim(node.shape[0]), Dim(node.shape[1]))),)))


OPS[sp.MatAdd] = _add_op
OPS[sp.Add] = _add_op
OPS[sp.MatMul] = _matmul_op
OPS[sp.Mul] = _mul_op
OPS[sp.Pow] = _pow_op
OPS[sp.HadamardPower] = _pow_op
OPS[sp.HadamardProduct] = lambda n: Op(tuple(n.args), _chain("*", len(n.args)))
OPS[sp.KroneckerProduct] = _kron_op
OPS[sp.Transpose] = lambda n: Op((n.arg,), Attr(Slot(0), "T"))
OPS[sp.Inverse] = unary("np.linalg.inv")
OPS[sp.MatPow] = _matpow_op
OPS[sp.Trace] = unary("np.trace")
OPS[sp.Determinant] = unary("np.linalg.det")
OPS[LogDet] = lambda n: Op((n.arg,), Index(Call("np.linalg.slogdet", (Slot(0),)), (1,)))
OPS[ScalarOf] = lambda n: Op((n.arg,), Index(Slot(0), (0, 0)))
OPS[SumAll] = unary("np.sum")
OPS[Norm] = unary("np.linalg.norm")
OPS[LogSumExp] = unary("_logsumexp")
OPS[Softmax] = unary("_softmax")
OPS[Elementwise] = lambda n: Op((n.arg,), ELEMENTWISE[n.name].numpy(Slot(0)))
OPS[DiagMatrix] = unary("np.diagflat")
OPS[DiagonalOf] = lambda n: Op(
    (n.args[0],), Method(Call("np.diagonal", (Slot(0),)), "reshape", (Const(-1), Const(1)))
)
OPS[Vec] = lambda n: Op(
    (n.arg,), Method(Slot(0), "reshape", (Const(-1), Const(1)), (("order", Const("F")),))
)
OPS[sp.Identity] = lambda n: Op((), Call("np.eye", (Dim(n.rows),)))
OPS[sp.ZeroMatrix] = _filled("np.zeros")
OPS[sp.OneMatrix] = _filled("np.ones")
OPS[Commutation] = lambda n: Op((), Call("_commutation", (Dim(n.args[0]), Dim(n.args[1]))))
OPS[sp.exp] = unary("np.exp")
OPS[sp.log] = unary("np.log")
OPS[sp.sin] = unary("np.sin")
OPS[sp.cos] = unary("np.cos")
OPS[sp.tanh] = unary("np.tanh")
OPS[sp.Abs] = unary("np.abs")
OPS[sp.sign] = unary("np.sign")
OPS[sp.re] = unary("np.real")
OPS[sp.Max] = _max_op
OPS[sp.Heaviside] = lambda n: Op((n.args[0],), Call("np.heaviside", (Slot(0), Const(0.0))))


def is_dimension(node: Any) -> bool:
    """Dimension names are positive integer symbols; user scalars are only real."""
    return isinstance(node, sp.Symbol) and node.is_integer is True


def _number_op(node: Any) -> Op:
    if node is sp.nan or node in (sp.oo, -sp.oo, sp.zoo):
        raise UnsupportedError(f"no numpy code for the number {node}")
    if node.is_Integer:
        return Op((), Const(int(node)))
    if node.is_Rational:
        return Op((), BinOp("/", Const(int(node.p)), Const(int(node.q))))
    return Op((), Const(float(node)))


def op_for(node: Any) -> Op:
    """The :class:`Op` computing `node` (leaves included)."""
    if is_dimension(node):  # a size used as a number, e.g. sum(ones(n)) = n
        return Op((), Dim(node))
    if isinstance(node, sp.MatrixSymbol | sp.Symbol):
        return Op((), Name(str(node.name)))
    if node is sp.pi or node is sp.E:
        return Op((), Name("np.pi" if node is sp.pi else "np.e"))
    if isinstance(node, sp.Number):
        return _number_op(node)
    return OPS.lookup(node)(node)
