"""The catalog's contents and its lookup API."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from matderiv import rules
from matderiv.errors import CatalogError, ShapeError
from matderiv.expr import FUNCTIONS
from matderiv.rules.instances import instance
from matderiv.rules.render import rule_latex, rule_numpy_source
from matderiv.rules.verify import evaluate_field


def test_catalog_covers_every_family_and_has_at_least_200_rules() -> None:
    catalog = rules.catalog()
    assert len(catalog) >= 200
    per_family = Counter(rule.family for rule in catalog)
    assert set(per_family) == set(rules.FAMILIES)
    assert all(count >= 10 for count in per_family.values()), per_family


def test_ids_are_unique_and_every_rule_cites_a_source() -> None:
    ids = [rule.id for rule in rules.catalog()]
    assert len(ids) == len(set(ids))
    for rule in rules.catalog():
        assert rule.refs, rule.id
        assert rule.differential, rule.id


def test_every_source_is_represented() -> None:
    keys = {ref.partition(":")[0] for rule in rules.catalog() for ref in rule.refs}
    for source in (
        "cookbook",
        "wikipedia",
        "mit-6390",
        "sharif-ce40282",
        "mit-18s096",
        "ml-cheatsheet",
    ):
        assert source in keys, source


def test_get_returns_the_rule_and_suggests_close_ids() -> None:
    assert rules.get("sm-logdet").expr == "logdet(X)"
    with pytest.raises(CatalogError, match="sm-logdet"):
        rules.get("sm-logdett")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("log det", "sm-logdet"),
        ("determinant", "sm-det"),
        ("Kronecker", "mm-AXB"),
        ("trace", "sm-trace-AXB"),
        ("inverse", "mm-inverse"),
        ("Cookbook 57", "sm-logdet"),
    ],
)
def test_search_finds_identities_by_the_words_readers_use(query: str, expected: str) -> None:
    assert expected in [rule.id for rule in rules.search(query)]


def test_family_filter_and_unknown_family() -> None:
    assert all(rule.family == "second-order" for rule in rules.family("second-order"))
    with pytest.raises(CatalogError, match="unknown family"):
        rules.family("tensor-by-tensor")


def test_omitted_rows_have_reasons() -> None:
    rows = rules.omitted()
    assert len(rows) >= 10
    assert all(row.reason and row.source for row in rows)


def test_every_required_function_is_a_language_function() -> None:
    for rule in rules.catalog():
        assert set(rule.requires) <= set(FUNCTIONS), rule.id


def test_latex_in_each_layout() -> None:
    rule = rules.get("vv-linear-Ax")
    assert rule_latex(rule, "mixed") == rule_latex(rule, "numerator") == "A"
    assert rule_latex(rule, "denominator") == r"A^{\top}"
    grad = rules.get("sv-linear-ax")
    assert rule_latex(grad, "numerator") == r"a^{\top}"
    assert rule_latex(grad, "denominator") == "a"


def test_latex_of_an_undefined_layout_names_the_layouts_that_exist() -> None:
    with pytest.raises(ShapeError, match="mixed"):
        rule_latex(rules.get("mm-inverse"), "numerator")


@pytest.mark.parametrize("rule_id", [r.id for r in rules.catalog()])
def test_numpy_snippet_computes_the_stated_derivative(rule_id: str, tmp_path: Path) -> None:
    rule = rules.get(rule_id)
    source = rule_numpy_source(rule)
    path = tmp_path / "snippet.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("snippet", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["snippet"] = module
    spec.loader.exec_module(module)
    fn = getattr(module, rule_id.replace("-", "_"))
    dims, arrays = instance(rule, 1)
    field = rule.forms[0]
    direction = np.random.default_rng(3).standard_normal(arrays[rule.wrt].shape)
    if field == "linear_map":
        arrays = {**arrays, "d" + rule.wrt: direction}
    import inspect

    names = list(inspect.signature(fn).parameters)
    got = fn(**{name: arrays[name] if name in arrays else dims[name] for name in names})
    want = evaluate_field(rule, field, arrays, dims)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
