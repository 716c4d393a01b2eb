// Which folder a device runs tasks in when a window has none, one or several (folderChoice.ts). The
// quick pick itself is exercised in a real VS Code (suite/folders.suite.ts); here every branch of the
// choice, including the ones a single code-server window cannot reach (a dismissed pick, a remembered
// folder that was removed from the workspace).
import * as assert from 'node:assert/strict';
import { chooseFolder, type FolderLike } from '../../src/vscode/folderChoice';

const a: FolderLike = { name: 'api', uri: 'file:///src/api' };
const b: FolderLike = { name: 'web', uri: 'file:///src/web' };
const c: FolderLike = { name: 'docs', uri: 'file:///src/docs' };

/** A pick that records what it was offered and answers with `answer(ordered)`. */
function picker(answer: (ordered: readonly FolderLike[]) => FolderLike | undefined) {
  const offered: Array<{ ordered: string[]; remembered?: string }> = [];
  return {
    offered,
    pick: async (ordered: readonly FolderLike[], remembered: FolderLike | undefined) => {
      offered.push({ ordered: ordered.map((f) => f.name), remembered: remembered?.name });
      return answer(ordered);
    },
  };
}

describe('workspace folder choice', () => {
  it('reports no folder when none is open (the caller offers Open Folder)', async () => {
    const p = picker(() => a);
    for (const folders of [undefined, []]) {
      assert.deepEqual(await chooseFolder({ folders, interactive: true, pick: p.pick }), { kind: 'none' });
    }
    assert.equal(p.offered.length, 0);
  });

  it('takes the only folder without asking', async () => {
    const p = picker(() => undefined);
    assert.deepEqual(await chooseFolder({ folders: [b], remembered: a.uri, interactive: true, pick: p.pick }), { kind: 'chosen', folder: b });
    assert.equal(p.offered.length, 0);
  });

  it('asks when several are open, the one used last time first', async () => {
    const p = picker((ordered) => ordered[2]);
    assert.deepEqual(await chooseFolder({ folders: [a, b, c], remembered: c.uri, interactive: true, pick: p.pick }), { kind: 'chosen', folder: b });
    assert.deepEqual(p.offered, [{ ordered: ['docs', 'api', 'web'], remembered: 'docs' }]);
  });

  it('asks in workspace order when nothing (or a folder no longer open) was remembered', async () => {
    const p = picker((ordered) => ordered[0]);
    assert.deepEqual(await chooseFolder({ folders: [a, b], remembered: 'file:///gone', interactive: true, pick: p.pick }), { kind: 'chosen', folder: a });
    assert.deepEqual(p.offered, [{ ordered: ['api', 'web'], remembered: undefined }]);
  });

  it('connects nothing when the pick is dismissed', async () => {
    assert.deepEqual(await chooseFolder({ folders: [a, b], interactive: true, pick: picker(() => undefined).pick }), { kind: 'cancelled' });
  });

  it('never asks on a silent reconnect: the remembered folder, else the first', async () => {
    const p = picker(() => c);
    assert.deepEqual(await chooseFolder({ folders: [a, b], remembered: b.uri, interactive: false, pick: p.pick }), { kind: 'chosen', folder: b });
    assert.deepEqual(await chooseFolder({ folders: [a, b], remembered: 'file:///gone', interactive: false, pick: p.pick }), { kind: 'chosen', folder: a });
    assert.equal(p.offered.length, 0);
  });
});
