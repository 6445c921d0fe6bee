// What the end-to-end tests need around the real server: temporary folders, the agentpulse binary
// (started and killed as a user would), Claude Code transcript lines, Debian's Chromium through
// playwright-core, and bounded waits. Loopback only.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const artifacts = path.join(here, 'artifacts');
export const binary = process.env.AGENTPULSE_BIN ?? path.join(root, process.env.BUILD_DIR ? path.relative(root, process.env.BUILD_DIR) : 'build', 'agentpulse');
export const dashboard = path.join(root, 'frontend', 'dist');
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Every browser test file starts with this: the binary and the dashboard it serves must have been built.
export function requireBuilt() {
  fs.mkdirSync(artifacts, { recursive: true });
  before(() => {
    assert.ok(fs.existsSync(binary), `no server binary at ${binary}: run scripts/build.sh first`);
    assert.ok(fs.existsSync(path.join(dashboard, 'index.html')), `no built dashboard at ${dashboard}: run scripts/build.sh first`);
  });
}

// A scratch folder with a store path and empty Claude Code and Codex folders for `serve`.
export function scratch() {
  const dir = tmpdir();
  const claude = path.join(dir, 'claude');
  const codex = path.join(dir, 'codex');
  fs.mkdirSync(claude);
  fs.mkdirSync(codex);
  return { dir, store: path.join(dir, 'store.db'), claude, codex };
}

// A server on a scratch() folder and a Chromium page on it, started before the file's tests and stopped
// (the folder removed) after them. The returned object's `server` and `page` are set once started.
export function servedPage(folders) {
  const it = { server: null, page: null };
  let b;
  before(async () => {
    it.server = await serve({ store: folders.store, claude: folders.claude, codex: folders.codex });
    b = await browser();
    it.page = await b.context.newPage();
    it.page.on('pageerror', (e) => console.error('page error:', e.message));
  });
  after(async () => {
    await b?.close();
    await it.server?.stop();
    fs.rmSync(folders.dir, { recursive: true, force: true });
  });
  return it;
}

export function tmpdir(prefix = 'agentpulse-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function waitFor(check, { timeout = 10_000, every = 50, what = 'condition' } = {}) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeout) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

const isolatedHome = tmpdir('agentpulse-home-');
process.on('exit', () => fs.rmSync(isolatedHome, { recursive: true, force: true }));

/** Runs `agentpulse <args>`; for serve, resolves once it printed "listening on http://HOST:PORT". */
export function run(args, { waitListening = false, timeout = 20_000 } = {}) {
  // HOME is an empty folder of its own: an agent whose folder a test does not name finds nothing there,
  // never the real transcripts of whoever runs the tests.
  const env = { ...process.env, HOME: isolatedHome };
  for (const k of Object.keys(env)) if (k.startsWith('AGENTPULSE_')) delete env[k];
  delete env.XDG_DATA_HOME; // OpenCode's data folder would be found there, not under HOME
  delete env.OPENCODE_DB;
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const out = { proc, stdout: '', stderr: '', url: null, port: null, exited: null };
  proc.stdout.on('data', (d) => (out.stdout += d));
  proc.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve((out.exited = { code, signal }))));
  out.stop = async (signal = 'SIGTERM') => {
    if (out.exited) return out.exited;
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    const r = await exited;
    clearTimeout(t);
    return r;
  };
  if (!waitListening) return Promise.resolve(out);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`agentpulse ${args.join(' ')} did not print "listening on" in ${timeout} ms\n${out.stderr}`));
    }, timeout);
    const onData = () => {
      const m = /listening on (http:\/\/[^\s]+:(\d+))/.exec(out.stdout);
      if (m) {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        out.url = m[1];
        out.port = Number(m[2]);
        resolve(out);
      }
    };
    proc.stdout.on('data', onData);
    exited.then((e) => {
      clearTimeout(timer);
      if (!out.url) reject(new Error(`agentpulse ${args.join(' ')} exited (${JSON.stringify(e)}) before listening:\n${out.stderr}`));
    });
  });
}

