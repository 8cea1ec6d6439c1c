"""The language fields of a rule: parsed by the engine, their shapes checked.

A rule's ``expr`` and stated derivatives are expressions of the language of
:mod:`matderiv.expr`; :func:`parse_text` reads them with the rule's names, shapes and
the assumptions the engine uses, and :func:`check_language` checks at load time that
each stated derivative has the shape its form prescribes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import sympy as sp

from matderiv.assumptions import TABLE as ASSUMPTIONS
from matderiv.assumptions import AssumptionName
from matderiv.errors import MatderivError
from matderiv.expr import Parsed, parse_typed
from matderiv.rules._fields import field_error
from matderiv.rules.model import FORMS, Field, Rule

__all__ = ["check_language", "engine_assume", "parse_field", "parse_text"]


def engine_assume(rule: Rule) -> dict[str, tuple[AssumptionName, ...]]:
    """The rule's assumptions that the symbolic engine reads (``assume=`` of ``derive``).

    The others (``diagonal``, ``orthogonal``) only steer the random inputs; see
    :attr:`matderiv.assumptions.Assumption.symbolic`.

    >>> from matderiv import rules
    >>> engine_assume(rules.get("sm-diag-trace-AX"))
    {}
    """
    out: dict[str, tuple[AssumptionName, ...]] = {}
    for name, items in rule.assume.items():
        known = tuple(a for a in items if ASSUMPTIONS[a].symbolic)
        if known:
            out[name] = known
    return out


def parse_field(rule: Rule, fieldname: Field) -> Parsed:
    """Parse one language field of `rule` (``expr``, ``derivative``, ...) with the engine.

    The linear map is read with the direction ``d<wrt>`` declared like ``wrt``
    (see ``parse_text``).

    Returns
    -------
    matderiv.expr.Parsed
        The parsed expression and its numpy shape (SymPy dimensions).

    >>> from matderiv import rules
    >>> parse_field(rules.get("sm-trace-AXB"), "derivative").shape
    (m, n)
    """
    return parse_text(rule, fieldname, getattr(rule, fieldname))


def parse_text(rule: Rule, fieldname: Field, text: str) -> Parsed:
    """Parse `text` with the names, shapes and assumptions of `rule` (memoized).

    `fieldname` says which names are declared: for ``linear_map`` also the direction
    ``d<wrt>``, shaped like ``wrt``.

    >>> from matderiv import rules
    >>> parse_text(rules.get("sm-trace-AXB"), "derivative", "(A.T @ B.T).T").shape
    (n, m)
    """
    shapes = dict(rule.shapes)
    if fieldname == "linear_map":
        shapes["d" + rule.wrt] = rule.shapes[rule.wrt]
    assume = engine_assume(rule)
    return _parse(text, tuple(shapes.items()), tuple(assume.items()))


@lru_cache(maxsize=8192)
def _parse(
    text: str,
    shapes: tuple[tuple[str, tuple[str | int, ...]], ...],
    assume: tuple[tuple[str, tuple[str, ...]], ...],
) -> Parsed:
    return parse_typed(text, {name: list(shape) for name, shape in shapes}, dict(assume))


def _same_shape(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return len(a) == len(b) and all(
        sp.expand(sp.sympify(x) - sp.sympify(y)) == 0 for x, y in zip(a, b, strict=True)
    )


def _fmt(shape: Sequence[Any]) -> str:
    items = [str(s) for s in shape]
    return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"


def _expected_shapes(rule: Rule, out_shape: tuple[Any, ...]) -> dict[str, tuple[Any, ...]]:
    in_shape = tuple(parse_field(rule, "expr").context.shapes[rule.wrt])
    if rule.family == "second-order":
        size = math.prod(in_shape) if in_shape else sp.Integer(1)
        return {
            "derivative": out_shape + in_shape + in_shape,
            "derivative_vec": (size, size),
            "source_form": out_shape + in_shape + in_shape,
        }
    out_size = math.prod(out_shape) if out_shape else sp.Integer(1)
    in_size = math.prod(in_shape) if in_shape else sp.Integer(1)
    return {
        "derivative": out_shape + in_shape,
        "source_form": out_shape + in_shape,
        "derivative_vec": (out_size, in_size),
        "linear_map": out_shape,
    }


def check_language(rule: Rule, path: Path) -> None:
    """Parse every language field; check the derivative shapes."""
    try:
        out_shape = tuple(parse_field(rule, "expr").shape)
    except MatderivError as exc:
        raise field_error(
            path,
            rule.id,
            "expr",
            f"cannot be read: {exc}",
            "write an expression of the language (see matderiv.expr)",
        ) from None
    expected = _expected_shapes(rule, out_shape)
    stated: tuple[Field, ...] = (*FORMS, "source_form")
    for fieldname in stated:
        if getattr(rule, fieldname) is None:
            continue
        if fieldname == "linear_map" and rule.family == "second-order":
            raise field_error(
                path,
                rule.id,
                fieldname,
                "is not used by second-order rules",
                "state the second derivative as derivative or derivative_vec",
            )
        try:
            shape = tuple(parse_field(rule, fieldname).shape)
        except MatderivError as exc:
            raise field_error(
                path,
                rule.id,
                fieldname,
                f"cannot be read: {exc}",
                "write an expression of the language (see matderiv.expr)",
            ) from None
        want = expected[fieldname]
        if not _same_shape(shape, want):
            what = {
                "derivative": "the mixed-layout derivative",
                "linear_map": "the differential",
                "derivative_vec": "the vec matrix",
                "source_form": "the mixed-layout derivative",
            }
            raise field_error(
                path,
                rule.id,
                fieldname,
                f"has shape {_fmt(shape)}, but {what[fieldname]} of {rule.expr!r} "
                f"(shape {_fmt(out_shape)}) by {rule.wrt!r} must have shape {_fmt(want)}",
                "fix the formula or its layout (mixed layout: out_shape + in_shape)",
            )
    if not rule.forms:
        raise field_error(
            path,
            rule.id,
            "derivative",
            "no derivative is stated",
            "give derivative, derivative_vec or linear_map",
        )
