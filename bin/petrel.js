#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx's loader, so there is no build step
// between a checkout and `npm start`; `npm run build` is the typecheck.
import { register } from 'tsx/esm/api';

// File writes, fsyncs and Argon2 hashing share libuv's pool; its default of 4 threads makes
// concurrent deliveries queue behind each other's fsyncs. Set before the pool first starts.
process.env.UV_THREADPOOL_SIZE ??= '16';

register();
await import('../src/cli/main.ts');
