import { useState } from 'preact/hooks';

import { keywordFor, LABEL_COLOURS, type Label } from './labels.ts';

interface Props {
  labels: Label[];
  /** The keywords of the conversation the menu acts on. */
  applied: Set<string>;
  onToggle: (keyword: string, on: boolean) => void;
  onCreate: (label: Label) => void;
}

/** Puts labels on the conversation or takes them off, and creates new ones. */
export function LabelMenu({ labels, applied, onToggle, onCreate }: Props) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [colour, setColour] = useState<string | null>(null);
  // Until the user picks one, a new label takes the first colour no label has yet.
  const suggested = (LABEL_COLOURS.find((c) => !labels.some((l) => l.colour === c.value)) ?? LABEL_COLOURS[0]).value;
  const chosen = colour ?? suggested;
  const [problem, setProblem] = useState<string | null>(null);

  function create(event: Event) {
    event.preventDefault();
    const keyword = keywordFor(name);
    if (!keyword) return setProblem('A label name needs a letter or a digit.');
    if (labels.some((l) => l.keyword === keyword)) return setProblem('There is already a label with that name.');
    setProblem(null);
    setName('');
    setColour(null);
    onCreate({ keyword, name: name.trim(), colour: chosen });
  }

  return (
    <div class="label-menu">
      <button type="button" class="ghost" aria-expanded={open} aria-controls="label-panel" onClick={() => setOpen((o) => !o)}>
        Labels
      </button>
      <div id="label-panel" class="label-panel overlay" hidden={!open} role="group" aria-label="Labels of this conversation">
        {labels.length === 0 && <p class="hint">No labels yet.</p>}
        {labels.map((label) => (
          <label key={label.keyword} class="check">
            <input type="checkbox" checked={applied.has(label.keyword)} onChange={(e) => onToggle(label.keyword, e.currentTarget.checked)} />
            <span class="dot" style={{ background: label.colour }} aria-hidden="true" />
            {label.name}
          </label>
        ))}
        <form class="new-label" onSubmit={create}>
          <label>
            New label
            <input type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            Colour
            <select value={chosen} onChange={(e) => setColour(e.currentTarget.value)}>
              {LABEL_COLOURS.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="ghost">
            Create label
          </button>
          {problem && (
            <p class="error" role="alert">
              {problem}
            </p>
          )}
        </form>
        <button type="button" class="ghost" onClick={() => setOpen(false)}>
          Done
        </button>
      </div>
    </div>
  );
}
