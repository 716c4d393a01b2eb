// `@` in the composer (what Claude Code's extension and Cline users expect): typing "@" and a few
// letters lists what of the editor can go with the next message — the selection of the editor the user
// was in, its file, workspace files matching the letters — and picking one adds it as a chip
// (ContextChips) and takes "@letters" out of the text. The host answers (transport `mentions`, VS
// Code only); in a browser there is no editor, and the list says so. Keyboard: ↑/↓, Enter or Tab, Esc.
import type { ContextItem } from '@wegent/shared';
import { useEffect, useRef, useState } from 'preact/hooks';
import { contextLabel } from '../context';
import { useT } from '../i18n';
import { useController } from '../useController';
import { Icon } from './Icon';

/** "@" at the start or after a space, then up to the caret: the query. */
const MENTION_AT_CARET = /(^|\s)@([^\s@]{0,200})$/;

export interface MentionQuery {
  /** Where the "@" is in the text. */
  start: number;
  query: string;
}

export function mentionAt(text: string, caret: number): MentionQuery | null {
  const m = MENTION_AT_CARET.exec(text.slice(0, caret));
  return m ? { start: caret - m[2].length - 1, query: m[2] } : null;
}

export interface Mention {
  open: boolean;
  /** Call on input and caret moves. */
  update(box: HTMLTextAreaElement): void;
  /** Call first in the box's keydown: true when the menu took the key. */
  onKeyDown(e: KeyboardEvent, box: HTMLTextAreaElement): boolean;
  close(): void;
  /** For the box: aria-controls / aria-activedescendant. */
  boxProps: Record<string, string | undefined>;
  menu: preact.JSX.Element | null;
}

export function useMention(setText: (text: string) => void): Mention {
  const t = useT();
  const c = useController();
  const [at, setAt] = useState<MentionQuery | null>(null);
  const [items, setItems] = useState<ContextItem[] | null>(null);
  const [active, setActive] = useState(0);
  const asked = useRef(0);
  const box = useRef<HTMLTextAreaElement | null>(null);
  const available = !!c.transport.mentions;

  useEffect(() => {
    if (!at || !c.transport.mentions) return;
    const n = ++asked.current;
    void c.transport.mentions(at.query).then((found) => {
      if (n !== asked.current) return; // a later query answered already or is on its way
      setItems(found);
      setActive(0);
    });
  }, [at?.query, at !== null]);

  const close = () => {
    setAt(null);
    setItems(null);
  };

  const pick = (item: ContextItem) => {
    const el = box.current;
    if (!el || !at) return;
    const caret = el.selectionStart ?? el.value.length;
    const next = el.value.slice(0, at.start) + el.value.slice(caret);
    c.dispatch({ type: 'attach', item });
    setText(next);
    close();
    el.focus();
    // The caret goes back where "@query" was once the new text is rendered, unless typing went on
    // meanwhile (a fast "@next" right after a pick): moving it then would split what was typed.
    requestAnimationFrame(() => el.value === next && el.setSelectionRange(at.start, at.start));
  };

  const update = (el: HTMLTextAreaElement) => {
    box.current = el;
    const found = el.selectionStart === el.selectionEnd ? mentionAt(el.value, el.selectionStart ?? 0) : null;
    if (!found) return at && close();
    if (!at || found.query !== at.query || found.start !== at.start) setAt(found);
  };

  const onKeyDown = (e: KeyboardEvent, el: HTMLTextAreaElement): boolean => {
    box.current = el;
    if (!at) return false;
    const list = items ?? [];
    if (e.key === 'Escape') {
      close();
    } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && list.length) {
      setActive((i) => (i + (e.key === 'ArrowDown' ? 1 : list.length - 1)) % list.length);
    } else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && !e.isComposing && list[active]) {
      pick(list[active]);
    } else {
      return false;
    }
    e.preventDefault();
    e.stopPropagation();
    return true;
  };

  const open = at !== null;
  const list = items ?? [];
  const menu = !open ? null : (
    <div class="mention-menu" role="presentation">
      {!available ? (
        <p class="mention-note" role="status">{t('mention.browser')}</p>
      ) : items === null ? (
        <p class="mention-note" role="status">{t('app.loading')}</p>
      ) : !list.length ? (
        <p class="mention-note" role="status">{t('mention.none', { query: at.query })}</p>
      ) : (
        <ul id="mention-list" class="mention-list" role="listbox" aria-label={t('mention.label')}>
          {list.map((item, i) => (
            <li
              key={`${item.kind}:${contextLabel(item)}`}
              id={`mention-${i}`}
              role="option"
              aria-selected={i === active}
              class={`mention-option${i === active ? ' active' : ''}`}
              onMouseDown={(e) => e.preventDefault() /* the box keeps the focus */}
              onClick={() => pick(item)}
            >
              <Icon name={item.kind === 'selection' ? 'selection' : 'file'} />
              <span class="mention-name">{item.kind === 'selection' ? t('mention.selection', { where: contextLabel(item) }) : contextLabel(item)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
  return {
    open,
    update,
    onKeyDown,
    close,
    boxProps: open && list.length ? { 'aria-controls': 'mention-list', 'aria-activedescendant': `mention-${active}` } : {},
    menu,
  };
}
