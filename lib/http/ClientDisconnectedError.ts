import { SluiceError } from '../core/errors.js';

/**
 * The client went away before its request body was read whole: nobody is
 * left to answer, and nothing failed on our side, so it is neither a 500
 * nor an error in the runtime's log.
 */
export class ClientDisconnectedError extends SluiceError {
  override name = 'ClientDisconnectedError';
}
