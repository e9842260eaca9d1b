import type { PageProps } from '../api.ts';

export function AuditPage(_props: PageProps) {
  return <h1>Audit</h1>;
}
