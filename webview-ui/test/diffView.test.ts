// The diff view's parser: one section per file, lines classified, counts that match what git says.
import assert from 'node:assert/strict';
import { parseUnifiedDiff } from '../src/diffView';

const DIFF = [
  'diff --git a/src/a.ts b/src/a.ts',
  'index 1111111..2222222 100644',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -1,3 +1,3 @@',
  ' keep',
  '-old line',
  '+new line',
  '+--- not a header, an added line',
  ' keep too',
  'diff --git a/logo.png b/logo.png',
  'new file mode 100644',
  'Binary files /dev/null and b/logo.png differ',
  'diff --git a/old.txt b/new.txt',
  'similarity index 90%',
  'rename from old.txt',
  'rename to new.txt',
  '',
].join('\n');

describe('webview: unified diff view', () => {
  it('splits per file with counts, renames and binary files', () => {
    const files = parseUnifiedDiff(DIFF);
    assert.deepEqual(files.map((f) => [f.path, f.oldPath, f.additions, f.deletions, f.binary]), [
      ['src/a.ts', undefined, 2, 1, false],
      ['logo.png', undefined, 0, 0, true],
      ['new.txt', 'old.txt', 0, 0, false],
    ]);
    assert.deepEqual(files[0].lines.map((l) => l.kind), ['hunk', 'ctx', 'del', 'add', 'add', 'ctx']);
    assert.equal(files[0].lines[4].text, '--- not a header, an added line');
  });

  it('reads an empty or cut diff without failing', () => {
    assert.deepEqual(parseUnifiedDiff(''), []);
    const cut = parseUnifiedDiff('diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b');
    assert.equal(cut[0].additions, 1);
  });
});
