import type { Kysely } from 'kysely';

import type { Database } from '../store/schema.ts';

/**
 * A tenant's total storage limit (`tenants.max_storage`, the plan limit), enforced at delivery
 * beside each account's own quota.
 *
 * What it costs per message: the account charge in deliver.ts already reads the tenant's limit
 * (a subquery on the tenants primary key inside the UPDATE it runs anyway), so a tenant without a
 * limit costs nothing more. For a tenant with one, its usage (the sum of its accounts'
 * `used_bytes`, which would read every account row) is remembered per store for a few seconds
 * and advanced by what this process charges, so a delivery normally costs a map lookup. A
 * delivery that would go past the limit by the remembered figure is checked against a fresh sum
 * before it is refused, so a refusal is always exact (expunges since the last sum count); what
 * other nodes delivered since the last sum may go unseen for up to USAGE_FRESH_MS, which lets a
 * busy tenant overshoot by that much at most, as a plan limit may.
 */

const USAGE_FRESH_MS = 5_000;

interface RememberedUsage {
  /** Bytes used by the tenant's accounts, this process's charges since `at` included. */
  bytes: number;
  at: number;
}

/** Per store (the delivery context), so two stores in one process never share figures. */
const remembered = new WeakMap<object, Map<number, RememberedUsage>>();

async function summedUsage(trx: Kysely<Database>, tenantId: number): Promise<number> {
  const row = await trx.selectFrom('principals').select((eb) => eb.fn.sum<number>('used_bytes').as('bytes')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
  return Number(row.bytes ?? 0);
}

export interface TenantCharge {
  /** The tenant's max_storage, > 0. */
  limit: number;
  /** Bytes this delivery has just charged to the tenant's accounts (already in `used_bytes`). */
  added: number;
}

/**
 * The first tenant that the charges just made in `trx` took past its storage limit, or null.
 * The caller refunds the charges when one is returned; the remembered usage is taken back here.
 */
export async function tenantOverStorage(trx: Kysely<Database>, store: object, charges: Map<number, TenantCharge>, now = Date.now()): Promise<number | null> {
  let tenants = remembered.get(store);
  if (!tenants) {
    tenants = new Map();
    remembered.set(store, tenants);
  }
  const counted: { usage: RememberedUsage; added: number }[] = [];
  for (const [tenantId, { limit, added }] of charges) {
    let usage = tenants.get(tenantId);
    let exact = false;
    if (usage && now - usage.at <= USAGE_FRESH_MS) usage.bytes += added;
    else {
      usage = { bytes: await summedUsage(trx, tenantId), at: now };
      tenants.set(tenantId, usage);
      exact = true;
    }
    if (usage.bytes > limit && !exact) {
      usage.bytes = await summedUsage(trx, tenantId);
      usage.at = now;
    }
    counted.push({ usage, added });
    if (usage.bytes > limit) {
      // The caller refunds every charge of this delivery: take them back from what is remembered.
      for (const c of counted) c.usage.bytes -= c.added;
      return tenantId;
    }
  }
  return null;
}
