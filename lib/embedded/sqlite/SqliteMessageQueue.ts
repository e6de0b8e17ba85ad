import { assertPageLimit } from '../../core/pageLimit.js';
import { validationErrorOf } from '../../core/validationIssues.js';
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { UnknownQueueError, ValidationError } from '../../core/errors.js';
import { type Clock } from '../../core/ports/Clock.js';
import { systemClock } from '../../core/time/systemClock.js';
import { isoTime } from '../../core/time/isoTime.js';
import type { MessageQueue, OutgoingMessage, QueueSpec, QueueStats, ReceivedMessage, ReceiveOptions } from '../../core/ports/MessageQueue.js';
import { TASK_ID_ATTRIBUTE } from '../../core/ports/TaskDispatcher.js';
import { checkOutgoingMessage, SQS_MAX_RECEIVE_MESSAGES } from '../../core/queue/sqsRules.js';
import { GroupCommit } from './GroupCommit.js';
import { type MessageQueueSql, type PeekRow, prepareMessageQueueSql, type QueueRow, type ReadyRow } from './messageQueueSql.js';
import { decodeCursor, encodeCursor } from '../../core/pageCursor.js';
import {
  checkSeconds,
  type DeadLetterEvent,
  type DeadLetterOutcome,
  MAX_VISIBILITY_SECONDS,
  MAX_WAIT_SECONDS,
  type MessageState,
  parseAttributes,
  parseReceipt,
  type PeekedMessage,
  type PeekPage,
  peekCursor,
  queueSpecSchema,
} from './queueMessages.js';
import { QueueWakeups } from './QueueWakeups.js';

export type { DeadLetterEvent, DeadLetterOutcome, MessageState, PeekedMessage, PeekPage } from './queueMessages.js';

/** Options of {@link SqliteMessageQueue}. */
export interface SqliteMessageQueueOptions {
  /** Visibility, delays, retention and long-poll timers. @default systemClock */
  clock?: Clock;
  /** Receives what an `onAvailable` / `onDeadLetter` listener throws. @default process.emitWarning */
  onListenerError?: (error: unknown) => void;
}

interface QueueInfo {
  id: number;
  name: string;
  visibilityMs: number;
  retentionMs: number;
  deadLetter?: { queue: string; maxReceiveCount: number };
}

interface QueueState {
  info: QueueInfo;
  wakeups: QueueWakeups;
}

/**
 * The embedded runtime's {@link MessageQueue} on SQLite, with SQS semantics:
 *
 * - A receive hides the message for the visibility timeout (the queue's, or
 *   the receive's) and counts the receive; a message not deleted in time is
 *   delivered again. Each receive issues a new receipt handle; an older
 *   handle no longer deletes or changes the message (a stale `delete` is a
 *   no-op, as in SQS, so a slow consumer cannot delete a message that
 *   another delivery now owns).
 * - A receive that finds a message whose receive count reached the queue's
 *   `maxReceiveCount` moves it, intact (id, body, attributes, sent time), to
 *   the dead-letter queue, where it is an ordinary message that keeps its
 *   receive count (SQS keeps `ApproximateReceiveCount`: a dead letter shows
 *   how often it was tried; a redrive back starts it at 0), and notifies
 *   {@link SqliteMessageQueue.onDeadLetter}.
 * - Messages older than the queue's retention (counted from the original
 *   send, also in the dead-letter queue, as SQS does) are never delivered,
 *   and {@link SqliteMessageQueue.purgeExpired} deletes them.
 * - Long polls and {@link SqliteMessageQueue.onAvailable} listeners wake on a
 *   send, and on a timer of the injected clock when a delayed or in-flight
 *   message becomes visible: no busy polling.
 *
 * Times are whole seconds at the API, as in SQS, and epoch milliseconds in
 * the database. Every operation is a few prepared statements, atomic. The
 * promise-returning methods use the connection's {@link GroupCommit} (they
 * resolve once their writes are durable; many operations of one event-loop
 * turn share a commit); the `*Sync` and embedded-only methods are durable
 * on return. Queues must be declared ({@link SqliteMessageQueue.declare})
 * before use; declarations persist in the database.
 *
 * @example
 * const queues = new SqliteMessageQueue(db, { clock });
 * queues.declare([{ name: 'orders', visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345_600 }]);
 * await queues.send('orders', { body: '{"id":1}' });
 * const [message] = await queues.receive('orders', { maxMessages: 1, waitTimeSeconds: 20 });
 */
