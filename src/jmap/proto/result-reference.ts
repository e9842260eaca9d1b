import { invalidArguments, MethodError } from './errors.ts';
import type { Invocation } from './request.ts';

interface ResultReference {
  resultOf: string;
  name: string;
  path: string;
}

function isResultReference(value: unknown): value is ResultReference {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.resultOf === 'string' && typeof r.name === 'string' && typeof r.path === 'string';
}

/**
 * RFC 6901 JSON Pointer with JMAP's `*` extension (RFC 8620 §3.7): at an array, `*` applies the
 * rest of the pointer to every item, and results that are themselves arrays are flattened.
 */
export function evaluatePointer(value: unknown, path: string): unknown {
  if (path === '') return value;
  if (!path.startsWith('/')) throw new MethodError('invalidResultReference', `path must start with "/": ${path}`);
  const tokens = path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  return walk(value, tokens, path);
}

function walk(value: unknown, tokens: string[], path: string): unknown {
  if (tokens.length === 0) return value;
  const [token, ...rest] = tokens;
  if (Array.isArray(value)) {
    if (token === '*') {
      return value.flatMap((item) => {
        const result = walk(item, rest, path);
        return Array.isArray(result) ? result : [result];
      });
    }
    if (!/^(0|[1-9]\d*)$/.test(token) || Number(token) >= value.length) throw new MethodError('invalidResultReference', `path ${path}: no item ${token}`);
    return walk(value[Number(token)], rest, path);
  }
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, token)) return walk((value as Record<string, unknown>)[token], rest, path);
  throw new MethodError('invalidResultReference', `path ${path}: no "${token}" in the referenced result`);
}

/**
 * Replaces every `#name` argument by the value its ResultReference points at in an earlier
 * response of the same request (RFC 8620 §3.7). Having both `name` and `#name` is invalid.
 */
export function resolveResultReferences(args: Record<string, unknown>, earlier: readonly Invocation[]): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (!key.startsWith('#')) {
      resolved[key] = value;
      continue;
    }
    const name = key.slice(1);
    if (Object.hasOwn(args, name)) throw invalidArguments(`both "${name}" and "#${name}" given`, name);
    if (!isResultReference(value)) throw new MethodError('invalidResultReference', `"#${name}" is not a ResultReference`);
    const source = earlier.find(([responseName, , callId]) => callId === value.resultOf && responseName === value.name);
    if (!source) throw new MethodError('invalidResultReference', `no earlier ${value.name} response with call id ${value.resultOf}`);
    resolved[name] = evaluatePointer(source[1], value.path);
  }
  return resolved;
}
