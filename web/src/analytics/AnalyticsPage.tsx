// /analytics: one account or all, a period; headline measures, curves, drawdown, daily and
// monthly gain, breakdowns by symbol, EA, hour and weekday.

import { useMemo, useState, type FormEvent } from 'react';
import type { AnalyticsReport, TradeGroup } from '../api/types';
import { useApp, useLiveRefresh, useResource, useTitle } from '../ui/app';
import { ChartView, type Series } from '../ui/Chart';
import { EmptyState, ErrorMessage, Link, Money, Percent, Skeleton } from '../ui/components';
import { formatDuration, formatMoney, formatMoneyAxis, formatNumber, formatPercent, trendClass } from '../ui/format';
import { periodError, periodQuery, RANGE_KEYS, rangeName, type Period } from '../ui/ranges';
import { drawdownSeries, maxDrawdown } from './drawdown';
import { TradeTable } from './TradeTable';

const weekdays = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export function AnalyticsPage(): JSX.Element {
  const { api } = useApp();
  useTitle('Analytics');
  const accounts = useResource((signal) => api.listAccounts(signal), []);
  const [accountID, setAccountID] = useState('');
  const [period, setPeriod] = useState<Period>({ kind: 'preset', key: '3M' });
  // All accounts together only add up in one deposit currency: offer the choice when they differ.
  const summary = useResource((signal) => api.dashboard('1d', signal), []);
  const currencies = summary.data?.totals.map((total) => total.currency) ?? [];
  const [chosenCurrency, setCurrency] = useState('');
  const currency = accountID || currencies.length < 2 ? undefined : chosenCurrency || currencies[0];
  const query = { account_id: accountID || undefined, currency, ...periodQuery(period) };
  const report = useResource((signal) => api.analyticsReport(query, signal), [accountID, currency, JSON.stringify(period)]);
  useLiveRefresh(report.reload);

  if (accounts.data && accounts.data.length === 0) {
    return (
      <>
        <div className="page-head"><h1>Analytics</h1></div>
        <EmptyState title="Connect your first MT5 account" action={<Link to="/accounts/add" className="button button-primary">Connect an MT5 account</Link>}>
          Analytics appear after the first sync: gain, drawdown, win rate and every trade by symbol and EA.
        </EmptyState>
      </>
    );
  }
  const reportCurrency = report.data?.scope.currency ?? '';
  return (
    <>
      <div className="page-head"><h1>Analytics</h1></div>
      <section className="card filters" aria-label="What to analyse">
        <label className="inline-field">
          <span>Account</span>
          <select value={accountID} onChange={(event) => setAccountID(event.target.value)}>
            <option value="">All accounts</option>
            {accounts.data?.map((account) => (
              <option key={account.id} value={account.id}>{account.account_name || account.mt5_login} ({account.mt5_login})</option>
            ))}
          </select>
        </label>
        {!accountID && currencies.length > 1 && (
          <label className="inline-field">
            <span>Currency</span>
            <select value={currency} onChange={(event) => setCurrency(event.target.value)}>
              {currencies.map((code) => <option key={code} value={code}>{code}</option>)}
            </select>
          </label>
        )}
        <PeriodPicker period={period} onChange={setPeriod} />
      </section>
      <ErrorMessage error={report.error} onRetry={report.reload} />
      {!report.data && report.loading && <Skeleton lines={6} label="Calculating your analytics…" tall />}
      {report.data && (
        <>
          {report.data.scope.clamped && (
            <p className="muted small">Your plan covers the last 30 days; longer periods are cut. <Link to="/settings">Upgrade to Pro</Link> for the full history.</p>
          )}
          <Report report={report.data.result} currency={reportCurrency} />
          <TradeTable accountID={accountID || undefined} query={periodQuery(period)} currency={reportCurrency} />
        </>
      )}
    </>
  );
}

