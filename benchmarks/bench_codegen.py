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
5. autograd / JAX for 3 and 4 when importable (never a dependency of matderiv).

Targets (issue 4): 1 and 2 within 1.2x of hand-written; 3 and 4 >= 10x faster than autodiff.

Usage::

    python benchmarks/bench_codegen.py [--repeat N]
"""

from __future__ import annotations

import os

# one BLAS thread: the comparison is between code shapes, not thread schedules
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import importlib.util
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
    h = derive_hessian(logistic, "w", {"X": ("m", "n"), "w": ("n",), "y": ("m",)})
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

    found = _autodiff()
    if found is None:
        print("5. autograd / JAX: neither is installed here; no autodiff comparison measured")
        return
    name, module = found
    print(f"5. {name} {getattr(module, '__version__', '')} on the same problems")
    if name == "jax":
        import jax
        import jax.numpy as xnp

        jax.config.update("jax_enable_x64", True)
        ad_jacobian, ad_hessian = jax.jacrev, jax.hessian
    else:
        import autograd
        import autograd.numpy as xnp

        ad_jacobian, ad_hessian = autograd.jacobian, autograd.hessian

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
