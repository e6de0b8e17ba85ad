import { createHash } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import type { HttpMethod, HttpRouteManifest, QueueTriggerManifest, ScheduleManifest } from './ServiceManifest.js';
import { assertHttpRoutePath } from './assertHttpRoutePath.js';
import { queueFromArn, type CloudFormationScope } from './cloudFormationValues.js';
import { assertKnownKeys, closestName } from './knownKeys.js';
import { parseRouteAuthorizer, type AuthorizerManifest, type RouteAuthorizer } from './httpAuthorizers.js';
import { assertLabelPattern, subscriptionId, type EventSubscription } from '../core/events/EventSubscription.js';
import { DATA_EVENT_KEYS, EVENT_BRIDGE_EVENT_KEYS, FRAMEWORK_EVENT_TYPES, HTTP_API_EVENT_KEYS, SCHEDULE_EVENT_KEYS, SQS_EVENT_KEYS } from './serverlessKeys.js';
import { assertBatchingWindow } from './sluiceSettings.js';
import { isPlainObject } from './VariableResolver.js';
import { DEFAULT_OVERLAP, OVERLAP_POLICIES, type OverlapPolicy } from '../core/schedule/scheduleOverlap.js';
import { isTimeZone } from '../schedule/zonedTime.js';

/** The triggers of one process, from its `events`. */
export interface ProcessEvents {
  http: HttpRouteManifest[];
  queues: Array<QueueTriggerManifest & { external: boolean }>;
  schedules: ScheduleManifest[];
  subscriptions: EventSubscription[];
}

const HTTP_METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY']);
const SUPPORTED = 'httpApi, sqs, schedule (and eventBridge with schedule), dataEvent';


/**
 * Reads the `events` of a Sluice process. Every event must be one Sluice can
 * run on both runtimes; anything else is an error rather than silently
 * ignored (mark the function `sluice: false` to deploy it as a plain
 * function).
 *
 * Schedule expressions are not validated here: the runtime validates them
 * with lib/schedule.
 */
export function parseProcessEvents(functionName: string, events: readonly unknown[], scope: CloudFormationScope, authorizers: ReadonlyMap<string, AuthorizerManifest> = new Map()): ProcessEvents {
  const out: ProcessEvents = { http: [], queues: [], schedules: [], subscriptions: [] };
  let scheduleNumber = 0;
  const nextRule = (name: unknown, place: string): string => {
    scheduleNumber += 1;
    if (name === undefined) return defaultRuleName(functionName, scheduleNumber);
    if (typeof name !== 'string' || !/^[.\-_A-Za-z0-9]{1,64}$/.test(name)) {
      throw new ConfigError(`${place}.name: ${JSON.stringify(name)} is not a valid rule name (1 to 64 of A-Z a-z 0-9 . - _)`);
    }
    return name;
  };

  events.forEach((event, index) => {
    const place = `functions.${functionName}.events[${index}]`;
    if (!isPlainObject(event) || Object.keys(event).length !== 1) {
      throw new ConfigError(`${place}: an event is a map with exactly one key (its type)`);
    }
    const [type, value] = Object.entries(event)[0] as [string, unknown];
    switch (type) {
      case 'httpApi':
        out.http.push(...httpRoutes(value, `${place}.httpApi`, authorizers));
        return;
      case 'sqs':
        out.queues.push(queueTrigger(value, `${place}.sqs`, scope));
        return;
      case 'schedule':
        out.schedules.push(...schedules(value, `${place}.schedule`, nextRule));
        return;
      case 'eventBridge':
        out.schedules.push(eventBridgeSchedule(value, `${place}.eventBridge`, nextRule));
        return;
      case 'dataEvent': {
        const subscription = dataEventSubscription(functionName, value, `${place}.dataEvent`);
        if (out.subscriptions.some((s) => s.id === subscription.id)) throw new ConfigError(`${place}.dataEvent: the same subscription is declared twice for functions.${functionName}`);
        out.subscriptions.push(subscription);
        return;
      }
      default: {
        if (!(FRAMEWORK_EVENT_TYPES as readonly string[]).includes(type)) {
          const suggestion = closestName(type, FRAMEWORK_EVENT_TYPES);
          throw new ConfigError(`${place}: unknown event type '${type}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; Sluice processes support ${SUPPORTED}`);
        }
        throw new ConfigError(
          `${place}: '${type}' events are not supported on Sluice processes (supported: ${SUPPORTED}); ` +
            `set 'sluice: false' on functions.${functionName} to deploy it as a plain function`,
        );
      }
    }
  });
  return out;
}

