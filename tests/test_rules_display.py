"""How the catalog's formulas are shown: a shared coefficient is factored out of a sum.

SymPy distributes a number over a sum, so ``(A + A.T)/2`` would print as
``(1/2)A + (1/2)Aᵀ``; :func:`matderiv.rules.render.common_factor` writes it back as the
sources do.  The check is structural (the expression handed to the printer) and numeric (the
factored expression has the same value), never a comparison of printed strings.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from matderiv import rules
from matderiv.rules.loader import parse_text
from matderiv.rules.model import Field
from matderiv.rules.render import common_factor

CATALOG = rules.catalog()


def _distributed(expr: object) -> bool:
    """Whether `expr` is a sum whose terms all carry the same number other than 1 and -1."""
    if isinstance(expr, sympy.MatAdd):
        coeffs = [term.as_coeff_mmul()[0] for term in expr.args]
    elif isinstance(expr, sympy.Add):
        coeffs = [term.as_coeff_Mul()[0] for term in expr.args]
    else:
        return False
    return len(set(coeffs)) == 1 and abs(coeffs[0]) != 1


@pytest.mark.parametrize("rule", CATALOG, ids=lambda r: r.id)
def test_no_displayed_formula_distributes_a_shared_coefficient(rule: rules.Rule) -> None:
    fields: tuple[Field, ...] = ("expr", *rule.forms)
    for field in fields:
        shown = common_factor(parse_text(rule, field, getattr(rule, field)).expr)
        assert not _distributed(shown), (rule.id, field)


def test_common_factor_keeps_the_value() -> None:
    rng = np.random.default_rng(7)
    A = sympy.MatrixSymbol("A", 3, 3)
    B = sympy.MatrixSymbol("B", 3, 3)
    expr = (A + B.T) / 3
    assert _distributed(expr)  # what SymPy makes of it
    shown = common_factor(expr)
    assert not _distributed(shown)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    values = {A: sympy.Matrix(a), B: sympy.Matrix(b)}
    got = np.array(shown.subs(values).doit().tolist(), dtype=float)
    np.testing.assert_allclose(got, (a + b.T) / 3, rtol=1e-12)
