import { useState } from 'preact/hooks';
import { api, ApiError, errorText, type HttpAuthorizer, type ProcessInfo, type TriggerInfo } from '../api.js';
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
      {processes.data && !noRegistry && <CreateTrigger processes={processes.data.items.map((p) => p.name)} authorizers={authorizerNames(triggers.data?.items ?? [])} onCreated={triggers.reload} />}
    </section>
  );
}

/** Who may call an http trigger, as its spec says (`undefined`: not an http trigger, or a static one from an API that does not say). */
function describeAuthorizer(t: TriggerInfo): string | undefined {
  const { spec } = t;
  // A runtime spec is whole (no authorizer: public); a static one says so only from the API versions that include it.
  if (spec.kind !== 'http' || (t.source === 'static' && !('authorizer' in spec))) return undefined;
  const authorizer = spec.authorizer as HttpAuthorizer | undefined | null;
  if (authorizer === undefined || authorizer === null) return 'public: no authorizer';
  if (authorizer === 'aws_iam') return 'aws_iam (signed IAM requests)';
  return `authorizer ${authorizer.name}${authorizer.scopes && authorizer.scopes.length > 0 ? `, scopes ${authorizer.scopes.join(' ')}` : ''}`;
}

/** The authorizer names the triggers already use: suggestions for the form (`GET /sluice/processes` does not list the declared ones). */
function authorizerNames(triggers: readonly TriggerInfo[]): string[] {
  const names = new Set<string>();
  for (const t of triggers) {
    const authorizer = t.spec.kind === 'http' ? (t.spec.authorizer as HttpAuthorizer | undefined) : undefined;
    if (authorizer && authorizer !== 'aws_iam' && typeof authorizer.name === 'string') names.add(authorizer.name);
  }
  return [...names].sort();
}

