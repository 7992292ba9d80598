// The trade list of /analytics: closed trades a page at a time, sortable by column.

import { useState } from 'react';
import { useApp, useResource } from '../ui/app';
import { ErrorMessage, Money, Skeleton } from '../ui/components';
import { formatDateTime, formatNumber } from '../ui/format';

type SortKey = 'time_close' | 'symbol' | 'volume' | 'net_profit';

const columns: ReadonlyArray<[SortKey | null, string, boolean]> = [
  ['time_close', 'Closed', false], ['symbol', 'Symbol', false], [null, 'Side', false], ['volume', 'Lots', true],
  [null, 'Open', true], [null, 'Close', true], ['net_profit', 'Net profit', true],
];

/** Cycles a column's order: a new column starts descending, the same column flips. */
export function nextSort(current: string, column: SortKey): string {
  if (current === `-${column}`) return column;
  return `-${column}`;
}

export function TradeTable(props: { accountID?: string; query: Record<string, string>; currency: string }): JSX.Element {
  const { api } = useApp();
  const [sort, setSort] = useState('-time_close');
  const [page, setPage] = useState(1);
  const perPage = 25;
  const key = JSON.stringify([props.accountID, props.query]);
  const trades = useResource(
    (signal) => api.trades({ ...props.query, account_id: props.accountID, sort, page: String(page), per_page: String(perPage) }, signal),
    [key, sort, page],
  );
  const pages = trades.data ? Math.max(1, Math.ceil(trades.data.total / perPage)) : 1;
  return (
    <section className="card" aria-labelledby="trades-title">
      <div className="card-head">
        <h2 id="trades-title">Closed trades</h2>
        {trades.data && <span className="muted small">{trades.data.total} in this period</span>}
      </div>
      <ErrorMessage error={trades.error} onRetry={trades.reload} />
      {!trades.data && trades.loading && <Skeleton lines={5} label="Loading trades…" />}
      {trades.data && (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Closed trades, sorted by {sort.replace('-', '')} {sort.startsWith('-') ? 'descending' : 'ascending'}</caption>
              <thead>
                <tr>
                  {columns.map(([column, label, numeric]) => {
                    const state = column && sort === column ? 'ascending' : column && sort === `-${column}` ? 'descending' : 'none';
                    return (
                      <th key={label} scope="col" className={numeric ? 'num' : ''} aria-sort={column ? state : undefined}>
                        {column ? (
                          <button type="button" className="sort" onClick={() => { setSort(nextSort(sort, column)); setPage(1); }}>
                            {label}<span aria-hidden="true">{state === 'ascending' ? ' ▲' : state === 'descending' ? ' ▼' : ''}</span>
                          </button>
                        ) : label}
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {trades.data.trades.map((trade) => (
                  <tr key={`${trade.account_id}-${trade.ticket}`}>
                    <td>{formatDateTime(trade.time_close, { timeZone: 'UTC' })}</td>
                    <td>{trade.symbol}</td>
                    <td>{trade.type === 'BUY' ? 'Buy' : 'Sell'}</td>
                    <td className="num">{formatNumber(trade.volume)}</td>
                    <td className="num">{formatNumber(trade.price_open, 5)}</td>
                    <td className="num">{formatNumber(trade.price_close, 5)}</td>
                    <td className="num"><Money value={trade.net_profit} currency={props.currency} signed /></td>
                  </tr>
                ))}
                {trades.data.trades.length === 0 && <tr><td colSpan={columns.length} className="muted">No closed trades in this period.</td></tr>}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Trade pages">
            <button type="button" className="button button-small" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
            <span className="small">Page {page} of {pages}</span>
            <button type="button" className="button button-small" disabled={page >= pages} onClick={() => setPage(page + 1)}>Next</button>
          </nav>
        </>
      )}
    </section>
  );
}
