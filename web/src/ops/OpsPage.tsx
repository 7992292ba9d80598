// /ops: the fleet for operators, through the admin API. The admin token is asked once and
// kept only in sessionStorage (gone when the tab closes).

import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { AdminClient } from '../api/client';
import { ApiError } from '../api/problems';
import type { AdminStatus, Capacity, Fleet, Host, Rebalance } from '../api/types';
import { useTitle } from '../ui/app';
import { ErrorMessage, Field, Notice, Skeleton } from '../ui/components';
import { formatDuration, formatNumber, formatPercent } from '../ui/format';
import { PublicLayout } from '../ui/Layout';

const tokenKey = 'klaro.adminToken';

export function OpsPage(): JSX.Element {
  useTitle('Operations');
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(tokenKey));
  if (!token) {
    return <TokenForm onToken={(value) => { sessionStorage.setItem(tokenKey, value); setToken(value); }} />;
  }
  return <Operations client={client(token)} onForget={() => { sessionStorage.removeItem(tokenKey); setToken(null); }} />;
}

// One client per token, so the page's effects do not start over on every render.
const clients = new Map<string, AdminClient>();
function client(token: string): AdminClient {
  let existing = clients.get(token);
  if (!existing) {
    existing = new AdminClient(token);
    clients.set(token, existing);
  }
  return existing;
}

function TokenForm(props: { onToken: (token: string) => void }): JSX.Element {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (value.trim().length < 24) { setError('The admin token has at least 24 characters (KLARO_ADMIN_TOKEN).'); return; }
    props.onToken(value.trim());
  };
  return (
    <PublicLayout>
      <section className="card auth-card">
        <h1>Operations</h1>
        <p className="muted">For Klaro's operators. The token stays in this tab only and is forgotten when it closes.</p>
        <form onSubmit={submit} noValidate>
          <Field label="Admin token" name="admin_token" error={error}>
            {(attributes) => <input {...attributes} type="password" autoComplete="current-password" value={value} onChange={(event) => setValue(event.target.value)} />}
          </Field>
          <button type="submit" className="button button-primary button-wide">Open the fleet view</button>
        </form>
      </section>
    </PublicLayout>
  );
}

