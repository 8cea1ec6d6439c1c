"""The Cookbook's LaTeX source, generated from the catalog.

:func:`document` returns the whole ``.tex`` file: the preamble and conventions of
``template.tex``, then every identity (numbered, grouped by family), the concordance, the
errata and the index.  Formulas are matderiv's LaTeX printer output and the catalog's
differential strings, with one transpose symbol (:func:`cookbook.texmap.one_notation`);
displayed formulas are breqn ``dmath*`` environments, so long ones break across lines.
All catalog access goes through :mod:`cookbook.catalog`.
"""

from __future__ import annotations

import datetime as _dt
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matderiv
from cookbook import catalog as cat
from cookbook.texmap import escape, label, one_notation, prose, typed

__all__ = [
    "BOOK_URL",
    "Build",
    "alias_latex",
    "build_info",
    "document",
    "entry",
    "index_entries",
    "index_term",
    "rule_url",
]

#: Where the online book lives; each identity links to ``{BOOK_URL}/rules/<family>.html#rule-<id>``.
BOOK_URL = "https://matderiv.readthedocs.io/en/latest"
TEMPLATE = Path(__file__).with_name("template.tex")
ROOT = Path(__file__).resolve().parent.parent

_LAYOUT_NAMES = {"mixed": "mixed", "numerator": "numerator", "denominator": "denominator"}
#: Words a reader looks an identity up by, for the functions of the expression language.
_KEYWORDS = {
    "det": "determinant",
    "logdet": "log-determinant",
    "log": "logarithm",
    "exp": "exponential",
    "inv": "inverse",
    "trace": "trace",
    "kron": "Kronecker product",
    "vec": "vec",
    "norm": "norm",
    "diag": "diagonal",
    "sin": "sine",
    "cos": "cosine",
    "tanh": "hyperbolic tangent",
    "sigmoid": "sigmoid",
    "sqrt": "square root",
    "outer": "outer product",
    "hadamard": "Hadamard product",
    "commutation": "commutation matrix",
}


@dataclass(frozen=True)
class Build:
    """What the title page prints: version, commit and date of this build."""

    version: str
    commit: str
    date: str


def build_info() -> Build:
    """matderiv's version, the git commit of the checkout (``+dirty`` if modified), today."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip()

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += "+dirty"
    return Build(matderiv.__version__, commit, _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d"))


def rule_url(rule: cat.Rule) -> str:
    """The identity's page and anchor in the online book."""
    return f"{BOOK_URL}/rules/{rule.family}.html#rule-{rule.id.lower()}"


def _index_key(text: str) -> str:
    """makeindex-quoted text (``!``, ``@``, ``|`` and ``"`` are its syntax).

    A bar is written ``\\vert`` (makeindex takes ``\\"`` for a literal quote, so ``"|``
    after a backslash would not quote the bar).
    """
    text = text.replace("\\|", r"\Vert ").replace("|", r"\vert ")
    return re.sub(r'([!@"])', r'"\1', text)


def _sort_key(text: str) -> str:
    """Letters, digits and spaces of `text`, lower case, numbers padded (eq. 9 before 10)."""
    plain = re.sub(r"[^A-Za-z0-9 ]+", "", text.encode("ascii", "ignore").decode()).strip()
    plain = re.sub(r"\d+", lambda m: m.group(0).zfill(4), plain.lower())
    return _index_key(plain or "zz")


#: ASCII formula syntax: an alias holding it is a search term shown as typed (``tr(AX^T)``);
#: a prime is, an apostrophe before an s (Jacobi's formula) is not.
_TYPED = re.compile(r"[\^*/_|<>=]|'(?!s\b)|\w\(")


def alias_latex(alias: str) -> str:
    """An alias as the index shows it: as typed if it is an ASCII formula, else as prose."""
    if alias.isascii() and _TYPED.search(alias):
        return typed(alias)
    return one_notation(prose(alias))


