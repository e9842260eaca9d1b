#!/usr/bin/env node
// Entry point: loads tsx (as bin/petrel.js does) and runs lib/inspection-cpu.ts; arguments: [messages] [rounds].
import { register } from 'tsx/esm/api';

register();
await import('./lib/inspection-cpu.ts');
