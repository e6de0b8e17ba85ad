import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceManifest } from '../../../lib/config/loadServiceManifest.js';
import { ConfigError } from '../../../lib/core/errors.js';
import { serviceYaml, TempServices } from './tempService.js';

const temp = new TempServices();
afterAll(() => temp.removeAll());

const load = (yaml: string) => loadServiceManifest({ configPath: temp.create(yaml), env: {} });
const withEvents = (events: string, sluice = '') => serviceYaml(`  a:\n    handler: functions/a.handler\n${sluice}    events:\n${events}`);

async function loadError(yaml: string): Promise<string> {
  try {
    await load(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('dataEvent subscriptions in serverless.yml', () => {
  it('reads exact labels, prefix patterns and source/target filters into stable subscriptions', async () => {
    const manifest = await load(withEvents("      - dataEvent: orders.loaded\n      - dataEvent: { label: 'flights.*', target: 'pg://wh/flights' }"));
    const [process] = manifest.processes;
    expect(process!.subscriptions).toEqual([
      { id: 'a:orders.loaded::', process: 'a', label: 'orders.loaded' },
      { id: 'a:flights.*::pg%3A%2F%2Fwh%2Fflights', process: 'a', label: 'flights.*', target: 'pg://wh/flights' },
    ]);
    expect(manifest.settings.events).toEqual({ maxChainDepth: 16 });
  });

  it('reads custom.sluice.events.maxChainDepth and refuses typos and values out of range', async () => {
    expect((await load(serviceYaml('  a:\n    handler: functions/a.handler', 'custom:\n  sluice:\n    events:\n      maxChainDepth: 3\n'))).settings.events).toEqual({ maxChainDepth: 3 });
    expect(await loadError(serviceYaml('  a:\n    handler: functions/a.handler', 'custom:\n  sluice:\n    events:\n      maxChainDept: 3\n'))).toContain('custom.sluice.events');
    expect(await loadError(serviceYaml('  a:\n    handler: functions/a.handler', 'custom:\n  sluice:\n    events:\n      maxChainDepth: 0\n'))).toContain('maxChainDepth');
  });

  it.each([
    ["      - dataEvent: { label: 'a*' }", 'functions.a.events[0].dataEvent.label'],
    ["      - dataEvent: { label: 'a.*.b' }", 'is not a label pattern'],
    ['      - dataEvent: { source: x }', 'functions.a.events[0].dataEvent.label'],
    ["      - dataEvent: { label: a, colour: red }", 'colour'],
    ["      - dataEvent: { label: a, target: '' }", 'functions.a.events[0].dataEvent.target'],
    ['      - dataEvent: [a]', 'expected { label, source?, target? }'],
    ['      - dataEvent: a\n      - dataEvent: { label: a }', 'declared twice'],
  ])('refuses %s, naming the key', async (events, message) => {
    expect(await loadError(withEvents(events))).toContain(message);
  });

  it('refuses a subscriber without a task queue: its tasks are queued', async () => {
    expect(await loadError(withEvents('      - dataEvent: a', '    sluice: { queue: false }\n'))).toMatch(/needs its task queue/);
  });
});

describe('default schedule rule names', () => {
  it('stay within EventBridge\'s 64 characters for long function names, the same every time (issue 7, item 3)', async () => {
    const { defaultRuleName } = await import('../../../lib/config/parseProcessEvents.js');
    expect(defaultRuleName('report', 1)).toBe('report-schedule-1');
    const long = 'a-very-long-function-name-that-describes-everything-it-does-in-detail';
    const name = defaultRuleName(long, 12);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^a-very-long-function-name-that-describes-ev-[0-9a-f]{8}-schedule-12$/);
    expect(name).toHaveLength(64);
    expect(defaultRuleName(long, 12)).toBe(name);
    expect(defaultRuleName(`${long}-2`, 12)).not.toBe(name);
  });
});