def index_term(text: str, display: str | None = None) -> str:
    """A makeindex ``sort@display`` term (`display` defaults to the prose of `text`)."""
    shown = display if display is not None else one_notation(prose(text))
    return f"{_sort_key(text)}@{_index_key(shown)}"


def index_entries(rule: cat.Rule) -> list[str]:
    """The title, every alias, the functions it uses and its family, each pointing here."""
    entry = index_term(rule.title)
    out = [entry]
    out += [f"{index_term(alias, alias_latex(alias))}!{entry}" for alias in cat.aliases(rule)]
    words: list[str] = []
    for text in (rule.expr, rule.derivative or "", rule.linear_map or ""):
        for name in re.findall(r"([A-Za-z_]\w*)\(", text):
            word = _KEYWORDS.get(name)
            if word is not None and word not in words:
                words.append(word)
    out += [f"{index_term(w)}!{entry}" for w in words]
    out.append(f"{index_term(rule.family)}!{entry}")
    return [r"\index{" + e + "}" for e in out]


def _var(name: str, shape: Sequence[str | int]) -> str:
    if not shape:
        return rf"{name} \in \mathbb{{R}}"
    dims = r" \times ".join(str(d).replace("*", "") for d in shape)
    return rf"{name} \in \mathbb{{R}}^{{{dims}}}"


def _symbol(rule: cat.Rule) -> str:
    if rule.family == "second-order" and not rule.shapes[rule.wrt]:
        return rf"\frac{{\partial^2 f}}{{\partial {rule.wrt}^2}}"
    if rule.family == "second-order":
        return rf"\frac{{\partial^2 f}}{{\partial {rule.wrt}\,\partial {rule.wrt}^{{\top}}}}"
    return rf"\frac{{\partial f}}{{\partial {rule.wrt}}}"


def _display(lhs: str, rhs: str) -> str:
    return "\\begin{dmath*}\n" + one_notation(f"{lhs} = {rhs}") + "\n\\end{dmath*}"


def _derivatives(rule: cat.Rule) -> list[str]:
    """The derivative in mixed layout, and in each other layout where it differs."""
    layouts = cat.layouts(rule)
    out: list[str] = []
    if rule.derivative is not None:
        mixed = cat.derivative_latex(rule, "mixed")
        same = [
            name
            for name in ("numerator", "denominator")
            if name in layouts and cat.derivative_latex(rule, name) == mixed
        ]
        label = "Mixed layout" + (f" (= {' = '.join(same)})" if same else "")
        out += [rf"\layout{{{label}}}", _display(_symbol(rule), mixed)]
        for name in ("numerator", "denominator"):
            if name in layouts and name not in same:
                out += [
                    rf"\layout{{{name.capitalize()} layout}}",
                    _display(_symbol(rule), cat.derivative_latex(rule, name)),
                ]
        if "vec" in layouts and rule.derivative_vec is not None:
            out += [
                r"\layout{vec (Kronecker) form}",
                _display(
                    r"\frac{\partial \operatorname{vec} f}{\partial \operatorname{vec}"
                    f" {rule.wrt}}}",
                    cat.derivative_latex(rule, "vec"),
                ),
            ]
        return out
    if rule.family == "second-order":
        out += [
            r"\layout{Hessian of $f(\operatorname{vec} " + rule.wrt + r")$ (mixed layout"
            " would have four axes)}",
            _display(
                rf"\nabla^2_{{\operatorname{{vec}} {rule.wrt}}} f",
                cat.derivative_latex(rule, "vec"),
            ),
        ]
        return out
    linear = cat.linear_map_latex(rule)
    if linear is not None:
        out += [
            r"\layout{As a linear map (the mixed array has more than two axes;"
            " numerator and denominator layouts are undefined)}",
            _display(r"\mathrm{d}f", linear),
        ]
    if "vec" in layouts and rule.derivative_vec is not None:
        out += [
            r"\layout{vec (Kronecker) form}",
            _display(
                rf"\frac{{\partial \operatorname{{vec}} f}}{{\partial \operatorname{{vec}}"
                f" {rule.wrt}}}",
                cat.derivative_latex(rule, "vec"),
            ),
        ]
    return out


