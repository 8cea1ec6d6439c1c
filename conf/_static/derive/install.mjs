// How the Derive page's Python gets matderiv: one procedure for the browser and the build.
//
// worker.js runs it in the reader's browser; conf/derive_snapshot.mjs runs it under Node at
// build time before it takes the memory snapshot the page starts from.  The two must put
// every file at the same path, since a snapshot's imported modules remember where they
// came from: the wheels are written to HOME/wheels; a wheel the manifest lists under
// "unpacked" (matderiv's: it reads its own data files) is extracted into site-packages,
// the others (SymPy, mpmath: bytecode only) are imported from the wheel file itself
// (Python's zipimport), which needs no unpacking at all.

export const HOME = "/home/pyodide/derive";

// The file-system half: the wheels and the bridge as files.  Needed on every start, from
// a snapshot too: a snapshot holds the interpreter's memory, not its files.
export function writeFiles(pyodide, wheels, bridgeSource) {
  pyodide.FS.mkdirTree(`${HOME}/wheels`);
  for (const [name, bytes] of wheels) {
    pyodide.FS.writeFile(`${HOME}/wheels/${name}`, bytes);
  }
  pyodide.FS.writeFile(`${HOME}/matderiv_bridge.py`, bridgeSource);
}

// Extract the wheels named in `names` into site-packages (JSON strings are Python literals;
// no JavaScript object is handed to Python, so nothing ties the snapshot to this JS heap).
function unpack(pyodide, names) {
  pyodide.runPython(
    "import sysconfig, zipfile\n" +
      `for name in ${JSON.stringify(names)}:\n` +
      `    with zipfile.ZipFile(f"${HOME}/wheels/{name}") as wheel:\n` +
      '        wheel.extractall(sysconfig.get_paths()["purelib"])\n',
  );
}

// The Python half on a fresh interpreter: wheels on sys.path or unpacked, then the bridge
// imported (which imports matderiv and SymPy).  (The module stays in sys.modules.)
export function importBridge(pyodide, manifest) {
  const unpacked = manifest.unpacked || [];
  const zipped = manifest.wheels.filter((name) => !unpacked.includes(name));
  unpack(pyodide, unpacked);
  const paths = [HOME, ...zipped.map((name) => `${HOME}/wheels/${name}`)];
  pyodide.runPython(`import sys\nsys.path[:0] = ${JSON.stringify(paths)}\nimport matderiv_bridge`);
}

// After a snapshot is restored: the modules are in memory, the unpacked wheels' files are
// not, so they are extracted again (the zipped wheels are on sys.path already).
export function restoreFiles(pyodide, manifest) {
  unpack(pyodide, manifest.unpacked || []);
}
