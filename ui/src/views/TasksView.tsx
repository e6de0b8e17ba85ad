import { useState } from 'preact/hooks';
import { api, ApiError, errorText, query, TASK_STATUSES, TRIGGER_TYPES, type Page, type ProcessInfo, type TaskCounts, type TaskSummary } from '../api.js';
import { ErrorBox, Notice, StatusBadge } from '../components/common.js';
import { duration, isoFromLocalInput, localTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { href, navigate } from '../router.js';

/** How often the list asks for new tasks. */
const POLL_MS = 2000;
const FILTERS = ['process', 'status', 'trigger', 'since', 'until'] as const;

/**
 * The task list: newest first, polled every 2 s (new tasks appear without a
 * reload), filtered by the hash's `process`, `status`, `trigger`, `since`,
 * `until`, paged with the API's cursor; a search by task id; counts by status
 * per process over the last hour or day.
 */
export function TasksView({ params }: { params: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? undefined])) as Record<(typeof FILTERS)[number], string | undefined>;
  const filterKey = JSON.stringify(filters);
  // Cursors of the pages before the current one (the first page has none).
  const [cursors, setCursors] = useState<{ key: string; stack: string[] }>({ key: filterKey, stack: [] });
  const stack = cursors.key === filterKey ? cursors.stack : [];
  const cursor = stack[stack.length - 1];
  const processes = useLoad(() => api<{ items: ProcessInfo[] }>('/sluice/processes'), 'processes');
  const page = useLoad(() => api<Page<TaskSummary>>(`/sluice/tasks${query({ ...filters, limit: 25, cursor })}`), `${filterKey}|${cursor ?? ''}`, POLL_MS);

  return (
    <section aria-labelledby="tasks-title">
      <h1 id="tasks-title">Tasks</h1>
      <div class="columns tasks-top">
        <div>
          <FilterForm filters={filters} processes={processes.data?.items.map((p) => p.name) ?? []} />
          <TaskSearch />
        </div>
        <StatusCounts processes={processes.data?.items.map((p) => p.name) ?? []} />
      </div>
      <ErrorBox error={page.error} prefix="The task list could not be loaded" />
      <div class="table-wrap">
        <table class="tasks" aria-describedby="tasks-live">
          <caption id="tasks-live">
            {stack.length === 0 ? 'Newest first, refreshed every 2 seconds.' : `Page ${stack.length + 1}, refreshed every 2 seconds.`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Task</th>
              <th scope="col">Process</th>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Created</th>
              <th scope="col">Duration</th>
              <th scope="col">Attempts</th>
            </tr>
          </thead>
          <tbody>
            {page.data?.items.map((task) => (
              <tr key={task.taskId} data-task-id={task.taskId}>
                <td>
                  <a href={href(`tasks/${task.taskId}`)} class="mono">
                    {task.taskId}
                  </a>
                </td>
                <td>{task.process}</td>
                <td>
                  <StatusBadge status={task.status} />
                </td>
                <td>{task.trigger.type}</td>
                <td title={task.createdAt}>{localTime(task.createdAt)}</td>
                <td>{duration(task.startedAt, task.finishedAt)}</td>
                <td>{task.attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {page.data && page.data.items.length === 0 && <Notice>No task matches.</Notice>}
      <div class="pager">
        <button type="button" disabled={stack.length === 0} onClick={() => setCursors({ key: filterKey, stack: stack.slice(0, -1) })}>
          ← Newer
        </button>
        <button type="button" disabled={!page.data?.nextCursor} onClick={() => page.data?.nextCursor && setCursors({ key: filterKey, stack: [...stack, page.data.nextCursor] })}>
          Older →
        </button>
      </div>
    </section>
  );
}

function FilterForm({ filters, processes }: { filters: Record<string, string | undefined>; processes: string[] }) {
  const toLocal = (iso: string | undefined) => {
    if (!iso) return '';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return '';
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  };
  const submit = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => (data.get(name) as string | null) || undefined;
    navigate('tasks', {
      process: value('process'),
      status: value('status'),
      trigger: value('trigger'),
      since: isoFromLocalInput(value('since') ?? ''),
      until: isoFromLocalInput(value('until') ?? ''),
    });
  };
  return (
    <form class="filters" onSubmit={submit} aria-label="Filter tasks" key={JSON.stringify(filters)}>
      <label>
        Process
        <select name="process">
          <option value="">any</option>
          {processes.map((p) => (
            <option key={p} value={p} selected={p === filters.process}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select name="status">
          <option value="">any</option>
          {TASK_STATUSES.map((s) => (
            <option key={s} value={s} selected={s === filters.status}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Trigger
        <select name="trigger">
          <option value="">any</option>
          {TRIGGER_TYPES.map((t) => (
            <option key={t} value={t} selected={t === filters.trigger}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        Since
        <input type="datetime-local" name="since" defaultValue={toLocal(filters.since)} />
      </label>
      <label>
        Until
        <input type="datetime-local" name="until" defaultValue={toLocal(filters.until)} />
      </label>
      <div class="buttons">
        <button type="submit" class="primary">
          Apply
        </button>
        <button type="button" onClick={() => navigate('tasks')}>
          Clear
        </button>
        {(['hour', 'day'] as const).map((w) => (
          <button key={w} type="button" onClick={() => navigate('tasks', { ...filters, since: new Date(Date.now() - WINDOWS[w]).toISOString(), until: undefined })}>
            Last {w}
          </button>
        ))}
      </div>
    </form>
  );
}

/** Opens a task by id (`GET /sluice/tasks/{id}` first, so an unknown id is said here). */
function TaskSearch() {
  const [id, setId] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const taskId = id.trim();
    if (!taskId) return;
    try {
      await api(`/sluice/tasks/${encodeURIComponent(taskId)}`);
      setError(undefined);
      navigate(`tasks/${taskId}`);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 404 ? `No task '${taskId}'.` : errorText(e));
    }
  };
  return (
    <form class="search" onSubmit={submit} role="search">
      <label for="task-search">Task id</label>
      <input id="task-search" value={id} onInput={(e) => setId(e.currentTarget.value)} placeholder="e.g. -P7cXq2vR8sLm4TnW1yZbKd9Jf0HgA" autocomplete="off" />
      <button type="submit">Open</button>
      {error && (
        <p class="alert alert-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

const WINDOWS = { hour: 3600_000, day: 86_400_000 } as const;

/**
 * Counts by status per process (`GET /sluice/tasks/counts`; a process with no
 * task in the window has no item there: it shows zeros); each number links to
 * the list of those tasks in that window. A server without the route says so.
 */
function StatusCounts({ processes }: { processes: string[] }) {
  const [window, setWindow] = useState<keyof typeof WINDOWS>('hour');
  const counts = useLoad(
    () => {
      const until = new Date();
      return api<TaskCounts>(`/sluice/tasks/counts${query({ since: new Date(until.getTime() - WINDOWS[window]).toISOString(), until: until.toISOString() })}`);
    },
    window,
    5000,
  );
  const unavailable = counts.error instanceof ApiError && (counts.error.status === 404 || counts.error.status === 405);
  return (
    <section class="card counts" aria-labelledby="counts-title">
      <h2 id="counts-title">Counts by status</h2>
      <div role="group" aria-label="Time window" class="segmented">
        {(Object.keys(WINDOWS) as Array<keyof typeof WINDOWS>).map((w) => (
          <button key={w} type="button" aria-pressed={w === window} onClick={() => setWindow(w)}>
            last {w}
          </button>
        ))}
      </div>
      {unavailable ? (
        <Notice>This server does not count tasks yet (GET /sluice/tasks/counts answered {(counts.error as ApiError).status}).</Notice>
      ) : (
        <ErrorBox error={counts.error} />
      )}
      {counts.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Process</th>
                {TASK_STATUSES.map((s) => (
                  <th scope="col" key={s}>
                    {s.replace('_', ' ')}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {withZeros(counts.data, processes).map((row) => (
                <tr key={row.process}>
                  <th scope="row">
                    <a href={href('tasks', { process: row.process, since: counts.data!.since, until: counts.data!.until })}>{row.process}</a>
                  </th>
                  {TASK_STATUSES.map((s) => (
                    <td key={s}>{row.counts[s] ? <a href={href('tasks', { process: row.process, status: s, since: counts.data!.since, until: counts.data!.until })}>{row.counts[s]}</a> : 0}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {counts.data.items.length === 0 && <p class="help">No task in the last {window}.</p>}
        </div>
      )}
    </section>
  );
}

/** The counted processes, then the declared ones without a task in the window (zeros), by name. */
function withZeros(counts: TaskCounts, processes: string[]): TaskCounts['items'] {
  const counted = new Set(counts.items.map((row) => row.process));
  return [...counts.items, ...processes.filter((p) => !counted.has(p)).map((process) => ({ process, counts: {} }))].sort((a, b) => a.process.localeCompare(b.process));
}
