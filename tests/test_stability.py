"""Stability battery: derived ML gradients at extreme inputs against 50-digit references.

Every problem is a loss of an ML family written as a reader writes it. Its derivative is
evaluated with :meth:`Derivative.evaluate` at inputs whose logits and margins reach 1e3
(probabilities down to 1e-300), and compared with a reference gradient written by hand
in mpmath at 50 significant digits from the very same double inputs: relative tolerance
1e-9 entrywise, absolute tolerance 1e-300 (below that a double cannot hold the true
value; e^-1000 underflows to 0 in any float64 code). No entry may be nan or inf (every
reference here is finite).

The inputs make the sums inside the reference one-signed or dominated by large terms (X
with positive entries), so the reference is well conditioned and the test measures the
kernels, not the conditioning of a sum. Where the textbook form ``sigmoid(z) - y`` is
itself ill-conditioned (a confident correct prediction, y = 1 and z >> 0, whose residual
is about e^-z), the result is held to an absolute error of a few ulps of the largest term
(``test_confident_residuals_are_accurate_in_absolute_terms``); the margin form
``sum(log(sigmoid(y * z)))`` has full relative precision there and is in the battery.

The hand references are checked themselves against mpmath central differences at 60 digits
(``test_references_match_high_precision_differences``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath as mp
import numpy as np
import pytest

import matderiv
from matderiv.expr import to_function
from matderiv.symbolic.rewrite import REWRITES

mp.mp.dps = 50
SCALES = (1.0, 30.0, 300.0, 1000.0)
RTOL = 1e-9
ATOL = 1e-300

Inputs = dict[str, Any]
Reference = Callable[[Inputs], list[Any]]  # flat (C order) list of mpf


def mpv(a: Any) -> Any:
    """A numpy array (or float) as nested lists of exact mpf."""
    if np.ndim(a) == 0:
        return mp.mpf(float(a))
    return [mpv(v) for v in a]


def sigmoid(t: Any) -> Any:
    return 1 / (1 + mp.exp(-t))


def matvec(a: Any, v: Any) -> list[Any]:
    return [mp.fsum(r * x for r, x in zip(row, v, strict=True)) for row in a]


def rmatvec(a: Any, v: Any) -> list[Any]:  # aᵀ v
    return [mp.fsum(a[i][j] * v[i] for i in range(len(a))) for j in range(len(a[0]))]


def outer(u: list[Any], v: list[Any]) -> list[Any]:
    return [ui * vj for ui in u for vj in v]


def softmax(z: list[Any]) -> list[Any]:
    m = max(z)
    e = [mp.exp(t - m) for t in z]
    total = mp.fsum(e)
    return [t / total for t in e]


# -- the families ------------------------------------------------------------------------------

M, N, K = 7, 3, 5


def logistic_inputs(rng: np.random.Generator, scale: float, labels: str) -> Inputs:
    x = rng.uniform(0.5, 1.5, (M, N))
    w = rng.uniform(-1.0, 1.0, N) * scale / N
    if labels == "signs":
        y = np.ones(M)
    elif labels == "mixed01":
        y = (rng.uniform(size=M) < 0.5).astype(float)
    else:  # "zeros": every residual is sigmoid(z) > 0
        y = np.zeros(M)
    return {"X": x, "w": w, "y": y}


def ref_margin(v: Inputs) -> list[Any]:
    x, w, y = mpv(v["X"]), mpv(v["w"]), mpv(v["y"])
    z = matvec(x, w)
    return rmatvec(x, [yi * sigmoid(-yi * zi) for yi, zi in zip(y, z, strict=True)])


def ref_cross_entropy(v: Inputs) -> list[Any]:
    x, w, y = mpv(v["X"]), mpv(v["w"]), mpv(v["y"])
    z = matvec(x, w)
    return rmatvec(x, [sigmoid(zi) - yi for yi, zi in zip(y, z, strict=True)])


def ref_logistic_hessian(v: Inputs) -> list[Any]:
    x, w = mpv(v["X"]), mpv(v["w"])
    z = matvec(x, w)
    d = [sigmoid(t) * sigmoid(-t) for t in z]
    return [mp.fsum(x[i][a] * d[i] * x[i][b] for i in range(M)) for a in range(N) for b in range(N)]


def softmax_inputs(rng: np.random.Generator, scale: float) -> Inputs:
    x = rng.uniform(0.5, 1.5, N)
    w = rng.uniform(-1.0, 1.0, (K, N)) * scale / N
    z = w @ x
    y = np.zeros(K)
    y[int(np.argmin(z))] = 1.0  # the label is not the confident prediction: s_k - 1 ~ -1
    return {"W": w, "x": x, "y": y}


def ref_softmax_ce(v: Inputs) -> list[Any]:
    w, x, y = mpv(v["W"]), mpv(v["x"]), mpv(v["y"])
    s = softmax(matvec(w, x))
    total = mp.fsum(y)
    return outer([total * si - yi for si, yi in zip(s, y, strict=True)], x)


def vector_inputs(rng: np.random.Generator, scale: float) -> Inputs:
    return {"x": rng.uniform(-1.0, 1.0, N) * scale, "y": rng.uniform(0.5, 1.5, N)}


def ref_softplus(v: Inputs) -> list[Any]:
    return [sigmoid(t) for t in mpv(v["x"])]


def ref_log_sigmoid(v: Inputs) -> list[Any]:
    return [sigmoid(-t) for t in mpv(v["x"])]


def ref_logsumexp(v: Inputs) -> list[Any]:
    return softmax(mpv(v["x"]))


def network_inputs(rng: np.random.Generator, scale: float) -> Inputs:
    return {
        "u": rng.uniform(0.5, 1.5, K),
        "W": rng.uniform(-1.0, 1.0, (K, N)) * scale / N,
        "x": rng.uniform(0.5, 1.5, N),
        "b": rng.uniform(-1.0, 1.0, K),
    }


def ref_tanh_net(v: Inputs) -> list[Any]:
    u, w, x = mpv(v["u"]), mpv(v["W"]), mpv(v["x"])
    z = matvec(w, x)
    return outer([ui / mp.cosh(zi) ** 2 for ui, zi in zip(u, z, strict=True)], x)


def ref_sigmoid_net(v: Inputs) -> list[Any]:
    u, w, x, b = mpv(v["u"]), mpv(v["W"]), mpv(v["x"]), mpv(v["b"])
    z = [zi + bi for zi, bi in zip(matvec(w, x), b, strict=True)]
    return outer([ui * sigmoid(zi) * sigmoid(-zi) for ui, zi in zip(u, z, strict=True)], x)


def gaussian_inputs(rng: np.random.Generator, scale: float) -> Inputs:
    # (x - mu)²/2 up to 5e5: the density exp(-(x - mu)²/2) is 1e-300 and far below
    return {"x": rng.uniform(0.5, 1.0, N) * scale, "mu": rng.uniform(-1.0, 1.0, N)}


def ref_gaussian(v: Inputs) -> list[Any]:
    return [xi - mi for xi, mi in zip(mpv(v["x"]), mpv(v["mu"]), strict=True)]


def probability_inputs(rng: np.random.Generator, scale: float) -> Inputs:
    # probabilities from 1e-300 up: the cross-entropy's gradient -y / p is finite
    exponents = rng.uniform(0.0, 300.0 * scale / 1000.0, N)
    return {"p": 10.0**-exponents, "y": rng.uniform(0.5, 1.5, N)}


def ref_prob_ce(v: Inputs) -> list[Any]:
    return [-yi / pi for yi, pi in zip(mpv(v["y"]), mpv(v["p"]), strict=True)]


def scalar_inputs(sign: float) -> Callable[[np.random.Generator, float], Inputs]:
    # one scalar logit, |t| up to 1e3 (exp(t) overflows for t > 709), of the given sign
    return lambda rng, scale: {"t": sign * scale * float(rng.uniform(0.5, 1.0))}


def ref_scalar(f: Callable[[Any], Any]) -> Reference:
    return lambda v: [f(mpv(v["t"]))]


def one_example_inputs(rng: np.random.Generator, scale: float) -> Inputs:
    # a single example of the logistic loss: margin y w.x up to ±1e3, y = ±1 a scalar
    x = rng.uniform(0.5, 1.5, N)
    return {
        "x": x,
        "w": scale * rng.uniform(0.5, 1.0, N) / x.sum(),
        "y": float(rng.choice([-1.0, 1.0])),
    }


def ref_one_example(v: Inputs) -> list[Any]:
    x, w, y = mpv(v["x"]), mpv(v["w"]), mpv(v["y"])
    z = mp.fsum(a * b for a, b in zip(w, x, strict=True))
    return [-y * sigmoid(-y * z) * xi for xi in x]


@dataclass(frozen=True)
class Problem:
    name: str
    expr: str
    wrt: str
    shapes: dict[str, Any]
    inputs: Callable[[np.random.Generator, float], Inputs]
    reference: Reference
    hessian: bool = False


LOGISTIC = {"X": ("m", "n"), "w": "n", "y": "m"}
PROBLEMS = [
    Problem("logistic-margin", "sum(log(sigmoid(y * (X @ w))))", "w", LOGISTIC,
            lambda r, s: logistic_inputs(r, s, "signs"), ref_margin),
    Problem("logistic-margin-neg", "-sum(log(1 + exp(-y * (X @ w))))", "w", LOGISTIC,
            lambda r, s: logistic_inputs(r, s, "signs"), ref_margin),
    Problem("cross-entropy-plain",
            "-sum(y * log(sigmoid(X @ w)) + (1 - y) * log(1 - sigmoid(X @ w)))", "w", LOGISTIC,
            lambda r, s: logistic_inputs(r, s, "zeros"), ref_cross_entropy),
    Problem("cross-entropy-mixed",
            "-sum(y * log(sigmoid(X @ w)) + (1 - y) * log(1 - sigmoid(X @ w)))", "w", LOGISTIC,
            lambda r, s: logistic_inputs(r, s, "mixed01"), ref_cross_entropy),
    Problem("cross-entropy-hand-sigmoid",
            "-sum(y * log(1 / (1 + exp(-X @ w))) + (1 - y) * log(1 - 1 / (1 + exp(-X @ w))))",
            "w", LOGISTIC, lambda r, s: logistic_inputs(r, s, "zeros"), ref_cross_entropy),
    Problem("logistic-hessian",
            "-sum(y * log(sigmoid(X @ w)) + (1 - y) * log(1 - sigmoid(X @ w)))", "w", LOGISTIC,
            lambda r, s: logistic_inputs(r, s, "mixed01"), ref_logistic_hessian, hessian=True),
    Problem("softmax-ce", "-y @ log(softmax(W @ x))", "W", {"W": ("k", "n"), "x": "n", "y": "k"},
            softmax_inputs, ref_softmax_ce),
    Problem("softmax-ce-by-hand", "-y @ log(exp(W @ x) / sum(exp(W @ x)))", "W",
            {"W": ("k", "n"), "x": "n", "y": "k"}, softmax_inputs, ref_softmax_ce),
    Problem("log-softmax-ce", "-y @ log_softmax(W @ x)", "W",
            {"W": ("k", "n"), "x": "n", "y": "k"}, softmax_inputs, ref_softmax_ce),
    Problem("softplus", "sum(log(1 + exp(x)))", "x", {"x": "n"}, vector_inputs, ref_softplus),
    Problem("softplus-primitive", "sum(softplus(x))", "x", {"x": "n"}, vector_inputs,
            ref_softplus),
    Problem("log-sigmoid", "sum(log(sigmoid(x)))", "x", {"x": "n"}, vector_inputs,
            ref_log_sigmoid),
    Problem("log-sigmoid-primitive", "sum(log_sigmoid(x))", "x", {"x": "n"}, vector_inputs,
            ref_log_sigmoid),
    Problem("logsumexp", "logsumexp(x)", "x", {"x": "n"}, vector_inputs, ref_logsumexp),
    Problem("logsumexp-by-hand", "log(sum(exp(x)))", "x", {"x": "n"}, vector_inputs,
            ref_logsumexp),
    Problem("tanh-network", "u @ tanh(W @ x)", "W", {"u": "k", "W": ("k", "n"), "x": "n"},
            network_inputs, ref_tanh_net),
    Problem("sigmoid-network", "u @ sigmoid(W @ x + b)", "W",
            {"u": "k", "W": ("k", "n"), "x": "n", "b": "k"}, network_inputs, ref_sigmoid_net),
    Problem("gaussian-log-density", "sum(log(exp(-0.5 * (x - mu) ** 2)))", "mu",
            {"x": "n", "mu": "n"}, gaussian_inputs, ref_gaussian),
    Problem("cross-entropy-probabilities", "-y @ log(p)", "p", {"p": "n", "y": "n"},
            probability_inputs, ref_prob_ce),
    # the same families on a scalar (a scalar's functions are SymPy's own expressions)
    *(
        Problem(f"{name}-{label}", expr, "t", {"t": ()}, scalar_inputs(sign), ref_scalar(f),
                hessian=hessian)
        for name, expr, f, hessian in (
            ("softplus-scalar", "log(1 + exp(t))", sigmoid, False),
            ("sigmoid-scalar", "1 / (1 + exp(-t))", lambda t: sigmoid(t) * sigmoid(-t), False),
            ("log-sigmoid-scalar", "log(sigmoid(t))", lambda t: sigmoid(-t), False),
            ("log-one-minus-sigmoid-scalar", "log(1 - sigmoid(t))", lambda t: -sigmoid(t),
             False),
            ("softplus-scalar-hessian", "softplus(t)", lambda t: sigmoid(t) * sigmoid(-t),
             True),
        )
        for label, sign in (("positive", 1.0), ("negative", -1.0))
    ),
    Problem("logistic-one-example", "log(1 + exp(-y * (w @ x)))", "w",
            {"w": "n", "x": "n", "y": ()}, one_example_inputs, ref_one_example),
]  # fmt: skip

_DERIVED: dict[str, matderiv.Derivative] = {}


def derived(problem: Problem) -> matderiv.Derivative:
    if problem.name not in _DERIVED:
        how = matderiv.derive_hessian if problem.hessian else matderiv.derive
        _DERIVED[problem.name] = how(problem.expr, problem.wrt, problem.shapes)
    return _DERIVED[problem.name]


def evaluate(problem: Problem, inputs: Inputs) -> Any:
    d = derived(problem)
    return np.asarray(d.evaluate(**{k: v for k, v in inputs.items() if k in d.args}))


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_extreme_inputs_match_the_50_digit_reference(problem: Problem, scale: float) -> None:
    rng = np.random.default_rng(zlib.crc32(f"{problem.name} {scale}".encode()))
    inputs = problem.inputs(rng, scale)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow, 0 * inf
        got = evaluate(problem, inputs).reshape(-1)
    want = problem.reference(inputs)
    assert got.shape == (len(want),), (got.shape, len(want))
    assert np.all(np.isfinite(got)), (problem.expr, derived(problem).text(), got)
    for g, r in zip(got, want, strict=True):
        err = abs(mp.mpf(float(g)) - r)
        assert err <= RTOL * abs(r) + ATOL, (problem.expr, derived(problem).text(), g, r)


def test_confident_residuals_are_accurate_in_absolute_terms() -> None:
    # y = 1 and z >> 0: the residual sigmoid(z) - 1 ~ -e^-z is below the rounding of 1
    problem = next(p for p in PROBLEMS if p.name == "cross-entropy-plain")
    rng = np.random.default_rng(3)
    for scale in SCALES:
        inputs = logistic_inputs(rng, scale, "signs")
        got = evaluate(problem, inputs)
        want = problem.reference(inputs)
        bound = 4 * np.finfo(float).eps * np.abs(inputs["X"]).sum(axis=0)
        assert np.all(np.isfinite(got))
        assert np.all([abs(float(g - r)) <= b for g, r, b in zip(got, want, bound, strict=True)])


@pytest.mark.parametrize("problem", PROBLEMS[:3] + PROBLEMS[6:7] + PROBLEMS[15:17],
                         ids=lambda p: p.name)  # fmt: skip
def test_references_match_high_precision_differences(problem: Problem) -> None:
    """The hand-written references against mpmath central differences of the loss."""
    rng = np.random.default_rng(11)
    inputs = problem.inputs(rng, 1.0)
    base = {k: np.array(mpv(v), dtype=object) if np.ndim(v) else v for k, v in inputs.items()}
    flat = base[problem.wrt].reshape(-1)
    h = mp.mpf("1e-20")
    want = problem.reference(inputs)
    with mp.workdps(60):
        for i, r in enumerate(want):
            plus, minus = flat.copy(), flat.copy()
            plus[i] += h
            minus[i] -= h
            diff = (_at(problem, base, plus) - _at(problem, base, minus)) / (2 * h)
            assert abs(diff - r) <= mp.mpf("1e-30") * (1 + abs(r)), (problem.name, i, diff, r)


def _at(problem: Problem, base: Inputs, flat: Any) -> Any:
    return _mp_loss(problem, {**base, problem.wrt: flat.reshape(base[problem.wrt].shape)})


def _mp_loss(problem: Problem, v: Inputs) -> Any:
    """The losses of the difference check, written directly in mpmath."""

    def mat(a: Any) -> list[Any]:
        return [list(r) for r in a]

    if problem.name.startswith("logistic-margin"):
        z = matvec(mat(v["X"]), list(v["w"]))
        return mp.fsum(mp.log(sigmoid(yi * zi)) for yi, zi in zip(v["y"], z, strict=True))
    if problem.name.startswith("cross-entropy"):
        z = matvec(mat(v["X"]), list(v["w"]))
        return -mp.fsum(
            yi * mp.log(sigmoid(zi)) + (1 - yi) * mp.log(1 - sigmoid(zi))
            for yi, zi in zip(v["y"], z, strict=True)
        )
    if problem.name == "softmax-ce":
        s = softmax(matvec(mat(v["W"]), list(v["x"])))
        return -mp.fsum(yi * mp.log(si) for yi, si in zip(v["y"], s, strict=True))
    if problem.name == "tanh-network":
        z = matvec(mat(v["W"]), list(v["x"]))
        return mp.fsum(ui * mp.tanh(zi) for ui, zi in zip(v["u"], z, strict=True))
    z = [a + b for a, b in zip(matvec(mat(v["W"]), list(v["x"])), v["b"], strict=True)]
    return mp.fsum(ui * sigmoid(zi) for ui, zi in zip(v["u"], z, strict=True))


# -- every rule of the rewrite table is an identity, at random and at extreme inputs -----------


@pytest.mark.parametrize("rule", REWRITES, ids=lambda r: r.name)
def test_each_rewrite_is_an_identity(rule: Any) -> None:
    shapes = {"z": ("p", "q"), "v": ("p",), "u": ("p",)}
    used = {k: s for k, s in shapes.items() if re.search(rf"\b{k}\b", rule.pattern)}
    pattern = to_function(rule.pattern, used)
    replacement = to_function(rule.replacement, used)
    rng = np.random.default_rng(5)
    positive = "log(z)" in rule.pattern  # exp(log(z)) = z where log(z) is defined
    for scale in (1.0, 10.0, 30.0):  # extreme enough to matter, finite for the naive pattern
        low = 0.1 if positive else -1.0
        values = {
            "z": rng.uniform(low, 1.0, (3, 2)) * scale,
            "v": rng.uniform(-1.0, 1.0, 4) * scale,
            "u": rng.uniform(-1.0, 1.0, 4),
            "p": 3,
            "q": 2,
        }
        want = pattern(**{k: values[k] for k in pattern.arg_names})
        got = replacement(**{k: values[k] for k in replacement.arg_names})
        assert np.allclose(got, want, rtol=1e-6, atol=1e-12), (rule.name, scale)
    # the replacement stays finite where the pattern may overflow or underflow
    z = np.array([[800.0, 1.0], [2.0, 800.0], [5.0, 700.0]])
    if not positive:
        z[1:] = -z[1:]  # both tails
    big = {
        "z": z,
        "v": np.array([800.0, -800.0, 0.0, 1.0]),
        "u": np.array([0.5, 2.0, -1.0, 3.0]),
        "p": 3,
        "q": 2,
    }
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = replacement(**{k: big[k] for k in replacement.arg_names})
    assert np.all(np.isfinite(got)), rule.name
