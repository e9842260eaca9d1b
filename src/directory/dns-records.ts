import type { Kysely } from 'kysely';

import type { PetrelConfig } from '../config/config.ts';
import type { Database } from '../store/schema.ts';
import { publishedDkimKeys } from './dkim-keys.ts';
import { findDomain } from './domains.ts';

export interface DnsRecord {
  name: string;
  type: 'MX' | 'TXT' | 'CNAME' | 'SRV';
  value: string;
  purpose: string;
}

/**
 * The records a domain needs published for mail to reach us and to be trusted by others. SRV
 * records (RFC 6186) carry the ports this server really listens on, so clients that use them
 * connect straight away.
 */
export async function dnsRecordsFor(db: Kysely<Database>, domainName: string, config: Pick<PetrelConfig, 'hostname' | 'ports'>): Promise<DnsRecord[]> {
  const domain = await findDomain(db, domainName);
  const host = `${config.hostname}.`;
  const d = `${domain.name}.`;
  const records: DnsRecord[] = [
    { name: d, type: 'MX', value: `10 ${host}`, purpose: 'where other servers deliver mail for the domain' },
    { name: d, type: 'TXT', value: 'v=spf1 mx -all', purpose: 'SPF: only the MX hosts send mail for the domain' },
  ];
  if (domain.alias_of_domain_id !== null) {
    // An alias domain only receives (its mail lands at the target's addresses, and replies go
    // out from those): MX so mail reaches us, SPF and DMARC so nobody may send as it. No DKIM key
    // and no client discovery, which belong to the target.
    records.push({ name: `_dmarc.${d}`, type: 'TXT', value: `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain.name}`, purpose: 'DMARC: what receivers do with mail failing SPF and DKIM' });
    return records;
  }
  // During a rotation the next key and the one it replaces are published beside the signing one.
  const purposes = { active: 'DKIM public key for signatures on outgoing mail', pending: 'DKIM key of a rotation in progress: publish it now, it signs once activated', retiring: 'DKIM key being retired: keep it until it is removed from this list' };
  for (const key of await publishedDkimKeys(db, domain.id)) records.push({ name: `${key.selector}._domainkey.${d}`, type: 'TXT', value: key.record, purpose: purposes[key.state] });
  records.push(
    { name: `_dmarc.${d}`, type: 'TXT', value: `v=DMARC1; p=quarantine; rua=mailto:postmaster@${domain.name}`, purpose: 'DMARC: what receivers do with mail failing SPF and DKIM' },
    { name: `autoconfig.${d}`, type: 'CNAME', value: host, purpose: 'Thunderbird autoconfiguration' },
    { name: `autodiscover.${d}`, type: 'CNAME', value: host, purpose: 'Outlook autodiscover' },
  );
  const srv: [string, number][] = [
    ['_submission._tcp', config.ports.submission],
    ['_submissions._tcp', config.ports.submissions],
    ['_imap._tcp', config.ports.imap],
    ['_imaps._tcp', config.ports.imaps],
    ['_pop3._tcp', config.ports.pop3],
    ['_pop3s._tcp', config.ports.pop3s],
  ];
  for (const [service, port] of srv) {
    // RFC 6186 §4: a target of "." says the service is not offered.
    records.push({ name: `${service}.${d}`, type: 'SRV', value: port ? `0 1 ${port} ${host}` : '0 0 0 .', purpose: `client discovery (RFC 6186) of ${service.slice(1, service.indexOf('.'))}` });
  }
  return records;
}

/** Zone-file syntax; TXT values longer than 255 octets are split into several strings (RFC 1035 §3.3.14). */
export function formatZoneLine(record: DnsRecord): string {
  let value = record.value;
  if (record.type === 'TXT') {
    const chunks = value.match(/.{1,255}/g) ?? [''];
    value = chunks.map((c) => `"${c}"`).join(' ');
  }
  return `${record.name}\t3600\tIN\t${record.type}\t${value}`;
}
