"""The ``matderiv`` command line.

Subcommands are rows of :data:`SUBCOMMANDS`: a name, a one-line help, a
function that adds the arguments and a function that runs it and returns the
exit code.  Adding a subcommand is adding a :class:`Subcommand` to that list
(for instance from the rules catalog: ``matderiv rules``, ``matderiv verify``).

Exit codes (:data:`EXIT_CODES`): 0 success; 1 a requested check failed, or the
output could not be written (one line on stderr), or the reader closed the pipe
(quietly, as the Python documentation's "Note on SIGPIPE" recommends); 2 bad
arguments or bad input (the message on stderr, never a traceback).  Output the
terminal's encoding cannot show is written as readable ASCII (``d^2/dx^2``).

Examples
--------
>>> main(["derive", "x.T @ A @ x", "--wrt", "x", "--shape", "x=n", "--shape", "A=n,n"])
d/dx [x.T @ A @ x]  (gradient, mixed layout, shape (n,))
  = (A + A.T) @ x
differential:
  dx @ A @ x + x @ A @ dx
0
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TextIO, cast

import matderiv
from matderiv._console import OutputError, SafeOutput, discard_stdout, install_fallback
from matderiv.errors import MatderivError, ShapeError
from matderiv.expr.context import format_shape
from matderiv.expr.latex import to_latex
from matderiv.expr.shared import share
from matderiv.expr.text import to_text_where
from matderiv.rules import cli as rules_cli

__all__ = ["EXIT_CODES", "SUBCOMMANDS", "Subcommand", "build_parser", "main"]

#: What each exit code of ``matderiv`` means (``matderiv --help`` prints this table).
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "a requested check failed (--check, verify); the output could not be written "
    "(one line on stderr); or the reader closed the pipe (quietly, e.g. | head)",
    2: "bad arguments or bad input: one message on stderr, never a traceback",
    130: "interrupted (Ctrl-C), without a traceback",
}


@dataclass(frozen=True)
class Subcommand:
    """One ``matderiv <name>`` subcommand."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, TextIO], int]


# -- matderiv derive ------------------------------------------------------------------


def _shape_item(text: str) -> tuple[str, tuple[str, ...]]:
    name, sep, dims = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(
            f"--shape {text!r}: write NAME=DIMS, e.g. x=n, A=n,n, X=3,4 or c= for a scalar"
        )
    dims = dims.strip().strip("()")
    return name.strip(), tuple(d.strip() for d in dims.split(",") if d.strip())


def _assume_item(text: str) -> tuple[str, tuple[str, ...]]:
    name, sep, facts = text.partition("=")
    if not sep or not name.strip() or not facts.strip():
        raise argparse.ArgumentTypeError(
            f"--assume {text!r}: write NAME=ASSUMPTION, e.g. A=symmetric or X=spd"
        )
    return name.strip(), tuple(f.strip() for f in facts.split(",") if f.strip())


def _derive_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", help="numpy-syntax expression, e.g. 'x.T @ A @ x'")
    parser.add_argument("--wrt", required=True, help="the variable to differentiate by")
    parser.add_argument(
        "--shape",
        action="append",
        type=_shape_item,
        default=[],
        metavar="NAME=DIMS",
        help="declare a shape: x=n (vector), A=n,n (matrix), c= (scalar); repeat per name",
    )
    parser.add_argument(
        "--assume",
        action="append",
        type=_assume_item,
        default=[],
        metavar="NAME=FACT",
        help="assumption: symmetric, spd, invertible, positive, onehot_columns or onehot_rows "
        "(e.g. A=symmetric)",
    )
    parser.add_argument(
        "--layout",
        default="mixed",
        choices=["mixed", "numerator", "denominator", "all"],
        help="layout of the result (default: mixed, the gradient has the variable's shape); "
        "'all' lists every layout with its shape",
    )
    parser.add_argument(
        "--format",
        default="text",
        choices=["text", "latex", "numpy"],
        help="text (numpy syntax), latex, or numpy (a function to copy)",
    )
    parser.add_argument("--hessian", action="store_true", help="the Hessian instead")
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify numerically at random inputs (exit 1 on failure)",
    )


def _describe_shape(shape: Sequence[Any]) -> str:
    return format_shape(shape)


def _run_derive(args: argparse.Namespace, out: TextIO) -> int:
    shapes = dict(args.shape)
    assume = {name: list(facts) for name, facts in args.assume}
    every = args.layout == "all"
    if every and args.format == "numpy":
        raise ShapeError("--format numpy writes one function: choose one --layout, not 'all'")
    layout = "mixed" if every else args.layout
    if args.hessian:
        d = matderiv.derive_hessian(args.expression, args.wrt, shapes, assume)
        if layout != "mixed":
            d = d.in_layout(layout)
    else:
        d = matderiv.derive(args.expression, args.wrt, shapes, assume, layout=layout)
    what = "Hessian" if args.hessian else d.form
    if args.format == "numpy":
        out.write(d.numpy_source())
    elif args.format == "latex":
        for name, other in _layouts(d, every):
            if isinstance(other, str):
                out.write(f"% {name}: {other}\n")
            else:
                prefix = f"% {name} layout\n" if every else ""
                out.write(prefix + other.latex() + "\n")
        out.write(f"% differential: {to_latex(d.differential)}\n")
    else:
        head = f"d/d{args.wrt} [{args.expression}]"
        if args.hessian:
            head = f"d²/d{args.wrt}² [{args.expression}]"
        vec_note = ", vec form: vec(dF) = J vec(dX)" if d.form == "vec" else ""
        if every:
            out.write(f"{head}  ({what}{vec_note})\n")
            for name, other in _layouts(d, every):
                if isinstance(other, str):
                    out.write(f"  {name:12s} {other}\n")
                else:
                    out.write(f"  {name:12s} shape {_shown_shape(other):12s} = {other.text()}\n")
        else:
            shown = _shown_shape(d)
            out.write(f"{head}  ({what}, {d.layout} layout{vec_note}, shape {shown})\n")
            out.write(f"  = {d.text()}\n")
        out.write("differential:\n")
        # named intermediates, as in the derivative's text
        out.write(f"  {to_text_where(share(d.differential, d.context), d.context.shapes)}\n")
    if args.check:
        result = d.check(seed=0)
        out.write(f"check: {result}\n")
        return 0 if result else 1
    return 0


