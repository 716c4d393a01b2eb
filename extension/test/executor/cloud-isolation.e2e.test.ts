// Cloud pool workspaces are isolated between users (issue 11.2): a pool executor in the loosest mode
// (bypassPermissions, asked for by the message too) runs user B's task, whose model — real Claude Code
// through the real Agent SDK, scripted — tries every tool on user A's folder next to B's own: read,
// list, search, write, edit, a shell, a relative path climbing out, a symlink planted inside B's own
// folder. Nothing of A's may reach B's model, and A's folder must be as it was.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createUser } from '../../../test/support/backend';
import { TestChat } from '../../../test/support/clients';
import { reply, text, toolUse } from '../../../test/support/modelServer';
import { escapeReason } from '../../src/executor/confinement';
import { startStack, type Stack } from './stack';
import { tempDir } from './tmp';

const SECRET = 'A-SECRET-7c1f2e';

describe('executor: cloud pool tasks cannot reach another user\'s folder (real SDK and Claude Code)', function () {
  this.timeout(180_000);
  let stack: Stack;

  before(async function () {
    this.timeout(120_000);
    stack = await startStack();
  });
  after(() => stack?.stop());

  it('user B, in bypassPermissions, cannot read, list, search, write or edit user A\'s folder by any tool', async () => {
    const operator = await createUser(stack.backend, { role: 'operator' });
    const root = tempDir('cloud-root');
    await stack.executor({
      token: operator.token, mode: 'cloud', workspace: root, deviceId: 'cloud-iso', permissionMode: 'bypassPermissions',
      env: { ...stack.model.claudeEnv(stack.claudeConfigDir), IS_SANDBOX: '1' },
    });
    // User A's earlier task left a file in A's folder.
    const a = stack.user;
    const aFolder = path.join(root, a.userId, 'task-of-a');
    mkdirSync(aFolder, { recursive: true });
    const aFile = path.join(aFolder, 'secret.txt');
    writeFileSync(aFile, `${SECRET}\n`);

    const b = await createUser(stack.backend);
    const chatB = await TestChat.connect({ url: stack.backend.url, token: b.token });
    try {
      // B's own folder is made by the executor: plant a symlink to A's folder there first, as a
      // repository checked out in an earlier turn could have. B's task id is only known once sent,
      // so the model's first turn only lists the folder; the attack comes in the second.
      const attacks = (bFolder: string) => ([
        ['Read', { file_path: aFile }],
        ['Read', { file_path: path.join(bFolder, '..', '..', a.userId, 'task-of-a', 'secret.txt') }],
        ['Read', { file_path: path.join(bFolder, 'link-to-a', 'secret.txt') }],
        ['Glob', { pattern: '**/*', path: aFolder }],
        ['Glob', { pattern: `${root}/**/*.txt` }],
        ['Grep', { pattern: 'SECRET', path: root, output_mode: 'content' }],
        ['Write', { file_path: path.join(aFolder, 'planted.txt'), content: 'from B' }],
        ['Edit', { file_path: aFile, old_string: SECRET, new_string: 'overwritten by B' }],
        ['Bash', { command: `cat ${aFile}; ls -la ${root}`, description: 'peek' }],
      ] as const).map(([name, input], i) => toolUse(name, input, `toolu_attack_${i}`));
      const bRoot = path.join(root, b.userId);
      let bFolder = '';
      stack.model.script('ISOB-LOOK', reply(toolUse('Glob', { pattern: '*' })), reply(text('…')));
      const sent = await chatB.sendOk({ device_id: 'cloud', message: 'ISOB-LOOK look around', permission_mode: 'bypassPermissions' });
      bFolder = path.join(bRoot, sent.task_id);
      assert.equal((await chatB.waitForDone(sent.subtask_id, 90_000)).status, 'completed');
      symlinkSync(aFolder, path.join(bFolder, 'link-to-a'));
      writeFileSync(path.join(bFolder, 'mine.txt'), 'B own file\n');

      stack.model.script('ISOB-ATTACK', reply(...attacks(bFolder)), reply(toolUse('Read', { file_path: path.join(bFolder, 'mine.txt') })), reply(text('Done.')));
      const follow = await chatB.sendOk({ device_id: 'cloud', task_id: sent.task_id, message: 'ISOB-ATTACK now take a look next door', permission_mode: 'bypassPermissions' });
      const done = await chatB.waitForDone(follow.subtask_id, 90_000);
      assert.equal(done.status, 'completed', JSON.stringify(done.error));

      const requests = stack.model.requestsFor('ISOB-ATTACK');
      const results = requests.at(-1)!.toolResults;
      const attackResults = Array.from({ length: 9 }, (_, i) => results.find((r) => r.tool_use_id === `toolu_attack_${i}`)!).filter(Boolean);
      assert.equal(attackResults.length, 9, JSON.stringify(results));
      for (const r of attackResults) assert.equal(r.is_error, true, `a tool reached outside B's folder: ${r.text.slice(0, 200)}`);
      // What the tools answered (the model's own inputs name the secret in the Edit, so only results count).
      const answered = JSON.stringify(requests.flatMap((r) => r.toolResults.map((t) => t.text)));
      assert.ok(!answered.includes(SECRET) && !answered.includes('secret.txt\\n'), 'A\'s file content or listing reached B\'s model');
      assert.match(attackResults[0]!.text, /only use files in this task's folder/);
      assert.match(attackResults[8]!.text, /No such tool available: Bash|Bash is not available/);
      // The positive control: B's own file is readable.
      assert.match(results.at(-1)!.text, /B own file/);
      // A's folder is exactly as A left it.
      assert.deepEqual(readdirSync(aFolder), ['secret.txt']);
      assert.equal(readFileSync(aFile, 'utf8'), `${SECRET}\n`);
    } finally {
      chatB.close();
    }
  });

  it('the rule itself: paths are resolved (.., symlinks, files to be created) against the task folder', () => {
    const root = tempDir('confine');
    const mine = path.join(root, 'u1', 't1');
    const theirs = path.join(root, 'u2', 't2');
    mkdirSync(mine, { recursive: true });
    mkdirSync(theirs, { recursive: true });
    symlinkSync(theirs, path.join(mine, 'out'));
    assert.equal(escapeReason(mine, 'Write', { file_path: path.join(mine, 'new', 'deep', 'file.txt') }), undefined);
    assert.equal(escapeReason(mine, 'Read', { file_path: 'relative.txt' }), undefined);
    assert.equal(escapeReason(mine, 'Glob', { pattern: 'src/**/*.ts' }), undefined);
    assert.equal(escapeReason(mine, 'WebFetch', { url: 'https://example.org/' }), undefined);
    for (const [tool, input] of [
      ['Read', { file_path: path.join(theirs, 'x') }],
      ['Read', { file_path: '../../u2/t2/x' }],
      ['Read', { file_path: path.join(mine, 'out', 'x') }],
      ['Write', { file_path: path.join(mine, 'out', 'new.txt') }],
      ['Read', { file_path: '~/.ssh/id_rsa' }],
      ['Glob', { pattern: '../../**' }],
      ['Glob', { pattern: '/etc/*' }],
      ['Grep', { pattern: 'x', glob: '../**/*.ts' }],
      ['NotebookEdit', { notebook_path: path.join(theirs, 'n.ipynb') }],
      ['Bash', { command: 'ls' }],
    ] as const) {
      assert.ok(escapeReason(mine, tool, input as Record<string, unknown>), `${tool} ${JSON.stringify(input)} was let out`);
    }
  });
});
