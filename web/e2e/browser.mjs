// Browser side of the end-to-end tests: Debian's Chromium driven by playwright-core, pages that
// record every console error, page error and failed request to our server, and helpers for
// the Leaflet map.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startHarmattan, startOtherOrigin } from './server.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');

// Per-test time limit; the whole suite takes well under a minute.
export const T = { timeout: 45000 };

// A phone: 390x844 CSS px, touch, narrow-screen layout.
export const PHONE = { viewport: { width: 390, height: 844 }, mobile: true, deviceScaleFactor: 2 };

// Without Chromium the suites are skipped, loudly, except in CI, where they fail.
const noBrowser = !existsSync(CHROMIUM) && !process.env.CI;
export const SUITE = noBrowser ? { skip: `${CHROMIUM} missing (apt-get install chromium); set CI to make this fail` } : {};

export const TITLES = {
  incidents: 'Conflict incidents in Mali, 2012-2024',
  bases: 'MINUSMA, Barkhane and reported Wagner sites in Mali',
  regions: 'Mali regions (simplified, pre-2016/2023 boundaries)'
};

// Hosts the app may try to reach (the OpenStreetMap base layer). The tests block them; any
// other host is a test failure.
const KNOWN_EXTERNAL = [/(^|\.)tile\.openstreetmap\.org$/];

// harness registers before/after hooks in the current suite: harmattan serve (started with
// serverOptions, see startHarmattan), the other-origin page server and Chromium. The returned
// object is filled in by the time tests run.
export function harness(serverOptions) {
  const h = {};
  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (make test-deps does)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const started = await Promise.allSettled([startHarmattan(serverOptions), startOtherOrigin(), launch()]);
    const [server, other, browser] = started.map((r) => r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) {
      // What did start must not keep the test process alive (a live browser would).
      await browser?.close();
      await other?.stop();
      await server?.stop();
      throw failed.reason;
    }
    Object.assign(h, { server, other, browser, origin: server.origin });
  });
  after(async () => {
    await h.browser?.close();
    await h.other?.stop();
    if (h.server) {
      const code = await h.server.stop();
      assert.equal(code, 0, `harmattan serve did not exit cleanly on SIGTERM (${code}):\n${h.server.log()}`);
    }
  });
  return h;
}

function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run']
  });
}

// Runs in every frame before any script: records each Leaflet map as it is created
// (L.Map.addInitHook is public API), so tests can reach the map without app.js exposing it.
function captureLeafletMaps() {
  let current;
  window.__e2eMaps = [];
  Object.defineProperty(window, 'L', {
    configurable: true,
    get() { return current; },
    set(v) {
      current = v;
      if (v && v.Map && typeof v.Map.addInitHook === 'function' && !v.__e2eHooked) {
        v.__e2eHooked = true;
        v.Map.addInitHook(function () { window.__e2eMaps.push(this); });
      }
    }
  });
  // The contract's map when app.js offers it, else the first map made on this page.
  window.__e2eMap = () => (window.harmattan && window.harmattan.map) || window.__e2eMaps[0] || null;
}

function slug(s) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}

// withPage opens a fresh browser context and page, runs fn({ page, context, ... }), and then
// asserts that nothing went wrong on the way: no console error, no uncaught exception, no
// failed or >= 400 request to our server, no request to an unexpected host. On failure it saves
// a screenshot to artifacts/failure-<name>.png and adds what went wrong to the error.
export async function withPage(h, name, opts, fn) {
  if (typeof opts === 'function') { fn = opts; opts = {}; }
  const w = watch(h);
  const page = await openContext(h, w, opts);
  // newPage opens a page in a context of its own (no shared storage) that reports here too.
  const api = { page, watch: w, newPage: () => openContext(h, w, opts) };
  try {
    await fn(api);
    // Whatever the page still does after the last step (a late tile, a late error) counts.
    await page.waitForTimeout(200);
    w.assertClean();
    rmSync(join(ARTIFACTS, `failure-${slug(name)}.png`), { force: true });
  } catch (err) {
    await page.screenshot({ path: join(ARTIFACTS, `failure-${slug(name)}.png`) }).catch(() => {});
    if (w.problems.length && !err.message.includes('went wrong in the browser')) {
      err.message += `\n\nAlso seen in the browser:\n  ${w.problems.join('\n  ')}`;
    }
    throw err;
  } finally {
    for (const c of w.contexts) await c.close().catch(() => {});
  }
}

