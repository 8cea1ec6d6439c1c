"""Careless values and command lines: evaluate() and the CLI answer or fail clearly.

* ``Derivative.evaluate`` with wrong-shaped, ragged, non-numeric, NaN, huge or singular
  arrays returns a float64 array (complex for complex input; inf where numpy overflows,
  with numpy's warning) or raises a :class:`~matderiv.errors.MatderivError` (never numpy's
  own exceptions);
* a derivative that would not fit in memory is refused before it is computed
  (:class:`~matderiv.errors.BudgetError`, the budget of :mod:`matderiv.numeric.limits`);
* the command line, given random arguments, exits 0, 1 or 2 with no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from budget import fuzz
from hypothesis import given, note
from hypothesis import strategies as st

from matderiv import derive
from matderiv.errors import BudgetError, MatderivError

PROBLEMS = [
    ("x @ A @ x", "x", {"x": ("n",), "A": ("n", "n")}),
    ("logdet(A)", "A", {"A": ("n", "n")}),
    ("inv(A) @ x", "A", {"x": ("n",), "A": ("n", "n")}),
    ("sum(log(sigmoid(X @ x)))", "x", {"X": ("m", "n"), "x": ("n",)}),
]

_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(0.0),
    st.just(1e308),
)
_value = st.one_of(
    st.lists(_numbers, max_size=4).map(np.array),
    st.lists(st.lists(_numbers, min_size=0, max_size=3), max_size=3),  # possibly ragged
    st.integers(0, 3).map(lambda n: np.zeros((n, n))),  # singular
    st.integers(1, 4).map(lambda n: np.eye(n)),
    st.just("text"),
    st.just(None),
    st.just(np.array([1 + 2j, 3j])),
)


@fuzz(60)
@given(problem=st.sampled_from(PROBLEMS), data=st.data())
def test_evaluate_answers_or_fails_clearly(problem: tuple[str, str, Any], data: Any) -> None:
    text, wrt, shapes = problem
    d = derive(text, wrt, shapes)
    arrays = {name: data.draw(_value, label=name) for name in d.args}
    note(repr(arrays))
    try:
        with np.errstate(all="ignore"):  # numpy's overflow to inf warns, as numpy does
            value = d.evaluate(**arrays)
    except MatderivError:
        return
    assert isinstance(value, np.ndarray)
    complex_in = any(np.iscomplexobj(v) for v in arrays.values())
    assert value.dtype == (np.complex128 if complex_in else np.float64)


def test_a_derivative_too_big_for_memory_is_refused_before_it_is_computed() -> None:
    d = derive("X @ X", "X", {"X": ("n", "n")})
    with pytest.raises(BudgetError, match="MAX_BYTES"):
        d.evaluate(X=np.ones((200, 200)))  # 1.6e9 entries: 12 GiB
    assert d.evaluate(X=np.ones((3, 3))).shape == (3, 3, 3, 3)


_words = st.sampled_from(
    [
        "derive",
        "rules",
        "verify",
        "--wrt",
        "x",
        "A",
        "--shape",
        "x=n",
        "A=n,n",
        "x=",
        "=n",
        "--format",
        "numpy",
        "latex",
        "text",
        "--layout",
        "numerator",
        "all",
        "bogus",
        "--hessian",
        "--id",
        "sm-logdet",
        "nope",
        "--instances",
        "0",
        "3",
        "99999",
        "x @ A @ x",
        "logdet(A)",
        "(x",
        "__import__('os')",
        "\u00b2",
        "-",
        "--",
        "-h",
    ]
)


@fuzz(12)
@given(argv=st.lists(_words, min_size=0, max_size=7))
def test_command_line_never_shows_a_traceback(argv: list[str]) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        "PYTHONIOENCODING": "utf-8",
    }
    done = subprocess.run(
        [sys.executable, "-m", "matderiv", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    note(f"argv={argv!r} rc={done.returncode}\n{done.stderr}")
    assert done.returncode in (0, 1, 2)
    assert "Traceback" not in done.stderr
