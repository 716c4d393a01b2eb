// Earlier conversations from GET /api/tasks, newest first; choosing one reopens it to continue, the
// trash button deletes it after a second click (its device then removes its worktree and branch).
import { useState } from 'preact/hooks';
import type { TaskSummary } from '@wegent/shared';
import { CLOUD_DEVICE_ID } from '../protocol';
import { useT } from '../i18n';
import { deviceName } from '../state';
import { useAppState, useController } from '../useController';
import { Icon } from './Icon';

export function History() {
  const t = useT();
  const c = useController();
  const state = useAppState();
  return (
    <section class="panel history" aria-labelledby="history-title">
      <div class="panel-head">
        <h2 id="history-title">{t('history.title')}</h2>
        <button type="button" class="icon-button" aria-label={t('history.refresh')} title={t('history.refresh')} onClick={() => void c.loadHistory()}>
          <Icon name="refresh" />
        </button>
      </div>
      {!state.historyLoaded ? (
        <p class="empty">{t('app.loading')}</p>
      ) : state.history.length === 0 ? (
        <p class="empty">{t('history.empty')}</p>
      ) : (
        <ul class="history-list">
          {state.history.map((task) => (
            <HistoryItem key={task.task_id} task={task} current={task.task_id === state.taskId} />
          ))}
        </ul>
      )}
    </section>
  );
}

function HistoryItem({ task, current }: { task: TaskSummary; current: boolean }) {
  const t = useT();
  const c = useController();
  const state = useAppState();
  const device = task.device_id === CLOUD_DEVICE_ID ? t('picker.cloud') : deviceName(state, task.device_id) ?? task.device_id;
  const title = task.title || task.task_id;
  const [confirming, setConfirming] = useState(false);
  if (confirming) {
    return (
      <li class="history-row confirming" role="alertdialog" aria-label={t('history.delete', { title })}>
        <p class="picker-confirm-text">{t('history.confirmDelete', { title })}</p>
        <div class="picker-confirm-actions">
          <button type="button" class="danger" onClick={() => void c.deleteConversation(task.task_id).then(() => setConfirming(false))} ref={(el) => el?.focus()}>
            {t('history.confirm')}
          </button>
          <button type="button" class="secondary" onClick={() => setConfirming(false)}>{t('picker.cancel')}</button>
        </div>
      </li>
    );
  }
  return (
    <li class="history-row">
      <button
        type="button"
        class={`history-item${current ? ' current' : ''}`}
        aria-current={current}
        aria-label={t('history.open', { title })}
        onClick={() => void c.openConversation(task.task_id)}
      >
        <span class="history-title">{title}</span>
        <span class="history-meta">
          {device} · {t(`state.${task.status}`)} ·{' '}
          {task.awaiting_input && <span class="needs-input">{t('history.needsInput')} · </span>}
          {new Date(task.updated_at).toLocaleString()}
        </span>
      </button>
      <button type="button" class="icon-button" aria-label={t('history.delete', { title })} title={t('history.delete', { title })} onClick={() => setConfirming(true)}>
        <Icon name="trash" />
      </button>
    </li>
  );
}
