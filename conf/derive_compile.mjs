// Compile wheels to the bytecode of the Pyodide the Derive page ships (Node, at build time).
//
// Usage: node conf/derive_compile.mjs PYODIDE_DIR OUT_DIR WHEEL... [--with-sources WHEEL...]
// Each WHEEL is rewritten by conf/pyc_wheel.py, run inside that Pyodide, into OUT_DIR with
// the same file name; wheels after --with-sources keep their .py files beside the bytecode.  Run by conf/derive_assets.py; reads and writes local files only.
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [pyodideDir, outDir, ...wheels] = process.argv.slice(2).map((p) => resolve(p));
const { loadPyodide } = await import(pathToFileURL(join(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({
  indexURL: `${pyodideDir}/`,
  stdout: () => {},
  stderr: () => {},
});
const here = dirname(fileURLToPath(import.meta.url));
pyodide.FS.writeFile("/tmp/pyc_wheel.py", readFileSync(join(here, "pyc_wheel.py")));
pyodide.runPython("import sys; sys.path.insert(0, '/tmp')");
const compileWheel = pyodide.pyimport("pyc_wheel").compile_wheel;
let keepSources = false;
for (const wheel of wheels) {
  if (basename(wheel) === "--with-sources") {
    keepSources = true;
    continue;
  }
  const name = basename(wheel);
  pyodide.FS.writeFile(`/tmp/in-${name}`, readFileSync(wheel));
  compileWheel(`/tmp/in-${name}`, `/tmp/out-${name}`, keepSources);
  writeFileSync(join(outDir, name), pyodide.FS.readFile(`/tmp/out-${name}`));
  console.log(`derive_compile: ${name} compiled to the bytecode of Pyodide ${pyodide.version}`);
}