export function serve({ store, claude, codex, port = 0, extra = [] }) {
  return run(
    ['serve', '--host', '127.0.0.1', '--port', String(port), '--store', store, '--claude-projects', claude, '--codex-sessions', codex,
      '--static-dir', dashboard, '--log-level', 'warn', ...extra],
    { waitListening: true },
  );
}

export async function browser() {
  const userDataDir = tmpdir('agentpulse-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
    viewport: { width: 1400, height: 900 },
    timezoneId: 'Europe/Berlin',
  });
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

// ---- Claude Code transcript lines (docs/formats.md, "Claude Code") ----

let uuidN = 0;
export function uuid() {
  uuidN += 1;
  const hex = (Date.now().toString(16) + uuidN.toString(16).padStart(8, '0')).padStart(32, '0').slice(-32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class ClaudeSession {
  constructor(projectsRoot, { project = 'shop', session = uuid(), model = 'claude-sonnet-4-5-20250929' } = {}) {
    this.cwd = `/home/e2e/src/${project}`;
    this.session = session;
    this.model = model;
    this.file = path.join(projectsRoot, this.cwd.replace(/\//g, '-'), `${session}.jsonl`);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.n = 0;
  }
  common(ts) {
    return { parentUuid: null, isSidechain: false, userType: 'external', cwd: this.cwd, sessionId: this.session, version: '2.1.3', gitBranch: 'main', uuid: uuid(), timestamp: ts };
  }
  append(obj) {
    fs.appendFileSync(this.file, JSON.stringify(obj) + '\n');
  }
  user(text, ts = new Date().toISOString()) {
    this.append({ ...this.common(ts), type: 'user', message: { role: 'user', content: text } });
  }
  /** An assistant line with tool calls and usage; returns the tool_use ids. */
  assistant({ tools = [], usage = { input_tokens: 1200, output_tokens: 300, cache_read_input_tokens: 40000, cache_creation_input_tokens: 2000 }, ts = new Date().toISOString() } = {}) {
    this.n += 1;
    const ids = tools.map((_, i) => `toolu_e2e_${this.session.slice(0, 8)}_${this.n}_${i}`);
    const content = tools.map((t, i) => ({ type: 'tool_use', id: ids[i], name: t.name, input: t.input }));
    this.append({
      ...this.common(ts),
      type: 'assistant',
      requestId: `req_e2e_${this.session.slice(0, 8)}_${this.n}`,
      message: { id: `msg_e2e_${this.session.slice(0, 8)}_${this.n}`, type: 'message', role: 'assistant', model: this.model, content, stop_reason: null, usage: { ...usage, service_tier: 'standard' } },
    });
    return ids;
  }
  result(toolUseId, { content = 'ok', isError = false, ts = new Date().toISOString() } = {}) {
    const block = { type: 'tool_result', tool_use_id: toolUseId, content };
    if (isError) block.is_error = true;
    this.append({ ...this.common(ts), type: 'user', message: { role: 'user', content: [block] }, toolUseResult: { stdout: content } });
  }
}

/** Waits (in the page, every animation frame) for a feed row holding `needle`; resolves with the page's Date.now() then. */
export function rowSeen(page, needle, timeout = 5000) {
  return page
    .waitForFunction(
      (n) => {
        const el = Array.from(document.querySelectorAll('[data-key]')).find((e) => e.textContent.includes(n));
        return el ? Date.now() : false;
      },
      needle,
      { polling: 'raf', timeout },
    )
    .then((h) => h.jsonValue())
    .catch(async (e) => {
      const rows = await page.locator('[data-key]').evaluateAll((els) => els.slice(0, 8).map((el) => el.textContent)).catch(() => []);
      const conn = await page.getByTestId('connection').innerText().catch(() => '?');
      throw new Error(`no feed row with "${needle}" after ${timeout} ms (connection: ${conn}; newest rows: ${JSON.stringify(rows)}): ${e.message}`);
    });
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return null;
  return s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1];
}
