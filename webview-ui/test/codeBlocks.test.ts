// Code in a rendered reply (src/codeBlocks.ts) in jsdom: blocks get their language and a Copy button,
// inline paths become links only when the window can open them, and nothing is enhanced twice. The
// lazy highlighter itself, the colours and the clipboard are checked in Chromium (e2e/sidebar.test.ts).
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { translator } from '../src/i18n';
import { markdownRenderer } from '../src/markdown';
import { mentionAt } from '../src/components/MentionMenu';

describe('code blocks and paths in a reply', () => {
  const { window } = new JSDOM('<!doctype html><head></head><body></body>');
  const g = globalThis as Record<string, unknown>;
  const saved = { document: g.document };
  let enhanceCode: typeof import('../src/codeBlocks').enhanceCode;
  before(async () => {
    g.document = window.document;
    ({ enhanceCode } = await import('../src/codeBlocks'));
  });
  after(() => {
    g.document = saved.document;
    window.close();
  });
  const t = translator('en');
  const render = markdownRenderer(window as unknown as Window & typeof globalThis);
  const reply = (md: string) => {
    const box = window.document.createElement('div');
    box.innerHTML = render(md);
    window.document.body.append(box);
    return box;
  };

  it('wraps a fenced block with its language and an accessible Copy button, once', () => {
    const box = reply('```py\nprint(1)\n```\n\n```\nplain\n```');
    enhanceCode(box, t, null);
    enhanceCode(box, t, null);
    assert.equal(box.querySelectorAll('.code-block').length, 2);
    assert.deepEqual([...box.querySelectorAll('.code-lang')].map((e) => e.textContent), ['py', '']);
    assert.deepEqual([...box.querySelectorAll('.code-copy')].map((b) => b.getAttribute('aria-label')), ['Copy py code', 'Copy code']);
    assert.equal(box.querySelectorAll('.code-block [role="status"]').length, 2);
  });

  it('links inline paths only with an opener, never commands, words or code inside blocks', () => {
    const md = 'See `src/a.ts:12`, `README.md` and `npm test`, `true`.\n\n```\nsrc/b.ts\n```';
    const without = reply(md);
    enhanceCode(without, t, null);
    assert.equal(without.querySelectorAll('.file-link').length, 0);
    const withOpener = reply(md);
    enhanceCode(withOpener, t, { open() {} });
    enhanceCode(withOpener, t, { open() {} });
    const links = [...withOpener.querySelectorAll<HTMLElement>('.file-link')];
    assert.deepEqual(links.map((l) => [l.dataset.path, l.dataset.line, l.title]), [
      ['src/a.ts', '12', 'Open src/a.ts:12 in the editor'],
      ['README.md', undefined, 'Open README.md in the editor'],
    ]);
    assert.equal(links[0].querySelector('code')?.textContent, 'src/a.ts:12', 'the code stays code inside the link');
  });

  it('finds the @ query at the caret: after a space or at the start, not inside a word', () => {
    assert.deepEqual(mentionAt('explain @ut', 11), { start: 8, query: 'ut' });
    assert.deepEqual(mentionAt('@', 1), { start: 0, query: '' });
    assert.equal(mentionAt('mail a@b.c', 10), null);
    assert.equal(mentionAt('@a b', 4), null);
  });
});
