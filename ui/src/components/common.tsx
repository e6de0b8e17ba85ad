import type { ComponentChildren } from 'preact';
import { errorText } from '../api.js';
import type { TaskStatus } from '../api.js';

export function StatusBadge({ status }: { status: TaskStatus | string }) {
  return <span class={`badge badge-${status}`}>{status.replace('_', ' ')}</span>;
}

/** Pretty JSON in a disclosure: open by default when small. */
export function JsonView({ label, value, open }: { label: string; value: unknown; open?: boolean }) {
  const text = value === undefined ? 'undefined' : JSON.stringify(value, null, 2);
  return (
    <details class="json" open={open ?? text.length < 2000}>
      <summary>{label}</summary>
      <pre tabIndex={0} aria-label={label}>{text}</pre>
    </details>
  );
}

/** An API failure as the user should read it (status, error name, message, field issues). */
export function ErrorBox({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  return (
    <p class="alert alert-error" role="alert">
      {prefix ? `${prefix}: ` : ''}
      {errorText(error)}
    </p>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="alert alert-info" role="status">
      {children}
    </p>
  );
}
