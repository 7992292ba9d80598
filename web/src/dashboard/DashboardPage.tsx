// /dashboard: totals, one card per account, and the balance/equity curve. Refreshes itself
// when a sync lands (live events), or every 30 s while the live stream is down.

import { useEffect, useMemo, useState } from 'react';
import type { DashboardAccount, DashboardSummary, DashboardTotals } from '../api/types';
import { useApp, useLiveRefresh, useNow, useResource, useTitle } from '../ui/app';
import { ChartView, type Series } from '../ui/Chart';
import { EmptyState, ErrorMessage, Link, Money, Skeleton, StatusBadge } from '../ui/components';
import { formatAgo, formatMoney, formatMoneyAxis, formatNumber, formatShortDate } from '../ui/format';
import { apiRange, isHourly, isRangeKey, RANGE_KEYS, rangeName, type RangeKey } from '../ui/ranges';

let completeMarked = false;

export function DashboardPage(): JSX.Element {
  const { api, router } = useApp();
  useTitle('Dashboard');
  const initial = router.search.get('range');
  const [range, setRange] = useState<RangeKey>(isRangeKey(initial) ? initial : '1M');
  const summary = useResource((signal) => api.dashboard(apiRange(range), signal), [range]);
  useLiveRefresh(summary.reload);

  useEffect(() => {
    if (summary.data && !completeMarked) {
      completeMarked = true;
      requestAnimationFrame(() => performance.mark('klaro:dashboard-complete'));
    }
  }, [summary.data]);

  return (
    <>
      <div className="page-head">
        <h1>Dashboard</h1>
        <Link to="/accounts/add" className="button button-primary">Connect account</Link>
      </div>
      <ErrorMessage error={summary.error} onRetry={summary.reload} />
      {!summary.data && summary.loading && <DashboardSkeleton />}
      {summary.data && summary.data.accounts.length === 0 && (
        <EmptyState title="Connect your first MT5 account"
          action={<Link to="/accounts/add" className="button button-primary">Connect an MT5 account</Link>}>
          Klaro logs in with your investor (read-only) password every 15 minutes and shows balance, equity, positions and every closed trade here.
        </EmptyState>
      )}
      {summary.data && summary.data.accounts.length > 0 && (
        <Dashboard summary={summary.data} range={range} onRange={(key) => {
          setRange(key);
          router.navigate(`/dashboard?range=${key}`, { replace: true });
        }} />
      )}
    </>
  );
}

function DashboardSkeleton(): JSX.Element {
  return (
    <div className="grid grid-cards" aria-busy="true">
      <Skeleton lines={4} label="Loading your accounts…" />
      <Skeleton lines={4} label="" />
      <Skeleton lines={4} label="" tall />
    </div>
  );
}

function Dashboard(props: { summary: DashboardSummary; range: RangeKey; onRange: (key: RangeKey) => void }): JSX.Element {
  const { summary } = props;
  return (
    <>
      {summary.totals.map((totals) => <TotalsStrip key={totals.currency} totals={totals} />)}
      <section className="card" aria-labelledby="curve-title">
        <div className="card-head">
          <h2 id="curve-title">Balance and equity</h2>
          <RangePicker value={props.range} onChange={props.onRange} />
        </div>
        {summary.curve.clamped && (
          <p className="muted small">Your plan shows the last {summary.history_days} days. Upgrade to Pro in <Link to="/settings">Settings</Link> for all of it.</p>
        )}
        {summary.curve.totals.map((curve) => (
          <CurveChart key={curve.currency} currency={curve.currency} points={curve.points} hourly={summary.curve.resolution === 'hour' || isHourly(props.range)} />
        ))}
        {summary.curve.totals.every((curve) => curve.points.length === 0) && (
          <p className="muted">No balance history in this period yet. It grows with every sync.</p>
        )}
      </section>
      <h2 className="section-title">Accounts</h2>
      <ul className="grid grid-cards account-cards" aria-label="Accounts">
        {summary.accounts.map((account) => <li key={account.id}><AccountCard account={account} /></li>)}
      </ul>
    </>
  );
}

