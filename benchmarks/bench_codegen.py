"""Speed of the numpy code matderiv generates, against hand-written numpy and finite differences.

Measured in this process (median of ``--repeat`` runs each, same arrays for every contender):

1. gradient of least squares ``norm(X @ w - y) ** 2`` (2 000 x 500): the compiled derivative
   (``Derivative.evaluate``) and the generated source (``Derivative.numpy_source``, loaded as a
   module) against the hand-written ``2 * X.T @ (X @ w - y)``;
2. gradient of the logistic loss ``sum(softplus(X @ w)) - y @ X @ w``: generated against
   ``X.T @ (1 / (1 + exp(-X @ w)) - y)``;
3. the full Jacobian of ``inv(X)`` by ``X`` at n = 100 (a 100 x 100 x 100 x 100 array) against
   central finite differences (``matderiv.numeric.jacobian``);
4. the Hessian of the logistic loss (500 features, 2 000 samples) against central differences
   of the hand-written gradient;
5. autograd / JAX for 3 and 4 when importable (never a dependency of matderiv);
6. ``jax.jit`` (CPU, float64) of jax's own derivative on problems 1 to 4, when jax is installed
   (the ``bench`` dependency group): generated-code time / jax.jit time per problem, and the
   rate the dominant product of each problem reaches as a fraction of the machine's matmul
   rate (GFLOP/s of ``A @ B``, 1 000 x 1 000, measured in the same run).

Targets (issue 4): 1 and 2 within 1.2x of hand-written; 3 and 4 >= 10x faster than autodiff.
Target (issue 11): generated code at least as fast as jax.jit on every problem (ratio <= 1).

Usage::

    python benchmarks/bench_codegen.py [--repeat N]
"""

from __future__ import annotations

import os

# one BLAS thread: the comparison is between code shapes, not thread schedules
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import argparse
import functools
import importlib.util
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from matderiv import derive, derive_hessian
from matderiv.numeric import jacobian


