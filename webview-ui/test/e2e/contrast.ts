// WCAG contrast of what the page really paints: an element's computed text colour against the
// first opaque background behind it (walking up the tree), in Chromium's own computed values.
import type { Locator } from 'playwright-core';

type Rgb = [number, number, number];

function parse(color: string): { rgb: Rgb; alpha: number } {
  const m = /rgba?\(([^)]+)\)/.exec(color);
  if (!m) throw new Error(`unparsed colour ${color}`);
  const [r, g, b, a = '1'] = m[1].split(/[ ,/]+/).filter(Boolean);
  return { rgb: [Number(r), Number(g), Number(b)], alpha: Number(a) };
}

function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The WCAG 2 contrast ratio of two opaque colours (1 … 21). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The contrast of the element's text against what is behind it. */
export async function textContrast(el: Locator): Promise<{ ratio: number; fg: string; bg: string }> {
  const { fg, bg } = await el.evaluate((node) => {
    let bgColor = 'rgb(255, 255, 255)';
    for (let n: Element | null = node; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor;
      if (!/rgba\(.*,\s*0\)$/.test(c) && c !== 'transparent') {
        bgColor = c;
        break;
      }
    }
    return { fg: getComputedStyle(node).color, bg: bgColor };
  });
  const f = parse(fg);
  const b = parse(bg);
  if (f.alpha < 1) throw new Error(`translucent text colour ${fg}: blend it before measuring`);
  return { ratio: contrastRatio(f.rgb, b.rgb), fg, bg };
}
