// The chat page as VS Code serves its webview, for the Chromium tests: its own origin, the nonce CSP
// chatView.ts writes (default-src 'none'), acquireVsCodeApi, a theme's --vscode-* variables — and the
// extension's real host-side bridge (extension/src/vscode/chatBridge.ts, vscode-free) holding the
// /chat socket and the token against the real backend.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { HostToWebview } from '@wegent/shared';
import { ChatBridge, type ChatBridgeOptions } from '../../../extension/src/vscode/chatBridge';
import { REPO_ROOT, type TestUser } from '../../../test/support/backend';
import { PATIENCE_MS } from './harness';

export const ORIGIN = 'https://webview.vscode.test';
const DIST = join(REPO_ROOT, 'webview-ui', 'dist');
const NONCE = 'dGVzdC1ub25jZS0xMjM0NQ==';

/** What VS Code's chat view writes (extension/src/vscode/chatView.ts chatHtml): nonce CSP, no network. */
const HTML = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${NONCE}'; style-src ${ORIGIN}; font-src ${ORIGIN}; img-src ${ORIGIN} data:">
<link rel="stylesheet" href="${ORIGIN}/main.css"></head>
<body><div id="root"></div><script nonce="${NONCE}" src="${ORIGIN}/main.js"></script></body></html>`;

/** A few of the variables VS Code's Dark Modern theme puts on the webview's <html>. */
export const DARK_THEME: Record<string, string> = {
  '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px', '--vscode-foreground': '#cccccc',
  '--vscode-sideBar-background': '#181818', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-widget-border': '#313131',
  '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-input-border': '#3c3c3c',
  '--vscode-focusBorder': '#0078d4', '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#026ec1', '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc', '--vscode-button-secondaryHoverBackground': '#3c3c3c', '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-list-inactiveSelectionBackground': '#37373d', '--vscode-editorWidget-background': '#202020',
  '--vscode-textCodeBlock-background': '#2b2b2b', '--vscode-testing-iconPassed': '#73c991',
  '--vscode-editorWarning-foreground': '#cca700', '--vscode-testing-iconFailed': '#f14c4c', '--vscode-errorForeground': '#f85149',
  '--vscode-editor-background': '#1f1f1f', '--vscode-editor-foreground': '#cccccc', '--vscode-debugTokenExpression-name': '#c586c0',
  '--vscode-debugTokenExpression-string': '#ce9178', '--vscode-debugTokenExpression-number': '#b5cea8', '--vscode-symbolIcon-functionForeground': '#b180d7',
};

/** Light Modern and High Contrast: the same page must take every colour from the theme. */
export const LIGHT_THEME: Record<string, string> = {
  ...DARK_THEME, '--vscode-foreground': '#3b3b3b', '--vscode-sideBar-background': '#f8f8f8', '--vscode-input-background': '#ffffff',
  '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece', '--vscode-widget-border': '#e5e5e5',
  '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-button-secondaryHoverBackground': '#cccccc',
  '--vscode-editorWidget-background': '#f8f8f8', '--vscode-textCodeBlock-background': '#f0f0f0', '--vscode-descriptionForeground': '#616161',
  '--vscode-list-inactiveSelectionBackground': '#e4e6f1', '--vscode-list-hoverBackground': '#f2f2f2',
  '--vscode-editor-background': '#ffffff', '--vscode-editor-foreground': '#3b3b3b', '--vscode-debugTokenExpression-name': '#9b46b0',
  '--vscode-debugTokenExpression-string': '#a31515', '--vscode-debugTokenExpression-number': '#098658', '--vscode-symbolIcon-functionForeground': '#652d90',
};
export const HIGH_CONTRAST_THEME: Record<string, string> = {
  ...DARK_THEME, '--vscode-foreground': '#ffffff', '--vscode-sideBar-background': '#000000', '--vscode-input-background': '#000000',
  '--vscode-input-foreground': '#ffffff', '--vscode-input-border': '#6fc3df', '--vscode-contrastBorder': '#6fc3df',
  '--vscode-widget-border': '#6fc3df', '--vscode-focusBorder': '#f38518', '--vscode-button-background': '#000000',
  '--vscode-button-secondaryBackground': '#000000', '--vscode-editorWidget-background': '#0c141f', '--vscode-textCodeBlock-background': '#000000',
};
export const THEMES = { dark: [DARK_THEME, 'vscode-dark'], light: [LIGHT_THEME, 'vscode-light'], 'high-contrast': [HIGH_CONTRAST_THEME, 'vscode-high-contrast'] } as const;

export type ThemeName = keyof typeof THEMES;

export interface Host {
  page: Page;
  context: BrowserContext;
  bridge: ChatBridge;
  commands: string[];
  /** Every request the page made: all must be to the webview's own origin. */
  requests: string[];
}

export interface VsCodePageOptions {
  user: TestUser | null;
  backendUrl: string;
  localDeviceId?: string;
  theme?: ThemeName;
  /** The sidebar (default) or an editor tab (HostInfo.surface). */
  surface?: 'sidebar' | 'editor';
  width?: number;
  height?: number;
  /** What the host does for the page beyond the socket: open a file, list `@` candidates. */
  bridge?: Pick<ChatBridgeOptions, 'openFile' | 'mentions'>;
}

/** Opens the chat as VS Code would, with the bridge answering for a user (or for nobody). */
export async function openVsCodePage(browser: Browser, opts: VsCodePageOptions): Promise<Host> {
  const { user, localDeviceId, backendUrl } = opts;
  const [themeVars, themeClass] = THEMES[opts.theme ?? 'dark'];
  const context = await browser.newContext({ viewport: { width: opts.width ?? 380, height: opts.height ?? 700 }, locale: 'en-US' });
  context.setDefaultTimeout(PATIENCE_MS);
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await context.route(`${ORIGIN}/**`, (route) => {
    const name = new URL(route.request().url()).pathname.slice(1) || 'index.html';
    if (name === 'index.html') return route.fulfill({ contentType: 'text/html', body: HTML });
    const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : name.endsWith('.ttf') ? 'font/ttf' : 'application/octet-stream';
    try {
      return route.fulfill({ contentType: type, body: readFileSync(join(DIST, name)) });
    } catch {
      return route.fulfill({ status: 404, body: '' });
    }
  });
  const commands: string[] = [];
  const bridge = new ChatBridge({
    post: (message: HostToWebview) => void page.evaluate((m) => window.postMessage(m, '*'), message).catch(() => {}),
    backendUrl: () => backendUrl,
    token: async () => user?.token,
    hostInfo: (signedIn) => ({ host: 'vscode', locale: 'en', backend_url: backendUrl, signed_in: signedIn, surface: opts.surface ?? 'sidebar', ...(localDeviceId ? { local_device_id: localDeviceId } : {}) }),
    ...opts.bridge,
    runCommand: (command) => commands.push(command),
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await page.exposeFunction('__toHost', (m: unknown) => void bridge.handle(m));
  // VS Code's webview preamble: the API object (state survives hide/show) and the theme. A string,
  // not a function, so the test transpiler's helpers do not leak into the page.
  await page.addInitScript(`
    window.acquireVsCodeApi = function () {
      return {
        postMessage: function (m) { window.__toHost(m); },
        getState: function () { return JSON.parse(sessionStorage.getItem('vscode-state') || 'null'); },
        setState: function (s) { sessionStorage.setItem('vscode-state', JSON.stringify(s)); },
      };
    };
    document.addEventListener('DOMContentLoaded', function () {
      var theme = ${JSON.stringify(themeVars)};
      for (var k in theme) document.documentElement.style.setProperty(k, theme[k]);
      // The webview is transparent over the side bar, which VS Code paints in the theme colour.
      document.documentElement.style.backgroundColor = theme['--vscode-sideBar-background'];
      document.body.classList.add('${themeClass}');
    });
  `);
  await page.goto(`${ORIGIN}/index.html`);
  return { page, context, bridge, commands, requests };
}
