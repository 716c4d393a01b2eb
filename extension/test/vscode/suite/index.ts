// The test module VS Code loads inside its extension host (the @vscode/test-electron contract:
// `run()` resolves when every test passed). It is bundled by the harness into dist/test/suite.js;
// the suites are imported after mocha's globals exist, so their `describe` calls register.
import Mocha from 'mocha';
import { ENV, type WorkspaceLayout } from '../scenario';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'suite', mocha);
  if (process.env.WEGENT_TEST_GREP) mocha.grep(process.env.WEGENT_TEST_GREP);
  // The harness opens extra windows for what needs another workspace shape (see host/main.ts).
  const layout = (process.env[ENV.layout] ?? 'folder') as WorkspaceLayout;
  if (layout === 'folder') {
    await import('./activation.suite');
    await import('./device.suite');
    await import('./tokens.suite');
    await import('./chatView.suite');
    await import('./changes.suite');
    await import('./chatFiles.suite');
    await import('./resilience.suite'); // last: it stops and restarts the backend
  } else if (layout.startsWith('window-')) {
    await import('./windows.suite');
  } else {
    await import('./folders.suite');
  }
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} extension host test(s) failed`);
}