function TotalsStrip(props: { totals: DashboardTotals }): JSX.Element {
  const { totals } = props;
  const c = totals.currency;
  return (
    <section className="totals" aria-label={`Totals in ${c}`}>
      <Stat label="Balance" value={<Money value={totals.balance} currency={c} />} />
      <Stat label="Equity" value={<Money value={totals.equity} currency={c} />} />
      <Stat label="Floating P/L" value={<Money value={totals.floating_profit} currency={c} signed />} />
      <Stat label="Closed today" value={<Money value={totals.closed_profit_today} currency={c} signed />} />
      <Stat label="Closed this month" value={<Money value={totals.closed_profit_month} currency={c} signed />} />
      <Stat label="Open positions" value={<span className="money">{totals.open_positions}</span>} />
    </section>
  );
}

function Stat(props: { label: string; value: JSX.Element }): JSX.Element {
  return (
    <div className="stat">
      <span className="stat-label">{props.label}</span>
      <span className="stat-value">{props.value}</span>
    </div>
  );
}

function RangePicker(props: { value: RangeKey; onChange: (key: RangeKey) => void }): JSX.Element {
  return (
    <div className="segmented" role="group" aria-label="Period">
      {RANGE_KEYS.map((key) => (
        <button key={key} type="button" className="segment" aria-pressed={props.value === key} aria-label={`Show ${rangeName(key)}`}
          onClick={() => props.onChange(key)}>
          {key}
        </button>
      ))}
    </div>
  );
}

function CurveChart(props: { currency: string; points: { t: string; balance: number; equity: number }[]; hourly: boolean }): JSX.Element {
  const labels = useMemo(() => props.points.map((point) => formatShortDate(point.t, { withTime: props.hourly })), [props.points, props.hourly]);
  const series = useMemo<Series[]>(() => [
    { label: 'Equity', values: props.points.map((point) => point.equity), color: '--chart-2', fill: true },
    { label: 'Balance', values: props.points.map((point) => point.balance), color: '--chart-1' },
  ], [props.points]);
  const format = useMemo(() => (value: number) => formatMoney(value, props.currency), [props.currency]);
  const axisFormat = useMemo(() => (value: number) => formatMoneyAxis(value, props.currency), [props.currency]);
  return <ChartView kind="line" labels={labels} series={series} format={format} axisFormat={axisFormat} title={`Balance and equity in ${props.currency} over the selected period`} />;
}

export function AccountCard(props: { account: DashboardAccount }): JSX.Element {
  const { account } = props;
  const now = useNow(15_000);
  const c = account.currency;
  return (
    <article className="card account-card" aria-labelledby={`account-${account.id}`}>
      <header className="account-card-head">
        <div>
          <h3 id={`account-${account.id}`}>{account.account_name || `MT5 ${account.mt5_login}`}</h3>
          <p className="muted small">{account.mt5_login} · {account.mt5_server} · {account.account_category}</p>
        </div>
        <StatusBadge status={account.status} stale={account.stale} inFlight={account.sync_in_flight} />
      </header>
      {account.snapshot_at ? (
        <dl className="figures">
          <dt>Balance</dt><dd><Money value={account.balance} currency={c} /></dd>
          <dt>Equity</dt><dd><Money value={account.equity} currency={c} /></dd>
          <dt>Floating P/L</dt><dd><Money value={account.floating_profit} currency={c} signed /></dd>
          <dt>Today</dt><dd><Money value={account.closed_profit_today} currency={c} signed /></dd>
          <dt>This month</dt><dd><Money value={account.closed_profit_month} currency={c} signed /></dd>
          <dt>Margin level</dt><dd className="money">{account.margin_level ? `${formatNumber(account.margin_level, 0)}%` : '—'}</dd>
          <dt>Open positions</dt><dd className="money">{account.open_positions}</dd>
        </dl>
      ) : (
        <p className="muted">
          {account.sync_in_flight ? 'First sync in progress…' : account.status === 'auth_failed'
            ? <>Klaro could not log in to this account. <Link to="/accounts">Check its password</Link>.</>
            : 'Waiting for the first sync.'}
        </p>
      )}
      <footer className="account-card-foot">
        <span>{account.status_text}</span>
        <span className="muted">Last synced {formatAgo(account.last_synced, now)}</span>
      </footer>
    </article>
  );
}
