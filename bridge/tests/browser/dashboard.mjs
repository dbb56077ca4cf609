// Drives the dashboard in headless chromium for tests/bridge_browser.rs.
//
// usage: node dashboard.mjs URL CORE_PID SCREENSHOT
//
// Steps (each waits with a generous timeout; nothing asserts a duration):
//  1. the page loads and leaves its loading state once the first snapshot arrives;
//  2. a position opens and the event stream fills;
//  3. the core is stopped with SIGSTOP: the STALE badge appears; SIGCONT: it goes;
//  4. a screenshot is saved;
//  5. prints "phase kill-bridge" and waits for the disconnected banner, prints
//     "phase restart-bridge", then waits for the page to reconnect and new events.
// Progress lines go to stdout ("phase ..." lines are the test's cue); any failure, an
// uncaught exception in the page included, exits 1 with the reason. (Console errors
// are not failures: chromium logs each refused reconnect attempt as one.)
import { chromium } from 'playwright-core';

const [url, corePid, screenshot] = process.argv.slice(2);
const T = 120_000;
const log = (...a) => console.log(...a);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--no-first-run', '--disable-dev-shm-usage'],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await page.goto(url);
  await page.waitForFunction(() => !document.body.classList.contains('loading'), null, { timeout: T });
  log('snapshot rendered; first render', await page.getAttribute('body', 'data-first-render-ms'), 'ms after it arrived');
  await page.waitForSelector('#positions tbody tr[data-open="1"]', { timeout: T });
  await page.waitForFunction(() => document.querySelectorAll('#events li[data-seq]').length >= 10, null, { timeout: T });
  const positions = await page.$$eval('#positions tbody tr', (rows) => rows.map((r) => r.innerText));
  log('positions:', JSON.stringify(positions));
  if (!(await page.isHidden('#stale-badge'))) throw new Error('stale badge shown while the core runs');

  process.kill(Number(corePid), 'SIGSTOP');
  log('core stopped (SIGSTOP)');
  try {
    await page.waitForSelector('#stale-badge', { state: 'visible', timeout: T });
    log('stale badge:', await page.textContent('#stale-badge'));
  } finally {
    process.kill(Number(corePid), 'SIGCONT');
  }
  await page.waitForSelector('#stale-badge', { state: 'hidden', timeout: T });
  log('core resumed, badge gone');
  const before = await page.$$eval('#events li[data-seq]', (l) => Number(l[0].dataset.seq));
  await page.waitForFunction((s) => Number(document.querySelector('#events li[data-seq]').dataset.seq) > s,
    before, { timeout: T });
  await page.screenshot({ path: screenshot, fullPage: true });
  log('screenshot', screenshot);

  log('phase kill-bridge');
  await page.waitForFunction(() => {
    const b = document.getElementById('banner');
    return !b.hidden && b.textContent.includes('Disconnected');
  }, null, { timeout: T });
  log('disconnected banner:', await page.textContent('#banner'));
  const last = await page.$$eval('#events li[data-seq]', (l) => Number(l[0].dataset.seq));
  log('phase restart-bridge');
  await page.waitForSelector('#banner', { state: 'hidden', timeout: T });
  await page.waitForFunction((s) => Number(document.querySelector('#events li[data-seq]').dataset.seq) > s,
    last, { timeout: T });
  log('reconnected; events continue after', last);
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  log('ok');
} catch (e) {
  failed = true;
  console.error('browser test failed:', e.message);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
