import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { parseAddresses } from './addresses.ts';
import { SignedOut, type Jmap } from './api.ts';
import { assembleBody, combineSignatures, htmlToText, textToHtml, type Signature } from './compose-body.ts';
import { destroyDraft, loadComposeContext, loadOrgSignature, saveDraft, sendMessage, type ComposeContext, type Outgoing, type Priority, type Saved } from './compose-requests.ts';
import { initialFields, type Attachment, type Fields } from './compose-start.ts';
import type { ComposeStart } from './compose-types.ts';
import { ComposeAttachments } from './ComposeAttachments.tsx';
import { RichEditor } from './Editor.tsx';
import { RecipientField } from './Recipients.tsx';
import { uploadFile } from './upload.ts';
import './compose.css';

/** Seconds between Send and the message really leaving, during which Undo brings the editor back. */
const UNDO_SECONDS = 10;
/** Quiet time after the last change before the draft is saved. */
const AUTOSAVE_MS = 3000;

type Phase = { name: 'loading' } | { name: 'closing' } | { name: 'failed'; message: string } | { name: 'editing' } | { name: 'countdown'; left: number } | { name: 'sending' };

function plainWords(err: unknown): string {
  if (err instanceof SignedOut) return 'Your session has expired. Sign in again; your last saved draft is in Drafts.';
  return err instanceof Error ? err.message : String(err);
}

const TITLES: Record<ComposeStart['mode'], string> = { new: 'New message', reply: 'Reply', replyAll: 'Reply all', forward: 'Forward', draft: 'Draft' };