/** `- dataEvent: { label, source?, target? }` (or `- dataEvent: label`). */
function dataEventSubscription(process: string, value: unknown, place: string): EventSubscription {
  const spec = typeof value === 'string' ? { label: value } : value;
  if (!isPlainObject(spec)) throw new ConfigError(`${place}: expected { label, source?, target? } or a label`);
  assertKnownKeys(spec, DATA_EVENT_KEYS, place);
  assertLabelPattern(spec.label, `${place}.label`);
  const filters: { label: string; source?: string; target?: string } = { label: spec.label };
  for (const key of ['source', 'target'] as const) {
    const filter = spec[key];
    if (filter === undefined) continue;
    if (typeof filter !== 'string' || filter.length === 0 || filter.length > 1024) throw new ConfigError(`${place}.${key}: expected a data identity (1 to 1024 characters)`);
    filters[key] = filter;
  }
  return { id: subscriptionId(process, filters), process, ...filters };
}

function httpRoutes(value: unknown, place: string, authorizers: ReadonlyMap<string, AuthorizerManifest>): HttpRouteManifest[] {
  let method: unknown;
  let path: unknown;
  let authorizer: RouteAuthorizer | undefined;
  if (typeof value === 'string') {
    if (value.trim() === '*') {
      path = '*';
    } else {
      const match = /^(\S+)\s+(\S+)$/.exec(value.trim());
      if (!match) throw new ConfigError(`${place}: '${value}' is not 'METHOD /path' nor '*'`);
      [, method, path] = match;
    }
  } else if (isPlainObject(value)) {
    assertKnownKeys(value, HTTP_API_EVENT_KEYS, place);
    ({ method, path } = value);
    if (path === undefined) throw new ConfigError(`${place}.path is required`);
    if (value.authorizer !== undefined) authorizer = parseRouteAuthorizer(value.authorizer, `${place}.authorizer`, authorizers);
  } else {
    throw new ConfigError(`${place}: expected 'METHOD /path', '*' or { method, path }`);
  }

  if (path === '*') {
    if (method !== undefined && method !== '*' && String(method).toUpperCase() !== 'ANY') {
      throw new ConfigError(`${place}: path '*' (the catch-all route) takes any method; omit method or use '*'`);
    }
    // API Gateway's `$default` route catches every request no other route
    // matches, the root included; `/{proxy+}` alone would miss `/`.
    return [
      { method: 'ANY', path: '/', ...(authorizer ? { authorizer } : {}) },
      { method: 'ANY', path: '/{proxy+}', ...(authorizer ? { authorizer } : {}) },
    ];
  }
  if (method === undefined) throw new ConfigError(`${place}.method is required`);
  const upper = String(method).toUpperCase();
  const resolvedMethod = (upper === '*' ? 'ANY' : upper) as HttpMethod;
  if (!HTTP_METHODS.has(resolvedMethod)) {
    throw new ConfigError(`${place}: '${String(method)}' is not an HTTP method (${[...HTTP_METHODS].join(', ')} or *)`);
  }
  if (typeof path !== 'string' || !path.startsWith('/') || /\s/.test(path)) {
    throw new ConfigError(`${place}: path ${JSON.stringify(path)} must start with '/' and contain no spaces`);
  }
  assertHttpRoutePath(path, `${resolvedMethod} ${path}`, place);
  return [{ method: resolvedMethod, path, ...(authorizer ? { authorizer } : {}) }];
}

function queueTrigger(value: unknown, place: string, scope: CloudFormationScope): QueueTriggerManifest & { external: boolean } {
  const settings = typeof value === 'string' ? { arn: value } : value;
  if (!isPlainObject(settings)) throw new ConfigError(`${place}: expected an ARN or { arn, batchSize, ... }`);
  if (Object.keys(settings).some((key) => key === 'Ref' || key.startsWith('Fn::'))) {
    // The Serverless Framework only takes a CloudFormation function under `arn`.
    throw new ConfigError(`${place}: write a CloudFormation ARN as { arn: ${JSON.stringify(settings)} }`);
  }
  assertKnownKeys(settings, SQS_EVENT_KEYS, place);
  if (settings.functionResponseType !== undefined && settings.functionResponseType !== 'ReportBatchItemFailures') {
    throw new ConfigError(`${place}.functionResponseType: only ReportBatchItemFailures is allowed (Sluice reports failed messages one by one)`);
  }
  const batchSize = integer(settings.batchSize, `${place}.batchSize`, 1, 10_000, 10);
  const maximumBatchingWindow = integer(settings.maximumBatchingWindow, `${place}.maximumBatchingWindow`, 0, 300, 0);
  assertBatchingWindow(batchSize, maximumBatchingWindow, place);
  const enabled = settings.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new ConfigError(`${place}.enabled must be true or false`);

  const queue = queueFromArn(settings.arn, scope);
  if (queue.kind === 'unknown') {
    throw new ConfigError(
      `${place}.arn: ${JSON.stringify(settings.arn)} does not designate a queue: use !GetAtt <Queue>.Arn of an AWS::SQS::Queue declared under resources, or a literal arn:aws:sqs:<region>:<account>:<name>`,
    );
  }
  return { queue: queue.name, batchSize, maximumBatchingWindow, enabled, external: queue.kind === 'external' };
}

