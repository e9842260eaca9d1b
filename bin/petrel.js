#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx's loader, so there is no build step
// between a checkout and `npm start`; `npm run build` is the typecheck.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
