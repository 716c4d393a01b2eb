// Which file a path in a chat reply opens (extension/src/vscode/chatFiles.ts): the conversation's
// worktree first, then the workspace; nothing outside them — not by "..", not by an absolute path,
// not through a symbolic link. Real folders and links in a temp dir; and the `@` ranking.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rankPaths, resolveChatFile } from '../../src/vscode/chatFiles';
import { disconnectedMessage, probeBackend } from '../../src/vscode/connectionWords';
import { freePort } from '../../../test/support/redis';

describe('chat file paths: inside the workspace only', () => {
  let base: string;
  let workspace: string;
  let worktree: string;
  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'wegent-chatfiles-')));
    workspace = join(base, 'ws');
    worktree = join(base, 'wt');
    for (const d of [join(workspace, 'src'), join(worktree, 'src'), join(base, 'outside')]) mkdirSync(d, { recursive: true });
    writeFileSync(join(workspace, 'src', 'app.ts'), 'workspace');
    writeFileSync(join(workspace, 'README.md'), 'readme');
    writeFileSync(join(worktree, 'src', 'app.ts'), 'worktree');
    writeFileSync(join(base, 'outside', 'secret.txt'), 'no');
    symlinkSync(join(base, 'outside'), join(workspace, 'link-out'));
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('finds a relative path in the worktree first, then the workspace', async () => {
    assert.deepEqual(await resolveChatFile([worktree, workspace], 'src/app.ts'), { ok: true, file: join(worktree, 'src', 'app.ts') });
    assert.deepEqual(await resolveChatFile([worktree, workspace], 'README.md'), { ok: true, file: join(workspace, 'README.md') });
    assert.deepEqual(await resolveChatFile([workspace], join(workspace, 'src', 'app.ts')), { ok: true, file: join(workspace, 'src', 'app.ts') });
  });

  it('refuses what leaves the roots: "..", an absolute path elsewhere, a symbolic link out', async () => {
    for (const p of ['../outside/secret.txt', join(base, 'outside', 'secret.txt'), '/etc/passwd', 'link-out/secret.txt']) {
      assert.deepEqual(await resolveChatFile([worktree, workspace], p), { ok: false, reason: 'outside' }, p);
    }
  });

  it('says missing for a path inside that does not exist (or is a folder), and for nonsense', async () => {
    assert.deepEqual(await resolveChatFile([workspace], 'src/nope.ts'), { ok: false, reason: 'missing' });
    assert.deepEqual(await resolveChatFile([workspace], 'src'), { ok: false, reason: 'missing' });
    assert.deepEqual(await resolveChatFile([workspace], 'a\0b'), { ok: false, reason: 'missing' });
    assert.deepEqual(await resolveChatFile([], 'src/app.ts'), { ok: false, reason: 'outside' });
  });

  it('ranks @ candidates: file name starts with the query, then contains it, then the path does', () => {
    const paths = ['src/xutils.ts', 'lib/utils/index.ts', 'src/utils.ts', 'README.md', 'test/utils.test.ts'];
    assert.deepEqual(rankPaths(paths, 'UTILS', 10), ['src/utils.ts', 'test/utils.test.ts', 'src/xutils.ts', 'lib/utils/index.ts']);
    assert.deepEqual(rankPaths(paths, '', 2), ['README.md', 'lib/utils/index.ts']);
  });
});

describe('the chat banner\'s words while the backend is down', () => {
  it('asks the URL what is wrong: refused, not "(Error)"', async () => {
    assert.equal(await probeBackend(`http://127.0.0.1:${await freePort()}`), 'connection refused');
  });

  it('puts socket.io\'s disconnect reasons in words', () => {
    assert.equal(disconnectedMessage('http://b', 'transport close'), 'Lost the connection to the Wegent backend at http://b (the connection closed: the backend stopped or the network dropped). Reconnecting…');
    assert.match(disconnectedMessage('http://b', 'ping timeout'), /stopped answering/);
  });
});
