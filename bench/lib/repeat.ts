// `--repeat N`: a suite run N times in a row, its rows and targets merged so one noisy run cannot
// flip a target. A number becomes "median (min–max)" over the runs (ratios: their median); a
// target is met when most runs met it, and its value lists every run's.
import { median, round } from './stats';
import type { Row, Target } from './report';

function spread(values: (number | string | undefined)[]): number | string | undefined {
  if (values.every((v) => v === undefined)) return undefined;
  const nums = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
  if (nums.length !== values.length) return values.map((v) => v ?? '—').join(' / ');
  if (nums.length === 1) return nums[0];
  return `${round(median(nums), 3)} (${round(Math.min(...nums), 3)}–${round(Math.max(...nums), 3)})`;
}

const mid = (values: (number | undefined)[]): number | undefined => {
  const nums = values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
  return nums.length ? round(median(nums), 2) : undefined;
};

export function mergeRows(runs: Row[][]): Row[] {
  if (runs.length === 1) return runs[0];
  return runs[0].map((first) => {
    // A run that has no such row (a capacity step it stopped before) counts for nothing here.
    const same = runs.map((r) => r.find((x) => x.scenario === first.scenario && x.metric === first.metric)).filter((r): r is Row => !!r);
    return {
      ...first,
      ours: spread(same.map((r) => r.ours)) ?? '—',
      baseline: spread(same.map((r) => r.baseline)),
      ratio: mid(same.map((r) => r.ratio)),
      floor: spread(same.map((r) => r.floor)),
      floorRatio: mid(same.map((r) => r.floorRatio)),
      unit: `${first.unit}, median (min–max) of ${same.length}`,
    };
  });
}

export function mergeTargets(runs: Target[][]): Target[] {
  if (runs.length === 1) return runs[0];
  return runs[0].map((first) => {
    const same = runs.map((r) => r.find((t) => t.name === first.name)).filter((t): t is Target => !!t);
    const met = same.filter((t) => t.met).length;
    return { ...first, value: `${met} of ${same.length} runs met: ${same.map((t) => t.value).join(' | ')}`, met: met * 2 > same.length };
  });
}
