// The protocol reference and the JSON Schemas stay in step with shared/: the committed files under
// shared/schema/ are exactly what `npm run schemas` generates now, docs/protocol.md has a section for
// every event of both namespaces and a row for every ErrorCode (and none that do not exist), and the
// generated schemas work for an outside client (they compile under a standard validator and accept
// and refuse what the backend accepts and refuses).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { CONTRACT, ChatEvent, DeviceEvent, ErrorCode, NAMESPACE } from '../src/index';
import { buildSchemas } from '../scripts/buildSchemas';

const SCHEMA_DIR = join(__dirname, '..', 'schema');
const DOC = readFileSync(join(__dirname, '..', '..', 'docs', 'protocol.md'), 'utf8');
const REGENERATE = 'run `npm run schemas` and commit shared/schema/';

function committedFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of readdirSync(SCHEMA_DIR, { recursive: true, withFileTypes: true })) {
    if (!d.isFile()) continue;
    const full = join(d.parentPath, d.name);
    out.set(relative(SCHEMA_DIR, full).split('\\').join('/'), readFileSync(full, 'utf8'));
  }
  return out;
}

/** `## ` sections of the doc by heading, each with its `### \`name\`` sub-headings. */
function docSections(): Map<string, { lines: string[]; events: string[] }> {
  const sections = new Map<string, { lines: string[]; events: string[] }>();
  let current: { lines: string[]; events: string[] } | undefined;
  for (const line of DOC.split('\n')) {
    if (line.startsWith('## ')) sections.set(line.slice(3).trim(), (current = { lines: [], events: [] }));
    else if (current) {
      current.lines.push(line);
      const m = line.match(/^### `([^`]+)`\s*$/);
      if (m) current.events.push(m[1]);
    }
  }
  return sections;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('protocol reference and JSON Schemas', () => {
  it('shared/schema/ holds exactly what the generator makes from the zod schemas', () => {
    const expected = buildSchemas();
    const committed = committedFiles();
    const missing = sorted([...expected.keys()].filter((f) => !committed.has(f)));
    const stale = sorted([...committed.keys()].filter((f) => !expected.has(f)));
    const changed = sorted([...expected.keys()].filter((f) => committed.has(f) && committed.get(f) !== expected.get(f)));
    assert.deepEqual({ missing, stale, changed }, { missing: [], stale: [], changed: [] }, REGENERATE);
  });

  it('covers every exported schema and every event, with an ack file where the event has an ack', () => {
    const files = buildSchemas();
    for (const name of ['ChatSend', 'TaskComplete', 'ChatDone', 'DeviceView', 'TaskDetail', 'LoginResponse', 'Health']) {
      assert.ok(files.has(`types/${name}.json`), `types/${name}.json`);
    }
    const index = JSON.parse(files.get('index.json')!).namespaces;
    for (const [ns, spec] of Object.entries(CONTRACT)) {
      for (const [event, e] of [...Object.entries(spec.clientToServer), ...Object.entries(spec.serverToClient)]) {
        const entry = index[ns][event];
        assert.ok(entry && files.has(entry.payload), `${ns} ${event} payload`);
        assert.equal('ack' in e, 'ack' in entry, `${ns} ${event} ack`);
        if ('ack' in e) assert.ok(files.has(entry.ack));
      }
    }
  });

  it('the event table names exactly the events of DeviceEvent and ChatEvent', () => {
    const names = (ns: keyof typeof CONTRACT) => sorted(new Set([...Object.keys(CONTRACT[ns].clientToServer), ...Object.keys(CONTRACT[ns].serverToClient)]));
    assert.deepEqual(names(NAMESPACE.devices), sorted(new Set(Object.values(DeviceEvent))));
    assert.deepEqual(names(NAMESPACE.chat), sorted(new Set(Object.values(ChatEvent))));
  });

  it('docs/protocol.md has one section per event under its namespace, and no others', () => {
    const sections = docSections();
    for (const [ns, events] of [[NAMESPACE.devices, DeviceEvent], [NAMESPACE.chat, ChatEvent]] as const) {
      const heading = `Namespace \`${ns}\``;
      const section = sections.get(heading);
      assert.ok(section, `docs/protocol.md needs a "## ${heading}" section`);
      assert.deepEqual(sorted(section.events), sorted(new Set(Object.values(events))), `the ### \`event\` sections under "## ${heading}"`);
    }
  });

  it('docs/protocol.md lists every ErrorCode once in its table, and no code that does not exist', () => {
    const section = docSections().get('Error codes');
    assert.ok(section, 'docs/protocol.md needs a "## Error codes" section');
    const rows = section.lines.map((l) => l.match(/^\| `([A-Z_]+)` \|/)?.[1]).filter((c): c is string => !!c);
    assert.equal(new Set(rows).size, rows.length, 'a code is listed twice');
    assert.deepEqual(sorted(rows), sorted(Object.values(ErrorCode)));
  });

  it('the committed schemas compile under a standard validator and judge payloads as the backend does', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const load = (f: string) => JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8'));
    for (const f of committedFiles().keys()) if (f !== 'index.json') ajv.compile(load(f));

    const send = ajv.compile(load('events/chat/chat.send.payload.json'));
    assert.ok(send({ device_id: 'laptop-1', message: 'hi', extra: 'ignored' }), 'unknown fields are accepted');
    assert.ok(!send({ message: 'hi' }), 'device_id is required');
    assert.ok(!send({ device_id: 'bad id/..', message: 'hi' }), 'ids keep to their alphabet');

    const complete = ajv.compile(load('events/local-executor/task.complete.payload.json'));
    assert.ok(complete({ subtask_id: 's1', status: 'failed', error: 'plain string', last_seq: 0 }), 'a plain-string error is accepted');
    assert.ok(!complete({ subtask_id: 's1', status: 'done', last_seq: 0 }), 'status is one of the final statuses');

    const progress = ajv.compile(load('events/local-executor/task.progress.payload.json'));
    assert.ok(progress({ subtask_id: 's1', seq: 1, events: [{ type: 'tool_use', id: 't', name: 'Read', input: { path: 'a' } }] }));
    assert.ok(!progress({ subtask_id: 's1', seq: 0, events: [{ type: 'text', text: 'x' }] }), 'seq starts at 1');
    assert.ok(!progress({ subtask_id: 's1', seq: 1, events: [{ type: 'nope' }] }), 'unknown event types are refused');

    const ack = ajv.compile(load('events/chat/chat.send.ack.json'));
    assert.ok(ack({ ok: true, task_id: 't', subtask_id: 's', status: 'queued', queue_position: 2 }));
    assert.ok(ack({ ok: false, error: { code: 'DEVICE_OFFLINE', message: 'The device is offline.' } }));
    assert.ok(!ack({ ok: true }), 'a successful chat:send ack carries its ids');
  });
});
