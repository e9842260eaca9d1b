import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { petrel, petrelOk } from '../helpers/petrel-process.ts';

describe('petrel CLI', () => {
  let dir: string;
  let data: string[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'petrel-cli-'));
    data = ['--data', dir];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('domains: add prints the DNS records, list shows it, duplicates are refused', () => {
    const out = petrelOk(['domain', 'add', 'Example.TEST', ...data]);
    assert.match(out, /added domain example\.test/);
    assert.match(out, /_domainkey\.example\.test\.\s+3600\s+IN\s+TXT\s+"v=DKIM1; k=rsa; p=/);
    const list = JSON.parse(petrelOk(['domain', 'list', '--json', ...data])) as { name: string }[];
    assert.deepEqual(list.map((d) => d.name), ['example.test']);
    const again = petrel(['domain', 'add', 'example.test', ...data]);
    assert.equal(again.status, 1);
    assert.equal(again.stderr.trim(), 'petrel: domain example.test already exists');
  });

  test('users: add (password on stdin), list, passwd, quota, remove', () => {
    assert.match(petrelOk(['user', 'add', 'alice@example.test', '--name', 'Alice Liddell', ...data], { input: 'a long password\n' }), /added user alice@example.test/);
    petrelOk(['user', 'add', 'bob@example.test', '--password', 'another password', '--quota', '1G', ...data]);
    const users = JSON.parse(petrelOk(['user', 'list', '--json', ...data])) as { address: string; displayName: string; quotaBytes: number }[];
    assert.deepEqual(
      users.map((u) => [u.address, u.displayName, u.quotaBytes]),
      [
        ['alice@example.test', 'Alice Liddell', 0],
        ['bob@example.test', '', 1024 ** 3],
      ],
    );
    petrelOk(['user', 'passwd', 'alice@example.test', '--password', 'a new long password', ...data]);
    petrelOk(['user', 'quota', 'alice@example.test', '500M', ...data]);
    const text = petrelOk(['user', 'list', ...data]);
    assert.match(text, /alice@example\.test\s+Alice Liddell\s+0\s+500M/);
    petrelOk(['user', 'remove', 'bob@example.test', ...data]);
    assert.doesNotMatch(petrelOk(['user', 'list', ...data]), /bob@/);
  });

  test('aliases and the catch-all', () => {
    petrelOk(['alias', 'add', 'info@example.test', 'alice@example.test', ...data]);
    petrelOk(['alias', 'add', '@example.test', 'alice@example.test', ...data]);
    assert.deepEqual(JSON.parse(petrelOk(['alias', 'list', '--json', ...data])), [{ alias: 'info@example.test', target: 'alice@example.test' }]);
    assert.match(petrelOk(['domain', 'list', ...data]), /example\.test\s+default\s+2\s+alice@example\.test/);
    assert.match(JSON.stringify(JSON.parse(petrelOk(['user', 'list', '--json', ...data]))), /"aliases":\["info@example.test"\]/);
    petrelOk(['alias', 'remove', 'info@example.test', ...data]);
    petrelOk(['alias', 'remove', '@example.test', ...data]);
    assert.deepEqual(JSON.parse(petrelOk(['alias', 'list', '--json', ...data])), []);
  });

  test('dns --json names every record a domain needs, with the SRV ports actually configured', () => {
    const config = join(dir, 'ports.toml');
    writeFileSync(config, 'hostname = "mail.example.test"\n[ports]\nsubmission = 587\nimaps = 993\n');
    const records = JSON.parse(petrelOk(['dns', 'example.test', '--json', '--config', config, ...data])) as { name: string; type: string; value: string }[];
    const find = (name: string, type: string) => records.find((r) => r.name === name && r.type === type)?.value;
    assert.equal(find('example.test.', 'MX'), '10 mail.example.test.');
    assert.equal(find('example.test.', 'TXT'), 'v=spf1 mx -all');
    assert.match(find('_dmarc.example.test.', 'TXT') ?? '', /^v=DMARC1; p=/);
    assert.ok(records.some((r) => /^petrel\d{6}\._domainkey\.example\.test\.$/.test(r.name) && /^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/.test(r.value)));
    assert.equal(find('_submission._tcp.example.test.', 'SRV'), '0 1 587 mail.example.test.');
    assert.equal(find('_imaps._tcp.example.test.', 'SRV'), '0 1 993 mail.example.test.');
  });

  test('bad input gets one clear line on stderr and a non-zero exit, never a stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['domain', 'add', 'not a domain'], /^petrel: not a valid domain name: not a domain$/],
      [['user', 'add', 'carol@nowhere.test', '--password', 'long enough pw'], /^petrel: no such domain: nowhere\.test$/],
      [['user', 'add', 'not-an-address', '--password', 'long enough pw'], /^petrel: not a valid email address: not-an-address$/],
      [['user', 'add', 'dave@example.test', '--password', 'short'], /^petrel: password must be at least 8 characters$/],
      [['user', 'add', 'dave@example.test', '--password', 'long enough pw', '--quota', 'lots'], /^petrel: not a size: lots/],
      [['alias', 'add', 'x@example.test', 'nobody@example.test'], /^petrel: no such user: nobody@example\.test$/],
      [['queue', 'remove', 'abc'], /^petrel: not a queue id: abc$/],
      [['mail', 'list', 'alice@example.test', '--mailbox', 'Nope'], /^petrel: no mailbox named Nope$/],
      [['domain', 'remove', 'example.test'], /^petrel: domain example\.test still has 1 address\(es\); remove them first or use --force$/],
      [['serve', '--smtp-port', 'seventy'], /^petrel: --smtp-port must be a port number/],
      [['user', 'list', '--database', 'mysql://x'], /^petrel: unsupported database "mysql:\/\/x"/],
    ];
    for (const [args, expected] of cases) {
      const result = petrel([...args, ...data]);
      assert.equal(result.status, 1, `${args.join(' ')} should fail: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr.trim(), expected, args.join(' '));
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('a config file with an unknown key is refused by name', () => {
    const config = join(dir, 'bad.toml');
    writeFileSync(config, '[smtp]\nmax_mesage_size = 10\n');
    const result = petrel(['domain', 'list', '--config', config, ...data]);
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trim(), 'petrel: unknown configuration key: smtp.max_mesage_size');
  });
});
