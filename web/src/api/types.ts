// Types of klarod's API answers, following docs/openapi.yaml (components/schemas). The web
// suite checks each interface marked `@schema` against that file, so the two cannot drift.

export type AccountCategory = 'Demo' | 'Funded' | 'Challenge' | 'Real';
export type AccountStatus = 'active' | 'auth_failed' | 'paused' | 'disabled';
export type Outcome = 'ok' | 'auth_failed' | 'otp_required' | 'timeout' | 'ipc_error' | 'terminal_error' | 'lost';

/** @schema Account */
export interface Account {
  id: string;
  mt5_login: number;
  mt5_server: string;
  account_name: string;
  account_category: AccountCategory;
  status: AccountStatus;
  disabled_reason?: 'plan' | 'operator';
  status_text: string;
  created_at: string;
  updated_at: string;
  last_synced?: string;
  last_success_at?: string;
  last_outcome?: Outcome;
  last_error?: { outcome: Outcome; code?: number; message?: string; text: string };
  consecutive_failures: number;
  next_sync_at: string;
  sync_in_flight: boolean;
  sync_requested_at?: string;
  sync_cadence: SyncCadence;
  stale: boolean;
  notice?: string;
}

/** How often an account is synced: its class's target, and the interval in force now. */
export interface SyncCadence {
  sync_class: 'moving' | 'quiet' | 'dormant';
  target_seconds: number;
  interval_seconds: number;
  stretched: boolean;
  terminals_offline: boolean;
  text: string;
}

/** @schema NewAccount */
export interface NewAccount {
  mt5_login: number;
  mt5_password: string;
  mt5_server: string;
  account_name?: string;
  account_category?: AccountCategory;
}

/** @schema AccountChanges */
export interface AccountChanges {
  account_name?: string;
  account_category?: AccountCategory;
  mt5_password?: string;
}

/** @schema SyncRequest */
export interface SyncRequest {
  account_id: string;
  queued: boolean;
  in_flight: boolean;
  next_sync_at: string;
  message: string;
}

/** @schema CurvePoint */
export interface CurvePoint {
  t: string;
  balance: number;
  equity: number;
}

export interface DashboardTotals {
  currency: string;
  accounts: number;
  balance: number;
  equity: number;
  floating_profit: number;
  margin: number;
  margin_level?: number;
  open_positions: number;
  closed_profit_today: number;
  closed_profit_month: number;
}

export interface DashboardAccount {
  id: string;
  account_name: string;
  mt5_login: number;
  mt5_server: string;
  account_category: AccountCategory;
  status: AccountStatus;
  status_text: string;
  stale: boolean;
  sync_in_flight: boolean;
  last_synced?: string;
  last_success_at?: string;
  snapshot_at?: string;
  currency?: string;
  balance?: number;
  equity?: number;
  floating_profit?: number;
  margin?: number;
  margin_level?: number;
  open_positions: number;
  closed_profit_today: number;
  closed_profit_month: number;
}

/** @schema DashboardSummary */
export interface DashboardSummary {
  generated_at: string;
  plan: 'free' | 'pro';
  history_days?: number;
  day_start: string;
  month_start: string;
  totals: DashboardTotals[];
  accounts: DashboardAccount[];
  curve: {
    from?: string;
    to: string;
    resolution: 'hour' | 'day';
    clamped: boolean;
    accounts: { account_id: string; currency: string; points: CurvePoint[] }[];
    totals: { currency: string; points: CurvePoint[] }[];
  };
}

/** @schema AnalyticsScope */
export interface AnalyticsScope {
  account_ids: string[];
  currency: string;
  from?: string;
  to: string;
  clamped: boolean;
  plan: 'free' | 'pro';
  equity_resolution: 'snapshot' | 'daily';
  /** Every account's whole deal history is stored (starting balances come from it). */
  history_complete: boolean;
  /** `broker` (the broker's own days) or the `tz` asked for. */
  time_zone: string;
  /** False while a broker's UTC offset is not learned yet. */
  broker_offset_known: boolean;
}

/** @schema DirectionStats */
export interface DirectionStats {
  count: number;
  wins: number;
  losses: number;
  win_rate?: number;
  net_profit: number;
}

