// The admin console's build (DESIGN.md "Web UIs"), a second Vite app beside the webmail, served
// under /admin/ so its asset URLs carry that base.
import { fileURLToPath } from 'node:url';

import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('./admin/'),
  base: '/admin/',
  plugins: [preact()],
  build: {
    outDir: here('./dist/admin/'),
    emptyOutDir: true,
    target: 'es2022',
  },
});
