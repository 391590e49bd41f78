// Drives Debian's Chromium with playwright-core over one viewer page and prints what it saw as
// one JSON object. Used by tests/cli/view_browser.rs and benches/view_scale.rs.
//
//   node scripts/browser/drive.js '<plan as JSON>'
//
// plan: { page, steps: [{expand: selector} | {search: word} | {raw: selector}],
//         expect: [text, ...], screenshot: path?, probe: js expression?, measure: runs? }
// Every wait is bounded (timeout, default 10 s); nothing sleeps.
'use strict';
const path = require('path');
const { pathToFileURL } = require('url');
const { chromium } = require(process.env.PD_PLAYWRIGHT_CORE || 'playwright-core');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function open(browser, plan, report) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => { if (m.type() === 'error') report.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => report.pageErrors.push(String(e)));
  page.on('dialog', (d) => { report.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('request', (r) => { if (!r.url().startsWith('file:')) report.requests.push(r.url()); });
  const started = Date.now();
  await page.goto(pathToFileURL(path.resolve(plan.page)).href, { timeout: plan.timeout });
  await page.waitForSelector('html[data-ready="1"]', { timeout: plan.timeout });
  report.wallMs.push(Date.now() - started);
  report.readyMs.push(await page.evaluate(() => window.pdReadyMs));
  return page;
}

async function step(page, s, timeout) {
  if (s.expand) {
    const turn = page.locator(s.expand).first();
    // A turn the page opened by itself (a divergence's) stays open.
    if (!(await turn.evaluate((d) => d.open, null, { timeout }))) {
      await turn.locator('summary').click({ timeout });
    }
    await turn.locator('.body').waitFor({ state: 'visible', timeout });
  } else if (s.search !== undefined) {
    await page.fill('#q', s.search, { timeout });
    await page.waitForFunction((q) => {
      const st = document.getElementById('status').textContent;
      return q.trim() === '' ? st === '' : / turns/.test(st);
    }, s.search, { timeout });
  } else if (s.raw) {
    const button = page.locator(s.raw).first();
    await button.click({ timeout });
    await page.locator('pre.raw').first().waitFor({ state: 'visible', timeout });
  } else if (s.uncheck) {
    await page.locator(`#kinds input[data-kind="${s.uncheck}"]`).uncheck({ timeout });
  }
}

(async () => {
  const plan = JSON.parse(process.argv[2]);
  plan.timeout = plan.timeout || 10000;
  const report = { consoleErrors: [], pageErrors: [], dialogs: [], requests: [], readyMs: [],
    wallMs: [], visible: {}, hidden: {}, probe: null, status: null };
  const browser = await chromium.launch({ executablePath: plan.chromium || '/usr/bin/chromium',
    headless: true, args: FLAGS, timeout: plan.timeout });
  try {
    if (plan.measure) {
      for (let i = 0; i < plan.measure; i++) await (await open(browser, plan, report)).close();
    } else {
      const page = await open(browser, plan, report);
      for (const s of plan.steps || []) await step(page, s, plan.timeout);
      for (const text of plan.expect || []) {
        report.visible[text] = await page.getByText(text).first()
          .waitFor({ state: 'visible', timeout: plan.timeout }).then(() => true, () => false);
      }
      for (const text of plan.expectHidden || []) {
        report.hidden[text] = await page.getByText(text).first()
          .waitFor({ state: 'hidden', timeout: plan.timeout }).then(() => true, () => false);
      }
      if (plan.probe) report.probe = await page.evaluate(plan.probe);
      report.status = await page.textContent('#status');
      if (plan.screenshot) await page.screenshot({ path: plan.screenshot, fullPage: false });
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(report) + '\n');
})().catch((err) => {
  process.stderr.write(String(err && err.stack || err) + '\n');
  process.exit(1);
});
