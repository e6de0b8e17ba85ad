/**
 * Trigger registry benchmark (issue 10): a route created at run time through
 * `POST /sluice/triggers` against the same process's static route from
 * serverless.yml, on one embedded runtime, rounds interleaved. Target: the
 * runtime route reaches >= 90% of the static route's req/s (the registry
 * must not cost the request path).
 */
import autocannon from 'autocannon';
import type { BenchContext, BenchModule, BenchResult } from './lib/BenchModule.js';
import { markdownTable } from './lib/markdownTable.js';
import { startEmbeddedRuntime } from './lib/startEmbeddedRuntime.js';
import { formatNumber, formatPercent, median } from './lib/stats.js';
import { REPLY } from './fixtures/trivial/functions/reply.mjs';

const FIXTURE = 'bench/fixtures/trivial/serverless.yml';
const CONNECTIONS = 10;
const TARGET = 0.9;
const REQUEST = { method: 'POST', body: JSON.stringify({ n: 1 }), headers: { 'content-type': 'application/json' } } as const;

type Route = 'static' | 'runtime';
const PATHS: Record<Route, string> = { static: '/trivial/bench?source=autocannon', runtime: '/registry/bench?source=autocannon' };

async function measure(url: string, seconds: number): Promise<{ reqPerSec: number; p50: number; p99: number; failures: number }> {
  const result = await autocannon({ url, ...REQUEST, headers: { ...REQUEST.headers }, connections: CONNECTIONS, duration: seconds, expectBody: JSON.stringify(REPLY) });
  return { reqPerSec: result['2xx'] / result.duration, p50: result.latency.p50, p99: result.latency.p99, failures: result.errors + result.timeouts + result.non2xx + result.mismatches };
}

async function run(ctx: BenchContext): Promise<BenchResult> {
  const { rounds, durationSeconds, warmupSeconds } = ctx.options;
  const server = await startEmbeddedRuntime(ctx, { label: 'triggers', config: FIXTURE });
  const results: Record<Route, Array<Awaited<ReturnType<typeof measure>>>> = { static: [], runtime: [] };
  try {
    const created = await fetch(`${server.url}/sluice/triggers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ process: 'trivial', kind: 'http', method: 'POST', path: '/registry/{id}', mode: 'sync' }),
    });
    if (created.status !== 201) throw new Error(`creating the runtime route answered ${created.status}: ${await created.text()}`);
    for (const route of ['static', 'runtime'] as const) await measure(`${server.url}${PATHS[route]}`, warmupSeconds);
    for (let round = 0; round < rounds; round++) {
      // The order alternates: neither route always runs on a warmer (or more fragmented) process.
      const order: Route[] = round % 2 === 0 ? ['static', 'runtime'] : ['runtime', 'static'];
      for (const route of order) {
        const m = await measure(`${server.url}${PATHS[route]}`, durationSeconds);
        results[route].push(m);
        ctx.log(`round ${round + 1}/${rounds} ${route.padEnd(8)} ${formatNumber(m.reqPerSec).padStart(7)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms${m.failures ? `  FAILURES ${m.failures}` : ''}`);
      }
    }
  } finally {
    await server.stop();
  }
  const ratios = results.runtime.map((m, i) => m.reqPerSec / results.static[i]!.reqPerSec);
  const ratio = median(ratios);
  const failures = [...results.static, ...results.runtime].reduce((sum, m) => sum + m.failures, 0);
  const row = (route: Route) => [route === 'static' ? 'static route (serverless.yml)' : 'runtime route (POST /sluice/triggers)', formatNumber(median(results[route].map((m) => m.reqPerSec))), String(median(results[route].map((m) => m.p50))), String(median(results[route].map((m) => m.p99)))];
  const markdown = [
    `Command: \`npm run bench -- --only triggers\`. One embedded runtime serving \`bench/fixtures/trivial\`; the same trivial process behind its static route and behind a route created at run time; \`${REQUEST.method}\` with a small JSON body, autocannon ${CONNECTIONS} connections, ${durationSeconds} s per measurement, ${rounds} interleaved rounds, medians.`,
    '',
    markdownTable(['route', 'req/s', 'p50 ms', 'p99 ms'], [row('static'), row('runtime')]),
    '',
    `- Runtime route / static route: **${formatPercent(ratio)}** (per round: ${ratios.map(formatPercent).join(', ')}); target >= ${formatPercent(TARGET)}: ${ratio >= TARGET ? 'met' : 'missed'}.${failures ? ` ${failures} failed requests.` : ''}`,
    '- Why they are equal by construction: a registry change swaps the whole route table, and both kinds of route live in it; a request pays one table lookup either way.',
  ].join('\n');
  return { markdown, summary: [{ benchmark: 'triggers', metric: 'runtime route req/s vs static route', value: formatPercent(ratio), target: `>= ${formatPercent(TARGET)}`, met: ratio >= TARGET }] };
}

export const triggersBenchmark: BenchModule = { name: 'triggers', title: 'Trigger registry: runtime routes vs static routes', run };
