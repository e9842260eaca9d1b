// Attachments go to the session's uploadUrl (RFC 8620 §6.1) by XMLHttpRequest, whose upload
// progress events fetch() does not offer.
import type { Jmap } from './api.ts';

interface UploadSession {
  uploadUrl: string;
  capabilities: Record<string, { maxSizeUpload?: number }>;
}

export interface Uploaded {
  blobId: string;
  type: string;
  size: number;
}

export class UploadFailed extends Error {}

/** The largest file the server takes, from the session's core capability. */
export function maxUploadSize(jmap: Jmap): number {
  const session = jmap.session as unknown as UploadSession;
  return session.capabilities?.['urn:ietf:params:jmap:core']?.maxSizeUpload ?? Infinity;
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Uploads one file, reporting the fraction sent; rejects with a sentence a user can read. */
export function uploadFile(jmap: Jmap, file: File, onProgress: (fraction: number) => void, signal: AbortSignal): Promise<Uploaded> {
  const limit = maxUploadSize(jmap);
  if (file.size > limit) return Promise.reject(new UploadFailed(`${file.name} is ${humanSize(file.size)}; the server takes files up to ${humanSize(limit)}.`));
  const url = (jmap.session as unknown as UploadSession).uploadUrl.replace('{accountId}', encodeURIComponent(jmap.accountId));
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${jmap.token}`);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status === 201 || xhr.status === 200) {
        const body = JSON.parse(xhr.responseText) as Uploaded;
        onProgress(1);
        resolve(body);
      } else if (xhr.status === 413) reject(new UploadFailed(`${file.name} is too large for the server.`));
      else reject(new UploadFailed(`${file.name} could not be uploaded (HTTP ${xhr.status}).`));
    };
    xhr.onerror = () => reject(new UploadFailed(`${file.name} could not be uploaded: the connection failed.`));
    xhr.onabort = () => reject(new UploadFailed(`The upload of ${file.name} was cancelled.`));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
