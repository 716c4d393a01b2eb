// The change card under a reply: what the conversation changed in its worktree (files with +/−,
// never contents until asked), and what to do with it — View diff (fetched live from the device,
// per file, collapsible), Apply (into the device's working tree, uncommitted), Discard, and in VS
// Code on that device, Open Changes (the native multi-file diff editor). Only the latest card of a
// conversation acts: changes are cumulative, so older cards just point to it.
import { useMemo, useState } from 'preact/hooks';
import type { ApplyAction, ChangedFile, ProtocolError } from '@wegent/shared';
import { parseUnifiedDiff, type FileDiff } from '../diffView';
import { errorText, useT } from '../i18n';
import { isFinalStatus } from '../protocol';
import type { Turn } from '../state';
import { useAppState, useController } from '../useController';
import { Icon } from './Icon';

type Outcome = { kind: 'applied' | 'discarded'; files: number } | { kind: 'error'; error: ProtocolError };
type DiffState = { loading: true } | { loading: false; files: FileDiff[]; truncated: boolean } | { loading: false; error: ProtocolError };

const STATUS_MARK: Record<ChangedFile['status'], string> = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R' };

export function ChangeCard({ turn }: { turn: Turn }) {
  const t = useT();
  const state = useAppState();
  const c = useController();
  const [diff, setDiff] = useState<DiffState | null>(null);
  const [busy, setBusy] = useState<ApplyAction | null>(null);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const [acted, setOutcome] = useState<Outcome | null>(null);
  const changes = turn.changes!;
  // Applied or discarded already (kept by the backend, or pushed from another chat of the owner): no actions.
  const kept = turn.changes_outcome;
  const outcome: Outcome | null = kept ? { kind: kept.state, files: kept.files } : acted;
  const latest = [...state.turns].reverse().find((x) => x.changes)?.key === turn.key;
  const running = state.turns.some((x) => x.task_id === turn.task_id && !isFinalStatus(x.status));

  if (changes.isolation === 'none') {
    return latest ? <div class="change-card change-none" role="note">{t('changes.notIsolated', { reason: changes.reason ?? '' })}</div> : null;
  }
  if (!latest) return null;
  if (!changes.files.length && !outcome) return <div class="change-card change-empty">{t('changes.none')}</div>;

  const taskId = turn.task_id!;
  const onDevice = state.info?.host === 'vscode' && !!state.info.local_device_id && state.info.local_device_id === turn.device_id;
  const done = outcome && outcome.kind !== 'error';

  async function viewDiff() {
    if (diff && !('error' in diff)) return setDiff(null); // the button folds it again
    setDiff({ loading: true });
    const ack = await c.transport.request('chat:diff', { task_id: taskId });
    setDiff(ack.ok ? { loading: false, files: parseUnifiedDiff(ack.diff), truncated: ack.truncated } : { loading: false, error: ack.error });
  }

  async function act(action: ApplyAction) {
    setConfirmDiscard(false);
    setBusy(action);
    const ack = await c.transport.request('chat:apply', { task_id: taskId, action });
    setBusy(null);
    setOutcome(ack.ok ? { kind: action === 'apply' ? 'applied' : 'discarded', files: ack.files?.length ?? changes.files.length } : { kind: 'error', error: ack.error });
    if (ack.ok) setDiff(null);
  }

  return (
    <section class="change-card" aria-label={t('changes.title')} data-task-id={taskId}>
      <header class="change-head">
        <Icon name="git-branch" />
        <span class="change-title">{changes.files.length === 1 ? t('changes.summaryOne') : t('changes.summary', { files: changes.files.length })}</span>
        <Counts additions={changes.additions} deletions={changes.deletions} />
        {changes.branch && <span class="change-branch" title={changes.base}>{changes.branch}</span>}
      </header>
      <ul class="change-files">
        {changes.files.map((f) => (
          <li key={f.path} class={`change-file change-${f.status}`}>
            <span class="change-mark" title={t(`changes.status.${f.status}`)}>{STATUS_MARK[f.status]}</span>
            <span class="change-path" title={f.old_path ? `${f.old_path} → ${f.path}` : f.path}>{f.old_path ? `${f.old_path} → ${f.path}` : f.path}</span>
            {f.binary ? <span class="change-binary">{t('changes.binary')}</span> : <Counts additions={f.additions} deletions={f.deletions} />}
          </li>
        ))}
        {changes.files_truncated && <li class="change-more">{t('changes.moreFiles')}</li>}
      </ul>
      {outcome && (
        <p class={`change-outcome ${outcome.kind === 'error' ? 'error' : ''}`} role={outcome.kind === 'error' ? 'alert' : 'status'}>
          {outcome.kind === 'error' ? errorText(t, outcome.error) : t(outcome.kind === 'applied' ? 'changes.applied' : 'changes.discarded', { files: outcome.files })}
        </p>
      )}
      {!done && (
        <div class="change-actions">
          <button type="button" class="secondary" aria-expanded={!!diff && !('error' in diff) && !diff.loading} onClick={() => void viewDiff()}>
            {diff && !diff.loading && !('error' in diff) ? t('changes.hideDiff') : t('changes.viewDiff')}
          </button>
          {onDevice && c.transport.openChanges && (
            <button type="button" class="secondary" onClick={() => c.transport.openChanges!(taskId)}>{t('changes.openChanges')}</button>
          )}
          <button type="button" disabled={running || !!busy} title={running ? t('changes.waitRunning') : undefined} onClick={() => void act('apply')}>
            {busy === 'apply' ? t('changes.applying') : t('changes.apply')}
          </button>
          {confirmDiscard ? (
            <>
              <button type="button" class="danger" disabled={!!busy} onClick={() => void act('discard')}>{t('changes.confirmDiscard')}</button>
              <button type="button" class="secondary" onClick={() => setConfirmDiscard(false)}>{t('changes.keep')}</button>
            </>
          ) : (
            <button type="button" class="secondary" disabled={running || !!busy} onClick={() => setConfirmDiscard(true)}>{t('changes.discard')}</button>
          )}
        </div>
      )}
      {diff && <DiffView diff={diff} />}
    </section>
  );
}

