import { useState } from 'preact/hooks';
import { api, ApiError, errorText, type ProcessInfo, type TriggerInfo } from '../api.js';
import { ErrorBox, Notice } from '../components/common.js';
import { localTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { href, navigate } from '../router.js';

/**
 * Each process with its triggers (static from serverless.yml and runtime
 * ones): next firings of schedules, pause / resume (conditional on the
 * version read), run now, delete a runtime trigger, create one.
 */
export function ProcessesView() {
  const processes = useLoad(() => api<{ items: ProcessInfo[] }>('/sluice/processes'), 'processes');
  const triggers = useLoad(() => api<{ items: TriggerInfo[] }>('/sluice/triggers'), 'triggers', 10_000);
  const noRegistry = triggers.error instanceof ApiError && triggers.error.status === 404;
  return (
    <section aria-labelledby="processes-title">
      <h1 id="processes-title">Processes &amp; triggers</h1>
      <ErrorBox error={processes.error} />
      {noRegistry ? <Notice>This deployment does not serve /sluice/triggers (404): triggers are those of serverless.yml.</Notice> : <ErrorBox error={triggers.error} />}
      {processes.data?.items.map((process) => (
        <article class="card" key={process.name} aria-labelledby={`p-${process.name}`}>
          <h2 id={`p-${process.name}`}>
            {process.name} <span class="help">· timeout {process.timeoutSeconds} s{process.async ? ' · async' : ''}</span>
          </h2>
          {process.description && <p>{process.description}</p>}
          <p>
            <a href={href('tasks', { process: process.name })}>Its tasks →</a>
          </p>
          <TriggerTable triggers={(triggers.data?.items ?? []).filter((t) => t.process === process.name)} onChange={triggers.reload} />
        </article>
      ))}
      {processes.data && !noRegistry && <CreateTrigger processes={processes.data.items.map((p) => p.name)} onCreated={triggers.reload} />}
    </section>
  );
}

function describeSpec(spec: TriggerInfo['spec']): string {
  switch (spec.kind) {
    case 'http':
      return `${String(spec.method)} ${String(spec.path)}${spec.mode === 'async' ? ' (async)' : ''}`;
    case 'schedule':
      return `${String(spec.expression)}${spec.timezone ? ` (${String(spec.timezone)})` : ''}`;
    case 'queue':
      return `queue ${String(spec.queue)}, batch ${String(spec.batchSize ?? '')}`;
    case 'event':
      return `${String(spec.label)}${spec.source ? ` from ${String(spec.source)}` : ''}${spec.target ? ` to ${String(spec.target)}` : ''}`;
  }
}

function TriggerTable({ triggers, onChange }: { triggers: TriggerInfo[]; onChange(): void }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const act = async (trigger: TriggerInfo, what: string, call: () => Promise<unknown>) => {
    setBusy(`${trigger.triggerId}:${what}`);
    try {
      await call();
      setError(undefined);
      onChange();
    } catch (e) {
      setError(`${what} ${trigger.triggerId}: ${errorText(e)}`);
    } finally {
      setBusy(undefined);
    }
  };
  const path = (t: TriggerInfo) => `/sluice/triggers/${encodeURIComponent(t.triggerId)}`;
  if (triggers.length === 0) return <p class="help">No trigger: it runs only when submitted (POST /sluice/tasks).</p>;
  return (
    <>
      {error && (
        <p class="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Trigger</th>
              <th scope="col">Source</th>
              <th scope="col">State</th>
              <th scope="col">Next firings</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {triggers.map((t) => (
              <tr key={t.triggerId} data-trigger-id={t.triggerId}>
                <td>{t.spec.kind}</td>
                <td>
                  <span class="mono">{describeSpec(t.spec)}</span>
                  {t.note && <div class="help">{t.note}</div>}
                </td>
                <td>{t.source}</td>
                <td>{t.paused ? <span class="badge badge-cancelled">paused</span> : <span class="badge badge-succeeded">active</span>}</td>
                <td>
                  {t.next && t.next.length > 0 ? (
                    <ul class="plain">
                      {t.next.slice(0, 3).map((n) => (
                        <li key={n}>
                          <time dateTime={n}>{localTime(n)}</time>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    ''
                  )}
                </td>
                <td>
                  <div class="row-actions">
                  <button
                    type="button"
                    disabled={busy !== undefined}
                    aria-label={`${t.paused ? 'Resume' : 'Pause'} ${t.triggerId}`}
                    onClick={() => act(t, t.paused ? 'resume' : 'pause', () => api(path(t), { method: 'PATCH', json: { paused: !t.paused, version: t.version } }))}
                  >
                    {t.paused ? 'Resume' : 'Pause'}
                  </button>
                  {(t.spec.kind === 'schedule' || t.spec.kind === 'http') && (
                    <button
                      type="button"
                      disabled={busy !== undefined}
                      aria-label={`Run ${t.triggerId} now`}
                      onClick={() => act(t, 'run', async () => navigate(`tasks/${(await api<{ taskId: string }>(`${path(t)}/fire`, { method: 'POST', json: {} })).taskId}`))}
                    >
                      Run now
                    </button>
                  )}
                  {t.source === 'runtime' && (
                    <button
                      type="button"
                      class="danger"
                      disabled={busy !== undefined}
                      aria-label={`Delete ${t.triggerId}`}
                      onClick={() => confirm(`Delete trigger ${t.triggerId}?`) && act(t, 'delete', () => api(path(t), { method: 'DELETE' }))}
                    >
                      Delete
                    </button>
                  )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

const KIND_FIELDS = {
  schedule: [
    { name: 'expression', label: 'Expression', placeholder: 'rate(5 minutes) or cron(0 9 * * ? *)', required: true },
    { name: 'timezone', label: 'Time zone', placeholder: 'UTC' },
  ],
  http: [
    { name: 'method', label: 'Method', placeholder: 'POST', required: true },
    { name: 'path', label: 'Path', placeholder: '/orders/{id}', required: true },
    { name: 'mode', label: 'Mode (sync or async)', placeholder: 'sync' },
  ],
  queue: [
    { name: 'queue', label: 'Queue', required: true },
    { name: 'batchSize', label: 'Batch size', placeholder: '10', number: true },
  ],
  event: [
    { name: 'label', label: 'Label', placeholder: 'orders.*', required: true },
    { name: 'source', label: 'Source' },
    { name: 'target', label: 'Target' },
  ],
} as const satisfies Record<string, ReadonlyArray<{ name: string; label: string; placeholder?: string; required?: boolean; number?: boolean }>>;

/** A runtime trigger; the API's validation errors (400, 409) are shown as it sent them. */
function CreateTrigger({ processes, onCreated }: { processes: string[]; onCreated(): void }) {
  const [kind, setKind] = useState<keyof typeof KIND_FIELDS>('schedule');
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const body: Record<string, unknown> = { process: data.get('process'), kind };
    for (const field of KIND_FIELDS[kind] as ReadonlyArray<{ name: string; number?: boolean }>) {
      const value = String(data.get(field.name) ?? '').trim();
      if (value !== '') body[field.name] = field.number ? Number(value) : value;
    }
    const note = String(data.get('note') ?? '').trim();
    if (note) body.note = note;
    try {
      const trigger = await api<TriggerInfo>('/sluice/triggers', { method: 'POST', json: body });
      setError(undefined);
      setCreated(trigger.triggerId);
      form.reset();
      onCreated();
    } catch (e) {
      setCreated(undefined);
      setError(e);
    }
  };
  return (
    <form class="card create-trigger" onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">New runtime trigger</h2>
      <div class="filters">
        <label>
          Process
          <select name="process" required>
            {processes.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as keyof typeof KIND_FIELDS)}>
            {Object.keys(KIND_FIELDS).map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        {(KIND_FIELDS[kind] as ReadonlyArray<{ name: string; label: string; placeholder?: string; required?: boolean }>).map((field) => (
          <label key={`${kind}-${field.name}`}>
            {field.label}
            <input name={field.name} placeholder={field.placeholder} required={field.required} />
          </label>
        ))}
        <label>
          Note
          <input name="note" maxLength={256} />
        </label>
      </div>
      <ErrorBox error={error} prefix="Not created" />
      {created && <Notice>Created trigger {created}.</Notice>}
      <button type="submit" class="primary">
        Create trigger
      </button>
    </form>
  );
}
