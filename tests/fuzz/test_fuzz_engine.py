"""Properties of the engine on random well-typed expressions (the typed grammar).

For every drawn expression and variable:

* only :class:`~matderiv.errors.MatderivError` subclasses escape from ``derive``,
  the printers, ``numpy_source``, ``evaluate`` and ``check``;
* the derivative equals central differences of the expression computed by plain numpy;
* the printed text is in the language: it parses back, with the same shape, and
  evaluates to the same numbers;
* the generated numpy function computes the same numbers as ``evaluate()``, also
  when the variable and dimension names collide with what a code generator invents;
* every call finishes within :data:`budget.CALL_SECONDS`.
"""

from __future__ import annotations

import ast
import re
import time
from typing import Any

import numpy as np
import pytest
from budget import CALL_SECONDS, fuzz
from grammar import Names, adversarial_names, expression
from hypothesis import assume, given, note
from hypothesis import strategies as st
from oracle import central_jacobian, close, inputs, value

from matderiv import derive
from matderiv.errors import MatderivError
from matderiv.expr import parse_typed
from matderiv.expr.text import inline_where
from matderiv.layout import unvec_jacobian

SIZES = {"n": 3, "m": 2}
#: Two signs in a row in printed text, such as "- -x", "+ -x" or "--x".
DOUBLE_SIGN = re.compile(r"(?<![eE*/])[-+]\s*-")
DEFAULT = Names()
KINDS = ("s", "n", "m", "nn", "mn")


def _timed(call: Any, *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    out = call(*args, **kwargs)
    took = time.perf_counter() - start
    assert took < CALL_SECONDS, f"{getattr(call, '__name__', call)} took {took:.1f} s"
    return out


def _derive_or_skip(text: str, wrt: str, names: Names) -> Any:
    try:
        return _timed(derive, text, wrt, names.shapes())
    except MatderivError as exc:
        note(f"refused: {exc}")
        assume(False)
        raise AssertionError from exc  # unreachable


def _mixed_value(d: Any, arrays: dict[str, Any]) -> Any:
    try:
        return _timed(d.evaluate, **{k: arrays[k] for k in d.args})
    except MatderivError as exc:
        note(f"evaluate refused: {exc}")
        assume(False)
        raise AssertionError from exc


problem = st.sampled_from(KINDS).flatmap(
    lambda kind: st.tuples(st.just(kind), expression(kind, DEFAULT, depth=3))
)
wrt_name = st.sampled_from(["c", "x", "z", "A", "X"])


@fuzz(30)
@given(problem=problem, wrt=wrt_name, seed=st.integers(0, 2**16))
def test_derivative_matches_central_differences(
    problem: tuple[str, str], wrt: str, seed: int
) -> None:
    _, text = problem
    note(f"f = {text}, wrt {wrt}")
    d = _derive_or_skip(text, wrt, DEFAULT)
    arrays = inputs(DEFAULT.shapes(), SIZES, seed)
    f0 = value(text, arrays, SIZES)
    assume(np.all(np.isfinite(f0)) and np.max(np.abs(f0), initial=0.0) < 1e6)

    def f(w: Any) -> Any:
        return value(text, {**arrays, wrt: w}, SIZES)

    expected = central_jacobian(f, arrays[wrt])
    assume(np.all(np.isfinite(expected)))
    got = _mixed_value(d, arrays)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert close(got, expected, rtol=1e-4, atol=1e-6), np.max(np.abs(got - expected))


def _internal_value(d: Any, arrays: dict[str, Any], text_value: Any) -> Any:
    """`text_value` (the printed expression's value) as the mixed-layout array of `d`."""
    if d.form != "vec":
        return text_value
    out = tuple(SIZES[str(s)] for s in d.out_shape)
    inn = tuple(SIZES[str(s)] for s in d.in_shape)
    return unvec_jacobian(np.asarray(text_value).reshape(int(np.prod(out)), -1), out, inn)


@fuzz(30)
@given(problem=problem, wrt=wrt_name, seed=st.integers(0, 2**16))
def test_printed_text_is_in_the_language(problem: tuple[str, str], wrt: str, seed: int) -> None:
    _, text = problem
    d = _derive_or_skip(text, wrt, DEFAULT)
    where = _timed(d.text)
    printed = inline_where(where)  # named intermediates substituted back: one expression
    note(f"f = {text}, wrt {wrt}; printed: {where}")
    # signs are merged: no "- -x", "+ -x" or "--x" (the "cos(x) ** 2 + -sin(x) ...")
    assert DOUBLE_SIGN.search(where) is None, where
    parsed = parse_typed(printed, DEFAULT.shapes())  # a MatderivError here is a failure
    arrays = inputs(DEFAULT.shapes(), SIZES, seed)
    expected = _mixed_value(d, arrays)
    got = value(printed, arrays, SIZES) if d.form != "vec" else None
    if got is None:  # vec form: the printed Kronecker matrix, arranged as the mixed array
        got = _internal_value(d, arrays, value(printed, arrays, SIZES))
    assert len(parsed.shape) == np.ndim(value(printed, arrays, SIZES))
    assert close(got, expected), np.max(np.abs(np.asarray(got) - expected))
    _timed(d.latex)


def _run_source(source: str, fname: str, arrays: dict[str, Any]) -> Any:
    scope: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), scope)  # noqa: S102 - our own generated code
    return scope[fname](**arrays)


