"""What kind of mistake a wrong derivative is, in words.

Given the true generalized Jacobian (from finite differences) and the claimed
one, both in mixed layout, :func:`diagnose` tries the classic mistakes in turn,
each as data (a name, how to build the candidate from the true derivative, and
what to say), and reports the first that matches:

1. zero where the truth is not (or the other way round);
2. a constant factor: sign flipped, ×2 ("did you assume symmetry?"), ×½, any c;
3. the derivative in another layout (the array given is laid out wrongly);
4. transposed over the input, the output, or the whole Jacobian;
5. only the symmetric part, ``G + Gᵀ``, or the Matrix Cookbook's ``G + Gᵀ − G∘I``;
6. two terms merged as if they commuted (``2X dX`` for ``X dX + dX X``);
7. one term missing (the claimed part explains part of the truth) or one too many;

and always names the entries that differ most.

Examples
--------
>>> import numpy as np
>>> from matderiv.numeric.diagnosis import Tolerance, diagnose
>>> G = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> print(diagnose(G, G.T, (), (2, 2), Tolerance(1e-8, 0.0)).splitlines()[0])
transposed over the input axes: the claimed gradient is Gᵀ, laid out by Xᵀ — a layout mix-up? ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matderiv.layout import Layout, derivative_shape, to_layout

__all__ = ["Tolerance", "diagnose", "entry_name", "factor_message"]

RealArray = npt.NDArray[np.float64]
Shape = tuple[int, ...]


@dataclass(frozen=True)
class Tolerance:
    """``|claimed − true| <= floor + rtol · scale`` is a match.

    Attributes
    ----------
    rtol
        Relative tolerance.
    floor
        Absolute tolerance plus the round-off floor of the differences.
    """

    rtol: float
    floor: float

    def allows(self, diff: float, scale: float) -> bool:
        """Whether a difference `diff` on values of size `scale` is within tolerance."""
        return diff <= self.floor + self.rtol * scale


def _max(a: RealArray) -> float:
    return float(np.max(np.abs(a), initial=0.0))


def _close(claimed: RealArray, candidate: RealArray, tol: Tolerance) -> bool:
    return tol.allows(_max(claimed - candidate), _max(candidate))


def entry_name(index: tuple[int, ...], out_rank: int) -> str:
    """Name a mixed-layout entry as a partial derivative, e.g. ``∂f[1]/∂x[0, 2]``.

    Examples
    --------
    >>> entry_name((1, 0, 2), 1)
    '∂f[1]/∂x[0, 2]'
    >>> entry_name((3,), 0)
    '∂f/∂x[3]'
    """
    out, inp = index[:out_rank], index[out_rank:]
    top = "∂f" + (f"[{', '.join(map(str, out))}]" if out else "")
    bottom = "∂x" + (f"[{', '.join(map(str, inp))}]" if inp else "")
    return f"{top}/{bottom}"


def _worst_entries(true: RealArray, claimed: RealArray, out_rank: int, count: int = 3) -> str:
    diff = np.abs(claimed - true)
    if not diff.size or not np.any(diff > 0):
        return ""
    order = np.argsort(diff, axis=None)[::-1][:count]
    parts = []
    for flat in order:
        index = tuple(int(i) for i in np.unravel_index(int(flat), diff.shape))
        if diff[index] == 0:
            break
        parts.append(
            f"{entry_name(index, out_rank)} (true {true[index]:.6g}, claimed {claimed[index]:.6g})"
        )
    return "Largest differences: " + "; ".join(parts) + "."


# --- candidates built from the true derivative, as data ----------------------------------

Candidate = tuple[str, Callable[[RealArray], RealArray]]


def _transposes(out_shape: Shape, in_shape: Shape) -> list[Candidate]:
    k = len(out_shape)
    found: list[Candidate] = []
    square_in = len(in_shape) == 2 and in_shape[0] == in_shape[1]
    square_out = len(out_shape) == 2 and out_shape[0] == out_shape[1]
    if square_in:
        what = (
            "the claimed gradient is Gᵀ, laid out by Xᵀ — a layout mix-up? In mixed layout "
            "G[i, j] = ∂f/∂X[i, j] has the shape of X"
            if k == 0
            else "each ∂f_i/∂X is transposed — a layout mix-up?"
        )
        found.append((f"transposed over the input axes: {what}", lambda T: T.swapaxes(k, k + 1)))
    if square_out:
        found.append(
            ("transposed over the output axes: ∂Fᵀ/∂x instead of ∂F/∂x", lambda T: T.swapaxes(0, 1))
        )
    if square_in and square_out:
        found.append(
            (
                "transposed over both the output and the input axes",
                lambda T: T.swapaxes(0, 1).swapaxes(k, k + 1),
            )
        )
    if k and out_shape == in_shape and len(in_shape) == 1:
        found.append(
            (
                "transposed: the claimed Jacobian is Jᵀ — a layout mix-up? In mixed (and "
                "numerator) layout J[i, j] = ∂f_i/∂x_j",
                lambda T: T.T,
            )
        )
    elif k and out_shape == in_shape:
        axes = list(range(k, 2 * k)) + list(range(k))
        found.append(
            (
                "transposed: output and input axes are swapped (J[i.., j..] should be ∂f_i/∂x_j)",
                lambda T: T.transpose(axes),
            )
        )
    return found


def _symmetric_forms(out_shape: Shape, in_shape: Shape) -> list[Candidate]:
    if not (len(in_shape) == 2 and in_shape[0] == in_shape[1]):
        return []
    k = len(out_shape)
    eye = np.eye(in_shape[0])
    return [
        (
            "only the symmetric part: the claimed derivative is (G + Gᵀ)/2, which is "
            "right only when X is constrained to be symmetric; for a general X use G",
            lambda T: (T + T.swapaxes(k, k + 1)) / 2.0,
        ),
        (
            "the claimed derivative is G + Gᵀ: did you treat X as symmetric? For a general "
            "X the derivative is G",
            lambda T: T + T.swapaxes(k, k + 1),
        ),
        (
            "the claimed derivative is the Matrix Cookbook's symmetric form G + Gᵀ − G∘I "
            "(disputed; for symmetric X use (G + Gᵀ)/2, for a general X use G)",
            lambda T: T + T.swapaxes(k, k + 1) - T * eye,
        ),
    ]


def factor_message(c: float) -> str:
    """Say that the claimed derivative is `c` times the true one.

    Examples
    --------
    >>> factor_message(-1.0)
    'sign flipped: the claimed derivative is −1 × the true one'
    """
    if abs(c + 1.0) < 1e-3:
        return "sign flipped: the claimed derivative is −1 × the true one"
    if abs(c - 2.0) < 1e-3:
        return (
            "off by a factor of 2 (claimed = 2 × true) — did you assume symmetry? (∂ xᵀAx/∂x "
            "is (A + Aᵀ)x, which equals 2Ax only for a symmetric A)"
        )
    if abs(c - 0.5) < 1e-3:
        return "off by a factor of 1/2 (claimed = true / 2) — a term counted once instead of twice?"
    return f"off by a constant factor: claimed ≈ {c:.6g} × true"


def _layout_mixup(
    true: RealArray,
    raw: RealArray,
    out_shape: Shape,
    in_shape: Shape,
    declared: Layout,
    tol: Tolerance,
) -> str | None:
    for other in Layout:
        if other is declared:
            continue
        try:
            if derivative_shape(out_shape, in_shape, other) != raw.shape:
                continue
        except ValueError:
            continue
        candidate = to_layout(true, out_shape, in_shape, Layout.MIXED, other)
        mine = to_layout(true, out_shape, in_shape, Layout.MIXED, declared)
        if _close(raw, candidate, tol) and not _close(raw, mine, tol):
            return (
                f"transposed — a layout mix-up? The array given is the derivative in "
                f"{other.value} layout (shape {raw.shape}), but layout='{declared.value}' was "
                f"declared. Pass layout='{other.value}', or convert with "
                f"matderiv.to_layout(J, {out_shape}, {in_shape}, '{other.value}', "
                f"'{declared.value}')."
            )
    return None


def _partial(true: RealArray, claimed: RealArray) -> str | None:
    norm_t = float(np.linalg.norm(true))
    norm_c = float(np.linalg.norm(claimed))
    residual = float(np.linalg.norm(true - claimed))
    if norm_t == 0.0 or norm_c == 0.0:
        return None
    other_half = float(np.linalg.norm(true - claimed / 2.0))
    if abs(other_half - norm_c / 2.0) < 1e-3 * norm_c:
        return (
            "two terms merged as if they commuted? The claimed derivative is twice one part of "
            "the true one, and the other part has the same size but differs: for a matrix X, "
            "d(X²) = X dX + dX X, not 2X dX"
        )
    if norm_c < norm_t and residual < 0.9 * norm_t:
        return (
            f"one term missing? The claimed derivative matches part of the true one: what is "
            f"missing, J_true − J_claimed, is {residual / norm_t:.0%} of J_true in size. Look "
            "for a dropped term, e.g. one side of a product rule (d(XY) = dX·Y + X·dY) or the "
            "transpose term of a quadratic form (∇ xᵀAx = (A + Aᵀ)x)."
        )
    if norm_c >= norm_t and residual < 0.9 * norm_c:
        return (
            f"one term missing, or one too many? The claimed derivative matches part of the "
            f"true one, but differs by a part J_true − J_claimed that is {residual / norm_c:.0%} "
            "of J_claimed in size (a missing term that partly cancels the others, or an extra "
            "term). Look for a dropped or duplicated term"
        )
    return None


def diagnose(
    true: RealArray,
    claimed: RealArray,
    out_shape: Shape,
    in_shape: Shape,
    tol: Tolerance,
    *,
    raw: RealArray | None = None,
    layout: Layout = Layout.MIXED,
) -> str:
    """Describe how `claimed` differs from `true` (both mixed layout), in words.

    Parameters
    ----------
    true, claimed
        Generalized Jacobians of shape ``out_shape + in_shape``.
    out_shape, in_shape
        Shapes of the function's value and of its variable.
    tol
        When two arrays count as equal.
    raw, layout
        The array as the user gave it and its declared layout, to recognise a
        derivative written in another layout.

    Returns
    -------
    str
        One or two sentences: the kind of mistake, then the largest differences.

    Examples
    --------
    >>> T = np.array([1.0, -2.0, 3.0])
    >>> print(diagnose(T, -T, (), (3,), Tolerance(1e-8, 0.0)))
    sign flipped: the claimed derivative is −1 × the true one. Largest differences: ...
    """
    k = len(out_shape)
    worst = _worst_entries(true, claimed, k)
    message = _kind_of_mistake(true, claimed, out_shape, in_shape, tol, raw, layout)
    end = "" if message.endswith(("?", ".")) else "."
    return f"{message}{end} {worst}" if worst else f"{message}{end}"


def _kind_of_mistake(
    true: RealArray,
    claimed: RealArray,
    out_shape: Shape,
    in_shape: Shape,
    tol: Tolerance,
    raw: RealArray | None,
    layout: Layout,
) -> str:
    if tol.allows(_max(true), 0.0):
        return "the true derivative is zero here, but the claimed one is not"
    if tol.allows(_max(claimed), 0.0):
        return "the claimed derivative is zero, but the true one is not"
    c = float(np.vdot(claimed, true) / np.vdot(true, true))
    if _close(claimed, c * true, tol):
        return factor_message(c)
    if raw is not None:
        mixup = _layout_mixup(true, raw, out_shape, in_shape, layout, tol)
        if mixup is not None:
            return mixup.rstrip(".")
    for text, build in _transposes(out_shape, in_shape) + _symmetric_forms(out_shape, in_shape):
        candidate = build(true)
        if _close(claimed, candidate, tol):
            return text
        if _close(claimed, -candidate, tol):
            return f"sign flipped and {text}"
    partial = _partial(true, claimed)
    if partial is not None:
        return partial.rstrip(".")
    return "no simple pattern (scaled, transposed, symmetrized or a missing term) explains it"
