import type { ComponentChildren } from 'preact';
import type { ApiError } from './api';

/** An API error as the API words it (its code and message), announced to screen readers. */
export function ErrorBox({ error, what }: { error: ApiError | null; what?: string }) {
  if (!error) {
    return null;
  }
  return (
    <div class="error" role="alert">
      <strong>{what ? `${what} failed` : 'Something went wrong'}</strong>: {error.message} <code>{error.code}</code>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Panel({ title, children, wide, actions }: { title: string; children: ComponentChildren; wide?: boolean; actions?: ComponentChildren }) {
  const id = `panel-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class={`panel${wide ? ' wide' : ''}`} aria-labelledby={id}>
      <header>
        <h2 id={id}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** A labelled form control: the label wraps it, so it is named for assistive technology. */
export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
      {hint && <small>{hint}</small>}
    </label>
  );
}

/** The status of an import, report or run as a coloured badge (its text is the status itself). */
export function Badge({ status }: { status: string }) {
  return <span class={`badge ${status.toLowerCase().replace(/[^a-z]+/g, '-')}`}>{status}</span>;
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' }) : '–';
}