export class SqliteMessageQueue implements MessageQueue {
  readonly #db: Database.Database;
  readonly #clock: Clock;
  readonly #commits: GroupCommit;
  readonly #onListenerError: (error: unknown) => void;
  readonly #byName = new Map<string, QueueState>();
  readonly #byId = new Map<number, QueueState>();
  readonly #deadLetterListeners = new Set<(event: DeadLetterEvent) => void>();
  readonly #sql: MessageQueueSql;
  readonly #receiveTransaction: (state: QueueState, max: number, visibilityMs: number) => { messages: ReceivedMessage[]; dead: DeadLetterEvent[] };

  constructor(db: Database.Database, options: SqliteMessageQueueOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#commits = GroupCommit.for(db);
    this.#onListenerError =
      options.onListenerError ?? ((error) => process.emitWarning(error instanceof Error ? error : new Error(String(error))));
    this.#sql = prepareMessageQueueSql(db);
    this.#receiveTransaction = db.transaction((state: QueueState, max: number, visibilityMs: number) =>
      this.#receiveInTransaction(state, max, visibilityMs),
    );
    for (const row of db.prepare('SELECT * FROM queues').all() as QueueRow[]) this.#register(row);
  }

  /**
   * Creates the queues, or updates the settings of existing ones
   * (idempotent). A dead-letter queue must be declared in the same call or
   * before.
   *
   * @throws {ValidationError} on an invalid spec (SQS ranges)
   * @throws {UnknownQueueError} when a dead-letter queue is not declared
   */
  declare(specs: readonly QueueSpec[]): void {
    const parsed = specs.map((spec, index) => {
      const result = queueSpecSchema.safeParse(spec);
      if (result.success) return result.data;
      throw validationErrorOf(result.error, 'queue declaration', [index]);
    });
    const declareAll = this.#db.transaction(() => {
      const declared = parsed.map(
        (spec) =>
          this.#sql.upsertQueue.get(
            spec.name,
            spec.visibilityTimeoutSeconds * 1000,
            spec.messageRetentionSeconds * 1000,
            spec.deadLetter?.queue ?? null,
            spec.deadLetter?.maxReceiveCount ?? null,
          ) as QueueRow,
      );
      const names = new Set([...this.#byName.keys(), ...parsed.map((spec) => spec.name)]);
      for (const spec of parsed) {
        if (spec.deadLetter && !names.has(spec.deadLetter.queue)) throw new UnknownQueueError(spec.deadLetter.queue);
      }
      return declared;
    });
    const rows = this.#commits.runNow(() => declareAll());
    for (const row of rows) this.#register(row);
  }

  /** The declared queue names. */
  queueNames(): string[] {
    return [...this.#byName.keys()];
  }

  send(queue: string, message: OutgoingMessage): Promise<{ messageId: string }> {
    return this.#commits.run(() => this.#sendNow(queue, message));
  }

  /** {@link MessageQueue.send}, synchronously; durable on return (joins an enclosing `db.transaction`). */
  sendSync(queue: string, message: OutgoingMessage): { messageId: string } {
    return this.#commits.runNow(() => this.#sendNow(queue, message));
  }

  #sendNow(queue: string, message: OutgoingMessage): { messageId: string } {
    const state = this.#state(queue);
    // The same rules as SQS itself (characters, attributes, size, delay), from the one shared module.
    checkOutgoingMessage(message);
    const delaySeconds = message.delaySeconds ?? 0;
    const now = this.#clock.now();
    const messageId = randomUUID();
    const attributes = message.attributes;
    const visibleAt = now + delaySeconds * 1000;
    this.#sql.insert.run(
      state.info.id,
      messageId,
      message.body,
      attributes ? JSON.stringify(attributes) : null,
      attributes?.[TASK_ID_ATTRIBUTE] ?? null,
      now,
      now,
      visibleAt,
    );
    if (visibleAt > now) state.wakeups.visibleAt(visibleAt);
    else state.wakeups.notify();
    return { messageId };
  }

  async receive(queue: string, options: ReceiveOptions): Promise<ReceivedMessage[]> {
    const state = this.#state(queue);
    const { maxMessages, waitTimeSeconds = 0 } = options;
    if (!Number.isInteger(maxMessages) || maxMessages < 1 || maxMessages > SQS_MAX_RECEIVE_MESSAGES) {
      throw new ValidationError('invalid receive options', [{ path: 'maxMessages', message: `must be an integer from 1 to ${SQS_MAX_RECEIVE_MESSAGES}` }]);
    }
    checkSeconds('waitTimeSeconds', waitTimeSeconds, MAX_WAIT_SECONDS);
    const visibilitySeconds = options.visibilityTimeoutSeconds;
    if (visibilitySeconds !== undefined) checkSeconds('visibilityTimeoutSeconds', visibilitySeconds, MAX_VISIBILITY_SECONDS);
    const visibilityMs = visibilitySeconds === undefined ? state.info.visibilityMs : visibilitySeconds * 1000;
    // Synchronous up to the waiter's registration: a send in between cannot slip past unnoticed.
    const attempt = () => this.#commits.join(() => this.#receiveNow(state, maxMessages, visibilityMs));
    const first = attempt();
    const got = first.length > 0 || waitTimeSeconds === 0 ? first : await state.wakeups.wait(attempt, waitTimeSeconds * 1000);
    // Hand messages out only once their receive is durable.
    await this.#commits.durable();
    return got;
  }

  async delete(queue: string, receiptHandle: string): Promise<void> {
    await this.#commits.run(() => this.#deleteNow(queue, receiptHandle));
  }

  /**
   * {@link MessageQueue.delete}, synchronously. A handle from an earlier
   * receive (the message was received again since) deletes nothing, as in SQS.
   *
   * @returns whether a message was deleted
   */
  deleteSync(queue: string, receiptHandle: string): boolean {
    return this.#commits.runNow(() => this.#deleteNow(queue, receiptHandle));
  }

  #deleteNow(queue: string, receiptHandle: string): boolean {
    const state = this.#state(queue);
    return this.#sql.deleteByReceipt.run(parseReceipt(receiptHandle), state.info.id, receiptHandle).changes === 1;
  }

  async changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void> {
    await this.#commits.run(() => this.#changeVisibilityNow(queue, receiptHandle, visibilityTimeoutSeconds));
  }

  /**
   * {@link MessageQueue.changeVisibility}, synchronously: the message becomes
   * visible that many seconds from now. A stale handle changes nothing.
   *
   * @returns whether a message was changed
   */
  changeVisibilitySync(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): boolean {
    return this.#commits.runNow(() => this.#changeVisibilityNow(queue, receiptHandle, visibilityTimeoutSeconds));
  }

  #changeVisibilityNow(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): boolean {
    const state = this.#state(queue);
    checkSeconds('visibilityTimeoutSeconds', visibilityTimeoutSeconds, MAX_VISIBILITY_SECONDS);
    const visibleAt = this.#clock.now() + visibilityTimeoutSeconds * 1000;
    const changed = this.#sql.changeVisibility.run(visibleAt, parseReceipt(receiptHandle), state.info.id, receiptHandle).changes === 1;
    if (changed && visibilityTimeoutSeconds === 0) state.wakeups.notify();
    else if (changed) state.wakeups.visibleAt(visibleAt);
    return changed;
  }

  /**
   * Hands a received message back, to be delivered again in `delaySeconds`
   * (0..43200): the embedded twin of `ChangeMessageVisibility` to a retry's
   * delay followed by a batch item failure. Unlike a visibility change it
   * ends the receive (the handle goes stale), so the message counts as
   * `delayed`, not in flight, and a restart, which releases in-flight
   * messages at once, leaves its delay alone. A stale handle changes nothing.
   *
   * @returns whether a message was changed
   */
  async retryLater(queue: string, receiptHandle: string, delaySeconds: number): Promise<boolean> {
    return this.#commits.run(() => {
      const state = this.#state(queue);
      checkSeconds('delaySeconds', delaySeconds, MAX_VISIBILITY_SECONDS);
      const visibleAt = this.#clock.now() + delaySeconds * 1000;
      const changed = this.#sql.retryLater.run(visibleAt, parseReceipt(receiptHandle), state.info.id, receiptHandle).changes === 1;
      if (changed && delaySeconds === 0) state.wakeups.notify();
      else if (changed) state.wakeups.visibleAt(visibleAt);
      return changed;
    });
  }

  deadLetter(queue: string, receiptHandle: string): Promise<DeadLetterOutcome> {
    return this.#commits.run(() => this.#deadLetterNow(queue, receiptHandle));
  }

  /**
   * Ends a received message's life in its queue now, without waiting for
   * `maxReceiveCount` receives (a task that must not be retried, or that
   * used up its own `maxAttempts`): moves it, intact, to the queue's
   * dead-letter queue (notifying {@link SqliteMessageQueue.onDeadLetter}),
   * or deletes it when the queue has none. A stale handle changes nothing.
   */
  deadLetterSync(queue: string, receiptHandle: string): DeadLetterOutcome {
    return this.#commits.runNow(() => this.#deadLetterNow(queue, receiptHandle));
  }

  #deadLetterNow(queue: string, receiptHandle: string): DeadLetterOutcome {
    const state = this.#state(queue);
    const seq = parseReceipt(receiptHandle);
    const deadLetter = state.info.deadLetter && this.#byName.get(state.info.deadLetter.queue);
    const event = this.#db.transaction((): DeadLetterEvent | DeadLetterOutcome => {
      const row = this.#sql.byReceipt.get(seq, state.info.id, receiptHandle) as ReadyRow | undefined;
      if (!row) return 'stale';
      if (!deadLetter) {
        this.#sql.drop.run(seq);
        return 'deleted';
      }
      this.#sql.moveToDeadLetter.run(deadLetter.info.id, state.info.id, this.#clock.now(), seq);
      return deadLetterEvent(state, deadLetter, row);
    })();
    if (typeof event === 'string') return event;
    this.#afterDeadLetter([event]);
    return 'moved';
  }

  async stats(queue: string): Promise<QueueStats> {
    this.#state(queue);
    await this.#commits.settled();
    return this.statsSync(queue);
  }

  /** {@link MessageQueue.stats}, synchronously. */
  statsSync(queue: string): QueueStats {
    const state = this.#state(queue);
    const now = this.#clock.now();
    return this.#sql.stats.get({ now, queue: state.info.id, expiredBefore: now - state.info.retentionMs }) as QueueStats;
  }

  /**
   * Calls `listener` (without arguments) whenever messages may have become
   * receivable in `queue`: after a send, when a delayed or in-flight message
   * becomes visible, after a release or a redrive. Wake-ups may be spurious;
   * a poller receives until the queue is empty, then sleeps until called.
   * Messages already visible when subscribing are not announced: subscribe
   * first, then receive. Listeners must not throw.
   *
   * @returns unsubscribe
   */
  onAvailable(queue: string, listener: () => void): () => void {
    return this.#state(queue).wakeups.listen(listener);
  }

  /**
   * Calls `listener` synchronously after a receive moved a message to a
   * dead-letter queue (e.g. to end its task as failed). Listeners must not throw.
   *
   * @returns unsubscribe
   */
  onDeadLetter(listener: (event: DeadLetterEvent) => void): () => void {
    this.#deadLetterListeners.add(listener);
    return () => this.#deadLetterListeners.delete(listener);
  }

  /**
   * Lists the messages of a queue, oldest first, without receiving them
   * (nothing changes). For inspecting dead-letter queues.
   *
   * @throws {ValidationError} on a limit outside 1..100 or a malformed cursor
   */
  peek(queue: string, options: { limit?: number; cursor?: string } = {}): PeekPage {
    const state = this.#state(queue);
    const limit = options.limit ?? 10;
    assertPageLimit(limit, 'peek options');
    const after = options.cursor === undefined ? 0 : decodeCursor(options.cursor, peekCursor);
    const now = this.#clock.now();
    const rows = this.#sql.peek.all(state.info.id, now - state.info.retentionMs, after, limit + 1) as PeekRow[];
    const items = rows.slice(0, limit).map((row) => this.#peeked(row, now));
    const last = rows[limit - 1];
    return rows.length > limit && last ? { items, nextCursor: encodeCursor(last.seq) } : { items };
  }

  /** One message of a queue by its id, without receiving it; `undefined` when absent or expired. */
  peekMessage(queue: string, messageId: string): PeekedMessage | undefined {
    const state = this.#state(queue);
    const now = this.#clock.now();
    const row = this.#sql.peekById.get(state.info.id, messageId, now - state.info.retentionMs) as PeekRow | undefined;
    return row ? this.#peeked(row, now) : undefined;
  }

  /**
   * Deletes one message by its id, as an operator does in a console (no
   * receipt handle): only while it is not in flight. For dead letters whose
   * task was replayed.
   *
   * @returns whether it was deleted
   */
  async deleteMessage(queue: string, messageId: string): Promise<boolean> {
    const id = this.#state(queue).info.id;
    return this.#commits.run(() => this.#sql.deleteVisibleById.run(id, messageId, this.#clock.now()).changes === 1);
  }

  /**
   * Makes every in-flight message (of `queue`, or of all queues) visible
   * again at once, without counting a receive, and invalidates their
   * receipt handles. For start-up after a crash: the consumers that held
   * them are gone with the previous process, which was the database's only
   * owner. Delayed messages stay delayed.
   *
   * @returns how many messages were released
   */
  releaseInFlight(queue?: string): number {
    const now = this.#clock.now();
    const id = queue === undefined ? undefined : this.#state(queue).info.id;
    const rows = this.#commits.runNow(() =>
      id === undefined ? this.#sql.releaseAll.all({ now }) : this.#sql.releaseQueue.all({ now, queue: id }),
    ) as Array<{ queue_id: number }>;
    for (const id of new Set(rows.map((row) => row.queue_id))) this.#byId.get(id)?.wakeups.notify();
    return rows.length;
  }

  /**
   * Moves messages from a dead-letter queue back (as SQS
   * StartMessageMoveTask): to `target`, or by default to the queue each
   * message died in. Moved messages are visible at once, with a receive
   * count of 0 and a fresh retention period. In-flight messages and
   * messages with nowhere to go stay.
   *
   * @returns how many messages were moved
   * @throws {UnknownQueueError} when `deadLetterQueue` or `target` is not declared
   */
  redrive(deadLetterQueue: string, options: { target?: string; max?: number } = {}): number {
    const source = this.#state(deadLetterQueue);
    const target = options.target === undefined ? undefined : this.#state(options.target);
    const now = this.#clock.now();
    const touched = new Set<QueueState>();
    const redriveAll = this.#db.transaction(() => {
      const rows = this.#sql.redriveCandidates.all(source.info.id, now, now - source.info.retentionMs, options.max ?? -1) as Array<{
        seq: number;
        origin_queue_id: number | null;
      }>;
      let count = 0;
      for (const row of rows) {
        const destination = target ?? (row.origin_queue_id === null ? undefined : this.#byId.get(row.origin_queue_id));
        if (!destination || destination === source) continue;
        this.#sql.redriveOne.run(destination.info.id, now, now, row.seq);
        touched.add(destination);
        count++;
      }
      return count;
    });
    const moved = this.#commits.runNow(() => redriveAll());
    for (const state of touched) state.wakeups.notify();
    return moved;
  }

  /**
   * Deletes every message of a queue.
   *
   * @returns how many messages were deleted
   */
  purge(queue: string): number {
    const id = this.#state(queue).info.id;
    return this.#commits.runNow(() => this.#sql.purge.run(id).changes);
  }

  /**
   * Deletes the messages older than their queue's retention period (they are
   * already invisible to receives, stats and peek).
   *
   * @returns how many messages were deleted
   */
  purgeExpired(): number {
    const now = this.#clock.now();
    const purgeAll = this.#db.transaction(() => {
      let deleted = 0;
      for (const state of this.#byName.values()) deleted += this.#sql.purgeExpired.run(state.info.id, now - state.info.retentionMs).changes;
      return deleted;
    });
    return this.#commits.runNow(() => purgeAll());
  }

  /** Ends pending long polls with no messages and drops listeners and timers. Does not close the database. */
  close(): void {
    for (const state of this.#byName.values()) state.wakeups.close();
    this.#deadLetterListeners.clear();
  }

  #receiveNow(state: QueueState, max: number, visibilityMs: number): ReceivedMessage[] {
    const { messages, dead } = this.#receiveTransaction(state, max, visibilityMs);
    if (messages.length > 0) state.wakeups.visibleAt(this.#clock.now() + visibilityMs);
    this.#afterDeadLetter(dead);
    return messages;
  }

  #afterDeadLetter(dead: readonly DeadLetterEvent[]): void {
    for (const event of dead) {
      this.#byName.get(event.deadLetterQueue)?.wakeups.notify();
      for (const listener of [...this.#deadLetterListeners]) {
        try {
          listener(event);
        } catch (error) {
          this.#onListenerError(error);
        }
      }
    }
  }

  #receiveInTransaction(state: QueueState, max: number, visibilityMs: number): { messages: ReceivedMessage[]; dead: DeadLetterEvent[] } {
    const { info } = state;
    const now = this.#clock.now();
    const expiredBefore = now - info.retentionMs;
    const deadLetter = info.deadLetter && this.#byName.get(info.deadLetter.queue);
    const messages: ReceivedMessage[] = [];
    const dead: DeadLetterEvent[] = [];
    for (;;) {
      const rows = this.#sql.ready.all(info.id, now, max - messages.length) as ReadyRow[];
      let skipped = 0;
      for (const row of rows) {
        if (row.retain_from <= expiredBefore) {
          this.#sql.drop.run(row.seq);
          skipped++;
        } else if (info.deadLetter && deadLetter && row.receive_count >= info.deadLetter.maxReceiveCount) {
          this.#sql.moveToDeadLetter.run(deadLetter.info.id, info.id, now, row.seq);
          dead.push(deadLetterEvent(state, deadLetter, row));
          skipped++;
        } else {
          const receiptHandle = `${row.seq}.${randomUUID()}`;
          this.#sql.markReceived.run(now + visibilityMs, receiptHandle, row.seq);
          messages.push({
            messageId: row.message_id,
            receiptHandle,
            body: row.body,
            attributes: parseAttributes(row.attributes),
            receiveCount: row.receive_count + 1,
            sentAt: isoTime(row.sent_at),
          });
        }
      }
      // Refill only what dropped or moved rows took from the batch. With a visibility
      // timeout of 0 the received rows are still ready, so a second query would return them again.
      if (skipped === 0 || messages.length >= max || visibilityMs === 0) break;
    }
    return { messages, dead };
  }

  #peeked(row: PeekRow, now: number): PeekedMessage {
    const state: MessageState = row.visible_at <= now ? 'visible' : row.held ? 'inFlight' : 'delayed';
    const origin = row.origin_queue_id === null ? undefined : this.#byId.get(row.origin_queue_id)?.info.name;
    return {
      messageId: row.message_id,
      body: row.body,
      attributes: parseAttributes(row.attributes),
      receiveCount: row.receive_count,
      sentAt: isoTime(row.sent_at),
      state,
      visibleAt: isoTime(row.visible_at),
      ...(origin === undefined ? {} : { originQueue: origin }),
    };
  }

  #register(row: QueueRow): void {
    const info: QueueInfo = {
      id: row.id,
      name: row.name,
      visibilityMs: row.visibility_timeout_ms,
      retentionMs: row.retention_ms,
      ...(row.dead_letter_queue === null ? {} : { deadLetter: { queue: row.dead_letter_queue, maxReceiveCount: row.max_receive_count ?? 1 } }),
    };
    const existing = this.#byId.get(row.id);
    if (existing) {
      existing.info = info;
      return;
    }
    const wakeups = new QueueWakeups(
      this.#clock,
      {
        nextVisibleAt: (now) => (this.#sql.nextVisible.get(info.id, now) as { at: number | null }).at ?? undefined,
        hasVisible: (now) => this.#sql.hasVisible.get(info.id, now) !== undefined,
      },
      this.#onListenerError,
    );
    const state: QueueState = { info, wakeups };
    this.#byName.set(row.name, state);
    this.#byId.set(row.id, state);
  }

  #state(queue: string): QueueState {
    const state = this.#byName.get(queue);
    if (!state) throw new UnknownQueueError(queue);
    return state;
  }
}

function deadLetterEvent(from: QueueState, to: QueueState, row: ReadyRow): DeadLetterEvent {
  return {
    queue: from.info.name,
    deadLetterQueue: to.info.name,
    messageId: row.message_id,
    body: row.body,
    attributes: parseAttributes(row.attributes),
    receiveCount: row.receive_count,
  };
}
