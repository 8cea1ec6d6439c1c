"""Fuzzing: for random well-formed and malformed text only a MatderivError escapes, fast."""

from __future__ import annotations

import contextlib
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matderiv import derive
from matderiv.errors import MatderivError

SHAPES = {"x": ("n",), "y": ("n",), "A": ("n", "n"), "X": ("m", "n"), "c": ()}
NAMES = ["x", "y", "A", "X", "c", "A.T", "X.T", "2", "0.5", "-1", "eye(n)", "ones(n)"]
UNARY = [
    "np.exp",
    "np.log",
    "np.tanh",
    "sigmoid",
    "softplus",
    "np.sqrt",
    "trace",
    "det",
    "logdet",
    "inv",
    "sum",
    "norm",
    "softmax",
    "logsumexp",
    "diag",
    "np.sin",
    "relu",
]
BINARY = ["+", "-", "*", "/", "@", "**"]
TOKENS = [
    *NAMES,
    *BINARY,
    "(",
    ")",
    ",",
    ".T",
    "[1]",
    "np.",
    "lambda",
    "__import__",
    "'s'",
    "np.linalg.slogdet(",
    "outer(",
    "matrix_power(",
    "[",
    "]",
    ":",
    "1e400",
    "10 ** 10",
]


@st.composite
def well_formed(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 3 or draw(st.booleans()):
        return draw(st.sampled_from(NAMES))
    kind = draw(st.sampled_from(["unary", "binary", "outer", "power"]))
    if kind == "unary":
        return f"{draw(st.sampled_from(UNARY))}({draw(well_formed(depth + 1))})"
    if kind == "outer":
        return f"outer({draw(well_formed(depth + 1))}, {draw(well_formed(depth + 1))})"
    if kind == "power":
        return f"matrix_power({draw(well_formed(depth + 1))}, {draw(st.integers(-3, 4))})"
    op = draw(st.sampled_from(BINARY))
    return f"({draw(well_formed(depth + 1))} {op} {draw(well_formed(depth + 1))})"


malformed = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map(" ".join)


def _derive_quietly(text: str, wrt: str) -> None:
    start = time.perf_counter()
    with contextlib.suppress(MatderivError):
        derive(text, wrt, SHAPES)
    assert time.perf_counter() - start < 2.0, text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=well_formed(), wrt=st.sampled_from(["x", "A", "X", "c"]))
def test_well_formed_expressions(text: str, wrt: str) -> None:
    _derive_quietly(text, wrt)


@settings(max_examples=150, deadline=None)
@given(text=malformed, wrt=st.sampled_from(["x", "A"]))
def test_malformed_expressions(text: str, wrt: str) -> None:
    _derive_quietly(text, wrt)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=40), wrt=st.sampled_from(["x", "zz"]))
def test_arbitrary_text(text: str, wrt: str) -> None:
    _derive_quietly(text, wrt)
