// A tool call's input as a person reads it (toolView.ts says what to show): Bash as a command,
// Write/Edit as a diff-like view under the file's path, WebFetch as its URL, a plan as markdown,
// anything else as JSON. Used by the tool cards and the approval cards alike. The input is
// untrusted: it is rendered as text (Preact escapes it), except the plan, which goes through the
// sanitizing markdown renderer like any model output.
import { useMemo } from 'preact/hooks';
import { Markdown } from './Markdown';
import { useT } from '../i18n';
import { toolView, type DiffHunk } from '../toolView';
import { FilePath } from './FilePath';

function Hunk({ hunk }: { hunk: DiffHunk }) {
  const t = useT();
  return (
    <pre class="tool-diff">
      {hunk.lines.map((l, i) =>
        l.mark === 'gap' ? (
          <span key={i} class="diff-line diff-gap">{t('tool.unchangedLines', { count: l.text })}</span>
        ) : l.mark === ' ' ? (
          <span key={i} class="diff-line diff-same"><span class="diff-mark"> </span>{l.text}</span>
        ) : l.mark === '+' ? (
          <ins key={i} class="diff-line diff-add"><span class="diff-mark">+</span>{l.text}</ins>
        ) : (
          <del key={i} class="diff-line diff-del"><span class="diff-mark">-</span>{l.text}</del>
        ),
      )}
      {hunk.hidden > 0 && <span class="diff-more">{t('tool.moreLines', { count: hunk.hidden })}</span>}
    </pre>
  );
}

function Plan({ text }: { text: string }) {
  return <Markdown text={text} class="tool-plan" />;
}

export function ToolInput({ toolName, input }: { toolName: string; input: unknown }) {
  const t = useT();
  const view = useMemo(() => toolView(toolName, input), [toolName, input]);
  switch (view.kind) {
    case 'command':
      return (
        <div class="tool-input tool-input-command">
          <pre class="tool-command"><span class="tool-prompt" aria-hidden="true">$ </span>{view.command}</pre>
          {view.description && <p class="tool-detail">{view.description}</p>}
        </div>
      );
    case 'diff':
      return (
        <div class="tool-input tool-input-diff">
          {view.path && <FilePath file={{ path: view.path }} class="tool-path" />}
          {view.created && <span class="tool-detail">{t('tool.newContent')}</span>}
          {view.replaceAll && <span class="tool-detail">{t('tool.replaceAll')}</span>}
          {view.hunks.map((h, n) => <Hunk key={n} hunk={h} />)}
        </div>
      );
    case 'path':
      return (
        <div class="tool-input">
          <FilePath file={{ path: view.path }} class="tool-path" />
          {view.detail && <span class="tool-detail">{t('tool.lines', { range: view.detail })}</span>}
        </div>
      );
    case 'url':
      return (
        <div class="tool-input">
          <div class="tool-path">{view.url}</div>
          {view.detail && <p class="tool-detail">{view.detail}</p>}
        </div>
      );
    case 'search':
      return (
        <div class="tool-input">
          <pre class="tool-command">{view.pattern}</pre>
          {view.path && <FilePath file={{ path: view.path }} class="tool-path" />}
        </div>
      );
    case 'plan':
      return <Plan text={view.markdown} />;
    case 'json':
      return <pre class="tool-json">{view.text}</pre>;
  }
}
