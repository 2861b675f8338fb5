/**
 * The load generator of `npm run bench`, run as its own process (pinned by the runner to a core of its
 * own): a warm-up that is not counted, then the measured autocannon run. Takes one JSON argument
 * (LoadArgs), prints one JSON line (LoadResult) on stdout.
 */
import { createRequire } from 'node:module';
import { LOOPBACK } from './http.js';

export interface LoadArgs {
  port: number;
  path: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

export interface LoadResult {
  /** All responses per second over the measured run. */
  rps: number;
  /** 2xx responses only. */
  ok: number;
  responses: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Latency of 2xx responses, milliseconds (autocannon's per-response timings, not its 1 ms histogram). */
  p50: number;
  p99: number;
  max: number;
  /** Mean bytes (headers and body) per 2xx response. */
  bytesPerResponse: number;
  elapsedSeconds: number;
}

interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  throughput: { total: number };
  requests: { total: number };
  /** Seconds, as measured by autocannon. */
  duration: number;
}
interface AutocannonInstance {
  on(event: 'response', fn: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

// autocannon ships no types; it is CommonJS.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function run(args: LoadArgs, seconds: number, onResponse?: (status: number, ms: number) => void): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://${LOOPBACK}:${args.port}${args.path}`,
        headers: args.headers,
        connections: args.connections,
        duration: seconds,
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (onResponse) instance.on('response', (_c, status, _bytes, ms) => onResponse(status, ms));
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function main() {
  const args = JSON.parse(process.argv[2] ?? '') as LoadArgs;
  if (args.warmupSeconds > 0) await run(args, args.warmupSeconds);

  let times = new Float64Array(1 << 16);
  let n = 0;
  const started = process.hrtime.bigint();
  const result = await run(args, args.seconds, (status, ms) => {
    if (status < 200 || status >= 300) return;
    if (n === times.length) {
      const bigger = new Float64Array(times.length * 2);
      bigger.set(times);
      times = bigger;
    }
    times[n++] = ms;
  });
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = times.subarray(0, n).sort();
  const statusCodes: Record<string, number> = {};
  let responses = 0;
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = Number(count);
    responses += Number(count);
  }
  const out: LoadResult = {
    rps: responses / (result.duration > 0 ? result.duration : args.seconds),
    ok: n,
    responses,
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: n ? sorted[n - 1] : NaN,
    bytesPerResponse: n ? result.throughput.total / n : 0,
    elapsedSeconds,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
