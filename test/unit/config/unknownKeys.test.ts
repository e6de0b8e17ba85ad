import { afterAll, describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../../lib/config/knownKeys.js';
import { loadServiceManifest } from '../../../lib/config/loadServiceManifest.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { serviceYaml, TempServices } from './tempService.js';

const temp = new TempServices();
afterAll(() => temp.removeAll());

const load = (functionsYaml: string, extra = '') => loadServiceManifest({ configPath: temp.create(serviceYaml(functionsYaml, extra)), env: {} });

async function loadError(functionsYaml: string, extra = ''): Promise<string> {
  try {
    await load(functionsYaml, extra);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const fn = (body: string) => `  a:\n    handler: functions/a.handler\n${body}`;

describe('misspelled keys are errors naming the key and the closest valid one', () => {
  it.each([
    // Function keys.
    [fn('    timout: 3'), "functions.a: unknown key 'timout' (did you mean 'timeout'?)"],
    [fn('    reservedConcurency: 2'), "functions.a: unknown key 'reservedConcurency' (did you mean 'reservedConcurrency'?)"],
    [fn('    enviroment: { A: b }'), "functions.a: unknown key 'enviroment' (did you mean 'environment'?)"],
    [fn('    event: []'), "functions.a: unknown key 'event' (did you mean 'events'?)"],
    [fn('    memorysize: 256'), "functions.a: unknown key 'memorysize' (did you mean 'memorySize'?)"],
    [fn('    slucie: true'), "functions.a: unknown key 'slucie' (did you mean 'sluice'?)"],
    [fn('    frobnicate: 1'), "functions.a: unknown key 'frobnicate'; valid keys: handler, runtime, timeout"],
    // Event types and each event's keys.
    [fn('    events:\n      - schedul: rate(5 minutes)'), "functions.a.events[0]: unknown event type 'schedul' (did you mean 'schedule'?)"],
    [fn('    events:\n      - httpAPI: GET /a'), "unknown event type 'httpAPI' (did you mean 'httpApi'?)"],
    [fn("    events:\n      - httpApi: { methd: GET, path: /a }"), "functions.a.events[0].httpApi: unknown key 'methd' (did you mean 'method'?)"],
    [fn('    events:\n      - schedule: { rat: rate(5 minutes) }'), "functions.a.events[0].schedule: unknown key 'rat' (did you mean 'rate'?)"],
    [fn('    events:\n      - schedule: { rate: rate(5 minutes), enable: false }'), "unknown key 'enable' (did you mean 'enabled'?)"],
    [fn('    events:\n      - schedule: { rate: rate(5 minutes), inputs: {} }'), "unknown key 'inputs' (did you mean 'input'?)"],
    [fn('    events:\n      - eventBridge: { schedule: rate(5 minutes), enabeld: true }'), "functions.a.events[0].eventBridge: unknown key 'enabeld' (did you mean 'enabled'?)"],
    [fn("    events:\n      - sqs: { arn: 'arn:aws:sqs:us-east-1:123456789012:q', batchsize: 5 }"), "functions.a.events[0].sqs: unknown key 'batchsize' (did you mean 'batchSize'?)"],
    [fn("    events:\n      - sqs: { arn: 'arn:aws:sqs:us-east-1:123456789012:q', maximumBatchingWindw: 5 }"), "did you mean 'maximumBatchingWindow'?"],
    // Sluice's own settings.
    [fn(''), "custom.sluice: unknown key 'retentionDay' (did you mean 'retentionDays'?)", 'custom:\n  sluice:\n    retentionDay: 3'],
    [fn(''), "custom.sluice: unknown key 'scheduleCatchup' (did you mean 'scheduleCatchUp'?)", 'custom:\n  sluice:\n    scheduleCatchup: all'],
    [fn('    sluice: { queu: false }'), "functions.a.sluice: unknown key 'queu' (did you mean 'queue'?)"],
    [fn('    sluice: { queue: { batchsize: 5 } }'), "functions.a.sluice.queue: unknown key 'batchsize' (did you mean 'batchSize'?)"],
  ])('%#: %s', async (functionsYaml, fragment, extra = '') => {
    expect(await loadError(functionsYaml, extra)).toContain(fragment);
  });

  it('lists as valid only the keys that may be written there: not the framework keys Sluice refuses', async () => {
    const message = await loadError(fn('    timout: 3'));
    expect(message).toContain('valid keys: handler, runtime, timeout');
    expect(message).toContain('memorySize');
    expect(message).not.toContain('maximumRetryAttempts');
    expect(message).not.toContain('maximumEventAge');
  });

  it('refuses event keys the framework knows but Sluice cannot honour on both runtimes, saying why', async () => {
    expect(await loadError(fn("    events:\n      - schedule: { rate: 'cron(0 9 * * ? *)', method: scheduler }"))).toContain(
      "functions.a.events[0].schedule: 'method' not supported on Sluice processes: Sluice deploys EventBridge rules (UTC) or, with a timezone or at(), EventBridge Scheduler schedules itself",
    );
    expect(await loadError(fn('    events:\n      - eventBridge: { schedule: rate(5 minutes), retryPolicy: { maximumRetryAttempts: 0 } }'))).toContain(
      "'retryPolicy' not supported on Sluice processes",
    );
    expect(await loadError(fn('    events:\n      - sns: my-topic'))).toContain("'sns' events are not supported on Sluice processes");
  });

  it('reads a schedule\'s timezone and overlap, and names the key of a wrong one', async () => {
    const manifest = await load(fn("    events:\n      - schedule: { rate: 'cron(30 2 * * ? *)', timezone: Europe/Berlin, overlap: buffer_one }\n      - schedule: rate(5 minutes)"));
    expect(manifest.processes[0]!.schedules).toEqual([
      { rule: 'a-schedule-1', expression: 'cron(30 2 * * ? *)', enabled: true, timezone: 'Europe/Berlin', overlap: 'buffer_one' },
      { rule: 'a-schedule-2', expression: 'rate(5 minutes)', enabled: true, overlap: 'skip' },
    ]);
    expect(await loadError(fn("    events:\n      - schedule: { rate: 'cron(0 9 * * ? *)', timezone: Europe/Pariss }"))).toContain(
      'functions.a.events[0].schedule.timezone: "Europe/Pariss" is not an IANA time zone name',
    );
    expect(await loadError(fn("    events:\n      - schedule: { rate: 'cron(0 9 * * ? *)', overlap: queue }"))).toContain(
      'functions.a.events[0].schedule.overlap: "queue" is not one of skip, buffer_one, allow',
    );
  });

  it('accepts the framework function keys that only configure Lambda, and lists them for a warning (labels excepted)', async () => {
    const manifest = await load(
      fn('    ephemeralStorageSize: 1024\n    layers: [arn:aws:lambda:us-east-1:123456789012:layer:x:1]\n    description: nightly\n    tags: { team: data }\n    name: svc-a'),
    );
    expect(manifest.lambdaOnlyKeys).toEqual(['functions.a.ephemeralStorageSize', 'functions.a.layers']);
    expect((await load(fn('    timeout: 3'))).lambdaOnlyKeys).toBeUndefined();
  });

  it('checks only Sluice processes: a plain function (sluice: false) is the framework\'s business', async () => {
    await expect(load(fn('    sluice: false\n    warmup: { enabled: true }'))).resolves.toMatchObject({ processes: [] });
  });
});

describe('closestName / editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps, ignoring case', () => {
    expect(editDistance('timout', 'timeout')).toBe(1);
    expect(editDistance('recieve', 'receive')).toBe(1);
    expect(editDistance('Rate', 'rate')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests only likely typos (at most a third of the word in edits)', () => {
    expect(closestName('timout', ['handler', 'timeout', 'events'])).toBe('timeout');
    expect(closestName('foo', ['timeout', 'events'])).toBeUndefined();
    expect(closestName('evnets', ['events', 'event'])).toBe('events');
  });
});

describe('schedule rule names', () => {
  it('are unique across the service, as EventBridge requires', async () => {
    const two = `${fn('    events:\n      - schedule: { rate: rate(5 minutes), name: nightly }')}\n  b:\n    handler: functions/a.handler\n    events:\n      - schedule: { rate: rate(1 hour), name: nightly }`;
    expect(await loadError(two)).toContain("functions.b: schedule rule name 'nightly' is also used by functions.a; EventBridge rule names are unique");
    const same = fn('    events:\n      - schedule: { rate: rate(5 minutes), name: nightly }\n      - eventBridge: { schedule: rate(1 hour), name: nightly }');
    expect(await loadError(same)).toContain("schedule rule name 'nightly' is also used by another of its schedules");
  });
});

describe('function keys that would make the runtimes disagree', () => {
  it.each(['maximumRetryAttempts: 0', 'maximumEventAge: 60'])('%s is refused on a process, saying why', async (line) => {
    expect(await loadError(fn(`    ${line}`))).toMatch(/functions\.a: 'maximum(RetryAttempts|EventAge)' is not supported on Sluice processes: schedule firings get Lambda's default 2 retries/);
  });
});