/** A compose window; it calls onClose once the message is sent, saved as a draft or discarded. */
export function Compose({ jmap, start, onClose }: { jmap: Jmap; start: ComposeStart; onClose: () => void }) {
  const [phase, setPhase] = useState<Phase>({ name: 'loading' });
  const [context, setContext] = useState<ComposeContext | null>(null);
  const [orgSignature, setOrgSignature] = useState<Signature>({ text: '', html: '' });
  const [fields, setFields] = useState<Fields | null>(null);
  const [checked, setChecked] = useState({ to: false, cc: false, bcc: false });
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [dragging, setDragging] = useState(false);
  const [showCopies, setShowCopies] = useState(false);
  /** Counts the user's changes; autosave follows it, not the server's answers. */
  const [edits, setEdits] = useState(0);
  /** Remounts the editor when its document is replaced from outside (mode switch, Undo). */
  const [editorKey, setEditorKey] = useState(0);
  const draftId = useRef<string | null>(null);
  const saving = useRef<Promise<void>>(Promise.resolve());
  const savedEdits = useRef(0);
  const uploads = useRef(new Map<string, AbortController>());
  const latest = useRef<Fields | null>(null);
  latest.current = fields;

  useEffect(() => {
    let live = true;
    (async () => {
      const [ctx, org] = await Promise.all([loadComposeContext(jmap), loadOrgSignature(jmap).catch((err: unknown) => (err instanceof SignedOut ? Promise.reject(err) : { text: '', html: '' }))]);
      const initial = await initialFields(jmap, start, ctx);
      if (!live) return;
      draftId.current = initial.draftId;
      setContext(ctx);
      setOrgSignature(org);
      setFields(initial.fields);
      setPhase({ name: 'editing' });
    })().catch((err: unknown) => live && setPhase({ name: 'failed', message: plainWords(err) }));
    return () => {
      live = false;
    };
  }, [jmap, start]);

  useEffect(() => () => uploads.current.forEach((c) => c.abort()), []);

  const identity = context?.identities.find((i) => i.id === fields?.identityId) ?? null;
  const signature = useMemo(() => combineSignatures([{ text: identity?.textSignature ?? '', html: identity?.htmlSignature ?? '' }, orgSignature]), [identity, orgSignature]);

  function edit(patch: Partial<Fields> | ((f: Fields) => Partial<Fields>)) {
    setFields((f) => (f ? { ...f, ...(typeof patch === 'function' ? patch(f) : patch) } : f));
    setEdits((n) => n + 1);
  }

  function outgoing(f: Fields): Outgoing | null {
    if (!identity) return null;
    const typed = f.rich ? { text: htmlToText(f.html), html: f.html } : { text: f.text, html: null };
    const body = assembleBody(typed, signature, f.quote);
    return {
      identity,
      to: parseAddresses(f.to).addresses,
      cc: parseAddresses(f.cc).addresses,
      bcc: parseAddresses(f.bcc).addresses,
      subject: f.subject,
      text: body.text,
      html: body.html,
      attachments: f.attachments.filter((a) => a.blobId !== null).map((a) => ({ blobId: a.blobId!, name: a.name, type: a.type, size: a.size })),
      inReplyTo: f.inReplyTo,
      references: f.references,
      priority: f.priority,
    };
  }

  /** The attachments now live in the new version of the draft; the old one, and its parts, are gone. */
  function adopt(sent: Fields, saved: Saved) {
    draftId.current = saved.id;
    const included = sent.attachments.filter((a) => a.blobId !== null).map((a) => a.key);
    if (saved.attachments.length !== included.length) return;
    const blobIds = new Map(included.map((key, i) => [key, saved.attachments[i].blobId]));
    const moved = (f: Fields): Fields => ({ ...f, attachments: f.attachments.map((a) => (blobIds.has(a.key) ? { ...a, blobId: blobIds.get(a.key)! } : a)) });
    setFields((cur) => (cur ? moved(cur) : cur));
    if (latest.current) latest.current = moved(latest.current);
  }

  /** Saves the current fields as the new draft version; saves run one after another. False if it failed. */
  function save(): Promise<boolean> {
    const run = async () => {
      const f = latest.current;
      const out = f && outgoing(f);
      if (!f || !out || !context || savedEdits.current === edits) return true;
      const at = edits;
      const saved = await saveDraft(jmap, context.draftsId, out, draftId.current);
      savedEdits.current = at;
      adopt(f, saved);
      setStatus(`Draft saved at ${new Date().toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`);
      return true;
    };
    const done = saving.current.then(run).catch((err: unknown) => {
      setError(`The draft could not be saved. ${plainWords(err)}`);
      return false;
    });
    saving.current = done.then(() => undefined);
    return done;
  }

  useEffect(() => {
    if (phase.name !== 'editing' || edits === 0 || fields?.attachments.some((a) => a.blobId === null && !a.error)) return;
    const timer = setTimeout(() => void save(), AUTOSAVE_MS);
    return () => clearTimeout(timer);
  }, [edits, phase.name, fields?.attachments]);

  async function send() {
    const f = latest.current;
    const out = f && outgoing(f);
    if (!f || !out || !context) return;
    setPhase({ name: 'sending' });
    await saving.current;
    try {
      const result = await sendMessage(jmap, context.draftsId, out, draftId.current);
      if (!result.refused) {
        onClose();
        return;
      }
      if (result.draft) adopt(f, result.draft);
      setError(`${result.refused.message} The message was not sent${draftId.current ? '; it is saved in Drafts' : ''}.`);
    } catch (err) {
      setError(`The message was not sent. ${plainWords(err)}`);
    }
    setEditorKey((k) => k + 1);
    setPhase({ name: 'editing' });
  }

  // The countdown of Undo send; at zero the message is really sent.
  useEffect(() => {
    if (phase.name !== 'countdown') return;
    if (phase.left === 0) {
      void send();
      return;
    }
    const timer = setTimeout(() => setPhase({ name: 'countdown', left: phase.left - 1 }), 1000);
    return () => clearTimeout(timer);
  }, [phase]);

  function requestSend() {
    if (!fields) return;
    setChecked({ to: true, cc: true, bcc: true });
    const parsed = [fields.to, fields.cc, fields.bcc].map(parseAddresses);
    if (parsed.some((p) => p.invalid.length > 0)) return setError('Some recipients are not email addresses; correct them and send again.');
    if (parsed.every((p) => p.addresses.length === 0)) return setError('Add at least one recipient.');
    if (fields.attachments.some((a) => a.blobId === null && !a.error)) return setError('Wait until the attachments have finished uploading.');
    if (!identity) return setError('You have no address to send from.');
    setError(null);
    setPhase({ name: 'countdown', left: UNDO_SECONDS });
  }

  function undo() {
    setEditorKey((k) => k + 1);
    setPhase({ name: 'editing' });
  }

  async function discard() {
    setPhase({ name: 'closing' });
    await saving.current;
    try {
      if (draftId.current) await destroyDraft(jmap, draftId.current);
      onClose();
    } catch (err) {
      setError(`The draft could not be deleted. ${plainWords(err)}`);
      setPhase({ name: 'editing' });
    }
  }

  async function saveAndClose() {
    if (await save()) onClose();
  }

  function addFiles(files: FileList | null) {
    if (!files) return;
    for (const file of Array.from(files)) {
      const key = crypto.randomUUID();
      const update = (patch: Partial<Attachment>) => setFields((f) => (f ? { ...f, attachments: f.attachments.map((a) => (a.key === key ? { ...a, ...patch } : a)) } : f));
      edit((f) => ({ attachments: [...f.attachments, { key, name: file.name, type: file.type || 'application/octet-stream', size: file.size, blobId: null, progress: 0, error: null }] }));
      const controller = new AbortController();
      uploads.current.set(key, controller);
      uploadFile(jmap, file, (progress) => update({ progress }), controller.signal)
        .then((uploaded) => {
          update({ blobId: uploaded.blobId, progress: 1 });
          setEdits((n) => n + 1);
        })
        .catch((err: unknown) => update({ error: plainWords(err) }))
        .finally(() => uploads.current.delete(key));
    }
  }

  function removeAttachment(key: string) {
    uploads.current.get(key)?.abort();
    edit((f) => ({ attachments: f.attachments.filter((a) => a.key !== key) }));
  }

  function switchMode() {
    edit((f) => (f.rich ? { rich: false, text: htmlToText(f.html) } : { rich: true, html: textToHtml(f.text) }));
    setEditorKey((k) => k + 1);
  }

  const title = TITLES[start.mode];
  if (phase.name === 'loading' || phase.name === 'closing' || phase.name === 'failed') {
    return (
      <section class="compose" aria-label={title} aria-busy={phase.name !== 'failed'}>
        {phase.name === 'failed' ? (
          <>
            <p class="error" role="alert">
              {phase.message}
            </p>
            <button type="button" onClick={onClose}>
              Close
            </button>
          </>
        ) : (
          <p>{phase.name === 'loading' ? 'Opening…' : 'Deleting the draft…'}</p>
        )}
      </section>
    );
  }
  if (phase.name === 'countdown' || phase.name === 'sending') {
    return (
      <div class="send-toast" role="status" aria-live="polite">
        {phase.name === 'countdown' ? (
          <>
            <span>
              Sending… <span class="countdown">{phase.left}</span>
            </span>
            <button type="button" onClick={undo}>
              Undo
            </button>
          </>
        ) : (
          <span>Sending…</span>
        )}
      </div>
    );
  }
  const f = fields!;
  // Cc and Bcc take room most messages do not need; they show when asked for or already filled.
  const copies = showCopies || f.cc !== '' || f.bcc !== '';
  return (
    <section
      class={dragging ? 'compose dragging' : 'compose'}
      aria-labelledby="compose-title"
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        if (!e.dataTransfer?.files.length) return;
        e.preventDefault();
        setDragging(false);
        addFiles(e.dataTransfer.files);
      }}
    >
      <header class="compose-header">
        <h2 id="compose-title">{title}</h2>
        <p class="visually-hidden" role="status" aria-live="polite">
          {status}
        </p>
        <span class="saved" aria-hidden="true">
          {status}
        </span>
        {!copies && (
          <button type="button" class="ghost" onClick={() => setShowCopies(true)}>
            Cc/Bcc
          </button>
        )}
        <button type="button" class="ghost" aria-pressed={!f.rich} onClick={switchMode}>
          Plain text
        </button>
      </header>
      {error && (
        <p class="error compose-error" role="alert">
          {error}
        </p>
      )}
      <div class="compose-fields">
        <div class="field">
          <label for="compose-from">From</label>
          <select id="compose-from" value={f.identityId} onChange={(e) => edit({ identityId: e.currentTarget.value })}>
            {context!.identities.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name ? `${i.name} <${i.email}>` : i.email}
              </option>
            ))}
          </select>
        </div>
        {(copies ? (['to', 'cc', 'bcc'] as const) : (['to'] as const)).map((name) => (
          <RecipientField
            key={name}
            id={`compose-${name}`}
            label={name === 'to' ? 'To' : name === 'cc' ? 'Cc' : 'Bcc'}
            value={f[name]}
            onInput={(value) => edit({ [name]: value })}
            checked={checked[name]}
            onBlur={() => setChecked((c) => ({ ...c, [name]: true }))}
          />
        ))}
        <div class="field">
          <label for="compose-subject">Subject</label>
          <input id="compose-subject" type="text" value={f.subject} onInput={(e) => edit({ subject: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="compose-priority">Priority</label>
          <select id="compose-priority" value={f.priority} onChange={(e) => edit({ priority: e.currentTarget.value as Priority })}>
            <option value="high">High</option>
            <option value="normal">Normal</option>
            <option value="low">Low</option>
          </select>
        </div>
      </div>
      {f.rich ? (
        <RichEditor key={editorKey} initialHtml={f.html} onChange={(html) => edit({ html })} autofocus={start.mode !== 'new'} />
      ) : (
        <textarea key={editorKey} class="plain-editor" aria-label="Message body" value={f.text} onInput={(e) => edit({ text: e.currentTarget.value })} />
      )}
      {(signature.text || signature.html) && (
        <div class="compose-signature" aria-label="Signature" role="group">
          {f.rich ? <div dangerouslySetInnerHTML={{ __html: signature.html }} /> : <pre>{`-- \n${signature.text}`}</pre>}
        </div>
      )}
      {f.quote.text && (
        <div class="compose-quote" aria-label="Quoted message" role="group">
          {f.rich ? <div dangerouslySetInnerHTML={{ __html: f.quote.html }} /> : <pre>{f.quote.text}</pre>}
        </div>
      )}
      <ComposeAttachments attachments={f.attachments} onFiles={addFiles} onRemove={removeAttachment} />
      <footer class="compose-actions">
        <button type="button" class="primary" onClick={requestSend}>
          Send
        </button>
        <button type="button" class="ghost" onClick={() => void saveAndClose()}>
          Save and close
        </button>
        <button type="button" class="ghost danger" onClick={() => void discard()}>
          Discard
        </button>
      </footer>
    </section>
  );
}
