// The three client autoconfiguration documents, built from plain values: no sockets, no database.
import { createHash } from 'node:crypto';

import { XMLParser, XMLValidator } from 'fast-xml-parser';

import { escapeXml, XmlSyntaxError } from './xml.ts';

export interface MailServerSettings {
  /** What clients connect to (config.hostname). */
  hostname: string;
  /** Ports clients are told; the standard ones unless an admin maps others. */
  ports: { imaps: number; imap: number; pop3s: number; pop3: number; submissions: number; submission: number };
}

/**
 * The well-known ports (RFC 8314 §7, RFC 6409): admins expose those in front of Petrel even when it
 * listens elsewhere, and the config has no separate "advertised port" setting.
 */
export const STANDARD_CLIENT_PORTS: MailServerSettings['ports'] = { imaps: 993, imap: 143, pop3s: 995, pop3: 110, submissions: 465, submission: 587 };

/** Thunderbird's clientConfig 1.1 (https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat). */
export function thunderbirdConfig(domain: string, displayName: string, server: MailServerSettings): string {
  const host = escapeXml(server.hostname);
  const one = (tag: 'incomingServer' | 'outgoingServer', type: string, port: number, socketType: 'SSL' | 'STARTTLS') =>
    `    <${tag} type="${type}">\n` +
    `      <hostname>${host}</hostname>\n` +
    `      <port>${port}</port>\n` +
    `      <socketType>${socketType}</socketType>\n` +
    `      <username>%EMAILADDRESS%</username>\n` +
    `      <authentication>password-cleartext</authentication>\n` +
    `    </${tag}>\n`;
  const { ports } = server;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<clientConfig version="1.1">\n' +
    `  <emailProvider id="${escapeXml(domain)}">\n` +
    `    <domain>${escapeXml(domain)}</domain>\n` +
    `    <displayName>${escapeXml(displayName)}</displayName>\n` +
    `    <displayShortName>${escapeXml(domain)}</displayShortName>\n` +
    one('incomingServer', 'imap', ports.imaps, 'SSL') +
    one('incomingServer', 'imap', ports.imap, 'STARTTLS') +
    one('incomingServer', 'pop3', ports.pop3s, 'SSL') +
    one('incomingServer', 'pop3', ports.pop3, 'STARTTLS') +
    one('outgoingServer', 'smtp', ports.submissions, 'SSL') +
    one('outgoingServer', 'smtp', ports.submission, 'STARTTLS') +
    '  </emailProvider>\n' +
    '</clientConfig>\n'
  );
}

export const AUTODISCOVER_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
export const OUTLOOK_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/** The address an Outlook POX Autodiscover request asks about ([MS-OXDISCO] §2.2.3: Request/EMailAddress). */
export function autodiscoverRequestAddress(body: string): string {
  // A DOCTYPE could declare entities (expansion bombs); a request never needs one.
  if (/<!DOCTYPE/i.test(body)) throw new XmlSyntaxError('a DOCTYPE is not accepted');
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new XmlSyntaxError(`${valid.err.msg} (line ${valid.err.line})`);
  const document = AUTODISCOVER_PARSER.parse(body) as Record<string, unknown>;
  const rootName = Object.keys(document).find((key) => key !== '?xml');
  if (rootName !== 'Autodiscover') throw new XmlSyntaxError(`root element is <${rootName ?? ''}>, expected <Autodiscover>`);
  const root = document.Autodiscover;
  const request = typeof root === 'object' && root !== null ? (root as { Request?: unknown }).Request : undefined;
  const address = typeof request === 'object' && request !== null ? (request as { EMailAddress?: unknown }).EMailAddress : undefined;
  if (typeof address !== 'string' || address.trim() === '') throw new XmlSyntaxError('no Request/EMailAddress element');
  return address.trim();
}

const AUTODISCOVER_PARSER = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false, trimValues: true });

