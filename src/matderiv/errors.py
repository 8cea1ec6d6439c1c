"""The exceptions matderiv raises.

Every error matderiv raises on purpose is a :class:`MatderivError`, so one
``except MatderivError`` catches them all.  Each subclass also derives from the
builtin exception a user would expect (``ValueError`` for bad input,
``NotImplementedError`` for a missing rule, ``AssertionError`` for a failed
check), so code written against the builtins keeps working.

Messages follow one pattern: *what* is wrong, *where* (the caret under the bad
token, the two shapes that do not fit, the file and entry id) and *what to do*.

Examples
--------
>>> from matderiv.errors import MatderivError, ParseError
>>> err = ParseError("unexpected token", source="x.T @ @ A", offset=6,
...                  hint="remove the second '@'")
>>> print(err)
unexpected token
    x.T @ @ A
          ^
remove the second '@'
>>> isinstance(err, MatderivError) and isinstance(err, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "BroadcastError",
    "BudgetError",
    "CatalogError",
    "DeclarationError",
    "DerivativeMismatch",
    "MatderivError",
    "NumericError",
    "NumpyMissingError",
    "ParseError",
    "ShapeError",
    "SpectralGapError",
    "UnsupportedError",
]


class MatderivError(Exception):
    """Base class of every error matderiv raises on purpose."""


class ParseError(MatderivError, ValueError):
    """Text that is not a valid expression of matderiv's expression language.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    source
        The expression text, shown with a caret under the offending token.
    offset
        Zero-based column of the offending token in `source`.
    hint
        What to do about it (for example, the names that are allowed).
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        offset: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.offset = offset
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [self.message]
        if self.source is not None:
            lines.append("    " + self.source)
            if self.offset is not None:
                column = max(0, min(self.offset, len(self.source)))
                lines.append("    " + " " * column + "^")
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class ShapeError(MatderivError, ValueError):
    """Shapes that do not fit: operands of an operation, a layout, an array."""


class UnsupportedError(MatderivError, NotImplementedError):
    """A node, function or representation matderiv has no rule for."""


class DerivativeMismatch(MatderivError, AssertionError):
    """A stated derivative disagrees with the numerical derivative."""


class NumpyMissingError(MatderivError, ImportError):
    """numpy is needed for numbers (evaluation, checks) but cannot be imported.

    The symbolic path (parsing, ``derive``, text, LaTeX, numpy source) runs without numpy.
    """


class NumericError(MatderivError, ValueError):
    """A function that cannot be differentiated numerically as called.

    NaN or inf in the point or in the function's value, a value that is not an
    array of real numbers, or a function that is not complex-step safe.
    """


class SpectralGapError(MatderivError, ValueError):
    """Eigenvalues or singular values too close (or a singular value too near zero) for their
    derivative: the eigenvectors or singular vectors it needs are not determined by the input.
    The message gives the gap and the tolerance it was measured against."""


class CatalogError(MatderivError, ValueError):
    """A malformed entry of the rules catalog (names the file, entry and field)."""


class ArgumentError(MatderivError, ValueError):
    """An argument of the wrong kind or out of range, rejected before any work.

    Raised for a value the caller chose, not for what a computation found: a
    function that is not callable, a ragged or non-numeric array, a step of 0,
    a negative tolerance, ``directions=1.5``.  The message names the argument,
    what was wrong and what to pass instead.

    Examples
    --------
    >>> import numpy as np
    >>> from matderiv.numeric import gradient
    >>> gradient(np.sum, np.ones(3), step=0)
    Traceback (most recent call last):
    ...
    matderiv.errors.ArgumentError: step must be a positive finite number, got 0 (int); ...
    """


class BudgetError(MatderivError, ValueError):
    """A computation predicted to exceed its evaluation or memory budget, refused before it starts.

    The message states the predicted cost (evaluations of the function, bytes,
    a rough time from one timed evaluation) and the way out: a keyword that
    raises the budget (``max_evals=…``, ``max_bytes=…``), a cheaper option
    (``full=False``) or a smaller input.  The budgets are documented in
    :mod:`matderiv.numeric.limits`.

    Examples
    --------
    >>> import numpy as np
    >>> from matderiv.numeric import gradient
    >>> gradient(np.sum, np.ones(50), max_evals=10)
    Traceback (most recent call last):
    ...
    matderiv.errors.BudgetError: gradient by central differences needs about 101 evaluations ...
    """


class DeclarationError(ShapeError):
    """A malformed declaration, rejected before any parsing: a name, a shape, an assumption.

    Raised by :func:`matderiv.derive <matderiv.symbolic.derive>` (and everything that reads
    ``shapes=``, ``assume=`` and ``wrt=``) for a name that is not a plain identifier (or that
    Python would fold onto another under NFKC), a dimension that is not a positive int up to
    ``matderiv.expr.context.MAX_DIMENSION`` or a dimension name, a shape of more than two
    dimensions, an assumption that is unknown, malformed, ``False``, undeclared or does not fit
    the variable.  The message names the argument and the offending entry and says what to
    write instead.  It is a :class:`ShapeError`, so ``except ShapeError`` keeps working.

    Examples
    --------
    >>> from matderiv import derive
    >>> derive("sum(x)", "x", {"x": (0,)})
    Traceback (most recent call last):
    ...
    matderiv.errors.DeclarationError: shapes['x'] has the dimension 0; ...
    """


class BroadcastError(ShapeError, ParseError):
    """Operands that numpy cannot broadcast together: numpy's message, with a caret.

    A :class:`ShapeError` (and a :class:`ParseError`, for the caret under the operator).

    Examples
    --------
    >>> from matderiv.expr import parse
    >>> parse("X + y", {"X": ("m", "n"), "y": ("m",)})
    Traceback (most recent call last):
    ...
    matderiv.errors.BroadcastError: operands could not be broadcast together with shapes (m,n) (m,)
    ...
    """
