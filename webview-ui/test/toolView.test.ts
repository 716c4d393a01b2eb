// Tool inputs as people read them: commands, diff-like edits, paths, URLs; and which strings are files.
import assert from 'node:assert/strict';
import { fileRefOf } from '../src/fileLinks';
import { MAX_DIFF_LINES, addedHunk, editHunk, toolView } from '../src/toolView';

const marks = (h: ReturnType<typeof editHunk>) => h.lines.map((l) => `${l.mark}${l.text}`);

describe('tool views', () => {
  it('shows Bash as its command and WebFetch as its URL, never as JSON', () => {
    assert.deepEqual(toolView('Bash', { command: 'npm test', description: 'Run the tests' }), { kind: 'command', command: 'npm test', description: 'Run the tests' });
    assert.deepEqual(toolView('WebFetch', { url: 'https://example.com', prompt: 'summarise' }), { kind: 'url', url: 'https://example.com', detail: 'summarise' });
    assert.deepEqual(toolView('Read', { file_path: '/w/a.ts', offset: 10, limit: 5 }), { kind: 'path', path: '/w/a.ts', detail: '10+5' });
    assert.deepEqual(toolView('Grep', { pattern: 'TODO', path: 'src' }), { kind: 'search', pattern: 'TODO', path: 'src' });
  });

  it('shows Write as added lines under its path', () => {
    const v = toolView('Write', { file_path: 'notes.txt', content: 'one\ntwo\n' });
    assert.equal(v.kind, 'diff');
    if (v.kind !== 'diff') return;
    assert.equal(v.path, 'notes.txt');
    assert.deepEqual(marks(v.hunks[0]), ['+one', '+two']);
  });

  it('shows Edit as removed and added lines with a little context, and MultiEdit as one hunk per edit', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'old', 'g', 'h', 'i', 'j'].join('\n');
    const after = before.replace('old', 'new');
    assert.deepEqual(marks(editHunk(before, after)), ['gap4', ' e', ' f', '-old', '+new', ' g', ' h', 'gap2']);
    assert.deepEqual(marks(editHunk('x', 'y')), ['-x', '+y']);
    const multi = toolView('MultiEdit', { file_path: 'a.ts', edits: [{ old_string: 'a', new_string: 'b' }, { old_string: 'c', new_string: 'd' }] });
    assert.equal(multi.kind === 'diff' && multi.hunks.length, 2);
    const replaceAll = toolView('Edit', { file_path: 'a.ts', old_string: 'a', new_string: 'b', replace_all: true });
    assert.equal(replaceAll.kind === 'diff' && replaceAll.replaceAll, true);
  });

  it('folds a long file after MAX_DIFF_LINES and counts the rest', () => {
    const h = addedHunk(Array.from({ length: MAX_DIFF_LINES + 7 }, (_, i) => `line ${i}`).join('\n'));
    assert.equal(h.lines.length, MAX_DIFF_LINES);
    assert.equal(h.hidden, 7);
  });

  it('falls back to JSON for tools it does not know and inputs it cannot read', () => {
    assert.deepEqual(toolView('mcp__x__y', { a: 1 }), { kind: 'json', text: '{\n  "a": 1\n}' });
    assert.equal(toolView('Bash', { command: 42 }).kind, 'json');
    assert.equal(toolView('Write', null).kind, 'json');
  });
});

describe('file references', () => {
  it('recognises paths, with a line when given', () => {
    assert.deepEqual(fileRefOf('src/app.ts'), { path: 'src/app.ts' });
    assert.deepEqual(fileRefOf('README.md'), { path: 'README.md' });
    assert.deepEqual(fileRefOf('/home/u/w/a.py:12'), { path: '/home/u/w/a.py', line: 12 });
    assert.deepEqual(fileRefOf('src/a.ts:3:7'), { path: 'src/a.ts', line: 3 });
    assert.deepEqual(fileRefOf('lib/x.go#L40'), { path: 'lib/x.go', line: 40 });
    assert.deepEqual(fileRefOf('.gitignore'), { path: '.gitignore' });
    assert.deepEqual(fileRefOf('C:\\w\\a.cs'), { path: 'C:\\w\\a.cs' });
  });

  it('leaves words, commands, URLs and versions alone', () => {
    for (const s of ['npm', 'true', 'npm test', 'https://example.com/a.js', '1.2.3', 'v2.0', '...', 'src/', 'a.b()', 'x > y.txt', '']) {
      assert.equal(fileRefOf(s), null, s);
    }
  });
});
