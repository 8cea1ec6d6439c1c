// The Derive page's Web Worker: Python (Pyodide), SymPy and matderiv, loaded from this site.
//
// Messages in:  {type: "load"}; {type: "derive", id, request} (request: see bridge.py).
// Messages out: {type: "progress", text}; {type: "ready", versions, phases, seconds}
//               (phases: seconds to start Python, to install the wheels, to import);
//               {type: "failed", error}; {type: "result", id, answer}.
// Every file comes from the folder this script is in (manifest.json lists the wheels), so no
// request leaves the site's origin.

const here = new URL("./", import.meta.url);
let loading = null;
let run = null;

const progress = (text) => postMessage({ type: "progress", text });

async function fetchOk(path, what) {
  const response = await fetch(new URL(path, here));
  if (!response.ok) {
    throw new Error(
      `${what} is missing from this build of the book (${response.status} for ${path}): ` +
        "build the book with `nox -s docs`, which fetches the in-browser Python.",
    );
  }
  return response;
}

// The Python exception's own line ("ModuleNotFoundError: No module named 'numpy'"), not
// the traceback or Pyodide's hint after it.
function lastLine(error) {
  const lines = String(error && error.message ? error.message : error).trim().split("\n");
  const raised = lines.filter((line) => /^[A-Za-z_][\w.]*(Error|Exception)\b/.test(line));
  return raised.length ? raised[raised.length - 1] : lines[lines.length - 1];
}

async function load() {
  const start = performance.now();
  const phases = {};
  let mark = start;
  const phase = (name) => {
    const now = performance.now();
    phases[name] = (now - mark) / 1000;
    mark = now;
  };
  progress("loading Python…");
  const manifest = await (await fetchOk("manifest.json", "The interpreter's manifest")).json();
  const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", here).href);
  const pyodide = await loadPyodide({
    indexURL: new URL("pyodide/", here).href,
    stdout: () => {},
    stderr: () => {},
  });
  phase("python");
  progress("loading SymPy…");
  const wheels = manifest.wheels.map((name) => new URL(`wheels/${name}`, here).href);
  await pyodide.loadPackage(wheels, { messageCallback: () => {}, errorCallback: () => {} });
  phase("wheels");
  progress("importing SymPy and matderiv…");
  const bridge = await (await fetchOk("bridge.py", "The page's Python bridge")).text();
  pyodide.FS.mkdirTree("/home/pyodide/derive");
  pyodide.FS.writeFile("/home/pyodide/derive/matderiv_bridge.py", bridge);
  pyodide.runPython("import sys; sys.path.insert(0, '/home/pyodide/derive')");
  try {
    run = pyodide.pyimport("matderiv_bridge").run;
  } catch (error) {
    throw new Error(
      `Python could not import matderiv: ${lastLine(error)}. ` +
        "This build ships a matderiv whose symbolic path still needs numpy, " +
        "which has no WebAssembly build here.",
    );
  }
  const versions = JSON.parse(
    pyodide.runPython(
      "import json, sys, sympy\nfrom importlib.metadata import version\n" +
        "json.dumps({'python': sys.version.split()[0], 'sympy': sympy.__version__, " +
        "'matderiv': version('matderiv')})",
    ),
  );
  phase("import");
  postMessage({ type: "ready", versions, phases, seconds: (performance.now() - start) / 1000 });
}

self.onmessage = async ({ data }) => {
  if (data.type === "load") {
    loading = loading || load();
    try {
      await loading;
    } catch (error) {
      postMessage({ type: "failed", error: String(error && error.message ? error.message : error) });
    }
  } else if (data.type === "derive") {
    let answer;
    try {
      await loading;
      answer = JSON.parse(run(JSON.stringify(data.request)));
    } catch (error) {
      answer = { ok: false, error: `matderiv derive: internal error: ${lastLine(error)}` };
    }
    postMessage({ type: "result", id: data.id, answer });
  }
};