/** @schema TradeExtreme */
export interface TradeExtreme {
  ticket: number;
  symbol: string;
  net_profit: number;
  time_close: number;
}

/** @schema TradeStats */
export interface TradeStats {
  count: number;
  wins: number;
  losses: number;
  breakeven: number;
  win_rate?: number;
  net_profit: number;
  gross_profit: number;
  gross_loss: number;
  profit_factor?: number;
  expectancy?: number;
  expectancy_r?: number;
  average_win?: number;
  average_loss?: number;
  best_trade?: TradeExtreme;
  worst_trade?: TradeExtreme;
  total_lots: number;
  average_duration_seconds?: number;
  total_commission: number;
  total_swap: number;
  total_fee: number;
  long: DirectionStats;
  short: DirectionStats;
  payoff_ratio?: number;
  result_standard_deviation?: number;
  z_score?: number;
  z_score_confidence?: number;
  max_consecutive_wins?: TradeRun;
  max_consecutive_losses?: TradeRun;
  max_consecutive_profit?: TradeRun;
  max_consecutive_loss?: TradeRun;
  trading_days?: number;
  pips?: number;
  pips_trades?: number;
}

/** @schema TradeRun */
export interface TradeRun {
  count: number;
  amount: number;
  start: number;
  end: number;
}

/** @schema TradeGroup */
export interface TradeGroup {
  key: string | number;
  stats: TradeStats;
}

/** @schema TradeBreakdown */
export interface TradeBreakdown {
  by_symbol: TradeGroup[];
  by_magic: TradeGroup[];
  by_hour: TradeGroup[];
  by_weekday: TradeGroup[];
}

/** @schema DrawdownEpisode */
export interface DrawdownEpisode {
  peak_time: number;
  trough_time: number;
  peak_value: number;
  trough_value: number;
  amount: number;
  percent?: number;
  /** Absent when not recovered. */
  recovery_time?: number;
}

/** `AnalyticsReport.measures` (an inline object in the OpenAPI description). */
export interface ReturnMeasures {
  volatility?: number;
  cagr?: number;
  daily_max_drawdown?: number;
  calmar_ratio?: number;
  balance_curve_drawdown?: DrawdownReport;
  recovery_factor?: number;
  ahpr?: number;
  ghpr?: number;
}

/** @schema BalanceCurveSummary */
export interface BalanceCurveSummary {
  source: 'deals';
  history_complete: boolean;
  since?: number;
  opening_balance: number;
  drawdown?: DrawdownReport;
  highest_balance?: number;
  highest_balance_time?: number;
}

/** @schema DrawdownReport */
export interface DrawdownReport {
  max_amount: number;
  max_percent: number;
  by_amount?: DrawdownEpisode;
  by_percent?: DrawdownEpisode;
  points: number;
}

/** @schema DailyPoint */
export interface DailyPoint {
  date: string;
  gain?: number;
  cumulative_gain?: number;
  net_profit: number;
  cash_flow: number;
  trades: number;
  balance: number;
  equity?: number;
}

/** @schema MonthlyPoint */
export interface MonthlyPoint {
  month: string;
  gain?: number;
  net_profit: number;
  cash_flow: number;
  trades: number;
}

/** @schema AnalyticsReport */
export interface AnalyticsReport {
  range: { from?: number; to?: number };
  time_zone: string;
  first_day?: string;
  last_day?: string;
  starting_balance: number;
  starting_balance_source: 'given' | 'deal_history' | 'first_snapshot' | 'assumed_zero';
  ending_balance: number;
  deposits: number;
  withdrawals: number;
  credit: number;
  net_deposits: number;
  net_profit: number;
  trade_net_profit: number;
  adjustments: number;
  gain?: number;
  absolute_gain?: number;
  sharpe_ratio?: number;
  sortino_ratio?: number;
  /** docs/analytics.md, "Return measures". */
  measures?: ReturnMeasures;
  /** The balance rebuilt from deals since the first one (or the plan's window). */
  since_inception?: BalanceCurveSummary;
  trades: TradeStats;
  breakdown: TradeBreakdown;
  balance_drawdown?: DrawdownReport;
  equity_drawdown?: DrawdownReport;
  daily: DailyPoint[];
  monthly: MonthlyPoint[];
}

