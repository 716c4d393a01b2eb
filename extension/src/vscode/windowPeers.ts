// "Connecting one window offers to connect the others." The VS Code windows of one machine share the
// API token (SecretStorage is per machine) but no events: a window that connects writes a small note
// into the executor's data dir (next to the per-folder device ids), and every other window watches
// it. The note names the folder by its key (a hash), never by its path. Free of `vscode`.
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface PeerConnected {
  /** identity.ts folderKeyOf() of the folder that was connected. */
  folderKey: string;
  /** Its device name, for the offer's wording. */
  name: string;
  at: number;
}

const NOTE = 'last-connected.json';

export async function announceConnected(dataDir: string, note: Omit<PeerConnected, 'at'>): Promise<void> {
  const dir = path.join(dataDir, 'devices');
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.${NOTE}.${process.pid}`);
  await fs.writeFile(tmp, JSON.stringify({ ...note, at: Date.now() }), { mode: 0o600 });
  await fs.rename(tmp, path.join(dir, NOTE)); // atomic: a watcher never reads half a note
}

/**
 * Calls `onPeer` once for each connect of *another* folder announced after this call. Returns a
 * function that stops watching. A data dir that cannot be watched just means no offers.
 */
export async function watchPeers(dataDir: string, ownKey: () => string | undefined, onPeer: (note: PeerConnected) => void): Promise<() => void> {
  const dir = path.join(dataDir, 'devices');
  const since = Date.now();
  let last = 0;
  let watcher: FSWatcher | undefined;
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    watcher = watch(dir, (_event, file) => {
      if (file && file !== NOTE) return;
      void fs
        .readFile(path.join(dir, NOTE), 'utf8')
        .then((text) => {
          const note = JSON.parse(text) as PeerConnected;
          if (typeof note.at !== 'number' || note.at <= Math.max(since, last) || note.folderKey === ownKey()) return;
          last = note.at;
          onPeer(note);
        })
        .catch(() => undefined); // a note being replaced, or not JSON: the next event reads it again
    });
    watcher.on('error', () => undefined);
  } catch {
    return () => undefined;
  }
  return () => watcher?.close();
}
