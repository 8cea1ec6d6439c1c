"""Sums, scalar and elementwise products and powers: ``+ - * / **``.

The parser reads these operators itself (:mod:`matderiv.expr.reader`); each
stanza here gives the node's printing, numpy code, differential and
identification rules.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from matderiv.errors import UnsupportedError
from matderiv.expr.algebra import contains, hadamard, is_ones, vec_of
from matderiv.expr.axisnodes import Broadcast
from matderiv.expr.broadcasting import compact_ok, compact_operands, compact_printer, full_first
from matderiv.expr.nodes import Diag
from matderiv.expr.primitive import (
    POWER,
    PRODUCT,
    SUM,
    UNARY,
    D,
    LatexPrinting,
    Primitive,
    Pull,
    TextPrinter,
    Txt,
    call_text,
    register,
    wrap,
)
from matderiv.expr.pycode import BinOp, Call, Code, Const, Neg, Op, Operator, Slot

__all__ = ["add_terms", "chain", "negated", "negative", "product_rule"]


def negative(term: Any) -> bool:
    """Whether a term prints with a leading minus.

    Shallow for matrix expressions: SymPy's ``could_extract_minus_sign`` negates matrix terms
    with a deep ``doit``, whose cost follows the unfolded tree (exponential on a derivative
    that shares its subexpressions).
    """
    if isinstance(term, sp.MatMul):
        return bool(term.as_coeff_mmul()[0].is_negative)
    if isinstance(term, sp.MatAdd):  # a sum with more negative than positive terms
        minus = sum(1 for a in term.args if negative(a))
        return 2 * minus > len(term.args)
    if isinstance(term, sp.MatrixExpr):
        return False
    return bool(term.could_extract_minus_sign())


def negated(term: Any) -> Any:
    """``-term``, built without canonicalising (a deep ``doit``) the subexpressions."""
    if isinstance(term, sp.MatMul):
        return _neg(term)
    if isinstance(term, sp.MatAdd):
        return sp.MatAdd(*(negated(a) for a in term.args))
    if isinstance(term, sp.MatrixExpr):
        return sp.MatMul(-1, term)
    return -term


def chain(op: Operator, count: int, first: int = 0) -> Code:
    """``Slot(first) op Slot(first + 1) op ...`` (left to right)."""
    code: Code = Slot(first)
    for i in range(first + 1, first + count):
        code = BinOp(op, code, Slot(i))
    return code


def add_terms(terms: list[Any]) -> Any:
    """The sum of the terms that are not ``None`` (``None`` when none is left)."""
    terms = [t for t in terms if t is not None]
    if not terms:
        return None
    if len(terms) == 1:
        return terms[0]
    if isinstance(terms[0], sp.MatrixExpr):
        return sp.MatAdd(*terms)
    return sp.Add(*terms)


def product_rule(node: Any, d: D) -> Any:
    """One term per factor, for any product whose factors keep their order."""
    terms = []
    for i, factor in enumerate(node.args):
        df = d(factor)
        if df is not None:
            terms.append(node.func(*node.args[:i], df, *node.args[i + 1 :]))
    return add_terms(terms)


# -- sums -------------------------------------------------------------------------------


def _ones_coeff(term: Any) -> Any:
    if isinstance(term, sp.OneMatrix):
        return sp.Integer(1)
    if isinstance(term, sp.MatMul):
        coeff, mats = term.as_coeff_matrices()
        if len(mats) == 1 and isinstance(mats[0], sp.OneMatrix):
            return coeff
    return None


def _neg(term: Any) -> Any:
    coeff, mats = term.as_coeff_matrices()
    return (
        sp.MatMul(-coeff, *mats)
        if -coeff != 1
        else (sp.MatMul(*mats) if len(mats) > 1 else mats[0])
    )


def _add_text(node: Any, p: TextPrinter) -> Txt:
    args = list(node.args)
    if isinstance(node, sp.MatAdd) and compact_ok(args):  # X + b: numpy broadcasts b
        p = compact_printer(p)
        args = full_first(args)
    if isinstance(node, sp.MatAdd) and any(_ones_coeff(a) is None for a in args):
        args = [(_ones_coeff(a) if _ones_coeff(a) is not None else a) for a in args]
    args = [a for a in args if not negative(a)] + [a for a in args if negative(a)]
    text = wrap(p(args[0]), SUM)
    for a in args[1:]:
        if negative(a):
            text += " - " + wrap(p(negated(a)), SUM + 1)
        else:
            term = wrap(p(a), SUM + 1)
            # a term printed "-u" (a minus on its first factor: -u * v = -(u * v)) reads
            # better as a subtraction: "a - u * v" rather than "a + -u * v"
            text += " - " + term[1:] if term.startswith("-") else " + " + term
    return (text, SUM)


def _add_latex(node: Any, printer: LatexPrinting) -> str:
    """Positive terms first; a term printed with a leading minus is subtracted."""
    args = [a for a in node.args if not negative(a)] + [a for a in node.args if negative(a)]
    text = ""
    for a in args:
        minus = negative(a)
        term = printer._print(negated(a) if minus else a)
        if term.startswith("-"):  # -u v = -(u v): the minus of the whole term
            minus, term = not minus, term[1:].lstrip()
        if isinstance(a, sp.MatAdd | sp.Add):
            term = rf"\left({term}\right)"
        if not text:
            text = f"- {term}" if minus else term
        else:
            text += f" - {term}" if minus else f" + {term}"
    return text


def _add_op(node: Any) -> Op:
    # positive terms first: y - X @ w rather than -X @ w + y
    args = [a for a in node.args if not negative(a)] + [a for a in node.args if negative(a)]
    if isinstance(node, sp.MatAdd):
        return _broadcasting_op("+", args)
    return Op(tuple(args), chain("+", len(args)))


def _broadcasting_op(op: Operator, args: list[Any]) -> Op:
    """``a op b op ...`` with each repeated operand left to numpy's broadcasting."""
    children, codes = compact_operands(args)
    code = codes[0]
    for more in codes[1:]:
        code = BinOp(op, code, more)
    return Op(children, code)


