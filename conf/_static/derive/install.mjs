// How the Derive page's Python gets matderiv: one procedure for the browser and the build.
//
// worker.js runs it in the reader's browser; conf/derive_snapshot.mjs runs it under Node at
// build time before it takes the memory snapshot the page starts from.  The two must put
// every file at the same path, since a snapshot's imported modules remember where they
// came from: a wheel the manifest lists under "unpacked" (matderiv's: it reads its own data
// files) is extracted into site-packages; the others (SymPy, mpmath: bytecode only) are
// written to HOME/wheels and imported from the wheel file itself (Python's zipimport),
// which needs no unpacking at all.  The extraction is done here, not by Python: it is a
// few file writes, and it can run while the interpreter starts.

export const HOME = "/home/pyodide/derive";

async function inflate(data) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// The files of a zip archive (a wheel): [[path, bytes]], stored or deflated entries.
export async function unzip(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22; // the end-of-directory record, after an optional comment
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error("not a zip archive");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const decoder = new TextDecoder();
  const files = [];
  for (let i = 0; i < count; i += 1) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error("damaged zip directory");
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const local = view.getUint32(at + 42, true);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.subarray(start, start + size);
    if (!name.endsWith("/")) {
      if (method === 0) files.push([name, data]);
      else if (method === 8) files.push(inflate(data).then((inflated) => [name, inflated]));
      else throw new Error(`${name}: zip compression method ${method} is not supported`);
    }
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return Promise.all(files);
}

// The wheels ([[name, bytes]], the manifest's order) ready to write: {zipped, unpacked}.
export async function prepare(manifest, wheels) {
  const unpackedNames = manifest.unpacked || [];
  const zipped = wheels.filter(([name]) => !unpackedNames.includes(name));
  const unpacked = await Promise.all(
    wheels.filter(([name]) => unpackedNames.includes(name)).map(([, bytes]) => unzip(bytes)),
  );
  return { zipped, unpacked: unpacked.flat() };
}

// The file-system half: the wheels and the bridge as files.  Needed on every start, from
// a snapshot too: a snapshot holds the interpreter's memory, not its files.
export function writeFiles(pyodide, prepared, bridgeSource) {
  const { FS } = pyodide;
  FS.mkdirTree(`${HOME}/wheels`);
  for (const [name, bytes] of prepared.zipped) FS.writeFile(`${HOME}/wheels/${name}`, bytes);
  const site = pyodide.runPython("import sysconfig\nsysconfig.get_paths()['purelib']");
  for (const [path, bytes] of prepared.unpacked) {
    const target = `${site}/${path}`;
    FS.mkdirTree(target.slice(0, target.lastIndexOf("/")));
    FS.writeFile(target, bytes);
  }
  FS.writeFile(`${HOME}/matderiv_bridge.py`, bridgeSource);
}

// The Python half, on a fresh interpreter (not after a snapshot: it is done already): the
// zipped wheels on sys.path, then the bridge imported (which imports matderiv and SymPy).
// Only JSON strings cross into Python, so no JavaScript object ties a snapshot to this heap.
export function importBridge(pyodide, manifest) {
  const unpacked = manifest.unpacked || [];
  const zipped = manifest.wheels.filter((name) => !unpacked.includes(name));
  const paths = [HOME, ...zipped.map((name) => `${HOME}/wheels/${name}`)];
  pyodide.runPython(`import sys\nsys.path[:0] = ${JSON.stringify(paths)}\nimport matderiv_bridge`);
}
