// Screen readers hear each reply once, when it finishes (announcing every streamed token would
// drown the user), as plain words, not markdown; failures and stops are announced too, and the
// region empties when a new message is sent, so an old reply never lingers.
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorText, useT } from '../i18n';
import type { Turn } from '../state';
import { markdownToPlainText } from '../markdown';
import { replyText } from '../transcript';

export function Announcer({ turns }: { turns: Turn[] }) {
  const t = useT();
  const seen = useRef(new Map<string, Turn['status']>());
  const [message, setMessage] = useState('');

  useEffect(() => {
    for (const turn of turns) {
      const before = seen.current.get(turn.key);
      seen.current.set(turn.key, turn.status);
      // A message of this page just left: what was announced before is over.
      if (before === undefined && turn.status === 'sending') setMessage('');
      // Only transitions watched live count; a conversation reopened from history stays quiet.
      if (before === undefined || before === turn.status) continue;
      if (turn.status === 'completed') setMessage(t('announce.done', { text: markdownToPlainText(replyText(turn.events)).slice(0, 300) }));
      if (turn.status === 'failed') setMessage(t('announce.failed', { error: errorText(t, turn.error) }));
      if (turn.status === 'cancelled') setMessage(t('announce.stopped'));
    }
  }, [turns, t]);

  return (
    <div class="sr-only" aria-live="polite" aria-atomic="true">
      {message}
    </div>
  );
}
