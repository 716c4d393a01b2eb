// Builds the JSON Schemas under shared/schema/ from the zod schemas, with zod's own export
// (z.toJSONSchema). Pure: returns file path (relative to shared/schema/) → file text, so the writer
// (writeSchemas.ts, `npm run schemas`) and the drift test (shared/test/schemas.test.ts) share it.
//
// - `types/<Name>.json`: every zod schema the package exports, found by walking its exports (a new
//   exported schema gets its file without touching this script).
// - `events/<namespace>/<event>.payload.json` and `.ack.json`: one per event of the table in
//   src/contract.ts; the ack file is the whole answer, `{ok:true, …}` or `{ok:false, error}`.
// - `index.json`: every event with its direction and files.
// Schemas describe what is accepted on input (`io: "input"`), so objects stay open: clients and the
// backend ignore fields they do not know.
import { z } from 'zod';
import * as shared from '../src/index';
import { AckError, CONTRACT, type EventSpec } from '../src/index';

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

type Json = Record<string, unknown>;

function toJson(schema: z.ZodType, title: string, description?: string): string {
  const body = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as Json;
  const { $schema: _drop, ...rest } = body;
  return `${JSON.stringify({ $schema: DRAFT, title, ...(description ? { description } : {}), ...rest }, null, 2)}\n`;
}

/** The exported zod schemas of the package, by export name (sorted, so output is stable). */
export function exportedSchemas(): [string, z.ZodType][] {
  const found: [string, z.ZodType][] = [];
  for (const [name, value] of Object.entries(shared) as [string, unknown][]) if (value instanceof z.ZodType) found.push([name, value]);
  return found.sort(([a], [b]) => a.localeCompare(b));
}

/** The full answer to an event sent with an ack: the ok-body with `ok: true`, or the error. */
export function ackSchema(okBody: z.ZodType): z.ZodType {
  if (!(okBody instanceof z.ZodObject)) throw new Error('ack bodies must be zod objects');
  return z.union([okBody.extend({ ok: z.literal(true) }), AckError]);
}

const fileName = (event: string) => event.replace(/:/g, '.');
const namespaceDir = (ns: string) => ns.replace(/^\//, '');

export function buildSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, schema] of exportedSchemas()) files.set(`types/${name}.json`, toJson(schema, name));

  const index: Json = {};
  for (const [ns, spec] of Object.entries(CONTRACT)) {
    const events: Json = {};
    const sides = [['clientToServer', 'client → server'], ['serverToClient', 'server → client']] as const;
    for (const [side, direction] of sides) {
      for (const [event, e] of Object.entries(spec[side] as Record<string, EventSpec>)) {
        const base = `events/${namespaceDir(ns)}/${fileName(event)}`;
        files.set(`${base}.payload.json`, toJson(e.payload, `${event} payload`, `${ns}, ${direction}`));
        if (e.ack) files.set(`${base}.ack.json`, toJson(ackSchema(e.ack), `${event} ack`, `${ns}, the answer to ${event}`));
        events[event] = { direction, payload: `${base}.payload.json`, ...(e.ack ? { ack: `${base}.ack.json` } : {}) };
      }
    }
    index[ns] = events;
  }
  files.set('index.json', `${JSON.stringify({ description: 'Wegent wire protocol: every Socket.IO event by namespace. Reference: docs/protocol.md.', namespaces: index }, null, 2)}\n`);
  return files;
}
