// The open conversation. Follows the newest content unless the user scrolled up to read (then a
// "Jump to latest" button brings them back); their own new message always jumps down (follow.ts).
import { useRef } from 'preact/hooks';
import { useFollow } from '../follow';
import { useT } from '../i18n';
import { useAppState } from '../useController';
import { Announcer } from './Announcer';
import { ConversationUsage } from './ConversationUsage';
import { Icon } from './Icon';
import { Message } from './Message';

export function Transcript() {
  const t = useT();
  const state = useAppState();
  const box = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const ownSends = state.turns.filter((turn) => turn.key.startsWith('local:')).length;
  const { away, jump, onScroll } = useFollow(box, content, ownSends);

  return (
    <div class="transcript-wrap">
      <div ref={box} class="transcript" role="log" aria-label={t('chat.transcript')} tabIndex={0} onScroll={onScroll}>
        <div ref={content} class="transcript-content">
          {state.turns.length === 0 ? <p class="empty">{t('chat.empty')}</p> : state.turns.map((turn) => <Message key={turn.key} turn={turn} />)}
          <ConversationUsage turns={state.turns} />
        </div>
        <Announcer turns={state.turns} />
      </div>
      {away && state.turns.length > 0 && (
        <button type="button" class="jump-latest secondary" onClick={jump}>
          <Icon name="arrow-down" /> {t('chat.jumpLatest')}
        </button>
      )}
    </div>
  );
}
