import { ConfigError } from '../errors.js';
import type { DataEvent } from './DataEvent.js';

/**
 * A process's subscription to data events (`- dataEvent: { label, source?, target? }`
 * in serverless.yml): every published event it matches becomes one task of
 * the process (trigger type `event`).
 */
export interface EventSubscription {
  /**
   * Stable across restarts and deploys (derived from the process and the
   * filters): with the event id it makes the subscriber's task id, so a
   * redelivered event runs nothing twice.
   */
  id: string;
  process: string;
  /** An exact label, `prefix.*` (labels under `prefix.`), or `*` (every label). */
  label: string;
  /** When given, the event's `source` must equal it. */
  source?: string;
  /** When given, the event's `target` must equal it. */
  target?: string;
}

/** Default of `custom.sluice.events.maxChainDepth`: as Lambda's recursive-loop detection, which stops a loop after about 16 invocations. */
export const DEFAULT_MAX_CHAIN_DEPTH = 16;

const LABEL_PATTERN = /^(\*|[^*\u0000-\u001f\u007f]{1,256}|[^*\u0000-\u001f\u007f]{1,254}\.\*)$/;

/**
 * Checks a subscription's label pattern.
 * @throws {ConfigError} naming `place`
 */
export function assertLabelPattern(label: unknown, place: string): asserts label is string {
  if (label === undefined) throw new ConfigError(`${place} is required: an exact label, 'prefix.*' or '*'`);
  if (typeof label !== 'string' || !LABEL_PATTERN.test(label)) {
    throw new ConfigError(`${place}: ${JSON.stringify(label)} is not a label pattern: an exact label, 'prefix.*' or '*' (1 to 256 characters, '*' only at the end after a '.')`);
  }
}

/** The subscription's stable id (see {@link EventSubscription.id}). */
export function subscriptionId(process: string, filters: { label: string; source?: string; target?: string }): string {
  return [process, filters.label, filters.source ?? '', filters.target ?? ''].map(encodeURIComponent).join(':');
}

/** Whether `event` matches `subscription`'s label pattern and source/target filters. */
export function matchesSubscription(subscription: EventSubscription, event: Pick<DataEvent, 'label' | 'source' | 'target'>): boolean {
  if (subscription.source !== undefined && subscription.source !== event.source) return false;
  if (subscription.target !== undefined && subscription.target !== event.target) return false;
  const { label } = subscription;
  if (label === '*') return true;
  if (label.endsWith('.*')) return event.label.startsWith(label.slice(0, -1)) && event.label.length > label.length - 1;
  return event.label === label;
}
