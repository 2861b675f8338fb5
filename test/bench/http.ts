import http from 'node:http';
import net from 'node:net';

/** Loopback only: every request of the bench goes to this address. */
export const LOOPBACK = '127.0.0.1';

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One plain request to 127.0.0.1 with any Host header (fetch forbids setting Host, and
 * `*.localhost` does not resolve from Node). No keep-alive, bounded by a timeout.
 */
export function request(opts: {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body != null) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
    const req = http.request(
      { host: LOOPBACK, port: opts.port, path: opts.path, method: opts.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout on ${opts.method ?? 'GET'} ${opts.path}`)));
    req.on('error', reject);
    if (opts.body != null) req.write(opts.body);
    req.end();
  });
}

/** The value of one cookie set by a response, or undefined. */
export function setCookie(res: SimpleResponse, name: string): string | undefined {
  for (const line of res.headers['set-cookie'] ?? []) {
    const [pair] = line.split(';');
    const i = pair.indexOf('=');
    if (i > 0 && pair.slice(0, i).trim() === name) return pair.slice(i + 1);
  }
  return undefined;
}

/** A port free on the loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
