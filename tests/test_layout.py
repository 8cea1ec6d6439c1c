"""Layouts, shapes, vec and the shape table, checked against explicit entries."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matderiv import ShapeError, UnsupportedError
from matderiv.layout import (
    Layout,
    as_layout,
    derivative_shape,
    shape_table,
    to_layout,
    unvec,
    unvec_jacobian,
    vec,
    vec_jacobian,
)

Shape = tuple[int, ...]

# Wikipedia's tables, written out by hand (y ∈ R^2, x ∈ R^3, Y ∈ R^{2×3}, X ∈ R^{5×7}).
EXPECTED = [
    # out, in, mixed, numerator, denominator
    ((), (), (), (), ()),
    ((2,), (), (2,), (2, 1), (1, 2)),
    ((2, 3), (), (2, 3), (2, 3), (3, 2)),
    ((), (3,), (3,), (1, 3), (3, 1)),
    ((2,), (3,), (2, 3), (2, 3), (3, 2)),
    ((), (5, 7), (5, 7), (7, 5), (5, 7)),
]
UNDEFINED = [((2, 3), (4,)), ((4,), (2, 3)), ((2, 3), (4, 5)), ((2, 2, 2), ())]


@pytest.mark.parametrize(("out", "inp", "mixed", "num", "den"), EXPECTED)
def test_shapes_match_wikipedia(
    out: Shape, inp: Shape, mixed: Shape, num: Shape, den: Shape
) -> None:
    assert derivative_shape(out, inp, Layout.MIXED) == mixed
    assert derivative_shape(out, inp, "numerator") == num
    assert derivative_shape(out, inp, Layout.DENOMINATOR) == den


@pytest.mark.parametrize(("out", "inp"), UNDEFINED)
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_undefined_pairs_name_the_representations_that_exist(
    out: Shape, inp: Shape, layout: str
) -> None:
    with pytest.raises(ShapeError) as info:
        derivative_shape(out, inp, layout)
    message = str(info.value)
    assert str(out + inp) in message
    assert "mixed" in message
    assert "vec_jacobian" in message
    assert "linear map" in message
    assert derivative_shape(out, inp, "mixed") == out + inp


def test_mixed_handles_any_rank() -> None:
    assert derivative_shape((2, 3, 4), (5, 6)) == (2, 3, 4, 5, 6)


def test_layout_accepts_strings_and_rejects_unknown_names() -> None:
    assert as_layout("MIXED") is Layout.MIXED
    numerator: str = Layout.NUMERATOR  # a Layout is a str
    assert numerator == "numerator"
    with pytest.raises(UnsupportedError, match="'mixed', 'numerator', 'denominator'"):
        as_layout("row-major")


def _random_mixed(
    rng: np.random.Generator, out: tuple[int, ...], inp: tuple[int, ...]
) -> npt.NDArray[np.float64]:
    return rng.standard_normal(out + inp)


def test_numerator_entries_follow_wikipedia_definitions() -> None:
    rng = np.random.default_rng(1)
    # vector by vector: numerator J[i, j] = ∂y_i/∂x_j; denominator is its transpose
    J = _random_mixed(rng, (2,), (3,))
    np.testing.assert_array_equal(to_layout(J, (2,), (3,), "mixed", "numerator"), J)
    np.testing.assert_array_equal(to_layout(J, (2,), (3,), "mixed", "denominator"), J.T)
    # scalar by matrix: numerator entry (j, i) is ∂y/∂X[i, j]
    G = _random_mixed(rng, (), (5, 7))
    num = to_layout(G, (), (5, 7), "mixed", "numerator")
    for i in range(5):
        for j in range(7):
            assert num[j, i] == G[i, j]
    # vector by scalar: column in numerator, row in denominator
    v = _random_mixed(rng, (2,), ())
    np.testing.assert_array_equal(to_layout(v, (2,), (), "mixed", "numerator")[:, 0], v)
    np.testing.assert_array_equal(to_layout(v, (2,), (), "mixed", "denominator")[0, :], v)


@pytest.mark.parametrize(("out", "inp", "mixed", "num", "den"), EXPECTED)
def test_conversions_round_trip_through_every_layout(
    out: Shape, inp: Shape, mixed: Shape, num: Shape, den: Shape
) -> None:
    rng = np.random.default_rng(2)
    J = _random_mixed(rng, out, inp)
    for src in Layout:
        converted = to_layout(J, out, inp, "mixed", src)
        assert converted.shape == derivative_shape(out, inp, src)
        for dst in Layout:
            there = to_layout(converted, out, inp, src, dst)
            back = to_layout(there, out, inp, dst, "mixed")
            np.testing.assert_array_equal(back, J)


def test_to_layout_rejects_a_shape_that_does_not_match_the_layout() -> None:
    g = np.ones(3)
    with pytest.raises(ShapeError, match=r"shape \(3,\).*must have shape \(1, 3\)"):
        to_layout(g, (), (3,), "numerator", "mixed")


def test_vec_is_column_major() -> None:
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(vec(X), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0])
    np.testing.assert_array_equal(unvec(vec(X), (2, 3)), X)
    with pytest.raises(ShapeError, match="cannot unvec 6 entries"):
        unvec(vec(X), (4, 2))


def test_vec_jacobian_of_axb_is_a_kronecker_product() -> None:
    rng = np.random.default_rng(3)
    A, B = rng.standard_normal((2, 3)), rng.standard_normal((4, 5))
    # explicit entries: ∂(AXB)[i, j]/∂X[k, m] = A[i, k] B[m, j]
    J = np.zeros((2, 5, 3, 4))
    for i, j, k, m in np.ndindex(J.shape):
        J[i, j, k, m] = A[i, k] * B[m, j]
    J_vec = vec_jacobian(J, (2, 5), (3, 4))
    np.testing.assert_allclose(J_vec, np.kron(B.T, A), rtol=1e-14)
    dX = rng.standard_normal((3, 4))
    np.testing.assert_allclose(J_vec @ vec(dX), vec(A @ dX @ B), rtol=1e-12)
    np.testing.assert_array_equal(unvec_jacobian(J_vec, (2, 5), (3, 4)), J)


shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


@settings(max_examples=60, deadline=None)
@given(out=shapes, inp=shapes, seed=st.integers(0, 2**32 - 1))
def test_vec_jacobian_maps_vec_dx_to_vec_df(out: Shape, inp: Shape, seed: int) -> None:
    rng = np.random.default_rng(seed)
    J = rng.standard_normal(out + inp)
    dX = rng.standard_normal(inp)
    dF = np.tensordot(J, dX, axes=len(inp))
    J_vec = vec_jacobian(J, out, inp)
    assert J_vec.shape == (math.prod(out), math.prod(inp))
    np.testing.assert_allclose(J_vec @ vec(dX), vec(dF), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(unvec_jacobian(J_vec, out, inp), J)


def test_unvec_jacobian_checks_its_shape() -> None:
    with pytest.raises(ShapeError, match=r"has shape \(3, 3\).*\(6, 4\)"):
        unvec_jacobian(np.ones((3, 3)), (2, 3), (4,))


def test_shape_table_agrees_with_derivative_shape() -> None:
    rows = shape_table()
    assert len(rows) == 9
    assert {(r.output_kind, r.input_kind) for r in rows} == {
        (o, i) for o in ("scalar", "vector", "matrix") for i in ("scalar", "vector", "matrix")
    }
    by_pair = {(r.output_kind, r.input_kind): r for r in rows}
    assert by_pair["scalar", "vector"].numerator == "(1, n)"
    assert by_pair["vector", "vector"].denominator == "(n, m)"
    assert by_pair["scalar", "matrix"].numerator == "(q, p)"
    assert by_pair["matrix", "matrix"].numerator is None
    assert by_pair["matrix", "matrix"].mixed == "(m, n, p, q)"
    assert by_pair["vector", "matrix"].vec == "(m, p·q)"
