"""The Derive page's Python side: one request in, one JSON-able answer out.

Runs in the reader's browser (Pyodide, in a Web Worker: no numpy there, only the symbolic
path) and, at build time, in CPython (``conf/derive_page.py`` records the answers the
browser tests compare with).  It uses matderiv's public API only.

A request is a dict of strings, the Derive page's fields (and its URL parameters)::

    {"expr": "x.T @ A @ x", "wrt": "x", "shapes": "x: n; A: n, n",
     "assume": "A: symmetric", "layout": "mixed", "hessian": ""}

``shapes`` and ``assume`` are ``NAME: ITEMS`` separated by ``;`` (or new lines); ITEMS are
separated by ``,``; an empty list (``c:``) declares a scalar.  The answer is
``{"ok": True, "text": ..., "latex": ..., ...}`` or ``{"ok": False, "error": message}``
with the message the command line prints (``matderiv derive: error: ...``, caret included).
"""

from __future__ import annotations

import json
import time
from typing import Any

# ``import matderiv`` imports neither numpy nor SymPy, and its symbolic half never needs
# numpy, so the browser (which has no numpy) imports it as any Python does.
from matderiv import derive, derive_hessian
from matderiv.errors import MatderivError, ShapeError
from matderiv.expr.context import format_shape
from matderiv.expr.latex import to_latex, to_latex_where
from matderiv.expr.shared import share
from matderiv.expr.text import to_text_where

LAYOUTS = ("mixed", "numerator", "denominator")
FIELDS = ("expr", "wrt", "shapes", "assume", "layout", "hessian")


def _entries(text: str, field: str, example: str) -> list[tuple[str, list[str]]]:
    """``"x: n; A: n, n"`` -> ``[("x", ["n"]), ("A", ["n", "n"])]``."""
    out = []
    for raw in text.replace("\n", ";").split(";"):
        item = raw.strip()
        if not item:
            continue
        name, sep, rest = item.partition(":")
        if not sep or not name.strip().isidentifier():
            raise ShapeError(
                f"{field} {item!r}: write NAME: ITEMS separated by ';', e.g. {example}"
            )
        out.append((name.strip(), [p.strip() for p in rest.strip().strip("()").split(",")]))
    return out


def parse_shapes(text: str) -> dict[str, tuple[str, ...]]:
    """Shapes written ``x: n; A: n, n; c:`` (``c:`` is a scalar).

    >>> parse_shapes("x: n; A: n, n; c:")
    {'x': ('n',), 'A': ('n', 'n'), 'c': ()}
    """
    example = "'x: n; A: n, n; c:' (c: is a scalar)"
    return {name: tuple(d for d in dims if d) for name, dims in _entries(text, "shapes", example)}


def parse_assume(text: str) -> dict[str, list[str]]:
    """Assumptions written ``A: symmetric; X: spd``.

    >>> parse_assume("A: symmetric; X: spd, invertible")
    {'A': ['symmetric'], 'X': ['spd', 'invertible']}
    """
    example = "'A: symmetric; X: spd'"
    out = {}
    for name, facts in _entries(text, "assumptions", example):
        facts = [f for f in facts if f]
        if not facts:
            raise ShapeError(f"assumptions for {name!r}: name one, e.g. {example}")
        out[name] = facts
    return out


def format_shapes(shapes: dict[str, Any]) -> str:
    """The inverse of :func:`parse_shapes`: ``{"x": ("n",)}`` -> ``"x: n"``."""
    return "; ".join(
        f"{name}: {', '.join(str(d) for d in dims)}".rstrip() for name, dims in shapes.items()
    )


def format_assume(assume: dict[str, Any] | None) -> str:
    """The inverse of :func:`parse_assume`."""
    items = (assume or {}).items()
    return "; ".join(f"{n}: {f if isinstance(f, str) else ', '.join(f)}" for n, f in items)


def _shown_shape(d: Any) -> str:
    """The derivative's shape as the reader's arrays have it (as the CLI shows it)."""
    if d.form == "vec":
        array = format_shape(tuple(d.out_shape) + tuple(d.in_shape))
        return f"{format_shape(d.expr.shape)} (vec; array {array})"
    if str(d.layout) != "mixed":
        return format_shape(d.expr.shape)
    if d.form == "gradient":
        return format_shape(d.in_shape)
    return format_shape(d.expr.shape if d.form == "jacobian" else d.out_shape)


