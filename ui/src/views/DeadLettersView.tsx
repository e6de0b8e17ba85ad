import { useState } from 'preact/hooks';
import { api, ApiError, errorText, query, type Page, type PeekedMessage, type QueueInfo } from '../api.js';
import { ErrorBox, Notice, StatusBadge } from '../components/common.js';
import { localTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { href, navigate } from '../router.js';

/**
 * Queues with their counts (`GET /sluice/queues`, embedded only: on AWS the
 * route is not mounted and the view says so), and one queue's messages with
 * their task's status and error: replay one, replay all (after showing how
 * many), purge (after a confirmation).
 */
export function DeadLettersView({ params }: { params: URLSearchParams }) {
  const queues = useLoad(() => api<{ items: QueueInfo[] }>('/sluice/queues'), 'queues', 5000);
  const selected = params.get('queue') ?? undefined;
  if (queues.error instanceof ApiError && queues.error.status === 404) {
    return (
      <section>
        <h1>Dead letters</h1>
        <Notice>This deployment does not serve /sluice/queues (404): on AWS, use the SQS console or StartMessageMoveTask for dead-letter queues.</Notice>
      </section>
    );
  }
  const items = queues.data?.items ?? [];
  const deadLetterQueues = items.filter((q) => q.deadLetterFor.length > 0);
  return (
    <section aria-labelledby="dlq-title">
      <h1 id="dlq-title">Dead letters</h1>
      <ErrorBox error={queues.error} />
      <div class="table-wrap">
        <table>
          <caption>Every queue; dead-letter queues first.</caption>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">Visible</th>
              <th scope="col">In flight</th>
              <th scope="col">Delayed</th>
              <th scope="col">Dead letters of / to</th>
            </tr>
          </thead>
          <tbody>
            {[...deadLetterQueues, ...items.filter((q) => q.deadLetterFor.length === 0)].map((q) => (
              <tr key={q.name} aria-current={q.name === selected ? 'true' : undefined}>
                <th scope="row">
                  <a href={href('dead-letters', { queue: q.name })}>{q.name}</a>
                </th>
                <td>{q.visible}</td>
                <td>{q.inFlight}</td>
                <td>{q.delayed}</td>
                <td>{q.deadLetterFor.length > 0 ? `DLQ of ${q.deadLetterFor.join(', ')}` : q.deadLetter ? `→ ${q.deadLetter.queue} after ${q.deadLetter.maxReceiveCount}` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {selected && <QueueMessages queue={selected} key={selected} onChange={queues.reload} />}
    </section>
  );
}

/** Most messages one "replay all" walks (they are replayed one request each). */
const MAX_BULK = 1000;

function QueueMessages({ queue, onChange }: { queue: string; onChange(): void }) {
  const [cursor, setCursor] = useState<string | undefined>();
  const messages = useLoad(() => api<Page<PeekedMessage>>(`/sluice/queues/${encodeURIComponent(queue)}/messages${query({ limit: 50, cursor })}`), `${queue}|${cursor ?? ''}`, 5000);
  const [status, setStatus] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const [confirming, setConfirming] = useState<'replay-all' | 'purge' | undefined>();
  const items = messages.data?.items ?? [];
  const base = `/sluice/queues/${encodeURIComponent(queue)}`;
  const replayOne = async (message: PeekedMessage) => {
    try {
      const accepted = await api<{ taskId: string }>(`${base}/messages/${encodeURIComponent(message.messageId)}/replay`, { method: 'POST' });
      navigate(`tasks/${accepted.taskId}`);
    } catch (e) {
      setError(e);
    }
  };
  // Replay all: every message of the queue (all pages, up to MAX_BULK), counted before anything is replayed.
  const [bulk, setBulk] = useState<PeekedMessage[] | undefined>();
  const countAll = async () => {
    try {
      const all: PeekedMessage[] = [];
      let next: string | undefined;
      do {
        const page = await api<Page<PeekedMessage>>(`${base}/messages${query({ limit: 100, cursor: next })}`);
        all.push(...page.items);
        next = page.nextCursor;
      } while (next && all.length < MAX_BULK);
      setBulk(all.filter((m) => m.taskId !== undefined));
      setConfirming('replay-all');
    } catch (e) {
      setError(e);
    }
  };
  const replayAll = async () => {
    setConfirming(undefined);
    const targets = bulk ?? [];
    let done = 0;
    const failures: string[] = [];
    for (const message of targets) {
      try {
        await api(`${base}/messages/${encodeURIComponent(message.messageId)}/replay`, { method: 'POST' });
        done++;
      } catch (e) {
        failures.push(`${message.messageId}: ${errorText(e)}`);
      }
      setStatus(`Replayed ${done} of ${targets.length}…`);
    }
    setStatus(`Replayed ${done} of ${targets.length} messages.${failures.length ? ` ${failures.length} failed: ${failures.slice(0, 3).join('; ')}` : ''}`);
    messages.reload();
    onChange();
  };
  const purge = async () => {
    setConfirming(undefined);
    try {
      const { purged } = await api<{ purged: number }>(`${base}/purge`, { method: 'POST' });
      setStatus(`Purged ${purged} messages.`);
      setError(undefined);
      messages.reload();
      onChange();
    } catch (e) {
      setError(e instanceof ApiError && e.status === 404 && e.body?.error !== 'QueueNotFound' ? new Error('This server cannot purge queues yet (POST …/purge answered 404).') : e);
    }
  };
  return (
    <section aria-labelledby="messages-title">
      <h2 id="messages-title">Messages in {queue}</h2>
      <ErrorBox error={messages.error ?? error} />
      {status && <Notice>{status}</Notice>}
      <div class="actions">
        {confirming === 'replay-all' && bulk ? (
          <span role="group" aria-label="Confirm replay all">
            Replay the tasks of all {bulk.length} message{bulk.length === 1 ? '' : 's'} in {queue}
            {bulk.length >= MAX_BULK ? ` (the first ${MAX_BULK})` : ''}?{' '}
            <button type="button" class="primary" onClick={replayAll}>
              Yes, replay {bulk.length}
            </button>{' '}
            <button type="button" onClick={() => setConfirming(undefined)}>No</button>
          </span>
        ) : confirming === 'purge' ? (
          <span role="group" aria-label="Confirm purge">
            Delete every message of {queue}? This cannot be undone. <button type="button" class="danger" onClick={purge}>Yes, purge {queue}</button>{' '}
            <button type="button" onClick={() => setConfirming(undefined)}>No</button>
          </span>
        ) : (
          <>
            <button type="button" disabled={items.length === 0} onClick={countAll}>
              Replay all…
            </button>
            <button type="button" class="danger" onClick={() => setConfirming('purge')}>
              Purge…
            </button>
          </>
        )}
      </div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Message</th>
              <th scope="col">Sent</th>
              <th scope="col">Receives</th>
              <th scope="col">Task</th>
              <th scope="col">Error</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.messageId}>
                <td>
                  <details>
                    <summary class="mono">{m.messageId.slice(0, 12)}…</summary>
                    <pre>{m.body.slice(0, 4000)}</pre>
                  </details>
                </td>
                <td>{localTime(m.sentAt)}</td>
                <td>{m.receiveCount}</td>
                <td>
                  {m.taskId ? (
                    <a href={href(`tasks/${m.taskId}`)} class="mono">
                      {m.taskId}
                    </a>
                  ) : (
                    'none'
                  )}{' '}
                  {m.task && <StatusBadge status={m.task.status} />}
                </td>
                <td>{m.task?.error ? `${m.task.error.name}: ${m.task.error.message}` : ''}</td>
                <td>
                  <button type="button" disabled={!m.taskId} onClick={() => replayOne(m)} aria-label={`Replay the task of message ${m.messageId}`}>
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {messages.data && items.length === 0 && <Notice>No message in {queue}.</Notice>}
      <div class="pager">
        <button type="button" disabled={!cursor} onClick={() => setCursor(undefined)}>
          ← First
        </button>
        <button type="button" disabled={!messages.data?.nextCursor} onClick={() => setCursor(messages.data?.nextCursor)}>
          Next →
        </button>
      </div>
    </section>
  );
}
