import type Database from 'better-sqlite3';

/** A queue's row in `queues`. */
export interface QueueRow {
  id: number;
  name: string;
  visibility_timeout_ms: number;
  retention_ms: number;
  dead_letter_queue: string | null;
  max_receive_count: number | null;
}

export interface ReadyRow {
  seq: number;
  message_id: string;
  body: string;
  attributes: string | null;
  sent_at: number;
  retain_from: number;
  receive_count: number;
}

export interface PeekRow extends ReadyRow {
  visible_at: number;
  origin_queue_id: number | null;
  /** 1 while a consumer holds it (a live receipt), 0 otherwise. */
  held: number;
}

type Statement = Database.Statement<unknown[], unknown>;

/** The prepared statements of `SqliteMessageQueue`, by name. */
export type MessageQueueSql = ReturnType<typeof prepareMessageQueueSql>;

/**
 * Prepares every statement the queue runs, once per connection: the hot
 * path (send, receive, delete) is prepared statements only. Times are epoch ms.
 */
export function prepareMessageQueueSql(db: Database.Database) {
  const prepare = (sql: string): Statement => db.prepare(sql);
  return {
    upsertQueue: prepare(
      `INSERT INTO queues (name, visibility_timeout_ms, retention_ms, dead_letter_queue, max_receive_count) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET visibility_timeout_ms = excluded.visibility_timeout_ms, retention_ms = excluded.retention_ms,
         dead_letter_queue = excluded.dead_letter_queue, max_receive_count = excluded.max_receive_count
       RETURNING id, name, visibility_timeout_ms, retention_ms, dead_letter_queue, max_receive_count`,
    ),
    insert: prepare(
      `INSERT INTO messages (queue_id, message_id, body, attributes, task_id, sent_at, retain_from, visible_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    ready: prepare(
      `SELECT seq, message_id, body, attributes, sent_at, retain_from, receive_count FROM messages
       WHERE queue_id = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?`,
    ),
    markReceived: prepare('UPDATE messages SET receive_count = receive_count + 1, visible_at = ?, receipt = ? WHERE seq = ?'),
    drop: prepare('DELETE FROM messages WHERE seq = ?'),
    byReceipt: prepare(
      'SELECT seq, message_id, body, attributes, sent_at, retain_from, receive_count FROM messages WHERE seq = ? AND queue_id = ? AND receipt = ?',
    ),
    // The receive count moves with the message, as SQS keeps ApproximateReceiveCount (and the sent time) on a move to a DLQ; a redrive back resets it (SQS: a new message).
    moveToDeadLetter: prepare(
      'UPDATE messages SET queue_id = ?, origin_queue_id = ?, visible_at = ?, receipt = NULL WHERE seq = ?',
    ),
    deleteByReceipt: prepare('DELETE FROM messages WHERE seq = ? AND queue_id = ? AND receipt = ?'),
    changeVisibility: prepare('UPDATE messages SET visible_at = ? WHERE seq = ? AND queue_id = ? AND receipt = ?'),
    // A retry's delay: no consumer holds it any more (no receipt), so a restart's release leaves it waiting.
    retryLater: prepare('UPDATE messages SET visible_at = ?, receipt = NULL WHERE seq = ? AND queue_id = ? AND receipt = ?'),
    stats: prepare(
      `SELECT COALESCE(SUM(visible_at <= @now), 0) AS visible,
              COALESCE(SUM(visible_at > @now AND receipt IS NOT NULL), 0) AS inFlight,
              COALESCE(SUM(visible_at > @now AND receipt IS NULL), 0) AS delayed
       FROM messages WHERE queue_id = @queue AND retain_from > @expiredBefore`,
    ),
    nextVisible: prepare('SELECT MIN(visible_at) AS at FROM messages WHERE queue_id = ? AND visible_at > ?'),
    hasVisible: prepare('SELECT 1 FROM messages WHERE queue_id = ? AND visible_at <= ? LIMIT 1'),
    releaseAll: prepare('UPDATE messages SET visible_at = @now, receipt = NULL WHERE receipt IS NOT NULL AND visible_at > @now RETURNING queue_id'),
    releaseQueue: prepare(
      'UPDATE messages SET visible_at = @now, receipt = NULL WHERE queue_id = @queue AND receipt IS NOT NULL AND visible_at > @now RETURNING queue_id',
    ),
    peek: prepare(
      `SELECT seq, message_id, body, attributes, sent_at, retain_from, receive_count, visible_at, origin_queue_id, receipt IS NOT NULL AS held FROM messages
       WHERE queue_id = ? AND retain_from > ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    peekById: prepare(
      `SELECT seq, message_id, body, attributes, sent_at, retain_from, receive_count, visible_at, origin_queue_id, receipt IS NOT NULL AS held FROM messages
       WHERE queue_id = ? AND message_id = ? AND retain_from > ?`,
    ),
    // Not while a consumer holds it (a live receipt, not yet expired): that receive decides its fate.
    deleteVisibleById: prepare('DELETE FROM messages WHERE queue_id = ? AND message_id = ? AND (receipt IS NULL OR visible_at <= ?)'),
    redriveCandidates: prepare(
      'SELECT seq, origin_queue_id FROM messages WHERE queue_id = ? AND visible_at <= ? AND retain_from > ? ORDER BY seq LIMIT ?',
    ),
    redriveOne: prepare(
      'UPDATE messages SET queue_id = ?, origin_queue_id = NULL, visible_at = ?, retain_from = ?, receive_count = 0, receipt = NULL WHERE seq = ?',
    ),
    purge: prepare('DELETE FROM messages WHERE queue_id = ?'),
    purgeExpired: prepare('DELETE FROM messages WHERE queue_id = ? AND retain_from <= ?'),
  };
}
