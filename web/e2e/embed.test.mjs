// The embeddable map (GET /embed?layers=…): inside an <iframe> on another site it loads,
// credits its sources and links back to the full map.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SUITE, T, drawsFeatures, harness, screenshot, until, waitLoaded, withPage } from './browser.mjs';

describe('embed', SUITE, () => {
  const h = harness();

  it('may be framed by any site', T, async () => {
    const r = await fetch(`${h.origin}/embed?layers=incidents,regions`);
    await r.arrayBuffer();
    assert.equal(r.status, 200, 'GET /embed');
    assert.match(r.headers.get('content-type') || '', /^text\/html/, 'an HTML page');
    assert.equal(r.headers.get('x-frame-options'), null, 'no X-Frame-Options');
    const csp = r.headers.get('content-security-policy') || '';
    const fa = /frame-ancestors\s+([^;]*)/.exec(csp);
    assert.ok(!fa || /(^|\s)\*(\s|$)/.test(fa[1]), `CSP frame-ancestors allows any site (${fa && fa[1]})`);
  });

  it('in an iframe on another site: loads, draws, credits its sources and links to the full map', T, async () => {
    await withPage(h, 'embed iframe', { viewport: { width: 1000, height: 640 } }, async ({ page }) => {
      const src = `${h.origin}/embed?layers=incidents,regions`;
      const r = await fetch(src);
      await r.arrayBuffer();
      assert.equal(r.status, 200, `GET ${src}`);
      await page.goto(h.other.pageWithBody('embed', `
<h1 style="font: 600 18px sans-serif; margin: 12px 16px">A reader's page with an embedded Harmattan map</h1>
<iframe id="hm" src="${src}" width="960" height="540" style="border: 1px solid #ccc; margin: 0 16px" title="Harmattan map"></iframe>`));
      const frame = await until(() => page.frames().find((f) => f.url().startsWith(`${h.origin}/embed`)), 'the embed frame');
      await waitLoaded(frame);
      await until(() => drawsFeatures(frame), 'features drawn in the embed', { timeout: 10000 });

      const attribution = await frame.evaluate(() => [...document.querySelectorAll('.leaflet-control-attribution')]
        .map((n) => ({ text: n.innerText.trim(), visible: n.getBoundingClientRect().width > 0 })));
      assert.ok(attribution.some((a) => a.visible && a.text.length > 0), `a visible, non-empty .leaflet-control-attribution: ${JSON.stringify(attribution)}`);

      const links = await frame.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => {
        const r = a.getBoundingClientRect();
        return { href: a.href, text: a.innerText.trim(), target: a.target, visible: r.width > 0 && r.height > 0 };
      }));
      const back = links.filter((l) => {
        const u = new URL(l.href);
        return u.origin === h.origin && u.pathname === '/' && l.visible && l.text;
      });
      assert.ok(back.length, `a visible link back to the full map at ${h.origin}/: ${JSON.stringify(links)}`);
      assert.ok(back.some((l) => ['_blank', '_top', '_parent'].includes(l.target)),
        `the link to the full map leaves the iframe (target _blank or _top): ${JSON.stringify(back)}`);

      // Only the layers asked for, when the embed offers the counting hook.
      const counts = await frame.evaluate(() => window.harmattan && typeof window.harmattan.count === 'function'
        ? { incidents: window.harmattan.count('incidents'), regions: window.harmattan.count('regions'), bases: window.harmattan.count('bases') }
        : null);
      if (counts) {
        assert.ok(counts.incidents > 0 && counts.regions > 0, `incidents and regions drawn: ${JSON.stringify(counts)}`);
        assert.equal(counts.bases, 0, 'bases not drawn (not in ?layers=)');
      }
      await screenshot(page, 'embed.png');
    });
  });
});
