// The syntax highlighter, a bundle of its own (dist/highlight.js) that codeBlocks.ts loads the first
// time a reply shows a code block: highlight.js's common languages (~40) stay out of main.js. It only
// registers itself; the page decides what to highlight. Its output is highlight.js's escaped HTML.
import hljs from 'highlight.js/lib/common';
import type { Highlighter } from '../codeBlocks';

const highlighter: Highlighter = {
  highlight(code, language) {
    if (language && hljs.getLanguage(language)) return hljs.highlight(code, { language, ignoreIllegals: true }).value;
    // No language named, or one it does not know: guess only among the common ones, and only for longer code.
    return code.length > 40 ? hljs.highlightAuto(code).value : null;
  },
};
(globalThis as { wegentHighlighter?: Highlighter }).wegentHighlighter = highlighter;
