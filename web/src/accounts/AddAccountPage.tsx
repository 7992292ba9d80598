// /accounts/add: connect an MT5 account.

import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/problems';
import type { AccountCategory, NewAccount } from '../api/types';
import { useApp, useTitle } from '../ui/app';
import { ErrorMessage, Field, Link, Notice } from '../ui/components';
import { CATEGORIES } from './AccountDialogs';

export function AddAccountPage(): JSX.Element {
  const { api, router } = useApp();
  useTitle('Connect an MT5 account');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [server, setServer] = useState('');
  const [name, setName] = useState('');
  const [category, setCategory] = useState<AccountCategory>('Demo');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    const loginNumber = Number(login.trim());
    if (!/^\d+$/.test(login.trim()) || loginNumber < 1) problems.mt5_login = 'Enter the account number (digits only).';
    if (!password) problems.mt5_password = 'Enter the investor password.';
    if (!server.trim()) problems.mt5_server = 'Enter the server name exactly as MT5 shows it.';
    setFields(problems);
    if (Object.keys(problems).length > 0) return;
    const account: NewAccount = { mt5_login: loginNumber, mt5_password: password, mt5_server: server.trim(), account_name: name.trim(), account_category: category };
    setBusy(true);
    setError(null);
    try {
      await api.createAccount(account);
      router.navigate('/dashboard');
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'plan_limit') {
        setFields({});
        setError(failure);
      } else if (failure instanceof ApiError) {
        setFields(failure.fields);
        setError(Object.keys(failure.fields).length > 0 ? 'Some fields need attention.' : failure);
      } else setError('The account could not be connected. Please try again.');
    } finally {
      setBusy(false);
    }
  };

  const planLimit = error instanceof ApiError && error.code === 'plan_limit';
  return (
    <>
      <div className="page-head"><h1>Connect an MT5 account</h1></div>
      <div className="two-column">
        <section className="card">
          <form onSubmit={(event) => { void submit(event); }} noValidate>
            {planLimit ? (
              <div className="notice notice-warning" role="alert">
                <p><strong>Your free plan includes one MT5 account.</strong> Pro connects as many accounts as you trade, with their full history.</p>
                <Link to="/settings" className="button button-primary">See plans and upgrade</Link>
              </div>
            ) : (
              <ErrorMessage error={error instanceof ApiError ? error.message : error} />
            )}
            <Field label="Login (account number)" name="mt5_login" error={fields.mt5_login}>
              {(attributes) => <input {...attributes} inputMode="numeric" autoComplete="off" value={login} onChange={(event) => setLogin(event.target.value)} required />}
            </Field>
            <Field label="Investor password" name="mt5_password" error={fields.mt5_password}
              hint="Use the investor (read-only) password: Klaro only reads balances, positions and history, and this password cannot place trades.">
              {(attributes) => <input {...attributes} type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} required />}
            </Field>
            <Field label="Server" name="mt5_server" error={fields.mt5_server} hint="As MT5 shows it under File → Login, e.g. ICMarketsSC-Demo.">
              {(attributes) => <input {...attributes} autoComplete="off" value={server} onChange={(event) => setServer(event.target.value)} required />}
            </Field>
            <Field label="Name (optional)" name="account_name" error={fields.account_name}>
              {(attributes) => <input {...attributes} maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />}
            </Field>
            <Field label="Category" name="account_category" error={fields.account_category}>
              {(attributes) => (
                <select {...attributes} value={category} onChange={(event) => setCategory(event.target.value as AccountCategory)}>
                  {CATEGORIES.map((value) => <option key={value} value={value}>{value}</option>)}
                </select>
              )}
            </Field>
            <div className="form-actions">
              <Link to="/accounts" className="button">Cancel</Link>
              <button type="submit" className="button button-primary" disabled={busy}>{busy ? 'Connecting…' : 'Connect account'}</button>
            </div>
          </form>
        </section>
        <aside className="card aside">
          <h2>Why the investor password?</h2>
          <p>MT5 gives every account two passwords. The <strong>investor</strong> password opens the account read-only: it can see balances, positions and history, but cannot trade or withdraw.</p>
          <p>That is all Klaro needs. Your password is encrypted before it is stored, and it is never shown again, logged or sent anywhere but to your broker's server.</p>
          <Notice>The first sync starts right away and usually takes under a minute. You will see it land on the dashboard.</Notice>
        </aside>
      </div>
    </>
  );
}
