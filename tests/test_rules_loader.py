"""Malformed catalog entries: each is a CatalogError naming the file, the entry and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from matderiv.errors import CatalogError
from matderiv.rules.loader import load_catalog, load_file
from matderiv.rules.verify import check_catalog

GOOD = """
[[rule]]
id = "tr-ax"
title = "tr(AX)"
expr = "trace(A @ X)"
wrt = "X"
shapes = { A = ["n", "m"], X = ["m", "n"] }
derivative = "A.T"
differential = 'd\\operatorname{tr}(AX) = \\operatorname{tr}(A\\,dX)'
refs = ["cookbook: eq. 100"]
"""


def _write(
    tmp_path: Path, text: str, name: str = "bad.toml", family: str = "scalar-by-matrix"
) -> Path:
    path = tmp_path / name
    path.write_text(f'family = "{family}"\n' + text, encoding="utf-8")
    return path


def _expect(path: Path, entry: str, field: str, what: str) -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(path.parent)
    message = str(info.value)
    assert path.name in message
    assert repr(entry) in message
    assert repr(field) in message
    assert what in message


def test_a_good_entry_loads(tmp_path: Path) -> None:
    (rule,) = load_file(_write(tmp_path, GOOD))
    assert rule.family == "scalar-by-matrix"
    assert rule.file == "bad.toml"


def test_unknown_family(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('wrt = "X"', 'wrt = "X"\nfamily = "tensor-by-tensor"'))
    _expect(path, "tr-ax", "family", "unknown family 'tensor-by-tensor'")


def test_unknown_family_of_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD, family="matrix-by-tensor")
    _expect(path, "(file)", "family", "unknown family")


def test_unparsable_expression(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('expr = "trace(A @ X)"', 'expr = "trace(A @@ X)"'))
    _expect(path, "tr-ax", "expr", "cannot be read")


def test_unparsable_derivative(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('derivative = "A.T"', 'derivative = "eval(A)"'))
    _expect(path, "tr-ax", "derivative", "cannot be read")


def test_derivative_of_the_wrong_shape(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace('derivative = "A.T"', 'derivative = "A"'))
    _expect(path, "tr-ax", "derivative", "must have shape (m, n)")


def test_linear_map_of_the_wrong_shape(tmp_path: Path) -> None:
    text = GOOD.replace('derivative = "A.T"', 'linear_map = "A @ dX"')
    _expect(_write(tmp_path, text), "tr-ax", "linear_map", "must have shape ()")


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, name="a.toml")
    second = _write(tmp_path, GOOD, name="b.toml")
    _expect(second, "tr-ax", "id", "duplicates the id of an entry in a.toml")


def test_missing_field_and_unknown_field(tmp_path: Path) -> None:
    _expect(_write(tmp_path, GOOD.replace('title = "tr(AX)"\n', "")), "tr-ax", "title", "missing")
    (tmp_path / "bad.toml").unlink()
    text = GOOD.replace('title = "tr(AX)"', 'title = "tr(AX)"\nformula = "A.T"')
    _expect(_write(tmp_path, text), "tr-ax", "formula", "not a field")


def test_unknown_assumption_and_undeclared_wrt(tmp_path: Path) -> None:
    text = GOOD.replace('derivative = "A.T"', 'derivative = "A.T"\nassume = { X = "unitary" }')
    _expect(_write(tmp_path, text), "tr-ax", "assume", "unknown assumption 'unitary'")
    (tmp_path / "bad.toml").unlink()
    _expect(
        _write(tmp_path, GOOD.replace('wrt = "X"', 'wrt = "Y"')), "tr-ax", "wrt", "not declared"
    )


def test_stated_derivative_that_fails_verification(tmp_path: Path) -> None:
    text = GOOD.replace(
        'shapes = { A = ["n", "m"], X = ["m", "n"] }', 'shapes = { A = ["n", "n"], X = ["n", "n"] }'
    )
    path = _write(tmp_path, text.replace('derivative = "A.T"', 'derivative = "A"'))
    catalog = load_catalog(path.parent)  # the shape fits: only the numbers are wrong
    with pytest.raises(CatalogError) as info:
        check_catalog(catalog.rules, instances=1)
    message = str(info.value)
    assert "bad.toml" in message
    assert "'tr-ax'" in message
    assert "'derivative'" in message
    assert "finite-difference" in message


def test_requires_names_only_language_functions(tmp_path: Path) -> None:
    text = GOOD.replace('wrt = "X"', 'wrt = "X"\nrequires = ["sinm"]')
    _expect(_write(tmp_path, text), "tr-ax", "requires", "not a function of the expression")


@pytest.mark.parametrize("assumption", ["symmetric", "spd", "invertible", "diagonal"])
def test_structured_assumption_on_a_non_square_name(tmp_path: Path, assumption: str) -> None:
    assume = f'assume = {{ X = "{assumption}" }}'
    text = GOOD.replace('derivative = "A.T"', 'derivative = "A.T"\n' + assume)
    _expect(_write(tmp_path, text), "tr-ax", "assume", f"'X' is assumed {assumption} but has")
