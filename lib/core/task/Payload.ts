/**
 * The trigger payload a logic sees as `ctx.payload`, normalised so that the
 * same process code runs unchanged behind every trigger and on every runtime.
 */

export interface HttpPayload {
  type: 'http';
  method: string;
  /** The request path, without the query string. */
  path: string;
  /** The route template that matched, e.g. `/customers/{id}/sync`. */
  route: string;
  pathParameters: Record<string, string>;
  /** Query parameters; repeated keys are joined with `,` (as API Gateway v2 does). */
  query: Record<string, string>;
  /** Header names are lower-case. */
  headers: Record<string, string>;
  /** JSON bodies parsed, form bodies as an object, text as a string, none as `undefined`. */
  body: unknown;
  /** Who the route's authorizer let in (API Gateway's `requestContext.authorizer`); absent on an unprotected route. */
  auth?: HttpAuth;
}

/**
 * What a route's authorizer established, as API Gateway HTTP API passes it
 * (`requestContext.authorizer`): the JWT's claims and scopes, the context a
 * Lambda authorizer returned, or the IAM caller.
 */
export type HttpAuth =
  | { type: 'jwt'; claims: Record<string, unknown>; scopes: string[] }
  | { type: 'lambda'; context: Record<string, unknown> }
  | { type: 'iam'; accessKey: string; accountId?: string; userArn?: string; callerId?: string };

export interface QueuePayload {
  type: 'queue';
  queue: string;
  messageId: string;
  /** The body, parsed as JSON when it is JSON, otherwise the raw string. */
  body: unknown;
  /** String message attributes. */
  attributes: Record<string, string>;
  /** How many times the message has been received, this delivery included. */
  receiveCount: number;
  sentAt: string;
}

export interface SchedulePayload {
  type: 'schedule';
  rule: string;
  /** When the schedule was due (ISO-8601 UTC). */
  scheduledTime: string;
  /** The `input` declared on the schedule event, if any. */
  input: unknown;
}

export interface ApiPayload {
  type: 'api';
  /** The `payload` given to `POST /sluice/tasks`. */
  body: unknown;
}

/** A task of a process subscribed to data events: the published event that matched. */
export interface EventPayload {
  type: 'event';
  /** The id of the subscription that matched (see `EventSubscription.id`). */
  subscription: string;
  event: DataEvent;
}

export type Payload = HttpPayload | QueuePayload | SchedulePayload | ApiPayload | EventPayload;

import type { DataEvent } from '../events/DataEvent.js';

/**
 * The part of a payload that the process's `input` schema validates and that
 * logics get as `ctx.input`: the body for HTTP (or the query when there is no
 * body), API and queue triggers, the declared input for schedules; for a
 * data event, the event — or its `meta` when the process declares an input
 * schema (`declaresInput`), which then validates it.
 */
export function inputOf(payload: Payload, declaresInput = false): unknown {
  switch (payload.type) {
    case 'http':
      return payload.body === undefined ? payload.query : payload.body;
    case 'queue':
    case 'api':
      return payload.body;
    case 'schedule':
      return payload.input;
    case 'event':
      return declaresInput ? payload.event.meta : payload.event;
  }
}
