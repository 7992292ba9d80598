// /accounts: every account with its status and last error in words, sync now (with the
// 429 wait as a countdown), edit, and delete with a confirmation.

import { useState } from 'react';
import { ApiError } from '../api/problems';
import type { Account } from '../api/types';
import { useApp, useLiveRefresh, useNow, useResource, useTitle } from '../ui/app';
import { EmptyState, ErrorMessage, Link, Notice, Skeleton, StatusBadge } from '../ui/components';
import { formatAgo, formatCountdown, formatDateTime } from '../ui/format';
import { DeleteAccountDialog, EditAccountDialog } from './AccountDialogs';

export function AccountsPage(): JSX.Element {
  const { api } = useApp();
  useTitle('Accounts');
  const accounts = useResource((signal) => api.listAccounts(signal), []);
  useLiveRefresh(accounts.reload);
  const [editing, setEditing] = useState<Account | null>(null);
  const [deleting, setDeleting] = useState<Account | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  return (
    <>
      <div className="page-head">
        <h1>Accounts</h1>
        <Link to="/accounts/add" className="button button-primary">Connect account</Link>
      </div>
      {message && <Notice tone="success">{message}</Notice>}
      <ErrorMessage error={accounts.error} onRetry={accounts.reload} />
      {!accounts.data && accounts.loading && <Skeleton lines={5} label="Loading your accounts…" />}
      {accounts.data && accounts.data.length === 0 && (
        <EmptyState title="Connect your first MT5 account" action={<Link to="/accounts/add" className="button button-primary">Connect an MT5 account</Link>}>
          You need the account's login number, its investor (read-only) password and the broker's server name.
        </EmptyState>
      )}
      {accounts.data && accounts.data.length > 0 && (
        <ul className="account-list" aria-label="Your MT5 accounts">
          {accounts.data.map((account) => (
            <li key={account.id}>
              <AccountRow account={account} onEdit={() => setEditing(account)} onDelete={() => setDeleting(account)} onSynced={accounts.reload} />
            </li>
          ))}
        </ul>
      )}
      <EditAccountDialog account={editing} onClose={() => setEditing(null)} onSaved={(saved) => {
        setEditing(null);
        setMessage(`Saved ${saved.account_name || saved.mt5_login}.`);
        accounts.reload();
      }} />
      <DeleteAccountDialog account={deleting} onClose={() => setDeleting(null)} onDeleted={(gone) => {
        setDeleting(null);
        setMessage(`Deleted ${gone.account_name || gone.mt5_login} and all its data.`);
        accounts.reload();
      }} />
    </>
  );
}

function AccountRow(props: { account: Account; onEdit: () => void; onDelete: () => void; onSynced: () => void }): JSX.Element {
  const { account } = props;
  const name = account.account_name || `MT5 ${account.mt5_login}`;
  const now = useNow(1000);
  return (
    <article className="card account-row" aria-labelledby={`row-${account.id}`}>
      <div className="account-row-main">
        <div className="account-row-title">
          <h2 id={`row-${account.id}`}>{name}</h2>
          <StatusBadge status={account.status} stale={account.stale} inFlight={account.sync_in_flight} />
        </div>
        <p className="muted small">Login {account.mt5_login} · {account.mt5_server} · {account.account_category}</p>
        {account.last_error?.text !== account.status_text && <p className="status-text">{account.status_text}</p>}
        {account.last_error && (
          <div className="account-error" role="note">
            <strong>Last sync failed:</strong> {account.last_error.text}
            {account.last_error.message && <span className="muted small"> (MT5 said: {account.last_error.message})</span>}
          </div>
        )}
        <p className="muted small">
          Last synced {formatAgo(account.last_synced, now)}
          {account.status === 'active' && <> · next sync {formatDateTime(account.next_sync_at)}</>}
        </p>
        {account.status === 'active' && (
          <p className={account.sync_cadence.stretched || account.sync_cadence.terminals_offline ? 'small cadence cadence-stretched' : 'muted small cadence'}>
            {account.sync_cadence.text}
          </p>
        )}
      </div>
      <div className="account-row-actions">
        <SyncNowButton account={account} name={name} onSynced={props.onSynced} now={now} />
        <button type="button" className="button" onClick={props.onEdit} aria-label={`Edit ${name}`}>Edit</button>
        <button type="button" className="button button-danger-ghost" onClick={props.onDelete} aria-label={`Delete ${name}`}>Delete</button>
      </div>
    </article>
  );
}

function SyncNowButton(props: { account: Account; name: string; onSynced: () => void; now: number }): JSX.Element {
  const { api } = useApp();
  const [waitUntil, setWaitUntil] = useState<number | null>(null);
  const [feedback, setFeedback] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const remaining = waitUntil ? Math.max(0, (waitUntil - props.now) / 1000) : 0;
  const waiting = remaining > 0;
  const sync = async (): Promise<void> => {
    setBusy(true);
    try {
      const answer = await api.syncAccount(props.account.id);
      setFeedback(answer.message);
      props.onSynced();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 429 && failure.retryAfter) {
        setWaitUntil(Date.now() + failure.retryAfter * 1000);
        setFeedback(null);
      } else {
        setFeedback(failure instanceof Error ? failure.message : 'The sync could not be requested.');
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="sync-now">
      <button type="button" className="button" disabled={busy || waiting || props.account.status !== 'active'}
        onClick={() => { void sync(); }} aria-label={`Sync ${props.name} now`}>
        {waiting ? `Sync again in ${formatCountdown(remaining)}` : busy ? 'Requesting…' : 'Sync now'}
      </button>
      <span className="small muted" role="status">
        {waiting ? `A sync was requested a moment ago. You can sync again in ${formatCountdown(remaining)}.` : feedback ?? ''}
      </span>
    </div>
  );
}