def _function_name(source: str) -> str:
    tree = ast.parse(source)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    return defs[-1].name


@fuzz(30)
@given(
    names=st.one_of(st.just(DEFAULT), adversarial_names()),
    kind=st.sampled_from(KINDS),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
def test_generated_code_equals_evaluate(
    names: Names, kind: str, data: st.DataObject, seed: int
) -> None:
    text = data.draw(expression(kind, names, depth=3))
    wrt = data.draw(st.sampled_from([names.scalar, names.vec_n, names.sq, names.rect]))
    note(f"f = {text}, wrt {wrt}, shapes {names.shapes()}")
    d = _derive_or_skip(text, wrt, names)
    source = _timed(d.numpy_source)
    note(source)
    sizes = {names.dim_n: 3, names.dim_m: 2}
    arrays = inputs(names.shapes(), sizes, seed)
    used = {k: arrays[k] for k in d.args}
    expected = _mixed_value(d, arrays)
    got = np.asarray(_run_source(source, _function_name(source), used))
    if d.form == "vec":
        out = tuple(sizes[str(s)] for s in d.out_shape)
        inn = tuple(sizes[str(s)] for s in d.in_shape)
        got = unvec_jacobian(got, out, inn)
    assert close(got, expected), np.max(np.abs(got - expected))


@fuzz(30)
@given(kind=st.sampled_from(KINDS), data=st.data(), wrt=wrt_name, seed=st.integers(0, 2**16))
def test_only_matderiv_errors_escape(kind: str, data: st.DataObject, wrt: str, seed: int) -> None:
    text = data.draw(expression(kind, DEFAULT, depth=4))
    note(f"f = {text}, wrt {wrt}")
    try:
        d = _timed(derive, text, wrt, DEFAULT.shapes())
        _timed(d.text)
        _timed(d.latex)
        _timed(d.numpy_source)
        arrays = inputs(DEFAULT.shapes(), SIZES, seed)
        _timed(d.evaluate, **{k: arrays[k] for k in d.args})
        _timed(d.check, seed)
        for layout in ("numerator", "denominator"):
            other = d.in_layout(layout)
            _timed(other.text)
    except MatderivError:
        pass


@pytest.mark.parametrize(
    "payload",
    [
        '# """;import os;os.system("touch F");"""\n',
        "# '''; raise SystemExit; '''\n",
        "# \\\n",
        "# \u2028 print(1)\n",
    ],
)
def test_generated_code_carries_no_user_text(payload: str) -> None:
    d = derive(f"(x {payload}).T @ x", "x", {"x": ("n",)})
    source = d.numpy_source()
    tree = ast.parse(source)  # it is valid Python
    for payload_word in ("os.system", "SystemExit", "print"):
        assert payload_word not in source
    for node in tree.body:
        assert isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef), ast.dump(node)
    x = np.array([1.0, -2.0, 0.5])
    assert close(_run_source(source, _function_name(source), {"x": x}), 2 * x)


@pytest.mark.parametrize("name", ["f; import os", "f(x):\n  pass\ndef g", "1f", "", "f\u2028"])
def test_numpy_source_refuses_names_that_are_not_identifiers(name: str) -> None:
    d = derive("x @ x", "x", {"x": ("n",)})
    with pytest.raises(MatderivError, match="name"):
        d.numpy_source(name)
