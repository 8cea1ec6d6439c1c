// The Derive page: the form, the URL state, and the Web Worker that runs matderiv.
//
// Loaded by docs/derive.md only (no other page carries this script).  Nothing is fetched
// until the reader presses "Start Python" or derives; then worker.js loads Pyodide, SymPy
// and matderiv from this site.  A derive running past the time limit (the form's
// data-time-limit, in seconds) terminates the worker; the next request starts a new one.

const FIELDS = ["expr", "wrt", "shapes", "assume", "layout", "hessian"];
const form = document.getElementById("derive-form");
const $ = (id) => document.getElementById(id);
const status = $("derive-status");
const button = $("derive-button");
const startButton = $("derive-start");

let worker = null;
let ready = null;
let nextId = 0;
const pending = new Map();

function setStatus(text, kind = "") {
  status.textContent = text;
  status.dataset.kind = kind;
}

function stopWorker() {
  if (worker) worker.terminate();
  worker = null;
  ready = null;
  for (const [, callbacks] of pending) callbacks.reject(new Error("the worker was stopped"));
  pending.clear();
}

function startWorker() {
  if (ready) return ready;
  startButton.disabled = true;
  performance.mark("derive:worker");
  const created = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
  worker = created;
  ready = new Promise((resolve, reject) => {
    created.onmessage = ({ data }) => {
      if (data.type === "progress") {
        setStatus(data.text, "busy");
      } else if (data.type === "ready") {
        performance.mark("derive:ready");
        const v = data.versions;
        form.dataset.loadPhases = JSON.stringify(data.phases);
        setStatus(
          `Ready: Python ${v.python}, SymPy ${v.sympy}, matderiv ${v.matderiv} ` +
            `(loaded in ${data.seconds.toFixed(1)} s).`,
          "ready",
        );
        resolve(data);
      } else if (data.type === "failed") {
        reject(new Error(data.error));
      } else if (data.type === "result") {
        const callbacks = pending.get(data.id);
        pending.delete(data.id);
        if (callbacks) callbacks.resolve(data.answer);
      }
    };
    created.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`the in-browser Python could not start: ${event.message || "worker error"}`));
    };
  });
  ready.catch((error) => {
    if (worker === created) stopWorker();
    setStatus(error.message, "error");
    startButton.disabled = false;
  });
  created.postMessage({ type: "load" });
  return ready;
}

class TimeLimit extends Error {}

async function deriveRequest(request) {
  await startWorker();
  const limit = Number(form.dataset.timeLimit || 20);
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      stopWorker();
      startButton.disabled = false;
      reject(
        new TimeLimit(
          `Stopped: this derive ran past the ${limit} s limit, so its Python was shut down. ` +
            "The page still works: the next derive starts Python again.",
        ),
      );
    }, limit * 1000);
    pending.set(id, {
      resolve: (answer) => {
        clearTimeout(timer);
        resolve(answer);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
    worker.postMessage({ type: "derive", id, request });
  });
}

function readForm() {
  const request = {};
  for (const name of FIELDS) {
    const field = form.elements[name];
    request[name] = field.type === "checkbox" ? (field.checked ? "1" : "") : field.value.trim();
  }
  return request;
}

function fillForm(params) {
  for (const name of FIELDS) {
    if (!params.has(name)) continue;
    const field = form.elements[name];
    const value = params.get(name);
    if (field.type === "checkbox") field.checked = ["1", "true", "yes", "on"].includes(value);
    else field.value = value;
  }
}

function saveToUrl(request) {
  const params = new URLSearchParams();
  for (const name of FIELDS) if (request[name]) params.set(name, request[name]);
  history.replaceState(null, "", `${location.pathname}?${params}${location.hash}`);
}

function show(id, text) {
  const box = $(id);
  box.querySelector("pre").textContent = text;
}

// page.js is an async module (it starts Python without waiting for MathJax, a deferred
// script, to load); MathJax is ready once the document is parsed and MathJax has started.
const parsed = new Promise((resolve) => {
  if (document.readyState !== "loading") resolve();
  else document.addEventListener("DOMContentLoaded", () => resolve(), { once: true });
});

async function typeset(element, tex) {
  element.textContent = tex;
  await parsed;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  if (window.MathJax && MathJax.typesetPromise) {
    if (MathJax.typesetClear) MathJax.typesetClear([element]);
    await MathJax.typesetPromise([element]);
  }
}

async function render(answer) {
  const output = $("derive-output");
  const error = $("derive-error");
  if (!answer.ok) {
    output.hidden = true;
    error.hidden = false;
    error.querySelector("pre").textContent = answer.error;
    return;
  }
  error.hidden = true;
  $("derive-what").textContent =
    `${answer.what}, ${answer.layout} layout, shape ${answer.shape}` +
    (answer.form === "vec" ? " (vec form: vec(dF) = J vec(dX))" : "");
  show("derive-text", answer.text);
  show("derive-latex", answer.latex);
  show("derive-numpy", answer.numpy);
  show("derive-differential-text", answer.differential_text);
  output.hidden = false;
  await typeset($("derive-math"), `\\[ ${answer.lhs_latex} = ${answer.latex} \\]`);
  await typeset($("derive-differential"), `\\[ ${answer.differential_latex} \\]`);
}

let busy = false;

async function onDerive(event) {
  if (event) event.preventDefault();
  if (busy) return;
  busy = true;
  button.disabled = true;
  const request = readForm();
  saveToUrl(request);
  form.dataset.state = "deriving";
  try {
    const answer = await deriveRequest(request);
    performance.mark("derive:answer");
    await render(answer);
    performance.mark("derive:shown");
    form.dataset.state = answer.ok ? "done" : "rejected";
    if (answer.ok) setStatus(`Derived in ${answer.ms.toFixed(0)} ms.`, "ready");
    else setStatus("matderiv rejected the input (see below).", "ready");
  } catch (error) {
    form.dataset.state = "failed";
    setStatus(error.message, "error");
  } finally {
    busy = false;
    button.disabled = false;
  }
}

if (location.protocol !== "file:") {
  // (opened from file://, this module never runs: derive.md's inline script explains why)
  form.addEventListener("submit", onDerive);
  startButton.addEventListener("click", () => startWorker().catch(() => {}));
  // for the tests and the benchmark: derive a request without touching the form
  window.matderivDerive = deriveRequest;
  const params = new URLSearchParams(location.search);
  if (params.has("expr")) {
    fillForm(params);
    onDerive();
  }
}
form.dataset.page = "ready";
