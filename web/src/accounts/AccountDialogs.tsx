// The edit and delete dialogs of /accounts.

import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/problems';
import type { Account, AccountCategory, AccountChanges } from '../api/types';
import { useApp } from '../ui/app';
import { Dialog, ErrorMessage, Field } from '../ui/components';

export const CATEGORIES: readonly AccountCategory[] = ['Demo', 'Funded', 'Challenge', 'Real'];

export function EditAccountDialog(props: { account: Account | null; onClose: () => void; onSaved: (account: Account) => void }): JSX.Element {
  const { api } = useApp();
  const [name, setName] = useState('');
  const [category, setCategory] = useState<AccountCategory>('Demo');
  const [password, setPassword] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const account = props.account;

  useEffect(() => {
    if (!account) return;
    setName(account.account_name);
    setCategory(account.account_category);
    setPassword('');
    setFields({});
    setError(null);
  }, [account]);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!account) return;
    const changes: AccountChanges = {};
    if (name !== account.account_name) changes.account_name = name;
    if (category !== account.account_category) changes.account_category = category;
    if (password) changes.mt5_password = password;
    if (Object.keys(changes).length === 0) {
      props.onClose();
      return;
    }
    setBusy(true);
    try {
      props.onSaved(await api.updateAccount(account.id, changes));
    } catch (failure) {
      if (failure instanceof ApiError) {
        setFields(failure.fields);
        setError(Object.keys(failure.fields).length ? null : failure.message);
      } else setError('The changes could not be saved.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Edit ${account?.account_name || account?.mt5_login || ''}`} open={account !== null} onClose={props.onClose}>
      <form onSubmit={(event) => { void submit(event); }} noValidate>
        <ErrorMessage error={error} />
        <Field label="Name" name="account_name" error={fields.account_name}>
          {(attributes) => <input {...attributes} value={name} maxLength={100} onChange={(event) => setName(event.target.value)} />}
        </Field>
        <Field label="Category" name="account_category" error={fields.account_category}>
          {(attributes) => (
            <select {...attributes} value={category} onChange={(event) => setCategory(event.target.value as AccountCategory)}>
              {CATEGORIES.map((value) => <option key={value} value={value}>{value}</option>)}
            </select>
          )}
        </Field>
        <Field label="New password (optional)" name="mt5_password" error={fields.mt5_password}
          hint="Leave empty to keep the stored one. A new password resumes an account whose login failed.">
          {(attributes) => <input {...attributes} type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />}
        </Field>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={props.onClose}>Cancel</button>
          <button type="submit" className="button button-primary" disabled={busy}>{busy ? 'Saving…' : 'Save changes'}</button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeleteAccountDialog(props: { account: Account | null; onClose: () => void; onDeleted: (account: Account) => void }): JSX.Element {
  const { api } = useApp();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const account = props.account;
  useEffect(() => setError(null), [account]);
  const name = account ? account.account_name || `MT5 ${account.mt5_login}` : '';
  const remove = async (): Promise<void> => {
    if (!account) return;
    setBusy(true);
    try {
      await api.deleteAccount(account.id);
      props.onDeleted(account);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : 'The account could not be deleted.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={`Delete ${name}?`} open={account !== null} onClose={props.onClose}>
      <ErrorMessage error={error} />
      <p>
        This removes the account <strong>{account?.mt5_login}</strong> on <strong>{account?.mt5_server}</strong> from Klaro with everything
        Klaro stored about it: its balance history, open positions, deals, closed trades and sync history, and its encrypted password.
      </p>
      <p>Your MT5 account itself is not touched. You can connect it again later; its history is then fetched anew.</p>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onClose} autoFocus>Keep it</button>
        <button type="button" className="button button-danger" disabled={busy} onClick={() => { void remove(); }}>
          {busy ? 'Deleting…' : 'Delete account and data'}
        </button>
      </div>
    </Dialog>
  );
}
