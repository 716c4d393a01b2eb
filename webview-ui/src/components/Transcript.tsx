// The open conversation. Follows the stream to the bottom unless the user scrolled up to read.
import { useEffect, useRef } from 'preact/hooks';
import { useT } from '../i18n';
import { useAppState } from '../useController';
import { Announcer } from './Announcer';
import { Message } from './Message';

export function Transcript() {
  const t = useT();
  const state = useAppState();
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const el = box.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  });

  return (
    <div
      ref={box}
      class="transcript"
      role="log"
      aria-label={t('chat.transcript')}
      tabIndex={0}
      onScroll={(e) => {
        const el = e.currentTarget as HTMLDivElement;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
    >
      {state.turns.length === 0 ? <p class="empty">{t('chat.empty')}</p> : state.turns.map((turn) => <Message key={turn.key} turn={turn} />)}
      <Announcer turns={state.turns} />
    </div>
  );
}
