#!/usr/bin/env node
// Entry point: loads tsx (as bin/petrel.js does) so the TypeScript benchmark runs without a build.
import { register } from 'tsx/esm/api';

register();
await import('./run.ts');