function schedules(value: unknown, place: string, nextRule: (name: unknown, place: string) => string): ScheduleManifest[] {
  if (typeof value === 'string') return [{ rule: nextRule(undefined, place), expression: value, enabled: true, overlap: DEFAULT_OVERLAP }];
  if (!isPlainObject(value)) throw new ConfigError(`${place}: expected 'rate(...)', 'cron(...)' or { rate, ... }`);
  assertKnownKeys(value, SCHEDULE_EVENT_KEYS, place);
  const rates = Array.isArray(value.rate) ? value.rate : [value.rate];
  if (rates.length === 0 || rates.some((rate) => typeof rate !== 'string' || rate.trim() === '')) {
    throw new ConfigError(`${place}.rate: expected a 'rate(...)' / 'cron(...)' expression or a non-empty list of them`);
  }
  if (rates.length > 1 && value.name !== undefined) {
    throw new ConfigError(`${place}.name cannot be set with more than one rate expression (each becomes its own rule)`);
  }
  const enabled = booleanOption(value.enabled, `${place}.enabled`);
  const input = scheduleInput(value.input, `${place}.input`);
  const timezone = timezoneOption(value.timezone, `${place}.timezone`);
  const overlap = overlapOption(value.overlap, `${place}.overlap`);
  return (rates as string[]).map((expression) => ({
    rule: nextRule(value.name, place),
    expression,
    enabled,
    ...(input === undefined ? {} : { input }),
    ...(timezone === undefined ? {} : { timezone }),
    overlap,
  }));
}

function eventBridgeSchedule(value: unknown, place: string, nextRule: (name: unknown, place: string) => string): ScheduleManifest {
  if (!isPlainObject(value) || typeof value.schedule !== 'string') {
    throw new ConfigError(
      `${place}: only scheduled eventBridge events (with 'schedule') are supported on Sluice processes; event patterns and buses are not`,
    );
  }
  assertKnownKeys(value, EVENT_BRIDGE_EVENT_KEYS, place);
  const input = scheduleInput(value.input, `${place}.input`);
  return {
    rule: nextRule(value.name, place),
    expression: value.schedule,
    enabled: booleanOption(value.enabled, `${place}.enabled`),
    ...(input === undefined ? {} : { input }),
    overlap: overlapOption(value.overlap, `${place}.overlap`),
  };
}

/** An IANA time zone name, checked with `Intl` (what EventBridge Scheduler's ScheduleExpressionTimezone takes). */
function timezoneOption(raw: unknown, place: string): string | undefined {
  if (raw === undefined) return undefined;
  if (!isTimeZone(raw)) throw new ConfigError(`${place}: ${JSON.stringify(raw)} is not an IANA time zone name (such as 'Europe/Berlin')`);
  return raw;
}

function overlapOption(raw: unknown, place: string): OverlapPolicy {
  if (raw === undefined) return DEFAULT_OVERLAP;
  if (typeof raw !== 'string' || !(OVERLAP_POLICIES as readonly string[]).includes(raw)) {
    throw new ConfigError(`${place}: ${JSON.stringify(raw)} is not one of ${OVERLAP_POLICIES.join(', ')}`);
  }
  return raw as OverlapPolicy;
}

/**
 * The input the function receives. EventBridge takes `Input` as JSON text,
 * so a string input must be JSON; `{ body: '<json>' }` has its body parsed,
 * as the Serverless Framework does.
 */
function scheduleInput(raw: unknown, place: string): unknown {
  if (raw === undefined) return undefined;
  if (typeof raw === 'string') {
    try {
      return JSON.parse(raw) as unknown;
    } catch (cause) {
      throw new ConfigError(`${place}: a string input must be JSON text (EventBridge passes it as JSON)`, { cause });
    }
  }
  if (isPlainObject(raw) && typeof raw.body === 'string') {
    try {
      return { ...raw, body: JSON.parse(raw.body) as unknown };
    } catch (cause) {
      throw new ConfigError(`${place}.body: must be JSON text`, { cause });
    }
  }
  return raw;
}

function booleanOption(raw: unknown, place: string): boolean {
  if (raw === undefined) return true;
  if (typeof raw !== 'boolean') throw new ConfigError(`${place} must be true or false`);
  return raw;
}

function integer(raw: unknown, place: string, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${place}: ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
  }
  return value;
}

/** EventBridge rule names: 1 to 64 of `A-Z a-z 0-9 . - _`. */
const MAX_RULE_NAME = 64;

/**
 * A schedule's rule name when the event gives none: `<function>-schedule-<n>`,
 * or, when that would pass EventBridge's 64 characters (a long function
 * name), the function name cut short and made unique again with 8
 * characters of its SHA-256: the same every time, so task ids and stored
 * schedule state stay put across deploys.
 */
export function defaultRuleName(functionName: string, n: number): string {
  const suffix = `-schedule-${n}`;
  const plain = `${functionName}${suffix}`;
  if (plain.length <= MAX_RULE_NAME) return plain;
  const hash = createHash('sha256').update(functionName).digest('hex').slice(0, 8);
  return `${functionName.slice(0, MAX_RULE_NAME - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}
