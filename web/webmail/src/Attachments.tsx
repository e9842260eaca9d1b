import { useEffect, useState } from 'preact/hooks';

import type { Jmap } from './api.ts';
import { downloadBlob, type ReaderPart } from './reader-requests.ts';

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Images and PDFs can be looked at in the page; the browser draws them from a blob: URL. */
function previewKind(type: string): 'image' | 'pdf' | null {
  if (type === 'application/pdf') return 'pdf';
  return /^image\/(png|jpeg|gif|webp|bmp|avif)$/i.test(type) ? 'image' : null;
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The click starts the download synchronously from the URL; it can go once that has happened.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function Attachment({ jmap, accountId, part }: { jmap: Jmap; accountId: string; part: ReaderPart }) {
  const [preview, setPreview] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = part.name || 'Unnamed attachment';
  const kind = previewKind(part.type);

  useEffect(() => () => {
    if (preview) URL.revokeObjectURL(preview);
  }, [preview]);

  async function run(action: (blob: Blob) => void) {
    setBusy(true);
    setError(null);
    try {
      action(await downloadBlob(jmap, accountId, part));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="attachment">
      <div class="attachment-row">
        <span class="attachment-name">{name}</span>
        <span class="attachment-meta">
          {part.type} · {fileSize(part.size)}
        </span>
        <span class="attachment-actions">
          {kind && (
            <button type="button" class="ghost" disabled={busy} aria-expanded={preview !== null} aria-label={`${preview ? 'Hide preview of' : 'Preview'} ${name}`} onClick={() => (preview ? setPreview(null) : void run((blob) => setPreview(URL.createObjectURL(blob))))}>
              {preview ? 'Hide preview' : 'Preview'}
            </button>
          )}
          <button type="button" class="ghost" disabled={busy} aria-label={`Download ${name}`} onClick={() => void run((blob) => saveBlob(blob, name))}>
            Download
          </button>
        </span>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {preview && kind === 'image' && <img class="attachment-preview" src={preview} alt={`Preview of ${name}`} />}
      {preview && kind === 'pdf' && <iframe class="attachment-preview pdf" src={preview} title={`Preview of ${name}`} />}
    </li>
  );
}

/** A message's attachments: name, type and size, each downloadable; images and PDFs previewable. */
export function Attachments({ jmap, accountId, parts }: { jmap: Jmap; accountId: string; parts: ReaderPart[] }) {
  if (parts.length === 0) return null;
  return (
    <section class="attachments" aria-label="Attachments">
      <h3 class="attachments-title">{parts.length === 1 ? '1 attachment' : `${parts.length} attachments`}</h3>
      <ul>
        {parts.map((part) => (
          <Attachment key={part.partId ?? part.blobId} jmap={jmap} accountId={accountId} part={part} />
        ))}
      </ul>
    </section>
  );
}
