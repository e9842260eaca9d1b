import type { Attachment } from './compose-start.ts';
import { humanSize } from './upload.ts';

interface Props {
  attachments: Attachment[];
  onFiles: (files: FileList | null) => void;
  onRemove: (key: string) => void;
}

/** The attach button (a labelled file input) and the attachments, each with its upload progress or error. */
export function ComposeAttachments({ attachments, onFiles, onRemove }: Props) {
  return (
    <div class="attachments">
      <input
        id="compose-files"
        type="file"
        multiple
        class="visually-hidden"
        onChange={(e) => {
          onFiles(e.currentTarget.files);
          e.currentTarget.value = '';
        }}
      />
      <label for="compose-files" class="attach-button">
        Attach files
      </label>
      <span class="drop-hint">or drop files here</span>
      {attachments.length > 0 && (
        <ul aria-label="Attachments">
          {attachments.map((a) => (
            <li key={a.key} class={a.error ? 'attachment failed' : 'attachment'}>
              <span class="attachment-name">{a.name}</span> <span class="attachment-size">{humanSize(a.size)}</span>
              {a.error ? (
                <span class="field-error" role="alert">
                  {a.error}
                </span>
              ) : (
                a.blobId === null && <progress max={1} value={a.progress} aria-label={`Uploading ${a.name}`} />
              )}
              <button type="button" class="ghost" aria-label={`Remove ${a.name}`} onClick={() => onRemove(a.key)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
