// The status bar item: device state and slot usage, always visible; a click connects or opens the
// device menu. Rendering lives in statusView.ts.
import * as vscode from 'vscode';
import type { ExecutorSnapshot } from '../executor/api';
import { statusView } from './statusView';

export class DeviceStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('wegent.device', vscode.StatusBarAlignment.Left, 50);
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the new text whenever it changes (tests record the 0/5 → 1/5 → 0/5 sequence). */
  readonly onDidChangeText = this.changed.event;

  constructor() {
    this.item.name = 'Wegent Device';
    this.update(undefined);
    this.item.show();
  }

  update(snapshot: ExecutorSnapshot | undefined): void {
    const view = statusView(snapshot);
    const changed = this.item.text !== view.text;
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    this.item.backgroundColor = view.background ? new vscode.ThemeColor(view.background) : undefined;
    this.item.accessibilityInformation = { label: view.tooltip, role: 'button' };
    if (changed) this.changed.fire(view.text);
  }

  /** For tests and the device menu: what the item shows now. */
  get text(): string {
    return this.item.text;
  }

  /** What its hover says now (device, backend, running tasks). */
  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? '');
  }

  dispose(): void {
    this.changed.dispose();
    this.item.dispose();
  }
}