def _verification(v: cat.Verification) -> str:
    sizes = "; ".join(", ".join(f"${k}={s}$" for k, s in d.items()) or "scalars" for d in v.sizes)
    forms = sorted({c.form.replace("_", " ") for c in v.checks})
    engine = {
        "agrees": "\\texttt{derive()} agrees",
        "unsupported": "\\texttt{derive()} does not support it yet",
        "unavailable": "no \\texttt{derive()}",
        "error": "\\texttt{derive()} failed",
        "disagrees": "\\texttt{derive()} disagrees",
    }.get(v.engine, escape(v.engine))
    return (
        f"finite differences ({escape(v.numeric.method)}; {len(v.checks)} checks of "
        f"{escape(', '.join(forms))} at sizes {sizes}), max.\\ relative error "
        f"{_sci(v.numeric.max_rel_err)}; {engine}; layouts round-trip "
        f"({escape(', '.join(v.layouts))})."
    )


def _sci(x: float) -> str:
    if x == 0:
        return "$0$"
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"${mantissa}\\times 10^{{{int(exponent)}}}$"


def _link_ids(latex: str, ids: Sequence[str]) -> str:
    """Catalog ids in already-escaped prose -> a link to the identity's number."""
    escaped = sorted(((escape(i), i) for i in ids), key=lambda p: -len(p[0]))
    pattern = re.compile(
        r"(?<![\w\\-])(" + "|".join(re.escape(e) for e, _ in escaped) + r")(?![\w-]|\\_)"
    )
    lookup = dict(escaped)
    return pattern.sub(lambda m: rf"\idref{{{lookup[m.group(1)]}}}", latex)


def entry(rule: cat.Rule, verification: cat.Verification, ids: Sequence[str]) -> str:
    """One identity: heading, f and shapes, derivatives, differential, assumptions, note,
    sources, verification."""
    url = rule_url(rule).replace("#", r"\#")  # a # in a macro argument must be escaped
    lines = [rf"\identity{{{rule.id}}}{{{prose(rule.title)}}}{{{url}}}", *index_entries(rule)]
    shapes = ", ".join("$" + _var(n, s) + "$" for n, s in rule.shapes.items())
    function = one_notation("f = " + cat.expr_latex(rule))
    lines += [
        rf"\field{{Function}} ${function}$, ${_var('f', cat.out_shape(rule))}$, "
        f"by ${rule.wrt}$; {shapes}."
    ]
    lines += _derivatives(rule)
    lines += [r"\field{Differential}", _display_differential(rule.differential)]
    if rule.assume:
        items = "; ".join(f"${n}$ {escape(', '.join(kinds))}" for n, kinds in rule.assume.items())
        lines += [r"\field{Assumptions} " + items + "."]
    if rule.note:
        lines += [r"\field{Note} " + _link_ids(prose(rule.note), ids)]
    lines += [r"\field{Sources} " + _sources(rule) + "."]
    lines += [r"\field{Verified in this build} " + _verification(verification)]
    return "\n".join(lines) + "\n\\identityend\n"


def _sources(rule: cat.Rule) -> str:
    """The references, one per cited document (``The Matrix Cookbook …, eqs. 63, 124``)."""
    places: dict[str, list[str]] = {}
    for document, where in cat.citations(rule):
        places.setdefault(document, [])
        if where and where not in places[document]:
            places[document].append(where)
    parts = []
    for document, wheres in places.items():
        if len(wheres) > 1 and all(re.fullmatch(r"eq\. \S+", w) for w in wheres):
            wheres = ["eqs. " + ", ".join(w[4:] for w in wheres)]
        parts.append(", ".join([prose(document), *(prose(w) for w in wheres)]))
    return "; ".join(parts)


