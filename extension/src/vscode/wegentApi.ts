// What `activate()` returns: the live pieces, so tests in the extension host (and other extensions)
// can observe the device without scraping the UI.
import type { Uri } from 'vscode';
import type { ChatViewProvider } from './chatView';
import type { DeviceController } from './deviceController';
import type { WegentOutput } from './output';
import type { TokenStore } from './settings';
import type { DeviceStatusBar } from './statusBar';
import type { Notices } from './notices';
import type { FolderPicker } from './folderPicker';
import type { LocalApprovalPrompt } from './toolApproval';
import type { ChatNotifications } from './chatNotifications';
import type { TokenPrompt } from './tokenPrompt';

export const EXTENSION_ID = 'wegent.wegent';

export interface WegentApi {
  /** Folder of this extension's logs; the output channel is `Wegent.log` in it. */
  logUri: Uri;
  controller: DeviceController;
  statusBar: DeviceStatusBar;
  output: WegentOutput;
  chatView: ChatViewProvider;
  tokens: TokenStore;
  /** The error notifications shown (message + buttons), newest last. */
  notices: Notices;
  /** The multi-root folder pick (its `current` is the one on screen). */
  folderPicker: FolderPicker;
  /** This window's own prompt for its device's permission requests. */
  localPrompt: LocalApprovalPrompt;
  /** Notifications for the chat's tasks that run elsewhere. */
  chatNotifications: ChatNotifications;
  /** The API token box (its `current` is the one on screen). */
  tokenPrompt: TokenPrompt;
}
