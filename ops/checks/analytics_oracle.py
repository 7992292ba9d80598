"""The analytics oracle (issue 12): for simulated accounts with a year of history, recompute the
figures klarod reports from the raw deals with empyrical (empyrical-reloaded) and quantstats,
and compare each to 1e-6 relative.

Usage: analytics_oracle.py DATABASE_URL BASE_URL JWT_SECRET

Conventions (docs/analytics.md): daily time-weighted returns of the balance (every closed
trade's net at its close, every non-trading deal but credit; deposits, withdrawals, bonuses and
corrections are external), cut in UTC days (the API is asked with tz=UTC), over every calendar
day from the first to the last day holding a deal or a snapshot, empty days 0; annualised with
365 periods. Documented differences, handled below:
- win rate: klarod counts break-even trades in the denominator, quantstats drops them; the
  script compares quantstats' win_rate with klarod's wins ÷ (wins + losses), and klarod's
  win_rate with the plain count.
- max drawdown: empyrical reports it negative; klarod's daily_max_drawdown is its magnitude.
- CAGR: empyrical's annual_return (years = days ÷ 365); quantstats' cagr counts years from
  the first to the last date (n − 1 days), so it is not used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import empyrical as ep
import numpy as np
import pandas as pd
import quantstats as qs

RELATIVE = 1e-6
EXTERNAL = {2, 5, 6}  # balance (deposit/withdrawal), correction, bonus
NOT_CASH = {0, 1, 3, 13, 14}  # trading deals, credit (outside the balance), cancelled


def psql(database: str, sql: str) -> list[list[str]]:
    out = subprocess.run(["psql", database, "-AtqF", "\t", "-c", sql], check=True, capture_output=True, text=True)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def token(secret: str, user: str, issuer: str) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    now = int(time.time())
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": user, "aud": "authenticated", "role": "authenticated", "iss": issuer}
    claims |= {"iat": now, "exp": now + 3600}
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def get(base: str, path: str, bearer: str) -> dict[str, Any]:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {bearer}"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.load(reply)


def events(deals: list[dict[str, Any]]) -> tuple[list[tuple[int, int, int, float]], list[float]]:
    """Balance events ``(utc_ms, rank, order, amount)`` and the closed trades' nets."""
    found: list[tuple[int, int, int, float]] = []
    positions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for deal in deals:
        if deal["type"] in (0, 1) and deal["position_id"] != 0:
            positions[deal["position_id"]].append(deal)
        elif deal["type"] not in NOT_CASH:
            found.append((deal["utc_ms"], 0 if deal["type"] in EXTERNAL else 1, len(found), deal["amount"]))
    nets = []
    for position, group in positions.items():
        group.sort(key=lambda d: (d["utc_ms"], d["ticket"]))
        opened = closed = netted = 0.0
        close_ms = None
        for deal in group:
            volume = deal["volume"]
            if deal["entry"] == 0:
                opened += volume
                netted += volume
            elif deal["entry"] in (1, 3):
                closed += volume
                netted -= volume
                close_ms = deal["utc_ms"]
            else:  # in/out: closes what is open, opens the rest the other way
                closing = min(volume, netted)
                closed += closing
                opened += volume - closing
                netted = volume - closing
                close_ms = deal["utc_ms"]
        if round(opened, 8) > 0 and round(opened, 8) == round(closed, 8) and close_ms is not None:
            # The deals' amounts are exact decimals; a float sum of a break-even trade can be 1e-13
            # off zero, which quantstats would count as a win (klarod sums exactly).
            net = round(sum(d["amount"] for d in group), 8)
            nets.append((close_ms, position, net))
    nets.sort()
    for close_ms, _, net in nets:
        found.append((close_ms, 2, len(found), net))
    found.sort()
    return found, [net for _, _, net in nets]


def daily_returns(found: list[tuple[int, int, int, float]], first_snapshot: int, last_snapshot: int) -> pd.Series:
    balance = 0.0
    factors: dict[Any, float] = defaultdict(lambda: 1.0)
    for utc_ms, rank, _, amount in found:
        day = datetime.fromtimestamp(utc_ms / 1000, UTC).date()
        if rank != 0 and amount != 0:
            if balance <= 0 or 1 + amount / balance < 0:
                raise SystemExit("a result on a non-positive balance: the oracle's accounts must not go broke")
            factors[day] *= 1 + amount / balance
        balance += amount
    ends = (found[0][0], found[-1][0], first_snapshot, last_snapshot)
    days = [datetime.fromtimestamp(ms / 1000, UTC).date() for ms in ends]
    index = pd.date_range(min(days), max(days), freq="D")
    return pd.Series([factors.get(day.date(), 1.0) - 1 for day in index], index=index)


