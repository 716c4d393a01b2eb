// The transcript follows the newest content — a streaming reply growing, a card opening, code
// highlighted late — unless the user scrolled up to read; sending a message always jumps down.
import { useEffect, useRef, useState } from 'preact/hooks';

type ElementRef = { readonly current: HTMLElement | null };

/** How close to the bottom still counts as "at the latest" (px). */
const NEAR_BOTTOM = 40;

export function useFollow(box: ElementRef, content: ElementRef, ownSends: number) {
  const pinned = useRef(true);
  const lastTop = useRef(0);
  const [away, setAway] = useState(false);

  const jump = () => {
    const el = box.current;
    if (!el) return;
    pinned.current = true;
    setAway(false);
    el.scrollTop = el.scrollHeight;
  };

  // Whatever makes the content taller (or the box shorter) keeps a pinned view at the bottom.
  useEffect(() => {
    const el = box.current;
    const inner = content.current;
    if (!el || !inner || typeof ResizeObserver === 'undefined') return;
    const follow = new ResizeObserver(() => {
      if (pinned.current) el.scrollTop = el.scrollHeight;
    });
    follow.observe(inner);
    follow.observe(el);
    return () => follow.disconnect();
  }, []);

  // The user's own new message: show it and its reply, wherever they were reading.
  useEffect(() => {
    if (ownSends > 0) jump();
  }, [ownSends]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM;
    // Only the user scrolling up lets go: a scroll event of our own follow arrives a frame late,
    // when a fast stream may have grown the content again (it is not the user leaving).
    const wentUp = el.scrollTop < lastTop.current - 1;
    lastTop.current = el.scrollTop;
    if (atBottom) pinned.current = true;
    else if (wentUp) pinned.current = false;
    setAway(!pinned.current);
  };

  return { away, jump, onScroll };
}
