// `engines.node` in package.json is a promise to whoever runs `npm install`: on every Node it admits,
// every package the lockfile installs must admit that Node too (npm only warns, EBADENGINE, and the
// package may then fail at run time). Checked at the lowest version of each range we admit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { REPO_ROOT } from '../support/backend';

const read = (file: string) => JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8'));

describe('package.json engines', () => {
  it('admits only Node versions every installed package supports', () => {
    const ours: string = read('package.json').engines.node;
    const lowest = new semver.Range(ours).set.map((comparators) => semver.minVersion(new semver.Range(comparators.map((c) => c.value).join(' ')))!.version);
    assert.ok(lowest.length > 0, ours);
    const lock = read('package-lock.json') as { packages: Record<string, { engines?: { node?: string } | string[] }> };
    const refused: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const wants = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (!path || !wants) continue;
      for (const version of lowest) if (!semver.satisfies(version, wants)) refused.push(`${path} wants node ${wants}, not ${version}`);
    }
    assert.deepEqual(refused, [], `engines.node "${ours}" admits versions these packages refuse`);
  });
});