def close(got: Any, want: float) -> bool:
    return isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=RELATIVE, abs_tol=1e-12)


def main() -> int:
    database, base, secret = sys.argv[1:4]
    failures = 0
    accounts = psql(database, "SELECT id, user_id FROM user_mt5_accounts ORDER BY mt5_login")
    for account, user in accounts:
        rows = psql(
            database,
            f"""SELECT ticket, type, entry, position_id, volume::float8, (profit + commission + swap + fee)::float8,
                       CASE WHEN time_msc = 0 THEN extract(epoch FROM time_utc)::bigint * 1000
                            ELSE time_msc - extract(epoch FROM time - time_utc)::bigint * 1000 END
                FROM deals WHERE account_id = '{account}' AND time_utc IS NOT NULL""",
        )
        unconverted = psql(database, f"SELECT count(*) FROM deals WHERE account_id = '{account}' AND time_utc IS NULL")
        if unconverted[0][0] != "0":
            print(f"FAIL {account}: deals without a UTC time")
            failures += 1
            continue
        deals = [
            {
                "ticket": int(r[0]),
                "type": int(r[1]),
                "entry": int(r[2]),
                "position_id": int(r[3]),
                "volume": float(r[4]),
                "amount": float(r[5]),
                "utc_ms": int(r[6]),
            }
            for r in rows
        ]
        snaps = psql(
            database,
            f"""SELECT (extract(epoch FROM min("timestamp")) * 1000)::bigint,
                                          (extract(epoch FROM max("timestamp")) * 1000)::bigint
                                   FROM account_snapshots WHERE account_id = '{account}'""",
        )[0]
        found, nets = events(deals)
        returns = daily_returns(found, int(snaps[0]), int(snaps[1]))
        trade_results = pd.Series(nets, dtype=float)
        path = f"/api/analytics/report?account_id={account}&range=all&tz=UTC"
        answer = get(base, path, token(secret, user, base + "/auth/v1"))
        report, stats, measures = answer["result"], answer["result"]["trades"], answer["result"]["measures"]
        klarod_days = [d["gain"] for d in report["daily"]]
        wins = int((trade_results > 1e-9).sum())
        decided = max(1, stats["wins"] + stats["losses"])
        expected = {
            "cumulative return (empyrical)": (report.get("gain"), ep.cum_returns_final(returns)),
            "max drawdown (empyrical)": (measures.get("daily_max_drawdown"), -ep.max_drawdown(returns)),
            "sharpe (empyrical, 365)": (report.get("sharpe_ratio"), ep.sharpe_ratio(returns, annualization=365)),
            "sortino (empyrical, 365)": (report.get("sortino_ratio"), ep.sortino_ratio(returns, annualization=365)),
            "volatility (empyrical, 365)": (
                measures.get("volatility"),
                ep.annual_volatility(returns, annualization=365),
            ),
            "CAGR (empyrical annual_return, 365)": (measures.get("cagr"), ep.annual_return(returns, annualization=365)),
            "calmar (empyrical, 365)": (measures.get("calmar_ratio"), ep.calmar_ratio(returns, annualization=365)),
            "sharpe (quantstats, 365)": (report.get("sharpe_ratio"), qs.stats.sharpe(returns, periods=365)),
            "volatility (quantstats, 365)": (measures.get("volatility"), qs.stats.volatility(returns, periods=365)),
            "profit factor (quantstats)": (
                stats.get("profit_factor"),
                qs.stats.profit_factor(trade_results, prepare_returns=False),
            ),
            "win rate without break-evens (quantstats)": (
                stats["wins"] / decided,
                qs.stats.win_rate(trade_results, prepare_returns=False),
            ),
            "win rate (count)": (stats.get("win_rate"), wins / len(nets)),
            "payoff (quantstats)": (
                stats.get("payoff_ratio"),
                qs.stats.payoff_ratio(trade_results, prepare_returns=False),
            ),
            "closed trades": (stats.get("count"), float(len(nets))),
            "days": (float(len(klarod_days)), float(len(returns))),
        }
        print(f"account {account}: {len(deals)} deals, {len(nets)} trades, {len(returns)} days")
        for name, (got, want) in expected.items():
            ok = close(got, float(want))
            failures += not ok
            print(f"  {'ok  ' if ok else 'FAIL'} {name}: klarod {got!r}, oracle {float(want)!r}")
        if len(klarod_days) == len(returns):
            worst = max(abs((g or 0) - w) for g, w in zip(klarod_days, returns.tolist(), strict=True))
            print(f"  {'ok  ' if worst < 1e-9 else 'FAIL'} daily returns: largest difference {worst:.3g}")
            failures += worst >= 1e-9
    print(f"{failures} failure(s) over {len(accounts)} accounts")
    return 1 if failures or not accounts else 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