/** The Outlook POX response ([MS-OXDSCLI] §2.2.4) with IMAP and SMTP over implicit TLS. */
export function autodiscoverResponse(address: string, displayName: string | null, server: MailServerSettings): string {
  const protocol = (type: 'IMAP' | 'SMTP', port: number) =>
    '      <Protocol>\n' +
    `        <Type>${type}</Type>\n` +
    `        <Server>${escapeXml(server.hostname)}</Server>\n` +
    `        <Port>${port}</Port>\n` +
    '        <DomainRequired>off</DomainRequired>\n' +
    `        <LoginName>${escapeXml(address)}</LoginName>\n` +
    '        <SPA>off</SPA>\n' +
    '        <SSL>on</SSL>\n' +
    '        <AuthRequired>on</AuthRequired>\n' +
    (type === 'SMTP' ? '        <UsePOPAuth>on</UsePOPAuth>\n' : '') +
    '      </Protocol>\n';
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<Autodiscover xmlns="${AUTODISCOVER_RESPONSE_NS}">\n` +
    `  <Response xmlns="${OUTLOOK_RESPONSE_NS}">\n` +
    (displayName ? `    <User>\n      <DisplayName>${escapeXml(displayName)}</DisplayName>\n    </User>\n` : '') +
    '    <Account>\n' +
    '      <AccountType>email</AccountType>\n' +
    '      <Action>settings</Action>\n' +
    protocol('IMAP', server.ports.imaps) +
    protocol('SMTP', server.ports.submissions) +
    '    </Account>\n' +
    '  </Response>\n' +
    '</Autodiscover>\n'
  );
}

/** A UUID (RFC 9562 name-based layout, SHA-256 truncated) that is the same every time for the same name. */
export function stableUuid(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8: custom, since SHA-256 is not one of 3/5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };

function plistValue(value: PlistValue, indent: string): string {
  if (typeof value === 'string') return `${indent}<string>${escapeXml(value)}</string>\n`;
  if (typeof value === 'number') return `${indent}<integer>${Math.trunc(value)}</integer>\n`;
  if (typeof value === 'boolean') return `${indent}<${value}/>\n`;
  if (Array.isArray(value)) return `${indent}<array>\n${value.map((v) => plistValue(v, indent + '  ')).join('')}${indent}</array>\n`;
  const entries = Object.entries(value).map(([k, v]) => `${indent}  <key>${escapeXml(k)}</key>\n${plistValue(v, indent + '  ')}`);
  return `${indent}<dict>\n${entries.join('')}${indent}</dict>\n`;
}

/**
 * An unsigned Apple configuration profile with one com.apple.mail.managed payload (Apple's
 * "Configuration Profile Reference", Mail payload). Identifiers derive from the address, so
 * installing it again replaces the account instead of adding a second one.
 */
export function appleMobileconfig(address: string, displayName: string | null, server: MailServerSettings): string {
  const domain = address.slice(address.lastIndexOf('@') + 1);
  const reversed = domain.split('.').reverse().join('.');
  const key = createHash('sha256').update(address).digest('hex').slice(0, 16);
  const profileId = `${reversed}.petrel.mail.${key}`;
  const mail: PlistValue = {
    EmailAccountDescription: address,
    ...(displayName ? { EmailAccountName: displayName } : {}),
    EmailAccountType: 'EmailTypeIMAP',
    EmailAddress: address,
    IncomingMailServerAuthentication: 'EmailAuthPassword',
    IncomingMailServerHostName: server.hostname,
    IncomingMailServerPortNumber: server.ports.imaps,
    IncomingMailServerUseSSL: true,
    IncomingMailServerUsername: address,
    OutgoingMailServerAuthentication: 'EmailAuthPassword',
    OutgoingMailServerHostName: server.hostname,
    OutgoingMailServerPortNumber: server.ports.submissions,
    OutgoingMailServerUseSSL: true,
    OutgoingMailServerUsername: address,
    OutgoingPasswordSameAsIncomingPassword: true,
    PayloadDescription: `Mail account ${address}`,
    PayloadDisplayName: address,
    PayloadIdentifier: `${profileId}.account`,
    PayloadType: 'com.apple.mail.managed',
    PayloadUUID: stableUuid(`petrel mail payload ${address}`),
    PayloadVersion: 1,
  };
  const profile: PlistValue = {
    PayloadContent: [mail],
    PayloadDescription: `Sets up the mail account ${address} on ${server.hostname}`,
    PayloadDisplayName: `${domain} mail`,
    PayloadIdentifier: profileId,
    PayloadRemovalDisallowed: false,
    PayloadType: 'Configuration',
    PayloadUUID: stableUuid(`petrel profile ${address}`),
    PayloadVersion: 1,
  };
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
    '<plist version="1.0">\n' +
    plistValue(profile, '') +
    '</plist>\n'
  );
}
