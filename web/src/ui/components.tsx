// The few shared pieces every feature uses.

import { useEffect, useId, useRef, type ReactNode } from 'react';
import { formatMoney, formatPercent, trendClass } from './format';
import { useApp } from './app';

/** An in-app link that uses the History API router. */
export function Link(props: { to: string; children: ReactNode; className?: string; current?: boolean }): JSX.Element {
  const { router } = useApp();
  return (
    <a
      href={props.to}
      className={props.className}
      aria-current={props.current ? 'page' : undefined}
      onClick={(event) => {
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        router.navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}

/** Money, right-aligned by its container, signed and coloured when it is a gain or loss. */
export function Money(props: { value: number | null | undefined; currency: string | null | undefined; signed?: boolean }): JSX.Element {
  const trend = props.signed ? trendClass(props.value) : 'flat';
  return <span className={`money ${props.signed ? trend : ''}`}>{formatMoney(props.value, props.currency, { signed: props.signed })}</span>;
}

export function Percent(props: { value: number | null | undefined; signed?: boolean }): JSX.Element {
  const trend = props.signed ? trendClass(props.value) : 'flat';
  return <span className={`money ${props.signed ? trend : ''}`}>{formatPercent(props.value, { signed: props.signed })}</span>;
}

export function Skeleton(props: { lines?: number; label?: string; tall?: boolean }): JSX.Element {
  return (
    <div className={`skeleton ${props.tall ? 'skeleton-tall' : ''}`} role="status" aria-live="polite">
      <span className="visually-hidden">{props.label ?? 'Loading…'}</span>
      {Array.from({ length: props.lines ?? 3 }, (_, index) => <div key={index} className="skeleton-line" />)}
    </div>
  );
}

export function EmptyState(props: { title: string; children?: ReactNode; action?: ReactNode }): JSX.Element {
  return (
    <section className="empty-state">
      <h2>{props.title}</h2>
      {props.children && <p>{props.children}</p>}
      {props.action}
    </section>
  );
}

export function ErrorMessage(props: { error: Error | string | null; onRetry?: () => void }): JSX.Element | null {
  if (!props.error) return null;
  const text = typeof props.error === 'string' ? props.error : props.error.message;
  return (
    <div className="notice notice-error" role="alert">
      <span>{text}</span>
      {props.onRetry && <button type="button" className="button button-small" onClick={props.onRetry}>Try again</button>}
    </div>
  );
}

export function Notice(props: { children: ReactNode; tone?: 'info' | 'success' | 'warning' }): JSX.Element {
  return <div className={`notice notice-${props.tone ?? 'info'}`} role="status">{props.children}</div>;
}

/** A labelled form field with its hint and its error beside it. */
export function Field(props: {
  label: string; name: string; error?: string; hint?: ReactNode; children: (attributes: FieldAttributes) => ReactNode;
}): JSX.Element {
  const id = useId();
  const hintID = props.hint ? `${id}-hint` : undefined;
  const errorID = props.error ? `${id}-error` : undefined;
  return (
    <div className={`field ${props.error ? 'field-invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({
        id, name: props.name, 'aria-invalid': props.error ? true : undefined,
        'aria-describedby': [hintID, errorID].filter(Boolean).join(' ') || undefined,
      })}
      {props.hint && <p className="field-hint" id={hintID}>{props.hint}</p>}
      {props.error && <p className="field-error" id={errorID}>{props.error}</p>}
    </div>
  );
}

export interface FieldAttributes {
  id: string;
  name: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
}

/** A modal dialog (the native <dialog>: focus stays inside, Escape closes it). */
export function Dialog(props: { title: string; open: boolean; onClose: () => void; children: ReactNode }): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const titleID = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleID} onClose={props.onClose} onCancel={props.onClose}>
      {props.open && (
        <>
          <h2 id={titleID}>{props.title}</h2>
          {props.children}
        </>
      )}
    </dialog>
  );
}

export function StatusBadge(props: { status: string; stale?: boolean; inFlight?: boolean }): JSX.Element {
  const label = props.inFlight ? 'Syncing' : props.status === 'active' ? (props.stale ? 'Stale' : 'Active')
    : props.status === 'auth_failed' ? 'Login failed' : props.status === 'disabled' ? 'Disabled' : props.status === 'paused' ? 'Paused' : props.status;
  const tone = props.inFlight ? 'info' : props.status === 'active' ? (props.stale ? 'warning' : 'ok') : 'error';
  return <span className={`badge badge-${tone}`}>{label}</span>;
}