function Operations(props: { client: AdminClient; onForget: () => void }): JSX.Element {
  const { client } = props;
  const [status, setStatus] = useState<AdminStatus | null>(null);
  const [fleet, setFleet] = useState<Fleet | null>(null);
  const [capacity, setCapacity] = useState<Capacity | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [plan, setPlan] = useState<Rebalance | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [nextStatus, nextFleet, nextCapacity] = await Promise.all([client.status(), client.fleet(), client.capacity()]);
      setStatus(nextStatus);
      setFleet(nextFleet);
      setCapacity(nextCapacity);
      setError(null);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 401) { props.onForget(); return; }
      setError(failure instanceof Error ? failure.message : 'The fleet could not be loaded.');
    }
  }, [client]);

  useEffect(() => {
    void load();
    const timer = window.setInterval(() => { void load(); }, 10_000);
    return () => window.clearInterval(timer);
  }, [load]);

  const act = async (host: Host, action: 'drain' | 'undrain' | 'cordon' | 'uncordon'): Promise<void> => {
    try {
      const after = await client.hostAction(host.host, action);
      setMessage(`${host.host}: ${action} done; now ${after.state}.`);
      await load();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : `${action} failed.`);
    }
  };

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand"><span className="brand-mark" aria-hidden="true">◆</span> Klaro operations</span>
        <div className="topbar-end"><button type="button" className="button button-ghost" onClick={props.onForget}>Forget token</button></div>
      </header>
      <main id="main" className="content">
        <div className="page-head"><h1>Fleet</h1></div>
        {message && <Notice tone="success">{message}</Notice>}
        <ErrorMessage error={error} onRetry={() => { void load(); }} />
        {!status && !error && <Skeleton lines={4} label="Loading the fleet…" />}
        {status && (
          <section className="totals" aria-label="Fleet status">
            <Stat label="Sync success (1 h)" value={formatPercent(status.syncs_1h.success_rate)} />
            <Stat label="Syncs (1 h)" value={String(status.syncs_1h.total)} />
            <Stat label="Stale accounts" value={String(status.accounts.stale)} />
            <Stat label="Demand ratio" value={formatNumber(status.demand_ratio)} />
            <Stat label="Queue due / in flight" value={`${status.queue.due} / ${status.queue.in_flight}`} />
            <Stat label="Oldest success" value={formatDuration(status.accounts.oldest_success_age_seconds)} />
          </section>
        )}
        {capacity && <CapacityPlan capacity={capacity} />}
        {fleet && fleet.hosts.map((host) => (
          <section key={host.host} className="card" aria-labelledby={`host-${host.host}`}>
            <div className="card-head">
              <h2 id={`host-${host.host}`}>{host.host} <span className={`badge badge-${host.state === 'active' ? 'ok' : host.state === 'dead' || host.state === 'refused' ? 'error' : 'warning'}`}>{host.state}</span></h2>
              <div className="button-row">
                {host.admin_state === 'draining'
                  ? <button type="button" className="button" onClick={() => { void act(host, 'undrain'); }}>Undrain {host.host}</button>
                  : <button type="button" className="button" onClick={() => { void act(host, 'drain'); }}>Drain {host.host}</button>}
                {host.admin_state === 'cordoned'
                  ? <button type="button" className="button" onClick={() => { void act(host, 'uncordon'); }}>Uncordon {host.host}</button>
                  : <button type="button" className="button" onClick={() => { void act(host, 'cordon'); }}>Cordon {host.host}</button>}
              </div>
            </div>
            <p className="muted small">{host.live_slots} live slots · {host.accounts} accounts · {host.syncs_1h} syncs in the last hour · success {formatPercent(host.success_rate_1h)}</p>
            <div className="table-wrap">
              <table className="table">
                <caption className="visually-hidden">Slots of {host.host}</caption>
                <thead><tr><th scope="col">Slot</th><th scope="col">State</th><th scope="col">Placement</th><th scope="col" className="num">Accounts</th><th scope="col" className="num">Capacity</th><th scope="col" className="num">Syncs (1 h)</th><th scope="col" className="num">Success</th></tr></thead>
                <tbody>
                  {host.slots.map((slot) => (
                    <tr key={slot.slot}>
                      <th scope="row">{slot.slot}</th><td>{slot.state}</td><td>{slot.placement}</td><td className="num">{slot.accounts}</td>
                      <td className="num">{slot.capacity ?? '—'}</td><td className="num">{slot.syncs_1h}</td><td className="num">{formatPercent(slot.success_rate_1h)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        ))}
        <section className="card" aria-labelledby="rebalance-title">
          <h2 id="rebalance-title">Rebalance</h2>
          <p className="muted">Puts every account on its ideal slot. See the plan first; nothing moves until you apply it.</p>
          <button type="button" className="button" onClick={() => { void client.rebalance(true).then(setPlan, (failure: Error) => setError(failure.message)); }}>Show the move plan</button>
          {plan && (
            <div className="rebalance-plan">
              <p>{plan.summary.moves} moves ({plan.summary.relocations} relocations, {plan.summary.deferred} deferred, {plan.summary.unplaced} left unplaced).</p>
              {plan.moves.length > 0 && (
                <div className="table-wrap">
                  <table className="table">
                    <caption className="visually-hidden">Planned moves</caption>
                    <thead><tr><th scope="col">Account</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Why</th></tr></thead>
                    <tbody>{plan.moves.slice(0, 50).map((move) => (
                      <tr key={move.account_id}><td>{move.account_id.slice(0, 8)}</td><td>{move.from ?? '—'}</td><td>{move.to ?? '—'}</td><td>{move.reason}</td></tr>
                    ))}</tbody>
                  </table>
                </div>
              )}
              {plan.dry_run && plan.moves.length > 0 && (
                <button type="button" className="button button-primary" onClick={() => {
                  void client.rebalance(false).then((applied) => { setPlan(applied); setMessage(`Rebalance applied: ${applied.summary.moves} moves.`); void load(); },
                    (failure: Error) => setError(failure.message));
                }}>Apply these moves</button>
              )}
            </div>
          )}
        </section>
      </main>
    </div>
  );
}

function Stat(props: { label: string; value: string }): JSX.Element {
  return <div className="stat"><span className="stat-label">{props.label}</span><span className="stat-value money">{props.value}</span></div>;
}

/** What the fleet needs to meet every class's target, now and as accounts grow (klaro capacity). */
function CapacityPlan(props: { capacity: Capacity }): JSX.Element {
  const { capacity } = props;
  const now = capacity.scales.find((row) => row.scale === 1);
  const short = now !== undefined && now.slots_needed > capacity.live_slots;
  return (
    <section className="card" aria-labelledby="capacity-title">
      <h2 id="capacity-title">Capacity</h2>
      <p className={short ? 'small cadence-stretched' : 'muted small'}>
        {capacity.live_slots} live slots; {now ? `${now.slots_needed} needed` : 'none needed'} to meet every class's target at
        {' '}{formatPercent(capacity.target_utilisation, { digits: 0 })} utilisation{short ? ': short of slots, intervals stretch' : ''}.
      </p>
      {capacity.classes.length === 0 ? <p className="muted small">No active accounts yet.</p> : (
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Accounts by sync class</caption>
          <thead><tr><th scope="col">Class</th><th scope="col" className="num">Accounts</th><th scope="col" className="num">Mean sync</th><th scope="col" className="num">Target interval</th></tr></thead>
          <tbody>{capacity.classes.map((row) => (
            <tr key={row.sync_class}>
              <th scope="row">{row.sync_class}</th><td className="num">{formatNumber(row.accounts)}</td>
              <td className="num">{row.mean_sync_seconds.toFixed(1)} s</td><td className="num">{formatDuration(row.target_interval_seconds)}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      )}
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Slots and hosts needed as accounts grow</caption>
          <thead><tr><th scope="col">Accounts</th><th scope="col" className="num">Busy slots at targets</th><th scope="col" className="num">Slots needed</th><th scope="col" className="num">Hosts needed ({capacity.slots_per_host} slots)</th></tr></thead>
          <tbody>{capacity.scales.map((row) => (
            <tr key={row.scale}>
              <th scope="row">{row.scale === 1 ? 'now' : `${row.scale}×`} ({formatNumber(row.accounts)})</th>
              <td className="num">{row.demand_slots.toFixed(1)}</td><td className="num">{formatNumber(row.slots_needed)}</td>
              <td className="num">{formatNumber(row.hosts_needed)}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
    </section>
  );
}
