"""Matrix and Kronecker products: ``@``, ``outer``, ``dot``, ``matmul``, ``kron``.

The matrix product is multilinear: its differential is the product rule, its
pullback moves the cotangent across the other factors (``A dX B -> Aᵀ Ḡ Bᵀ``)
and its vec rule is ``vec(A dX B) = (Bᵀ ⊗ A) vec(dX)``.
"""

from __future__ import annotations

import ast
from typing import Any

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from matderiv.errors import ShapeError
from matderiv.expr.algebra import (
    contains,
    inner,
    is_ones,
    kron,
    kron_product,
    scaled,
    times,
    vec_of,
)
from matderiv.expr.nodes import Commutation, Diag, ScalarOf, SumAll, Vec
from matderiv.expr.primitive import (
    POSTFIX,
    PRODUCT,
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
from matderiv.expr.primitives.operators import add_terms
from matderiv.expr.pycode import Attr, BinOp, Call, Code, Dim, Neg, Op, Slot, Tup
from matderiv.expr.reader import Reader, Val, matmul_vals

__all__: list[str] = []


# -- text ----------------------------------------------------------------------------------


def _is_row(m: Any) -> bool:
    return bool(m.shape[0] == 1 and m.shape[1] != 1)


def _is_col(m: Any) -> bool:
    return bool(m.shape[1] == 1 and m.shape[0] != 1)


def _with_coeff(coeff: Any, body: Txt, p: TextPrinter) -> Txt:
    numer, denom = sp.fraction(coeff, exact=True)
    if denom != 1 and not (coeff.is_Rational):
        scaled = _with_coeff(numer, body, p)
        return (f"{wrap(scaled, PRODUCT)} / {wrap(p(denom), PRODUCT + 1)}", PRODUCT)
    if coeff == 1:
        return body
    if coeff == -1:
        # "-A @ B" is "(-A) @ B": its outermost operator is the product's, not the minus
        return (f"-{wrap(body, PRODUCT)}", PRODUCT if body[1] == PRODUCT else UNARY)
    if body[0].startswith("1 / ") and body[1] == PRODUCT:  # c * 1 / B is c / B
        return (f"{wrap(p(coeff), PRODUCT)} / {body[0][4:]}", PRODUCT)
    # (x @ y) * A rather than x @ y * A (the same by left association, easier to read)
    level = PRODUCT + 1 if isinstance(coeff, ScalarOf) else PRODUCT
    return (f"{wrap(p(coeff), level)} * {wrap(body, PRODUCT)}", PRODUCT)


def _is_unit(shape: Any) -> bool:
    """A 1 x 1 value: a scalar in the language (``x @ y``)."""
    return bool(shape[0] == 1 and shape[1] == 1)


def _matmul_text(node: Any, p: TextPrinter) -> Txt:
    coeff, mats = node.as_coeff_matrices()
    cur: Txt = p(mats[0])
    shape = mats[0].shape
    for m in mats[1:]:
        if shape[1] == 1 and shape[0] != 1 and _is_row(m):  # column times row
            cur = (f"outer({cur[0]}, {p(m)[0]})", POSTFIX)
        elif _is_unit(shape) or _is_unit(m.shape):  # a scalar (x @ y) scales: no '@'
            cur = (f"{wrap(cur, PRODUCT)} * {wrap(p(m), PRODUCT + 1)}", PRODUCT)
        else:
            cur = (f"{wrap(cur, PRODUCT)} @ {wrap(p(m), PRODUCT + 1)}", PRODUCT)
        shape = (shape[0], m.shape[1])
    return _with_coeff(coeff, cur, p)


def _matmul_latex(node: Any, printer: LatexPrinting) -> str:
    coeff, mats = node.as_coeff_matrices()
    if len(mats) == 1 and not isinstance(mats[0], sp.MatAdd):  # c A: A needs no parentheses
        body = printer._print(mats[0])
    else:
        body = " ".join(printer._wrap_product(m) for m in mats)
    if coeff == 1:
        return body
    minus = bool(coeff.could_extract_minus_sign())
    if minus:
        coeff = -coeff
    scale = "" if coeff == 1 else printer._print(coeff)
    if isinstance(coeff, sp.Add | ScalarOf):  # (a + b) X, (xᵀy) X
        scale = rf"\left({scale}\right)"
    text = f"{scale} {body}" if scale else body
    return f"- {text}" if minus else text


# -- numpy --------------------------------------------------------------------------------


def _scaled(coeff: Any, code: Code) -> Code:
    """``c * code`` (Slot 0 holds c), ``-code`` for c = -1."""
    return Neg(code) if coeff == -1 else BinOp("*", Slot(0), code)


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
    start = 1 if coeff != 1 else 0
    code: Code = Call("_weighted_gram", (Slot(start), Slot(start + 1)))
    children = (last, middle.args[0])
    return Op(children, code) if coeff == 1 else Op((coeff, *children), _scaled(coeff, code))


def _kron_factors(m: Any) -> tuple[Any, ...]:
    if isinstance(m, sp.KroneckerProduct):
        return tuple(f for a in m.args for f in _kron_factors(a))
    if isinstance(m, sp.Transpose) and isinstance(m.arg, sp.KroneckerProduct):
        return tuple(f.T for f in _kron_factors(m.arg))
    return (m,)


def _structure(m: Any) -> tuple[str, tuple[Any, ...]] | None:
    """How a factor is applied without building it: a commutation or Kronecker product."""
    if isinstance(m, sp.Transpose):
        inner_ = m.arg
        if isinstance(inner_, Commutation):
            return ("commutation", (inner_.args[1], inner_.args[0]))
        if isinstance(inner_, sp.KroneckerProduct):
            return ("kron", _kron_factors(m))
        return None
    if isinstance(m, Commutation):
        return ("commutation", tuple(m.args))
    if isinstance(m, sp.KroneckerProduct):
        return ("kron", _kron_factors(m))
    return None


def _size_estimate(m: Any) -> float:
    """Entries of `m` with every dimension name set to 10 (to rank factors by size)."""
    rows, cols = (sp.sympify(d) for d in m.shape)
    sizes = dict.fromkeys((rows * cols).free_symbols, 10)
    return float((rows * cols).xreplace(sizes))


def _structured_op(coeff: Any, matrices: list[Any]) -> Op | None:
    """A product with commutation or Kronecker factors, each applied by reshapes and axis
    products to its dense neighbour (``_kron_matmul``, ``_commutation_matmul``): memory of the
    order of the dense operands and the result, where ``np.kron`` would build matrices of
    size (m n)² (the Jacobian of ``kron(kron(X, X), X)``)."""
    kinds = [_structure(m) for m in matrices]
    dense = [
        i
        for i, (m, k) in enumerate(zip(matrices, kinds, strict=True))
        if k is None and not isinstance(m, DiagMatrix | sp.Identity)
    ]
    if all(k is None for k in kinds):
        return None
    if not dense:  # build the smallest structured factor, apply the others to it
        dense = [
            min(
                (i for i, m in enumerate(matrices) if not isinstance(m, DiagMatrix | sp.Identity)),
                key=lambda i: _size_estimate(matrices[i]),
            )
        ]
        kinds[dense[0]] = None
    children: list[Any] = [coeff] if coeff != 1 else []

    def slot(m: Any) -> Code:
        children.append(m)
        return Slot(len(children) - 1)

    def factor_arg(f: Any) -> Code:
        if isinstance(f, sp.Identity):
            return Dim(f.rows)
        if isinstance(f, Commutation):
            return Tup((Dim(f.args[0]), Dim(f.args[1])))
        if isinstance(f, sp.Transpose) and isinstance(f.arg, Commutation):
            return Tup((Dim(f.arg.args[1]), Dim(f.arg.args[0])))
        return slot(f)

    def factor_args(factors: tuple[Any, ...]) -> tuple[Code, ...]:
        return tuple(factor_arg(f) for f in factors)

    seed = dense[-1]
    acc: Code = slot(matrices[seed])
    for i in range(seed + 1, len(matrices)):  # acc @ F = (Fᵀ @ accᵀ)ᵀ
        m, kind = matrices[i], kinds[i]
        if kind is None and isinstance(m, DiagMatrix):
            acc = BinOp("*", acc, Attr(slot(m.args[0]), "T"))
        elif kind is None:
            acc = BinOp("@", acc, slot(m))
        elif kind[0] == "commutation":
            rows, cols = kind[1]
            acc = Attr(Call("_commutation_matmul", (Attr(acc, "T"), Dim(cols), Dim(rows))), "T")
        else:
            transposed = tuple(f.T for f in kind[1])
            acc = Attr(Call("_kron_matmul", (Attr(acc, "T"), *factor_args(transposed))), "T")
    for i in reversed(range(seed)):
        m, kind = matrices[i], kinds[i]
        if kind is None and isinstance(m, DiagMatrix):
            acc = BinOp("*", slot(m.args[0]), acc)
        elif kind is None:
            acc = BinOp("@", slot(m), acc)
        elif kind[0] == "commutation":
            rows, cols = kind[1]
            acc = Call("_commutation_matmul", (acc, Dim(rows), Dim(cols)))
        else:
            acc = Call("_kron_matmul", (acc, *factor_args(kind[1])))
    return Op(tuple(children), acc if coeff == 1 else _scaled(coeff, acc))


def _matmul_op(node: Any) -> Op:
    """A matrix product; ``diag(v)`` factors become broadcasting products, never matrices."""
    gram = _weighted_gram_op(node)
    if gram is not None:
        return gram
    structured = _structured_op(*node.as_coeff_matrices())
    if structured is not None:
        return structured
    coeff, matrices = node.as_coeff_matrices()
    start = 1 if coeff != 1 else 0
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
    if coeff != 1:
        return Op((coeff, *factors), _scaled(coeff, code))
    return Op(tuple(factors), code)


# -- calculus -------------------------------------------------------------------------------


def _matmul_differential(node: Any, d: D) -> Any:
    coeff, matrices = node.as_coeff_matrices()
    terms = []
    dc = d(coeff)
    if dc is not None:
        terms.append(sp.MatMul(dc, *matrices))
    lead = () if coeff == 1 else (coeff,)
    for i, factor in enumerate(matrices):
        df = d(factor)
        if df is not None:
            terms.append(sp.MatMul(*lead, *matrices[:i], df, *matrices[i + 1 :]))
    return add_terms(terms)


def _matmul_pullback(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    coeff, mats = node.as_coeff_matrices()
    if contains(coeff, dx):
        pull(coeff, inner(bar, sp.MatMul(*mats)) if len(mats) > 1 else inner(bar, mats[0]))
        return
    for i, factor in enumerate(mats):
        if contains(factor, dx):
            pull(factor, scaled(coeff, times(bar, list(mats[:i]), list(mats[i + 1 :]))))
            return


def _matmul_vec(node: Any, jac: Any) -> Any:
    coeff, mats = node.as_coeff_matrices()
    rest = sp.MatMul(*mats) if len(mats) > 1 else mats[0]
    jc = jac(coeff)
    if jc is not None:  # d(c) M with c a scalar linear in dX: vec(M) (row of dc)
        return sp.MatMul(vec_of(rest), jc)
    for i, factor in enumerate(mats):
        left, right = list(mats[:i]), list(mats[i + 1 :])
        rows, cols = factor.shape
        lm = sp.MatMul(*left) if len(left) > 1 else (left[0] if left else sp.Identity(rows))
        rm = sp.MatMul(*right) if len(right) > 1 else (right[0] if right else sp.Identity(cols))
        if isinstance(factor, Diag) and right and rm.shape[1] == 1:
            je = jac(factor.args[0])
            if je is None:
                continue
            # L diag(e) r = L diag(r) e
            k = sp.MatMul(lm, Diag(rm)) if left else Diag(rm)
            out = sp.MatMul(k, je)
            return scaled(coeff, out)
        j = jac(factor)
        if j is None:
            continue
        if not left and not right:
            k = None
        elif not right:
            k = lm if cols == 1 else kron(sp.Identity(cols), lm)
        elif not left:
            k = rm.T if rows == 1 else kron(rm.T, sp.Identity(rows))
        else:
            k = kron(rm.T, lm)
        out = j if k is None else sp.MatMul(k, j)
        return scaled(coeff, out)
    return None


# -- the language's product functions -------------------------------------------------------------


def _outer(reader: Reader, node: ast.Call) -> Val:
    a, b = reader.args(node, 2, "outer")
    reader.require_vector(a, "outer", node)
    reader.require_vector(b, "outer", node)
    return Val(a.expr * b.expr.T, (a.shape[0], b.shape[0]), reader.text(node))


def _dot(reader: Reader, node: ast.Call) -> Val:
    a, b = reader.args(node, 2, "dot")
    if a.is_scalar or b.is_scalar:
        return Val(a.expr * b.expr, b.shape if a.is_scalar else a.shape, reader.text(node))
    return matmul_vals(reader, a, b, reader.text(node), op="dot")


def _matmul_call(reader: Reader, node: ast.Call) -> Val:
    a, b = reader.args(node, 2, "matmul")
    return matmul_vals(reader, a, b, reader.text(node))


register(
    Primitive(
        sp.MatMul,
        text=_matmul_text,
        numpy=_matmul_op,
        latex=_matmul_latex,
        differential=_matmul_differential,
        pullback=_matmul_pullback,
        vec=_matmul_vec,
        functions={"outer": _outer, "dot": _dot, "matmul": _matmul_call},
    )
)


# -- Kronecker products -----------------------------------------------------------------------


def _kron_text(node: Any, p: TextPrinter) -> Txt:
    # Vectors print as 1-D arrays, which np.kron treats as rows next to a matrix; a column
    # (or a product of columns) is written through (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ or as an outer product.
    *init, b = node.args
    a = init[0] if len(init) == 1 else sp.KroneckerProduct(*init)
    if (_is_col(a) and _is_col(b)) or not (_is_col(a) or _is_col(b)):
        return call_text(p, "kron", a, b)
    if _is_col(a) and _is_row(b):
        return call_text(p, "outer", a, b.T)
    if _is_row(a) and _is_col(b):
        return call_text(p, "outer", b, a.T)
    return (f"{wrap(call_text(p, 'kron', a.T, b.T), POSTFIX)}.T", POSTFIX)


def _kron_op(node: Any) -> Op:
    args = tuple(node.args)
    code: Code = Slot(len(args) - 1)
    for i in reversed(range(len(args) - 1)):
        code = Call("np.kron", (Slot(i), code))
    return Op(args, code)


def _kron_vec(node: Any, jac: Any) -> Any:
    # vec(X ⊗ Y) = (I_n ⊗ K(q, m) ⊗ I_p) (vec X ⊗ vec Y) for X (m, n), Y (p, q)
    if len(node.args) != 2:
        head, *rest = node.args
        node = sp.KroneckerProduct(head, sp.KroneckerProduct(*rest))
    x, y = node.args
    (m, n), (p, q) = x.shape, y.shape
    # K(q, m) is the identity when q or m is 1 (a vector factor), and so is the shuffle then
    parts = [
        f for f in (sp.Identity(n), Commutation(q, m), sp.Identity(p)) if tuple(f.shape) != (1, 1)
    ]
    shuffle: list[Any] = []
    if q != 1 and m != 1:
        shuffle = [parts[0] if len(parts) == 1 else sp.KroneckerProduct(*parts)]
    terms = []
    jx, jy = jac(x), jac(y)
    if jx is not None:
        terms.append(sp.MatMul(*shuffle, kron(sp.Identity(m * n), vec_of(y)), jx))
    if jy is not None:
        terms.append(sp.MatMul(*shuffle, kron(vec_of(x), sp.Identity(p * q)), jy))
    return sp.MatAdd(*terms) if len(terms) > 1 else (terms[0] if terms else None)


def _kron_differential(node: Any, d: D) -> Any:
    """The product rule, one Kronecker product per factor (coefficients taken out)."""
    terms = []
    for i, factor in enumerate(node.args):
        df = d(factor)
        if df is not None:
            terms.append(kron_product(*node.args[:i], df, *node.args[i + 1 :]))
    return add_terms(terms)


def _partial_trace_first(m: Any, blocks: Any, rows: Any, cols: Any) -> Any:
    """``Σⱼ Mⱼⱼ`` over the ``blocks x blocks`` grid of (rows, cols) blocks of M.

    ``tr₁(M) = (vec(Iₙ)ᵀ ⊗ I_rows)(Iₙ ⊗ M)(vec(Iₙ) ⊗ I_cols)``.
    """
    if blocks == 1:
        return m
    e = Vec(sp.Identity(blocks))
    return sp.MatMul(
        kron(e.T, sp.Identity(rows)), kron(sp.Identity(blocks), m), kron(e, sp.Identity(cols))
    )


def _partial_trace_second(m: Any, rows: Any, cols: Any, inner_size: Any) -> Any:
    """The (rows, cols) matrix of the traces of the square ``inner_size`` blocks of M.

    ``tr₂(M) = (I_rows ⊗ vec(I_q)ᵀ)(M ⊗ I_q)(I_cols ⊗ vec(I_q))``.
    """
    if inner_size == 1:
        return m
    e = Vec(sp.Identity(inner_size))
    return sp.MatMul(
        kron(sp.Identity(rows), e.T), kron(m, sp.Identity(inner_size)), kron(sp.Identity(cols), e)
    )


def _kron_pullback(node: Any, bar: Any, dx: Any, pull: Pull) -> None:
    """Ḡ across ``X ⊗ Y`` (X m x n, Y p x q, Ḡ in blocks Ḡᵢⱼ of shape p x q).

    The adjoint: ``X̄ᵢⱼ = <Y, Ḡᵢⱼ>`` and ``Ȳ = Σᵢⱼ Xᵢⱼ Ḡᵢⱼ``, written with partial traces:
    ``X̄ = tr₂((I_m ⊗ Yᵀ) Ḡ)`` over q x q blocks, ``Ȳ = tr₁((Xᵀ ⊗ I_p) Ḡ)`` over n x n blocks
    (never the (mnpq)² vec matrix).  The all-ones cotangent of a ``sum`` gives ``c·sum(Y)·1``
    and ``c·sum(X)·1``.
    """
    if len(node.args) != 2:
        head, *rest = node.args
        node = sp.KroneckerProduct(head, sp.KroneckerProduct(*rest))
    x, y = node.args
    (m, n), (p, q) = x.shape, y.shape
    on_x = contains(x, dx)
    holder, other = (x, y) if on_x else (y, x)
    c, ones = is_ones(bar)
    if ones:
        pull(holder, c * SumAll(other) * sp.OneMatrix(*holder.shape))
    elif on_x:
        pull(x, _partial_trace_second(sp.MatMul(kron(sp.Identity(m), y.T), bar), m, n, q))
    else:
        pull(y, _partial_trace_first(sp.MatMul(kron(x.T, sp.Identity(p)), bar), n, p, q))


def _kron_call(reader: Reader, node: ast.Call) -> Val:
    # numpy's rules: two 1-D arrays give a 1-D array; a 1-D array next to a matrix
    # is a row (its shape is padded in front to (1, n)).
    a, b = reader.args(node, 2, "kron")
    if a.is_scalar or b.is_scalar:
        raise ShapeError(
            f"kron needs two vectors or matrices, got {a.describe()} and {b.describe()}"
        )
    text = reader.text(node)
    if len(a.shape) == 1 and len(b.shape) == 1:
        return Val(kron_product(a.expr, b.expr), (a.shape[0] * b.shape[0],), text)
    left = a.expr.T if len(a.shape) == 1 else a.expr
    right = b.expr.T if len(b.shape) == 1 else b.expr
    shape = (left.shape[0] * right.shape[0], left.shape[1] * right.shape[1])
    return Val(kron_product(left, right), shape, text)


def _kron_latex(node: Any, printer: Any) -> str:
    return r" \otimes ".join(printer._wrap_product(arg) for arg in node.args)


register(
    Primitive(
        sp.KroneckerProduct,
        text=_kron_text,
        numpy=_kron_op,
        latex=_kron_latex,
        differential=_kron_differential,
        pullback=_kron_pullback,
        vec=_kron_vec,
        functions={"kron": _kron_call},
    )
)
