// Shared by the IMAP wire tests: parse a command line and insist on success or failure.
import assert from 'node:assert/strict';
import { parseCommand, isParseFailure } from '../../../src/imap/proto/parser.ts';
import type { Command, ParseFailure } from '../../../src/imap/proto/types.ts';

export function parse(line: string | Buffer, utf8Accept = false): Command {
  const result = parseCommand(typeof line === 'string' ? Buffer.from(line, 'utf8') : line, { utf8Accept });
  if (isParseFailure(result)) assert.fail(`${String(line)} → ${result.message}`);
  return result.command;
}

export function failure(line: string | Buffer, utf8Accept = false): ParseFailure {
  const result = parseCommand(typeof line === 'string' ? Buffer.from(line, 'utf8') : line, { utf8Accept });
  if (!isParseFailure(result)) assert.fail(`${String(line)} parsed as ${JSON.stringify(result.command)}`);
  return result;
}

