"""Declarations (shapes, assumptions, wrt), checked before any work, and values checked against
the declared assumptions; numeric edges of evaluate() and check(); honest error classes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from matderiv import derive
from matderiv.assumptions import CONFLICTS, TABLE
from matderiv.errors import (
    ArgumentError,
    DeclarationError,
    NumericError,
    ParseError,
    ShapeError,
    UnsupportedError,
)
from matderiv.expr.context import MAX_DIMENSION, make_context
from matderiv.sampling import VALUE_CHECKS, VALUE_RTOL, assumption_violation, sample
from matderiv.symbolic.inputs import candidate_sizes

SHAPES = {"x": ("n",), "A": ("n", "n"), "c": ()}


# -- shapes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("shapes", "entry"),
    [
        ({"x": ("²",)}, "'²'"),
        ({"x": ("9" * 5000,)}, "5000 digits"),
        ({"x": ("0",)}, "dimension 0"),
        ({"x": (MAX_DIMENSION + 1,)}, str(MAX_DIMENSION + 1)),
        ({"x": (2.0,)}, "2.0 (float)"),
        ({"x": 5}, "5 (int)"),
        ({"x": ("n", "n", "n")}, "3 dimensions"),
        ({"ｘ": ("n",)}, "'x' (NFKC folding)"),
        ({"x": ("ｎ",)}, "NFKC"),
        ({"match": ("n",)}, "keyword"),
        ({"x": ("np",)}, "reserved"),
    ],
    ids=repr,
)
def test_bad_shapes_name_the_entry(shapes: Any, entry: str) -> None:
    with pytest.raises(DeclarationError) as info:
        derive("sum(x)", "x", shapes)
    assert entry in str(info.value), str(info.value)
    assert isinstance(info.value, ShapeError)  # existing `except ShapeError` keeps working


def test_dimension_limit_is_inclusive() -> None:
    assert make_context({"x": (MAX_DIMENSION,)}).shapes["x"] == (MAX_DIMENSION,)
    assert make_context({"x": (str(MAX_DIMENSION),)}).shapes["x"] == (MAX_DIMENSION,)


# -- assumptions -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("assume", "entry"),
    [
        ({"A": {"spd": False}}, "assume['A']"),
        ({"A": [["spd"]]}, "['spd']"),
        ({"A": None}, "assume['A']"),
        ({"A": "sym"}, "'sym'"),
        ({"B": "spd"}, "'B'"),
        ({"x": "spd"}, "a vector"),
        ({"c": "invertible"}, "a scalar"),
    ],
    ids=repr,
)
def test_bad_assumptions_name_the_entry(assume: Any, entry: str) -> None:
    with pytest.raises(DeclarationError) as info:
        derive("x @ A @ x + c", "x", SHAPES, assume)
    assert entry in str(info.value), str(info.value)


def test_symmetric_of_a_non_square_matrix_is_refused() -> None:
    with pytest.raises(DeclarationError, match="square"):
        make_context({"X": ("m", "n")}, {"X": "symmetric"})


def test_every_conflict_is_refused_by_the_sampler() -> None:
    for pair in CONFLICTS:
        with pytest.raises(ValueError, match="cannot be combined"):
            sample((3, 3), pair, np.random.default_rng(0))


@pytest.mark.parametrize(
    "facts",
    [
        {"positive", "symmetric"},
        {"positive", "spd"},
        {"positive", "invertible"},
        {"positive", "symmetric", "invertible"},
        {"diagonal", "spd"},
    ],
    ids=sorted,
)
def test_combined_draws_satisfy_every_assumption(facts: set[str]) -> None:
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 9):
        value = sample((n, n), facts, rng)
        assert assumption_violation(value, facts) is None, (n, facts, value)


def test_value_checks_cover_the_table() -> None:
    assert set(VALUE_CHECKS) == set(TABLE)


@pytest.mark.parametrize(
    ("facts", "bad"),
    [
        ({"symmetric"}, np.array([[1.0, 2.0], [0.0, 1.0]])),
        ({"spd"}, np.diag([1.0, -1.0])),
        ({"positive"}, np.array([1.0, 0.0])),
        ({"invertible"}, np.array([[1.0, 1.0], [1.0, 1.0]])),
        ({"diagonal"}, np.ones((2, 2))),
        ({"orthogonal"}, 2.0 * np.eye(2)),
    ],
    ids=repr,
)
def test_value_checks_reject_a_violating_value(facts: set[str], bad: Any) -> None:
    assert assumption_violation(bad, facts) is not None


def test_symmetry_tolerance_is_relative() -> None:
    S = 1e6 * np.array([[1.0, 2.0], [2.0, 1.0]])
    S[0, 1] += 1e6 * VALUE_RTOL / 10  # within the stated relative tolerance
    assert assumption_violation(S, ["symmetric"]) is None


# -- evaluate() checks assumptions on the values -----------------------------------------------
def test_evaluate_refuses_values_that_break_assumptions() -> None:
    d = derive("x @ A @ x", "x", {"x": ("n",), "A": ("n", "n")}, {"A": "symmetric"})
    A = np.array([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ArgumentError, match="A is assumed symmetric"):
        d.evaluate(x=np.ones(2), A=A)
    # the opt-out returns the formula derived under the assumption: 2 A x
    np.testing.assert_allclose(d.unchecked().evaluate(x=np.ones(2), A=A), 2 * A @ np.ones(2))
    S = (A + A.T) / 2  # at a symmetric value, the true gradient (A + Aᵀ) x
    np.testing.assert_allclose(d.evaluate(x=np.ones(2), A=S), (S + S.T) @ np.ones(2))


def test_evaluate_refuses_an_indefinite_spd_value() -> None:
    d = derive("x @ inv(A) @ x", "x", {"x": ("n",), "A": ("n", "n")}, {"A": "spd"})
    with pytest.raises(ArgumentError, match="A is assumed spd"):
        d.evaluate(x=np.ones(2), A=np.diag([1.0, -1.0]))


# -- numeric edges -----------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["inv(X)", "logdet(X)", "det(X)", "sum(inv(X) @ X.T)"])
def test_singular_values_raise_numeric_error_naming_the_matrix(text: str) -> None:
    d = derive(text, "X", {"X": ("n", "n")})
    with pytest.raises(NumericError) as info:
        d.evaluate(X=np.zeros((3, 3)))
    assert "X" in str(info.value)
    assert "singular" in str(info.value)


def test_check_chooses_sizes_at_which_the_expression_is_well_posed() -> None:
    d = derive("logdet(X.T @ X)", "X", {"X": ("m", "n")})
    assert d.check()  # default m=3 < n=4 makes X.T @ X singular; check() tries other sizes
    with pytest.raises(NumericError, match="sizes"):
        d.check(sizes={"m": 2, "n": 4})  # fixed by the caller: singular at every draw


def test_candidate_sizes_keep_the_callers_sizes() -> None:
    ctx = make_context({"X": ("m", "n"), "y": ("k",)})
    options = candidate_sizes(ctx, {"k": 5}, 6)
    assert all(o["k"] == 5 for o in options)
    assert len({(o["m"], o["n"]) for o in options}) == len(options) > 1


# -- honest error classes ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "wrt", "kind"),
    [
        ("sum(x)", ["x"], DeclarationError),
        ("inv(zeros((n, n))) @ x", "x", ParseError),
        ("inv(eye(n) - eye(n)) @ x", "x", ParseError),
        ("logdet(A - A)", "A", ParseError),
        ("matrix_power(0 * A, -2) @ x", "x", ParseError),
        ("x / zeros(n)", "x", ParseError),
        ("x / (x - x)", "x", ParseError),
        ("zeros(n) ** -1 * x", "x", ParseError),
        ("np.linalg.slogdet(A)[1.0]", "A", ParseError),
        ("np.linalg.slogdet(A)[True]", "A", ParseError),
        ("matrix_power(A, 2.0)", "A", ParseError),
        ("matrix_power(A, True)", "A", ParseError),
    ],
    ids=repr,
)
def test_inputs_at_fault_are_not_reported_as_gaps(text: str, wrt: Any, kind: type) -> None:
    with pytest.raises(kind) as info:
        derive(text, wrt, SHAPES)
    assert "gap in matderiv" not in str(info.value)
    if isinstance(info.value, ParseError):
        assert info.value.offset is not None  # a caret under the culprit


@pytest.mark.parametrize("index", ["1.0", "True", "0"])
def test_slogdet_index_is_named(index: str) -> None:
    with pytest.raises(ParseError, match="must be the int 1") as info:
        derive(f"np.linalg.slogdet(A)[{index}]", "A", SHAPES)
    assert info.value.offset == len("np.linalg.slogdet(A)[")


def test_integer_arguments_may_be_folded_ints() -> None:
    d = derive("matrix_power(A, 1 + 1)", "A", {"A": ("n", "n")})
    assert d.check()


def test_sum_of_kron_with_inverse_derives() -> None:
    # was a gap (no pullback of kron); the kron pullback by partial traces closed it
    d = derive("sum(kron(inv(A), X))", "A", {"A": ("n", "n"), "X": ("m", "m")}, {"A": "spd"})
    rng = np.random.default_rng(3)
    b = rng.standard_normal((3, 3))
    a, x = b @ b.T + 3 * np.eye(3), rng.standard_normal((2, 2))
    # sum(kron(inv(A), X)) = sum(inv(A)) sum(X): gradient -sum(X) inv(A).T 1 1ᵀ inv(A).T
    inv_t = np.linalg.inv(a).T
    expected = -np.sum(x) * inv_t @ np.ones((3, 3)) @ inv_t
    np.testing.assert_allclose(d.evaluate(A=a, X=x), expected, rtol=1e-10)


@pytest.mark.xfail(
    strict=True,
    raises=UnsupportedError,
    reason="gap: maximum of a scaled scalar product and 0 (issue 12, item 9)",
)
def test_gap_maximum_of_scaled_product() -> None:
    d = derive("maximum(0.5 * x @ ones(n), 0)", "x", {"x": ("n",)})
    assert d.check()
