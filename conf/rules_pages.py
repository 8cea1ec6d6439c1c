"""The Rules part of the book, written from the catalog while the book is built.

A Sphinx extension (listed in ``conf/conf.py``) with three directives, each replaced by the MyST
text of one generator, parsed in place:

- ``{rules-family} <family>`` (:func:`family_markdown`): the family as a table, one row per
  identity (``conf/rules_tables.py``), each verified in that very build and linking to the
  identity's own page (``conf/rules_identity.py``, loaded from here, as is the concordance
  page's ``conf/rules_concordance.py``);
- ``{rules-index}`` (:func:`index_markdown`): counts per family and source, the whole-catalog
  verification, the omitted rows and the assumptions;
- ``{rules-disputed}`` (:func:`disputed_markdown`): each disputed or conditional rule with the
  check of the formula its source prints.

A rule that fails verification raises :class:`~matderiv.errors.CatalogError`; the directive
reports it as an error of the page, which fails the build (``-W``).  Pages using a directive
depend on the catalog's data files, so editing one rebuilds them.

Examples
--------
>>> text = family_markdown("scalar-by-scalar", instances=1)
>>> 'href="id/ss-power.html"' in text and ":sync: numerator" in text
True
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from matderiv.assumptions import TABLE as ASSUMPTIONS
from matderiv.assumptions import AssumptionName
from matderiv.errors import CatalogError
from matderiv.layout import derivative_shape
from matderiv.rules import DATA_DIR, FAMILIES, Rule, catalog, family, is_family, omitted
from matderiv.rules.sources import sources, split_ref
from matderiv.rules.verify import Verification, check_catalog, numeric_checks, rule_out_shape

__all__ = [
    "disputed_markdown",
    "family_markdown",
    "index_markdown",
    "setup",
    "source_of",
    "verified",
]

_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19)


def source_of(ref: str) -> str:
    """The title of the source a reference cites (for the counts per source).

    >>> source_of("cookbook: eq. 57")
    'The Matrix Cookbook'
    """
    return sources()[split_ref(ref)[0]].title


def _dims(rule: Rule) -> list[str]:
    names: list[str] = []
    for shape in rule.shapes.values():
        names += [d for d in shape if isinstance(d, str) and d not in names]
    return names


def _shape_text(shape: Sequence[int], primes: Mapping[int, str]) -> str:
    """Map a shape computed with prime sizes back to dimension names (products as mn)."""
    parts = []
    for size in shape:
        if size == 1:
            parts.append("1")
            continue
        names = []
        for prime, name in primes.items():
            while size % prime == 0 and size > 1:
                names.append(name)
                size //= prime
        parts.append("".join(names) if size == 1 else str(size))
    return r"\times ".join(parts) if parts else r"\text{scalar}"


def _layout_shape(rule: Rule, layout: str) -> str:
    names = _dims(rule)
    primes = dict(zip(_PRIMES, names, strict=False))
    value = {name: p for p, name in primes.items()}

    def concrete(shape: Iterable[object]) -> tuple[int, ...]:
        def size(factor: str, power: str) -> int:
            base = value[factor] if factor in value else int(factor)
            return int(base ** int(power or 1))

        # a dimension is a product of names and numbers, with powers (n*m, n**2)
        return tuple(
            math.prod(size(f, p) for f, p in re.findall(r"(\w+)(?:\*\*(\d+))?", str(d)))
            for d in shape
        )

    out = concrete(rule_out_shape(rule))
    inn = concrete(rule.shapes[rule.wrt])
    if rule.family == "second-order":
        out = out + inn
    if layout == "vec":
        shape: tuple[int, ...] = (math.prod(out), math.prod(inn))
    else:
        shape = derivative_shape(out, inn, layout)
    return _shape_text(shape, primes)


def _verification_text(v: Verification) -> str:
    sizes = "; ".join(", ".join(f"{k}={s}" for k, s in d.items()) or "scalars" for d in v.sizes)
    forms = sorted({c.form.replace("_", " ") for c in v.checks})
    parts = [
        f"finite differences ({v.numeric.method}, {len(v.checks)} checks of "
        f"{', '.join(forms)} at sizes {sizes}): max relative error "
        f"{v.numeric.max_rel_err:.1e}"
    ]
    engine = {
        "agrees": f"`derive()` agrees ({v.engine_message})",
        "unsupported": f"`derive()` unsupported: {v.engine_message}",
        "error": f"`derive()` failed: {v.engine_message}",
        "disagrees": f"`derive()` DISAGREES: {v.engine_message}",
    }[v.engine]
    parts.append(engine)
    parts.append("layouts round-trip exactly (" + ", ".join(v.layouts) + ")")
    return "**Verified in this build**: " + "; ".join(parts) + f" ({v.seconds * 1000:.0f} ms)."


def derive_link(rule: Rule) -> str:
    """The Derive page's address, relative to a Rules page, pre-filled with this identity.

    The page reads ``expr``, ``wrt``, ``shapes`` (``x: n; A: n, n; c:``), ``assume``
    (``A: spd, positive``) and ``hessian=1`` from its query string and derives on open.

    >>> from matderiv import rules
    >>> derive_link(rules.get("sm-logdet"))
    '../derive.html?expr=logdet%28X%29&wrt=X&shapes=X%3A+n%2C+n&assume=X%3A+invertible'
    """
    query = {
        "expr": rule.expr,
        "wrt": rule.wrt,
        "shapes": "; ".join(
            f"{name}: {', '.join(str(d) for d in dims)}".rstrip()
            for name, dims in rule.shapes.items()
        ),
    }
    if rule.assume:
        query["assume"] = "; ".join(f"{n}: {', '.join(k)}" for n, k in rule.assume.items())
    if rule.family == "second-order":
        query["hessian"] = "1"
    return "../derive.html?" + urlencode(query)


#: Verifications measured in this process, by (rule id, instances): the index, the family
#: tables and the identity pages show the same run, and each rule is checked once per build.
_VERIFIED: dict[tuple[str, int], Verification] = {}


def verified(rules: Sequence[Rule], instances: int = 3) -> tuple[Verification, ...]:
    """The verification of each rule in this build (checked on first use; raises CatalogError).

    >>> from matderiv import rules
    >>> [v.passed for v in verified([rules.get("sm-logdet")], instances=1)]
    [True]
    """
    todo = [r for r in rules if (r.id, instances) not in _VERIFIED]
    for rule, v in zip(todo, check_catalog(todo, instances=instances, strict=True), strict=True):
        _VERIFIED[rule.id, instances] = v
    return tuple(_VERIFIED[r.id, instances] for r in rules)


def family_markdown(name: str, instances: int = 3) -> str:
    """One family as a table, one row per identity, verified now (raises CatalogError)."""
    from rules_tables import family_table_html, switch_markdown

    rules = family(name)
    verifications = verified(rules, instances)
    intro = [
        f"{len(rules)} identities, each verified while this page was built "
        f"({sum(v.seconds for v in verifications):.2f} s for the family). Each row links to "
        "the identity's own page: all its layouts, assumptions, differential, sources, a numpy "
        "snippet and the verification.",
        "",
        switch_markdown(),
        "```{raw} html",
        ":class: no-search",
        family_table_html(rules),
        "```",
        "",
    ]
    return "\n".join(intro)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return [*lines, ""]


def index_markdown(instances: int = 3) -> str:
    """Counts per family and per source, the whole-catalog verification, omitted rows."""
    rules = catalog()
    verifications = verified(rules, instances)
    passed = sum(v.passed for v in verifications)
    engine = Counter(v.engine for v in verifications)
    seconds = sum(v.seconds for v in verifications)
    per_family = Counter(r.family for r in rules)
    per_source: Counter[str] = Counter()
    for rule in rules:
        for source in {source_of(ref) for ref in rule.refs}:
            per_source[source] += 1
    lines = [
        f"The catalog holds **{len(rules)} identities**. In this build all three checks "
        f"ran on every one of them in {seconds:.1f} s: {passed} passed, "
        f"{len(rules) - passed} failed "
        f"(a failure stops the build). `derive()` agrees on {engine['agrees']} of them.",
        "",
    ]
    lines += ["### Identities per family", ""]
    lines += _table(
        ["family", "identities"], [(f"{{doc}}`{f} <{f}>`", per_family[f]) for f in FAMILIES]
    )
    lines += ["### Identities per source", "", "A rule citing two sources counts for both.", ""]
    lines += _table(["source", "identities"], per_source.most_common())
    gaps = [
        (f"{{ref}}`{v.rule_id} <rule-{v.rule_id}>`", v.engine, v.engine_message)
        for v in verifications
        if v.engine not in ("agrees",)
    ]
    lines += ["### Where `derive()` does not agree yet", ""]
    lines += (
        _table(["rule", "status", "message"], gaps)
        if gaps
        else ["None: the engine derives every identity.", ""]
    )
    lines += ["### Rows of the sources left out", ""]
    lines += _table(["source", "row", "why"], [(o.source, o.row, o.reason) for o in omitted()])
    lines += ["### Assumptions", ""]
    lines += _table(
        ["assumption", "meaning and sampling"],
        [(name, _assumption_text(name)) for name in ASSUMPTIONS],
    )
    return "\n".join(lines)


def _assumption_text(name: str) -> str:
    stanza = ASSUMPTIONS[name]
    engine = "" if stanza.symbolic else "; steers the random inputs only (derive() ignores it)"
    return f"{stanza.meaning}; sampled as {stanza.sampling}{engine}"


#: What a structural assumption becomes when a conditional rule is checked without it.
_RELAX: dict[str, tuple[AssumptionName, ...]] = {
    "spd": ("invertible",),
    "symmetric": (),
    "diagonal": (),
}


def _without_condition(rule: Rule, instances: int) -> str:
    """Check a conditional rule at inputs that drop its structural assumptions."""
    relaxed_assume: dict[str, tuple[AssumptionName, ...]] = {}
    dropped = []
    for name, kinds in rule.assume.items():
        kept: list[AssumptionName] = []
        for kind in kinds:
            if kind in _RELAX:
                kept += list(_RELAX[kind])
                dropped.append(f"{name} {kind}")
            else:
                kept.append(kind)
        if kept:
            relaxed_assume[name] = tuple(kept)
    relaxed = replace(rule, assume=relaxed_assume)
    checks = numeric_checks(relaxed, instances)
    worst = max(c.result.max_rel_err for c in checks)
    if all(c.result.passed for c in checks):
        return (
            f"- without the condition ({', '.join(dropped)}): the stated formula still "
            f"passes (max relative error {worst:.1e}); the condition is needed elsewhere"
        )
    return (
        f"- without the condition ({', '.join(dropped)}): the stated formula **fails**, "
        f"max relative error {worst:.2g}"
    )


def disputed_markdown(instances: int = 3) -> str:
    """Each disputed or conditional rule with the numeric check of the source's formula."""
    lines: list[str] = []
    for rule in catalog():
        if rule.note is None or not (rule.disputed or rule.conditional):
            continue
        lines += [f"### {{ref}}`{rule.title} <rule-{rule.id}>`", "", rule.note, ""]
        stated = numeric_checks(rule, instances)
        worst_stated = max(c.result.max_rel_err for c in stated)
        if not all(c.result.passed for c in stated):
            raise CatalogError(f"{rule.file}: entry {rule.id!r}: the stated form fails")
        lines += [
            f"- stated `{rule.derivative or rule.linear_map}`: passes, max relative "
            f"error {worst_stated:.1e}"
        ]
        if rule.source_form is not None:
            printed = numeric_checks(rule, instances, field_name="source_form")
            if all(c.result.passed for c in printed):
                raise CatalogError(
                    f"{rule.file}: entry {rule.id!r}: the source form passes; it is not disputed"
                )
            worst = max(c.result.max_rel_err for c in printed)
            lines += [
                f"- as printed in the source, `{rule.source_form}`: **fails**, max "
                f"relative error {worst:.2g}"
            ]
        if rule.conditional:
            lines += [_without_condition(rule, instances)]
        lines += [""]
    return "\n".join(lines)


