// Entry: picks the host (VS Code injects acquireVsCodeApi; a browser does not), builds its
// transport and mounts the app. The HTML page is the host's: it may or may not have #root.
import '@vscode/codicons/dist/codicon.css';
import './styles/main.css';
import { render } from 'preact';
import { App } from './App';
import { Controller } from './controller';
import { pickLocale, translator } from './i18n';
import { BrowserNotifier } from './notify';
import { turnBySubtask } from './state';
import { BrowserTransport } from './transport/browser';
import type { Transport } from './transport/types';
import { VsCodeTransport } from './transport/vscode';
import { ControllerContext } from './useController';

function makeTransport(): Transport {
  if (typeof acquireVsCodeApi === 'function') return new VsCodeTransport(acquireVsCodeApi());
  return new BrowserTransport();
}

const transport = makeTransport();
document.body.classList.add(`host-${transport.kind}`);
const root = document.getElementById('root') ?? document.body.appendChild(document.createElement('div'));
const controller = new Controller(transport);
if (transport.kind === 'browser') {
  new BrowserNotifier(
    transport,
    () => translator(pickLocale(controller.state.info?.locale ?? navigator.language)),
    (taskId) => void controller.openConversation(taskId),
    (subtaskId) => turnBySubtask(controller.state, subtaskId)?.prompt,
  );
}
render(
  <ControllerContext.Provider value={controller}>
    <App />
  </ControllerContext.Provider>,
  root,
);
void controller.start();
