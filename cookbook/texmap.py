"""Catalog text (titles, notes, sources, with Unicode math) as LaTeX; one notation.

:data:`UNICODE` is the one table from a non-ASCII character of the catalog's prose to LaTeX.
A word of prose holding a mathematical character (``xᵀAx``, ``X⁻ᵀ``, ``‖x‖²``) is set in math
mode as a whole, runs of superscript and subscript characters become one ``^{…}`` or
``_{…}``.  :func:`one_notation` gives formulas from the printer and from the catalog's
differential strings one transpose symbol (``^{\\top}``) and one ℝ (``\\mathbb{R}``).

Examples
--------
>>> print(prose("Quadratic form xᵀAx"))
Quadratic form $x^{\\top}Ax$
>>> print(one_notation("B^{T} \\otimes A"))
B^{\\top} \\otimes A
"""

from __future__ import annotations

import re

__all__ = ["UNICODE", "escape", "label", "one_notation", "prose", "typed"]

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
    "ᵃ": ("sup", "a"),
    "ᴬ": ("sup", "A"),
    "ⁱ": ("sup", "i"),
    "ʲ": ("sup", "j"),
    "ᵏ": ("sup", "k"),
    "ᵐ": ("sup", "m"),
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
    "ₖ": ("sub", "k"),
    "ₗ": ("sub", "l"),
    "ₘ": ("sub", "m"),
    "ₙ": ("sub", "n"),
    "ᵣ": ("sub", "r"),
    # Greek
    "α": ("math", r"\alpha"),
    "δ": ("math", r"\delta"),
    "λ": ("math", r"\lambda"),
    "σ": ("math", r"\sigma"),
    "Θ": ("math", r"\Theta"),
    "Π": ("math", r"\Pi"),
    "Σ": ("math", r"\Sigma"),
    # operators and relations
    "·": ("math", r"\cdot"),
    "×": ("math", r"\times"),
    "−": ("math", "-"),
    "∘": ("math", r"\circ"),
    "⊗": ("math", r"\otimes"),
    "√": ("math", r"\surd"),
    "∂": ("math", r"\partial"),
    "∇": ("math", r"\nabla"),
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
_MATH_SPECIAL = {
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "$": r"\$",
    "~": r"\sim ",
    "\\": r"\backslash ",
}


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


_TYPED_SPECIAL = {
    **_TEXT_SPECIAL,
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "'": r"\textquotesingle{}",
    "`": r"\textasciigrave{}",
}


def typed(text: str) -> str:
    """ASCII text as typed (a search term such as ``tr(AX^T)``), in typewriter type.

    >>> print(typed("x^T A x"))
    \\texttt{x\\textasciicircum{}T A x}

    Raises
    ------
    ValueError
        If `text` is not ASCII (Unicode math is set by :func:`prose`).
    """
    for char in text:
        if ord(char) > 127:
            raise ValueError(
                f"typed text must be ASCII; {text!r} holds {char!r} (set it with prose())"
            )
    return r"\texttt{" + "".join(_TYPED_SPECIAL.get(c, c) for c in text) + "}"


#: Function names set upright in a formula of prose (``tr(A)``, ``det X``).
_OPERATOR_NAME = re.compile(
    r"(?<![\\A-Za-z])(tr|Tr|det|log|ln|exp|diag|vec|sin|cos|tanh|sigmoid|"
    r"sym|eig|adj)"
    r"(?![A-Za-z])"
)


def _juxtaposed(word: str, i: int) -> bool:
    """Whether the space at `i` separates two factors (``u v``, ``dX Y``, ``Xʳ dX``).

    Not next to a function name (``det X``: the operator spaces itself).
    """
    before, after = word[:i], word[i + 1 :]
    if not before or not after or not (after[0].isalnum() or after[0] == "("):
        return False
    last = before[-1]
    if not (last.isalnum() or last in ")}" or UNICODE.get(last, ("", ""))[0] in ("sup", "sub")):
        return False
    names = (re.search(r"[A-Za-z]+$", before), re.match(r"[A-Za-z]+", after))
    return not any(n is not None and _OPERATOR_NAME.fullmatch(n.group(0)) for n in names)


