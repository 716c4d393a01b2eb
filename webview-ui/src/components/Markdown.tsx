// A reply's markdown: sanitized HTML (markdown.ts), then its code enhanced in place (codeBlocks.ts):
// copy buttons, syntax highlighting, and file paths that open in the editor when this window can.
import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { enhanceCode } from '../codeBlocks';
import { useFileOpener } from '../fileLinks';
import { useT } from '../i18n';
import { renderMarkdown } from '../markdown';

export function Markdown({ text, class: cls = '' }: { text: string; class?: string }) {
  const t = useT();
  const opener = useFileOpener();
  const box = useRef<HTMLDivElement>(null);
  // Sanitized in renderMarkdown: model output is untrusted.
  const html = useMemo(() => renderMarkdown(text), [text]);
  useLayoutEffect(() => {
    if (box.current) enhanceCode(box.current, t, opener);
  }, [html, t, opener]);
  const onClick = (e: MouseEvent) => {
    const link = (e.target as Element | null)?.closest?.<HTMLElement>('.file-link-inline');
    if (!link || !opener || !box.current?.contains(link)) return;
    const line = Number(link.dataset.line);
    opener.open({ path: link.dataset.path ?? '', ...(line ? { line } : {}) });
  };
  return <div ref={box} class={`markdown ${cls}`.trim()} onClick={onClick} dangerouslySetInnerHTML={{ __html: html }} />;
}
