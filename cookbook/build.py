"""Build the Cookbook PDF with latexmk and refuse a log with errors or bad boxes.

``python -m cookbook [OUT_DIR]`` writes ``OUT_DIR/matderiv-cookbook.tex`` (default
``build/cookbook``), runs ``latexmk -pdf`` on it (makeindex included), checks the log and
copies the PDF to ``build/matderiv-cookbook.pdf``.  The build fails on a TeX error, an
undefined reference or citation, or an overfull box wider than :data:`MAX_OVERFULL_PT`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from cookbook.latex import ROOT, document

__all__ = [
    "MAX_OVERFULL_PT",
    "CookbookError",
    "LogProblems",
    "build",
    "check_log",
    "compile_latex",
    "main",
]

#: The widest overfull box the build accepts, in points.
MAX_OVERFULL_PT = 5.0
NAME = "matderiv-cookbook"
PDF = ROOT / "build" / f"{NAME}.pdf"


class CookbookError(RuntimeError):
    """The Cookbook could not be built (the message says why and where to look)."""


@dataclass(frozen=True)
class LogProblems:
    """What :func:`check_log` found in a LaTeX log."""

    overfull: tuple[str, ...]
    undefined: tuple[str, ...]
    errors: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.overfull or self.undefined or self.errors)


_OVERFULL = re.compile(r"^Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (?:wide|high)\).*$", re.M)
_UNDEFINED = re.compile(
    r"^(?:LaTeX|Package \w+) Warning: (?:Reference|Citation|Hyper reference) `[^']*' "
    r"(?:on page \d+ )?undefined.*$|^LaTeX Warning: There were undefined references\.$",
    re.M,
)
_ERROR = re.compile(r"^(?:! .*|.*:\d+: .*Error.*)$", re.M)


def check_log(log: str, max_overfull_pt: float = MAX_OVERFULL_PT) -> LogProblems:
    """Overfull boxes wider than `max_overfull_pt`, undefined references and TeX errors."""
    overfull = tuple(
        m.group(0) for m in _OVERFULL.finditer(log) if float(m.group(1)) > max_overfull_pt
    )
    return LogProblems(
        overfull,
        tuple(m.group(0) for m in _UNDEFINED.finditer(log)),
        tuple(m.group(0) for m in _ERROR.finditer(log)),
    )


#: The files of a previous run that :func:`compile_latex` removes first.
_AUXILIARY = (".aux", ".fdb_latexmk", ".fls", ".idx", ".ilg", ".ind", ".log", ".out", ".toc")


def compile_latex(source: Path) -> str:
    """Run latexmk on `source` (in its folder); return the log.

    Raises
    ------
    CookbookError
        If latexmk is missing or stops on an error (the message ends with the log's tail).
    """
    latexmk = shutil.which("latexmk")
    if latexmk is None:
        raise CookbookError(
            "latexmk is not installed; install TeX Live with: apt-get install -y latexmk "
            "texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern"
        )
    # from scratch: latexmk reads the previous run's log and record and would run makeindex on
    # the previous source's entries before pdflatex writes new ones (an entry the new source
    # fixed would still stop the first run)
    for suffix in _AUXILIARY:
        source.with_suffix(suffix).unlink(missing_ok=True)
    done = subprocess.run(
        [
            latexmk,
            "-pdf",
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-file-line-error",
            "-g",
            source.name,
        ],
        cwd=source.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    log_path = source.with_suffix(".log")
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    if done.returncode != 0:
        tail = "\n".join((log or done.stdout + done.stderr).splitlines()[-30:])
        raise CookbookError(f"latexmk failed (exit {done.returncode}); see {log_path}:\n{tail}")
    return log


def build(out_dir: Path | None = None, instances: int = 3, tex: str | None = None) -> Path:
    """Generate the LaTeX, compile it, check the log; return the PDF in `out_dir`.

    Raises
    ------
    CookbookError
        If latexmk is missing or fails, or the log shows a problem (listed in the message).
    """
    out_dir = Path(out_dir) if out_dir is not None else ROOT / "build" / "cookbook"
    out_dir.mkdir(parents=True, exist_ok=True)
    source = out_dir / f"{NAME}.tex"
    source.write_text(tex if tex is not None else document(instances=instances), encoding="utf-8")
    log = compile_latex(source)
    log_path = source.with_suffix(".log")
    problems = check_log(log)
    if problems:
        listed = [*problems.errors, *problems.undefined, *problems.overfull][:20]
        raise CookbookError(
            f"{log_path} shows {len(problems.errors)} error(s), {len(problems.undefined)} "
            f"undefined reference(s) and {len(problems.overfull)} overfull box(es) wider "
            f"than {MAX_OVERFULL_PT} pt:\n" + "\n".join(listed)
        )
    return out_dir / f"{NAME}.pdf"


def main(argv: list[str] | None = None) -> int:
    """Build the Cookbook and copy it to build/matderiv-cookbook.pdf."""
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else None
    try:
        pdf = build(out_dir)
    except CookbookError as exc:
        print(f"cookbook: {exc}", file=sys.stderr)
        return 1
    PDF.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, PDF)
    print(f"cookbook: wrote {PDF} ({PDF.stat().st_size / 1e6:.2f} MB)")
    return 0
