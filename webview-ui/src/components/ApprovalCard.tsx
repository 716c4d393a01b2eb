// A permission request in the transcript. Open: what Claude wants (tool, the input as a person
// reads it), where it waits, and Allow once / Allow for this task / Deny with an optional note —
// or, for AskUserQuestion, the questions to answer; for ExitPlanMode, the plan to approve. Decided:
// one line saying who decided what, where and when. Every string from the request is untrusted and
// rendered as text (ToolInput renders a plan through the sanitizing markdown renderer).
import type { PermissionRequestEvent, ProtocolError, Question } from '@wegent/shared';
import { useState } from 'preact/hooks';
import { answerOf, decisionWords, type Approval, type Decided } from '../approvals';
import { errorText, useLocale, useT, type MessageKey } from '../i18n';
import { CLOUD_DEVICE_ID, toolTarget } from '../protocol';
import { deviceName, type State, type Turn } from '../state';
import { useAppState, useController } from '../useController';
import { Icon } from './Icon';
import { ToolInput } from './ToolInput';

const ASK = 'AskUserQuestion';
const PLAN = 'ExitPlanMode';

function nameOf(state: State, turn: Turn, t: ReturnType<typeof useT>): string {
  return turn.device_id === CLOUD_DEVICE_ID ? t('picker.cloud') : deviceName(state, turn.device_id) ?? turn.device_id;
}

/** "Claude wants to run a command", "… to edit a file", "Claude has a plan…". */
function titleOf(t: ReturnType<typeof useT>, r: PermissionRequestEvent): string {
  const { kind } = toolTarget(r.tool_name, r.input);
  if (r.tool_name === ASK) return t('question.title', { count: r.questions?.length ?? 1 });
  if (kind === 'tool') return t('approval.title.tool', { tool: r.tool_name });
  return t(`approval.title.${kind}` as MessageKey);
}

/** Who decided what, where and when; a note or the answers under it. */
export function DecisionLine({ request, decided, turn }: { request: PermissionRequestEvent; decided: Decided; turn: Turn }) {
  const t = useT();
  const locale = useLocale();
  const state = useAppState();
  const question = request.tool_name === ASK;
  const words = decisionWords(decided, { question, deviceName: nameOf(state, turn, t), locale });
  const where = t(`approval.where.${words.vars.where ?? 'chat'}` as MessageKey);
  const answers = question && decided.decision === 'allow' ? Object.entries(decided.answers ?? {}) : [];
  return (
    <div class={`approval-decided ${decided.decision === 'allow' ? 'allowed' : 'denied'}`} data-request-id={request.request_id} data-decision={decided.decision} role="status">
      <Icon name={decided.decision === 'allow' ? 'check' : 'circle-slash'} />
      <div>
        <span class="approval-decided-text">
          {t(words.key as MessageKey, { ...words.vars, where })}
          {!decided.confirmed && t('approval.onItsWay')}
        </span>
        {decided.message && <div class="approval-decided-note">{t('approval.note', { note: decided.message })}</div>}
        {answers.length > 0 && (
          <ul class="answers">
            {answers.map(([q, a]) => <li key={q}>{q} → {a}</li>)}
          </ul>
        )}
      </div>
    </div>
  );
}

