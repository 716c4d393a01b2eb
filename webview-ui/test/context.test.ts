// Editor context for the next message (issue 20.10): chip labels, the text the agent receives, one
// entry per file or range, and a fence a selection's own backticks cannot close.
import assert from 'node:assert/strict';
import type { ContextItem } from '@wegent/shared';
import { contextLabel, withContext } from '../src/context';
import { initialState, reduce } from '../src/state';

describe('chat: editor context for the next message', () => {
  const selection: ContextItem = { kind: 'selection', path: 'src/a.ts', startLine: 2, endLine: 2, text: 'const a = 1;' };

  it('labels files by path and selections by path and lines', () => {
    assert.equal(contextLabel({ kind: 'file', path: 'README.md' }), 'README.md');
    assert.equal(contextLabel(selection), 'src/a.ts:2');
    assert.equal(contextLabel({ ...selection, endLine: 9 }), 'src/a.ts:2–9');
  });

  it('sends the message unchanged without context, and the context after it otherwise', () => {
    assert.equal(withContext('hi', []), 'hi');
    assert.equal(withContext('hi', [{ kind: 'file', path: 'b.md' }]), 'hi\n\nContext from the editor:\n- File: `b.md`');
  });

  it('fences a selection with more backticks than it contains', () => {
    const sent = withContext('explain', [{ ...selection, text: 'a ``` fenced ```` thing' }]);
    assert.ok(sent.includes('\n`````\na ``` fenced ```` thing\n`````'), sent);
  });

  it('keeps one entry per file or range, and removes by position', () => {
    let s = reduce(initialState, { type: 'attach', item: selection });
    s = reduce(s, { type: 'attach', item: { ...selection } });
    s = reduce(s, { type: 'attach', item: { kind: 'file', path: 'src/a.ts' } });
    assert.equal(s.attachments.length, 2);
    s = reduce(s, { type: 'detach', index: 0 });
    assert.deepEqual(s.attachments, [{ kind: 'file', path: 'src/a.ts' }]);
  });
});
