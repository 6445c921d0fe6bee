// Every agent's files as the agent itself writes them (docs/formats.md), for the end-to-end tests and
// the append-to-browser benchmark: one writer per agent, each able to start a tool call on a file (the
// feed shows the file's name) and to finish it. Written from the format notes, not from our parsers or
// simulated writers, so a test through them checks the parsers too. Claude Code's is ClaudeSession in
// harness.mjs. OpenCode's database is written by a separate `sqlite3` process kept open, as OpenCode
// keeps its own.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ClaudeSession } from './harness.mjs';

const iso = (ms = Date.now()) => new Date(ms).toISOString();
const id = () => crypto.randomUUID();
const append = (file, obj) => fs.appendFileSync(file, JSON.stringify(obj) + '\n');

/** Claude Code: a tool call is an assistant line; its result a user line. */
export class ClaudeWriter {
  static agent = 'claude';
  constructor(root, project) {
    this.s = new ClaudeSession(root, { project });
    this.cwd = this.s.cwd;
  }
  call(file) {
    return this.s.assistant({ tools: [{ name: 'Read', input: { file_path: `${this.cwd}/src/${file}` } }] })[0];
  }
  finish(callId) {
    this.s.result(callId, { content: 'x'.repeat(200) });
  }
}

/** Codex CLI: a rollout under sessions/YYYY/MM/DD/; a function_call, its output, cumulative token counts. */
export class CodexWriter {
  static agent = 'codex';
  constructor(root, project) {
    this.cwd = `/home/e2e/src/${project}`;
    this.session = id();
    const d = iso().slice(0, 10).split('-');
    const dir = path.join(root, ...d);
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `rollout-${iso().slice(0, 19).replace(/:/g, '-')}-${this.session}.jsonl`);
    this.total = { input_tokens: 0, cached_input_tokens: 0, output_tokens: 0, reasoning_output_tokens: 0, total_tokens: 0 };
    this.n = 0;
    this.line('session_meta', { id: this.session, timestamp: iso(), cwd: this.cwd, originator: 'codex_cli_rs', cli_version: '0.63.0', git: { branch: 'main' } });
    this.line('turn_context', { cwd: this.cwd, model: 'gpt-5-codex' });
  }
  line(type, payload) {
    append(this.file, { timestamp: iso(), type, payload });
  }
  call(file) {
    this.n += 1;
    const callId = `call_e2e_${this.n}`;
    const last = { input_tokens: 9000, cached_input_tokens: 8000, output_tokens: 150, reasoning_output_tokens: 40, total_tokens: 9150 };
    for (const k of Object.keys(this.total)) this.total[k] += last[k];
    // One append: the call and the token count after it, as Codex writes them within the same moment.
    fs.appendFileSync(this.file,
      JSON.stringify({ timestamp: iso(), type: 'response_item', payload: { type: 'function_call', name: 'read_file', arguments: JSON.stringify({ path: `${this.cwd}/src/${file}` }), call_id: callId } }) + '\n' +
      JSON.stringify({ timestamp: iso(), type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { ...this.total }, last_token_usage: last } } }) + '\n');
    return callId;
  }
  finish(callId) {
    this.line('response_item', { type: 'function_call_output', call_id: callId, output: JSON.stringify({ output: 'x'.repeat(200), metadata: { exit_code: 0 } }) });
  }
}

