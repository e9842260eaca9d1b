import type { PetrelConfig } from '../config/config.ts';
import type { MailResolver } from '../delivery/dns-resolver.ts';
import { checkDnsRecords, type DnsCheckLine } from '../directory/dns-check.ts';
import type { AdminContext } from './context.ts';
import { domainDnsRecords } from './domains.ts';

/**
 * ok: live as it should be; missing: nothing published; mismatch: something else published;
 * error: DNS did not answer, so nobody can tell yet.
 */
export type DnsRecordStatus = 'ok' | 'missing' | 'mismatch' | 'error';

export interface DnsRecordState {
  type: DnsCheckLine['type'];
  name: string;
  purpose: string;
  required: boolean;
  expected: string;
  found: string[];
  status: DnsRecordStatus;
  problem: string | null;
}

/**
 * Whether each record the domain needs (the same list as GET .../dns-records) is live, by the
 * check `petrel domain check` runs, through the server's own resolver so [dns.overrides] apply.
 */
export async function domainDnsStatus(ctx: AdminContext, input: { domain: string; server: Pick<PetrelConfig, 'hostname' | 'ports'>; resolver: MailResolver }): Promise<DnsRecordState[]> {
  const records = await domainDnsRecords(ctx, { domain: input.domain, server: input.server });
  const report = await checkDnsRecords(input.resolver, input.domain, input.server.hostname, records);
  return report.records.map((line) => ({
    type: line.type,
    name: line.name,
    purpose: line.purpose,
    required: line.required,
    expected: line.expected,
    found: line.found,
    status: line.status === 'wrong' ? 'mismatch' : line.status,
    problem: line.problem ?? null,
  }));
}
