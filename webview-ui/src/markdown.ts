// Model output is untrusted: it is parsed as markdown with marked, then sanitized with DOMPurify
// before it reaches the page. No script, no event handlers, no javascript:/data: links, no inline
// styles (the page's CSP would refuse them anyway; we do not rely on that).
import createDOMPurify, { type Config, type DOMPurify } from 'dompurify';
import { Marked } from 'marked';

const marked = new Marked({ gfm: true, breaks: false, async: false });

const SANITIZE: Config = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'],
  FORBID_ATTR: ['style', 'srcset'],
  // Links to the web and mail only; images only from the page itself or inline data (CSP img-src).
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
};

export type RenderMarkdown = (text: string) => string;

/** Builds a renderer bound to a window (the page's, or a test DOM's). */
export function markdownRenderer(win: Window & typeof globalThis): RenderMarkdown {
  const purify: DOMPurify = createDOMPurify(win);
  // Links open outside the chat, and never get a handle back to it.
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
  return (text) => String(purify.sanitize(marked.parse(text) as string, SANITIZE));
}

let pageRenderer: RenderMarkdown | undefined;

/** The page's renderer, made on first use. */
export function renderMarkdown(text: string): string {
  pageRenderer ??= markdownRenderer(window);
  return pageRenderer(text);
}

/** What a screen reader should hear of a markdown reply: its words, no markup, spaces collapsed. */
export function markdownToPlainText(text: string, render: RenderMarkdown = renderMarkdown, parser = new DOMParser()): string {
  // DOMParser documents are inert: nothing in them loads or runs (and the HTML is sanitized already).
  const doc = parser.parseFromString(render(text), 'text/html');
  for (const el of doc.body.querySelectorAll('p, li, pre, h1, h2, h3, h4, h5, h6, tr, br')) el.append(' ');
  return (doc.body.textContent ?? '').replace(/\s+/g, ' ').trim();
}
