// Whether an element is narrower than a width, kept current as the sidebar is resized (for what CSS
// cannot switch, like a placeholder; layout itself uses container queries in styles/narrow.css).
import { useEffect, useState } from 'preact/hooks';

/** Below this width the composer's box is "narrow" (a sidebar dragged small). */
export const NARROW_COMPOSER_PX = 260;

export function useNarrow(ref: { current: Element | null }, px: number): boolean {
  const [narrow, setNarrow] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => setNarrow(entry.contentRect.width < px));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref.current, px]);
  return narrow;
}
