// The run report in a real browser: Debian's headless Chromium driven by playwright-core opens the page of a
// run with a retried step, a failed branch step routed by on_failure and a map (fixtures/report), from disk.
// It clicks steps in the graph and in the list and reads what the page shows; every request the page makes is
// recorded, and only the page itself may be one. The screenshots stay in .tmp/ as artefacts of the run.
// Skips with a notice where Chromium is not installed (CI installs it: .ci/run).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as PlaywrightModule from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { ROOT } from './helpers/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`[skip] report browser test: ${CHROMIUM} is absent (apt-get install -y chromium)`);

const ARTEFACTS = path.join(ROOT, '.tmp');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type Playwright = typeof PlaywrightModule;
type Context = BrowserContext;

/** The drawn node whose label is exactly `label` (its SVG group also holds a <title> with its id). */
const node = (page: Page, label: string) => page.locator(`#graph g.node:has(text:text-is(${JSON.stringify(label)}))`);

describe.skipIf(!HAS_CHROMIUM)('the run report in headless Chromium', () => {
  let dir: string;
  let profile: string;
  let context: Context;
  let pageUrl: string;
  const requests: string[] = [];

  beforeAll(async () => {
    dir = copyFixture(path.join(ROOT, 'fixtures', 'report'), 'dagc-report-browser-');
    const run = await runCli(['run', 'pipeline.yaml', '-p', 'parameters.yaml'], { cwd: dir });
    expect(run.status, run.stderr).toBe(0);
    const report = await runCli(['report', 'latest', '-o', 'report.html'], { cwd: dir });
    expect(report.status, report.stderr).toBe(0);
    pageUrl = pathToFileURL(path.join(dir, 'report.html')).href;
    // A fresh profile each time (playwright takes it as the persistent context's user data dir).
    profile = mkdtempSync(path.join(tmpdir(), 'dagc-chromium-'));
    const { chromium } = (await import('playwright-core')) as Playwright;
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 1000 },
    });
    context.on('request', (r) => requests.push(r.url()));
    mkdirSync(ARTEFACTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the attempts and output of the step clicked in the graph, and fetches nothing', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(pageUrl);
    await page.waitForLoadState('load');

    // The retried step, clicked in the drawing: both attempts, their statuses and what each printed.
    await node(page, 'flaky').click();
    const detail = page.locator('section.detail:not([hidden])');
    await expect.poll(() => detail.locator('h2').innerText()).toContain('flaky');
    const text = await detail.innerText();
    expect(text).toMatch(/attempt 1\s*FAIL/);
    expect(text).toMatch(/attempt 2\s*SUCCESS/);
    expect(text).toContain('command exited with code 3: first try fails');
    const outputs = await detail.locator('pre.output').allInnerTexts();
    expect(outputs.map((o) => o.trim())).toEqual(['flaky attempt 1\nfirst try fails', 'flaky attempt 2']);
    expect(text).toContain('threshold');
    expect(text).toContain('score');
    // The node is marked as selected in the drawing.
    expect(await page.locator('#graph g.node.selected').count()).toBe(1);
    await page.screenshot({ path: path.join(ARTEFACTS, 'report-browser-flaky.png'), fullPage: true });

    // The failed branch step and the step its on_failure went to.
    await node(page, 'break').click();
    await expect.poll(() => detail.innerText()).toContain('command exited with code 4: disk on fire');
    expect(await detail.locator('h2 .badge').innerText()).toBe('FAIL');
    await page.locator('ul.tree a.step', { hasText: 'recover' }).click();
    expect(await detail.locator('pre.output').innerText()).toContain('recovered from break');

    // The map's step stands for three runs: clicking it lists the items, each opens its own step.
    await node(page, 'handle').click();
    const items = detail.locator('li a.step');
    expect(await items.allInnerTexts()).toEqual(['items.apple.handle', 'items.<i>pear</i>.handle', 'items.cherry.handle']);
    await items.nth(1).click();
    expect(await page.locator('section.detail:not([hidden]) pre.output').innerText()).toContain('handling "<i>pear</i>"');

    // Hostile text stays text: the step named like an <img> tag shows its script-looking output verbatim.
    await page.locator('ul.tree a.step', { hasText: '<img src=x onerror=alert(1)>' }).click();
    expect(await page.locator('section.detail:not([hidden]) pre.output').innerText()).toContain(
      '<script>alert("output")</script> & </pre><b>bold</b>',
    );
    expect(await page.locator('img').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTEFACTS, 'report-browser.png'), fullPage: true });

    // Composites close into single nodes (the overview) and open again.
    await page.locator('#expand').uncheck();
    expect(await page.locator('#graph').isHidden()).toBe(true);
    const closed = page.locator('#overview g.node:has(text:text-is("checks (parallel)"))');
    expect(await page.locator('#overview g.node:has(text:text-is("break"))').count()).toBe(0);
    await closed.click();
    expect(await detail.locator('h2').innerText()).toContain('checks');
    expect(await detail.innerText()).toMatch(/branches[\s\S]*good[\s\S]*bad/);
    await page.screenshot({ path: path.join(ARTEFACTS, 'report-browser-overview.png'), fullPage: true });
    await page.locator('#expand').check();
    expect(await page.locator('#overview').isHidden()).toBe(true);

    // A bar of the timeline selects its step as well.
    await page.locator('.gantt .bar').first().click();
    expect(await detail.locator('h2').innerText()).toContain('flaky');

    expect(errors).toEqual([]);
    // Only the page itself was requested: no script, style, font or image from anywhere else.
    expect([...new Set(requests)]).toEqual([pageUrl]);
    await page.close();
  });
});