def _shown_shape(d: Any) -> str:
    """The shape of ``d.expr`` as the user's arrays have it (1-D vectors in mixed layout)."""
    if d.form == "vec":
        array = _describe_shape(tuple(d.out_shape) + tuple(d.in_shape))
        return f"{_describe_shape(d.expr.shape)} (vec; array {array})"
    if d.layout != "mixed":
        return _describe_shape(d.expr.shape)
    if d.form == "gradient":
        return _describe_shape(d.in_shape)
    return _describe_shape(d.expr.shape if d.form == "jacobian" else d.out_shape)


def _layouts(d: Any, every: bool) -> list[tuple[str, Any]]:
    """``[(layout, Derivative or why it is undefined)]``: one entry, or every layout."""
    if not every:
        return [(str(d.layout), d)]
    out: list[tuple[str, Any]] = []
    for name in ("mixed", "numerator", "denominator"):
        try:
            out.append((name, d.in_layout(name)))
        except ShapeError as err:
            out.append((name, "undefined: " + str(err).splitlines()[0]))
    return out


#: The subcommands, in the order ``matderiv --help`` lists them.
SUBCOMMANDS: list[Subcommand] = [
    Subcommand(
        "derive",
        "derive an expression: matderiv derive 'x.T @ A @ x' --wrt x --shape x=n --shape A=n,n",
        _derive_arguments,
        _run_derive,
    ),
    Subcommand(
        "rules",
        "list or search the rules catalog: matderiv rules --search 'log det'",
        rules_cli.rules_arguments,
        rules_cli.run_rules,
    ),
    Subcommand(
        "verify",
        "verify the whole catalog three ways (exit 1 on any failure)",
        rules_cli.verify_arguments,
        rules_cli.run_verify,
    ),
]


class _Writable(Protocol):
    def write(self, text: str, /) -> object: ...


class _Parser(argparse.ArgumentParser):
    """argparse, except that a failed write of ``--help`` is reported, not swallowed."""

    def print_help(self, file: _Writable | None = None) -> None:
        super().print_help(file or SafeOutput(sys.stdout))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of :data:`SUBCOMMANDS`.

    >>> sorted(build_parser()._subparsers._group_actions[0].choices)[:1]
    ['derive']
    """
    codes = "\n".join(
        textwrap.fill(meaning, 78, initial_indent=f"  {code:<5}", subsequent_indent=" " * 7)
        for code, meaning in EXIT_CODES.items()
    )
    parser = _Parser(
        prog="matderiv",
        description="Matrix calculus you can check: derive, look up and verify derivatives.",
        epilog=f"exit codes:\n{codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in SUBCOMMANDS:
        child = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(child)
        child.set_defaults(_run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    The exit codes are :data:`EXIT_CODES` (also in ``matderiv --help``).  A closed
    pipe (``matderiv rules | head -1``) ends the command quietly; output that the
    terminal's encoding cannot show is written as readable ASCII
    (``matderiv._console.ascii_fallback``).

    Parameters
    ----------
    argv
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success; 1 when a requested check fails or the output cannot be
        written; 2 on bad arguments or bad input; 130 when interrupted.

    Examples
    --------
    >>> main(["derive", "logdet(X)", "--wrt", "X", "--shape", "X=n,n", "--format", "latex"])
    X^{-\\top}
    % differential: \\operatorname{tr}\\left(X^{-1} dX\\right)
    0
    """
    install_fallback(sys.stdout)
    install_fallback(sys.stderr)
    out = SafeOutput(sys.stdout)
    try:
        if sys.stdout is None:  # started with standard output closed (>&-)
            raise OutputError(None)
        code = _run(build_parser(), argv, out)
        out.flush()
    except OutputError as err:
        discard_stdout(sys.stdout)
        if not err.closed_pipe:
            _error(f"matderiv: error: cannot write the output: {err}")
        return 1
    except KeyboardInterrupt:
        return 130
    return code


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None, out: SafeOutput) -> int:
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the help (code 0) or the usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        code: int = args._run(args, cast(TextIO, out))
    except MatderivError as err:
        _error(f"matderiv {args.command}: error: {err}")
        return 2
    return code


def _error(message: str) -> None:
    if sys.stderr is not None:
        with contextlib.suppress(OSError):  # nowhere left to report it; the exit code says it
            print(message, file=sys.stderr)