# ---- the Sphinx extension -----------------------------------------------------------------


class _RulesDirective(SphinxDirective):
    """Replace the directive by the MyST text of :meth:`markdown`, parsed in place."""

    has_content = False

    def markdown(self) -> str:
        """The MyST text the directive stands for."""
        raise NotImplementedError(f"{type(self).__name__} does not define markdown()")

    def run(self) -> list[nodes.Node]:
        for path in sorted(DATA_DIR.glob("*.toml")):  # an edited data file rebuilds the page
            self.env.note_dependency(str(path))
        try:
            text = self.markdown()
        except CatalogError as exc:
            raise self.error(f"{self.name}: {exc}") from None
        holder = nodes.container()
        self.state.nested_parse(
            StringList(text.splitlines(), source=self.get_source_info()[0]),
            self.content_offset,
            holder,
        )
        return list(holder.children)


class RulesFamilyDirective(_RulesDirective):
    """``{rules-family} <family>``: the identities of one family (:func:`family_markdown`)."""

    required_arguments = 1

    def markdown(self) -> str:
        name = self.arguments[0]
        if not is_family(name):
            raise CatalogError(f"unknown family {name!r}; use one of {', '.join(FAMILIES)}")
        return family_markdown(name)


class RulesIndexDirective(_RulesDirective):
    """``{rules-index}``: the whole catalog in this build (:func:`index_markdown`)."""

    def markdown(self) -> str:
        return index_markdown()


class RulesDisputedDirective(_RulesDirective):
    """``{rules-disputed}``: disputed and conditional rules checked (:func:`disputed_markdown`)."""

    def markdown(self) -> str:
        return disputed_markdown()


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the three directives and the identity pages' and concordance's extensions."""
    app.add_directive("rules-family", RulesFamilyDirective)
    app.add_directive("rules-index", RulesIndexDirective)
    app.add_directive("rules-disputed", RulesDisputedDirective)
    app.setup_extension("rules_identity")  # conf/rules_identity.py: one page per identity
    app.setup_extension("rules_concordance")  # conf/rules_concordance.py
    return {"parallel_read_safe": True, "parallel_write_safe": True}
