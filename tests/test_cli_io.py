"""The command line's output contract, through real processes: a closed pipe, a full
disk, a closed standard output, an ASCII terminal and bad arguments each end with the
documented exit code and at most one line on stderr, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from matderiv import cli
from matderiv._console import ascii_fallback
from matderiv.cli import EXIT_CODES

SRC = str(Path(__file__).resolve().parents[1] / "src")
ENV = {**os.environ, "PYTHONPATH": SRC, "PYTHONIOENCODING": "utf-8"}
MATDERIV = [sys.executable, "-m", "matderiv"]

DERIVE = ["derive", "x.T @ A @ x", "--wrt", "x", "--shape", "x=n", "--shape", "A=n,n"]
COMMANDS = {
    "derive": DERIVE,
    "derive-numpy": [*DERIVE, "--format", "numpy"],
    "rules": ["rules"],
    "rules-id": ["rules", "--id", "d-inverse"],
    "verify": ["verify", "--id", "sm-logdet"],
    "help": ["--help"],
    "derive-help": ["derive", "--help"],
}


def _run(
    argv: list[str], *, stdout: int | IO[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MATDERIV, *argv],
        env=env or ENV,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=300,
        stdout=stdout,
    )


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err
    assert "Exception ignored" not in err


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_closed_pipe_is_a_quiet_exit_1(name: str) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write: every write is EPIPE
    try:
        done = _run(COMMANDS[name], stdout=write)
    finally:
        os.close(write)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("name", ["derive", "rules", "help"])
def test_full_disk_is_one_line_and_exit_1(name: str) -> None:
    with open("/dev/full", "w") as full:
        done = _run(COMMANDS[name], stdout=full)
    assert done.returncode == 1
    _no_traceback(done.stderr)
    assert done.stderr.count("\n") == 1
    assert "cannot write the output" in done.stderr
    assert "No space left" in done.stderr


@pytest.mark.parametrize("name", ["derive", "rules", "help"])
def test_closed_stdout_is_one_line_and_exit_1(name: str) -> None:
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *MATDERIV, *COMMANDS[name]],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 1
    _no_traceback(done.stderr)
    assert done.stderr == "matderiv: error: cannot write the output: standard output is closed\n"


@pytest.mark.parametrize("name", ["derive", "rules", "rules-id", "help"])
def test_ascii_terminal_gets_readable_ascii(name: str) -> None:
    ascii_env = {**ENV, "PYTHONIOENCODING": "ascii"}
    done = _run(COMMANDS[name], env=ascii_env, stdout=subprocess.PIPE)
    utf8 = _run(COMMANDS[name], stdout=subprocess.PIPE)
    assert done.returncode == utf8.returncode == 0, done.stderr
    _no_traceback(done.stderr)
    assert done.stdout.isascii()
    assert done.stdout == ascii_fallback(utf8.stdout)
    assert "\\u" not in done.stdout
    assert "\\x" not in done.stdout


def test_ascii_rule_title() -> None:
    done = _run(
        ["rules", "--id", "d-inverse"],
        env={**ENV, "PYTHONIOENCODING": "ascii"},
        stdout=subprocess.PIPE,
    )
    assert done.returncode == 0
    assert "d(X^-1) = -X^-1 dX X^-1" in done.stdout


def test_ascii_hessian_header() -> None:
    argv = ["derive", "logsumexp(x)", "--wrt", "x", "--shape", "x=n", "--hessian"]
    done = _run(argv, env={**ENV, "PYTHONIOENCODING": "ascii"}, stdout=subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("d^2/dx^2 [logsumexp(x)]")


def test_ascii_error_message() -> None:
    # a full-width letter in the expression is echoed in the error; stderr stays readable
    argv = ["derive", "x @@ ｙ", "--wrt", "x", "--shape", "x=n"]
    done = _run(argv, env={**ENV, "PYTHONIOENCODING": "ascii"}, stdout=subprocess.PIPE)
    assert done.returncode == 2
    _no_traceback(done.stderr)
    assert done.stdout == ""


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nonsense"],
        ["derive"],
        ["derive", "x @ x", "--wrt", "x", "--shape", "x"],
        ["derive", "x @ x", "--wrt", "x", "--shape", "x=n", "--format", "pdf"],
        ["rules", "--family", "nonsense"],
    ],
)
def test_bad_arguments_exit_2_with_a_usage_line(argv: list[str]) -> None:
    done = _run(argv, stdout=subprocess.PIPE)
    assert done.returncode == 2
    _no_traceback(done.stderr)
    assert done.stdout == ""
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("matderiv")
    assert "error:" in last


@pytest.mark.parametrize(
    "argv",
    [
        ["derive", "q", "--wrt", "X", "--shape", "X=n,n"],
        ["derive", "A @ x", "--wrt", "x", "--shape", "A=m,n", "--shape", "x=m"],
        ["rules", "--id", "no-such-rule"],
    ],
)
def test_bad_input_exits_2_with_the_error(argv: list[str]) -> None:
    done = _run(argv, stdout=subprocess.PIPE)
    assert done.returncode == 2
    _no_traceback(done.stderr)
    assert done.stdout == ""
    assert done.stderr.startswith(f"matderiv {argv[0]}: error: ")


def test_help_documents_every_exit_code() -> None:
    done = _run(["--help"], stdout=subprocess.PIPE)
    assert done.returncode == 0
    epilog = done.stdout.split("exit codes:", 1)[1]
    for code in EXIT_CODES:
        assert re.search(rf"^  {code} +[a-z]", epilog, re.MULTILINE), code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("d²/dx²", "d^2/dx^2"),
        ("Xᵀ", "X^T"),
        ("X⁻¹ ⊗ Y", "X^-1 (x) Y"),
        ("Iₙ", "I_n"),
        ("ｘ", "x"),
        ("α ∘ β", "alpha o beta"),
        ("plain ascii", "plain ascii"),
        ("\u2603", "\\u2603"),  # no ASCII spelling at all: an escape, the last resort
    ],
)
def test_ascii_fallback(text: str, expected: str) -> None:
    assert ascii_fallback(text) == expected


def test_interrupt_is_exit_130_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: object, out: object) -> int:
        raise KeyboardInterrupt

    first = cli.SUBCOMMANDS[0]
    replaced = cli.Subcommand(first.name, first.help, first.add_arguments, interrupted)
    monkeypatch.setattr(cli, "SUBCOMMANDS", [replaced, *cli.SUBCOMMANDS[1:]])
    assert cli.main(DERIVE) == 130
    assert capsys.readouterr().err == ""
