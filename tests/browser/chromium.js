'use strict';
// The headless Chromium every browser test drives: Debian's /usr/bin/chromium (or
// $JUNCTION_CHROMIUM) through npm playwright-core, which never downloads a browser, with the
// flags that keep it quiet and offline. launchBrowser() gives each test a fresh profile and takes
// the browser down with it, whatever happens to the test.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { within } = require('../e2e/js/harness.js');

let playwrightPath;
try {
  playwrightPath = require.resolve('playwright-core');
} catch (e) {
  playwrightPath = require.resolve(path.join(__dirname, '..', '..', 'node_modules', 'playwright-core'));
}
const { chromium } = require(playwrightPath);

const CHROMIUM = process.env.JUNCTION_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const LAUNCH_TIMEOUT_MS = 30000;
const CLOSE_TIMEOUT_MS = 10000;

// The browser process: our child whose command line names the profile directory. Playwright
// starts it as a process group leader, so its renderers go with its group.
function findBrowserPid(userDataDir) {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(userDataDir)) return Number(entry);
    } catch (e) { /* gone */ }
  }
  return null;
}

function killGroup(pid) {
  if (pid === null) return;
  for (const target of [-pid, pid]) { // its process group, then itself
    try { process.kill(target, 'SIGKILL'); } catch (e) { /* gone */ }
  }
}

const running = new Set(); // pids of browsers not closed yet, killed if the test process exits
process.on('exit', () => { for (const pid of running) killGroup(pid); });

// A headless Chromium on a fresh persistent profile: { context, userDataDir, pid, close }.
// close() asks it to close (at most 10 s), then kills what is left and removes the profile;
// it never throws. `options` go to playwright's launchPersistentContext.
async function launchBrowser(options = {}) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'junction-browser-profile-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: LAUNCH_TIMEOUT_MS,
      ...options,
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    throw e;
  }
  const pid = findBrowserPid(userDataDir);
  if (pid !== null) running.add(pid);
  let closed = false;
  return {
    context,
    userDataDir,
    pid,
    async close() {
      if (closed) return;
      closed = true;
      await within(context.close(), CLOSE_TIMEOUT_MS, 'chromium close').catch((e) => {
        console.error(`chromium did not close: ${e.message}; killing it`);
      });
      killGroup(pid);
      running.delete(pid);
      // Chromium's last writes may race the removal: retry briefly.
      fs.rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

module.exports = { chromium, CHROMIUM, CHROMIUM_ARGS, launchBrowser };
