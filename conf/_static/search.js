/* The book's search page: identities first, clean excerpts (conf/search_names.py).
 *
 * Loaded before Sphinx's searchtools.js; once the page is parsed it wraps two of its
 * functions:
 * - Search._performSearch: the query is matched against every identity's names (title, id,
 *   catalog aliases, in window.MATDERIV_IDENTITIES); the best matches are listed above
 *   Sphinx's own page results, and result titles lose their TeX source.
 * - Search.htmlToText (the excerpt's source): theme buttons, navigation, display math and
 *   anything marked data-nosnippet or no-search are dropped; inline math is shown as text.
 */
"use strict";

const MAX_PAGES = 40; // of Sphinx's page results, below the identities

const MatderivSearch = (() => {
  // superscripts and subscripts as the catalog writes them in plain text (x^T, X^-1, ||X||_F^2)
  const SUP = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
    "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "ᵀ": "T", "ⁿ": "n", "ʳ": "r", "ᵢ": "i"};
  const plain = (text) => {
    let s = String(text)
      .replace(/\\top\b|\\intercal\b|⊤/g, "T")
      .replace(/[⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵀⁿʳ]+/g, (run) => "^" + [...run].map((c) => SUP[c]).join(""))
      .normalize("NFKC")
      .replace(/‖|\|\|/g, " | ")
      .replace(/−/g, "-")
      .replace(/\\[A-Za-z]+/g, (w) => w.slice(1))
      .replace(/[{}]/g, "");
    // one order for a subscript and a superscript on the same base: ‖X‖²_F = ‖X‖_F^2
    s = s.replace(/\^(-?\w+)_(\w+)/g, "_$2^$1");
    return s;
  };
  const compact = (text) => plain(text).replace(/[^\p{L}\p{N}]+/gu, "");
  const words = (text) => plain(text).toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w);

  // A name's formula without its prose ("Quadratic form xᵀAx, A symmetric" -> xTAxA): a query
  // that is the whole formula matches as well as one that is the whole name.
  const formula = (name) =>
    compact(plain(name).replace(/(^|[^\p{L}])(?:[A-Za-z][a-z]{3,}|of|and|the|with|in)(?=$|[^\p{L}])/gu, "$1"));

  // How well one name matches the query (0: not at all; 100: the same name).
  const match = (query, name) => {
    const q = compact(query), n = compact(name);
    if (!q || !n) return 0;
    const ql = q.toLowerCase(), nl = n.toLowerCase();
    if (q === n) return 100;
    if (ql === nl) return 90;
    const f = formula(name);
    const share = q.length / (f.toLowerCase().includes(ql) ? f.length : n.length);
    if (n.includes(q)) return 50 + 30 * share;
    if (nl.includes(ql)) return 40 + 30 * share;
    // every word of the query in the name: long words anywhere, short ones as whole words
    const qw = words(query), nw = new Set(words(name));
    if (qw.some((w) => w.length > 2) && qw.every((w) => (w.length > 2 ? nl.includes(w) : nw.has(w))))
      return 20 + 30 * (q.length / n.length);
    return 0;
  };

  let names = null; // name -> how many identities carry it (a name many share says less)
  const shared = (identities) => {
    if (names) return names;
    names = new Map();
    for (const rule of identities)
      for (const a of new Set([rule.title, ...rule.aliases].map((x) => compact(x).toLowerCase())))
        names.set(a, (names.get(a) || 0) + 1);
    return names;
  };

  // A query that does not ask for a Hessian or a differential prefers first derivatives.
  const tier = (rule, query) => {
    const qw = words(query);
    if (rule.family === "second-order")
      return qw.some((w) => w === "hessian" || w === "second") ? 0 : 1;
    if (rule.family === "differential")
      return qw.some((w) => w === "d" || w.startsWith("differential")) ? 0 : 1;
    return 0;
  };

  const rank = (query, identities) => {
    const counts = shared(identities);
    const found = [];
    identities.forEach((rule, order) => {
      let best = 1.1 * match(query, rule.title);
      for (const name of [rule.id, ...rule.aliases]) {
        const k = counts.get(compact(name).toLowerCase()) || 1;
        best = Math.max(best, match(query, name) / (1 + Math.log(k)));
      }
      if (best >= 25) found.push({rule, score: best, tier: tier(rule, query), order});
    });
    found.sort((a, b) => a.tier - b.tier || b.score - a.score || a.order - b.order);
    return found;
  };

  // TeX source as readable text, for result titles and excerpts
  const TEX = {partial: "∂", top: "ᵀ", intercal: "ᵀ", odot: "⊙", otimes: "⊗", circ: "∘",
    cdot: "·", times: "×", in: "∈", to: "→", mapsto: "↦", sum: "Σ", prod: "Π", nabla: "∇",
    le: "≤", ge: "≥", leq: "≤", geq: "≥", ne: "≠", approx: "≈", infty: "∞", quad: " ",
    qquad: "  ", alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", lambda: "λ",
    mu: "μ", sigma: "σ", Sigma: "Σ", theta: "θ", Theta: "Θ", phi: "φ", psi: "ψ", omega: "ω",
    ell: "ℓ", lVert: "‖", rVert: "‖", Vert: "‖", lvert: "|", rvert: "|", langle: "⟨",
    rangle: "⟩", ldots: "…", dots: "…", cdots: "⋯", mathbb: "", mathbf: "", mathrm: "",
    operatorname: "", text: "", left: "", right: "", big: "", Big: "", bigl: "", bigr: ""};
  const SUPER = {"0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶",
    "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻", "T": "ᵀ", "n": "ⁿ", "ᵀ": "ᵀ"};
  const texToText = (tex) => {
    let s = String(tex).replace(/\\[()[\]]/g, "").replace(/\$\$?/g, "");
    s = s.replace(/\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, "$1/$2");
    s = s.replace(/\\([A-Za-z]+)\s?/g, (whole, word) =>
      word in TEX ? TEX[word] : ["det", "log", "exp", "tr", "diag", "vec", "sin", "cos",
        "tanh", "max", "min"].includes(word) ? word + " " : word);
    s = s.replace(/\^\{([^{}]*)\}|\^(\S)/g, (whole, group, one) => {
      const body = group !== undefined ? group.trim() : one;
      return [...body].every((c) => c in SUPER) ? [...body].map((c) => SUPER[c]).join("") : "^" + body;
    });
    s = s.replace(/_\{([^{}]*)\}/g, "_$1").replace(/[{}]/g, "").replace(/\\/g, "");
    return s.replace(/\s+/g, " ").trim();
  };

  const hasTex = (text) => /\\[()[\]]|\\[A-Za-z]{2,}/.test(text);

  // What an excerpt must not show: theme buttons and menus, navigation, display math,
  // anything marked as not for snippets.
  const DROP = [".headerlink", "script", "style", "nav", "button", ".bd-header-article",
    ".header-article-items", ".article-header-buttons", ".dropdown-menu", ".theme-switch-button",
    ".bd-sidebar-secondary", ".prev-next-footer", ".bd-footer-article", ".copybtn",
    "[data-nosnippet]", ".no-search", "div.math", ".rule-formula", "mjx-container",
    ".cell_output", ".toctree-wrapper", ".rule-permalink", ".derive-this"].join(",");

  const htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(DROP).forEach((el) => el.remove());
    doc.querySelectorAll("span.math").forEach((el) => el.replaceWith(texToText(el.textContent)));
    const main = doc.querySelector("article") || doc.querySelector('[role="main"]');
    let root = anchor ? doc.getElementById(decodeURIComponent(anchor.slice(1))) : null;
    // an anchor may be an empty target before its content: read the section around it
    if (root && !root.textContent.trim()) root = root.closest("section") || root.parentElement;
    const text = (el) => (el ? el.textContent.replace(/\s+/g, " ").trim() : "");
    return text(root) || text(main) || " ";
  };

  const install = () => {
    if (typeof Search === "undefined") return;
    Search.htmlToText = htmlToText;
    const sphinxSearch = Search._performSearch;
    Search._performSearch = (query, searchTerms, excludedTerms, highlightTerms, ...rest) => {
      // highlighting every "x" and "t" of a formula query marks whole pages: words only
      for (const term of [...highlightTerms]) if (term.length < 3) highlightTerms.delete(term);
      const found = sphinxSearch(query, searchTerms, excludedTerms, highlightTerms, ...rest);
      const results = found.map((r) => {
        if (hasTex(r[1])) r[1] = texToText(r[1]);
        return r;
      });
      const identities = window.MATDERIV_IDENTITIES || [];
      const best = rank(query, identities).slice(0, 10);
      if (!best.length) return results.slice(-MAX_PAGES);
      // results are shown from the end of the list: the best identity goes last
      const own = new Set(best.filter((b) => b.rule.own).map((b) => b.rule.doc));
      const rest_ = results.filter((r) => !own.has(r[0]));
      const top = Math.max(0, ...rest_.map((r) => r[4])) + 1;
      const mine = best.map((b, i) => [b.rule.doc, b.rule.title, b.rule.anchor, null,
        top + best.length - i, "", "title"]);
      // a reader reads the first screens: Sphinx's long tail (every page with an "x") is cut
      return [...rest_.slice(-MAX_PAGES), ...mine.reverse()];
    };
  };
  document.addEventListener("DOMContentLoaded", install);
  return {rank, match, compact, texToText, htmlToText};
})();