// openContext makes a browser context watched by w and returns a new page in it.
async function openContext(h, w, { viewport = { width: 1280, height: 800 }, mobile = false, deviceScaleFactor = 1 } = {}) {
  const context = await h.browser.newContext({
    viewport,
    deviceScaleFactor,
    isMobile: mobile,
    hasTouch: mobile,
    serviceWorkers: 'block'
  });
  await w.attach(context);
  await context.addInitScript(captureLeafletMaps);
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  watches.set(page, w);
  return page;
}

// The watch of each page that openContext made, for waitLoaded.
const watches = new WeakMap();

// watch collects what goes wrong in the contexts attached to it.
function watch(h) {
  const w = {
    problems: [],
    blocked: [],
    contexts: [],
    async attach(context) {
      w.contexts.push(context);
      const blockedURLs = new Set();
      await context.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.protocol !== 'http:' && url.protocol !== 'https:') return route.continue();
        if (url.origin === h.origin || url.origin === h.other.origin) return route.continue();
        blockedURLs.add(url.href);
        w.blocked.push(url.href);
        if (!KNOWN_EXTERNAL.some((re) => re.test(url.hostname))) {
          w.problems.push(`request to another host: ${url.href}`);
        }
        return route.abort('blockedbyclient');
      });
      const onPage = (page) => {
        page.on('console', (msg) => {
          if (msg.type() !== 'error') return;
          const where = msg.location() || {};
          // A resource we blocked ourselves: not the page's fault.
          if (/^Failed to load resource/.test(msg.text()) && blockedURLs.has(where.url)) return;
          w.problems.push(`console error: ${msg.text()}${where.url ? ` (${where.url}:${where.lineNumber})` : ''}`);
        });
        page.on('pageerror', (err) => w.problems.push(`uncaught exception: ${err.stack || err.message}`));
      };
      context.pages().forEach(onPage);
      context.on('page', onPage);
      context.on('requestfailed', (req) => {
        if (!req.url().startsWith(h.origin)) return;
        const why = req.failure()?.errorText || '';
        // Cancelled on purpose (a tile scrolled away, a superseded fetch), not failed.
        if (why === 'net::ERR_ABORTED') return;
        w.problems.push(`request failed: ${req.method()} ${req.url()} ${why}`);
      });
      context.on('response', (res) => {
        if (res.url().startsWith(h.origin) && res.status() >= 400) {
          w.problems.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
        }
      });
    },
    assertClean() {
      assert.deepEqual(w.problems, [], `something went wrong in the browser:\n  ${w.problems.join('\n  ')}`);
    }
  };
  return w;
}

