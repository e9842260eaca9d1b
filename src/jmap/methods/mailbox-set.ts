import { MailError } from '../../mail/errors.ts';
import { HIERARCHY_SEPARATOR, type MailboxInfo } from '../../mail/mailboxes.ts';
import { mailboxObjectId, parseMailboxObjectId } from '../../mail/object-ids.ts';
import { accessOf, canSee, mayOn, type AccountAccess } from '../account-access.ts';
import { accountIdOf } from '../account-ids.ts';
import { MAIL } from '../capabilities.ts';
import type { JmapContext } from '../context.ts';
import type { JmapMethod } from '../dispatcher.ts';
import { type Args, attempt, checkIfInState, emptySetOutcome, optionalBoolean, readSetArgs, resolveCreationRef, SetFailure, stateOf } from './common.ts';
import { applyShareWith, isShareWithPath } from './mailbox-share.ts';
import { mailboxObjects, roleOf, sortOrderOf, specialUseOf } from './mailbox-view.ts';

const SETTABLE = ['name', 'parentId', 'role', 'sortOrder', 'isSubscribed'];
const SERVER_SET = ['id', 'totalEmails', 'unreadEmails', 'totalThreads', 'unreadThreads', 'myRights', 'shareWith'];

function fail(type: string, description: string, properties?: string[]): never {
  throw new SetFailure(type, description, properties);
}

function mailError(err: unknown): never {
  if (err instanceof MailError) {
    if (err.code === 'exists') fail('invalidProperties', err.message, ['name']);
    if (err.code === 'invalid') fail('invalidProperties', err.message, ['name']);
    if (err.code === 'special_use_taken') fail('invalidProperties', err.message, ['role']);
    if (err.code === 'not_found') fail('notFound', err.message);
    if (err.code === 'no_permission') fail('forbidden', err.message);
  }
  throw err;
}

interface Tree {
  byId: Map<number, MailboxInfo>;
  byName: Map<string, MailboxInfo>;
}

/** The mailboxes the principal may see: all of its own, those shared with it in another's account. */
async function loadTree(ctx: JmapContext, access: AccountAccess): Promise<Tree> {
  const list = (await ctx.services.mail.listMailboxes(access.accountId)).filter((m) => canSee(access, m.id));
  return { byId: new Map(list.map((m) => [m.id, m])), byName: new Map(list.map((m) => [m.name, m])) };
}

function findById(tree: Tree, id: string, createdIds: Map<string, string>): MailboxInfo | null {
  const resolved = resolveCreationRef(id, createdIds);
  const numeric = resolved === null ? null : parseMailboxObjectId(resolved);
  return numeric === null ? null : (tree.byId.get(numeric) ?? null);
}

/** The full `/`-separated name a mailbox would have under `parentId` with leaf `name`. */
function fullName(tree: Tree, parentId: unknown, name: unknown, createdIds: Map<string, string>): string {
  if (typeof name !== 'string' || name === '' || name.includes(HIERARCHY_SEPARATOR)) fail('invalidProperties', `a mailbox name must be non-empty and must not contain "${HIERARCHY_SEPARATOR}"`, ['name']);
  if (parentId === null || parentId === undefined) return name;
  if (typeof parentId !== 'string') fail('invalidProperties', 'parentId must be an id or null', ['parentId']);
  const parent = findById(tree, parentId, createdIds);
  if (!parent) fail('invalidProperties', `no mailbox ${parentId}`, ['parentId']);
  return `${parent.name}${HIERARCHY_SEPARATOR}${name}`;
}

function checkProperties(object: Args, allowed: string[]): void {
  const bad = Object.keys(object).filter((k) => !allowed.includes(k));
  if (bad.length > 0) fail('invalidProperties', `cannot set ${bad.join(', ')}`, bad);
}

/** In a shared account a write needs its RFC 4314 right (RFC 8621 §2 myRights); `forbidden` otherwise. */
function requireRight(access: AccountAccess, mailbox: MailboxInfo, need: string, what: string): void {
  if (!mayOn(access, mailbox.id, need)) fail('forbidden', `you may not ${what} ${mailbox.name} (needs the ${need} right)`);
}

/** Subscriptions are the owner's; someone a mailbox is shared with cannot change them. */
function requireOwnSubscription(access: AccountAccess, value: unknown): void {
  if (value !== undefined && access.mailboxes !== null) fail('forbidden', 'isSubscribed of a shared mailbox is its owner\'s', ['isSubscribed']);
}

