"""``matderiv rules`` and ``matderiv verify``."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from matderiv import rules
from matderiv.cli import main
from matderiv.rules import cli as rules_cli
from matderiv.rules.cli import MAX_INSTANCES
from matderiv.rules.verify import check_catalog


def test_rules_lists_one_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--family", "second-order"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"{len(rules.family('second-order'))} rules"
    assert all("second-order" in line for line in lines[:-1])


def test_rules_search_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--search", "Kronecker"]) == 0
    assert "mm-AXB" in capsys.readouterr().out
    assert main(["rules", "--id", "sm-trace-AXB", "--layout", "numerator"]) == 0
    out = capsys.readouterr().out
    assert "latex (numerator) B A" in out


def test_bad_family_or_id_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--family", "tensor-by-tensor"]) == 2
    assert main(["rules", "--id", "sm-logdett"]) == 2
    assert "did you mean sm-logdet" in capsys.readouterr().err


def test_verify_passes_on_a_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--family", "vector-by-scalar", "--instances", "1"]) == 0
    assert " 0 failed" in capsys.readouterr().out


def test_verify_exits_1_on_a_wrong_rule(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = dataclasses.replace(rules.get("sm-logdet"), derivative="inv(X)")
    monkeypatch.setattr(rules, "get", lambda rule_id: wrong)
    assert main(["verify", "--id", "sm-logdet"]) == 1
    out = capsys.readouterr().out
    assert "FAILED  sm-logdet" in out
    assert "transposed" in out


@pytest.mark.parametrize("instances", ["0", "-3", "51", "1000000", "two"])
def test_verify_instances_out_of_range_is_a_one_line_usage_error(
    instances: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", "--id", "sm-logdet", "--instances", instances]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing verified, no misleading FAILED
    (error,) = [line for line in captured.err.splitlines() if "error:" in line]
    assert "argument --instances" in error
    assert str(MAX_INSTANCES) in error or "whole number" in error


def test_verify_accepts_the_documented_maximum(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[int] = []
    real = check_catalog

    def spy(chosen: tuple[rules.Rule, ...], instances: int, strict: bool) -> Any:
        seen.append(instances)
        return real(chosen, instances=1, strict=strict)  # one instance keeps the test fast

    monkeypatch.setattr(rules_cli, "check_catalog", spy)
    assert main(["verify", "--id", "sm-logdet", "--instances", str(MAX_INSTANCES)]) == 0
    assert seen == [MAX_INSTANCES]
    assert "1 passed, 0 failed" in capsys.readouterr().out
