"""The shape table as data: the derivative's shape for each pair of kinds, in each layout.

:func:`shape_table` computes the table of :mod:`matderiv.layout`'s docstring
from :func:`~matderiv.layout.derivative_shape`, so the book's shape page and the
code cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from matderiv._layout_shapes import Layout, Shape, derivative_shape
from matderiv.errors import ShapeError

__all__ = ["ShapeRow", "shape_table"]

#: Symbolic sizes used by the shape table; distinct primes so a computed shape
#: can be read back as letters.
_SYMBOLS = {2: "m", 3: "n", 5: "p", 7: "q"}
_OUT_EXAMPLES: dict[str, tuple[str, Shape]] = {
    "scalar": ("y", ()),
    "vector": ("y ∈ R^m", (2,)),
    "matrix": ("Y ∈ R^{m×n}", (2, 3)),
}
_IN_EXAMPLES: dict[str, tuple[str, Shape]] = {
    "scalar": ("x", ()),
    "vector": ("x ∈ R^n", (3,)),
    "matrix": ("X ∈ R^{p×q}", (5, 7)),
}
#: The implicit (linear-map) form of each derivative, after the shape table of Edelman and
#: Johnson's MIT 18.S096 notes.
_LINEAR_MAPS: dict[tuple[str, str], str] = {
    ("scalar", "scalar"): "dy = f′(x) dx: multiply dx by a number",
    ("vector", "scalar"): "dy = v dx: scale a fixed vector v by dx",
    ("matrix", "scalar"): "dY = M dx: scale a fixed matrix M by dx",
    ("scalar", "vector"): "dy = ∇fᵀ dx: dot product with the gradient",
    ("vector", "vector"): "dy = J dx: the Jacobian matrix times dx",
    ("matrix", "vector"): "dY = Σₖ (∂Y/∂xₖ) dxₖ",
    ("scalar", "matrix"): "dy = tr(Gᵀ dX) = ⟨G, dX⟩, G has the shape of X",
    ("vector", "matrix"): "dyᵢ = ⟨Gᵢ, dX⟩, one matrix Gᵢ per output",
    ("matrix", "matrix"): "dY = L[dX], e.g. d(X²) = X dX + dX X; vec(dY) = J_vec vec(dX)",
}


@dataclass(frozen=True)
class ShapeRow:
    """One cell of the 3×3 shape table: a pair of kinds and its derivative shapes.

    Attributes
    ----------
    output_kind, input_kind
        ``"scalar"``, ``"vector"`` or ``"matrix"``.
    output, input
        How the table names the output and the variable (``"Y ∈ R^{m×n}"``).
    mixed, numerator, denominator
        The derivative's shape in each layout, in letters (``"(q, p)"``);
        ``None`` where the layout does not define the pair.
    vec
        Shape of the vec (Kronecker) matrix, ``(out_size, in_size)``.
    linear_map
        The implicit form ``df = f'(x)[dx]`` of this kind of derivative.
    """

    output_kind: str
    input_kind: str
    output: str
    input: str
    mixed: str
    numerator: str | None
    denominator: str | None
    vec: str
    linear_map: str


def _letters(shape: Shape) -> str:
    if not shape:
        return "()"
    inner = ", ".join(_SYMBOLS.get(n, str(n)) for n in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _size_letters(shape: Shape) -> str:
    return "·".join(_SYMBOLS[n] for n in shape) if shape else "1"


def _shape_in(out_shape: Shape, in_shape: Shape, layout: Layout) -> str | None:
    try:
        return _letters(derivative_shape(out_shape, in_shape, layout))
    except ShapeError:
        return None


def shape_table() -> list[ShapeRow]:
    """The derivative's shape for each pair of kinds, in each layout, as data.

    Rows come in the order input scalar, vector, matrix; within each, output
    scalar, vector, matrix.  Shapes are computed by :func:`derivative_shape`
    with ``y ∈ R^m``, ``x ∈ R^n``, ``Y ∈ R^{m×n}`` and ``X ∈ R^{p×q}``.

    Returns
    -------
    list of ShapeRow
        Nine rows.

    Examples
    --------
    >>> row = next(r for r in shape_table()
    ...            if (r.output_kind, r.input_kind) == ("scalar", "matrix"))
    >>> row.mixed, row.numerator, row.denominator
    ('(p, q)', '(q, p)', '(p, q)')
    """
    rows = []
    for input_kind, (input_name, in_shape) in _IN_EXAMPLES.items():
        for output_kind, (output_name, out_shape) in _OUT_EXAMPLES.items():
            rows.append(
                ShapeRow(
                    output_kind=output_kind,
                    input_kind=input_kind,
                    output=output_name,
                    input=input_name,
                    mixed=_letters(derivative_shape(out_shape, in_shape, Layout.MIXED)),
                    numerator=_shape_in(out_shape, in_shape, Layout.NUMERATOR),
                    denominator=_shape_in(out_shape, in_shape, Layout.DENOMINATOR),
                    vec=f"({_size_letters(out_shape)}, {_size_letters(in_shape)})",
                    linear_map=_LINEAR_MAPS[(output_kind, input_kind)],
                )
            )
    return rows
