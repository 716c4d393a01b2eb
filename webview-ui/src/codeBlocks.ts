// What a rendered reply's code gets after the sanitized HTML is in the page (components/Markdown.tsx):
// fenced blocks are wrapped with their language and a Copy button (it says "Copied", also to screen
// readers) and highlighted once the highlighter bundle (highlight/entry.ts → dist/highlight.js) has
// loaded — the first code block loads it, by a script tag beside main.js carrying main.js's nonce (the
// VS Code webview's CSP admits nothing else). Inline code naming a file becomes a link when this window
// can open files (fileLinks.ts). Idempotent: a re-render that keeps the HTML enhances nothing twice.
import { fileRefOf, type FileOpener } from './fileLinks';
import type { Translate } from './i18n';

export interface Highlighter {
  /** highlight.js's HTML (escaped) for the code, or null to leave it plain. */
  highlight(code: string, language: string | undefined): string | null;
}

/** How long the Copy button says "Copied". */
export const COPIED_MS = 2_000;
/** Longer code is left plain: highlighting it on every streamed chunk would stall the page. */
const MAX_HIGHLIGHT_CHARS = 50_000;

// Read while main.js runs (an IIFE: every module is evaluated then), before currentScript is gone.
const ownScript = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;
let loading: Promise<Highlighter | null> | undefined;

type HighlighterGlobal = { wegentHighlighter?: Highlighter };

/** The highlighter, loaded once; null when its bundle cannot load (the code stays plain). */
export function loadHighlighter(): Promise<Highlighter | null> {
  const g = globalThis as HighlighterGlobal;
  if (g.wegentHighlighter) return Promise.resolve(g.wegentHighlighter);
  loading ??= new Promise((resolve) => {
    const script = document.createElement('script');
    script.src = ownScript?.src ? new URL('highlight.js', ownScript.src).href : 'highlight.js';
    if (ownScript?.nonce) script.nonce = ownScript.nonce;
    script.onload = () => resolve(g.wegentHighlighter ?? null);
    script.onerror = () => resolve(null);
    document.head.appendChild(script);
  });
  return loading;
}

export function languageOf(code: Element): string | undefined {
  return /(?:^|\s)language-([\w+#.-]{1,32})/.exec(code.className)?.[1]?.toLowerCase();
}

export function enhanceCode(root: HTMLElement, t: Translate, opener: FileOpener | null): void {
  const blocks = [...root.querySelectorAll('pre')].filter((pre) => !pre.parentElement?.classList.contains('code-block'));
  for (const pre of blocks) wrapBlock(pre, t);
  const plain = [...root.querySelectorAll<HTMLElement>('.code-block pre > code:not([data-highlighted])')];
  if (plain.length) void loadHighlighter().then((h) => h && plain.forEach((code) => highlightOne(h, code)));
  if (opener) linkFiles(root, t);
}

function wrapBlock(pre: HTMLPreElement, t: Translate): void {
  const code = pre.querySelector('code');
  const language = code ? languageOf(code) : undefined;
  const block = document.createElement('div');
  block.className = 'code-block';
  const head = document.createElement('div');
  head.className = 'code-head';
  const lang = document.createElement('span');
  lang.className = 'code-lang';
  lang.textContent = language ?? '';
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'code-copy secondary';
  const label = language ? t('code.copyLanguage', { language }) : t('code.copy');
  copy.setAttribute('aria-label', label);
  copy.title = label;
  copy.innerHTML = '<span class="codicon codicon-copy" aria-hidden="true"></span>';
  const text = document.createElement('span');
  text.className = 'code-copy-text';
  text.textContent = t('code.copyShort');
  copy.append(text);
  // The confirmation is announced from a status region, not by renaming the focused button.
  const status = document.createElement('span');
  status.className = 'sr-only';
  status.setAttribute('role', 'status');
  let timer: ReturnType<typeof setTimeout> | undefined;
  copy.addEventListener('click', () => {
    void copyText(pre.textContent ?? '').then((ok) => {
      text.textContent = ok ? t('code.copied') : t('code.copyFailed');
      status.textContent = ok ? t('code.copied') : t('code.copyFailed');
      copy.classList.toggle('copied', ok);
      clearTimeout(timer);
      timer = setTimeout(() => {
        text.textContent = t('code.copyShort');
        status.textContent = '';
        copy.classList.remove('copied');
      }, COPIED_MS);
    });
  });
  head.append(lang, copy, status);
  pre.replaceWith(block);
  block.append(head, pre);
}

function highlightOne(h: Highlighter, code: HTMLElement): void {
  if (!code.isConnected || code.dataset.highlighted) return;
  const source = code.textContent ?? '';
  code.dataset.highlighted = 'true';
  if (source.length > MAX_HIGHLIGHT_CHARS) return;
  const html = h.highlight(source, languageOf(code));
  // highlight.js escapes the code; its only markup is <span class="hljs-…">.
  if (html !== null) {
    code.innerHTML = html;
    code.classList.add('hljs');
  }
}

/** Inline code that names a file ("src/app.ts:12") becomes a button; Markdown.tsx handles its click. */
function linkFiles(root: HTMLElement, t: Translate): void {
  for (const code of root.querySelectorAll<HTMLElement>('code')) {
    if (code.closest('pre, .file-link')) continue;
    const ref = fileRefOf(code.textContent ?? '');
    if (!ref) continue;
    const link = document.createElement('button');
    link.type = 'button';
    link.className = 'file-link file-link-inline';
    link.dataset.path = ref.path;
    if (ref.line) link.dataset.line = String(ref.line);
    const shown = ref.line ? `${ref.path}:${ref.line}` : ref.path;
    link.title = t('file.open', { path: shown });
    code.replaceWith(link);
    link.append(code);
  }
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No async clipboard (an insecure origin, or a host that withholds it): the older command.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'sr-only';
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}