def _display_differential(differential: str) -> str:
    """The catalog's differential, one displayed formula per ``,\\quad``-separated part."""
    parts = [p.strip() for p in re.split(r",\s*\\quad", differential) if p.strip()]
    return "\n".join("\\begin{dmath*}\n" + one_notation(p) + "\n\\end{dmath*}" for p in parts)


def _idrefs(ids: Sequence[str], order: Sequence[str]) -> str:
    """Links to the identities `ids`, by their number (their place in `order`)."""
    return ", ".join(rf"\idref{{{i}}}" for i in sorted(ids, key=order.index))


def _cookbook_rows(rules: Sequence[cat.Rule]) -> list[str]:
    """One row per Cookbook equation: the statement, then our identities or why none."""
    ids = [r.id for r in rules]
    disputed = {r.id for r in rules if r.source_form is not None or cat.misprinted(r)}
    first_with_reason: dict[str, int] = {}
    rows = []
    for number, item in sorted(cat.cookbook().items()):
        statement = _link_ids(prose(item.statement), ids) if item.statement else ""
        if item.status == "omitted":
            here = r"\emph{omitted:} " + _link_ids(prose(item.reason), ids)
        else:
            here = _idrefs(item.rules, ids)
            if disputed.intersection(item.rules):
                here += r" \emph{(printed differently: see \hyperref[errata]{Errata})}"
        if item.status == "unconfirmed":
            first = first_with_reason.setdefault(item.reason, number)
            why = (
                _link_ids(prose(item.reason.rstrip(".")), ids)
                if first == number
                else rf"as for \hyperlink{{cookbook.{first}}}{{eq.~{first}}}"
            )
            here = r"\emph{unconfirmed:} " + why + r"; \emph{candidates:} " + here
        rows.append(rf"\cookrow{{{number}}}{{{statement}}}{{{here}}}")
    return rows


def _wikipedia_rows(rules: Sequence[cat.Rule]) -> list[str]:
    """The rows of Wikipedia's tables, grouped by table (in the families' order)."""
    ids = [r.id for r in rules]
    tables: dict[str, list[cat.WikipediaRow]] = {}
    for row in cat.wikipedia_rows():
        tables.setdefault(row.table, []).append(row)
    families = cat.families()

    def order(table: str) -> int:
        return next((k for k, f in enumerate(families) if table.startswith(f + " ")), len(families))

    out = []
    for table in sorted(tables, key=order):  # stable: tables of no family keep their order
        out.append(rf"\wikitable{{{prose(table)}}}")
        for row in tables[table]:
            here = (
                _idrefs(row.rules, ids)
                if row.rules
                else r"\emph{omitted:} " + _link_ids(prose(row.reason), ids)
            )
            out.append(rf"\wikirow{{{_link_ids(label(row.row), ids)}}}{{{here}}}")
    return out


def _concordance(rules: Sequence[cat.Rule]) -> str:
    """The chapter mapping the Cookbook's equations and Wikipedia's rows to the identities."""
    first, last = cat.COOKBOOK_EQUATIONS[0], cat.COOKBOOK_EQUATIONS[-1]
    lines = [
        r"\chapter{Concordance}",
        r"\markboth{Concordance}{Concordance}",
        rf"\section*{{The Matrix Cookbook, equations {first}--{last}}}",
        "Each equation of chapter 2 (Derivatives) of K. B. Petersen and M. S. Pedersen, "
        r"\emph{The Matrix Cookbook} (version of November 15, 2012), in short, and the "
        "numbers of the identities of this book that state it or an instance of it; or why "
        "the catalog leaves it out. Where the numbering of a passage of the Cookbook is not "
        "confirmed, the row says so and lists the candidate identities.",
        "",
        r"\begin{concordance}{Eq.}{The Cookbook states}{Here}",
        *_cookbook_rows(rules),
        r"\end{concordance}",
        r"\section*{Wikipedia, ``Matrix calculus'', identity tables}",
        "Each row of the article's tables of identities, by table, and the identities stating "
        "it; or why the catalog leaves it out.",
        "",
        r"\begin{concordance}{}{Row}{Here}",
        *_wikipedia_rows(rules),
        r"\end{concordance}",
    ]
    return "\n".join(lines) + "\n"


