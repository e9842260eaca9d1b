import { sql, type Kysely } from 'kysely';

import type { DialectName } from './dialect.ts';
import * as m001 from './migrations/001-initial.ts';
import * as m002 from './migrations/002-imap.ts';
import * as m003 from './migrations/003-substring-search.ts';
import * as m004 from './migrations/004-subscriptions-recent.ts';
import * as m005 from './migrations/005-groups.ts';
import * as m006 from './migrations/006-audit.ts';
import * as m007 from './migrations/007-domain-aliases.ts';
import * as m008 from './migrations/008-account-lockout.ts';
import * as m009 from './migrations/009-admin-roles.ts';
import * as m010 from './migrations/010-api-tokens.ts';
import * as m011 from './migrations/011-sharing.ts';
import * as m012 from './migrations/012-security.ts';
import * as m013 from './migrations/013-org-units-gal.ts';
import * as m014 from './migrations/014-deferred-search-index.ts';
import * as m015 from './migrations/015-jmap.ts';
import * as m016 from './migrations/016-jmap-submission.ts';
import * as m017 from './migrations/017-qr-logins.ts';
import * as m018 from './migrations/018-signature-templates.ts';
import * as m019 from './migrations/019-traffic-stats.ts';
import * as m020 from './migrations/020-search-index-file.ts';

interface Migration {
  version: number;
  name: string;
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

/** In order; a released migration is never edited, only followed by a new one. */
const MIGRATIONS: Migration[] = [
  { version: 1, name: 'initial', up: m001.up },
  { version: 2, name: 'imap', up: m002.up },
  { version: 3, name: 'substring-search', up: m003.up },
  { version: 4, name: 'subscriptions-recent', up: m004.up },
  { version: 5, name: 'groups', up: m005.up },
  { version: 6, name: 'audit', up: m006.up },
  { version: 7, name: 'domain-aliases', up: m007.up },
  { version: 8, name: 'account-lockout', up: m008.up },
  { version: 9, name: 'admin-roles', up: m009.up },
  { version: 10, name: 'api-tokens', up: m010.up },
  { version: 11, name: 'sharing', up: m011.up },
  { version: 12, name: 'security', up: m012.up },
  { version: 13, name: 'org-units-gal', up: m013.up },
  { version: 14, name: 'deferred-search-index', up: m014.up },
  { version: 15, name: 'jmap', up: m015.up },
  { version: 16, name: 'jmap-submission', up: m016.up },
  { version: 17, name: 'qr-logins', up: m017.up },
  { version: 18, name: 'signature-templates', up: m018.up },
  { version: 19, name: 'traffic-stats', up: m019.up },
  { version: 20, name: 'search-index-file', up: m020.up },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/**
 * Brings the schema up to date on start. Each migration runs in its own transaction with the
 * version row, so a crash mid-upgrade leaves the previous, consistent version behind. On
 * PostgreSQL an advisory lock keeps several nodes starting at once from migrating twice.
 */
export async function migrate(db: Kysely<unknown>, dialect: DialectName): Promise<number> {
  return db.connection().execute(async (conn) => {
    if (dialect === 'postgres') await sql`select pg_advisory_lock(7303)`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (version integer primary key, name text not null, applied_at bigint not null)`.execute(conn);
      const rows = await sql<{ version: number }>`select version from schema_migrations`.execute(conn);
      const applied = new Set(rows.rows.map((r) => Number(r.version)));
      const newest = Math.max(0, ...applied);
      if (newest > SCHEMA_VERSION) {
        throw new Error(`the database is at schema version ${newest}, newer than this Petrel (${SCHEMA_VERSION}); upgrade Petrel`);
      }
      let ran = 0;
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await conn.transaction().execute(async (trx) => {
          await migration.up(trx, dialect);
          await sql`insert into schema_migrations (version, name, applied_at) values (${migration.version}, ${migration.name}, ${Date.now()})`.execute(trx);
        });
        ran++;
      }
      return ran;
    } finally {
      if (dialect === 'postgres') await sql`select pg_advisory_unlock(7303)`.execute(conn);
    }
  });
}
