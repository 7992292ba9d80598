"""ops/bench web: what /dashboard costs a trader with 10 accounts and a year of deals.

Prints the JS + CSS (and HTML) transferred gzip, and, over 5 cold loads in headless
Chromium, the median time from navigation start to the first chart drawn (the app's
`klaro:first-chart` mark) and to the dashboard complete (`klaro:dashboard-complete`).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "browser"))
from conftest import BASE_URL, api, make_driver  # noqa: E402

ACCOUNTS = 10
LOADS = 5


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(user: str, secret: str) -> str:
    """A Supabase-shaped HS256 access token (the bench signs in without the sign-up pages)."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    now = int(time.time())
    claims = b64(json.dumps({"sub": user, "aud": "authenticated", "role": "authenticated", "exp": now + 3600, "iat": now,
                             "email": "bench@klaro.test"}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(signature)}"


def psql(query: str) -> str:
    return subprocess.run(["psql", os.environ["KLARO_DATABASE_URL"], "-Atqc", query], check=True, capture_output=True,
                          text=True).stdout.strip()


def transferred() -> dict[str, int]:
    sizes = {}
    request = urllib.request.Request(BASE_URL + "/dashboard", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        body = response.read()
        sizes["html"] = len(body)
        html = gzip.decompress(body).decode() if response.headers.get("Content-Encoding") == "gzip" else body.decode()
    for kind, pattern in (("js", r'src="(/assets/[^"]+\.js)"'), ("css", r'href="(/assets/[^"]+\.css)"')):
        path = re.search(pattern, html).group(1)
        with urllib.request.urlopen(urllib.request.Request(BASE_URL + path, headers={"Accept-Encoding": "gzip"})) as response:
            assert response.headers.get("Content-Encoding") == "gzip", f"{path} was not sent gzipped"
            sizes[kind] = len(response.read())
    return sizes


def main() -> None:
    user = str(uuid.uuid4())
    access = token(user, os.environ["KLARO_JWT_SECRET"])
    assert api("/api/accounts", access)[0] == 200  # creates the user row
    psql(f"INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status) "
         f"VALUES ('{user}', 'sub_bench', 'cus_bench', 'active')")
    for n in range(ACCOUNTS):
        status, body = api("/api/accounts", access, "POST", {"mt5_login": 7_300_000 + n, "mt5_password": f"investor-{n}",
                                                               "mt5_server": "Bench-Live", "account_name": f"Bench {n + 1}"})
        assert status == 201, body
    started = time.time()
    while int(psql(f"SELECT count(*) FROM user_mt5_accounts WHERE user_id = '{user}' AND last_success_at IS NOT NULL")) < ACCOUNTS:
        if time.time() - started > 300:
            raise SystemExit("the accounts did not sync within 5 minutes")
        time.sleep(1)
    deals = psql(f"SELECT count(*) FROM deals d JOIN user_mt5_accounts a ON a.id = d.account_id WHERE a.user_id = '{user}'")
    days = psql(f"SELECT round(extract(epoch FROM max(d.time) - min(d.time)) / 86400) FROM deals d "
                f"JOIN user_mt5_accounts a ON a.id = d.account_id WHERE a.user_id = '{user}'")
    print(f"data: {ACCOUNTS} accounts, {deals} deals over {days} days (synced in {time.time() - started:.0f} s)")

    sizes = transferred()
    total = sizes["js"] + sizes["css"]
    print(f"transferred for /dashboard (gzip): JS {sizes['js'] / 1024:.1f} KB + CSS {sizes['css'] / 1024:.1f} KB = "
          f"{total / 1024:.1f} KB (target ≤ 200 KB); HTML {sizes['html'] / 1024:.1f} KB")

    driver = make_driver()
    try:
        driver.get(BASE_URL + "/login")
        session = {"access_token": access, "refresh_token": "bench", "expires_at": int(time.time()) + 3600,
                   "user": {"id": user, "email": "bench@klaro.test"}}
        driver.execute_script("window.localStorage.setItem('klaro.session', arguments[0])", json.dumps(session))
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        first_chart, complete = [], []
        for _ in range(LOADS):
            driver.get(BASE_URL + "/dashboard?range=1Y")
            marks = None
            deadline = time.time() + 30
            while time.time() < deadline:
                marks = driver.execute_script("""
                    const get = (name) => performance.getEntriesByName(name)[0]?.startTime;
                    const chart = get('klaro:first-chart'), done = get('klaro:dashboard-complete');
                    return chart !== undefined && done !== undefined ? [chart, done] : null""")
                if marks:
                    break
                time.sleep(0.05)
            if not marks:
                raise SystemExit("the dashboard did not set its marks within 30 s")
            first_chart.append(marks[0])
            complete.append(max(marks))
        print(f"first chart drawn: median {statistics.median(first_chart):.0f} ms (target ≤ 500 ms); "
              f"loads: {', '.join(f'{v:.0f}' for v in first_chart)}")
        print(f"dashboard complete: median {statistics.median(complete):.0f} ms (target ≤ 1000 ms); "
              f"loads: {', '.join(f'{v:.0f}' for v in complete)}")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