def derive_request(request: dict[str, Any]) -> dict[str, Any]:
    """Derive what `request` asks; the answer as a JSON-able dict (see the module docstring)."""
    expr = str(request.get("expr", "")).strip()
    wrt = str(request.get("wrt", "")).strip()
    layout = str(request.get("layout") or "mixed").strip()
    hessian = str(request.get("hessian", "")).lower() in ("1", "true", "yes", "on")
    try:
        if not expr:
            raise ShapeError("no expression: type one, e.g. x.T @ A @ x")
        if not wrt:
            raise ShapeError("no variable: name the one to differentiate by, e.g. x")
        if layout not in LAYOUTS:
            raise ShapeError(f"layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
        shapes = parse_shapes(str(request.get("shapes", "")))
        assume = parse_assume(str(request.get("assume", "")))
        if hessian:
            d = derive_hessian(expr, wrt, shapes, assume)
            if layout != "mixed":
                d = d.in_layout(layout)
        else:
            d = derive(expr, wrt, shapes, assume, layout=layout)
        what = "Hessian" if hessian else d.form
        differential = share(d.differential, d.context)  # named intermediates, as d.text()
        var, inner = to_latex(d.context.symbols[wrt]), to_latex(d.function)
        if hessian:
            lhs = rf"\frac{{\partial^2}}{{\partial {var}^2}}\left({inner}\right)"
        elif d.form == "vec":
            vec = r"\operatorname{vec}"
            lhs = rf"\frac{{\partial {vec}\left({inner}\right)}}{{\partial {vec} {var}}}"
        else:
            lhs = rf"\frac{{\partial}}{{\partial {var}}}\left({inner}\right)"
        return {
            "ok": True,
            "what": what,
            "form": d.form,
            "layout": str(d.layout),
            "shape": _shown_shape(d),
            "text": d.text(),
            "latex": d.latex(),
            "lhs_latex": lhs,
            "differential_text": to_text_where(differential, d.context.shapes),
            "differential_latex": to_latex_where(differential),
            "numpy": d.numpy_source(),
        }
    except MatderivError as err:
        return {"ok": False, "error": f"matderiv derive: error: {err}"}


#: derived once while the page's memory snapshot is made (``conf/derive_snapshot.mjs``), so
#: the modules and rule tables a derive needs are loaded before the reader's first request:
#: a gradient, a Jacobian, a Hessian and a rejected input
WARM_UP = (
    {"expr": "x.T @ A @ x", "wrt": "x", "shapes": "x: n; A: n, n", "assume": "A: symmetric"},
    {"expr": "logdet(X) + trace(inv(X) @ B)", "wrt": "X", "shapes": "X: n, n; B: n, n"},
    {"expr": "exp(A @ x) * sin(x)", "wrt": "x", "shapes": "x: n; A: n, n", "layout": "numerator"},
    {"expr": "logsumexp(x)", "wrt": "x", "shapes": "x: n", "hessian": "1"},
    {"expr": "x.T @ A @@ x", "wrt": "x", "shapes": "x: n; A: n, n"},
)


def warm_up() -> None:
    """Derive :data:`WARM_UP` (answers discarded) and empty SymPy's cache afterwards."""
    from sympy.core.cache import clear_cache

    for request in WARM_UP:
        derive_request(request)
    clear_cache()


def versions() -> str:
    """``{"python", "sympy", "matderiv"}`` versions as JSON (the page shows them).

    From the modules, not ``importlib.metadata``: that would read the central directory
    of every wheel on ``sys.path`` (SymPy's has thousands of entries), seconds in a browser.
    """
    import sys

    import sympy

    import matderiv

    python = sys.version.split()[0]
    return json.dumps(
        {"python": python, "sympy": sympy.__version__, "matderiv": matderiv.__version__}
    )


def run(request_json: str) -> str:
    """The worker's entry point: a JSON request in, the JSON answer (with ``ms``) out.

    A request with ``"fresh": true`` clears SymPy's cache first (the benchmark's cold derive).
    """
    request = json.loads(request_json)
    if request.get("fresh"):
        from sympy.core.cache import clear_cache

        clear_cache()
    start = time.perf_counter()
    answer = derive_request(request)
    answer["ms"] = (time.perf_counter() - start) * 1000.0
    return json.dumps(answer)
