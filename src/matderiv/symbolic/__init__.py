"""The symbolic engine: derivatives by differentials.

Examples
--------
>>> from matderiv.symbolic import derive
>>> print(derive("logdet(X)", "X", {"X": ("n", "n")}).expr)
X.T**(-1)
"""

from __future__ import annotations

from matderiv.symbolic.api import FORMS, Derivative, Form, derive, derive_hessian

__all__ = ["FORMS", "Derivative", "Form", "derive", "derive_hessian"]
