import { ClientDisconnectedError } from './ClientDisconnectedError.js';
import { errorReply, jsonReply, type HttpReply } from './httpResponses.js';

/**
 * The reply to a request that failed around its work, shared by every
 * edge: {@link errorReply}, with the cause of a 500 handed to `log` (the
 * reply hides it). A client that disconnected gets no log line: there is
 * no failure, and the reply is never written.
 *
 * @param what names the request in the log, e.g. `POST /sluice/tasks`, `sync task of 'echo'`
 */
export function failureReply(error: unknown, log: ((error: unknown, what: string) => void) | undefined, what: string): HttpReply {
  if (error instanceof ClientDisconnectedError) return jsonReply(400, { error: error.name, message: error.message });
  const reply = errorReply(error);
  if (reply.status >= 500) log?.(error, what);
  return reply;
}