function PeriodPicker(props: { period: Period; onChange: (period: Period) => void }): JSX.Element {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | null>(null);
  const apply = (event: FormEvent): void => {
    event.preventDefault();
    const problem = periodError(from, to);
    setError(problem);
    if (!problem) props.onChange({ kind: 'dates', from, to });
  };
  return (
    <div className="period">
      <div className="segmented" role="group" aria-label="Period">
        {RANGE_KEYS.map((key) => (
          <button key={key} type="button" className="segment" aria-label={`Show ${rangeName(key)}`}
            aria-pressed={props.period.kind === 'preset' && props.period.key === key} onClick={() => props.onChange({ kind: 'preset', key })}>
            {key}
          </button>
        ))}
      </div>
      <form className="dates" onSubmit={apply} noValidate>
        <label className="inline-field"><span>From</span><input type="date" value={from} onChange={(event) => setFrom(event.target.value)} /></label>
        <label className="inline-field"><span>To</span><input type="date" value={to} onChange={(event) => setTo(event.target.value)} /></label>
        <button type="submit" className="button">Apply dates</button>
        {error && <span className="field-error" role="alert">{error}</span>}
      </form>
    </div>
  );
}

function Report(props: { report: AnalyticsReport; currency: string }): JSX.Element {
  const { report, currency } = props;
  const trades = report.trades;
  const money = useMemo(() => (value: number) => formatMoney(value, currency), [currency]);
  const moneyAxis = useMemo(() => (value: number) => formatMoneyAxis(value, currency), [currency]);
  const percent = (value: number): string => formatPercent(value);
  const days = report.daily;
  const dayLabels = useMemo(() => days.map((day) => day.date.slice(5)), [days]);
  const curve = useMemo<Series[]>(() => [
    { label: 'Balance', values: days.map((day) => day.balance), color: '--chart-1' },
    { label: 'Equity', values: days.map((day) => day.equity ?? null), color: '--chart-2' },
  ], [days]);
  const drawdown = useMemo<Series[]>(() => [{ label: 'Drawdown from peak', color: '--loss', fill: true, values: drawdownSeries(days) }], [days]);
  const dailyGain = useMemo<Series[]>(() => [{ label: 'Daily profit', values: days.map((day) => day.net_profit), color: '--chart-1', signColored: true }], [days]);
  const monthLabels = useMemo(() => report.monthly.map((month) => month.month), [report.monthly]);
  const monthly = useMemo<Series[]>(() => [{ label: 'Monthly gain', values: report.monthly.map((month) => month.gain ?? 0), color: '--chart-1', signColored: true }], [report.monthly]);

  if (trades.count === 0 && days.length === 0) {
    return <EmptyState title="No trades in this period">Pick a longer period, or wait for the next sync to bring in new deals.</EmptyState>;
  }
  return (
    <>
      <section className="headline" aria-label="Headline measures">
        <Measure label="Gain" hint="time-weighted"><Percent value={report.gain} signed /></Measure>
        <Measure label="Net profit"><Money value={report.net_profit} currency={currency} signed /></Measure>
        <Measure label="Win rate"><span className="money">{formatPercent(trades.win_rate)}</span></Measure>
        <Measure label="Profit factor"><span className="money">{formatNumber(trades.profit_factor)}</span></Measure>
        <Measure label="Max drawdown" hint="of gain"><span className={`money ${trendClass(maxDrawdown(days))}`}>{formatPercent(maxDrawdown(days))}</span></Measure>
        <Measure label="Trades"><span className="money">{trades.count}</span></Measure>
        <Measure label="Expectancy"><Money value={trades.expectancy} currency={currency} signed /></Measure>
        <Measure label="Sharpe"><span className="money">{formatNumber(report.sharpe_ratio)}</span></Measure>
      </section>
      <div className="grid grid-2">
        <section className="card" aria-labelledby="balance-title">
          <h2 id="balance-title">Balance and equity</h2>
          <ChartView kind="line" labels={dayLabels} series={curve} format={money} axisFormat={moneyAxis} title="Balance and equity at the end of each day" />
        </section>
        <section className="card" aria-labelledby="drawdown-title">
          <h2 id="drawdown-title">Drawdown</h2>
          <ChartView kind="line" labels={dayLabels} series={drawdown} format={percent} title="Fall of the time-weighted gain from its running peak, by day" />
        </section>
        <section className="card" aria-labelledby="daily-title">
          <h2 id="daily-title">Daily profit</h2>
          <ChartView kind="bar" labels={dayLabels} series={dailyGain} format={money} axisFormat={moneyAxis} title="Net profit of each day" />
        </section>
        <section className="card" aria-labelledby="monthly-title">
          <h2 id="monthly-title">Monthly gain</h2>
          <ChartView kind="bar" labels={monthLabels} series={monthly} format={percent} title="Gain of each month" />
        </section>
      </div>
      <section className="card" aria-labelledby="stats-title">
        <h2 id="stats-title">Trades</h2>
        <dl className="figures figures-wide">
          <dt>Wins / losses</dt><dd className="money">{trades.wins} / {trades.losses}</dd>
          <dt>Average win</dt><dd><Money value={trades.average_win} currency={currency} signed /></dd>
          <dt>Average loss</dt><dd><Money value={trades.average_loss} currency={currency} signed /></dd>
          <dt>Best trade</dt><dd><Money value={trades.best_trade?.net_profit} currency={currency} signed /></dd>
          <dt>Worst trade</dt><dd><Money value={trades.worst_trade?.net_profit} currency={currency} signed /></dd>
          <dt>Lots traded</dt><dd className="money">{formatNumber(trades.total_lots)}</dd>
          <dt>Average length</dt><dd className="money">{formatDuration(trades.average_duration_seconds)}</dd>
          <dt>Long / short profit</dt><dd><Money value={trades.long.net_profit} currency={currency} signed /> / <Money value={trades.short.net_profit} currency={currency} signed /></dd>
          <dt>Commission and swap</dt><dd><Money value={trades.total_commission + trades.total_swap} currency={currency} signed /></dd>
        </dl>
      </section>
      <div className="grid grid-2">
        <Breakdown title="By symbol" groups={report.breakdown.by_symbol} currency={currency} keyLabel="Symbol" name={(key) => String(key)} />
        <Breakdown title="By EA (magic number)" groups={report.breakdown.by_magic} currency={currency} keyLabel="Magic" name={(key) => (key === 0 ? 'Manual (0)' : String(key))} />
        <Breakdown title="By hour of day" groups={report.breakdown.by_hour} currency={currency} keyLabel="Hour" name={(key) => `${String(key).padStart(2, '0')}:00`} chartOnly />
        <Breakdown title="By weekday" groups={report.breakdown.by_weekday} currency={currency} keyLabel="Day" name={(key) => weekdays[Number(key)] ?? String(key)} chartOnly />
      </div>
    </>
  );
}

