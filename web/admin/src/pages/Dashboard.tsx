import type { PageProps } from '../api.ts';

export function DashboardPage(_props: PageProps) {
  return <h1>Dashboard</h1>;
}
