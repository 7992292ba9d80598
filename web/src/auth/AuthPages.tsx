// /login and /signup.

import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/problems';
import { safeNext } from '../router';
import { useApp, useTitle } from '../ui/app';
import { ErrorMessage, Field, Link } from '../ui/components';
import { PublicLayout } from '../ui/Layout';

const minimumPassword = 8;

export function AuthPage(props: { mode: 'login' | 'signup' }): JSX.Element {
  const { session, router } = useApp();
  const signup = props.mode === 'signup';
  useTitle(signup ? 'Create your account' : 'Sign in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) problems.email = 'Enter your email address.';
    if (signup && password.length < minimumPassword) problems.password = `Use at least ${minimumPassword} characters.`;
    if (!signup && !password) problems.password = 'Enter your password.';
    setFields(problems);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      if (signup) await session.signUp(email.trim(), password);
      else await session.signIn(email.trim(), password);
      router.navigate(signup ? '/accounts/add' : safeNext(router.search.get('next')), { replace: true });
    } catch (failure) {
      if (failure instanceof ApiError) {
        setFields(failure.fields);
        setError(failure.status === 400 && !signup ? 'The email or password is not right.' : failure.message);
      } else {
        setError('Something went wrong. Please try again.');
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicLayout>
      <section className="card auth-card">
        <h1>{signup ? 'Create your Klaro account' : 'Sign in to Klaro'}</h1>
        <p className="muted">{signup ? 'Connect your MT5 accounts and see every trade in one place.' : 'Your accounts, synced every 15 minutes.'}</p>
        <form onSubmit={(event) => { void submit(event); }} noValidate>
          <ErrorMessage error={error} />
          <Field label="Email" name="email" error={fields.email}>
            {(attributes) => <input {...attributes} type="email" autoComplete="email" value={email} onChange={(event) => setEmail(event.target.value)} required />}
          </Field>
          <Field label="Password" name="password" error={fields.password} hint={signup ? `At least ${minimumPassword} characters.` : undefined}>
            {(attributes) => (
              <input {...attributes} type="password" autoComplete={signup ? 'new-password' : 'current-password'} value={password}
                onChange={(event) => setPassword(event.target.value)} required />
            )}
          </Field>
          <button type="submit" className="button button-primary button-wide" disabled={busy}>
            {busy ? 'Please wait…' : signup ? 'Create account' : 'Sign in'}
          </button>
        </form>
        <p className="auth-switch">
          {signup ? <>Already have an account? <Link to="/login">Sign in</Link></> : <>New to Klaro? <Link to="/signup">Create an account</Link></>}
        </p>
      </section>
    </PublicLayout>
  );
}
