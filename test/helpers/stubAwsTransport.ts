import { Readable } from 'node:stream';

/** One request as the SDK put it on the wire (after serialisation and signing). */
export interface CapturedRequest {
  method: string;
  hostname: string;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  /** The body as sent (JSON text for the REST-JSON services), '' when none. */
  body: string;
  /** Parsed body, when it is JSON. */
  json: unknown;
}

/** An AWS-shaped answer: a status, headers (an error's type in `x-amzn-errortype`) and a JSON body. */
export interface CannedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A transport for the REAL AWS SDK v3 clients (`requestHandler`): every
 * request goes through the SDK's serialisers, endpoint resolution and
 * signing, is captured here, and is answered by `answer` with what AWS would
 * send (the SDK's deserialisers then read it). What is asserted is what AWS
 * would receive; nothing of the client is mocked.
 *
 * @example
 * const transport = new StubAwsTransport((req) => req.method === 'GET' ? { body: { Schedules: [] } } : { body: {} });
 * const client = new SchedulerClient({ region: 'eu-west-1', credentials, requestHandler: transport });
 */
export class StubAwsTransport {
  readonly requests: CapturedRequest[] = [];

  constructor(public answer: (request: CapturedRequest) => CannedResponse) {}

  async handle(request: { method: string; hostname: string; path: string; query?: Record<string, string | string[] | null>; headers: Record<string, string>; body?: unknown }): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }> {
    const body = typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : '';
    let json: unknown;
    try {
      json = body === '' ? undefined : JSON.parse(body);
    } catch {
      json = undefined;
    }
    const captured: CapturedRequest = { method: request.method, hostname: request.hostname, path: request.path, query: { ...(request.query ?? {}) }, headers: { ...request.headers }, body, json };
    this.requests.push(captured);
    const canned = this.answer(captured);
    const text = canned.body === undefined ? '' : JSON.stringify(canned.body);
    return {
      response: {
        statusCode: canned.status ?? 200,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': `req-${this.requests.length}`, ...(canned.headers ?? {}) },
        body: Readable.from([Buffer.from(text)]),
      },
    };
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  /** The requests other than `ListSchedules` / `ListEventSourceMappings` reads (the writes). */
  writes(): CapturedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }
}

/** An AWS error reply of a REST-JSON service. */
export function awsError(status: number, type: string, message: string): CannedResponse {
  return { status, headers: { 'x-amzn-errortype': type }, body: { message, Message: message } };
}

/** Static test credentials, so requests are signed as in AWS. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
