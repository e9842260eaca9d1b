// The web UIs' build (DESIGN.md: web/ is a separate Vite build served by http/). The webmail is
// served under /mail/, so its asset URLs carry that base.
import { fileURLToPath } from 'node:url';

import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('./webmail/'),
  base: '/mail/',
  plugins: [preact()],
  build: {
    outDir: here('./dist/webmail/'),
    emptyOutDir: true,
    target: 'es2022',
  },
});
