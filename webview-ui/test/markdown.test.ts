// Model output is untrusted: the markdown renderer must hand the page inert HTML. Runs DOMPurify
// in jsdom (a real DOM implementation); the Chromium e2e repeats the check in a browser.
import assert from 'node:assert/strict';
import { JSDOM } from 'jsdom';
import { markdownRenderer, markdownToPlainText } from '../src/markdown';

describe('markdown rendering of model output', () => {
  const { window } = new JSDOM('<!doctype html><body></body>');
  const render = markdownRenderer(window as unknown as Window & typeof globalThis);
  /** Parses the sanitized HTML back into a DOM, to assert on elements rather than strings. */
  const dom = (md: string) => {
    const box = window.document.createElement('div');
    box.innerHTML = render(md);
    return box;
  };

  after(() => window.close());

  it('gives screen readers the words of a reply, without markup', () => {
    const plain = markdownToPlainText('# Done\n\nWrote **notes.txt**:\n\n- one\n- `two`\n\n[docs](https://example.com)', render, new window.DOMParser());
    assert.equal(plain, 'Done Wrote notes.txt: one two docs');
  });

  it('renders ordinary markdown: headings, emphasis, lists, code, tables, links', () => {
    const box = dom('# Title\n\nSome **bold** and `code`.\n\n- a\n- b\n\n```ts\nconst x = 1;\n```\n\n| h |\n|---|\n| c |\n\n[docs](https://example.com/x)');
    assert.equal(box.querySelector('h1')?.textContent, 'Title');
    assert.equal(box.querySelector('strong')?.textContent, 'bold');
    assert.equal(box.querySelectorAll('li').length, 2);
    assert.equal(box.querySelector('pre code')?.textContent, 'const x = 1;\n');
    assert.ok(box.querySelector('table td'));
    const a = box.querySelector('a')!;
    assert.equal(a.getAttribute('href'), 'https://example.com/x');
    assert.equal(a.getAttribute('target'), '_blank');
    assert.match(a.getAttribute('rel') ?? '', /noopener/);
  });

  it('removes script elements, raw or inside html blocks', () => {
    const box = dom('hi <script>window.pwned = 1</script>\n\n<div><script src="https://evil.example/x.js"></script></div>');
    assert.equal(box.querySelectorAll('script').length, 0);
    assert.doesNotMatch(box.innerHTML, /pwned|evil\.example/);
  });

  it('removes event handler attributes', () => {
    const box = dom('<img src="x" onerror="alert(1)"> <a href="https://ok.example" onclick="alert(2)">x</a> <p onmouseover="alert(3)">p</p>');
    for (const el of box.querySelectorAll('*')) {
      for (const attr of el.getAttributeNames()) assert.doesNotMatch(attr, /^on/i, `${el.tagName} kept ${attr}`);
    }
    assert.doesNotMatch(box.innerHTML, /alert/);
  });

  it('removes javascript:, vbscript: and data: links, in markdown and in html, however they are spelled', () => {
    const box = dom(
      '[a](javascript:alert(1)) [b](JaVaScRiPt:alert(2)) <a href="java&#x09;script:alert(3)">c</a> ' +
        '<a href=" javascript:alert(4)">d</a> [e](vbscript:msgbox) <a href="data:text/html,<script>alert(5)</script>">f</a>',
    );
    for (const a of box.querySelectorAll('a')) {
      const href = a.getAttribute('href');
      assert.ok(href === null || /^https?:|^mailto:|^#/.test(href), `unsafe href kept: ${href}`);
    }
    assert.doesNotMatch(box.innerHTML, /javascript|vbscript|data:text/i);
  });

  it('removes iframes, forms, inline styles and style sheets', () => {
    const box = dom('<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name="p"></form><p style="position:fixed">s</p><style>body{display:none}</style>');
    assert.equal(box.querySelectorAll('iframe, form, input, style').length, 0);
    assert.equal(box.querySelector('p')?.getAttribute('style'), null);
  });

  it('keeps text that merely looks like markup as text', () => {
    const box = dom('Use `<script>` tags carefully: 1 < 2 && 3 > 2');
    assert.equal(box.querySelector('code')?.textContent, '<script>');
    assert.equal(box.querySelectorAll('script').length, 0);
  });
});