def _math_word(word: str) -> str:
    """A word with math characters, as the body of a math formula.

    A second superscript (or subscript) on one base, as in ``X^n^-1`` or ``Xᵀ^2``, is set on
    an empty base (``X^n{}^-1``) instead of failing with TeX's "Double superscript".
    """
    out: list[str] = []
    balanced = word.count("{") == word.count("}") and not word.endswith(("^", "_"))
    # per brace group: the scripts on its last base, and the script the group is the argument of
    groups: list[tuple[set[str], str | None]] = [(set(), None)]
    pending: str | None = None  # an ASCII ^ or _ waiting for its argument

    def script(kind: str) -> None:
        scripts = groups[-1][0]
        if kind in scripts:
            out.append("{}")
            scripts.clear()
        scripts.add(kind)

    def token() -> None:
        nonlocal pending
        if pending is None:
            groups[-1][0].clear()
        else:
            groups[-1][0].add(pending)
            pending = None

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
            script(kind)
            out.append(("^{" if kind == "sup" else "_{") + body + "}")
            i = j
            continue
        if kind == "math":
            token()
            latex = UNICODE[char][1]
            out.append(latex + (" " if latex[-1].isalpha() else ""))
        elif kind == "text":
            token()
            out.append(r"\text{" + UNICODE[char][1] + "}")
        elif char in "^_" and balanced:  # the catalog's prose writes e^{xA}, Σ_r, ‖X‖_F
            script("sup" if char == "^" else "sub")
            pending = "sup" if char == "^" else "sub"
            out.append(char)
        elif char == "{" and balanced:
            if pending is None:
                groups[-1][0].clear()
            groups.append((set(), pending))
            pending = None
            out.append(char)
        elif char == "}" and balanced:
            _, argument_of = groups.pop() if len(groups) > 1 else (set(), None)
            if argument_of is not None:
                groups[-1][0].add(argument_of)
            out.append(char)
        elif char == " " and _juxtaposed(word, i):
            out.append(r"\,")  # u v, dX Y: a product, not one name
        elif ord(char) < 128:
            if char != " ":
                token()
            out.append(_MATH_SPECIAL.get(char, char))
        else:
            raise _unknown(char)
        i += 1
    return _OPERATOR_NAME.sub(r"\\operatorname{\1}", "".join(out).strip())


def _is_math(char: str) -> bool:
    return char in UNICODE and UNICODE[char][0] != "text"


#: ASCII that only formulas contain: a TeX super- or subscript, a function applied (tr(AX)).
_TEX_SYNTAX = re.compile(
    r"\^|[A-Za-z)]_(?:\{|[A-Za-z0-9](?![A-Za-z]))|"
    r"^\(?(?:tr|Tr|det|log|exp|diag|vec|eig|adj)\(|^[A-Za-z]\([a-z]\)"
)


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


#: A range of numbers in prose ("eqs. 65-68", "sections 2.2-2.3"), set with an en dash.
_RANGE = re.compile(r"(?<![\w.-])(\d+(?:\.\d+)*)-(\d+(?:\.\d+)*)(?![\w-])")


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
            runs[-1][-1].endswith(",") or ")" in word or _mathy(before)
        )
        # two formulas side by side are one (∂U/∂x U⁻¹)
        # (and a lone letter beside a formula is a factor of it: A e^{xA}, Xⁿ b aᵀ)
        adjacent = (
            bool(runs)
            and not runs[-1][-1].endswith((",", ";", ":", "."))
            and any(
                _mathy(one) and (_mathy(other) or _FACTOR.match(other) is not None)
                for one, other in ((word, runs[-1][-1]), (runs[-1][-1], word))
            )
        )
        joins = (
            bool(runs)
            and (
                _OPERATOR.match(word) is not None
                or _OPERATOR.match(runs[-1][-1]) is not None
                or open_bracket
                or adjacent
                or (
                    _OPERATOR_NAME.fullmatch(runs[-1][-1]) is not None  # det X, log det X
                    and (
                        _mathy(word)
                        or _FACTOR.match(word.rstrip(",;:")) is not None
                        or _OPERATOR_NAME.fullmatch(word) is not None
                        or re.match(r"[A-Za-z]\(", word) is not None
                    )
                )
            )
            and all(_ATOM.match(w) or _OPERATOR.match(w) or _mathy(w) for w in (word, runs[-1][-1]))
        )
        if joins:
            runs[-1].append(word)
        else:
            runs.append([word])
    pieces = []
    for run in _closed(runs):
        joined = " ".join(run)
        # a formula: a math character, or short atoms joined by operators (x = a + tb)
        math = (
            _mathy(joined)
            or _LETTER.match(joined) is not None
            or (len(run) >= 3 and all(len(w.strip(".,;:()")) <= 3 for w in run))
            or (len(run) >= 2 and _OPERATOR_NAME.fullmatch(run[0]) is not None)
        )
        if math:
            pieces.append(_formula(joined))
        else:
            pieces.append(_RANGE.sub(r"\1--\2", escape(joined)))
    return " ".join(pieces)


#: A word of prose: four letters or more that are not the name of a function (``det``).
_WORD = re.compile(r"[A-Za-z]{4,}")


def label(text: str) -> str:
    """A table row's label: a formula (``f(g(u))``, ``u v``, ``|U|``) in math as a whole,
    else :func:`prose`.

    A label is a formula when it has no word of prose, four letters or more that are not a
    function name (``Quotient rule u(x)/v(x)`` is prose, ``tr(AXB)`` a formula).

    >>> print(label("f(g(u))"), label("a is not a function of x"))
    $f(g(u))$ a is not a function of $x$
    """
    words = [w for w in _WORD.findall(text) if _OPERATOR_NAME.fullmatch(w) is None]
    if words:
        return prose(text)
    # formulas side by side ("a = b; c = d", "a = b,  c = d"): one formula each
    parts = re.split(r"(;\s+|,\s{2,})", text.strip())
    return "".join(
        escape(p.strip()) + r"\quad " if k % 2 else "$" + _math_word(p) + "$"
        for k, p in enumerate(parts)
        if p
    )


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