function Measure(props: { label: string; hint?: string; children: JSX.Element }): JSX.Element {
  return (
    <div className="stat">
      <span className="stat-label">{props.label}{props.hint && <span className="muted small"> ({props.hint})</span>}</span>
      <span className="stat-value">{props.children}</span>
    </div>
  );
}

function Breakdown(props: {
  title: string; groups: TradeGroup[]; currency: string; keyLabel: string; name: (key: string | number) => string; chartOnly?: boolean;
}): JSX.Element {
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const labels = useMemo(() => props.groups.map((group) => props.name(group.key)), [props.groups]);
  const series = useMemo<Series[]>(() => [{ label: 'Net profit', values: props.groups.map((group) => group.stats.net_profit), color: '--chart-1', signColored: true }], [props.groups]);
  const money = useMemo(() => (value: number) => formatMoney(value, props.currency), [props.currency]);
  const moneyAxis = useMemo(() => (value: number) => formatMoneyAxis(value, props.currency), [props.currency]);
  const id = props.title.replace(/\W+/g, '-').toLowerCase();
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.groups.length === 0 ? <p className="muted">No closed trades.</p> : (
        <>
          <ChartView kind="bar" labels={labels} series={series} format={money} axisFormat={moneyAxis} title={`Net profit ${props.title.toLowerCase()}`} height="small" />
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">{props.title}</caption>
              <thead><tr><th scope="col">{props.keyLabel}</th><th scope="col" className="num">Trades</th><th scope="col" className="num">Win rate</th><th scope="col" className="num">Net profit</th></tr></thead>
              <tbody>
                {props.groups.slice(0, props.chartOnly ? 24 : 12).map((group) => (
                  <tr key={String(group.key)}>
                    <th scope="row">{props.name(group.key)}</th>
                    <td className="num">{group.stats.count}</td>
                    <td className="num">{formatPercent(group.stats.win_rate)}</td>
                    <td className="num"><Money value={group.stats.net_profit} currency={props.currency} signed /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