function Counts({ additions, deletions }: { additions: number; deletions: number }) {
  return (
    <span class="change-counts">
      <span class="change-add">+{additions}</span> <span class="change-del">−{deletions}</span>
    </span>
  );
}

function DiffView({ diff }: { diff: DiffState }) {
  const t = useT();
  if (diff.loading) return <p class="change-loading" role="status"><Icon name="loading" spin /> {t('changes.loadingDiff')}</p>;
  if ('error' in diff) return <p class="change-outcome error" role="alert">{errorText(t, diff.error)}</p>;
  return (
    <div class="change-diff">
      {diff.files.map((f) => <FileSection key={f.path} file={f} />)}
      {diff.truncated && <p class="change-truncated" role="note">{t('changes.truncated')}</p>}
    </div>
  );
}

function FileSection({ file }: { file: FileDiff }) {
  const t = useT();
  const lines = useMemo(() => file.lines, [file]);
  return (
    <details class="diff-file" open>
      <summary>
        <span class="change-path">{file.oldPath ? `${file.oldPath} → ${file.path}` : file.path}</span>
        {file.binary ? <span class="change-binary">{t('changes.binary')}</span> : <Counts additions={file.additions} deletions={file.deletions} />}
      </summary>
      <pre class="diff-body">
        {lines.map((l, i) => (
          <span key={i} class={`diff-line diff-${l.kind}`}>
            <span class="diff-mark">{l.kind === 'add' ? '+' : l.kind === 'del' ? '−' : ' '}</span>
            {l.text}
            {'\n'}
          </span>
        ))}
      </pre>
    </details>
  );
}
