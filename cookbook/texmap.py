"""Catalog text (titles, notes, sources, with Unicode math) as LaTeX; one notation.

:data:`UNICODE` is the one table from a non-ASCII character of the catalog's prose to LaTeX.
A word of prose holding a mathematical character (``xᵀAx``, ``X⁻ᵀ``, ``‖x‖²``) is set in math
mode as a whole, runs of superscript and subscript characters become one ``^{…}`` or
``_{…}``.  :func:`one_notation` gives formulas from the printer and from the catalog's
differential strings one transpose symbol (``^{\\top}``) and one ℝ (``\\mathbb{R}``).

Examples
--------
>>> prose("Quadratic form xᵀAx")
'Quadratic form $x^{\\top}Ax$'
>>> one_notation("B^{T} \\otimes A")
'B^{\\top} \\otimes A'
"""

from __future__ import annotations

import re

__all__ = ["UNICODE", "escape", "one_notation", "prose"]

#: Non-ASCII character -> (kind, LaTeX).  kind: ``math`` (a math symbol), ``sup`` / ``sub``
#: (a superscript / subscript character: its LaTeX goes inside ``^{}`` / ``_{}``), ``text``
#: (typography for text mode).
UNICODE: dict[str, tuple[str, str]] = {
    # superscripts
    "ᵀ": ("sup", r"\top"),
    "ᴴ": ("sup", r"\mathsf{H}"),
    "⁻": ("sup", "-"),
    "⁺": ("sup", "+"),
    "¹": ("sup", "1"),
    "²": ("sup", "2"),
    "³": ("sup", "3"),
    "⁴": ("sup", "4"),
    "ⁱ": ("sup", "i"),
    "ʲ": ("sup", "j"),
    "ᵏ": ("sup", "k"),
    "ⁿ": ("sup", "n"),
    "ʳ": ("sup", "r"),
    "ˢ": ("sup", "s"),
    "ˣ": ("sup", "x"),
    "′": ("sup", r"\prime"),
    # subscripts
    "₀": ("sub", "0"),
    "₁": ("sub", "1"),
    "₂": ("sub", "2"),
    "ᵢ": ("sub", "i"),
    "ⱼ": ("sub", "j"),
    # Greek
    "α": ("math", r"\alpha"),
    "δ": ("math", r"\delta"),
    "λ": ("math", r"\lambda"),
    "σ": ("math", r"\sigma"),
    "Θ": ("math", r"\Theta"),
    "Σ": ("math", r"\Sigma"),
    # operators and relations
    "·": ("math", r"\cdot"),
    "×": ("math", r"\times"),
    "−": ("math", "-"),
    "∘": ("math", r"\circ"),
    "⊗": ("math", r"\otimes"),
    "√": ("math", r"\surd"),
    "∂": ("math", r"\partial"),
    "∫": ("math", r"\int"),
    "∞": ("math", r"\infty"),
    "≠": ("math", r"\neq"),
    "≈": ("math", r"\approx"),
    "≤": ("math", r"\leq"),
    "≥": ("math", r"\geq"),
    "↦": ("math", r"\mapsto"),
    "→": ("math", r"\to"),
    "⇒": ("math", r"\Rightarrow"),
    "‖": ("math", r"\|"),
    "ℝ": ("math", r"\mathbb{R}"),
    "∈": ("math", r"\in"),
    # typography
    "…": ("text", r"\ldots{}"),
    "–": ("text", "--"),
    "—": ("text", "---"),
    "’": ("text", "'"),
    "“": ("text", "``"),
    "”": ("text", "''"),
    "é": ("text", r"\'e"),
    "á": ("text", r"\'a"),
}

_TEXT_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_MATH_SPECIAL = {"{": r"\{", "}": r"\}", "&": r"\&", "#": r"\#", "%": r"\%", "_": r"\_",
                 "$": r"\$", "~": r"\sim ", "\\": r"\backslash "}


def _unknown(char: str) -> ValueError:
    return ValueError(
        f"no LaTeX for the character {char!r} (U+{ord(char):04X}); "
        "add it to cookbook.texmap.UNICODE"
    )


