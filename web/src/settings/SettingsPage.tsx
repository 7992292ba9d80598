// /settings: plan and usage, billing, password change, sign out.

import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/problems';
import { useApp, useResource, useSession, useTitle } from '../ui/app';
import { ErrorMessage, Field, Notice, Skeleton } from '../ui/components';

/** Accounts each plan includes (docs/api.md: free = 1, pro = unlimited). */
export function accountLimit(plan: 'free' | 'pro'): number | null {
  return plan === 'free' ? 1 : null;
}

export function SettingsPage(): JSX.Element {
  const { api, session, router } = useApp();
  const user = useSession();
  useTitle('Settings');
  const summary = useResource((signal) => api.dashboard('1d', signal), []);
  const plan = summary.data?.plan;
  const used = summary.data?.accounts.length ?? 0;
  const limit = plan ? accountLimit(plan) : null;
  return (
    <>
      <div className="page-head"><h1>Settings</h1></div>
      <div className="grid grid-2">
        <section className="card" aria-labelledby="plan-title">
          <h2 id="plan-title">Plan</h2>
          <ErrorMessage error={summary.error} onRetry={summary.reload} />
          {!summary.data && <Skeleton lines={3} label="Loading your plan…" />}
          {summary.data && plan && (
            <>
              <dl className="figures">
                <dt>Plan</dt><dd>{plan === 'pro' ? 'Pro' : 'Free'}</dd>
                <dt>Accounts</dt><dd>{limit === null ? `${used} (unlimited)` : `${used} of ${limit}`}</dd>
                <dt>History</dt><dd>{summary.data.history_days ? `Last ${summary.data.history_days} days` : 'Full history'}</dd>
                <dt>Billing</dt><dd>{plan === 'pro' ? 'Subscription active' : 'No subscription'}</dd>
              </dl>
              {limit !== null && used >= limit && <Notice tone="warning">You use every account your plan includes.</Notice>}
              {plan === 'free' && (
                <p className="muted">
                  Pro connects unlimited MT5 accounts and keeps their full history. To upgrade, subscribe through Klaro's billing page
                  (Stripe); your plan changes here as soon as the payment is confirmed.
                </p>
              )}
            </>
          )}
        </section>
        <section className="card" aria-labelledby="profile-title">
          <h2 id="profile-title">Sign-in</h2>
          <p>Signed in as <strong>{user?.user.email}</strong>.</p>
          <PasswordForm />
          <hr className="divider" />
          <button type="button" className="button" onClick={() => { void session.signOut().then(() => router.navigate('/login')); }}>Sign out</button>
        </section>
      </div>
    </>
  );
}

function PasswordForm(): JSX.Element {
  const { session } = useApp();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setDone(false);
    const problems: Record<string, string> = {};
    if (password.length < 8) problems.password = 'Use at least 8 characters.';
    else if (password !== confirm) problems.confirm = 'The two passwords differ.';
    setFields(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      await session.changePassword(password);
      setDone(true);
      setPassword('');
      setConfirm('');
      setError(null);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : 'The password could not be changed.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(event) => { void submit(event); }} noValidate aria-label="Change password">
      <h3>Change password</h3>
      {done && <Notice tone="success">Your password was changed.</Notice>}
      <ErrorMessage error={error} />
      <Field label="New password" name="password" error={fields.password}>
        {(attributes) => <input {...attributes} type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />}
      </Field>
      <Field label="Repeat the new password" name="confirm" error={fields.confirm}>
        {(attributes) => <input {...attributes} type="password" autoComplete="new-password" value={confirm} onChange={(event) => setConfirm(event.target.value)} />}
      </Field>
      <button type="submit" className="button button-primary" disabled={busy}>{busy ? 'Saving…' : 'Change password'}</button>
    </form>
  );
}
