import type { PageProps } from '../api.ts';

export function QuotasPage(_props: PageProps) {
  return <h1>Quotas</h1>;
}
