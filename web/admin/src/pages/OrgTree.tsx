import { useState } from 'preact/hooks';

import type { AdminApi, Page, Whoami } from '../api.ts';
import { seg } from '../api.ts';
import { apiError, Field, FormError, Notice, useAction } from '../components/forms.tsx';
import { flattenUnits, loadUnits, type UnitNode } from '../components/units.ts';
import { useLoad } from '../components/useLoad.ts';

interface Person {
  id: number;
  address: string;
  displayName: string;
}

interface UnitMember {
  address: string;
  kind: string;
  displayName: string;
  unit: string;
}

/** What is being dragged: a unit (moves with its subtree) or a user (goes into the unit). */
type Dragged = { kind: 'unit'; path: string } | { kind: 'user'; address: string };

const DRAG_TYPE = 'application/x-petrel-org';
const TOP = '/';

function dragged(event: DragEvent): Dragged | null {
  const raw = event.dataTransfer?.getData(DRAG_TYPE);
  if (!raw) return null;
  return JSON.parse(raw) as Dragged;
}

function startDrag(event: DragEvent, what: Dragged) {
  event.dataTransfer?.setData(DRAG_TYPE, JSON.stringify(what));
  if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move';
}

interface TreeProps {
  nodes: UnitNode[];
  all: ReturnType<typeof flattenUnits>;
  busy: boolean;
  selected: string | null;
  onSelect: (path: string) => void;
  onDrop: (what: Dragged, target: string) => void;
}

/** One drop target: highlighted while something is dragged over it. */
function useDropTarget(target: string, onDrop: TreeProps['onDrop']) {
  const [over, setOver] = useState(false);
  return {
    over,
    handlers: {
      onDragOver: (e: DragEvent) => {
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
        setOver(true);
      },
      onDragLeave: () => setOver(false),
      onDrop: (e: DragEvent) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        const what = dragged(e);
        if (what) onDrop(what, target);
      },
    },
  };
}

function UnitItem({ unit, ...props }: TreeProps & { unit: UnitNode }) {
  const drop = useDropTarget(unit.path, props.onDrop);
  return (
    <li>
      <div
        class={`unit-row${drop.over ? ' drop-over' : ''}${props.selected === unit.path ? ' selected' : ''}`}
        draggable
        data-testid={`unit ${unit.path}`}
        onDragStart={(e) => {
          e.stopPropagation();
          startDrag(e, { kind: 'unit', path: unit.path });
        }}
        {...drop.handlers}
      >
        <span class="grip" aria-hidden="true">
          ⠿
        </span>
        <button type="button" class="link unit-name" aria-pressed={props.selected === unit.path} onClick={() => props.onSelect(unit.path)}>
          {unit.name}
        </button>
        <span class="muted count">
          {unit.members}
          <span class="visually-hidden"> {unit.members === 1 ? 'member' : 'members'}</span>
        </span>
        <label class="visually-hidden" for={`move-${unit.id}`}>
          Move {unit.path} to…
        </label>
        <select
          id={`move-${unit.id}`}
          class="move-select"
          disabled={props.busy}
          value=""
          onChange={(e) => {
            const target = e.currentTarget.value;
            e.currentTarget.value = '';
            if (target) props.onDrop({ kind: 'unit', path: unit.path }, target);
          }}
        >
          <option value="">Move to…</option>
          {unit.parentId !== null && <option value={TOP}>Top level</option>}
          {props.all
            .filter(({ unit: other }) => other.path !== unit.path)
            .map(({ unit: other, depth }) => (
              <option key={other.id} value={other.path}>
                {`${'\u00a0\u00a0'.repeat(depth)}${other.path}`}
              </option>
            ))}
        </select>
      </div>
      {unit.children.length > 0 && <UnitList {...props} nodes={unit.children} />}
    </li>
  );
}

function UnitList(props: TreeProps) {
  return (
    <ul class="unit-list">
      {props.nodes.map((unit) => (
        <UnitItem key={unit.id} {...props} unit={unit} />
      ))}
    </ul>
  );
}

function TopDrop({ onDrop }: { onDrop: TreeProps['onDrop'] }) {
  const drop = useDropTarget(TOP, onDrop);
  return (
    <div class={`top-drop${drop.over ? ' drop-over' : ''}`} data-testid="top level" {...drop.handlers}>
      Drop a unit here to make it top level
    </div>
  );
}

function People({ api, tenant, units, busy, onAssign, version }: { api: AdminApi; tenant?: number; units: ReturnType<typeof flattenUnits>; busy: boolean; onAssign: (what: Dragged, target: string) => void; version: number }) {
  const [query, setQuery] = useState('');
  const people = useLoad(() => api.get<Page<Person>>('/users', { limit: 100, q: query.trim() || undefined, tenant }), [query, version, tenant]);
  return (
    <section class="panel people" aria-labelledby="people-title">
      <h2 id="people-title">People</h2>
      <p class="hint">Drag a person onto a unit, or choose the unit beside them.</p>
      <label for="people-search">Filter people</label>
      <input id="people-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      {people.error && <p role="alert" class="error">{people.error}</p>}
      <ul class="person-list" aria-label="People">
        {people.data?.items.map((p) => (
          <li key={p.id} class="person" draggable data-testid={`person ${p.address}`} onDragStart={(e) => startDrag(e, { kind: 'user', address: p.address })}>
            <span class="grip" aria-hidden="true">
              ⠿
            </span>
            <span class="person-name">
              {p.displayName || p.address}
              {p.displayName && <span class="muted"> {p.address}</span>}
            </span>
            <label class="visually-hidden" for={`assign-${p.id}`}>
              Put {p.address} in unit
            </label>
            <select
              id={`assign-${p.id}`}
              class="move-select"
              disabled={busy}
              value=""
              onChange={(e) => {
                const target = e.currentTarget.value;
                e.currentTarget.value = '';
                if (target) onAssign({ kind: 'user', address: p.address }, target);
              }}
            >
              <option value="">Put in unit…</option>
              <option value={TOP}>No unit</option>
              {units.map(({ unit, depth }) => (
                <option key={unit.id} value={unit.path}>
                  {`${'\u00a0\u00a0'.repeat(depth)}${unit.path}`}
                </option>
              ))}
            </select>
          </li>
        ))}
      </ul>
    </section>
  );
}

