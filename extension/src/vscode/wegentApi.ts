// What `activate()` returns: the live pieces, so tests in the extension host (and other extensions)
// can observe the device without scraping the UI.
import type { ChatViewProvider } from './chatView';
import type { DeviceController } from './deviceController';
import type { WegentOutput } from './output';
import type { TokenStore } from './settings';
import type { DeviceStatusBar } from './statusBar';

export const EXTENSION_ID = 'wegent.wegent';

export interface WegentApi {
  controller: DeviceController;
  statusBar: DeviceStatusBar;
  output: WegentOutput;
  chatView: ChatViewProvider;
  tokens: TokenStore;
}
