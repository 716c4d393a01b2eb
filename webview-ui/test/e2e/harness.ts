// The chat page's end-to-end harness: builds the page, starts a real Redis + backend, and drives
// real Chromium (playwright-core with /usr/bin/chromium). Screenshots go to
// .test-artifacts/screenshots/ (git-ignored) so a person can look at the main states.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { FAST_TIMING, REPO_ROOT, startBackend, type TestBackend, type TestUser } from '../../../test/support/backend';
import { startRedis, type TestRedis } from '../../../test/support/redis';
import { waitFor as waitForBase, type WaitOptions } from '../../../test/support/wait';

/**
 * Waits in these tests are generous: the machine is small and shared, and a wait only costs its
 * full length when the behaviour is missing.
 */
export const PATIENCE_MS = 60_000;

export function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  return waitForBase(fn, { timeout: PATIENCE_MS, ...opts });
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, '.test-artifacts', 'screenshots');

const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** Builds the webview bundle the backend serves (the same build `npm run build` makes). */
export function buildWebview(): void {
  execFileSync(process.execPath, ['esbuild.mjs', '--only', 'webview'], { cwd: REPO_ROOT, stdio: 'pipe' });
}

export interface Stack {
  redis: TestRedis;
  backend: TestBackend;
  browser: Browser;
  stop(): Promise<void>;
}

/** Real Chromium, headless, for these tests. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (npm test installs it when missing)`);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Redis + backend (fast presence timings) + Chromium, for one test file. */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  buildWebview();
  const redis = await startRedis();
  const backend = await startBackend({ redisUrl: redis.url, env: { ...FAST_TIMING, ...env } });
  const browser = await launchChromium();
  return {
    redis,
    backend,
    browser,
    async stop() {
      await browser.close().catch(() => {});
      await backend.stop();
      await redis.stop();
    },
  };
}

export interface ChatPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors (other than CSP reports and answered 4xx calls). */
  errors: string[];
  /** Content-Security-Policy violations the page reported. */
  cspViolations: string[];
  close(): Promise<void>;
}

/** A fresh browser profile (own sessionStorage) on the chat page of `stack.backend.url`. */
export async function openChat(stack: Pick<Stack, 'browser'> & { backend: { url: string } }, opts: { locale?: string; colorScheme?: 'light' | 'dark'; width?: number; height?: number; permissions?: string[]; phone?: boolean } = {}): Promise<ChatPage> {
  const context = await stack.browser.newContext({
    // A phone: touch, coarse pointer, mobile viewport semantics.
    ...(opts.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    permissions: opts.permissions ?? [],
    locale: opts.locale ?? 'en-US',
    colorScheme: opts.colorScheme ?? 'light',
    viewport: { width: opts.width ?? 900, height: opts.height ?? 720 },
  });
  context.setDefaultTimeout(PATIENCE_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  const cspViolations: string[] = [];
  await page.exposeFunction('__reportCsp', (v: string) => cspViolations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCsp(v: string): void }).__reportCsp(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Not page faults: CSP refusals are collected from their own event (cspViolations), and
    // Chromium logs every answered 4xx API call (e.g. a wrong password) as a failed resource.
    if (m.type() !== 'error' || /Content Security Policy|Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
    errors.push(`console: ${m.text()}`);
  });
  await page.goto(stack.backend.url + '/');
  return { context, page, errors, cspViolations, close: () => context.close() };
}

export async function signIn(page: Page, user: Pick<TestUser, 'username' | 'password'>): Promise<void> {
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.connection-connected').waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** The picker's trigger button (its accessible name starts with "Run on"). */
export const pickerTrigger = (page: Page) => page.getByRole('button', { name: /^Run on:/ });

/** Opens the picker if closed. */
export async function openPicker(page: Page): Promise<void> {
  const trigger = pickerTrigger(page);
  if ((await trigger.getAttribute('aria-expanded')) !== 'true') await trigger.click();
  await page.locator('.picker-panel').waitFor();
}

/** The row of a device in the open picker. */
export const pickerRow = (page: Page, deviceId: string) => page.locator(`.picker-row[data-device-id="${deviceId}"]`);

export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByLabel('Message');
  await box.fill(text);
  await box.press('Enter');
}

/** The last turn's status line. */
export const lastStatus = (page: Page) => page.locator('.turn').last().locator('.status-line');
