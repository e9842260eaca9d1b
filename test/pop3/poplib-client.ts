// python3's poplib, a POP3 client we did not write, driven by a list of steps over one or more
// connections; one JSON answer per step, so a test reads the whole conversation at once.
import { spawnSync } from 'node:child_process';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface PopStep {
  /** Connection name; steps on different names run on different connections, in order. */
  c?: string;
  /**
   * `open` (port, ssl, host), `stls`, `capa`, `retr`/`top` (bytes in `data`), `line` (one raw
   * command, one-line answer), `pipeline` (several lines in one write, then args[1] answer lines),
   * `stls_pipelined` (STLS with a command behind it in the same write, then TLS), `drop` (close
   * without QUIT), `eof` (read what comes next: empty once the server closed), or any poplib
   * method (`user`, `pass_`, `stat`, `list`, `uidl`, `dele`, `rset`, `noop`, `quit`).
   */
  op: string;
  args?: (string | number)[];
  port?: number;
  ssl?: boolean;
  host?: string;
}

export interface PopResult {
  ok?: Json;
  /** The server's -ERR line (or the exception) when the step failed. */
  error?: string;
  /** RETR/TOP: the message as poplib hands it over (un-stuffed, CRLF line ends). */
  data?: Buffer;
  octets?: number;
  tls?: boolean;
}

const SCRIPT = String.raw`
import base64, json, poplib, ssl, sys
steps = json.loads(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
conns = {}
out = []
def text(b):
    return b.decode('utf-8', 'replace') if isinstance(b, (bytes, bytearray)) else b
def conv(v):
    if isinstance(v, (bytes, bytearray)): return text(v)
    if isinstance(v, (list, tuple)): return [conv(x) for x in v]
    if isinstance(v, dict): return {text(k): conv(x) for k, x in v.items()}
    return v
for step in steps:
    name, op, args = step.get('c', 'a'), step['op'], step.get('args', [])
    try:
        if op == 'open':
            host = step.get('host', '127.0.0.1')
            c = poplib.POP3_SSL(host, step['port'], timeout=60, context=ctx) if step.get('ssl') else poplib.POP3(host, step['port'], timeout=60)
            conns[name] = c
            r = {'ok': text(c.getwelcome()), 'tls': step.get('ssl', False)}
        else:
            c = conns[name]
            if op == 'stls':
                r = {'ok': text(c.stls(ctx)), 'tls': isinstance(c.sock, ssl.SSLSocket)}
            elif op in ('retr', 'top'):
                resp, lines, octets = getattr(c, op)(*args)
                r = {'ok': text(resp), 'data': base64.b64encode(b''.join(l + b'\r\n' for l in lines)).decode(), 'octets': octets}
            elif op == 'line':
                r = {'ok': text(c._shortcmd(args[0]))}
            elif op == 'pipeline':
                c.sock.sendall(args[0].encode('utf-8'))
                r = {'ok': [text(c._getline()[0]) for _ in range(args[1])]}
            elif op == 'stls_pipelined':
                c.sock.sendall(b'STLS\r\n' + args[0].encode('utf-8') + b'\r\n')
                first = c._getline()[0]
                c.sock = ctx.wrap_socket(c.sock)
                c.file = c.sock.makefile('rb')
                c._tls_established = True
                r = {'ok': text(first), 'tls': True}
            elif op == 'drop':
                c.file.close()
                c.sock.close()
                r = {'ok': 'dropped'}
            elif op == 'eof':
                r = {'ok': text(c.file.readline())}
            else:
                r = {'ok': conv(getattr(c, op)(*args))}
    except Exception as e:
        r = {'error': text(e.args[0]) if isinstance(e, poplib.error_proto) and e.args else type(e).__name__ + ': ' + str(e)}
    out.append(r)
print(json.dumps(out))
`;

/** Runs the steps; a step that fails records its error and the next steps still run. */
export function poplibRun(steps: PopStep[]): PopResult[] {
  const result = spawnSync('python3', ['-c', SCRIPT, JSON.stringify(steps)], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  const stdout = result.stdout?.toString() ?? '';
  const line = stdout.trim().split('\n').pop() ?? '';
  let parsed: (Omit<PopResult, 'data'> & { data?: string })[];
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    throw new Error(`poplib script failed (${result.status}): ${stdout}${result.stderr?.toString() ?? ''}`);
  }
  return parsed.map((r) => ({ ...r, data: r.data === undefined ? undefined : Buffer.from(r.data, 'base64') }));
}
