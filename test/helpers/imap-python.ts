// python3 imaplib (and a plain python socket for what imaplib cannot send) driving Petrel's IMAP
// server. A test passes the body of a `main()` function; the prelude gives it:
//   P            the parameters (JSON from the test: host, ports, user, password, ...)
//   connect(tls=False) / login(M)   an imaplib client that records the wire
//   step(label, M, fn, *args)      runs one imaplib call, stores {typ, data, sent, got} in out[label]
//   cmd(M, 'NAME', *args)          any command through imaplib, arguments sent verbatim
//   Raw(tls=False)                 a socket client: .cmd(text) -> {tagged, got, closed}, .response()
//   out                            a dict printed as JSON when main() returns
// Bytes become latin-1 strings in JSON, so every octet survives the trip back to the test.
import { spawnSync } from 'node:child_process';

import { PASSWORD, type ImapPetrel } from './imap-server.ts';

const PRELUDE = String.raw`
import base64, hashlib, imaplib, json, os, re, select, socket, ssl, sys, time, traceback, zlib
P = json.loads(sys.argv[1])
ALL_STATES = ('NONAUTH', 'AUTH', 'SELECTED', 'LOGOUT')
# The server decides what is allowed in which state, not imaplib.
for _k in list(imaplib.Commands):
    imaplib.Commands[_k] = ALL_STATES
imaplib._MAXLINE = 10 * 1024 * 1024
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
out = {}

def L(b):
    return b.decode('latin1') if isinstance(b, (bytes, bytearray)) else b

def enc(x):
    if isinstance(x, (bytes, bytearray)):
        return L(x)
    if isinstance(x, (list, tuple)):
        return [enc(i) for i in x]
    return x

class Wire:
    wire = None
    def _w(self, kind, data):
        if self.wire is not None:
            self.wire.append((kind, L(data)))
    def send(self, data):
        self._w('C', data)
        super().send(data)
    def readline(self):
        line = super().readline()
        self._w('S', line)
        return line
    def read(self, size):
        data = super().read(size)
        self._w('S', data)
        return data

class IMAP(Wire, imaplib.IMAP4):
    pass

class IMAPS(Wire, imaplib.IMAP4_SSL):
    pass

def connect(tls=False, host=None, port=None):
    host = host or P['host']
    if tls:
        return IMAPS(host, port or P['imaps'], ssl_context=CTX, timeout=120)
    return IMAP(host, port or P['imap'], timeout=120)

def step(label, M, fn, *args, **kw):
    M.wire = []
    rec = {}
    try:
        typ, data = fn(*args, **kw)
        rec['typ'] = typ
        rec['data'] = enc(data)
    except imaplib.IMAP4.abort as e:
        rec['typ'] = 'ABORT'
        rec['error'] = str(e)
    except imaplib.IMAP4.error as e:
        rec['typ'] = 'ERROR'
        rec['error'] = str(e)
    except (OSError, EOFError) as e:
        rec['typ'] = 'CLOSED'
        rec['error'] = type(e).__name__ + ': ' + str(e)
    rec['sent'] = ''.join(d for k, d in M.wire if k == 'C')
    rec['got'] = ''.join(d for k, d in M.wire if k == 'S')
    M.wire = None
    if label:
        out[label] = rec
    return rec

def cmd(M, name, *args):
    name = name.upper()
    imaplib.Commands.setdefault(name, ALL_STATES)
    typ, dat = M._simple_command(name, *args)
    return typ, dat

def login(M, user=None, password=None):
    typ, data = M.login(user or P['user'], password or P['password'])
    assert typ == 'OK', (typ, data)
    return M

class Raw:
    def __init__(self, tls=False, host=None, port=None):
        host = host or P['host']
        s = socket.create_connection((host, port or (P['imaps'] if tls else P['imap'])), timeout=60)
        if tls:
            s = CTX.wrap_socket(s)
        self.s = s
        self.buf = b''
        self.n = 0
        self.z = None
        self.dz = None
        self.greeting = L(self.line())
    def sendall(self, data):
        if isinstance(data, str):
            data = data.encode('utf-8')
        if self.z:
            data = self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)
        self.s.sendall(data)
    def fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise EOFError('connection closed by the server')
        if self.dz:
            d = self.dz.decompress(d)
        self.buf += d
    def line(self):
        while b'\r\n' not in self.buf:
            self.fill()
        i = self.buf.index(b'\r\n') + 2
        l, self.buf = self.buf[:i], self.buf[i:]
        return l
    def response(self):
        got = b''
        while True:
            l = self.line()
            got += l
            m = re.search(rb'~?\{(\d+)\}\r\n$', l)
            if not m:
                return got
            n = int(m.group(1))
            while len(self.buf) < n:
                self.fill()
            got, self.buf = got + self.buf[:n], self.buf[n:]
    def tag(self):
        self.n += 1
        return 'R%d' % self.n
    def cmd(self, text, tag=None):
        tag = tag or self.tag()
        data = text if isinstance(text, bytes) else text.encode('utf-8')
        self.sendall(tag.encode() + b' ' + data + b'\r\n')
        return self.until_tagged(tag)
    def until_tagged(self, tag):
        got = b''
        try:
            while True:
                r = self.response()
                got += r
                if r.startswith(tag.encode() + b' '):
                    return {'tag': tag, 'tagged': L(r), 'got': L(got), 'closed': False}
        except (EOFError, OSError) as e:
            return {'tag': tag, 'tagged': None, 'got': L(got), 'closed': True, 'error': str(e)}
    def login(self, user=None, password=None):
        r = self.cmd('LOGIN "%s" "%s"' % (user or P['user'], password or P['password']))
        assert r['tagged'] and r['tagged'].split(' ')[1] == 'OK', r
        return r
    def close(self):
        try:
            self.s.close()
        except OSError:
            pass
`;

