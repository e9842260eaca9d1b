import type { PageProps } from '../api.ts';

export function SecurityPage(_props: PageProps) {
  return <h1>Security</h1>;
}