// waitLoaded waits until the page (or frame) says every collection is loaded
// (html[data-loaded="true"]; app.js sets "error" when the collection list fails). It gives up
// at once when something has already gone wrong in the browser (a page that threw never loads).
export async function waitLoaded(target, timeout = 20000) {
  const w = watches.get(typeof target.page === 'function' ? target.page() : target);
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await target.evaluate(() => document.documentElement.getAttribute('data-loaded')).catch(() => null);
    if (v) {
      assert.equal(v, 'true', `html[data-loaded] is "${v}", not "true"`);
      return;
    }
    if (w && w.problems.length) {
      throw new Error(`${target.url()} did not load: something went wrong in the browser:\n  ${w.problems.join('\n  ')}`);
    }
    if (Date.now() > deadline) throw new Error(`${target.url()}: no html[data-loaded] within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// openMap loads the map page (path may carry a hash) and waits for it.
export async function openMap(h, page, path = '/') {
  await page.goto(h.origin + path);
  await waitLoaded(page);
}

// until polls fn until it returns a truthy value and returns that value; on timeout it throws
// with what (a string, or a function called then for one) and the last value seen. Errors
// thrown by fn end the wait at once.
export async function until(fn, what, { timeout = 8000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) {
      const said = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeout} ms waiting for ${said} (last: ${JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

// hook calls the contract hook window.harmattan (count, map) and says so plainly when the
// page does not have it yet.
async function assertHook(page) {
  const has = await page.evaluate(() => !!(window.harmattan && typeof window.harmattan.count === 'function'));
  assert.ok(has, 'window.harmattan missing: app.js does not expose window.harmattan.count(id) (contract hook)');
}

// count returns window.harmattan.count(id): features of collection id drawn on the map now.
export async function count(page, id) {
  await assertHook(page);
  const n = await page.evaluate((id) => window.harmattan.count(id), id);
  assert.equal(typeof n, 'number', `window.harmattan.count(${id}) returned ${JSON.stringify(n)}`);
  return n;
}

// mapView returns the map's zoom and centre (contract map, or the captured Leaflet map).
export async function mapView(page) {
  return page.evaluate(() => {
    const m = window.__e2eMap();
    if (!m) throw new Error('no Leaflet map on the page');
    const c = m.getCenter();
    return { zoom: m.getZoom(), lat: c.lat, lng: c.lng };
  });
}

// setView moves the map without animation and resolves once it has settled.
export async function setView(page, lat, lng, zoom) {
  await page.evaluate(([lat, lng, zoom]) => new Promise((ok) => {
    const m = window.__e2eMap();
    m.once('moveend', () => setTimeout(ok, 50));
    m.setView([lat, lng], zoom, { animate: false });
  }), [lat, lng, zoom]);
  // Canvas renderers redraw on the next animation frame.
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
}

// pagePoint converts a latitude/longitude into page (CSS px) coordinates on the map.
export async function pagePoint(page, lat, lng) {
  return page.evaluate(([lat, lng]) => {
    const m = window.__e2eMap();
    const p = m.latLngToContainerPoint([lat, lng]);
    const r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y, inside: p.x >= 0 && p.y >= 0 && p.x < r.width && p.y < r.height };
  }, [lat, lng]);
}

// canvasAlpha reads, for each [lat, lng], the highest alpha (0-255) of any canvas of the map at
// that point's pixel: the canvases hold only what the app drew (no basemap), so a high alpha
// means a feature is drawn there. null for points outside the map.
export async function canvasAlpha(page, points) {
  return page.evaluate((points) => {
    const m = window.__e2eMap();
    const mr = m.getContainer().getBoundingClientRect();
    const canvases = [...m.getContainer().querySelectorAll('canvas')];
    return points.map(([lat, lng]) => {
      const p = m.latLngToContainerPoint([lat, lng]);
      if (p.x < 0 || p.y < 0 || p.x >= mr.width || p.y >= mr.height) return null;
      const x = mr.left + p.x;
      const y = mr.top + p.y;
      let best = 0;
      for (const c of canvases) {
        const r = c.getBoundingClientRect();
        if (!r.width || x < r.left || y < r.top || x >= r.right || y >= r.bottom) continue;
        const cx = Math.floor((x - r.left) * c.width / r.width);
        const cy = Math.floor((y - r.top) * c.height / r.height);
        const a = c.getContext('2d').getImageData(cx, cy, 1, 1).data[3];
        best = Math.max(best, a);
      }
      return best;
    });
  }, points);
}

// overlay returns the checkbox of the layers control entry whose text contains title,
// expanding the control first when it is collapsed (narrow screens).
export async function overlay(page, title) {
  const control = page.locator('.leaflet-control-layers');
  const expanded = await control.evaluate((e) => e.classList.contains('leaflet-control-layers-expanded'));
  if (!expanded) {
    await page.locator('.leaflet-control-layers-toggle').click();
    await page.waitForSelector('.leaflet-control-layers-expanded');
  }
  const label = page.locator('.leaflet-control-layers-overlays label', { hasText: title });
  assert.equal(await label.count(), 1, `one layers-control entry containing "${title}"`);
  return label.locator('input');
}

// setOverlay checks or unchecks a collection's entry in the layers control.
export async function setOverlay(page, title, on) {
  const box = await overlay(page, title);
  if ((await box.isChecked()) !== on) await box.click();
  assert.equal(await box.isChecked(), on, `layers control: "${title}" ${on ? 'checked' : 'unchecked'}`);
}

// overlayStates maps each overlay entry's text to whether it is checked.
export async function overlayStates(page) {
  return page.$$eval('.leaflet-control-layers-overlays label', (labels) =>
    Object.fromEntries(labels.map((l) => [l.textContent.trim(), l.querySelector('input').checked])));
}

// drawsFeatures tells whether a Leaflet map on the page (or frame) shows any vector feature:
// an SVG path, a marker, or a non-transparent canvas pixel.
export async function drawsFeatures(target) {
  return target.evaluate(() => {
    if (document.querySelectorAll('.leaflet-overlay-pane path, .leaflet-pane path.leaflet-interactive, .leaflet-marker-pane .leaflet-marker-icon').length) return true;
    return [...document.querySelectorAll('.leaflet-container canvas')].some((c) => {
      if (!c.width || !c.height) return false;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i]) return true;
      return false;
    });
  });
}

export async function screenshot(page, file) {
  await page.screenshot({ path: join(ARTIFACTS, file) });
}

// getJSON fetches a URL of our server from the test process.
export async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/geo+json, application/json' } });
  assert.equal(r.status, 200, `GET ${url}`);
  return r.json();
}

// The visible top-level controls (and the contract's own boxes), with their page rectangles.
export async function controlBoxes(page, extra = []) {
  return page.evaluate((extra) => {
    const nodes = [...document.querySelectorAll('.leaflet-control-container .leaflet-control')];
    extra.forEach((sel) => document.querySelectorAll(sel).forEach((n) => nodes.push(n)));
    const unique = [...new Set(nodes)].filter((n) => {
      const r = n.getBoundingClientRect();
      const s = getComputedStyle(n);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
    });
    const name = (n) => n.id ? `#${n.id}` : `${n.tagName.toLowerCase()}.${[...n.classList].join('.')}`;
    return unique.map((n) => {
      const r = n.getBoundingClientRect();
      return {
        name: name(n),
        rect: { left: r.left, top: r.top, right: r.right, bottom: r.bottom },
        // Indexes of the other boxes this one contains or is contained by.
        nested: unique.map((o, i) => (o !== n && (o.contains(n) || n.contains(o)) ? i : -1)).filter((i) => i >= 0)
      };
    });
  }, extra);
}