/** What a person calls a trigger (its kind and path, expression, queue or label): buttons are named by it, not by the id. */
export function triggerTitle(t: TriggerInfo): string {
  return `${t.spec.kind} ${describeSpec(t.spec)}`;
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

/** Parses the text of a JSON field: `undefined` when blank; throws a readable `SyntaxError` when it is not JSON. */
export function parseJsonField(text: string, what: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function TriggerTable({ triggers, onChange }: { triggers: TriggerInfo[]; onChange(): void }) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [running, setRunning] = useState<string | undefined>();
  const act = async (trigger: TriggerInfo, what: string, call: () => Promise<unknown>) => {
    setBusy(`${trigger.triggerId}:${what}`);
    try {
      await call();
      setError(undefined);
      onChange();
    } catch (e) {
      setError(`${what} ${triggerTitle(trigger)}: ${errorText(e)}`);
    } finally {
      setBusy(undefined);
    }
  };
  const path = (t: TriggerInfo) => `/sluice/triggers/${encodeURIComponent(t.triggerId)}`;
  if (triggers.length === 0) return <p class="help">No trigger: it runs only when submitted (POST /sluice/tasks).</p>;
  const toRun = triggers.find((t) => t.triggerId === running);
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
            {triggers.map((t) => {
              const title = triggerTitle(t);
              const authorizer = describeAuthorizer(t);
              return (
                <tr key={t.triggerId} data-trigger-id={t.triggerId}>
                  <td>{t.spec.kind}</td>
                  <td>
                    <span class="mono">{describeSpec(t.spec)}</span>
                    {authorizer && <div class={`auth${authorizer.startsWith('public') ? ' auth-public' : ''}`}>{authorizer}</div>}
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
                        aria-label={`${t.paused ? 'Resume' : 'Pause'} ${title}`}
                        onClick={() => act(t, t.paused ? 'resume' : 'pause', () => api(path(t), { method: 'PATCH', json: { paused: !t.paused, version: t.version } }))}
                      >
                        {t.paused ? 'Resume' : 'Pause'}
                      </button>
                      {(t.spec.kind === 'schedule' || t.spec.kind === 'http') && (
                        <button type="button" disabled={busy !== undefined} aria-label={`Run ${title} now…`} aria-expanded={running === t.triggerId} onClick={() => setRunning(running === t.triggerId ? undefined : t.triggerId)}>
                          Run now…
                        </button>
                      )}
                      {t.source === 'runtime' && (
                        <button
                          type="button"
                          class="danger"
                          disabled={busy !== undefined}
                          aria-label={`Delete ${title}`}
                          onClick={() => confirm(`Delete trigger ${title} (${t.triggerId})?`) && act(t, 'delete', () => api(path(t), { method: 'DELETE' }))}
                        >
                          Delete
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {toRun && (
        <RunNow
          trigger={toRun}
          busy={busy !== undefined}
          onCancel={() => setRunning(undefined)}
          onRun={(input) =>
            act(toRun, 'run', async () => {
              const fired = await api<{ taskId: string }>(`${path(toRun)}/fire`, { method: 'POST', json: input === undefined ? {} : { input } });
              setRunning(undefined);
              navigate(`tasks/${fired.taskId}`);
            })
          }
        />
      )}
    </>
  );
}

/** The confirmation of a firing, with its optional JSON `input` (`ctx.input`; a schedule's own input when none is given). */
function RunNow({ trigger, busy, onRun, onCancel }: { trigger: TriggerInfo; busy: boolean; onRun(input: unknown): void; onCancel(): void }) {
  const [invalid, setInvalid] = useState<string | undefined>();
  const title = triggerTitle(trigger);
  const submit = (event: Event) => {
    event.preventDefault();
    const text = String(new FormData(event.currentTarget as HTMLFormElement).get('input') ?? '');
    try {
      const input = parseJsonField(text, 'The input');
      setInvalid(undefined);
      onRun(input);
    } catch (e) {
      setInvalid((e as Error).message);
    }
  };
  return (
    <form class="confirm-run" onSubmit={submit} aria-label={`Run ${title} now`}>
      <p>
        Start a task of <strong>{trigger.process}</strong> now, as <span class="mono">{title}</span> would?
      </p>
      <label>
        Input (JSON, optional{trigger.spec.kind === 'schedule' ? ': the schedule’s own input when empty' : ''})
        {/* Focused when it opens: below the table, it scrolls into view and the keyboard lands in it. */}
        <textarea name="input" rows={3} spellcheck={false} autoFocus placeholder='{ "since": "2026-01-01" }' aria-invalid={invalid !== undefined} />
      </label>
      {invalid && (
        <p class="alert alert-error" role="alert">
          {invalid}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Yes, run it
        </button>
        <button type="button" onClick={onCancel}>
          No
        </button>
      </div>
    </form>
  );
}

const KIND_FIELDS = {
  schedule: [
    { name: 'expression', label: 'Expression', placeholder: 'rate(5 minutes) or cron(0 9 * * ? *)', required: true },
    { name: 'timezone', label: 'Time zone', placeholder: 'UTC' },
  ],
  http: [
    { name: 'method', label: 'Method', required: true, options: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY'] },
    { name: 'path', label: 'Path', placeholder: '/orders/{id}', required: true },
    { name: 'mode', label: 'Mode', options: ['sync', 'async'] },
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
} as const satisfies Record<string, ReadonlyArray<{ name: string; label: string; placeholder?: string; required?: boolean; number?: boolean; options?: readonly string[] }>>;

/** '' until the user picks: a route is public only when someone chose so, never by a default left alone. */
type AuthChoice = '' | 'none' | 'named' | 'aws_iam';

/** The `authorizer` field of an http trigger from the form: `undefined` for a public route. */
export function authorizerOf(choice: AuthChoice, name: string, scopes: string): HttpAuthorizer | undefined {
  if (choice === 'none' || choice === '') return undefined;
  if (choice === 'aws_iam') return 'aws_iam';
  const list = scopes.split(/[\s,]+/).filter((scope) => scope !== '');
  return { name: name.trim(), ...(list.length > 0 ? { scopes: list } : {}) };
}

/** A runtime trigger; the API's validation errors (400, 409) are shown as it sent them. */
function CreateTrigger({ processes, authorizers, onCreated }: { processes: string[]; authorizers: string[]; onCreated(): void }) {
  const [kind, setKind] = useState<keyof typeof KIND_FIELDS>('schedule');
  const [auth, setAuth] = useState<AuthChoice>('');
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
    if (kind === 'http') {
      const authorizer = authorizerOf(auth, String(data.get('authorizerName') ?? ''), String(data.get('scopes') ?? ''));
      if (authorizer !== undefined) body.authorizer = authorizer;
    }
    const note = String(data.get('note') ?? '').trim();
    if (note) body.note = note;
    try {
      const trigger = await api<TriggerInfo>('/sluice/triggers', { method: 'POST', json: body });
      setError(undefined);
      setCreated(triggerTitle(trigger));
      form.reset();
      // The next trigger is likely for the same process: it stays chosen.
      (form.elements.namedItem('process') as HTMLSelectElement).value = String(body.process);
      setAuth('');
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
        {(KIND_FIELDS[kind] as ReadonlyArray<{ name: string; label: string; placeholder?: string; required?: boolean; options?: readonly string[] }>).map((field) => (
          <label key={`${kind}-${field.name}`}>
            {field.label}
            {field.options ? (
              <select name={field.name} required={field.required}>
                {field.options.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            ) : (
              <input name={field.name} placeholder={field.placeholder} required={field.required} />
            )}
          </label>
        ))}
        {kind === 'http' && (
          <>
            <label>
              Who may call it
              <select name="authorizer" required value={auth} aria-describedby={auth === 'none' ? 'public-warning' : undefined} onChange={(e) => setAuth(e.currentTarget.value as AuthChoice)}>
                <option value="" disabled>
                  choose…
                </option>
                <option value="none">none: public, anyone can call it</option>
                <option value="named">a named authorizer of the service</option>
                <option value="aws_iam">aws_iam: signed IAM requests</option>
              </select>
            </label>
            {auth === 'named' && (
              <>
                <label>
                  Authorizer name
                  <input name="authorizerName" required maxLength={128} list="authorizer-names" placeholder="from provider.httpApi.authorizers" />
                  <datalist id="authorizer-names">
                    {authorizers.map((name) => (
                      <option key={name} value={name} />
                    ))}
                  </datalist>
                </label>
                <label>
                  Scopes (JWT, optional)
                  <input name="scopes" placeholder="orders.read orders.write" />
                </label>
              </>
            )}
          </>
        )}
        <label>
          Note
          <input name="note" maxLength={256} />
        </label>
      </div>
      {kind === 'http' && auth === 'none' && (
        <p class="help" id="public-warning">
          No authorizer: the route will be public, anyone who can reach the runtime can call it.
        </p>
      )}
      <ErrorBox error={error} prefix="Not created" />
      {created && <Notice>Created trigger {created}.</Notice>}
      <button type="submit" class="primary">
        Create trigger
      </button>
    </form>
  );
}
