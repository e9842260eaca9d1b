import { Editor } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { useEffect, useRef, useState } from 'preact/hooks';

interface Props {
  /** Markup the editor starts with; later changes of this prop are ignored (the editor owns its document). */
  initialHtml: string;
  onChange: (html: string) => void;
  /** Put the cursor in the text at once (a reply, where the recipients are already filled in). */
  autofocus: boolean;
}

const LINK_SCHEMES = /^(https?:|mailto:)/i;

/** The rich-text editor: Tiptap's core Editor on a plain element, with a small toolbar. */
export function RichEditor({ initialHtml, onChange, autofocus }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<Editor | null>(null);
  const [, setTick] = useState(0);
  const [linking, setLinking] = useState(false);
  const [href, setHref] = useState('');
  const change = useRef(onChange);
  change.current = onChange;

  useEffect(() => {
    const instance = new Editor({
      element: host.current!,
      extensions: [StarterKit.configure({ heading: false, codeBlock: false, link: { openOnClick: false, autolink: true, protocols: ['mailto'] } })],
      content: initialHtml,
      autofocus: autofocus ? 'start' : false,
      editorProps: { attributes: { role: 'textbox', 'aria-multiline': 'true', 'aria-label': 'Message body', class: 'editor-content' } },
      onUpdate: ({ editor: e }) => change.current(e.getHTML()),
      // The toolbar shows which formats apply where the cursor is.
      onTransaction: () => setTick((t) => t + 1),
    });
    setEditor(instance);
    return () => instance.destroy();
  }, []);

  const button = (label: string, active: boolean, run: () => void) => (
    // Pressing a tool must not take the focus, or the selection it applies to, from the text.
    <button type="button" class="tool" aria-pressed={active} onMouseDown={(e) => e.preventDefault()} onClick={run} disabled={!editor}>
      {label}
    </button>
  );
  const chain = () => editor!.chain().focus();

  function applyLink(event: Event) {
    event.preventDefault();
    const url = href.trim();
    if (url === '') chain().extendMarkRange('link').unsetLink().run();
    else chain().extendMarkRange('link').setLink({ href: LINK_SCHEMES.test(url) ? url : `https://${url}` }).run();
    setLinking(false);
  }

  return (
    <div class="rich-editor">
      <div class="toolbar" role="toolbar" aria-label="Formatting">
        {button('Bold', !!editor?.isActive('bold'), () => chain().toggleBold().run())}
        {button('Italic', !!editor?.isActive('italic'), () => chain().toggleItalic().run())}
        {button('Bulleted list', !!editor?.isActive('bulletList'), () => chain().toggleBulletList().run())}
        {button('Numbered list', !!editor?.isActive('orderedList'), () => chain().toggleOrderedList().run())}
        {button('Quote', !!editor?.isActive('blockquote'), () => chain().toggleBlockquote().run())}
        {button('Link', !!editor?.isActive('link'), () => {
          setHref((editor?.getAttributes('link').href as string | undefined) ?? '');
          setLinking(!linking);
        })}
      </div>
      {linking && (
        <form class="link-form" onSubmit={applyLink}>
          <label>
            Link address
            <input type="url" value={href} onInput={(e) => setHref(e.currentTarget.value)} placeholder="https://" autoFocus />
          </label>
          <button type="submit">Apply link</button>
          <button type="button" class="ghost" onClick={() => setLinking(false)}>
            Cancel
          </button>
        </form>
      )}
      <div ref={host} class="editor-host" />
    </div>
  );
}
