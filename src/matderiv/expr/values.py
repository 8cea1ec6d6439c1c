"""A value read from the text of the expression language (shared by the reader and its operators).

Examples
--------
>>> import sympy as sp
>>> Val(sp.MatrixSymbol("x", 3, 1), (3,), "x").describe()
'x (shape (3,))'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from matderiv.expr.context import format_shape

__all__ = ["Val", "ones_like"]


@dataclass(frozen=True)
class Val:
    """A value read from the text: its SymPy expression, numpy shape and source text."""

    expr: Any
    shape: tuple[Any, ...]
    text: str

    @property
    def is_scalar(self) -> bool:
        return len(self.shape) == 0

    def describe(self) -> str:
        return f"{self.text} (shape {format_shape(self.shape)})"


def ones_like(shape: tuple[Any, ...]) -> Any:
    return sp.OneMatrix(shape[0], 1 if len(shape) == 1 else shape[1])
