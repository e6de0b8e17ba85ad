/**
 * The embedded runtime's SQLite schema, as an ordered list of migrations.
 *
 * A database records the migrations applied to it in `schema_version`; on
 * open, {@link migrate} applies the missing ones, each in its own
 * transaction. Never edit a released migration: append a new one.
 *
 * Layout decisions (why):
 * - `tasks` keeps the columns that are filtered and sorted on (process,
 *   status, created_at, expires_at) next to the record itself, split in two
 *   JSON columns: `summary` (the record without result and logs, what `list`
 *   returns) and `detail` (`{ result?, logs }`, last in the row). Listing
 *   then never reads results, which may be megabytes each.
 * - `messages.visible_at` (epoch ms) alone encodes a message's state:
 *   `<= now` visible; `> now` in flight (`receive_count > 0`) or delayed
 *   (`receive_count = 0`).
 * - `messages.seq` (the rowid) orders messages and identifies them in receipt
 *   handles; `message_id` is the SQS-style id shown to consumers.
 * - `messages.task_id` copies the `sluice-task-id` attribute, so recovery
 *   can tell which unfinished tasks still have a message that will deliver them.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'tasks, queues, messages',
    sql: `
      CREATE TABLE tasks (
        task_id    TEXT PRIMARY KEY,
        process    TEXT NOT NULL,
        status     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        summary    TEXT NOT NULL,
        detail     TEXT NOT NULL
      );
      CREATE INDEX tasks_by_process ON tasks (process, created_at, task_id);
      CREATE INDEX tasks_by_created ON tasks (created_at, task_id);
      CREATE INDEX tasks_by_expiry ON tasks (expires_at);
      CREATE INDEX tasks_unfinished ON tasks (status) WHERE status IN ('queued', 'running');

      CREATE TABLE queues (
        id                    INTEGER PRIMARY KEY,
        name                  TEXT NOT NULL UNIQUE,
        visibility_timeout_ms INTEGER NOT NULL,
        retention_ms          INTEGER NOT NULL,
        dead_letter_queue     TEXT,
        max_receive_count     INTEGER
      );

      CREATE TABLE messages (
        seq             INTEGER PRIMARY KEY,
        queue_id        INTEGER NOT NULL REFERENCES queues (id),
        message_id      TEXT NOT NULL,
        body            TEXT NOT NULL,
        attributes      TEXT,
        task_id         TEXT,
        sent_at         INTEGER NOT NULL,
        retain_from     INTEGER NOT NULL,
        visible_at      INTEGER NOT NULL,
        receive_count   INTEGER NOT NULL DEFAULT 0,
        receipt         TEXT,
        origin_queue_id INTEGER REFERENCES queues (id)
      );
      CREATE INDEX messages_ready ON messages (queue_id, visible_at);
    `,
  },
  {
    version: 2,
    description: 'schedule rule state (rate anchors, firings accounted for)',
    // One row per (process, rule): `anchor_ms` is when the rule first started
    // (a rate() counts its periods from it, across restarts); every firing
    // due at or before `covered_until_ms` was fired or deliberately skipped,
    // so a restart finds the ones missed while the runtime was down.
    sql: `
      CREATE TABLE schedule_rules (
        process          TEXT NOT NULL,
        rule             TEXT NOT NULL,
        expression       TEXT NOT NULL,
        anchor_ms        INTEGER NOT NULL,
        covered_until_ms INTEGER NOT NULL,
        PRIMARY KEY (process, rule)
      );
    `,
  },
  {
    version: 3,
    description: 'data events (ctx.events), published with their task',
    // The filtered columns beside the event's JSON; each search filter has an
    // index ordered like the answer (newest first), so a page reads only its
    // rows. Lineage walks use events_by_source / events_by_target.
    sql: `
      CREATE TABLE events (
        event_id   TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        label      TEXT NOT NULL,
        source     TEXT NOT NULL,
        target     TEXT NOT NULL,
        process    TEXT NOT NULL,
        task_id    TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        body       TEXT NOT NULL
      );
      CREATE INDEX events_by_created ON events (created_at, event_id);
      CREATE INDEX events_by_label ON events (label, created_at, event_id);
      CREATE INDEX events_by_source ON events (source, created_at, event_id);
      CREATE INDEX events_by_target ON events (target, created_at, event_id);
      CREATE INDEX events_by_process ON events (process, created_at, event_id);
      CREATE INDEX events_by_task ON events (task_id);
      CREATE INDEX events_by_expiry ON events (expires_at);
    `,
  },
  {
    version: 4,
    description: 'schedule overlap: last fired firing per rule, bounded log of skipped firings',
    // `last_fired_ms`: the due time of the rule's latest dispatched firing, whose
    // task the overlap policy looks at (its id derives from rule and due time).
    // `schedule_skips`: firings an overlap policy dropped, newest kept (the
    // runner trims each rule's log to a fixed length).
    sql: `
      ALTER TABLE schedule_rules ADD COLUMN last_fired_ms INTEGER;
      CREATE TABLE schedule_skips (
        seq         INTEGER PRIMARY KEY,
        process     TEXT NOT NULL,
        rule        TEXT NOT NULL,
        due_ms      INTEGER NOT NULL,
        recorded_ms INTEGER NOT NULL,
        reason      TEXT NOT NULL
      );
      CREATE INDEX schedule_skips_by_rule ON schedule_skips (process, rule, seq);
    `,
  },
  {
    version: 5,
    description: 'trigger registry: runtime triggers, static triggers\' state, audit log',
    // A record row per trigger (runtime ones, and static ones once paused or
    // noted); every change appends to trigger_history in the same
    // transaction. The history outlives a deleted trigger.
    sql: `
      CREATE TABLE triggers (
        trigger_id TEXT PRIMARY KEY,
        version    INTEGER NOT NULL,
        record     TEXT NOT NULL
      );
      CREATE TABLE trigger_history (
        seq        INTEGER PRIMARY KEY,
        trigger_id TEXT NOT NULL,
        change     TEXT NOT NULL
      );
      CREATE INDEX trigger_history_by_trigger ON trigger_history (trigger_id, seq);
    `,
  },
  {
    version: 6,
    description: 'task lists by trigger type and time window, counts by status',
    // `trigger_type` copies the record's `trigger.type` (it never changes
    // for a task), so `?trigger=` walks its own index in list order instead
    // of parsing every summary. `tasks_by_window` covers the counts
    // (`GROUP BY process, status` over a creation window) without reading a
    // row; it moves on every status change, like tasks_unfinished.
    sql: `
      ALTER TABLE tasks ADD COLUMN trigger_type TEXT;
      UPDATE tasks SET trigger_type = json_extract(summary, '$.trigger.type');
      CREATE INDEX tasks_by_trigger ON tasks (trigger_type, created_at, task_id);
      CREATE INDEX tasks_by_window ON tasks (created_at, process, status, expires_at);
    `,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]!.version;
