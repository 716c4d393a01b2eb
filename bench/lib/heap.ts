// What a V8 heap snapshot holds, grouped by constructor (or node type for strings, code, arrays):
// count and self size. The difference of two snapshots divided by the devices connected in between
// says which objects each connected device costs, without guessing from RSS.

export interface HeapGroup {
  name: string;
  count: number;
  bytes: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size per group, e.g. "object:Socket", "closure", "string", "array". */
export function groupHeap(raw: unknown): Map<string, HeapGroup> {
  const s = raw as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < s.nodes.length; i += fields.length) {
    const type = types[s.nodes[i + iType]];
    // Objects by constructor name; everything else by its type (string names would be the contents).
    const name = type === 'object' ? `${s.strings[s.nodes[i + iName]]}` : type === 'native' ? `native:${s.strings[s.nodes[i + iName]]}` : `(${type})`;
    const g = groups.get(name) ?? { name, count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[i + iSize];
    groups.set(name, g);
  }
  return groups;
}

/** Groups that grew between two snapshots, per device, largest first. */
export function perDeviceGrowth(before: Map<string, HeapGroup>, after: Map<string, HeapGroup>, devices: number, top = 15): { name: string; perDevice: number; bytesPerDevice: number }[] {
  const out: { name: string; perDevice: number; bytesPerDevice: number }[] = [];
  for (const [name, a] of after) {
    const b = before.get(name) ?? { count: 0, bytes: 0 };
    const bytes = (a.bytes - b.bytes) / devices;
    if (bytes <= 0) continue;
    out.push({ name, perDevice: Math.round(((a.count - b.count) / devices) * 10) / 10, bytesPerDevice: Math.round(bytes) });
  }
  return out.sort((x, y) => y.bytesPerDevice - x.bytesPerDevice).slice(0, top);
}
