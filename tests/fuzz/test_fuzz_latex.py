"""The LaTeX of derivatives of the grammar's expressions is well formed and compiles.

About a hundred draws (derandomized: the same ones every run) are derived, their LaTeX
checked for structure without TeX, then compiled together in one amsmath document with
pdflatex (skipped, saying why, when pdflatex is not installed).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from grammar import Names, expression
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from latex_check import PDFLATEX, compile_formulas, structure_errors

from matderiv import derive
from matderiv.errors import MatderivError

DEFAULT = Names()
KINDS = ("s", "n", "m", "nn", "mn")
DRAWS = 100


def _draws() -> list[tuple[str, str]]:
    """``(name, latex)`` of the derivatives of `DRAWS` seeded draws (refused ones skipped)."""
    out: list[tuple[str, str]] = []

    @settings(
        max_examples=DRAWS,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(
        kind=st.sampled_from(KINDS),
        data=st.data(),
        wrt=st.sampled_from([DEFAULT.scalar, DEFAULT.vec_n, DEFAULT.sq, DEFAULT.rect]),
    )
    def collect(kind: str, data: st.DataObject, wrt: str) -> None:
        text = data.draw(expression(kind, DEFAULT, depth=3))
        assume(re.search(rf"\b{wrt}\b", text) is not None)  # a derivative that is not 0
        try:
            d = derive(text, wrt, DEFAULT.shapes())
        except MatderivError:
            return
        out.append((f"d({text})/d{wrt}", d.latex()))

    collect()
    return out


@pytest.fixture(scope="module")
def formulas() -> list[tuple[str, str]]:
    return _draws()


def test_enough_draws_are_derived(formulas: list[tuple[str, str]]) -> None:
    assert len(formulas) >= DRAWS // 2, len(formulas)


def test_fuzz_latex_is_well_formed(formulas: list[tuple[str, str]]) -> None:
    bad = [(name, latex, structure_errors(latex)) for name, latex in formulas]
    assert not [b for b in bad if b[2]], [b for b in bad if b[2]]


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (TeX Live)")
def test_fuzz_latex_compiles(formulas: list[tuple[str, str]], tmp_path: Path) -> None:
    compile_formulas(formulas, tmp_path)
