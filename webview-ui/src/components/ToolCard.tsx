// A tool call as a collapsible card. Folded, it says what the call touches (the file, the command,
// the URL) and how it stands in words; open, the input as a person reads it (ToolInput) and the
// result or error once it is back.
import { useT } from '../i18n';
import type { Approval } from '../approvals';
import { toolTarget } from '../protocol';
import type { Turn } from '../state';
import type { Block } from '../transcript';
import { DecisionLine } from './ApprovalCard';
import { Icon } from './Icon';
import { ToolInput } from './ToolInput';

/** Longest target shown in the folded card; the whole one is in the card and its tooltip. */
const SUMMARY_CHARS = 160;

export function ToolCard({ block, approval, turn }: { block: Extract<Block, { kind: 'tool' }>; approval?: Approval; turn?: Turn }) {
  const t = useT();
  const failed = block.result?.is_error;
  const state = block.result ? (failed ? 'failed' : 'done') : 'running';
  const { target } = toolTarget(block.name, block.input);
  const firstLine = target?.split('\n')[0];
  const shown = firstLine && firstLine.length > SUMMARY_CHARS ? `${firstLine.slice(0, SUMMARY_CHARS - 1)}…` : firstLine;
  const card = (
    <details class={`tool-card tool-${state}`} data-tool={block.name}>
      <summary>
        <Icon name={state === 'running' ? 'loading' : state === 'failed' ? 'error' : 'tools'} spin={state === 'running'} />
        <span class="tool-name">{block.name === '?' ? t('chat.toolUnknown') : block.name}</span>
        {shown && <span class="tool-target" title={target}>{shown}</span>}
        <span class="tool-state">{t(`chat.tool.${state}`)}</span>
      </summary>
      <div class="tool-body">
        {block.input !== undefined && <ToolInput toolName={block.name} input={block.input} />}
        {block.result && (
          <>
            <div class="tool-section-title">{t(failed ? 'chat.toolError' : 'chat.toolResult')}</div>
            <pre class="tool-result">{block.result.text}</pre>
          </>
        )}
      </div>
    </details>
  );
  if (!approval || !turn) return card;
  // Under the card, visible while it is folded: how its permission request ended.
  return (
    <>
      {card}
      {approval.decided ? (
        <DecisionLine request={approval.request} decided={approval.decided} turn={turn} />
      ) : (
        <div class="approval-decided denied" data-request-id={approval.request.request_id}>{t('approval.ended')}</div>
      )}
    </>
  );
}
