// The breached-password list and the policy as an admin meets them through the real `petrel`
// command: the file named by `security.breached_passwords_file` in the config, or by
// PETREL_SECURITY_BREACHED_PASSWORDS_FILE, refuses listed passwords in `user add` and
// `user passwd`; `policy set` changes what `user add` accepts; `policy set --breached off` turns it off.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { petrel, petrelOk } from '../helpers/petrel-process.ts';

describe('password policy through the petrel CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'petrel-policy-cli-'));
  const list = join(dir, 'pwned.txt');
  const config = join(dir, 'petrel.toml');
  const data = ['--data', join(dir, 'data')];

  before(() => {
    writeFileSync(list, `${createHash('sha1').update('summer2026!').digest('hex').toUpperCase()}:1234\nwelcome-home\ncorrect horse battery staple\n`);
    writeFileSync(config, `[security]\nbreached_passwords_file = ${JSON.stringify(list)}\n`);
    petrelOk(['domain', 'add', 'cli-policy.test', ...data]);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the list from the config file or the environment refuses breached passwords', () => {
    const viaConfig = petrel(['user', 'add', 'amy@cli-policy.test', '--password', 'summer2026!', '--config', config, ...data]);
    assert.equal(viaConfig.status, 1);
    assert.equal(viaConfig.stderr, 'petrel: this password is known from data breaches; choose another\n');
    const viaEnv = petrel(['user', 'add', 'amy@cli-policy.test', '--password', 'welcome-home', ...data], { env: { PETREL_SECURITY_BREACHED_PASSWORDS_FILE: list } });
    assert.match(viaEnv.stderr, /known from data breaches/);
    assert.equal(petrel(['user', 'add', 'amy@cli-policy.test', '--password', 'welcome-home', ...data]).status, 0, 'no list configured: no check');
    assert.match(petrel(['user', 'passwd', 'amy@cli-policy.test', '--password', 'summer2026!', '--config', config, ...data]).stderr, /known from data breaches/);
  });

  test('policy set changes what user add accepts', () => {
    const listed = ['user', 'add', 'bea@cli-policy.test', '--password', 'correct horse battery staple', '--config', config, ...data];
    assert.match(petrel(listed).stderr, /known from data breaches/);
    assert.match(petrelOk(['policy', 'set', '--min-length', '16', '--breached', 'off', ...data]), /at least 16 characters; never expires; breached-password check off/);
    assert.match(petrel(['user', 'add', 'bea@cli-policy.test', '--password', 'fifteen chars!!', ...data]).stderr, /at least 16 characters/);
    assert.equal(petrel(listed).status, 0, 'breached check off: the listed password is accepted');
    assert.match(petrel(['policy', 'set', '--min-length', '4', ...data]).stderr, /^petrel: minimum length must be a whole number from 8/);
    const shown = JSON.parse(petrelOk(['policy', 'show', '--json', ...data])) as { minLength: number; breachedCheck: boolean };
    assert.deepEqual(shown, { tenant: 'default', minLength: 16, maxAgeDays: 0, breachedCheck: false });
  });
});
