// The chat webview's page, free of `vscode` so its Content-Security-Policy is unit-tested: only our
// bundled script (by nonce) and our styles and fonts may load; no inline code, no eval, no network.
export interface ChatHtmlInput {
  cspSource: string;
  nonce: string;
  lang: string;
  asset(name: string): string;
  hasScript: boolean;
  styles: string[];
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function chatHtml(p: ChatHtmlInput): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${p.nonce}'`,
    `style-src ${p.cspSource}`,
    `font-src ${p.cspSource}`,
    `img-src ${p.cspSource} data:`,
  ].join('; ');
  const styles = p.styles.map((s) => `<link rel="stylesheet" href="${escapeAttr(p.asset(s))}">`).join('\n    ');
  const body = p.hasScript
    ? `<div id="root"></div>\n    <script nonce="${p.nonce}" src="${escapeAttr(p.asset('main.js'))}"></script>`
    : '<p role="alert">The Wegent chat view was not built. Run <code>npm run build -w extension</code> and reload the window.</p>';
  return `<!DOCTYPE html>
<html lang="${escapeAttr(p.lang)}">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${csp}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>Wegent Chat</title>
    ${styles}
  </head>
  <body>
    ${body}
  </body>
</html>`;
}
