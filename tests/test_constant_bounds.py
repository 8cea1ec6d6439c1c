"""Numeric constants are float64 numbers: refused with a caret past the bounds, float64 within.

The bounds are :mod:`matderiv.expr.bounds` (documented on the book's "Limits
and errors" page); each is a case here, and a property draws towers of powers
and products of integers: each is refused with a ParseError or derived with
every printer working and float64 numbers, within a second.
"""

from __future__ import annotations

import ast
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matderiv import derive
from matderiv.errors import ParseError
from matderiv.expr.bounds import MAX_CONSTANT, MAX_EXPONENT

SHAPES = {"x": ("n",), "c": ()}

REFUSED = [
    ("((2**64)**64)**4 * c", "(2**64)**64"),
    ("(((((2**64)**64)**64)**64)**64)**64 * c", "(2**64)**64"),
    ("10 ** 400 * c", "10 ** 400"),
    ("c + 1e308 * 1e308", "1e308 * 1e308"),
    ("x * 1e308 * 1e308 @ x * c", "x * 1e308 * 1e308"),
    ("exp(1000) * c", "exp(1000)"),
    ("(2**1000 * c)**1000", "(2**1000 * c)**1000"),
    ("(1e200 * c) ** 2", "(1e200 * c) ** 2"),
    ("1e-200 * 1e-200 * c", "1e-200 * 1e-200"),
    ("0.5 ** 1075 * c", "1075"),
    (f"c ** {MAX_EXPONENT + 1}", str(MAX_EXPONENT + 1)),
    ("c ** (10 ** 10)", "10 ** 10"),
    ("9" * 400 + " * c", "9" * 400),
]


@pytest.mark.parametrize(("text", "culprit"), REFUSED, ids=lambda v: str(v)[:40])
def test_constants_outside_float64_are_refused_at_once(text: str, culprit: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ParseError) as info:
        derive(text, "c", SHAPES)
    assert time.perf_counter() - start < 1.0
    error = info.value
    assert error.offset == text.index(culprit), str(error)  # the caret is at the constant
    assert "float64" in str(error) or "exponent" in str(error), str(error)
    assert len(str(error)) < 1000 + len(text)  # no digit string of a huge number


def _run(source: str, **arrays: Any) -> Any:
    name = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)][-1].name
    scope: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), scope)  # noqa: S102 - our own generated code
    return scope[name](**arrays)


ACCEPTED = [
    ("2**1000 * c", 2.0**1000),
    ("0.9 ** 1000 * c", 0.9**1000),
    ("1.7e308 * c", 1.7e308),
    ("(0.5 * c) ** 3", 3 * 0.125 * 0.25),  # at c = 0.5: 3 * 0.5**3 * c**2
    ("3 * c", 3.0),
    ("2**60 * 3 * c", 3.0 * 2.0**60),
    ("(2**60 + 1) / 3 * c", (2.0**60 + 1) / 3),
    ("c * sum(ones(n)) + sum(x)", 4.0),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=lambda v: str(v)[:40])
def test_constants_within_float64_give_float64_numbers(text: str, expected: float) -> None:
    d = derive(text, "c", SHAPES)
    d.text()
    d.latex()
    repr(d)
    arrays = {"x": np.arange(4.0), "c": np.float64(0.5)}
    used = {k: arrays[k] for k in d.args}
    value = d.evaluate(**used)
    assert value.dtype == np.float64
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    generated = np.asarray(_run(d.numpy_source(), **used))
    assert generated.dtype == np.float64
    np.testing.assert_allclose(generated, expected, rtol=1e-12)


_atom = st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["0.5", "1e-30", "1e300", "c"]))


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, children).map(lambda t: f"({t[0]} * {t[1]})"),
        st.tuples(children, children).map(lambda t: f"({t[0]} + {t[1]})"),
        st.tuples(children, st.integers(-1200, 1200)).map(lambda t: f"({t[0]}) ** {t[1]}"),
    )


@settings(max_examples=150, deadline=None, database=None)
@given(text=st.recursive(_atom, _combine, max_leaves=8))
def test_towers_of_constants_are_refused_or_float64(text: str) -> None:
    start = time.perf_counter()
    try:
        d = derive(f"c * {text}", "c", SHAPES)
    except ParseError:
        assert time.perf_counter() - start < 1.0
        return
    d.text()
    d.latex()
    d.numpy_source()
    with np.errstate(all="ignore"):  # finite constants may still overflow when multiplied by c
        value = d.evaluate(c=np.float64(0.5))
    assert value.dtype == np.float64
    assert time.perf_counter() - start < 5.0


def test_the_documented_bounds() -> None:
    assert np.finfo(np.float64).max == MAX_CONSTANT
    assert MAX_EXPONENT == 1000
