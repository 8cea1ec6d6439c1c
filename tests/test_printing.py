"""Printed results are in the language and their LaTeX compiles.

* the text of every derivative of the battery parses back (with the problem's shapes) and
  computes the derivative's numbers; the printing defects of issue 11 each have a case;
* the LaTeX of every derivative of the battery passes structural checks (balanced braces,
  ``\\sqrt{x}``, one transpose symbol) and compiles with pdflatex in one amsmath document
  (skipped, saying why, when pdflatex is not installed);
* compound dimensions (``eye(m * n)``, ``zeros((n ** 2, n))``) are read with their shapes,
  and refused with a message when they are not products, powers or sums of dimensions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from battery import PROBLEMS, Problem
from latex_check import PDFLATEX, compile_formulas, structure_errors

from matderiv import derive, derive_hessian
from matderiv.errors import ParseError, ShapeError
from matderiv.expr import parse, parse_typed, to_function
from matderiv.expr.latex import to_latex
from matderiv.expr.text import inline_where, split_where, to_text
from matderiv.layout import unvec_jacobian
from matderiv.sampling import sample

SIZES = {"n": 3, "m": 2, "k": 2}


def _derive(p: Problem) -> Any:
    run = derive_hessian if p.kind == "hessian" else derive
    return run(p.expr, p.wrt, p.shapes, p.assume)


def _arrays(shapes: dict[str, Any], assume: dict[str, Any] | None, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    facts = assume or {}
    out = {}
    for name, shape in shapes.items():
        dims = tuple(int(SIZES[d]) if isinstance(d, str) else int(d) for d in shape)
        given = facts.get(name, ())
        out[name] = sample(dims, [given] if isinstance(given, str) else given, rng)
    return out


def _printed_value(d: Any, text: str, shapes: dict[str, Any], arrays: dict[str, Any]) -> Any:
    f = to_function(text, shapes)
    dims = {d: SIZES[d] for shape in shapes.values() for d in shape if isinstance(d, str)}
    value = np.asarray(f(**{k: arrays[k] for k in f.arg_names}, **dims), dtype=float)
    return _as_mixed(d, value)


def _as_mixed(d: Any, value: Any) -> Any:
    """A vec-form (Kronecker) value as the mixed array :meth:`evaluate` returns."""
    if d.form == "vec":
        sizes = {sp.Symbol(k, integer=True, positive=True): v for k, v in SIZES.items()}
        out = tuple(int(sp.sympify(s).subs(sizes)) for s in d.out_shape)
        inn = tuple(int(sp.sympify(s).subs(sizes)) for s in d.in_shape)
        value = unvec_jacobian(value, out, inn)
    return value


def _check_text(d: Any, shapes: dict[str, Any], assume: dict[str, Any] | None) -> None:
    """The text, its named intermediates substituted back, reads back with the same values."""
    text = inline_where(d.text())
    assert text == d.text(inline=True) or d.intermediates
    parsed = parse_typed(text, shapes, assume)  # a ParseError here is the failure
    arrays = _arrays(shapes, assume, seed=3)
    want = np.asarray(d.evaluate(**{k: arrays[k] for k in d.args}), dtype=float)
    got = _printed_value(d, text, shapes, arrays)
    if d.form != "vec":
        assert len(parsed.shape) == got.ndim == want.ndim, (text, parsed.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=text)


@pytest.mark.parametrize("p", PROBLEMS, ids=lambda p: p.id)
def test_battery_text_reads_back_with_the_same_values(p: Problem) -> None:
    _check_text(_derive(p), p.shapes, p.assume)


# -- the printing defects of issue 11, one case each ---------------------------------------------

V = {"x": ("n",), "y": ("n",), "A": ("n", "n"), "X": ("m", "n"), "c": ()}

DEFECTS: list[tuple[str, str, Any]] = [
    # precedence: -sin(y) * -X.T @ ones(m) computed (-sin(y) * -X.T) @ ones(m)
    ("-ones(m) @ X @ cos(y)", "y", {"X": ("m", "n"), "y": ("n",)}),
    # compound dimensions: eye(n ** 2), eye(m * n), zeros((n ** 2, n))
    ("kron(A, X)", "X", {"A": ("n", "n"), "X": ("m", "m")}),
    ("X @ w", "X", {"X": ("m", "n"), "w": ("n",)}),
    ("kron(x, y)", "x", {"x": ("n",), "y": ("m",)}),
    ("x", "A", {"x": ("n",), "A": ("n", "n")}),
    # sign (the derivative of abs) and abs
    ("sum(abs(A @ x))", "x", V),
    ("abs(c) * x + sign(x) * c", "c", V),
    # vec of a vector; a scalar x @ y times a vector
    ("vec(outer(x, y))", "x", V),
    ("x * (x @ y)", "x", V),
    ("(x @ x) ** 2 * y", "x", V),
    # a dimension used as a number (trace of an identity)
    ("trace(eye(n)) * x", "x", V),
    # matrices with a dimension 1 (2-D in numpy): C @ C.T printed a formula of the wrong shape
    ("C @ C.T", "C", {"C": ("n", 1)}),
    ("sum(C @ C.T)", "C", {"C": ("n", 1)}),
    ("C.T @ C * c", "c", {"C": ("n", 1), "c": ()}),
    ("x @ C @ R @ x", "x", {"C": ("n", 1), "R": (1, "n"), "x": ("n",)}),
    ("sum(R.T @ R)", "R", {"R": (1, "n")}),
    ("C @ R", "R", {"C": ("n", 1), "R": (1, "n")}),
    # + - and coefficient folding
    ("sum(sin(x) * cos(x))", "x", V),
    ("sum(sqrt(x))", "x", V),
]


@pytest.mark.parametrize(("expr", "wrt", "shapes"), DEFECTS, ids=[c[0] for c in DEFECTS])
def test_defect_text_reads_back_with_the_same_values(
    expr: str, wrt: str, shapes: dict[str, Any]
) -> None:
    assume = {"x": "positive"} if "sqrt" in expr else None
    _check_text(derive(expr, wrt, shapes, assume), shapes, assume)


def test_readable_forms() -> None:
    """What issue 11 asked of the small cases, by meaning: no "+ -", no "1 / 2 * 1 /"."""
    for expr, wrt, shapes in DEFECTS:
        text = derive(expr, wrt, shapes).text()
        for clumsy in ("+ -", "* 1 /", "* -"):
            assert clumsy not in text, text
    assert derive("sum(sqrt(x))", "x", V).text() == "0.5 / sqrt(x)"


# -- LaTeX ----------------------------------------------------------------------------------------


def _battery_latex() -> list[tuple[str, str]]:
    out = []
    for p in [*PROBLEMS, *REPEATING, *NEW_FUNCTIONS]:
        d = _derive(p)
        out.append((p.id, d.latex()))
        for layout in ("numerator", "denominator"):
            try:
                out.append((f"{p.id} ({layout})", d.latex(layout)))
            except ShapeError:  # a layout the problem's kinds do not have
                continue
        if d.intermediates:
            out.append((f"{p.id} (inline)", d.latex(inline=True)))
            # as a notebook shows it: $\displaystyle lhs = \begin{aligned}...$
            out.append((f"{p.id} (notebook)", d._repr_latex_().strip("$")))
    for expr, wrt, shapes in DEFECTS:
        out.append((f"d({expr})/d{wrt}", derive(expr, wrt, shapes).latex()))
    return out


def test_battery_latex_is_well_formed() -> None:
    bad = [(name, latex, structure_errors(latex)) for name, latex in _battery_latex()]
    assert not [b for b in bad if b[2]], [b for b in bad if b[2]]


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (TeX Live)")
def test_battery_latex_compiles(tmp_path: Path) -> None:
    compile_formulas(_battery_latex(), tmp_path)


@pytest.mark.parametrize(
    ("expr", "shapes", "forbidden"),
    [
        ("sqrt(x)", {"x": ("n",)}, r"\sqrt\left"),
        ("(x @ x) ** 2", {"x": ("n",)}, r"x^{\top} x^{2}"),
        ("kron(A, B + A)", {"A": ("n", "n"), "B": ("n", "n")}, r"\otimes B +"),
        ("x.T @ A", {"x": ("n",), "A": ("n", "n")}, "^{T}"),
    ],
)
def test_latex_defects(expr: str, shapes: dict[str, Any], forbidden: str) -> None:
    latex = to_latex(parse(expr, shapes))
    assert forbidden not in latex, latex
    assert not structure_errors(latex), (latex, structure_errors(latex))


def test_the_structure_checks_can_fail() -> None:
    assert structure_errors(r"\sqrt\left(x\right)")
    assert structure_errors(r"x^{2}^{3}")
    assert structure_errors(r"\frac{1}{x")
    assert structure_errors(r"\left(x")
    assert structure_errors(r"A^{T}")
    assert not structure_errors(r"\left\{x\right\} A^{\top}")


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (TeX Live)")
def test_the_compile_check_can_fail(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="second"):
        compile_formulas([("first", "x"), ("second", r"x^{2}^{3}"), ("third", "y")], tmp_path)


# -- compound dimensions -------------------------------------------------------------------------

DIMS = {"X": ("m", "n"), "x": ("n",)}


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("eye(m * n)", ("m*n", "m*n")),
        ("zeros((n ** 2, n))", ("n**2", "n")),
        ("ones(m + 1)", ("m + 1",)),
        ("commutation(m, n) @ vec(X)", ("m*n",)),
        ("eye(2 * n) @ ones(n * 2)", ("2*n",)),
        ("zeros((m * n, (n + 1) ** 2))", ("m*n", "(n + 1)**2")),
    ],
)
def test_compound_dimensions_are_read_with_their_shape(text: str, shape: tuple[str, ...]) -> None:
    m, n = sp.symbols("m n", integer=True, positive=True)
    got = parse_typed(text, DIMS).shape
    assert tuple(sp.expand(g) for g in got) == tuple(
        sp.expand(sp.sympify(s, locals={"m": m, "n": n})) for s in shape
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("eye(m - n)", "product, power"),
        ("eye(n ** k)", "product, power"),
        ("eye(n ** 0)", "product, power"),
        ("eye(n / 2)", "product, power"),
        ("eye(400 * 400)", "outside"),
        ("eye(q * n)", "dimension names: m, n"),
        ("eye(m * n) @ x", "inner dimensions"),
    ],
)
def test_bad_dimensions_are_refused(text: str, match: str) -> None:
    with pytest.raises(Exception, match=match) as info:
        parse(text, DIMS)
    assert isinstance(info.value, ParseError) or "inner" in match


def test_dimension_text_reads_back() -> None:
    m, n = sp.symbols("m n", integer=True, positive=True)
    for dim in (m * n, n**2, m * n**2 + 1, (m + 1) * n, sp.Integer(4)):
        back = parse_typed(f"eye({to_text(sp.Identity(dim))[4:-1]})", DIMS).shape[0]
        assert sp.expand(back - dim) == 0


# -- named intermediates -------------------------------------------------------------------------

S = {"W": ("m", "n"), "x": ("n",), "y": ("m",)}
LR = {"X": ("m", "n"), "w": ("n",), "y": ("m",)}
NET = {"u": ("m",), "W": ("m", "n"), "x": ("n",), "b": ("m",)}

#: Results whose printed form repeats a subexpression 3 or more times (issue 11).
REPEATING: list[Problem] = [
    Problem("-y @ log(softmax(W @ x))", "x", S, None, "hessian"),
    Problem("-y @ log(softmax(W @ x))", "W", S, None, "scalar-by-matrix"),
    Problem("softmax(W @ x)", "x", S, None, "vector-by-vector"),
    Problem("sum(np.log(1 + np.exp(-y * (X @ w))))", "w", LR, None, "hessian"),
    Problem("sum(sigmoid(X @ w))", "w", LR, None, "hessian"),
    Problem("u @ np.tanh(W @ x + b)", "x", NET, None, "hessian"),
    Problem("logsumexp(W @ x)", "x", S, None, "hessian"),
    Problem("np.tanh(np.tanh(W @ x))", "x", S, None, "vector-by-vector"),
]
SOLVE = {"A": ("n", "n"), "b": ("n",), "c": ("n",), "B": ("n", "k"), "x": ("n",), "y": ("n",)}
#: Results with the functions added by issue 11 (solve, maximum of two arrays).
NEW_FUNCTIONS: list[Problem] = [
    Problem("c @ solve(A, b)", "A", SOLVE, {"A": "invertible"}, "scalar-by-matrix"),
    Problem("solve(A, B)", "A", SOLVE, {"A": "invertible"}, "matrix-by-matrix"),
    Problem("solve(A.T, solve(A, b)) @ c", "b", SOLVE, {"A": "invertible"}, "hessian"),
    Problem("maximum(A @ x, y)", "x", SOLVE, None, "vector-by-vector"),
    Problem("sum(maximum(x, y) * x)", "y", SOLVE, None, "scalar-by-vector"),
]
ALL = [*PROBLEMS, *REPEATING, *NEW_FUNCTIONS]


def _run_source(source: str, **arrays: Any) -> Any:
    name = [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)][-1].name
    scope: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), scope)  # noqa: S102 - our own generated code
    return scope[name](**arrays)


@pytest.mark.parametrize("p", [*REPEATING, *NEW_FUNCTIONS], ids=lambda p: p.id)
def test_repeating_results_text_reads_back_with_the_same_values(p: Problem) -> None:
    _check_text(_derive(p), p.shapes, p.assume)


@pytest.mark.parametrize("p", ALL, ids=lambda p: p.id)
def test_numpy_source_with_intermediates_runs_and_equals_evaluate(p: Problem) -> None:
    d = _derive(p)
    arrays = _arrays(p.shapes, p.assume, seed=5)
    source = d.numpy_source()
    got = _as_mixed(d, np.asarray(_run_source(source, **{k: arrays[k] for k in d.args})))
    want = np.asarray(d.evaluate(**{k: arrays[k] for k in d.args}), dtype=float)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=source)
    for name, _ in d.intermediates:  # each one line of the source, computed once
        assert sum(line.strip().startswith(f"{name} = ") for line in source.splitlines()) == 1


def _calls(text: str) -> list[str]:
    """Every ``f(...)`` call printed in `text` (nested calls included)."""
    out = []
    for match in re.finditer(r"[A-Za-z_][A-Za-z0-9_.]*\(", text):
        depth = 0
        for i in range(match.end() - 1, len(text)):
            depth += text[i] == "("
            depth -= text[i] == ")"
            if depth == 0:
                out.append(text[match.start() : i + 1])
                break
    return out


@pytest.mark.parametrize("p", ALL, ids=lambda p: p.id)
def test_no_printed_call_repeats_three_times(p: Problem) -> None:
    """A call of an argument (not a bare name) printed 3 times or more has become a name."""
    d = _derive(p)
    text = d.text()
    names = {name for name, _ in d.intermediates}
    for call in set(_calls(text)):
        inner = call[call.index("(") + 1 : -1]
        if inner.isidentifier() or re.fullmatch(r"[\w.]+", inner):
            continue  # f(s), f(x.T): too small to name (fewer than 3 nodes)
        assert text.count(call) < 3, (call, text)
    for name, definition in d.intermediates:
        assert text.count(f"{name} = {definition}") == 1
        # named for a reason: substituted back, it is printed 3 times or more
        whole = inline_where(text)
        assert whole.count(inline_where(f"{name} where {_where_tail(d, name)}")) >= 3, name
    assert len(names) == len(d.intermediates)


def _where_tail(d: Any, upto: str) -> str:
    """``a = ..., b = ...`` for the intermediates up to and including `upto`."""
    parts = []
    for name, definition in d.intermediates:
        parts.append(f"{name} = {definition}")
        if name == upto:
            break
    return ", ".join(parts)


def test_softmax_cross_entropy_hessian_prints_softmax_once() -> None:
    h = derive_hessian("-y @ log(softmax(W @ x))", "x", S)
    assert h.text(inline=True).count("softmax(W @ x)") >= 3  # 14 before the elementwise algebra
    assert h.text().count("softmax(W @ x)") == 1
    assert ("s", "softmax(W @ x)") in h.intermediates
    assert h.latex().count(r"\operatorname{softmax}") == 1
    assert r"\text{where }" in h.latex()
    assert r"\operatorname{softmax}" in h.latex(inline=True)
    source = h.numpy_source()
    assert source.count("_softmax(") == 2  # its definition (the helper) and one call
    assert "    s = _softmax(W @ x)" in source.splitlines()


def test_intermediate_names_avoid_declared_and_reserved_names() -> None:
    taken = {"s": ("m",), "s1": ("m",), "W": ("m", "n"), "x": ("n",), "y": ("m",)}
    h = derive_hessian("-y @ log(softmax(W @ x)) + s @ s1", "x", taken)
    names = [name for name, _ in h.intermediates]
    assert names
    assert not set(names) & {*taken, "m", "n", "np", "pi", "where"}
    assert names[0] == "s2"
    # dimension names are taken too
    dims = {"W": ("s", "n"), "x": ("n",), "y": ("s",)}
    assert "s" not in {
        name for name, _ in derive_hessian("-y @ log(softmax(W @ x))", "x", dims).intermediates
    }
    # a function name equal to an intermediate's renames the intermediate in the code
    d = derive_hessian("-y @ log(softmax(W @ x))", "x", S)
    source = d.numpy_source(name="s")
    assert "def s(" in source
    assert "    s = " not in source
    arrays = _arrays(S, None, seed=1)
    np.testing.assert_allclose(_run_source(source, **arrays), d.evaluate(**arrays), rtol=1e-12)


def test_inline_text_is_one_expression() -> None:
    h = derive_hessian("-y @ log(softmax(W @ x))", "x", S)
    assert " where " in h.text()
    assert " where " not in h.text(inline=True)
    assert inline_where(h.text()) != h.text()
    parse(h.text(inline=True), S)
    # the where form is in the language too: it reads as the inline expression
    rng = np.random.default_rng(3)
    values = {"W": rng.normal(size=(3, 4)), "x": rng.normal(size=4), "y": rng.normal(size=3)}
    sizes = {"m": 3, "n": 4}
    where_form = to_function(h.text(), S)
    inline_form = to_function(h.text(inline=True), S)
    want = inline_form(**{k: values[k] for k in inline_form.arg_names}, **sizes)
    got = where_form(**{k: values[k] for k in where_form.arg_names}, **sizes)
    assert np.allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "text",
    [
        "x @ x where x = W.T @ y",  # a declared name
        "s @ s where s = W.T @ y, n = 2",  # a dimension
        "s @ s where s = W.T @ y, exp = 2",  # a function of the language
        "s @ s where s = W.T @ y, 2 * s",  # not name = expression
    ],
)
def test_a_where_clause_that_would_change_the_meaning_is_refused(text: str) -> None:
    with pytest.raises(ParseError):
        parse(text, S)


def test_split_where_refuses_a_malformed_clause() -> None:
    with pytest.raises(ParseError, match="name = expression"):
        split_where("s @ s where s = softmax(x), 2 * s")
    # a variable called where is not the clause
    assert split_where("where @ x") == ("where @ x", [])


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "log_sigmoid"])
def test_stable_functions_of_a_scalar_print_the_tables_latex(name: str) -> None:
    # one source of LaTeX for the function of an array and of a scalar: the elementwise table
    from matderiv.expr.functions import ELEMENTWISE

    operator = ELEMENTWISE[name].latex
    of_scalar = derive(f"x * {name}(c)", "x", {"c": (), "x": ("n",)}).latex()
    of_array = derive(f"x * sum({name}(y))", "x", {"x": ("n",), "y": ("n",)}).latex()
    assert operator + r"\left(c\right)" in of_scalar, of_scalar
    assert operator + r"\left(y\right)" in of_array, of_array
