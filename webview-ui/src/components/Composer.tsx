// The message box: Enter sends, Shift+Enter is a new line (and Enter that confirms an IME
// composition, as when typing Chinese, does not send). Stop cancels the running reply; a message
// sent while it runs is queued behind it (the backend starts it when the reply ends).
import { useRef, useState } from 'preact/hooks';
import { useT } from '../i18n';
import { displayStatus } from '../devices';
import { CLOUD_DEVICE_ID } from '../protocol';
import { effectiveDeviceId, stoppableTurn } from '../state';
import { useAppState, useController } from '../useController';
import { DevicePicker } from './DevicePicker';
import { ContextChips } from './ContextChips';
import { AttachmentStrip, LIMITS_ID, useLimitsText } from './Attachments';
import { Icon } from './Icon';
import { ModeSelect } from './ModeSelect';
import { ModelSelect } from './ModelSelect';
import { useMention } from './MentionMenu';
import { NARROW_COMPOSER_PX, useNarrow } from './useNarrow';

export function Composer() {
  const t = useT();
  const c = useController();
  const state = useAppState();
  const [text, setText] = useState(c.draft);
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const [refused, setRefused] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const limits = useLimitsText();
  const canAttach = c.transport.upload !== undefined;
  const attach = async (files: File[]) => {
    if (!files.length || !canAttach) return;
    const r = await c.addFiles(files);
    setRefused(r.map((x) => t(x.key, x.params)));
  };
  // A narrow sidebar gets the short placeholder: the long one would not fit three rows (it clipped at 170 px).
  const narrow = useNarrow(box, NARROW_COMPOSER_PX);
  const targetId = effectiveDeviceId(state);
  const target = state.devices.find((d) => d.device_id === targetId);
  const offline = target?.status === 'offline';
  // Its executor is gone (the backend would refuse the message, in these words).
  const lost = !!target && displayStatus(target) === 'lost';
  // The pool was empty at the last look (the picker looks again when opened).
  const cloudDown = targetId === CLOUD_DEVICE_ID && state.cloud?.available === false;
  // Stop ends the reply that runs; a follow-up queued behind it has its own Cancel.
  const running = stoppableTurn(state);
  const canSend = text.trim().length > 0 && state.connection === 'connected' && !offline && !lost && !cloudDown;

  const send = async () => {
    if (!canSend) return;
    const message = text;
    setRefused([]);
    setText('');
    c.saveDraft('');
    const ok = await c.send(message);
    if (!ok && !box.current?.value) {
      setText(message);
      c.saveDraft(message);
    }
    box.current?.focus();
  };

  const edit = (v: string) => {
    setText(v);
    c.saveDraft(v);
  };
  const mention = useMention(edit);
  /** The "@" button: an "@" at the caret (after a space), which opens the list like typing it. */
  const insertAt = () => {
    const el = box.current;
    if (!el) return;
    const caret = el.selectionStart ?? el.value.length;
    const before = el.value.slice(0, caret);
    const insert = before && !/\s$/.test(before) ? ' @' : '@';
    el.value = before + insert + el.value.slice(el.selectionEnd ?? caret);
    el.focus();
    el.setSelectionRange(caret + insert.length, caret + insert.length);
    edit(el.value);
    mention.update(el);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (mention.onKeyDown(e, e.currentTarget as HTMLTextAreaElement)) return;
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <form
      class={dragging ? 'composer dragging' : 'composer'}
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      onDragOver={(e) => {
        if (!canAttach || !e.dataTransfer?.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        setDragging(false);
        if (!canAttach || !e.dataTransfer?.files.length) return;
        e.preventDefault();
        void attach([...e.dataTransfer.files]);
      }}
    >
      {offline && target && <Hint text={t('composer.offline', { name: target.name })} />}
      {lost && target && (
        <Hint text={t('composer.lost', { name: target.name, time: target.offline_at ? new Date(target.offline_at).toLocaleTimeString() : '' })} />
      )}
      {cloudDown && <Hint text={t(state.devices.length ? 'composer.cloudDown' : 'composer.cloudDownNoDevices')} />}
      <ContextChips />
      {canAttach && <AttachmentStrip refused={refused} />}
      <label class="sr-only" for="composer-input">
        {t('composer.label')}
      </label>
      <span id="composer-keys" class="sr-only">{t('composer.keys')}</span>
      <div class="composer-box">
      {mention.menu}
      <textarea
        id="composer-input"
        ref={box}
        rows={3}
        value={text}
        placeholder={t(narrow ? 'composer.placeholderShort' : 'composer.placeholder')}
        aria-describedby="composer-keys"
        onInput={(e) => {
          const el = e.target as HTMLTextAreaElement;
          edit(el.value);
          mention.update(el);
        }}
        onKeyDown={onKeyDown}
        onPaste={(e) => {
          const files = [...(e.clipboardData?.files ?? [])];
          if (!files.length || !canAttach) return;
          e.preventDefault(); // a pasted screenshot is an attachment, not text
          void attach(files);
        }}
        onKeyUp={(e) => (e.key.startsWith('Arrow') || e.key === 'Home' || e.key === 'End') && !mention.open && mention.update(e.currentTarget as HTMLTextAreaElement)}
        onClick={(e) => mention.update(e.currentTarget as HTMLTextAreaElement)}
        onBlur={() => mention.close()}
        aria-autocomplete="list"
        {...mention.boxProps}
      />
      </div>
      <div class="composer-bar">
        <DevicePicker />
        <ModeSelect />
        <ModelSelect />
        <button type="button" class="icon-button mention-button" aria-label={t('mention.add')} title={t('mention.add')} onMouseDown={(e) => e.preventDefault()} onClick={insertAt}>
          <Icon name="mention" />
        </button>
        <span class="spacer" />
        {canAttach && (
          <>
            <input
              ref={picker}
              class="file-input"
              type="file"
              multiple
              tabIndex={-1}
              aria-hidden="true"
              aria-label={t('attach.button')}
              onChange={(e) => {
                const input = e.target as HTMLInputElement;
                void attach([...(input.files ?? [])]);
                input.value = '';
              }}
            />
            <button type="button" class="secondary attach-button" aria-label={t('attach.button')} title={`${t('attach.button')}. ${limits}`} aria-describedby={LIMITS_ID} onClick={() => picker.current?.click()}>
              <Icon name="attach" />
            </button>
          </>
        )}
        {/* Stop and Send stay together on one line, whatever wraps before them. */}
        <span class="composer-actions">
        {running && (
          <button
            type="button"
            class="secondary"
            disabled={running.stopping}
            aria-label={t(running.stopping ? 'composer.stopping' : 'composer.stop')}
            title={t(running.stopping ? 'composer.stopping' : 'composer.stop')}
            onClick={() => void c.cancel(running.subtask_id!)}
          >
            <Icon name={running.stopping ? 'loading' : 'debug-stop'} spin={running.stopping} /> <span class="button-text">{t(running.stopping ? 'composer.stopping' : 'composer.stop')}</span>
          </button>
        )}
        <button type="submit" disabled={!canSend} aria-label={t('composer.send')} title={t('composer.send')}>
          <Icon name="send" /> <span class="button-text">{t('composer.send')}</span>
        </button>
        </span>
      </div>
    </form>
  );
}

/** Why Send is off: the warning colour on the icon only, the words in the text colour (contrast). */
function Hint({ text }: { text: string }) {
  return (
    <p class="composer-hint" role="status">
      <Icon name="warning" /> <span>{text}</span>
    </p>
  );
}