def escape(text: str) -> str:
    """ASCII text (and typographic characters) for LaTeX text mode."""
    out = []
    for char in text:
        if char in _TEXT_SPECIAL:
            out.append(_TEXT_SPECIAL[char])
        elif ord(char) < 128:
            out.append(char)
        elif char in UNICODE and UNICODE[char][0] == "text":
            out.append(UNICODE[char][1])
        else:
            raise _unknown(char)
    return "".join(out)


#: Function names set upright in a formula of prose (``tr(A)``, ``det X``).
_OPERATOR_NAME = re.compile(r"(?<![\\A-Za-z])(tr|det|log|ln|exp|diag|vec|sin|cos|tanh|sigmoid|sym)"
                            r"(?![A-Za-z])")


def _math_word(word: str) -> str:
    """A word with math characters, as the body of a math formula."""
    out: list[str] = []
    balanced = word.count("{") == word.count("}") and not word.endswith(("^", "_"))
    i = 0
    while i < len(word):
        char = word[i]
        kind = UNICODE.get(char, ("ascii", char))[0]
        if kind in ("sup", "sub"):
            j = i
            run = []
            while j < len(word) and UNICODE.get(word[j], ("", ""))[0] == kind:
                run.append(UNICODE[word[j]][1])
                j += 1
            body = " ".join(run) if any(r.startswith("\\") for r in run) else "".join(run)
            out.append(("^{" if kind == "sup" else "_{") + body + "}")
            i = j
            continue
        if kind == "math":
            latex = UNICODE[char][1]
            out.append(latex + (" " if latex[-1].isalpha() else ""))
        elif kind == "text":
            out.append(r"\text{" + UNICODE[char][1] + "}")
        elif char in "{}^_" and balanced:  # the catalog's prose writes e^{xA}, Σ_r, ‖X‖_F
            out.append(char)
        elif ord(char) < 128:
            out.append(_MATH_SPECIAL.get(char, char))
        else:
            raise _unknown(char)
        i += 1
    return _OPERATOR_NAME.sub(r"\\operatorname{\1}", "".join(out).strip())


def _is_math(char: str) -> bool:
    return char in UNICODE and UNICODE[char][0] != "text"


#: ASCII that only formulas contain: a TeX super- or subscript, a function applied (tr(AX)).
_TEX_SYNTAX = re.compile(r"\^|[A-Za-z)]_(?:\{|[A-Za-z0-9](?![A-Za-z]))|"
                         r"^\(?(?:tr|det|log|exp|diag|vec)\(|^[A-Za-z]\([a-z]\)")


def _mathy(word: str) -> bool:
    """Whether a word of prose is (part of) a formula."""
    return any(_is_math(c) for c in word) or _TEX_SYNTAX.search(word) is not None


_OPERATOR = re.compile(r"^[+=<>*/-]$|^[−·×∘⊗≠≈≤≥→↦⇒∈]$")
#: A lone letter naming an object (not the articles "a", "A" or the pronoun "I").
_LETTER = re.compile(r"^\(?[B-HJ-Zb-z]\)?[,;:]?$")  # not "K." (an initial)
_FACTOR = re.compile(r"^[B-HJ-Zb-z]$|^A$")
_ATOM = re.compile(r"^[A-Za-z0-9()\[\]{},.;:'^*/_]+$")


_PAIRS = {"(": ")", "[": "]", ")": "(", "]": "["}


def _surplus(core: str, bracket: str) -> bool:
    """Whether `core` holds more of `bracket` than of its partner (one is unmatched)."""
    return core.count(bracket) > core.count(_PAIRS[bracket])


def _formula(word: str) -> str:
    """A formula word (or words) as ``$…$``, punctuation and unmatched brackets outside."""
    start, end = 0, len(word)
    while start < end and word[start] in "\"'":
        start += 1
    while end > start and word[end - 1] in ".,;:!?\"'":
        end -= 1
    while start < end:
        core = word[start:end]
        if core.endswith((")", "]")) and _surplus(core, core[-1]):
            end -= 1
        elif core.startswith(("(", "[")) and _surplus(core, core[0]):
            start += 1
        else:
            break
    if start >= end:
        return escape(word)
    return escape(word[:start]) + "$" + _math_word(word[start:end]) + "$" + escape(word[end:])