const EPILOGUE = String.raw`
try:
    main()
except Exception:
    out['__exception__'] = traceback.format_exc()
print('\n@@RESULT@@' + json.dumps(out))
`;

export interface Step {
  typ: string;
  data?: unknown;
  error?: string;
  sent: string;
  got: string;
}

export interface RawReply {
  tag: string;
  tagged: string | null;
  got: string;
  closed: boolean;
  error?: string;
}

export type PyOut = Record<string, any>;

export interface PyParams {
  host: string;
  imap: number;
  imaps: number;
  user: string;
  password: string;
  [key: string]: unknown;
}

export function pyParams(petrel: ImapPetrel, user: string, extra: Record<string, unknown> = {}): PyParams {
  return { host: petrel.host, imap: petrel.imap, imaps: petrel.imaps, user: petrel.address(user), password: PASSWORD, ...extra };
}

/**
 * Runs `body` (which defines `main()`) under the prelude. Returns `out`; a Python exception
 * fails the test with its traceback and whatever the script recorded before it.
 */
export function imapPython(body: string, params: PyParams, options: { input?: Buffer | string; timeoutMs?: number } = {}): PyOut {
  const script = `${PRELUDE}\n${body}\n${EPILOGUE}`;
  const result = spawnSync('python3', ['-c', script, JSON.stringify(params)], {
    input: options.input,
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  const stdout = result.stdout?.toString('latin1') ?? '';
  const at = stdout.lastIndexOf('\n@@RESULT@@');
  if (at < 0) throw new Error(`python3 exited ${result.status} ${result.signal ?? ''} without a result:\n${stdout.slice(-4000)}\n${result.stderr?.toString().slice(-4000)}`);
  // JSON is ASCII-escaped by python, so the latin-1 read of stdout is exact.
  const out = JSON.parse(stdout.slice(at + '\n@@RESULT@@'.length)) as PyOut;
  if (out.__exception__) {
    const { __exception__: trace, ...rest } = out;
    throw new Error(`python3 script failed:\n${trace}\nrecorded so far: ${abbreviate(JSON.stringify(rest, null, 1), 6000)}`);
  }
  return out;
}

export function abbreviate(text: string, max = 3000): string {
  return text.length <= max ? text : `${text.slice(0, max / 2)}\n… ${text.length - max} characters …\n${text.slice(-max / 2)}`;
}

/** What went over the wire for one step, for assertion messages. */
export function wire(step: Step | RawReply | undefined): string {
  if (!step) return '(no such step recorded)';
  const sent = 'sent' in step ? step.sent : '';
  return abbreviate(`C: ${sent.trimEnd()}\nS: ${step.got.trimEnd()}${'error' in step && step.error ? `\n(${step.error})` : ''}`);
}

/** Latin-1 string from JSON back to the bytes python had. */
export function bytesOf(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