/** A create or patch split into its shareWith parts (mailbox-share.ts) and the rest. */
function splitShareWith(object: Args): { sharing: [string, unknown][]; rest: Args } {
  const entries = Object.entries(object);
  return { sharing: entries.filter(([k]) => isShareWithPath(k)), rest: Object.fromEntries(entries.filter(([k]) => !isShareWithPath(k))) };
}

async function create(ctx: JmapContext, access: AccountAccess, whole: Args, createdIds: Map<string, string>): Promise<number> {
  const accountId = access.accountId;
  const { sharing, rest: object } = splitShareWith(whole);
  checkProperties(object, SETTABLE);
  requireOwnSubscription(access, object.isSubscribed);
  const tree = await loadTree(ctx, access);
  const parent = typeof object.parentId === 'string' ? findById(tree, object.parentId, createdIds) : null;
  if (access.mailboxes !== null) {
    if (!parent) fail('forbidden', 'a new mailbox in a shared account goes inside a mailbox shared with you');
    requireRight(access, parent, 'k', 'create mailboxes in');
  }
  const name = fullName(tree, object.parentId, object.name, createdIds);
  let specialUse: string | null = null;
  if (object.role !== undefined && object.role !== null) {
    specialUse = typeof object.role === 'string' ? specialUseOf(object.role) : null;
    if (specialUse === null) fail('invalidProperties', `role ${String(object.role)} cannot be given to a mailbox here`, ['role']);
  }
  if (object.sortOrder !== undefined && object.sortOrder !== sortOrderOf(typeof object.role === 'string' ? object.role : null)) fail('invalidProperties', 'sortOrder follows from the role and cannot be set', ['sortOrder']);
  if (object.isSubscribed !== undefined && typeof object.isSubscribed !== 'boolean') fail('invalidProperties', 'isSubscribed must be a boolean', ['isSubscribed']);
  if (sharing.length > 0 && access.mailboxes !== null) requireRight(access, parent!, 'a', 'share mailboxes in');
  const created = await ctx.services.mail.createMailbox(accountId, name, specialUse).catch(mailError);
  if (object.isSubscribed === true) await ctx.services.mail.setSubscribed(accountId, created.name, true);
  // Whoever shares the parent shares the child, as an IMAP CREATE there does.
  if (access.mailboxes !== null && parent) await ctx.services.mail.access.inheritAcl(parent.id, [created.id]);
  // The creator of a mailbox in its own account owns it; in a shared one it needs a (mayShare) like any update.
  const sharedAccess: AccountAccess = access.mailboxes === null ? access : { ...access, mailboxes: new Map([...access.mailboxes, [created.id, access.mailboxes.get(parent!.id) ?? '']]) };
  await applyShareWith(ctx, sharedAccess, created, sharing);
  return created.id;
}

async function update(ctx: JmapContext, access: AccountAccess, id: string, whole: Args, createdIds: Map<string, string>): Promise<void> {
  const accountId = access.accountId;
  const tree = await loadTree(ctx, access);
  const mailbox = findById(tree, id, createdIds);
  if (!mailbox) fail('notFound', `no mailbox ${id}`);
  const { sharing, rest: patch } = splitShareWith(whole);
  checkProperties(patch, SETTABLE);
  await applyShareWith(ctx, access, mailbox, sharing);
  requireOwnSubscription(access, patch.isSubscribed);
  if (patch.role !== undefined && patch.role !== roleOf(mailbox)) fail('invalidProperties', 'the role of a mailbox cannot be changed', ['role']);
  if (patch.sortOrder !== undefined && patch.sortOrder !== sortOrderOf(roleOf(mailbox))) fail('invalidProperties', 'sortOrder follows from the role and cannot be set', ['sortOrder']);
  if (patch.name !== undefined || patch.parentId !== undefined) {
    const cut = mailbox.name.lastIndexOf(HIERARCHY_SEPARATOR);
    const currentParent = cut < 0 ? null : tree.byName.get(mailbox.name.slice(0, cut));
    const parentId = patch.parentId !== undefined ? patch.parentId : currentParent ? mailboxObjectId(currentParent.id) : null;
    const target = fullName(tree, parentId, patch.name ?? mailbox.name.slice(cut + 1), createdIds);
    if (target !== mailbox.name) {
      if (mailbox.name === 'INBOX') fail('forbidden', 'INBOX cannot be renamed or moved');
      if (target.startsWith(`${mailbox.name}${HIERARCHY_SEPARATOR}`)) fail('invalidProperties', 'a mailbox cannot move under itself', ['parentId']);
      requireRight(access, mailbox, 'x', 'rename');
      await ctx.services.mail.renameMailbox(accountId, mailbox.name, target).catch(mailError);
    }
  }
  if (patch.isSubscribed !== undefined) {
    if (typeof patch.isSubscribed !== 'boolean') fail('invalidProperties', 'isSubscribed must be a boolean', ['isSubscribed']);
    const latest = (await loadTree(ctx, access)).byId.get(mailbox.id)!;
    if (latest.subscribed !== patch.isSubscribed) await ctx.services.mail.setSubscribed(accountId, latest.name, patch.isSubscribed);
  }
}

