"""How a rule is shown: LaTeX in each layout, and a copy-paste numpy snippet.

Both call the expression language (its LaTeX printer when it has one, and
:func:`matderiv.expr.numpy_source`); which layouts are the mixed array itself and which its
transpose is read off :func:`matderiv.layout.to_layout`, never restated here.

Examples
--------
>>> from matderiv import rules
>>> rule = rules.get("sv-linear-ax")
>>> rule_latex(rule, "mixed"), rule_latex(rule, "numerator")
('a', 'a^{\\\\top}')
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sympy

from matderiv.errors import ShapeError
from matderiv.expr import numpy_source
from matderiv.expr.latex import to_latex
from matderiv.layout import Layout, as_layout, to_layout
from matderiv.rules.instances import instance
from matderiv.rules.loader import parse_text
from matderiv.rules.model import Field, LayoutName, Rule
from matderiv.rules.verify import evaluate_field

__all__ = ["common_factor", "layouts_of", "rule_latex", "rule_numpy_source", "text_latex"]


def text_latex(rule: Rule, fieldname: Field, text: str | None = None) -> str:
    """LaTeX of a language field of `rule`, or of `text` read with that field's names.

    The text is parsed with the rule's names and assumptions (memoized there).
    """
    source = text if text is not None else getattr(rule, fieldname)
    return str(to_latex(common_factor(parse_text(rule, fieldname, source).expr)))


def common_factor(expr: Any) -> Any:
    """A sum whose terms share one numeric coefficient, written as that coefficient times the sum.

    SymPy distributes a number over a sum (``(A + A.T)/2`` becomes ``A/2 + A.T/2``); shown to a
    reader, the factored form is the one the sources print.  Other expressions are returned
    unchanged.

    Examples
    --------
    >>> import sympy
    >>> A = sympy.MatrixSymbol("A", 3, 3)
    >>> common_factor((A + A.T) / 2)
    (1/2)*(A + A.T)
    >>> x, y = sympy.symbols("x y")
    >>> common_factor(3 * x + 3 * y)
    3*(x + y)
    >>> common_factor(x + 2 * y)
    x + 2*y
    """
    if isinstance(expr, sympy.MatAdd):
        parts = [term.as_coeff_mmul() for term in expr.args]
        coeff = parts[0][0]
        if _shared(coeff, [c for c, _ in parts]):
            rest = sympy.MatAdd(*[m.doit() for _, m in parts])
            return sympy.MatMul(coeff, rest, evaluate=False)
    elif isinstance(expr, sympy.Add):
        parts = [term.as_coeff_Mul() for term in expr.args]
        coeff = parts[0][0]
        if _shared(coeff, [c for c, _ in parts]):
            return sympy.Mul(coeff, sympy.Add(*[m for _, m in parts]), evaluate=False)
    return expr


def _shared(coeff: Any, coeffs: list[Any]) -> bool:
    """Whether every coefficient is the same rational number, other than 1 and -1."""
    return (
        len(coeffs) > 1
        and isinstance(coeff, sympy.Rational)
        and abs(coeff) != 1
        and all(c == coeff for c in coeffs)
    )


def _shapes(rule: Rule) -> tuple[tuple[int, ...], tuple[int, ...]]:
    dims, arrays = instance(rule, 0)
    out_shape = tuple(np.shape(evaluate_field(rule, "expr", arrays, dims)))
    in_shape = tuple(np.shape(arrays[rule.wrt]))
    if rule.family == "second-order":
        out_shape = out_shape + in_shape
    return out_shape, in_shape


def layouts_of(rule: Rule) -> tuple[LayoutName, ...]:
    """The layouts the rule's derivative can be written in (``vec`` for array-by-matrix).

    >>> from matderiv import rules
    >>> layouts_of(rules.get("mm-AXB"))
    ('mixed', 'vec')
    """
    if rule.derivative is None:
        return ("mixed", "vec") if rule.derivative_vec is not None else ("mixed",)
    out: list[LayoutName] = ["mixed"]
    out_shape, in_shape = _shapes(rule)
    layout: LayoutName
    for layout in ("numerator", "denominator"):
        try:
            to_layout(np.zeros(out_shape + in_shape), out_shape, in_shape, "mixed", layout)
        except ShapeError:
            continue
        out.append(layout)
    return tuple(out)


def _transposed(latex: str) -> str:
    if re.fullmatch(r"[A-Za-z](_\{?\w+\}?)?", latex):
        return latex + r"^{\top}"
    return r"\left(" + latex + r"\right)^{\top}"


def _relation(rule: Rule, layout: str) -> str:
    """``"same"`` or ``"transpose"``: how `layout` writes the mixed array."""
    out_shape, in_shape = _shapes(rule)
    J = np.arange(1.0, 1.0 + float(np.prod(out_shape + in_shape))).reshape(out_shape + in_shape)
    L = to_layout(J, out_shape, in_shape, "mixed", layout)
    natural = J.reshape(-1, 1) if J.ndim == 1 else J
    if natural.ndim == 0 or (L.shape == natural.shape and np.array_equal(L, natural)):
        return "same"
    if natural.ndim == 2 and L.shape == natural.T.shape and np.array_equal(L, natural.T):
        return "transpose"
    raise ShapeError(f"layout {layout!r} is neither the mixed array nor its transpose here")


def rule_latex(rule: Rule, layout: LayoutName | Layout = "mixed") -> str:
    """The rule's derivative in LaTeX (without ``$`` delimiters), written in `layout`.

    Parameters
    ----------
    rule
        The identity.
    layout
        ``"mixed"``, ``"numerator"``, ``"denominator"`` (or a :class:`~matderiv.layout.Layout`), or
        ``"vec"`` for the vec (Kronecker) matrix.

    Returns
    -------
    str
        The LaTeX of the derivative.

    Raises
    ------
    ShapeError
        If the layout does not exist for the rule's kinds (numerator layout of a
        matrix-by-matrix derivative, for instance); the message names the ones that do.

    Examples
    --------
    >>> from matderiv import rules
    >>> rule_latex(rules.get("vv-linear-Ax"), "denominator")
    'A^{\\\\top}'
    """
    available = layouts_of(rule)
    name = "vec" if layout == "vec" else as_layout(layout).value
    if name not in available:
        raise ShapeError(
            f"rule {rule.id!r} ({rule.family}) has no {name} form; "
            f"its derivative is written in: {', '.join(available)}"
        )
    if name == "vec":  # layouts_of lists it only for a stated vec matrix
        return text_latex(rule, "derivative_vec")
    if rule.derivative is None:
        if rule.linear_map is not None:
            return rf"\mathrm{{d}}{rule.wrt} \mapsto " + text_latex(rule, "linear_map")
        return text_latex(rule, "derivative_vec")
    mixed = text_latex(rule, "derivative")
    if name == "mixed" or _relation(rule, name) == "same":
        return mixed
    out_shape, in_shape = _shapes(rule)
    if len(out_shape + in_shape) == 2:  # a matrix: let the printer simplify the transpose
        return text_latex(rule, "derivative", f"({rule.derivative}).T")
    return _transposed(mixed)


def rule_numpy_source(rule: Rule) -> str:
    """Self-contained numpy source of the stated derivative (a copy-paste snippet).

    Returns
    -------
    str
        A module defining one function named after the rule id, for the first stated form:
        the mixed-layout array, else the vec matrix, else the linear map.

    Examples
    --------
    >>> from matderiv import rules
    >>> print(rule_numpy_source(rules.get("sv-quadratic-form")))
    import numpy as np
    ...
    """
    fieldname = rule.forms[0]
    shapes: dict[str, Any] = {name: list(shape) for name, shape in rule.shapes.items()}
    if fieldname == "linear_map":
        shapes["d" + rule.wrt] = list(rule.shapes[rule.wrt])
    what = {
        "derivative": "mixed-layout derivative",
        "derivative_vec": "vec (Kronecker) matrix",
        "linear_map": "differential (a linear function of d" + rule.wrt + ")",
    }[fieldname]
    doc = f"{rule.title}: the {what} of {rule.expr} by {rule.wrt} (matderiv rule {rule.id})."
    name = re.sub(r"\W", "_", rule.id)
    return numpy_source(getattr(rule, fieldname), shapes, name=name, doc=doc)