export interface Scoped<T> {
  scope: AnalyticsScope;
  result: T;
}

/** @schema ClosedTrade */
export interface ClosedTrade {
  account_id: string;
  ticket: number;
  symbol: string;
  type: 'BUY' | 'SELL';
  volume: number;
  price_open: number;
  price_close?: number;
  profit: number;
  swap: number;
  commission: number;
  fee: number;
  net_profit: number;
  magic: number;
  time: string;
  time_close?: string;
}

/** @schema TradePage */
export interface TradePage {
  trades: ClosedTrade[];
  page: number;
  per_page: number;
  total: number;
  sort: string;
  clamped: boolean;
}

/** @schema Problem */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
  request_id?: string;
}

/** @schema AccountEvent */
export interface AccountEvent {
  account_id: string;
  kind: 'sync_finished' | 'sync_failed';
  outcome: Outcome;
  status: AccountStatus;
  at: number;
}

// Operators (/admin)

/** @schema HostSlot */
export interface HostSlot {
  slot: number;
  state: 'idle' | 'busy' | 'dead';
  placement: 'active' | 'cordoned' | 'draining' | 'dead';
  weight: number;
  accounts: number;
  capacity?: number;
  in_flight: number;
  current_job_id?: string;
  last_heartbeat_at?: string;
  heartbeat_age_seconds?: number;
  terminal_build?: number;
  terminal_connected?: boolean;
  restarts: number;
  syncs_1h: number;
  success_rate_1h?: number;
}

/** @schema Host */
export interface Host {
  host: string;
  state: 'pending' | 'active' | 'draining' | 'cordoned' | 'refused' | 'dead';
  admin_state: 'pending' | 'active' | 'draining' | 'cordoned' | 'refused';
  key_fingerprint?: string;
  approved_key_fingerprint?: string;
  key_approved: boolean;
  version: string;
  declared_slots: number;
  registered_at: string;
  last_seen_at?: string;
  approved_at?: string;
  approved_by?: string;
  live_slots: number;
  accounts: number;
  in_flight: number;
  syncs_1h: number;
  success_rate_1h?: number;
  slots: HostSlot[];
}

/** @schema Fleet */
export interface Fleet {
  generated_at: string;
  hosts: Host[];
}

/** @schema AdminStatus */
export interface AdminStatus {
  generated_at: string;
  leader: { present: boolean; this_node: boolean; node: string; client_addr?: string; since?: string };
  syncs_1h: { total: number; ok: number; success_rate?: number; by_outcome: Partial<Record<Outcome, number>> };
  accounts: { by_status: Partial<Record<AccountStatus, number>>; active: number; stale: number; unplaced: number; oldest_success_age_seconds: number };
  queue: { due: number; in_flight: number };
  slots: Partial<Record<'idle' | 'busy' | 'dead' | 'draining' | 'cordoned' | 'pending', number>>;
  hosts: Partial<Record<Host['state'], number>>;
  demand_ratio: number;
}

/** @schema Capacity */
export interface Capacity {
  generated_at: string;
  target_utilisation: number;
  slots_per_host: number;
  live_slots: number;
  classes: { sync_class: SyncCadence['sync_class']; accounts: number; mean_sync_seconds: number; target_interval_seconds: number }[];
  scales: { scale: number; accounts: number; demand_slots: number; slots_needed: number; hosts_needed: number }[];
}

/** @schema Move */
export interface Move {
  account_id: string;
  from?: string;
  to: string;
  reason: 'new' | 'slot_gone' | 'drain' | 'over_capacity' | 'pin' | 'rebalance';
  in_flight: boolean;
}

/** @schema Rebalance */
export interface Rebalance {
  dry_run: boolean;
  applied: boolean;
  mode: 'rebalance' | 'keep_current';
  summary: { moves: number; relocations: number; deferred: number; unplaced: number; by_reason: Partial<Record<Move['reason'], number>> };
  moves: Move[];
}

// Identity (/auth/v1, Supabase Auth's shapes)

export interface AuthUser {
  id: string;
  email?: string;
  created_at?: string;
}

export interface AuthSession {
  access_token: string;
  token_type: string;
  expires_in: number;
  expires_at?: number;
  refresh_token: string;
  user: AuthUser;
}