/** Qwen Code: projects/<cwd with every non-alphanumeric as '-'>/chats/<session>.jsonl, a uuid chain. */
export class QwenWriter {
  static agent = 'qwen';
  constructor(root, project) {
    this.cwd = `/home/e2e/src/${project}`;
    this.session = id();
    const dir = path.join(root, 'projects', this.cwd.replace(/[^A-Za-z0-9]/g, '-'), 'chats');
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${this.session}.jsonl`);
    this.last = null;
    this.n = 0;
  }
  record(type, extra) {
    const uuid = id();
    append(this.file, { uuid, parentUuid: this.last, sessionId: this.session, timestamp: iso(), type, cwd: this.cwd, version: '0.2.1', gitBranch: 'main', ...extra });
    this.last = uuid;
  }
  call(file) {
    this.n += 1;
    const callId = `call_qwen_${this.n}`;
    this.record('assistant', {
      model: 'qwen3-coder-plus',
      message: { role: 'model', parts: [{ functionCall: { id: callId, name: 'read_file', args: { absolute_path: `${this.cwd}/src/${file}` } } }] },
      usageMetadata: { promptTokenCount: 12000, cachedContentTokenCount: 9000, candidatesTokenCount: 120, thoughtsTokenCount: 0, totalTokenCount: 12120 },
    });
    return callId;
  }
  finish(callId) {
    this.record('tool_result', {
      message: { role: 'user', parts: [{ functionResponse: { id: callId, name: 'read_file', response: { output: 'x'.repeat(200) } } }] },
      toolCallResult: { callId, status: 'success' },
    });
  }
}

/** Gemini CLI (v0.39+ JSONL): tmp/<project>/chats/session-*.jsonl; a call is written once it finished. */
export class GeminiWriter {
  static agent = 'gemini';
  constructor(root, project) {
    this.cwd = `/home/e2e/src/${project}`;
    this.session = id();
    const folder = path.join(root, 'tmp', project);
    fs.mkdirSync(path.join(folder, 'chats'), { recursive: true });
    fs.writeFileSync(path.join(folder, '.project_root'), this.cwd);
    this.file = path.join(folder, 'chats', `session-${iso().slice(0, 16).replace(/:/g, '-')}-${this.session.slice(0, 8)}.jsonl`);
    append(this.file, { sessionId: this.session, projectHash: crypto.createHash('sha256').update(this.cwd).digest('hex'), startTime: iso(), lastUpdated: iso(), kind: 'main' });
  }
  call(file) {
    const callId = `read_file-${Date.now()}-${id().slice(0, 8)}`;
    const args = { absolute_path: `${this.cwd}/src/${file}` };
    const result = [{ functionResponse: { id: callId, name: 'read_file', response: { output: 'x'.repeat(200) } } }];
    append(this.file, {
      id: id(), timestamp: iso(), type: 'gemini', content: '', model: 'gemini-2.5-pro', thoughts: [],
      tokens: { input: 15000, output: 90, cached: 12000, thoughts: 30, tool: 0, total: 15120 },
      toolCalls: [{ id: callId, name: 'read_file', args, result, status: 'success', timestamp: iso(), displayName: 'ReadFile' }],
    });
    return callId;
  }
  finish() {} // written finished: there is no start to measure from
}

/** GitHub Copilot CLI: session-state/<session>/events.jsonl; start and complete events share toolCallId. */
export class CopilotWriter {
  static agent = 'copilot';
  constructor(root, project) {
    this.cwd = `/home/e2e/src/${project}`;
    this.session = id();
    const dir = path.join(root, 'session-state', this.session);
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'events.jsonl');
    this.last = null;
    this.n = 0;
    this.event('session.start', { sessionId: this.session, copilotVersion: '1.0.10', selectedModel: 'gpt-5.1', context: { cwd: this.cwd, branch: 'main' } });
  }
  event(type, data) {
    const eid = id();
    append(this.file, { type, data, id: eid, parentId: this.last, timestamp: iso() });
    this.last = eid;
  }
  call(file) {
    this.n += 1;
    const callId = `toolu_copilot_${this.n}`;
    this.event('assistant.message', { messageId: id(), content: '', outputTokens: 80, toolRequests: [{ toolCallId: callId, name: 'view' }] });
    this.event('tool.execution_start', { toolCallId: callId, toolName: 'view', arguments: { path: `${this.cwd}/src/${file}` } });
    return callId;
  }
  finish(callId) {
    this.event('tool.execution_complete', { toolCallId: callId, success: true, model: 'gpt-5.1', result: { content: 'x'.repeat(200) } });
  }
}

const OPENCODE_SCHEMA = `
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS project(id TEXT PRIMARY KEY, worktree TEXT NOT NULL, time_created INTEGER, time_updated INTEGER);
CREATE TABLE IF NOT EXISTS session(id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, slug TEXT, directory TEXT NOT NULL,
  title TEXT, version TEXT, cost REAL DEFAULT 0, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS message(id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS part(id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL, time_created INTEGER NOT NULL,
  time_updated INTEGER NOT NULL, data TEXT NOT NULL);
`;
const sql = (v) => `'${String(v).replace(/'/g, "''")}'`;

/** OpenCode (v1.2+): rows of opencode.db in WAL mode, a tool part updated in place (running, completed). */
export class OpenCodeWriter {
  static agent = 'opencode';
  constructor(root, project) {
    this.cwd = `/home/e2e/src/${project}`;
    this.session = `ses_${id().replace(/-/g, '').slice(0, 24)}`;
    this.n = 0;
    fs.mkdirSync(root, { recursive: true });
    // One sqlite3 process for the writer's life: it holds the database open, as OpenCode does.
    this.proc = spawn('sqlite3', ['-bail', path.join(root, 'opencode.db')], { stdio: ['pipe', 'ignore', 'pipe'] });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => (this.stderr += d));
    this.proc.on('error', (e) => (this.stderr += `sqlite3 could not start: ${e.message}`));
    const now = Date.now();
    this.exec(OPENCODE_SCHEMA +
      `INSERT INTO session(id, project_id, directory, title, version, time_created, time_updated) VALUES (${sql(this.session)}, 'prj_e2e', ${sql(this.cwd)}, 'e2e', '1.2.3', ${now}, ${now});`);
    this.message = `msg_${id().replace(/-/g, '').slice(0, 24)}`;
    const data = { role: 'assistant', time: { created: now }, parentID: 'msg_user', modelID: 'claude-sonnet-4-5', providerID: 'anthropic', mode: 'build', path: { cwd: this.cwd, root: this.cwd } };
    this.exec(`INSERT INTO message(id, session_id, time_created, time_updated, data) VALUES (${sql(this.message)}, ${sql(this.session)}, ${now}, ${now}, ${sql(JSON.stringify(data))});`);
    this.parts = new Map();
  }
  exec(text) {
    if (this.stderr) throw new Error(`sqlite3: ${this.stderr}`);
    this.proc.stdin.write(text + '\n');
  }
  part(partId, data, created) {
    const now = Date.now();
    this.exec(`INSERT INTO part(id, message_id, session_id, time_created, time_updated, data) VALUES (${sql(partId)}, ${sql(this.message)}, ${sql(this.session)}, ${created ?? now}, ${now}, ${sql(JSON.stringify(data))}) ` +
      'ON CONFLICT(id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data;');
  }
  call(file) {
    this.n += 1;
    const partId = `prt_e2e${String(this.n).padStart(6, '0')}${id().replace(/-/g, '').slice(0, 12)}`;
    const start = Date.now();
    const input = { filePath: `${this.cwd}/src/${file}` };
    const callID = `toolu_oc_${this.n}`;
    this.parts.set(partId, { start, input, callID });
    this.part(partId, { type: 'tool', callID, tool: 'read', state: { status: 'running', input, time: { start } } }, start);
    return partId;
  }
  finish(partId) {
    const { start, input, callID } = this.parts.get(partId);
    this.part(partId, { type: 'tool', callID, tool: 'read', state: { status: 'completed', input, output: 'x'.repeat(200), time: { start, end: Date.now() } } }, start);
    this.part(`${partId}f`, { type: 'step-finish', reason: 'tool-calls', cost: 0.01, tokens: { input: 50, output: 120, reasoning: 0, cache: { read: 20000, write: 300 } } });
  }
  close() {
    this.proc.stdin.end();
  }
}

export const WRITERS = [ClaudeWriter, CodexWriter, QwenWriter, GeminiWriter, CopilotWriter, OpenCodeWriter];

/** The serve flags naming each agent's folder under `dir`, and the folders (created). */
export function agentFolders(dir) {
  const folders = { claude: 'claude', codex: 'codex', qwen: 'qwen', gemini: 'gemini', copilot: 'copilot', opencode: 'opencode' };
  const flags = { claude: '--claude-projects', codex: '--codex-sessions', qwen: '--qwen-dir', gemini: '--gemini-dir', copilot: '--copilot-dir', opencode: '--opencode-dir' };
  const out = { folders: {}, args: [] };
  for (const [agent, name] of Object.entries(folders)) {
    const p = path.join(dir, name);
    fs.mkdirSync(p, { recursive: true });
    out.folders[agent] = p;
    out.args.push(flags[agent], p);
  }
  return out;
}

/**
 * Appends `rounds` tool calls per writer, round-robin (so every agent meets the same machine), and times
 * each from just before its write to the animation frame in which its row is in the feed; each call is
 * then finished. The gap lets the result's frame be applied first: the page applies frames at most every
 * 100 ms when they come faster (docs/PERFORMANCE.md), which a call landing right behind a result would
 * wait for. Returns { agent: [ms, ...] }.
 */
export async function timeAppends(page, writers, rounds, { gapMs = 300, rowSeen }) {
  const out = Object.fromEntries(writers.map((w) => [w.constructor.agent, []]));
  for (let i = 1; i <= rounds; i++) {
    for (const w of writers) {
      const agent = w.constructor.agent;
      const needle = `e2e-${agent}-${i}.ts`;
      const seen = rowSeen(page, needle);
      const t0 = Date.now();
      const callId = w.call(needle);
      out[agent].push((await seen) - t0);
      w.finish(callId);
      await page.waitForTimeout(gapMs);
    }
  }
  return out;
}
