"""A batched two-layer softmax network: derive time, printed size and evaluate time.

The loss is written as numpy users write it (columns as samples)::

    -sum(Y * log_softmax(W2 @ tanh(W1 @ X + b1[:, None]) + b2[:, None], axis=0)) / N

Measured in this process:

1. **derive time** of the gradient in each parameter (W1, b1, W2, b2), with the labels
   declared one-hot (``assume={"Y": "onehot_columns"}``): median of ``--repeat`` runs, SymPy's
   cache cleared before each;
2. **printed size**: characters of ``Derivative.text()`` against the hand-written form of the same
   gradient, written out in full in the language (``(softmax(Z2, axis=0) - Y) @ tanh(Z1).T / N``
   with Z1 and Z2 spelled out) and with named intermediates;
3. **evaluate time** at N = 1024 (d = 64, h = 128, c = 10): the four derived gradients
   (``Derivative.evaluate`` and the generated source, loaded as a module; each gradient is its
   own function, so each recomputes the forward pass) against a hand-written numpy backward pass
   that computes all four at once; median of ``--repeat`` interleaved samples, and the ratio.

Usage::

    python benchmarks/bench_batched.py [--repeat N]
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
import sympy as sp

from matderiv import derive

Z1 = "W1 @ X + b1[:, None]"
Z2 = f"W2 @ tanh({Z1}) + b2[:, None]"
LOSS = f"-sum(Y * log_softmax({Z2}, axis=0)) / N"
SHAPES = {
    "W1": ("h", "d"),
    "b1": ("h",),
    "W2": ("c", "h"),
    "b2": ("c",),
    "X": ("d", "N"),
    "Y": ("c", "N"),
}
NAMES = ("W1", "b1", "W2", "b2")
ASSUME = {"Y": "onehot_columns"}  # one-hot labels, as the two-layer-network page declares

#: The gradients as a person writes them, with named intermediates (P = softmax(Z2, axis=0),
#: H = tanh(Z1), D = the gradient arriving at Z1) and spelled out in full in the language.
_P = f"softmax({Z2}, axis=0)"
_H = f"tanh({Z1})"
_D = f"(W2.T @ ({_P} - Y)) * (1 - {_H} ** 2)"
HAND = {
    "W1": ("D @ X.T / N", f"{_D} @ X.T / N"),
    "b1": ("D.sum(axis=1) / N", f"({_D}).sum(axis=1) / N"),
    "W2": ("(P - Y) @ H.T / N", f"({_P} - Y) @ {_H}.T / N"),
    "b2": ("(P - Y).sum(axis=1) / N", f"({_P} - Y).sum(axis=1) / N"),
}


def _hand_backward(W1: Any, b1: Any, W2: Any, b2: Any, X: Any, Y: Any) -> tuple[Any, Any, Any, Any]:
    """Forward and backward by hand, all four gradients at once (stable softmax)."""
    N = X.shape[1]
    H = np.tanh(W1 @ X + b1[:, None])
    Z = W2 @ H + b2[:, None]
    E = np.exp(Z - Z.max(axis=0))
    G = (E / E.sum(axis=0) - Y) / N
    D = (W2.T @ G) * (1 - H * H)
    return D @ X.T, D.sum(axis=1), G @ H.T, G.sum(axis=1)


def _load_source(source: str, name: str) -> Callable[..., Any]:
    """Import generated source as a module (what a user does after copying it)."""
    path = Path(tempfile.mkdtemp()) / f"generated_{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"generated_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"generated_{name}"] = module
    spec.loader.exec_module(module)
    func: Callable[..., Any] = getattr(module, name)
    return func


def _interleaved(funcs: list[Callable[[], Any]], repeat: int) -> list[float]:
    """Median times of several contenders, measured in turn (bursts of load hit all alike)."""
    for func in funcs:  # warm up
        func()
    samples: list[list[float]] = [[] for _ in funcs]
    for r in range(repeat):
        order = list(range(len(funcs)))
        order = order[r % len(order) :] + order[: r % len(order)]
        for i in order:
            start = time.perf_counter()
            funcs[i]()
            samples[i].append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


def derive_times(repeat: int) -> dict[str, Any]:
    """Median derive time per parameter, SymPy's cache cleared before each run."""
    out = {}
    for name in NAMES:
        times = []
        for _ in range(repeat):
            sp.core.cache.clear_cache()
            start = time.perf_counter()
            d = derive(LOSS, name, SHAPES, ASSUME)
            times.append(time.perf_counter() - start)
        out[name] = (statistics.median(times), d)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    print(f"loss: {LOSS}\n")
    derived = derive_times(args.repeat)
    print(f"1. derive time (median of {args.repeat}, cold SymPy cache)")
    for name, (seconds, _) in derived.items():
        print(f"  d/d{name:3s} {1e3 * seconds:8.1f} ms")

    print("\n2. printed size (characters): derived  /  by hand in full  /  by hand with names")
    for name, (_, d) in derived.items():
        named, full = HAND[name]
        size = len(d.text(inline=True))
        print(f"  d/d{name:3s} {size:6d}  /  {len(full):4d}  /  {len(named):3d}   {named}")
        print(f"         derived: {d.text()}")

    rng = np.random.default_rng(0)
    d_, h, c, N = 64, 128, 10, 1024
    arrays = {
        "W1": 0.3 * rng.standard_normal((h, d_)),
        "b1": 0.1 * rng.standard_normal(h),
        "W2": 0.3 * rng.standard_normal((c, h)),
        "b2": 0.1 * rng.standard_normal(c),
        "X": rng.standard_normal((d_, N)),
        "Y": np.eye(c)[:, rng.integers(0, c, N)],
    }
    hand = _hand_backward(**arrays)
    compiled = {name: d for name, (_, d) in derived.items()}
    generated = {
        name: _load_source(d.numpy_source(), f"grad_{name}") for name, d in compiled.items()
    }
    for i, name in enumerate(NAMES):
        assert np.allclose(compiled[name].evaluate(**arrays), hand[i], rtol=1e-9, atol=1e-12)
        assert np.allclose(generated[name](**arrays), hand[i], rtol=1e-9, atol=1e-12)

    def all_evaluate() -> None:
        for name in NAMES:
            compiled[name].evaluate(**arrays)

    def all_generated() -> None:
        for name in NAMES:
            generated[name](**arrays)

    t_hand, t_eval, t_src = _interleaved(
        [lambda: _hand_backward(**arrays), all_evaluate, all_generated], args.repeat
    )
    print(f"\n3. evaluate time at N = {N} (d = {d_}, h = {h}, c = {c}; median of {args.repeat})")
    print(f"  hand-written backward pass (all four)   {1e3 * t_hand:8.2f} ms")
    print(
        f"  Derivative.evaluate, four gradients     {1e3 * t_eval:8.2f} ms"
        f"   ratio {t_eval / t_hand:5.2f}"
    )
    print(
        f"  generated source, four gradients        {1e3 * t_src:8.2f} ms"
        f"   ratio {t_src / t_hand:5.2f}"
    )


if __name__ == "__main__":
    main()
