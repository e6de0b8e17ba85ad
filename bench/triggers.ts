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

/** Issue target: runtime schedules fire on time. */
const LATENESS_P99_TARGET_MS = 1000;

interface ScheduleRun {
  schedules: number;
  minutes: number;
  expected: number;
  fired: number;
  doubled: number;
  lostRules: number;
  latenessP50: number;
  latenessP99: number;
  latenessMax: number;
}

/**
 * `schedules` runtime schedule triggers, `rate(1 minute)`, created through the
 * API, left firing for `minutes` minutes: every firing's task is listed,
 * its lateness is its record's `createdAt` (when the firing was queued)
 * minus its `scheduledTime`; each rule must have fired once per minute, no
 * firing twice.
 */
async function measureSchedules(ctx: BenchContext, schedules: number, minutes: number): Promise<ScheduleRun> {
  const server = await startEmbeddedRuntime(ctx, { label: 'schedules', config: FIXTURE });
  const headers = { authorization: `Bearer ${server.apiToken}`, 'content-type': 'application/json' };
  try {
    const created: string[] = [];
    for (let i = 0; i < schedules; i++) {
      const reply = await fetch(`${server.url}/sluice/triggers`, { method: 'POST', headers, body: JSON.stringify({ process: 'trivial', kind: 'schedule', expression: 'rate(1 minute)', overlap: 'allow' }) });
      if (reply.status !== 201) throw new Error(`creating schedule ${i} answered ${reply.status}: ${await reply.text()}`);
      created.push(((await reply.json()) as { triggerId: string }).triggerId);
    }
    ctx.log(`${schedules} schedules created; letting them fire for ${minutes} minute(s)`);
    await new Promise((resolve) => setTimeout(resolve, minutes * 60_000 + 15_000));
    // Stop them before counting, so that the count is of a closed window.
    for (const id of created) await fetch(`${server.url}/sluice/triggers/${id}`, { method: 'PATCH', headers, body: JSON.stringify({ paused: true }) });
    const tasks: Array<{ createdAt: string; trigger: { type: string; rule?: string; scheduledTime?: string } }> = [];
    let cursor: string | undefined;
    do {
      const page = (await (await fetch(`${server.url}/sluice/tasks?process=trivial&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers })).json()) as { items: typeof tasks; nextCursor?: string };
      tasks.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const firings = tasks.filter((t) => t.trigger.type === 'schedule');
    const byRule = new Map<string, string[]>();
    for (const t of firings) byRule.set(t.trigger.rule!, [...(byRule.get(t.trigger.rule!) ?? []), t.trigger.scheduledTime!]);
    const doubled = [...byRule.values()].reduce((sum, times) => sum + (times.length - new Set(times).size), 0);
    const lateness = firings.map((t) => Date.parse(t.createdAt) - Date.parse(t.trigger.scheduledTime!)).sort((a, b) => a - b);
    const at = (q: number) => lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))] ?? NaN;
    return {
      schedules,
      minutes,
      expected: schedules * minutes,
      fired: firings.length,
      doubled,
      lostRules: created.filter((id) => (byRule.get(id)?.length ?? 0) < minutes).length,
      latenessP50: at(0.5),
      latenessP99: at(0.99),
      latenessMax: lateness.at(-1) ?? NaN,
    };
  } finally {
    await server.stop();
  }
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
  const schedules = await measureSchedules(ctx, ctx.options.quick ? 100 : 1000, ctx.options.quick ? 1 : 3);
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
    '',
    `**Runtime schedules.** ${schedules.schedules} schedule triggers (\`rate(1 minute)\`, overlap \`allow\`) created through \`POST /sluice/triggers\` on one embedded runtime, firing for ${schedules.minutes} minute(s); lateness = a firing task's \`createdAt\` (queued) minus its \`scheduledTime\`.`,
    '',
    markdownTable(
      ['firings expected', 'fired', 'rules that missed a minute', 'fired twice', 'lateness p50 ms', 'p99 ms', 'max ms'],
      [[String(schedules.expected), String(schedules.fired), String(schedules.lostRules), String(schedules.doubled), String(schedules.latenessP50), String(schedules.latenessP99), String(schedules.latenessMax)]],
    ),
    '',
    `- Target: lateness p99 <= ${LATENESS_P99_TARGET_MS} ms, none lost, none doubled: ${schedules.latenessP99 <= LATENESS_P99_TARGET_MS && schedules.lostRules === 0 && schedules.doubled === 0 ? 'met' : 'missed'}.`,
  ].join('\n');
  const schedulesMet = schedules.latenessP99 <= LATENESS_P99_TARGET_MS && schedules.lostRules === 0 && schedules.doubled === 0;
  return {
    markdown,
    summary: [
      { benchmark: 'triggers', metric: 'runtime route req/s vs static route', value: formatPercent(ratio), target: `>= ${formatPercent(TARGET)}`, met: ratio >= TARGET },
      { benchmark: 'triggers', metric: `${schedules.schedules} runtime schedules: lateness p99, lost, doubled`, value: `${schedules.latenessP99} ms, ${schedules.lostRules}, ${schedules.doubled}`, target: `<= ${LATENESS_P99_TARGET_MS} ms, 0, 0`, met: schedulesMet },
    ],
  };
}

export const triggersBenchmark: BenchModule = { name: 'triggers', title: 'Trigger registry: runtime routes vs static routes', run };
