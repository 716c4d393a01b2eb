// One turn: the user's message as plain text, then the streamed reply as blocks (markdown text,
// thinking, tool cards, status notes) and its status line.
import { useMemo } from 'preact/hooks';
import { approvalsOf, type Approval } from '../approvals';
import { FileLinks, useTurnFileOpener } from '../fileLinks';
import { useT, type Translate } from '../i18n';
import { isFinalStatus } from '../protocol';
import type { Turn } from '../state';
import { blocksOf, type Block } from '../transcript';
import { ApprovalCard } from './ApprovalCard';
import { SentAttachments } from './Attachments';
import { ChangeCard } from './ChangeCard';
import { Markdown } from './Markdown';
import { ReplyMeta } from './ReplyMeta';
import { StatusLine } from './StatusLine';
import { ToolCard } from './ToolCard';

export function Message({ turn }: { turn: Turn }) {
  const t = useT();
  const blocks = useMemo(() => blocksOf(turn.events), [turn.events]);
  const final = isFinalStatus(turn.status);
  const approvals = useMemo(
    () => new Map(approvalsOf(turn.events, turn.decisions, final).map((a) => [a.request.request_id, a])),
    [turn.events, turn.decisions, final],
  );
  // Paths in the reply and its tool cards open in the editor when this window's device ran it.
  const opener = useTurnFileOpener(turn);
  return (
    <FileLinks.Provider value={opener}>
    <article class="turn" data-subtask-id={turn.subtask_id ?? undefined}>
      <div class="bubble user">
        <div class="role">{t('chat.you')}</div>
        <div class="user-text">{turn.prompt}</div>
        {turn.files?.length ? <SentAttachments files={turn.files} /> : null}
      </div>
      <div class="bubble assistant">
        <div class="role">{t('chat.assistant')}</div>
        {blocks.map((b, i) => (
          <BlockView key={i} block={b} turn={turn} approvals={approvals} />
        ))}
        <StatusLine turn={turn} />
        <ReplyMeta turn={turn} />
        {turn.changes && <ChangeCard turn={turn} />}
      </div>
    </article>
    </FileLinks.Provider>
  );
}

function BlockView({ block, turn, approvals }: { block: Block; turn: Turn; approvals: Map<string, Approval> }) {
  const t = useT();
  switch (block.kind) {
    case 'text':
      return <Markdown text={block.text} />;
    case 'thinking':
      return (
        <details class="thinking">
          <summary>{t('chat.thinking')}</summary>
          <div class="thinking-text">{block.text}</div>
        </details>
      );
    case 'status':
      return <div class="event-status">{statusBlockText(t, block)}</div>;
    case 'tool': {
      const approval = block.approvalId ? approvals.get(block.approvalId) : undefined;
      // While it waits, the request is the card (its input in full); afterwards, the tool card says how it was decided.
      if (approval?.state === 'open') return <ApprovalCard approval={approval} turn={turn} />;
      return <ToolCard block={block} approval={approval} turn={turn} />;
    }
    case 'approval': {
      const approval = approvals.get(block.requestId);
      return approval ? <ApprovalCard approval={approval} turn={turn} /> : null;
    }
  }
}

/** A status line in the user's language when its code is known, else the executor's sentence. */
function statusBlockText(t: Translate, b: Extract<Block, { kind: 'status' }>): string {
  if (b.code === 'compacted') return t('event.compacted');
  if (b.code === 'api_retry' && b.attempt !== undefined && b.max_attempts !== undefined) return t('event.apiRetry', { attempt: b.attempt, max: b.max_attempts });
  return b.text;
}
