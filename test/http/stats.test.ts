// The dashboard's figures over HTTP against a real `petrel serve`: mail delivered by python's
// smtplib to the MX port and submitted with AUTH shows in /stats/traffic of the recipient's
// (and the sender's) organisation and nowhere else; a tenant admin cannot read another
// organisation's figures; /stats/overview and /stats/storage count the organisation's own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { smtplibSend } from '../helpers/smtp-peers.ts';
import { makeOrg, PASSWORD, startApiServer, type ApiServer, type Org } from './api-helpers.ts';

interface Traffic {
  tenantId: number | null;
  hours: { hour: string; received: number; sent: number }[];
}

interface Overview {
  tenantId: number | null;
  queue: { active: number; deferred: number; failed: number };
  storage: { usedBytes: number; quotaBytes: number };
  users: number;
  domains: number;
  messagesToday: { received: number; sent: number };
}

function message(from: string, to: string, subject: string): string {
  return `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\n\r\nStatistics, line one.\r\n`;
}

function totals(traffic: Traffic): { received: number; sent: number } {
  return traffic.hours.reduce((t, h) => ({ received: t.received + h.received, sent: t.sent + h.sent }), { received: 0, sent: 0 });
}

let env: ApiServer;
let alpha: Org;
let beta: Org;

before(async () => {
  env = await startApiServer();
  alpha = await makeOrg(env.api, env.superToken, 'alpha', 'Sales');
  beta = await makeOrg(env.api, env.superToken, 'beta', 'Ops');
  const mx = env.server.ports.smtp;
  for (let i = 0; i < 3; i++) {
    const result = smtplibSend({ port: mx, from: 'someone@outside.example', to: [alpha.user] }, message('someone@outside.example', alpha.user, `in ${i}`));
    assert.equal(result.status, 'ok', result.raw);
  }
  // One message to two people of alpha is one message alpha received.
  const both = smtplibSend({ port: mx, from: 'someone@outside.example', to: [alpha.user, alpha.admin] }, message('someone@outside.example', alpha.user, 'to two'));
  assert.equal(both.status, 'ok', both.raw);
  const toBeta = smtplibSend({ port: mx, from: 'someone@outside.example', to: [beta.user] }, message('someone@outside.example', beta.user, 'for beta'));
  assert.equal(toBeta.status, 'ok', toBeta.raw);
  // A submission by alpha's user to a colleague: sent by alpha, not received from outside.
  const submitted = smtplibSend({ port: env.server.ports.submissions, ssl: true, login: [alpha.user, PASSWORD], from: alpha.user, to: [alpha.admin] }, message(alpha.user, alpha.admin, 'internal'));
  assert.equal(submitted.status, 'ok', submitted.raw);
});

after(async () => {
  await env?.server.destroy();
});

test('traffic counts mail received from outside and mail submitted, per organisation', async () => {
  const mine = await env.api.ok<Traffic>('GET', '/api/v1/stats/traffic?hours=24', alpha.adminToken);
  assert.equal(mine.tenantId, alpha.tenantId);
  assert.equal(mine.hours.length, 24);
  assert.deepEqual(totals(mine), { received: 4, sent: 1 });
  const hours = mine.hours.map((h) => Date.parse(h.hour));
  assert.ok(hours.every((h, i) => h % 3_600_000 === 0 && (i === 0 || h - hours[i - 1] === 3_600_000)), 'whole hours, oldest first, one apart');

  const week = await env.api.ok<Traffic>('GET', '/api/v1/stats/traffic?hours=168', alpha.adminToken);
  assert.equal(week.hours.length, 168);
  assert.deepEqual(totals(week), { received: 4, sent: 1 });

  const theirs = await env.api.ok<Traffic>('GET', '/api/v1/stats/traffic', beta.adminToken);
  assert.deepEqual(totals(theirs), { received: 1, sent: 0 });
});

test('a super-admin sees the whole installation or one organisation', async () => {
  const all = await env.api.ok<Traffic>('GET', '/api/v1/stats/traffic', env.superToken);
  assert.equal(all.tenantId, null);
  assert.deepEqual(totals(all), { received: 5, sent: 1 });
  const one = await env.api.ok<Traffic>('GET', `/api/v1/stats/traffic?tenant=${beta.tenantId}`, env.superToken);
  assert.equal(one.tenantId, beta.tenantId);
  assert.deepEqual(totals(one), { received: 1, sent: 0 });
});

test('a tenant admin cannot read another organisation\'s figures', async () => {
  for (const path of ['/api/v1/stats/traffic', '/api/v1/stats/overview', '/api/v1/stats/storage']) {
    const other = await env.api.call('GET', `${path}?tenant=${beta.tenantId}`, alpha.adminToken);
    assert.equal(other.status, 404, `${path}: ${other.text}`);
    const own = await env.api.ok<{ tenantId?: number }>('GET', `${path}?tenant=${alpha.tenantId}`, alpha.adminToken);
    if ('tenantId' in own) assert.equal(own.tenantId, alpha.tenantId);
    const user = await env.api.call('GET', path, alpha.userSession);
    assert.equal(user.status, 403, `${path} as a user: ${user.text}`);
  }
  const badWindow = await env.api.call('GET', '/api/v1/stats/traffic?hours=12', alpha.adminToken);
  assert.equal(badWindow.status, 400, badWindow.text);
});

test('the overview and the storage ranking count the organisation\'s own', async () => {
  const mine = await env.api.ok<Overview>('GET', '/api/v1/stats/overview', alpha.adminToken);
  assert.equal(mine.tenantId, alpha.tenantId);
  assert.equal(mine.users, 2, 'the admin and the user');
  assert.equal(mine.domains, 2, 'the domain and its alias');
  assert.deepEqual(mine.messagesToday, { received: 4, sent: 1 });
  assert.deepEqual(mine.queue, { active: 0, deferred: 0, failed: 0 }, 'all of it was local');
  const storage = await env.api.ok<{ items: { address: string; usedBytes: number }[] }>('GET', '/api/v1/stats/storage?limit=10', alpha.adminToken);
  assert.ok(storage.items.length >= 2);
  assert.ok(storage.items.every((a) => a.address.endsWith(`@${alpha.domain}`)), 'only alpha\'s accounts');
  const used = storage.items.map((a) => a.usedBytes);
  assert.deepEqual(used, [...used].sort((a, b) => b - a), 'largest first');
  assert.equal(storage.items[0].address, alpha.user, 'the user got five messages and has a Sent copy');
  assert.equal(mine.storage.usedBytes, storage.items.reduce((n, a) => n + a.usedBytes, 0));

  const theirs = await env.api.ok<Overview>('GET', '/api/v1/stats/overview', beta.adminToken);
  assert.deepEqual(theirs.messagesToday, { received: 1, sent: 0 });
  assert.ok(theirs.storage.usedBytes > 0 && theirs.storage.usedBytes < mine.storage.usedBytes);
});