function UnitMembers({ api, tenant, path, version }: { api: AdminApi; tenant?: number; path: string; version: number }) {
  const members = useLoad(() => api.get<Page<UnitMember>>(`/units/${seg(path)}/members`, { limit: 500, tenant }), [path, version, tenant]);
  return (
    <section class="panel" aria-labelledby="unit-members-title">
      <h2 id="unit-members-title">In {path}</h2>
      {members.error && <p role="alert" class="error">{members.error}</p>}
      <ul class="member-list" aria-label={`Members of ${path}`}>
        {members.data?.items.map((m) => (
          <li key={m.address}>
            {m.displayName || m.address} <span class="muted">{m.address}</span>
          </li>
        ))}
        {members.data?.items.length === 0 && <li class="muted">Nobody in this unit itself.</li>}
      </ul>
    </section>
  );
}

interface Tenant {
  id: number;
  name: string;
  displayName: string;
}

export function OrgTreePage({ api, who }: { api: AdminApi; who: Whoami }) {
  const superAdmin = who.role === 'super-admin';
  const [tenantText, setTenantText] = useState('');
  const tenant = tenantText ? Number(tenantText) : undefined;
  const tenants = useLoad(() => (superAdmin ? api.get<Page<Tenant>>('/tenants', { limit: 500 }) : Promise.resolve(null)), [superAdmin]);
  const tree = useLoad(() => loadUnits(api, tenant), [tenant]);
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [form, setForm] = useState({ name: '', parent: '' });
  const change = useAction();
  const create = useAction();
  const all = flattenUnits(tree.data ?? []);

  async function drop(what: Dragged, target: string) {
    setNotice(null);
    if (what.kind === 'unit') {
      if (what.path === target) return;
      const ok = await change.run(() => api.send('POST', `/units/${seg(what.path)}/move`, { parent: target }, { tenant }));
      if (ok) setNotice(`${what.path} moved ${target === TOP ? 'to the top level' : `under ${target}`}.`);
    } else {
      const ok = await change.run(() => api.send('POST', `/units/${seg(target)}/members`, { principal: what.address }));
      if (ok) setNotice(target === TOP ? `${what.address} is in no unit now.` : `${what.address} is in ${target} now.`);
    }
    tree.reload();
    setVersion((v) => v + 1);
  }

  return (
    <section aria-labelledby="org-title">
      <h1 id="org-title">Org tree</h1>
      {notice && <Notice>{notice}</Notice>}
      {tree.error && <p role="alert" class="error">{tree.error}</p>}
      <FormError error={change.error} />
      {superAdmin && (
        <div class="field tenant-pick">
          <label for="org-tenant">Tenant</label>
          <select
            id="org-tenant"
            value={tenantText}
            onChange={(e) => {
              setTenantText(e.currentTarget.value);
              setSelected(null);
            }}
          >
            <option value="">Default tenant</option>
            {tenants.data?.items.map((t) => (
              <option key={t.id} value={String(t.id)}>
                {t.displayName || t.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="org-layout">
        <section class="panel tree" aria-labelledby="units-title">
          <h2 id="units-title">Units</h2>
          <p class="hint">Drag a unit onto another to move it with everything below it, or use its “Move to…” list.</p>
          <TopDrop onDrop={drop} />
          {tree.data && <UnitList nodes={tree.data} all={all} busy={change.busy} selected={selected} onSelect={setSelected} onDrop={drop} />}
          {tree.data?.length === 0 && <p class="muted">No units yet.</p>}
          <form
            class="form-grid"
            aria-labelledby="new-unit-title"
            onSubmit={async (e) => {
              e.preventDefault();
              const path = form.parent ? `${form.parent}/${form.name.trim()}` : form.name.trim();
              if (await create.run(() => api.send('POST', '/units', { path, tenant }))) {
                setNotice(`Unit ${path} added.`);
                setForm({ name: '', parent: form.parent });
                tree.reload();
              }
            }}
          >
            <h3 id="new-unit-title">New unit</h3>
            <Field idPrefix="new-unit" label="Unit name" name="path" also={['name', 'parent']} required value={form.name} onValue={(v) => setForm({ ...form, name: v })} error={apiError(create.error)} />
            <div class="field">
              <label for="new-unit-parent">Inside</label>
              <select id="new-unit-parent" value={form.parent} onChange={(e) => setForm({ ...form, parent: e.currentTarget.value })}>
                <option value="">Top level</option>
                {all.map(({ unit, depth }) => (
                  <option key={unit.id} value={unit.path}>
                    {`${'\u00a0\u00a0'.repeat(depth)}${unit.path}`}
                  </option>
                ))}
              </select>
            </div>
            <FormError error={create.error} fields={['path', 'name', 'parent']} />
            <div class="actions">
              <button type="submit" class="primary" disabled={create.busy}>
                Add unit
              </button>
            </div>
          </form>
        </section>
        <div class="org-side">
          {selected && <UnitMembers api={api} tenant={tenant} path={selected} version={version} />}
          <People api={api} tenant={tenant} units={all} busy={change.busy} onAssign={drop} version={version} />
        </div>
      </div>
    </section>
  );
}
