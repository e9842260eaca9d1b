import type { CommandOf } from '../proto/types.ts';
import type { ImapSession } from '../session.ts';
import type { Completion, Handler } from './index.ts';

export const login: Handler<CommandOf<'LOGIN'>> = async (session, command) => {
  if (!session.loginAllowed) return { status: 'NO', code: 'PRIVACYREQUIRED', text: 'Use STARTTLS or the implicit-TLS port before logging in' };
  return checkCredentials(session, command.user, command.password);
};

/**
 * Verifies a login for LOGIN and AUTHENTICATE. Every failure answers the same way after a delay
 * that grows with failures from that address; the third on one connection ends it.
 */
export async function checkCredentials(session: ImapSession, user: string, password: string): Promise<Completion> {
  const { services, connection } = session;
  const principal = await services.authenticate(user, password, { protocol: 'imap', remoteAddress: connection.remoteAddress });
  if (principal && principal.kind === 'user') {
    services.throttle.succeed(connection.remoteAddress);
    session.loggedIn(principal);
    return { status: 'OK', code: `CAPABILITY ${session.capabilityList().join(' ')}`, text: 'Logged in' };
  }
  const delay = services.throttle.fail(connection.remoteAddress);
  services.log(`imap: failed login for ${JSON.stringify(user.slice(0, 100))} from ${connection.remoteAddress}`);
  await new Promise((resolve) => setTimeout(resolve, delay));
  session.failedLogins++;
  if (session.failedLogins >= session.maxFailedLogins) {
    return { status: 'NO', code: 'AUTHENTICATIONFAILED', text: 'Invalid credentials', after: () => session.bye('Too many failed logins') };
  }
  return { status: 'NO', code: 'AUTHENTICATIONFAILED', text: 'Invalid credentials' };
}
