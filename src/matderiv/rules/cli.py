"""The catalog's subcommands of the ``matderiv`` command line: ``rules`` and ``verify``.

``matderiv.cli`` lists them in its subcommand table; this module only adds the arguments and
runs them.  Exit codes follow the command line's: 0 success, 1 a verification failed, 2 bad
input (an unknown family or id, a number of instances outside 1 to :data:`MAX_INSTANCES`).

Examples
--------
>>> from matderiv.cli import main
>>> main(["rules", "--family", "differential", "--search", "log det"])
d-logdet                         differential      logdet(X)  ->  dX -> trace(inv(X) @ dX)
1 rule
0
>>> main(["verify", "--id", "sm-logdet"])
1 rules: 1 passed, 0 failed; derive() agrees on 1; 3 instances each, ... s
0
"""

from __future__ import annotations

import argparse
from typing import TextIO

from matderiv import rules
from matderiv.rules.model import LAYOUTS, LayoutName
from matderiv.rules.render import rule_latex
from matderiv.rules.verify import check_catalog

__all__ = ["MAX_INSTANCES", "rules_arguments", "run_rules", "run_verify", "verify_arguments"]

#: The most random instances per rule ``matderiv verify --instances`` accepts (the time grows
#: with the number, and the whole catalog at the default 3 takes seconds).
MAX_INSTANCES = 50


def _selection(args: argparse.Namespace) -> tuple[rules.Rule, ...]:
    if getattr(args, "id", None):
        return (rules.get(args.id),)
    chosen = rules.family(args.family) if args.family else rules.catalog()
    if getattr(args, "search", None):
        found = {r.id for r in rules.search(args.search)}
        chosen = tuple(r for r in chosen if r.id in found)
    return chosen


def rules_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``matderiv rules``."""
    parser.add_argument("--family", choices=rules.FAMILIES, help="only this family")
    parser.add_argument(
        "--search",
        metavar="TEXT",
        help="only rules whose text contains every word (e.g. 'log det')",
    )
    parser.add_argument("--id", help="show one rule in full")
    parser.add_argument(
        "--layout", default="mixed", choices=LAYOUTS, help="layout of the LaTeX shown with --id"
    )


def _show(rule: rules.Rule, layout: LayoutName, out: TextIO) -> None:
    out.write(f"{rule.id}: {rule.title}  ({rule.family})\n")
    out.write(f"  expression  {rule.expr}   by {rule.wrt}\n")
    out.write(f"  shapes      {', '.join(f'{n}: {s}' for n, s in rule.shapes.items())}\n")
    if rule.assume:
        out.write(f"  assume      {dict(rule.assume)}\n")
    for name in rule.forms:
        out.write(f"  {name:<11} {getattr(rule, name)}\n")
    out.write(f"  latex ({layout}) {rule_latex(rule, layout)}\n")
    out.write(f"  refs        {'; '.join(rule.citations)}\n")
    if rule.note:
        out.write(f"  note        {rule.note}\n")


def run_rules(args: argparse.Namespace, out: TextIO) -> int:
    """List (or show) catalog rules."""
    chosen = _selection(args)
    if args.id:
        _show(chosen[0], args.layout, out)
        return 0
    for rule in chosen:
        stated = rule.derivative or rule.derivative_vec or f"d{rule.wrt} -> {rule.linear_map}"
        out.write(f"{rule.id:<32} {rule.family:<17} {rule.expr}  ->  {stated}\n")
    out.write(f"{len(chosen)} rule{'s' if len(chosen) != 1 else ''}\n")
    return 0


def _instances(text: str) -> int:
    """``--instances``: an int from 1 to :data:`MAX_INSTANCES` (argparse reports the error)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_INSTANCES:
        raise argparse.ArgumentTypeError(
            f"{value} is out of range: check each rule at 1 to {MAX_INSTANCES} instances"
        )
    return value


def verify_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``matderiv verify``."""
    parser.add_argument("--family", choices=rules.FAMILIES, help="only this family")
    parser.add_argument("--id", help="only this rule")
    parser.add_argument(
        "--instances",
        type=_instances,
        default=3,
        help=f"random instances per rule, 1 to {MAX_INSTANCES} (default 3)",
    )
    parser.add_argument("--verbose", action="store_true", help="one line per rule")


def run_verify(args: argparse.Namespace, out: TextIO) -> int:
    """Verify rules three ways; exit 1 if any fails."""
    chosen = _selection(args)
    results = check_catalog(chosen, instances=args.instances, strict=False)
    failed = 0
    for rule, v in zip(chosen, results, strict=True):
        if not v.passed:
            failed += 1
            out.write(
                f"FAILED  {rule.id} ({rule.file}): {v.numeric} | derive(): {v.engine} "
                f"{v.engine_message} | layouts ok: {v.layouts_ok}\n"
            )
        elif args.verbose or v.engine != "agrees":
            out.write(
                f"passed  {rule.id}: finite differences max rel err "
                f"{v.numeric.max_rel_err:.1e}; derive(): {v.engine}"
                f"{' (' + v.engine_message + ')' if v.engine != 'agrees' else ''}\n"
            )
    passed = len(results) - failed
    agree = sum(v.engine == "agrees" for v in results)
    seconds = sum(v.seconds for v in results)
    out.write(
        f"{len(results)} rules: {passed} passed, {failed} failed; "
        f"derive() agrees on {agree}; {args.instances} instances each, {seconds:.1f} s\n"
    )
    return 1 if failed else 0
