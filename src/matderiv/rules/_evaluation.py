"""Evaluating a rule's text: its fields compiled to numpy functions and called on arrays.

The three checks of :mod:`matderiv.rules.verify` all start here: the rule's value, its
stated derivative as a mixed-layout array (from whichever form is stated), and the
function of the variable alone that finite differences differentiate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from matderiv.expr import NumpyFunction, to_function
from matderiv.layout import unvec_jacobian
from matderiv.rules._language import parse_text
from matderiv.rules.model import Field, Rule

__all__ = ["FloatArray", "compiled", "evaluate_field", "function_of", "shapes_of", "stated_mixed"]

FloatArray = npt.NDArray[np.float64]

_COMPILED: dict[tuple[str, str, str, str], NumpyFunction] = {}


def compiled(rule: Rule, fieldname: Field, text: str | None = None) -> NumpyFunction:
    """The numpy function of a field (or of `text` read like it), compiled once."""
    source = getattr(rule, fieldname) if text is None else text
    key = (rule.file, rule.id, fieldname, source)
    fn = _COMPILED.get(key)
    if fn is None:
        parsed = parse_text(rule, fieldname, source)
        fn = to_function(parsed.expr, parsed.context)
        _COMPILED[key] = fn
    return fn


def evaluate_field(
    rule: Rule, fieldname: Field, arrays: Mapping[str, Any], dims: Mapping[str, int]
) -> FloatArray:
    """Evaluate a language field of `rule` (``expr``, ``derivative``...) on concrete arrays.

    >>> from matderiv import rules
    >>> from matderiv.rules.instances import instance
    >>> rule = rules.get("vv-linear-Ax")
    >>> dims, arrays = instance(rule, 0)
    >>> bool((evaluate_field(rule, "derivative", arrays, dims) == arrays["A"]).all())
    True
    """
    fn = compiled(rule, fieldname)
    return np.asarray(fn(**arrays, **dims), dtype=np.float64)


def shapes_of(
    rule: Rule, arrays: Mapping[str, FloatArray]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The shapes of the rule's value and of its variable at these arrays."""
    in_shape = tuple(np.shape(arrays[rule.wrt]))
    out_shape = tuple(np.shape(np.asarray(_value(rule, arrays))))
    return out_shape, in_shape


def _value(rule: Rule, arrays: Mapping[str, FloatArray]) -> FloatArray:
    dims = _dims_from(rule, arrays)
    return evaluate_field(rule, "expr", arrays, dims)


def _dims_from(rule: Rule, arrays: Mapping[str, FloatArray]) -> dict[str, int]:
    dims: dict[str, int] = {}
    for name, shape in rule.shapes.items():
        for dim, size in zip(shape, np.shape(arrays[name]), strict=True):
            if isinstance(dim, str):
                dims[dim] = int(size)
    return dims


def function_of(
    rule: Rule,
    arrays: Mapping[str, FloatArray],
    dims: Mapping[str, int],
    project: Callable[[FloatArray], FloatArray] | None,
) -> Callable[[FloatArray], Any]:
    """The rule's expression as a function of its variable alone (the others fixed).

    With `project`, the variable is first projected (``V -> f(P(V))``: a symmetric or
    diagonal variable is differentiated on its subspace).
    """
    fixed = dict(arrays)

    def f(v: FloatArray) -> Any:
        fixed[rule.wrt] = project(v) if project is not None else v
        return evaluate_field(rule, "expr", fixed, dims)

    return f


def stated_mixed(
    rule: Rule, arrays: Mapping[str, FloatArray], dims: Mapping[str, int]
) -> FloatArray:
    """The stated derivative as a mixed-layout array (from whichever form is stated).

    For second-order rules: the second derivative ``out_shape + in_shape + in_shape``.
    """
    out_shape, in_shape = shapes_of(rule, arrays)
    form = rule.forms[0]
    if form == "derivative":
        return evaluate_field(rule, "derivative", arrays, dims)
    if form == "derivative_vec":
        J = evaluate_field(rule, "derivative_vec", arrays, dims)
        first = in_shape if rule.family == "second-order" else out_shape
        return unvec_jacobian(J, first, in_shape)
    return _linear_map_array(rule, arrays, dims, out_shape, in_shape)


def _linear_map_array(
    rule: Rule,
    arrays: Mapping[str, FloatArray],
    dims: Mapping[str, int],
    out_shape: tuple[int, ...],
    in_shape: tuple[int, ...],
) -> FloatArray:
    size = math.prod(in_shape)
    J = np.empty((*out_shape, size))
    direction = "d" + rule.wrt
    for j in range(size):
        e = np.zeros(size)
        e[j] = 1.0
        J[..., j] = evaluate_field(
            rule, "linear_map", {**arrays, direction: e.reshape(in_shape)}, dims
        )
    return J.reshape(out_shape + in_shape)
