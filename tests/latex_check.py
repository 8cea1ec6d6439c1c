"""Checks of printed LaTeX: structure without TeX, and a real compile with pdflatex.

``compile_formulas`` writes every formula into one amsmath document (one display each,
preceded by a comment naming it) and runs ``pdflatex -halt-on-error``; on an error it
reports the formula TeX stopped in.  ``structure_errors`` checks what can be checked
without TeX: balanced braces and ``\\left``/``\\right``, no ``\\sqrt\\left(``, no
double superscript, one transpose symbol.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

__all__ = ["PDFLATEX", "compile_formulas", "structure_errors"]

#: The pdflatex executable, or ``None`` when TeX is not installed.
PDFLATEX = shutil.which("pdflatex")

_PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
\begin{document}
"""


def structure_errors(latex: str) -> list[str]:
    """What is wrong with `latex` that can be seen without TeX (empty when nothing)."""
    errors = []
    depth = 0
    for i, ch in enumerate(latex):
        escaped = i > 0 and latex[i - 1] == "\\" and (i < 2 or latex[i - 2] != "\\")
        if ch == "{" and not escaped:
            depth += 1
        elif ch == "}" and not escaped:
            depth -= 1
            if depth < 0:
                errors.append(f"a closing brace without an opening one at {i}")
                depth = 0
    if depth:
        errors.append(f"{depth} unclosed brace(s)")
    lefts = len(re.findall(r"\\left(?![a-zA-Z])", latex))
    rights = len(re.findall(r"\\right(?![a-zA-Z])", latex))
    if lefts != rights:
        errors.append(f"{lefts} \\left against {rights} \\right")
    if re.search(r"\\sqrt\s*\\left", latex):
        errors.append("\\sqrt takes a braced argument, not \\left(...\\right)")
    if re.search(r"\^\{(?:[^{}]|\{[^{}]*\})*\}\s*\^", latex):
        errors.append("a double superscript")
    if re.search(r"\^\{-?T\}", latex):
        errors.append("^{T}: the transpose is ^{\\top}")
    return errors


def compile_formulas(formulas: list[tuple[str, str]], folder: Path) -> None:
    """Compile ``(name, latex)`` pairs in one document; raise AssertionError naming a failure."""
    assert PDFLATEX is not None, "pdflatex is not installed"
    lines = [_PREAMBLE]
    starts: list[tuple[int, str]] = []
    for name, latex in formulas:
        starts.append((sum(part.count("\n") for part in lines) + 1, name))
        safe = name.replace("\n", " ")
        lines.append(f"% {safe}\n\\[\n{latex}\n\\]\n")
    lines.append("\\end{document}\n")
    tex = folder / "formulas.tex"
    tex.write_text("".join(lines), encoding="utf-8")
    run = subprocess.run(  # a fixed executable on our own file
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", tex.name],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if run.returncode == 0 and (folder / "formulas.pdf").exists():
        return
    log = run.stdout
    where = re.search(r"^l\.(\d+)", log, re.MULTILINE)
    culprit = "unknown formula"
    if where is not None:
        line = int(where.group(1))
        culprit = next(
            (
                f"{name}: {latex}"
                for (start, name), (_, latex) in zip(
                    reversed(starts), reversed(formulas), strict=True
                )
                if start <= line
            ),
            culprit,
        )
    error = next((ln for ln in log.splitlines() if ln.startswith("!")), "no error line")
    raise AssertionError(f"pdflatex failed on {culprit}\n{error}\n{log[-2000:]}")
