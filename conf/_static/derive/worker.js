// The Derive page's Web Worker: Python (Pyodide), SymPy and matderiv, loaded from this site.
//
// Messages in:  {type: "load"}; {type: "derive", id, request} (request: see bridge.py).
// Messages out: {type: "progress", text}; {type: "ready", versions, phases, seconds}
//               (phases: seconds to start Python, to install the wheels, to import);
//               {type: "failed", error}; {type: "result", id, answer}.
// Every file comes from the folder this script is in (manifest.json lists the wheels), so no
// request leaves the site's origin.

import { importBridge, prepare, writeFiles } from "./install.mjs";

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

// A file's URL with its hash from the manifest as the query: a browser never mixes a cached
// wheel or snapshot of an older build with this one (a snapshot needs the very same wheels).
function versioned(manifest, path) {
  const hash = manifest.files && manifest.files[path];
  return hash ? `${path}?v=${hash.slice(0, 16)}` : path;
}

// The Python exception's own line ("ModuleNotFoundError: No module named 'numpy'"), not
// the traceback or Pyodide's hint after it.
function lastLine(error) {
  const lines = String(error && error.message ? error.message : error).trim().split("\n");
  const raised = lines.filter((line) => /^[A-Za-z_][\w.]*(Error|Exception)\b/.test(line));
  return raised.length ? raised[raised.length - 1] : lines[lines.length - 1];
}

// The snapshot's bytes (gzip is undone here; a host that adds Content-Encoding has done it).
async function fetchSnapshot(manifest) {
  const response = await fetchOk(manifest.snapshot.file, "The interpreter's snapshot");
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Start Python from the build's memory snapshot (the interpreter with SymPy and matderiv
// imported and a few derives done: conf/derive_snapshot.mjs).  Pyodide fetches and
// compiles its own files while the snapshot downloads.  Pyodide 314 does not size its
// memory for a snapshot larger than its initial heap (pyodide/pyodide#6254), so the
// module's memory is grown as it is instantiated (always after the snapshot has arrived).
async function fromSnapshot(loadPyodide, manifest, files, phase) {
  let size = 0;
  const snapshot = fetchSnapshot(manifest).then((bytes) => {
    size = bytes.length;
    phase("snapshot");
    return bytes;
  });
  snapshot.catch(() => {}); // loadPyodide awaits it and reports a failure
  // never throws: Pyodide waits forever on an instantiation that fails; a memory too small
  // makes the restore fail instead, and the long start follows
  const grow = (instance) => {
    const memory = instance.exports.memory; // the interpreter's (Pyodide's helper modules have none)
    if (!(memory instanceof WebAssembly.Memory)) return;
    const missing = size - memory.buffer.byteLength;
    try {
      if (missing > 0) memory.grow(Math.ceil(missing / 65536));
    } catch (error) {
      console.warn(`Derive: no memory for the snapshot (${error})`);
    }
  };
  const { instantiate, instantiateStreaming } = WebAssembly;
  WebAssembly.instantiateStreaming = async (...args) => {
    const result = await instantiateStreaming(...args);
    grow(result.instance);
    return result;
  };
  WebAssembly.instantiate = async (...args) => {
    const result = await instantiate(...args);
    grow(result.instance || result);
    return result;
  };
  let pyodide;
  try {
    pyodide = await loadPyodide({
      indexURL: new URL("pyodide/", here).href,
      stdout: () => {},
      stderr: () => {},
      _loadSnapshot: snapshot,
    });
  } finally {
    Object.assign(WebAssembly, { instantiate, instantiateStreaming });
  }
  phase("python");
  writeFiles(pyodide, ...(await files));
  phase("files");
  return pyodide;
}

// Start Python from scratch: the interpreter, then the wheels, then the imports.
async function fromScratch(loadPyodide, manifest, files, phase) {
  const pyodide = await loadPyodide({
    indexURL: new URL("pyodide/", here).href,
    stdout: () => {},
    stderr: () => {},
  });
  phase("python");
  progress("loading SymPy…");
  writeFiles(pyodide, ...(await files));
  phase("wheels");
  progress("importing SymPy and matderiv…");
  try {
    importBridge(pyodide, manifest);
  } catch (error) {
    throw new Error(
      `Python could not import matderiv: ${lastLine(error)}. ` +
        "This build ships a matderiv whose symbolic path still needs numpy, " +
        "which has no WebAssembly build here.",
    );
  }
  phase("import");
  return pyodide;
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
  const pyodideModule = import(new URL("pyodide/pyodide.mjs", here).href);
  pyodideModule.catch(() => {}); // awaited below
  const manifest = await (await fetchOk("manifest.json", "The interpreter's manifest")).json();
  // the wheels (unpacked where the manifest says) and the bridge, while Python starts
  const files = Promise.all([
    Promise.all(
      manifest.wheels.map(async (name) => {
        const response = await fetchOk(versioned(manifest, `wheels/${name}`), `The wheel ${name}`);
        return [name, new Uint8Array(await response.arrayBuffer())];
      }),
    ).then((wheels) => prepare(manifest, wheels)),
    fetchOk("bridge.py", "The page's Python bridge").then((response) => response.text()),
  ]);
  files.catch(() => {}); // awaited below; a failure is reported there
  const { loadPyodide } = await pyodideModule;
  phase("manifest");
  let pyodide = null;
  if (manifest.snapshot) {
    try {
      pyodide = await fromSnapshot(loadPyodide, manifest, files, phase);
    } catch (error) {
      // an old browser or a damaged snapshot: start the long way
      console.warn(`Derive: starting without the snapshot (${lastLine(error)})`);
      phase("snapshot failed");
    }
  }
  if (pyodide === null) pyodide = await fromScratch(loadPyodide, manifest, files, phase);
  run = pyodide.globals.get("matderiv_bridge").run;
  const versions = JSON.parse(pyodide.globals.get("matderiv_bridge").versions());
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