async function destroy(ctx: JmapContext, access: AccountAccess, id: string, removeEmails: boolean, createdIds: Map<string, string>): Promise<void> {
  const accountId = access.accountId;
  const tree = await loadTree(ctx, access);
  const mailbox = findById(tree, id, createdIds);
  if (!mailbox) fail('notFound', `no mailbox ${id}`);
  if (mailbox.name === 'INBOX') fail('forbidden', 'INBOX cannot be destroyed');
  requireRight(access, mailbox, 'x', 'delete');
  if ([...tree.byName.keys()].some((n) => n.startsWith(`${mailbox.name}${HIERARCHY_SEPARATOR}`))) fail('mailboxHasChild', 'the mailbox has child mailboxes');
  const status = await ctx.services.mail.mailboxStatus(accountId, mailbox.id);
  if (status.messages > 0 && !removeEmails) fail('mailboxHasEmail', 'the mailbox is not empty (set onDestroyRemoveEmails to remove them)');
  await ctx.services.mail.deleteMailbox(accountId, mailbox.name).catch(mailError);
}

/** RFC 8621 §2.5 Mailbox/set: create, rename/move/subscribe, destroy, each through the mail core. */
export const mailboxSet: JmapMethod<JmapContext> = {
  capability: MAIL,
  async run(args, { session: ctx, createdIds }) {
    const access = await accessOf(args, ctx);
    const accountId = access.accountId;
    const { create: toCreate, update: toUpdate, destroy: toDestroy } = readSetArgs(args);
    const removeEmails = optionalBoolean(args, 'onDestroyRemoveEmails', false);
    const oldState = await checkIfInState(args, ctx, accountId);
    const outcome = emptySetOutcome();
    const { created, notCreated, updated, notUpdated, destroyed, notDestroyed } = outcome;
    const createdNow = new Map<string, number>();
    // Parents before children: a create may name another create of this request as its parent.
    const pending = Object.entries(toCreate);
    while (pending.length > 0) {
      const index = pending.findIndex(([, object]) => typeof object.parentId !== 'string' || !object.parentId.startsWith('#') || createdIds.has(object.parentId.slice(1)) || !pending.some(([cid]) => `#${cid}` === object.parentId));
      const [creationId, object] = pending.splice(index < 0 ? 0 : index, 1)[0];
      await attempt(
        async () => {
          const id = await create(ctx, access, object, createdIds);
          createdIds.set(creationId, mailboxObjectId(id));
          createdNow.set(creationId, id);
        },
        (error) => (notCreated[creationId] = error),
      );
    }
    for (const [id, patch] of Object.entries(toUpdate)) {
      await attempt(
        async () => {
          await update(ctx, access, id, patch, createdIds);
          updated[id] = null;
        },
        (error) => (notUpdated[id] = error),
      );
    }
    for (const id of toDestroy) {
      await attempt(
        async () => {
          await destroy(ctx, access, id, removeEmails, createdIds);
          destroyed.push(id);
        },
        (error) => (notDestroyed[id] = error),
      );
    }
    if (createdNow.size > 0) {
      // A mailbox just created holds no thread, so its thread counts need no counting.
      const objects = await mailboxObjects(ctx, access, false);
      for (const [creationId, id] of createdNow) {
        const object = objects.get(mailboxObjectId(id));
        created[creationId] = Object.fromEntries(SERVER_SET.map((p) => [p, object?.[p] === undefined ? 0 : object[p]]));
      }
    }
    return {
      accountId: accountIdOf(accountId),
      oldState,
      newState: await stateOf(ctx, accountId),
      ...outcome,
    };
  },
};
