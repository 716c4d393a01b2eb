// A file path: a link that opens it in the editor when this window can (fileLinks.ts), else text.
import { useT } from '../i18n';
import { useFileOpener, type FileRef } from '../fileLinks';

export function FilePath({ file, class: cls = '' }: { file: FileRef; class?: string }) {
  const t = useT();
  const opener = useFileOpener();
  const shown = file.line ? `${file.path}:${file.line}` : file.path;
  if (!opener) return <span class={`file-path ${cls}`}>{shown}</span>;
  return (
    <button type="button" class={`file-path file-link ${cls}`} title={t('file.open', { path: shown })} onClick={() => opener.open(file)}>
      {shown}
    </button>
  );
}