def _closed(runs: list[list[str]], reach: int = 4) -> list[list[str]]:
    """Runs whose unmatched closing bracket opens up to `reach` words before, merged."""
    out: list[list[str]] = []
    for run in runs:
        if _surplus(" ".join(run), ")"):
            merged, popped = list(run), list[list[str]]()
            while out and len(merged) - len(run) < reach and _surplus(" ".join(merged), ")"):
                popped.insert(0, out.pop())
                merged = popped[0] + merged
            if _surplus(" ".join(merged), ")") or _surplus(" ".join(merged), "("):
                out += popped  # no opening bracket within reach: leave the runs as they were
                merged = list(run)
            run = merged
        out.append(run)
    return out


def prose(text: str) -> str:
    """Catalog prose as LaTeX: formulas (``(A + Aᵀ)x``) in math mode, the rest escaped.

    A word holding a math character is a formula; a short word (``(A``) joins it through an
    operator word between them (``+``).
    """
    words = text.split(" ")
    runs: list[list[str]] = []
    for word in words:
        # f(x, y) and (tr X)²: a bracket opened in the formula continues it up to its closing
        # (a formula's open bracket also takes in the words up to its closing one)
        before = " ".join(runs[-1]) if runs else ""
        open_bracket = _surplus(before, "(") and (
            runs[-1][-1].endswith(",") or ")" in word or _mathy(before))
        # two formulas side by side are one (∂U/∂x U⁻¹)
        # (and a lone letter beside a formula is a factor of it: A e^{xA}, Xⁿ b aᵀ)
        adjacent = bool(runs) and not runs[-1][-1].endswith((",", ";", ":", ".")) and any(
            _mathy(one) and (_mathy(other) or _FACTOR.match(other) is not None)
            for one, other in ((word, runs[-1][-1]), (runs[-1][-1], word)))
        joins = bool(runs) and (
            _OPERATOR.match(word) is not None or _OPERATOR.match(runs[-1][-1]) is not None
            or open_bracket or adjacent or (
                _OPERATOR_NAME.fullmatch(runs[-1][-1]) is not None  # det X, log det X
                and (_mathy(word) or _FACTOR.match(word.rstrip(",;:")) is not None
                     or _OPERATOR_NAME.fullmatch(word) is not None
                     or re.match(r"[A-Za-z]\(", word) is not None)
            )
        ) and all(_ATOM.match(w) or _OPERATOR.match(w) or _mathy(w)
                  for w in (word, runs[-1][-1]))
        if joins:
            runs[-1].append(word)
        else:
            runs.append([word])
    pieces = []
    for run in _closed(runs):
        joined = " ".join(run)
        # a formula: a math character, or short atoms joined by operators (x = a + tb)
        math = _mathy(joined) or _LETTER.match(joined) is not None or (
            len(run) >= 3 and all(len(w.strip(".,;:()")) <= 3 for w in run)) or (
            len(run) >= 2 and _OPERATOR_NAME.fullmatch(run[0]) is not None)
        if math:
            pieces.append(_formula(joined))
        else:
            pieces.append(escape(joined))
    return " ".join(pieces)


_TRANSPOSE = re.compile(r"\^\{(-?)T\}|\^T(?![A-Za-z])|\\intercal\b|\\mathsf\{T\}|\\mathrm\{T\}")


def one_notation(latex: str) -> str:
    """One transpose symbol (``^{\\top}``) and one ℝ (``\\mathbb{R}``) in a formula."""

    def transpose(match: re.Match[str]) -> str:
        if match.group(0).startswith("^{"):
            return "^{" + match.group(1) + r"\top}"
        if match.group(0).startswith("^T"):
            return r"^{\top}"
        return r"\top"

    latex = _TRANSPOSE.sub(transpose, latex)
    return re.sub(r"\\(?:mathbf|Bbb)\{R\}|\\R\b|ℝ", r"\\mathbb{R}", latex)