def _median_time(func: Callable[[], Any], repeat: int, inner: int = 1) -> float:
    """Median over `repeat` samples of the mean time of `inner` back-to-back calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            func()
        times.append((time.perf_counter() - start) / inner)
    return statistics.median(times)


def _interleaved(
    funcs: list[Callable[[], Any]], repeat: int, inner: int
) -> list[tuple[float, float]]:
    """Median times of several contenders, measured in turn (bursts of load hit all alike)."""
    for func in funcs:  # warm up
        func()
    samples: list[list[float]] = [[] for _ in funcs]
    for r in range(repeat):
        order = list(range(len(funcs)))
        order = order[r % len(order) :] + order[: r % len(order)]
        for i in order:
            start = time.perf_counter()
            for _ in range(inner):
                funcs[i]()
            samples[i].append((time.perf_counter() - start) / inner)
    return [(statistics.median(s), min(s)) for s in samples]


def _load_source(source: str, name: str) -> Callable[..., Any]:
    """Import generated source as a module (what a user does after copying it)."""
    path = Path(tempfile.mkdtemp()) / "generated_gradient.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("generated_gradient", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generated_gradient"] = module
    spec.loader.exec_module(module)
    func: Callable[..., Any] = getattr(module, name)
    return func


def _gradient_case(
    label: str, text: str, hand: Callable[..., Any], arrays: dict[str, Any], repeat: int
) -> None:
    shapes = {"X": ("m", "n"), "w": ("n",), "y": ("m",)}
    d = derive(text, "w", shapes)
    generated = _load_source(d.numpy_source(), "grad_w")
    expected = hand(**arrays)
    assert np.allclose(d.evaluate(**arrays), expected)
    assert np.allclose(generated(**arrays), expected)
    t_hand, t_eval, t_src = _interleaved(
        [lambda: hand(**arrays), lambda: d.evaluate(**arrays), lambda: generated(**arrays)],
        repeat,
        inner=20,
    )
    print(f"{label}: derivative {d.text()}   (median / min of {repeat} samples)")
    print(f"  hand-written numpy      {1e3 * t_hand[0]:8.3f} / {1e3 * t_hand[1]:.3f} ms")
    for name, t in (("generated source", t_src), ("Derivative.evaluate", t_eval)):
        print(
            f"  {name:22s}  {1e3 * t[0]:8.3f} / {1e3 * t[1]:.3f} ms"
            f"   ratio {t[0] / t_hand[0]:5.2f} (median) {t[1] / t_hand[1]:5.2f} (min)"
        )


def _autodiff() -> tuple[str, Any] | None:
    for name in ("jax", "autograd"):
        if importlib.util.find_spec(name) is not None:
            return name, importlib.import_module(name)
    return None


def _matmul_rate(repeat: int) -> float:
    """GFLOP/s of ``A @ B`` for 1 000 x 1 000 float64 matrices on this machine, now."""
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((1000, 1000)), rng.standard_normal((1000, 1000))
    return 2e-9 * 1000**3 / _median_time(lambda: a @ b, repeat)


def _ready(jitted: Callable[[Any], Any], arg: Any) -> Any:
    """Call a jitted function and wait for its result (jax dispatches asynchronously)."""
    return jitted(arg).block_until_ready()


def _jit_section(arrays: dict[str, Any], derivatives: dict[str, Any], repeat: int) -> None:
    """6. generated code against jax.jit of jax's derivative, problem by problem."""
    if importlib.util.find_spec("jax") is None:
        print("6. jax.jit: jax is not installed (dependency group 'bench'); not measured")
        return
    jax = importlib.import_module("jax")
    jnp = importlib.import_module("jax.numpy")
    jax.config.update("jax_enable_x64", True)
    X, w, y_ls, y01, A = (arrays[k] for k in ("X", "w", "y_ls", "y01", "A"))
    m, n = X.shape
    k = A.shape[0]

    def least_squares(v: Any) -> Any:
        r = X @ v - y_ls
        return r @ r

    def logistic(v: Any) -> Any:
        z = X @ v
        return jnp.sum(jnp.logaddexp(0.0, z)) - y01 @ z

    # problem: (jitted jax function, its argument, matderiv arrays, flops of the dominant product)
    problems = {
        "least squares gradient": (
            jax.jit(jax.grad(least_squares)),
            w,
            {"X": X, "w": w, "y": y_ls},
            2.0 * m * n,
        ),
        "logistic gradient": (
            jax.jit(jax.grad(logistic)),
            w,
            {"X": X, "w": w, "y": y01},
            2.0 * m * n,
        ),
        "Jacobian of inv(X)": (jax.jit(jax.jacrev(jnp.linalg.inv)), A, {"X": A}, 1.0 * k**4),
        "logistic Hessian": (
            jax.jit(jax.hessian(logistic)),
            w,
            {"X": X, "w": w, "y": y01},
            1.0 * m * n * n,
        ),
    }
    rate = _matmul_rate(repeat)
    print(f"6. jax {jax.__version__} jax.jit (CPU, float64) on the same problems")
    print(f"  this machine's matmul rate (A @ B, 1000 x 1000): {rate:.2f} GFLOP/s")
    print(
        "  times in ms (median); eval = Derivative.evaluate, source = the generated source"
        " imported as a module; fraction = dominant product's GFLOP/s (source) / matmul rate"
    )
    print(
        f"  {'problem':24s} {'eval':>9s} {'source':>9s} {'jax.jit':>9s}"
        f" {'eval/jit':>8s} {'src/jit':>8s} {'GFLOP':>8s} {'fraction':>9s}"
    )
    for name, (jitted, arg, inputs, flops) in problems.items():
        d = derivatives[name]
        expected = d.evaluate(**inputs)
        got = np.asarray(jitted(arg))
        assert np.allclose(got.reshape(expected.shape), expected, rtol=1e-7, atol=1e-8), name
        reps = repeat if name != "Jacobian of inv(X)" else max(3, repeat // 5)
        source = d.numpy_source()
        loaded = _load_source(source, re.findall(r"^def (\w+)", source, re.MULTILINE)[-1])
        used = {key: v for key, v in inputs.items() if key in d.args}
        t_eval, t_src, t_jit = _interleaved(
            [
                functools.partial(d.evaluate, **inputs),
                functools.partial(loaded, **used),
                functools.partial(_ready, jitted, arg),
            ],
            reps,
            inner=1 if name == "Jacobian of inv(X)" else 5,
        )
        fraction = flops * 1e-9 / t_src[0] / rate
        print(
            f"  {name:24s} {1e3 * t_eval[0]:9.3f} {1e3 * t_src[0]:9.3f} {1e3 * t_jit[0]:9.3f}"
            f" {t_eval[0] / t_jit[0]:8.2f} {t_src[0] / t_jit[0]:8.2f}"
            f" {flops * 1e-9:8.4f} {fraction:9.3f}"
        )
    print(
        "  (dominant product: X.T @ r for the gradients, m n multiply-adds; the n^4 entries of"
        " kron(inv X, inv X) for the inv Jacobian; X.T diag(s) X by a symmetric rank-k update,"
        " m n^2 flops, for the Hessian)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--skip-slow", action="store_true", help="skip the finite-difference Jacobian of inv(X)"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    m, n = 2000, 500
    X = rng.standard_normal((m, n)) / np.sqrt(n)
    w = rng.standard_normal(n)
    y_ls = rng.standard_normal(m)
    y01 = (rng.uniform(size=m) < 0.5).astype(float)

    _gradient_case(
        "1. least squares",
        "norm(X @ w - y) ** 2",
        lambda X, w, y: 2 * (X.T @ (X @ w - y)),
        {"X": X, "w": w, "y": y_ls},
        args.repeat,
    )

    def logistic_hand(X: Any, w: Any, y: Any) -> Any:
        return X.T @ (1 / (1 + np.exp(-(X @ w))) - y)

    logistic = "sum(softplus(X @ w)) - y @ X @ w"
    _gradient_case(
        "2. logistic loss", logistic, logistic_hand, {"X": X, "w": w, "y": y01}, args.repeat
    )

    # 3. the full Jacobian of inv(X) at n = 100
    k = 100
    A = rng.standard_normal((k, k)) + 2 * np.sqrt(k) * np.eye(k)
    d_inv = derive("inv(X)", "X", {"X": ("n", "n")}, assume={"X": "invertible"})
    reps = max(3, args.repeat // 5)
    t_gen = _median_time(lambda: d_inv.evaluate(X=A), reps)
    print(f"3. Jacobian of inv(X), n = {k}: {d_inv.text()}  (array {(k,) * 4})")
    print(f"  generated (evaluate, mixed 4-D)   {1e3 * t_gen:9.1f} ms")
    if not args.skip_slow:
        start = time.perf_counter()
        numeric = jacobian(np.linalg.inv, A, method="central")
        t_fd = time.perf_counter() - start
        assert np.allclose(d_inv.evaluate(X=A), numeric, atol=1e-6)
        print(
            f"  central differences (1 run)       {1e3 * t_fd:9.1f} ms   ratio {t_fd / t_gen:6.1f}x"
        )

    # 4. the Hessian of the logistic loss, 500 features x 2 000 samples
    shapes = {"X": ("m", "n"), "w": ("n",), "y": ("m",)}
    h = derive_hessian(logistic, "w", shapes)
    t_h = _median_time(lambda: h.evaluate(X=X, w=w, y=y01), args.repeat)
    start = time.perf_counter()
    numeric_h = jacobian(lambda v: logistic_hand(X, v, y01), w, method="central")
    t_fdh = time.perf_counter() - start
    assert np.allclose(h.evaluate(X=X, w=w, y=y01), numeric_h, atol=1e-6)
    print(f"4. Hessian of the logistic loss ({n} features, {m} samples): {h.text()}")
    print(f"  generated (evaluate)                          {1e3 * t_h:9.1f} ms")
    print(
        f"  central differences of the gradient (1 run)   {1e3 * t_fdh:9.1f} ms"
        f"   ratio {t_fdh / t_h:6.1f}x"
    )

    _jit_section(
        # the inv Jacobian at n = 50 here: at n = 100 jax's and ours are 800 MB arrays each
        {"X": X, "w": w, "y_ls": y_ls, "y01": y01, "A": A[:50, :50]},
        {
            "least squares gradient": derive("norm(X @ w - y) ** 2", "w", shapes),
            "logistic gradient": derive(logistic, "w", shapes),
            "Jacobian of inv(X)": d_inv,
            "logistic Hessian": h,
        },
        args.repeat,
    )

    found = _autodiff()
    if found is None:
        print("5. autograd / JAX: neither is installed here; no autodiff comparison measured")
        return
    name, module = found
    print(f"5. {name} {getattr(module, '__version__', '')} on the same problems")
    if name == "jax":
        module.config.update("jax_enable_x64", True)
        ad_jacobian, ad_hessian = module.jacrev, module.hessian
    else:
        ad_jacobian, ad_hessian = module.jacobian, module.hessian
    xnp = importlib.import_module(f"{name}.numpy")

    def loss(v: Any) -> Any:
        return xnp.sum(xnp.logaddexp(0.0, X @ v)) - y01 @ (X @ v)

    hess = ad_hessian(loss)
    assert np.allclose(np.asarray(hess(w)), h.evaluate(X=X, w=w, y=y01), atol=1e-8)
    t_adh = _median_time(lambda: np.asarray(hess(w)), max(3, args.repeat // 5))
    print(
        f"  Hessian of the logistic loss by {name}          {1e3 * t_adh:9.1f} ms"
        f"   generated is {t_adh / t_h:6.1f}x faster"
    )
    if not args.skip_slow:
        jac = ad_jacobian(xnp.linalg.inv)
        start = time.perf_counter()
        got = np.asarray(jac(A))
        t_adj = time.perf_counter() - start
        assert np.allclose(got, d_inv.evaluate(X=A), atol=1e-8)
        print(
            f"  Jacobian of inv(X), n = {k}, by {name} (1 run) {1e3 * t_adj:9.1f} ms"
            f"   generated is {t_adj / t_gen:6.1f}x faster"
        )


if __name__ == "__main__":
    main()
