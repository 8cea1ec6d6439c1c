/* The Rules part of the matderiv book: the layout of the family tables and "Copy LaTeX".
 *
 * - A family table (table.rule-table) shows the derivative in the layout chosen in the
 *   layout tabs above it (sphinx-design's synced tabs, group "layout": the choice is shared
 *   with every other page of the book). The "side by side" check box shows the numerator and
 *   the denominator layouts next to each other; it is remembered too.
 * - A button.rule-copy copies the TeX of the formula beside it (its data-latex attribute).
 */
(function () {
  "use strict";
  var SIDE_KEY = "matderiv-rules-side-by-side";
  var LAYOUT_KEY = "sphinx-design-tab-id-layout"; // sphinx-design's key for the sync group

  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (err) { return null; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (err) { /* no storage: fine */ }
  }

  function setLayout(layout) {
    document.querySelectorAll("table.rule-table").forEach(function (table) {
      table.setAttribute("data-layout", layout);
    });
  }

  function checkedLayout(tabs) {
    var checked = tabs.querySelector("input:checked + label[data-sync-id]");
    return checked ? checked.getAttribute("data-sync-id") : null;
  }

  function setSide(on) {
    document.querySelectorAll("table.rule-table").forEach(function (table) {
      table.classList.toggle("rule-side", on);
    });
    document.querySelectorAll("input.rule-side-by-side").forEach(function (box) {
      box.checked = on;
    });
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function onCopy(event) {
    var button = event.currentTarget;
    var box = button.closest(".rule-formula, .rule-l");
    var source = box ? box.querySelector(".math[data-latex]") : null;
    if (!source) return;
    var label = button.textContent;
    copy(source.getAttribute("data-latex")).then(function () {
      button.textContent = "Copied";
      button.classList.add("rule-copied");
      window.setTimeout(function () {
        button.textContent = label;
        button.classList.remove("rule-copied");
      }, 1500);
    }, function () {
      button.textContent = "Copy failed";
    });
  }

  function ready() {
    document.querySelectorAll("button.rule-copy").forEach(function (button) {
      button.addEventListener("click", onCopy);
    });
    var tabs = document.querySelector(".rule-layout-tabs");
    if (!document.querySelector("table.rule-table")) return;
    // the stored choice first: sphinx-design checks the stored tab itself, but possibly after
    // this runs, and checking a tab from a script fires no change event to follow
    var layout = stored(LAYOUT_KEY) || (tabs && checkedLayout(tabs)) || "mixed";
    setLayout(layout);
    if (tabs) {
      tabs.querySelectorAll("input").forEach(function (input) {
        input.addEventListener("change", function () {
          var now = checkedLayout(tabs);
          if (now) setLayout(now);
        });
      });
      // sphinx-design selects the stored tab when it starts; follow it if it starts later
      window.setTimeout(function () { setLayout(checkedLayout(tabs) || layout); }, 0);
    }
    setSide(stored(SIDE_KEY) === "1");
    document.querySelectorAll("input.rule-side-by-side").forEach(function (box) {
      box.addEventListener("change", function () {
        store(SIDE_KEY, box.checked ? "1" : "0");
        setSide(box.checked);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
