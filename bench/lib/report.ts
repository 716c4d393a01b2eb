// The printed table and the targets check. Every row holds our figure, the baseline measured in the
// same run, and their ratio; targets are judged on those.

export interface Row {
  scenario: string;
  metric: string;
  ours: number | string;
  baseline?: number | string;
  ratio?: number;
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
  const head = ['scenario', 'metric', 'wegent', 'bare relay', 'ratio', 'unit'];
  const body = rows.map((r) => [r.scenario, r.metric, cell(r.ours), cell(r.baseline), r.ratio === undefined ? '—' : `${r.ratio}×`, r.unit]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function targetsTable(targets: Target[]): string {
  const rows = targets.map((t) => `| ${t.met ? 'met ' : 'MISS'} | ${t.name} | ${t.goal} | ${t.value} |`);
  return ['| status | target | goal | measured |', '|---|---|---|---|', ...rows].join('\n');
}
