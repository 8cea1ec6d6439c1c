"""`matderiv derive`: output, formats, check, errors on stderr with exit code 2."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from matderiv.cli import main


def test_derive_text(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["derive", "x.T @ A @ x", "--wrt", "x", "--shape", "x=n", "--shape", "A=n,n"])
    out = capsys.readouterr().out
    assert code == 0
    assert "= (A + A.T) @ x" in out
    assert "differential:" in out


def test_derive_symmetric_numerator_and_check(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["derive", "x.T @ A @ x", "--wrt", "x", "--shape", "x=n", "--shape", "A=n,n"]
    code = main([*argv, "--assume", "A=symmetric", "--layout", "numerator", "--check"])
    out = capsys.readouterr().out
    assert code == 0
    assert "numerator layout" in out
    assert "check: derivative check passed" in out


def test_derive_latex_and_numpy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "inv(X)", "--wrt", "X", "--shape", "X=n,n", "--format", "latex"]) == 0
    assert r"X^{-\top} \otimes X^{-1}" in capsys.readouterr().out
    argv = ["derive", "sum(softplus(X @ w))", "--wrt", "w", "--shape", "X=m,n", "--shape", "w=n"]
    assert main([*argv, "--format", "numpy"]) == 0
    source = capsys.readouterr().out
    namespace: dict[str, Any] = {}
    exec(compile(source, "<cli>", "exec"), namespace)  # noqa: S102 - our own generated code
    rng = np.random.default_rng(0)
    X, w = rng.standard_normal((5, 3)), rng.standard_normal(3)
    expected = X.T @ (1 / (1 + np.exp(-(X @ w))))
    assert np.allclose(namespace["grad_w"](X, w), expected)


def test_hessian_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["derive", "logsumexp(x)", "--wrt", "x", "--shape", "x=n", "--hessian"]) == 0
    assert "outer(softmax(x), softmax(x))" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["derive", "A @ x", "--wrt", "x", "--shape", "A=m,n", "--shape", "x=m"],
            "A (shape (m, n))",
        ),
        (["derive", "x @@ x", "--wrt", "x", "--shape", "x=n"], "^"),
        (["derive", "x @ x", "--wrt", "z", "--shape", "x=n"], "not declared"),
        (["derive", "x @ x", "--wrt", "x", "--shape", "x"], "NAME=DIMS"),
        (
            ["derive", "x @ x", "--wrt", "x", "--shape", "x=n", "--assume", "x=odd"],
            "unknown assumption",
        ),
    ],
)
def test_errors_go_to_stderr_with_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "matderiv", "derive", "logdet(X)", "--wrt", "X", "--shape", "X=n,n"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0
    assert "= inv(X.T)" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "matderiv", "derive", "q", "--wrt", "X", "--shape", "X=n,n"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "unknown name 'q'" in bad.stderr


def test_every_layout(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["derive", "x.T @ A @ x", "--wrt", "x", "--shape", "x=n", "--shape", "A=n,n"]
    assert main([*argv, "--layout", "all"]) == 0
    out = capsys.readouterr().out
    assert "numerator    shape (1, n)" in out
    assert "denominator  shape (n, 1)" in out
    assert main(["derive", "X @ X", "--wrt", "X", "--shape", "X=n,n", "--layout", "all"]) == 0
    out = capsys.readouterr().out
    assert "numerator    undefined" in out
    assert "(n, n, n, n)" in out
    assert main([*argv, "--layout", "all", "--format", "numpy"]) == 2