/** The open request, with the buttons that answer it. */
export function ApprovalCard({ approval, turn }: { approval: Approval; turn: Turn }) {
  const t = useT();
  const c = useController();
  const state = useAppState();
  const r = approval.request;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ProtocolError | null>(null);
  const [note, setNote] = useState('');
  const local = state.info?.host === 'vscode' && !!state.info.local_device_id && state.info.local_device_id === turn.device_id;

  if (approval.state !== 'open') {
    // Asked, but the task ended (or a decision is known): a quiet card, no buttons.
    return (
      <section class="approval-card approval-closed" data-request-id={r.request_id} data-state={approval.state}>
        <div class="approval-head"><span class="tool-name">{r.tool_name}</span><span>{titleOf(t, r)}</span></div>
        {approval.decided ? <DecisionLine request={r} decided={approval.decided} turn={turn} /> : <p class="approval-where">{t('approval.ended')}</p>}
      </section>
    );
  }

  const answer = async (decision: 'allow' | 'deny', extra: { scope?: 'once' | 'task'; answers?: Record<string, string> } = {}) => {
    if (!turn.subtask_id) return;
    setBusy(true);
    setError(null);
    const message = note.trim();
    const err = await c.answerPermission({
      subtask_id: turn.subtask_id, request_id: r.request_id, decision, ...extra,
      ...(decision === 'deny' && message ? { message } : {}),
    });
    setBusy(false);
    if (err) setError(err);
  };

  const headingId = `approval-${r.request_id}`;
  return (
    <section class="approval-card" role="group" aria-labelledby={headingId} data-request-id={r.request_id} data-state="open" data-tool={r.tool_name}>
      <div class="approval-head" id={headingId}>
        <Icon name={r.tool_name === ASK ? 'question' : 'shield'} />
        <span>{titleOf(t, r)}</span>
        {r.tool_name !== ASK && r.tool_name !== PLAN && <span class="tool-name">{r.tool_name}</span>}
      </div>
      {r.title && r.tool_name !== ASK && <p class="approval-where">{r.title}</p>}
      {r.tool_name === ASK && r.questions?.length ? (
        <Questions questions={r.questions} busy={busy} onAnswer={(answers) => void answer('allow', { answers })} onSkip={() => void answer('deny')} />
      ) : (
        <>
          <ToolInput toolName={r.tool_name} input={r.input} />
          <textarea class="approval-note" rows={1} aria-label={t('approval.noteLabel')} placeholder={t('approval.notePlaceholder')} value={note}
            onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} maxLength={10_000} />
          <div class="approval-actions">
            {r.tool_name === PLAN ? (
              <>
                <button type="button" disabled={busy} onClick={() => void answer('allow', { scope: 'once' })}>{t('approval.approvePlan')}</button>
                <button type="button" class="secondary" disabled={busy} onClick={() => void answer('deny')}>{t('approval.keepPlanning')}</button>
              </>
            ) : (
              <>
                <button type="button" disabled={busy} onClick={() => void answer('allow', { scope: 'once' })}>{t('approval.allowOnce')}</button>
                <button type="button" class="secondary" disabled={busy} onClick={() => void answer('allow', { scope: 'task' })}>{t('approval.allowTask')}</button>
                <button type="button" class="secondary" disabled={busy} onClick={() => void answer('deny')}>{t('approval.deny')}</button>
              </>
            )}
          </div>
        </>
      )}
      <p class="approval-where">
        {local ? t('approval.here') : t('approval.waitingOn', { name: nameOf(state, turn, t) })}
        {local && c.transport.command && (
          <>
            {' '}
            <button type="button" class="file-link" onClick={() => c.transport.command?.('showApprovals')}>{t('approval.showPrompt')}</button>
          </>
        )}
      </p>
      {error && <p class="approval-error" role="alert">{errorText(t, error)}</p>}
    </section>
  );
}

/** AskUserQuestion: each question with its options (radio, or checkboxes when several may be chosen) and a free answer. */
function Questions({ questions, busy, onAnswer, onSkip }: { questions: Question[]; busy: boolean; onAnswer(a: Record<string, string>): void; onSkip(): void }) {
  const t = useT();
  const [chosen, setChosen] = useState<string[][]>(() => questions.map(() => []));
  const [other, setOther] = useState<string[]>(() => questions.map(() => ''));
  const answers = questions.map((q, i) => answerOf(chosen[i] ?? [], other[i] ?? ''));
  const complete = answers.every((a) => a !== '');
  const pick = (i: number, label: string, multi: boolean, on: boolean) =>
    setChosen((all) => all.map((c, j) => (j !== i ? c : multi ? (on ? [...c, label] : c.filter((l) => l !== label)) : on ? [label] : [])));
  return (
    <form class="questions" onSubmit={(e) => {
      e.preventDefault();
      if (complete) onAnswer(Object.fromEntries(questions.map((q, i) => [q.question, answers[i]])));
    }}>
      {questions.map((q, i) => {
        const multi = q.multi_select === true;
        const group = `q-${i}-${q.question.length}`;
        return (
          <fieldset key={i} class="question">
            <legend>{q.header && <span class="question-header">{q.header}</span>}{q.question}{multi && <span class="hint"> {t('question.multi')}</span>}</legend>
            {q.options.map((o) => (
              <label key={o.label} class="question-option">
                <input type={multi ? 'checkbox' : 'radio'} name={group} value={o.label} checked={chosen[i]?.includes(o.label)}
                  onChange={(e) => {
                    pick(i, o.label, multi, (e.currentTarget as HTMLInputElement).checked);
                    if (!multi) setOther((all) => all.map((x, j) => (j === i ? '' : x)));
                  }} />
                <span>{o.label}{o.description && <span class="question-option-desc">{o.description}</span>}</span>
              </label>
            ))}
            <input type="text" class="question-other" aria-label={t('question.other')} placeholder={t('question.otherPlaceholder')} value={other[i]} maxLength={10_000}
              onInput={(e) => {
                const v = (e.currentTarget as HTMLInputElement).value;
                setOther((all) => all.map((x, j) => (j === i ? v : x)));
                if (!multi && v.trim()) setChosen((all) => all.map((c, j) => (j === i ? [] : c)));
              }} />
          </fieldset>
        );
      })}
      <div class="approval-actions">
        <button type="submit" disabled={busy || !complete}>{t('question.submit')}</button>
        <button type="button" class="secondary" disabled={busy} onClick={onSkip}>{t('question.skip')}</button>
      </div>
    </form>
  );
}
