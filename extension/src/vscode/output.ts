// The "Wegent" output channel: the executor's log (it is the executor's Logger) and the live output
// of every task this device runs, prefixed with a short task id so parallel tasks stay readable.
import * as vscode from 'vscode';
import type { Logger, RunningTaskInfo } from '../executor/api';
import type { ProtocolError, TaskEvent } from '@wegent/shared';
import { redactFields, redactText } from './redact';
import { TaskTranscript, preview } from './taskLog';

export const OUTPUT_CHANNEL_NAME = 'Wegent';

function format(message: string, fields?: Record<string, unknown>): string {
  const text = redactText(message);
  if (!fields || Object.keys(fields).length === 0) return text;
  return `${text} ${JSON.stringify(redactFields(fields))}`;
}

const shortId = (subtaskId: string) => subtaskId.slice(-8);

export class WegentOutput implements Logger, vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  private readonly transcript = new TaskTranscript();

  constructor() {
    this.channel = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.channel.debug(format(message, fields));
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.channel.info(format(message, fields));
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.channel.warn(format(message, fields));
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.channel.error(format(message, fields));
  }

  taskStarted(task: RunningTaskInfo): void {
    this.channel.info(`[${shortId(task.subtaskId)}] ▶ task started: ${redactText(preview(task.prompt, 200))}`);
  }

  taskEvent(subtaskId: string, event: TaskEvent): void {
    for (const line of this.transcript.push(subtaskId, event)) this.channel.info(`[${shortId(subtaskId)}] ${redactText(line)}`);
  }

  taskEnded(subtaskId: string, status: string, error?: ProtocolError): void {
    for (const line of this.transcript.flush(subtaskId)) this.channel.info(`[${shortId(subtaskId)}] ${redactText(line)}`);
    const tail = error ? `: ${error.code} — ${redactText(error.message)}` : '';
    const log = status === 'failed' ? this.channel.error : this.channel.info;
    log.call(this.channel, `[${shortId(subtaskId)}] ■ task ${status}${tail}`);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
