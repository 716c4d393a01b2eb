// The printed table and the targets check. Every row holds our figure, the baseline measured in the
// same run, and their ratio; targets are judged on those. Dispatch and stream rows also hold the
// durable relay's figure (the bare relay plus one Redis round trip per hop, bench/relay.ts): the
// floor of any design that stores a hop before passing it on.

export interface Row {
  scenario: string;
  metric: string;
  ours: number | string;
  baseline?: number | string;
  ratio?: number;
  /** The durable relay's figure, same run, and ours ÷ it. */
  floor?: number | string;
  floorRatio?: number;
  unit: string;
}

export interface Target {
  name: string;
  goal: string;
  value: string;
  met: boolean;
}

function cell(v: number | string | undefined): string {
  if (v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '—';
  return typeof v === 'number' ? String(v) : v;
}

export function table(rows: Row[]): string {
  const times = (r?: number) => (r === undefined ? '—' : `${r}×`);
  const head = ['scenario', 'metric', 'wegent', 'bare relay', 'ratio', 'relay + Redis', 'ratio', 'unit'];
  const body = rows.map((r) => [r.scenario, r.metric, cell(r.ours), cell(r.baseline), times(r.ratio), cell(r.floor), times(r.floorRatio), r.unit]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function targetsTable(targets: Target[]): string {
  const rows = targets.map((t) => `| ${t.met ? 'met ' : 'MISS'} | ${t.name} | ${t.goal} | ${t.value} |`);
  return ['| status | target | goal | measured |', '|---|---|---|---|', ...rows].join('\n');
}