def _add_differential(node: Any, d: D) -> Any:
    return add_terms([d(arg) for arg in node.args])


def _add_pullback(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    for arg in node.args:
        if contains(arg, dx):
            pull(arg, bar)


def _add_vec(node: Any, jac: Any) -> Any:
    terms = [t for t in (jac(arg) for arg in node.args) if t is not None]
    return sp.MatAdd(*terms) if len(terms) > 1 else (terms[0] if terms else None)


for _sum_type in (sp.MatAdd, sp.Add):
    register(
        Primitive(
            _sum_type,
            text=_add_text,
            # scalar sums: SymPy's own LaTeX (its polynomial order)
            latex=_add_latex if _sum_type is sp.MatAdd else None,
            numpy=_add_op,
            differential=_add_differential,
            pullback=_add_pullback,
            vec=_add_vec,
        )
    )


# -- scalar products ----------------------------------------------------------------------


def _mul_text(node: Any, p: TextPrinter) -> Txt:
    numer, denom = sp.fraction(node, exact=True)
    if denom != 1:
        return (f"{wrap(p(numer), PRODUCT)} / {wrap(p(denom), PRODUCT + 1)}", PRODUCT)
    coeff, rest = node.as_coeff_Mul()
    if coeff == -1:
        return (f"-{wrap(p(rest), UNARY)}", UNARY)
    return (" * ".join(wrap(p(a), PRODUCT + 1) for a in node.args), PRODUCT)


def _mul_op(node: Any) -> Op:
    numer, denom = sp.fraction(node, exact=True)
    if denom != 1:
        return Op((numer, denom), BinOp("/", Slot(0), Slot(1)))
    coeff, rest = node.as_coeff_Mul()
    if coeff == -1:
        return Op((rest,), Neg(Slot(0)))
    return Op(tuple(node.args), chain("*", len(node.args)))


def _mul_pullback(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    for i, factor in enumerate(node.args):
        if contains(factor, dx):
            pull(factor, bar * sp.Mul(*node.args[:i], *node.args[i + 1 :]))
            return


def _mul_vec(node: Any, jac: Any) -> Any:
    for i, factor in enumerate(node.args):
        j = jac(factor)
        if j is not None:
            return sp.Mul(*node.args[:i], *node.args[i + 1 :]) * j
    return None


register(
    Primitive(
        sp.Mul,
        text=_mul_text,
        numpy=_mul_op,
        differential=product_rule,
        pullback=_mul_pullback,
        vec=_mul_vec,
    )
)


# -- elementwise (Hadamard) products ----------------------------------------------------------


def _unsigned(factors: Any) -> tuple[bool, list[Any]]:
    """The factors without their minus signs, and whether an odd number of them had one."""
    minus, out = False, []
    for f in factors:
        if negative(f):
            minus = not minus
            f = negated(f)
        out.append(f)
    return minus, out


def _reciprocal_of(factor: Any) -> Any:
    """The denominator a factor stands for (``1 / b`` and its repeat), else ``None``."""
    if isinstance(factor, sp.HadamardPower) and factor.args[1] == -1:
        return factor.args[0]
    if isinstance(factor, Broadcast):
        inner = _reciprocal_of(factor.arg)
        if inner is not None:
            return Broadcast(inner, *factor.args[1:])
    return None


def _hadamard_text(node: Any, p: TextPrinter) -> Txt:
    minus, factors = _unsigned(node.args)
    if compact_ok(factors):  # X * b: numpy broadcasts b
        p = compact_printer(p)
        factors = full_first(factors)
    num = [a for a in factors if _reciprocal_of(a) is None]
    den = [_reciprocal_of(a) for a in factors if a not in num]
    top = " * ".join(wrap(p(a), PRODUCT + 1) for a in num) if num else "1"
    if den:
        top = f"{top} / " + " / ".join(wrap(p(a), PRODUCT + 1) for a in den)
    return (f"-{top}", PRODUCT) if minus else (top, PRODUCT)


def _hadamard_pullback(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    for i, factor in enumerate(node.args):
        if contains(factor, dx):
            cot = bar
            for other in [*node.args[:i], *node.args[i + 1 :]]:
                cot = hadamard(other, cot)
            pull(factor, cot)
            return


def _hadamard_vec(node: Any, jac: Any) -> Any:
    for i, factor in enumerate(node.args):
        j = jac(factor)
        if j is None:
            continue
        others = [*node.args[:i], *node.args[i + 1 :]]
        c = others[0] if len(others) == 1 else sp.HadamardProduct(*others)
        coeff, ones = is_ones(c)
        if ones:
            return coeff * j
        return sp.MatMul(Diag(vec_of(c)), j)
    return None


def _hadamard_latex(node: Any, printer: Any) -> str:
    minus, factors = _unsigned(node.args)
    text = r" \odot ".join(printer._wrap_product(arg) for arg in factors)
    return f"- {text}" if minus else text


register(
    Primitive(
        sp.HadamardProduct,
        text=_hadamard_text,
        numpy=lambda n: _broadcasting_op("*", list(n.args)),
        latex=_hadamard_latex,
        differential=product_rule,
        pullback=_hadamard_pullback,
        vec=_hadamard_vec,
    )
)


# -- powers -----------------------------------------------------------------------------------


def _pow_text(node: Any, p: TextPrinter) -> Txt:
    base, exponent = node.args
    if exponent == sp.Rational(1, 2) and isinstance(node, sp.Pow):
        return call_text(p, "sqrt", base)
    if exponent == -1:
        return (f"1 / {wrap(p(base), PRODUCT + 1)}", PRODUCT)
    return (f"{wrap(p(base), POWER + 1)} ** {wrap(p(exponent), POWER)}", POWER)


def _pow_op(node: Any) -> Op:
    """Scalar powers and elementwise (Hadamard) powers: both are numpy's ``**``."""
    base, exponent = node.args
    if exponent == sp.Rational(1, 2) and isinstance(node, sp.Pow):
        return Op((base,), Call("np.sqrt", (Slot(0),)))
    if exponent == -1:
        return Op((base,), BinOp("/", Const(1), Slot(0)))
    return Op((base, exponent), BinOp("**", Slot(0), Slot(1)))


def _pow_differential(node: Any, d: D) -> Any:
    base, p = node.args
    db, dp = d(base), d(p)
    terms = []
    if db is not None:
        terms.append(p * base ** (p - 1) * db)
    if dp is not None:
        terms.append(node * sp.log(base) * dp)
    return add_terms(terms)


def _hadamard_power_differential(node: Any, d: D) -> Any:
    base, p = node.args
    if p.free_symbols:
        raise UnsupportedError(f"no rule for the elementwise power {node} with a symbolic exponent")
    db = d(base)
    if db is None:
        return None
    if p == 2:
        return sp.MatMul(2, sp.HadamardProduct(base, db))
    return sp.MatMul(p, sp.HadamardProduct(sp.HadamardPower(base, p - 1), db))


def _hadamard_power_latex(node: Any, printer: Any) -> str:
    base, p = node.args
    return f"{printer._wrapped(base)}^{{\\circ {printer._print(p)}}}"


register(Primitive(sp.Pow, text=_pow_text, numpy=_pow_op, differential=_pow_differential))
register(
    Primitive(
        sp.HadamardPower,
        text=_pow_text,
        numpy=_pow_op,
        latex=_hadamard_power_latex,
        differential=_hadamard_power_differential,
    )
)
