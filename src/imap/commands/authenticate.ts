import type { CommandOf } from '../proto/types.ts';
import { continuation } from '../proto/serializer.ts';
import type { ImapSession } from '../session.ts';
import { checkCredentials } from './login.ts';
import type { Handler } from './index.ts';

/** RFC 9051 §6.2.2 with SASL-IR (RFC 4959): PLAIN (RFC 4616) and the LOGIN mechanism old Outlook uses. */
export const authenticate: Handler<CommandOf<'AUTHENTICATE'>> = async (session, command) => {
  if (!session.loginAllowed) return { status: 'NO', code: 'PRIVACYREQUIRED', text: 'Use STARTTLS or the implicit-TLS port before logging in' };
  const mechanism = command.mechanism.toUpperCase();
  if (mechanism === 'PLAIN') {
    const response = command.initialResponse ?? (await challenge(session, ''));
    if (response === null) return { status: 'BAD', text: 'AUTHENTICATE cancelled' };
    const parts = decode(response)?.split('\u0000');
    if (!parts || parts.length !== 3) return { status: 'BAD', text: 'Malformed PLAIN response' };
    const [authzid, authcid, password] = parts;
    if (authzid && authzid.toLowerCase() !== authcid.toLowerCase()) return { status: 'NO', code: 'AUTHORIZATIONFAILED', text: 'Acting as another user is not allowed' };
    return checkCredentials(session, authcid, password);
  }
  if (mechanism === 'LOGIN') {
    const userResponse = command.initialResponse ?? (await challenge(session, 'VXNlcm5hbWU6'));
    if (userResponse === null) return { status: 'BAD', text: 'AUTHENTICATE cancelled' };
    const passwordResponse = await challenge(session, 'UGFzc3dvcmQ6');
    if (passwordResponse === null) return { status: 'BAD', text: 'AUTHENTICATE cancelled' };
    const user = decode(userResponse);
    const password = decode(passwordResponse);
    if (user === null || password === null) return { status: 'BAD', text: 'Malformed LOGIN response' };
    return checkCredentials(session, user, password);
  }
  return { status: 'NO', code: 'CANNOT', text: `Unsupported mechanism ${command.mechanism}` };
};

/** Sends a continuation and reads the answer; null when the client cancels with `*` or goes away. */
async function challenge(session: ImapSession, text: string): Promise<string | null> {
  session.connection.write(continuation(text));
  const line = await session.readLine();
  if (line === null || line.trim() === '*') return null;
  return line.trim();
}

function decode(base64: string): string | null {
  if (base64 === '=') return '';
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return null;
  return Buffer.from(base64, 'base64').toString('utf8');
}
