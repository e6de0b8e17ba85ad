import { useState } from 'preact/hooks';
import { api, ApiError, errorText, TERMINAL, type LogEntry, type ProcessInfo, type TaskRecord } from '../api.js';
import { ErrorBox, JsonView, Notice, StatusBadge } from '../components/common.js';
import { duration, localTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { href, navigate } from '../router.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * One task: timeline, trigger and payload, result or error on its railway,
 * logs (level filter, logic of each line), replay links, replay and cancel.
 * Polled every 2 s until it is finished.
 */
export function TaskDetailView({ taskId }: { taskId: string }) {
  const [finished, setFinished] = useState(false);
  const task = useLoad(
    async () => {
      const record = await api<TaskRecord>(`/sluice/tasks/${encodeURIComponent(taskId)}`);
      if (TERMINAL.has(record.status)) setFinished(true);
      return record;
    },
    taskId,
    finished ? undefined : 2000,
  );
  const processes = useLoad(() => api<{ items: ProcessInfo[] }>('/sluice/processes'), 'processes');
  if (task.error instanceof ApiError && task.error.status === 404) {
    return (
      <section>
        <h1>Task {taskId}</h1>
        <Notice>No task '{taskId}' (it never existed, or its retention ended).</Notice>
        <a href={href('tasks')}>← All tasks</a>
      </section>
    );
  }
  const record = task.data;
  const railway = processes.data?.items.find((p) => p.name === record?.process)?.railway;
  return (
    <section aria-labelledby="task-title">
      <p>
        <a href={href('tasks')}>← All tasks</a>
      </p>
      <h1 id="task-title">
        Task <span class="mono">{taskId}</span> {record && <StatusBadge status={record.status} />}
      </h1>
      <ErrorBox error={task.error} />
      {record && (
        <>
          <p class="meta">
            Process <a href={href('tasks', { process: record.process })}>{record.process}</a> · trigger {record.trigger.type} · {record.attempts} attempt{record.attempts === 1 ? '' : 's'}
            {record.replayOf && (
              <>
                {' '}
                · replay of{' '}
                <a href={href(`tasks/${record.replayOf}`)} class="mono">
                  {record.replayOf}
                </a>
              </>
            )}
          </p>
          <Actions record={record} onChange={() => (setFinished(false), task.reload())} />
          <div class="columns">
            <Timeline record={record} />
            <div>
              <JsonView label="Trigger" value={record.trigger} />
              {record.payload !== undefined ? <JsonView label="Payload" value={record.payload} /> : <p class="help">No payload kept (a synchronous HTTP task, or over 32 KiB).</p>}
            </div>
          </div>
          <Outcome record={record} railway={railway} />
          {record.replays && record.replays.length > 0 && (
            <section aria-labelledby="replays-title">
              <h2 id="replays-title">Replays</h2>
              <ul class="replays">
                {record.replays.map((id) => (
                  <li key={id}>
                    <a href={href(`tasks/${id}`)} class="mono">
                      {id}
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <Logs logs={record.logs} />
          <p>
            <a href={href('lineage', { taskId: record.taskId })}>Lineage of this task →</a>
          </p>
        </>
      )}
    </section>
  );
}

/**
 * Replay and cancel. A record without a kept payload (an HTTP request's, or
 * one over 32 KiB) cannot be replayed as it was: the replay then takes a
 * JSON payload typed here (`{ payload }`), checked before it is sent.
 */
function Actions({ record, onChange }: { record: TaskRecord; onChange(): void }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const [payloadText, setPayloadText] = useState('');
  const finished = TERMINAL.has(record.status);
  const kept = record.payload !== undefined;
  const replay = async (body: { payload?: unknown }) => {
    setBusy(true);
    try {
      const accepted = await api<{ taskId: string }>(`/sluice/tasks/${encodeURIComponent(record.taskId)}/replay`, { method: 'POST', json: body });
      navigate(`tasks/${accepted.taskId}`);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const replayWithPayload = (event: Event) => {
    event.preventDefault();
    if (payloadText.trim() === '') return setError('Give the payload to replay it with (JSON).');
    let payload: unknown;
    try {
      payload = JSON.parse(payloadText);
    } catch (e) {
      return setError(`The payload is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    void replay({ payload });
  };
  const cancel = async () => {
    setBusy(true);
    try {
      await api(`/sluice/tasks/${encodeURIComponent(record.taskId)}/cancel`, { method: 'POST' });
      setError(undefined);
      onChange();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <div class="actions">
        {kept || !finished ? (
          <button type="button" class="primary" disabled={!finished || busy} onClick={() => replay({})} title={finished ? 'Run it again as a new task' : 'Only a finished task can be replayed'}>
            Replay
          </button>
        ) : (
          <button type="button" class="primary" disabled={busy} aria-expanded={asking} onClick={() => (setAsking(!asking), setError(undefined))} title="Its payload was not kept: give one to run it again">
            Replay with a payload…
          </button>
        )}
        <button type="button" class="danger" disabled={finished || busy || record.cancelRequestedAt !== undefined} onClick={cancel}>
          {record.cancelRequestedAt ? 'Cancel requested' : 'Cancel'}
        </button>
      </div>
      {asking && !kept && finished && (
        <form class="replay-payload" onSubmit={replayWithPayload} aria-label="Replay with a payload">
          <label>
            Payload (JSON): this task’s was not kept; the replay gets this one as its input (ctx.input)
            <textarea
              name="payload"
              rows={6}
              spellcheck={false}
              value={payloadText}
              onInput={(e) => setPayloadText(e.currentTarget.value)}
              placeholder={'{ "orderId": 42 }'}
              aria-invalid={error !== undefined}
            />
          </label>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              Replay with this payload
            </button>
            <button type="button" onClick={() => (setAsking(false), setError(undefined))}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && (
        <p class="alert alert-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

/**
 * Created, each attempt, finished: what the record holds. The record keeps
 * the last attempt's start; an earlier attempt is dated by the runner's
 * platform line `attempt N of M failed; the task will be retried in …` when
 * the logs still hold it.
 */
function Timeline({ record }: { record: TaskRecord }) {
  const retried = new Map<number, LogEntry>();
  for (const line of record.logs) {
    const attempt = line.logic === undefined ? /^attempt (\d+) of \d+ failed/.exec(line.message)?.[1] : undefined;
    if (attempt) retried.set(Number(attempt), line);
  }
  const steps: Array<{ label: string; at?: string; note?: string }> = [{ label: 'Created', at: record.createdAt }];
  for (let attempt = 1; attempt <= record.attempts; attempt++) {
    if (attempt === record.attempts) {
      steps.push({ label: `Attempt ${attempt}`, ...(record.startedAt ? { at: record.startedAt } : {}) });
    } else {
      const line = retried.get(attempt);
      steps.push({ label: `Attempt ${attempt} failed`, ...(line ? { at: line.time, note: line.message.replace(/^attempt \d+ of \d+ failed; /, '') } : { note: 'retried' }) });
    }
  }
  if (record.cancelRequestedAt) steps.push({ label: 'Cancel requested', at: record.cancelRequestedAt });
  steps.push(TERMINAL.has(record.status) ? { label: `Finished: ${record.status.replace('_', ' ')}`, at: record.finishedAt, note: duration(record.startedAt ?? record.createdAt, record.finishedAt) } : { label: `Now ${record.status}` });
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ol class="timeline">
        {steps.map((step) => (
          <li key={step.label}>
            <strong>{step.label}</strong> {step.at && <time dateTime={step.at} title={step.at}>{localTime(step.at)}</time>} {step.note && <span class="help">{step.note}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The result, or the error with the railway: logics before the failing one ran, it failed, later ones ran `handleError`. */
function Outcome({ record, railway }: { record: TaskRecord; railway: string[] | undefined }) {
  const error = record.error;
  const failedAt = error?.logic ? (railway?.indexOf(error.logic) ?? -1) : -1;
  return (
    <section aria-labelledby="outcome-title">
      <h2 id="outcome-title">{error ? 'Error' : 'Result'}</h2>
      {railway && (
        <ol class="railway" aria-label="Railway: the process's logics in order">
          {railway.map((logic, i) => {
            const state = failedAt < 0 ? (record.status === 'succeeded' ? 'ok' : 'unknown') : i < failedAt ? 'ok' : i === failedAt ? 'failed' : 'error-path';
            const label = { ok: 'ran', failed: 'failed here', 'error-path': 'handleError path', unknown: '' }[state];
            return (
              <li key={logic} class={`rail rail-${state}`} aria-current={state === 'failed' ? 'step' : undefined}>
                <span class="rail-name">{logic}</span>
                {label && <span class="rail-state">{label}</span>}
              </li>
            );
          })}
        </ol>
      )}
      {error && railway && !error.logic && (
        <p class="help">No logic failed: the task ended before its first logic ran or outside them ({error.kind === 'validation' ? 'its input was refused' : error.name}).</p>
      )}
      {error ? (
        <div class="alert alert-error">
          <p>
            <strong>{error.name}</strong> ({error.kind}){error.logic ? ` in logic ${error.logic}` : ''}: {error.message}
          </p>
          {error.issues && (
            <ul>
              {error.issues.map((issue) => (
                <li key={issue.path}>
                  <code>{issue.path}</code>: {issue.message}
                </li>
              ))}
            </ul>
          )}
          {error.stack && <JsonView label="Stack" value={error.stack} open={false} />}
        </div>
      ) : TERMINAL.has(record.status) ? (
        <JsonView label="Result" value={record.result} />
      ) : (
        <p class="help">Not finished yet.</p>
      )}
    </section>
  );
}

function Logs({ logs }: { logs: LogEntry[] }) {
  const [level, setLevel] = useState<(typeof LEVELS)[number]>('debug');
  const shown = logs.filter((line) => LEVELS.indexOf(line.level) >= LEVELS.indexOf(level));
  return (
    <section aria-labelledby="logs-title">
      <h2 id="logs-title">Logs</h2>
      <label class="inline">
        Minimum level{' '}
        <select value={level} onChange={(e) => setLevel(e.currentTarget.value as typeof level)} name="log-level">
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>{' '}
      <span class="help" role="status">
        {shown.length} of {logs.length} lines
      </span>
      <div class="table-wrap">
        <table class="logs">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Level</th>
              <th scope="col">Logic</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((line, i) => (
              <tr key={i} class={`log-${line.level}`}>
                <td title={line.time}>{localTime(line.time)}</td>
                <td>
                  <span class={`level level-${line.level}`}>{line.level}</span>
                </td>
                <td>{line.logic ?? <span class="help">platform</span>}</td>
                <td>
                  {line.message}
                  {line.data !== undefined && <pre class="log-data">{JSON.stringify(line.data, null, 2)}</pre>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