def _errata(rules: Sequence[cat.Rule], instances: int) -> str:
    ids = [r.id for r in rules]
    lines = [
        r"\chapter{Errata}\label{errata}",
        r"\markboth{Errata}{Errata}",
        "Where a source prints a formula that differs from the verified form. The printed "
        "formula was checked against finite differences in this build, at the inputs of "
        "the verified identity.",
        "",
        r"\section*{Formulas printed wrong}",
    ]
    for rule in rules:
        check = cat.source_check(rule, instances)
        if check is None:
            continue
        verdict = "\\textbf{fails}" if not check.passed else "passes"
        lines += [
            rf"\erratum{{{rule.id}}}{{{prose(rule.title)}}}",
            r"\field{As printed} "
            + verdict
            + ", max.\\ relative error "
            + _sci(check.max_rel_err)
            + ":",
            _display(_symbol(rule), cat.derivative_latex_of(rule, check.formula)),
            r"\field{Why} " + _link_ids(prose(rule.note or ""), ids),
        ]
    lines += [
        r"\section*{Misprints}",
        "Typos inside a printed formula, recorded in the "
        "identity's note; the identity states the corrected formula.",
        "",
        r"\begin{itemize}",
    ]
    lines += [
        rf"\item \idref{{{r.id}}} {prose(r.title)}: " + _link_ids(prose(r.note or ""), ids)
        for r in rules
        if cat.misprinted(r)
    ]
    lines += [r"\end{itemize}"]
    lines += [
        r"\section*{Identities that hold only under a condition}",
        "The sources print these next to the general identities without repeating the condition.",
        "",
        r"\begin{itemize}",
    ]
    for rule in rules:
        if cat.conditional(rule) and rule.source_form is None:
            lines.append(
                rf"\item \idref{{{rule.id}}} {prose(rule.title)}: "
                + _link_ids(prose(rule.note or ""), ids)
            )
    lines += [r"\end{itemize}", r"\section*{Rows of the sources left out}", r"\begin{itemize}"]
    for row in cat.omitted():
        lines.append(
            rf"\item {prose(row.source)}: {prose(row.row)} --- " + _link_ids(prose(row.reason), ids)
        )
    lines.append(r"\end{itemize}")
    return "\n".join(lines) + "\n"


def _assumptions() -> str:
    rows = [rf"\texttt{{{escape(k)}}} & {prose(v)} \\" for k, v in cat.assumption_kinds().items()]
    return "\n".join(rows)


def document(
    build: Build | None = None,
    verifications: Mapping[str, cat.Verification] | None = None,
    instances: int = 3,
) -> str:
    """The whole ``.tex`` source of the Cookbook.

    Parameters
    ----------
    build
        Version, commit and date for the title page (default: :func:`build_info`).
    verifications
        Rule id -> its verification; rules missing here are verified now (a failure raises
        ``CatalogError`` naming the rule: the Cookbook never prints an unverified identity).
    instances
        Random instances per check.
    """
    build = build or build_info()
    rules = cat.rules()
    ids = [r.id for r in rules]
    done = dict(verifications or {})
    body: list[str] = []
    for family in cat.families():
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        body += [rf"\family{{{escape(family)}}}"]
        for rule in members:
            v = done.get(rule.id) or cat.verify(rule, instances)
            body.append(entry(rule, v, ids))
    template = TEMPLATE.read_text(encoding="utf-8")
    fields = {
        "VERSION": escape(build.version),
        "COMMIT": escape(build.commit),
        "DATE": escape(build.date),
        "COUNT": str(len(rules)),
        "BOOKURL": BOOK_URL,
        "ASSUMPTIONS": _assumptions(),
        "BODY": "\n".join(body),
        "CONCORDANCE": _concordance(rules),
        "ERRATA": _errata(rules, instances),
    }
    return re.sub(r"<<(\w+)>>", lambda m: fields[m.group(1)], template)
