// Make the Derive page's memory snapshot (Node, at build time; run by conf/derive_assets.py).
//
// Usage: node conf/derive_snapshot.mjs ASSETS_DIR OUT_FILE
// ASSETS_DIR is build/derive with its manifest.json (the wheels, in load order, and which are
// unpacked).  The shipped Pyodide starts, installs the wheels and imports the page's bridge
// exactly as the browser does (conf/_static/derive/install.mjs), derives the bridge's
// WARM_UP requests, and its memory is written gzipped to OUT_FILE.  The browser restores it
// instead of starting Python, installing and importing (conf/_static/derive/worker.js).
// Reads and writes local files only.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const install = await import(pathToFileURL(join(here, "_static", "derive", "install.mjs")).href);
const [assets, outFile] = process.argv.slice(2).map((p) => resolve(p));
const manifest = JSON.parse(readFileSync(join(assets, "manifest.json"), "utf8"));
const { loadPyodide } = await import(pathToFileURL(join(assets, "pyodide", "pyodide.mjs")).href);
const pyodide = await loadPyodide({
  indexURL: `${join(assets, "pyodide")}/`,
  stdout: () => {},
  stderr: () => {},
  _makeSnapshot: true,
});
const wheels = manifest.wheels.map((name) => [name, readFileSync(join(assets, "wheels", name))]);
const bridge = readFileSync(join(here, "_static", "derive", "bridge.py"), "utf8");
install.writeFiles(pyodide, await install.prepare(manifest, wheels), bridge);
install.importBridge(pyodide, manifest);
pyodide.runPython("matderiv_bridge.warm_up()\nimport gc\ngc.collect()");
const snapshot = pyodide.makeMemorySnapshot();
writeFileSync(outFile, gzipSync(snapshot, { level: 6 }));
console.log(
  `derive_snapshot: ${outFile} (${(snapshot.length / 1e6).toFixed(1)} MB of memory, ` +
    `Pyodide ${pyodide.version})`,
);
