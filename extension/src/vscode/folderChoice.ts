// Which workspace folder a device runs its tasks in (the task cwd). One folder: that one. Several
// (multi-root): the user picks, the last pick listed first and reused by silent reconnects. None:
// the caller says "Open a folder first" with an Open Folder button. Pure (no `vscode`), so the
// choice is unit-tested; commands.ts supplies the quick pick.

export interface FolderLike {
  name: string;
  /** The folder's URI as a string: what is remembered between sessions. */
  uri: string;
}

export type FolderChoice<F extends FolderLike> =
  | { kind: 'none' }
  | { kind: 'chosen'; folder: F }
  | { kind: 'cancelled' };

export interface ChooseFolderOptions<F extends FolderLike> {
  folders: readonly F[] | undefined;
  /** The URI string of the folder chosen last time (workspace state), if any. */
  remembered?: string;
  /** False for auto-connect: no quick pick, the remembered folder or else the first. */
  interactive: boolean;
  /** Shows the folders (in this order) and resolves with the picked one, or undefined if dismissed. */
  pick(ordered: readonly F[], remembered: F | undefined): Promise<F | undefined>;
}

export async function chooseFolder<F extends FolderLike>(opts: ChooseFolderOptions<F>): Promise<FolderChoice<F>> {
  const folders = opts.folders ?? [];
  if (folders.length === 0) return { kind: 'none' };
  if (folders.length === 1) return { kind: 'chosen', folder: folders[0]! };
  const remembered = folders.find((f) => f.uri === opts.remembered);
  if (!opts.interactive) return { kind: 'chosen', folder: remembered ?? folders[0]! };
  const ordered = remembered ? [remembered, ...folders.filter((f) => f !== remembered)] : folders;
  const folder = await opts.pick(ordered, remembered);
  return folder ? { kind: 'chosen', folder } : { kind: 'cancelled' };
}
