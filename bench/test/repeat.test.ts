// `--repeat N` merges each suite's runs row by row. A run may lack a row the first one has (a
// capacity step it stopped before): that row is merged over the runs that have it, never over
// whatever row sits at the same place in the shorter run.
import assert from 'node:assert/strict';
import { mergeRows, mergeTargets } from '../lib/repeat';
import type { Row, Target } from '../lib/report';

const row = (scenario: string, metric: string, ours: number): Row => ({ scenario, metric, ours, unit: 'ms' });

describe('bench --repeat: merging runs', () => {
  it('merges a row over the runs that have it, as median (min–max)', () => {
    const full = [row('presence 10000 dev', 'ack p99', 40), row('presence 15000 dev', 'ack p99', 160), row('presence', 'largest N', 15000)];
    const short = [row('presence 10000 dev', 'ack p99', 55), row('presence', 'largest N', 5000)];
    const merged = mergeRows([full, short, full]);
    assert.deepEqual(merged.map((r) => [r.scenario, r.ours, r.unit]), [
      ['presence 10000 dev', '40 (40–55)', 'ms, median (min–max) of 3'],
      ['presence 15000 dev', '160 (160–160)', 'ms, median (min–max) of 2'],
      ['presence', '15000 (5000–15000)', 'ms, median (min–max) of 3'],
    ]);
  });

  it('calls a target met when most of the runs that report it met it', () => {
    const t = (name: string, met: boolean): Target => ({ name, goal: 'g', value: met ? 'yes' : 'no', met });
    const merged = mergeTargets([[t('a', true), t('b', false)], [t('b', true)], [t('a', false), t('b', true)]]);
    assert.deepEqual(merged.map((m) => [m.name, m.met, m.value]), [['a', false, '1 of 2 runs met: yes | no'], ['b', true, '2 of 3 runs met: no | yes | yes']]);
  });
});