// assertLayout checks that every box is inside the viewport and that no two (unless nested)
// overlap.
export function assertLayout(boxes, viewport) {
  const eps = 0.5;
  for (const b of boxes) {
    const r = b.rect;
    assert.ok(r.left >= -eps && r.top >= -eps && r.right <= viewport.width + eps && r.bottom <= viewport.height + eps,
      `${b.name} lies outside the ${viewport.width}x${viewport.height} viewport: ${JSON.stringify(r)}`);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (boxes[i].nested.includes(j)) continue;
      const a = boxes[i].rect;
      const b = boxes[j].rect;
      const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > eps &&
        Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > eps;
      assert.ok(!overlap, `${boxes[i].name} ${JSON.stringify(a)} overlaps ${boxes[j].name} ${JSON.stringify(b)}`);
    }
  }
}

// assertTapTargets checks that each selector matches a visible element of at least 40x40 CSS px.
export async function assertTapTargets(page, selectors) {
  const small = [];
  for (const sel of selectors) {
    const el = page.locator(sel).first();
    assert.ok(await el.count(), `${sel} is missing`);
    await el.waitFor({ state: 'visible' });
    const box = await el.boundingBox();
    if (box.width < 40 - 0.01 || box.height < 40 - 0.01) small.push(`${sel}: ${box.width}x${box.height}`);
  }
  assert.deepEqual(small, [], `tap targets smaller than 40x40 CSS px:\n  ${small.join('\n  ')}`);
}
