// Servers for the browser tests: the real harmattan binary on the built-in dataset, and a
// small static server on another origin that hosts test pages (iframes, pasted snippets).
//
// The binary is built once per test file (`go build`, warm cache: a second or two), or taken
// from HARMATTAN_E2E_BIN when that is set.
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nodeModules = join(repoRoot, 'web', 'node_modules');

// The libraries that test pages load, as /node_modules/<path> on the other origin: only these
// files and folders of web/node_modules (test-only devDependencies, never in the binary).
const LIBRARIES = ['maplibre-gl/dist/', 'ol/dist/ol.js', 'ol/ol.css'];
const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json'
};

// library returns the file of web/node_modules that path (/node_modules/…) names, or null when
// it is not one of LIBRARIES.
function library(path) {
  const rel = decodeURIComponent(path.slice('/node_modules/'.length));
  const file = resolve(nodeModules, rel);
  if (!file.startsWith(nodeModules + sep) || !TYPES[extname(file)]) return null;
  const name = file.slice(nodeModules.length + 1).split(sep).join('/');
  return LIBRARIES.some((l) => (l.endsWith('/') ? name.startsWith(l) : name === l)) ? file : null;
}

// buildBinary compiles cmd/harmattan into dir and returns the binary's path.
export async function buildBinary(dir) {
  if (process.env.HARMATTAN_E2E_BIN) return process.env.HARMATTAN_E2E_BIN;
  const bin = join(dir, 'harmattan');
  try {
    await promisify(execFile)('go', ['build', '-o', bin, './cmd/harmattan'], {
      cwd: repoRoot,
      maxBuffer: 16 << 20
    });
  } catch (err) {
    throw new Error(`go build ./cmd/harmattan failed:\n${err.stderr || err.message}`);
  }
  return bin;
}

// freePort asks the kernel for a port nobody listens on (127.0.0.1:0), then frees it.
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// postgisDatabase makes a database of its own on the PostGIS server HARMATTAN_E2E_POSTGRES
// names (with psql), copies the built-in dataset into it (harmattan migrate) and returns its URL
// and a function that drops it.
async function postgisDatabase(bin, admin) {
  const run = promisify(execFile);
  const name = `harmattan_e2e_${process.pid}_${Date.now()}`;
  const url = new URL(admin);
  await run('psql', ['-q', '-v', 'ON_ERROR_STOP=1', admin, '-c', `CREATE DATABASE ${name}`]);
  url.pathname = `/${name}`;
  await run('psql', ['-q', '-v', 'ON_ERROR_STOP=1', url.href, '-c', 'CREATE EXTENSION postgis']);
  await run(bin, ['migrate', '--to', url.href]);
  return {
    url: url.href,
    drop: () => run('psql', ['-q', admin, '-c', `DROP DATABASE ${name} WITH (FORCE)`])
  };
}

// importLayers adds layers to db next to the built-in dataset: each { layer, title, geojson }
// (a FeatureCollection object) goes through `harmattan import` from a file in dir. A GeoPackage
// yet to be made (newFile) gets the built-in dataset first (harmattan migrate), as serve would
// have made it.
async function importLayers(bin, dir, db, newFile, layers) {
  const run = promisify(execFile);
  if (!layers.length) return;
  if (newFile) await run(bin, ['migrate', '--to', db]);
  for (const { layer, title, geojson } of layers) {
    const file = join(dir, `${layer}.geojson`);
    writeFileSync(file, JSON.stringify(geojson));
    await run(bin, ['import', '--db', db, '--layer', layer, ...(title ? ['--title', title] : []), file]);
  }
}

// startHarmattan builds the binary and runs `harmattan serve` on a fresh GeoPackage that the
// server creates from its built-in Mali dataset, or, when HARMATTAN_E2E_POSTGRES names a
// PostGIS server, on a database of its own there holding the same dataset. layers are more
// layers to import first (see importLayers). It resolves once GET /conformance answers 200.
// stop() sends SIGTERM, waits for the exit and removes the temporary directory (and database);
// it resolves to the exit code (0 after a graceful shutdown).
export async function startHarmattan({ startTimeoutMs = 30000, layers = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'harmattan-e2e-'));
  const bin = await buildBinary(dir);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const pg = process.env.HARMATTAN_E2E_POSTGRES ? await postgisDatabase(bin, process.env.HARMATTAN_E2E_POSTGRES) : null;
  const db = pg ? pg.url : join(dir, 'seed.gpkg');
  try {
    await importLayers(bin, dir, db, !pg, layers);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (pg) await pg.drop();
    throw new Error(`importing ${layers.map((l) => l.layer).join(', ')} failed:\n${err.stderr || err.message}`);
  }
  const child = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--db', db], {
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let log = '';
  const keep = (b) => { log = (log + b.toString()).slice(-20000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((ok) => child.on('exit', (code, signal) => ok(code === null ? signal : code)));
  let done = false;
  exited.then(() => { done = true; });
  // Never leave a server behind, even when the test process dies of an uncaught error.
  const killOnExit = () => { if (!done) child.kill('SIGKILL'); };
  process.on('exit', killOnExit);

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (done) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`harmattan serve exited before answering:\n${log}`);
    }
    try {
      const r = await fetch(`${origin}/conformance`, { headers: { Accept: 'application/json' } });
      await r.arrayBuffer();
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`harmattan serve did not answer /conformance within ${startTimeoutMs} ms:\n${log}`);
    }
    await sleep(100);
  }

  return {
    origin,
    log: () => log,
    async stop() {
      if (!done) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(t);
      }
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
      if (pg) await pg.drop();
      return exited;
    }
  };
}

// startOtherOrigin serves test pages from a second origin (another port, and the host name
// localhost), and the LIBRARIES that those pages load (MapLibre GL JS, OpenLayers) as
// /node_modules/<path>.
// page(name, html) registers a page and returns its absolute URL; pageWithBody wraps a
// fragment (a pasted snippet) in an otherwise empty HTML document.
export async function startOtherOrigin() {
  const pages = new Map();
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (path.startsWith('/node_modules/')) {
      const file = library(path);
      let body;
      try {
        body = file && readFileSync(file);
      } catch { /* not installed: npm ci */ }
      if (!body) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end(file ? `${file} is missing: cd web && npm ci` : 'not a test library');
        return;
      }
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)], 'Cache-Control': 'max-age=3600' });
      res.end(body);
      return;
    }
    const html = path === '/' ? emptyPage('') : pages.get(path);
    if (html === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  // "localhost" against the map server's "127.0.0.1": another site, not only another origin,
  // so an iframe of the map runs out of process and cross-site, as on a reader's own website.
  const origin = `http://localhost:${server.address().port}`;
  let n = 0;
  return {
    origin,
    page(name, html) {
      const path = `/p/${++n}-${name.replace(/[^a-z0-9-]+/gi, '-')}.html`;
      pages.set(path, html);
      return origin + path;
    },
    pageWithBody(name, body) {
      return this.page(name, emptyPage(body));
    },
    stop() {
      server.closeAllConnections?.();
      return new Promise((ok) => server.close(() => ok()));
    }
  };
}

function emptyPage(body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Harmattan e2e test page</title>
<link rel="icon" href="data:,">
<style>html, body { margin: 0; padding: 0; background: #fff; }</style>
</head>
<body>
${body}
</body>
</html>
`;
}
