"""A trader's first day in Klaro, in a real browser, in order: sign up, connect an account
(a wrong password first), watch syncs land live, read analytics, sync now, edit, check that
another user sees none of it, sign out and in, delete. Every page passes axe and leaves no
console error, and is photographed at 1280×800 and 375×812.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import (BASE_URL, api, button, by_label, check_page, console_errors, fill, heading, make_driver, money_value,
                      open_page, session_token, sql, wait)

PASSWORD = "correct-horse-battery"
LOGIN = 7_123_457
SERVER = "Klaro-Demo"


def account_card(driver, name: str):
    return wait(driver, lambda d: next((c for c in d.find_elements(By.CSS_SELECTOR, "article") if name in c.text), None),
                30, f"card of {name}")


def sign_up(driver, email: str) -> None:
    open_page(driver, "/signup")
    heading(driver, "Create your Klaro account")
    fill(by_label(driver, "Email"), email)
    fill(by_label(driver, "Password"), PASSWORD)
    button(driver, "Create account").click()
    wait(driver, lambda d: d.current_url.endswith("/accounts/add"), 20, "sign-up lands on /accounts/add")


def sign_out(driver) -> None:
    button(driver, "Sign out").click()
    wait(driver, lambda d: "/login" in d.current_url)


def sign_in(driver, email: str) -> None:
    open_page(driver, "/login")
    fill(by_label(driver, "Email"), email)
    fill(by_label(driver, "Password"), PASSWORD)
    by_label(driver, "Password").send_keys(Keys.ENTER)
    wait(driver, lambda d: d.current_url.endswith("/dashboard"), 20, "sign-in lands on the dashboard")


def mark_page(driver) -> None:
    """A marker that a full reload would wipe: live updates must keep it."""
    driver.execute_script("window.__klaroNoReload = true")


def not_reloaded(driver) -> bool:
    return bool(driver.execute_script("return window.__klaroNoReload === true"))


def test_sign_up(driver, state: dict[str, Any]) -> None:
    open_page(driver, "/dashboard")
    wait(driver, lambda d: "/login" in d.current_url, 10, "signed-out visitors go to /login")
    heading(driver, "Sign in to Klaro")
    check_page(driver, "login")
    button(driver, "Create an account").click()
    heading(driver, "Create your Klaro account")
    button(driver, "Create account").click()
    assert "Enter your email address." in driver.page_source
    check_page(driver, "signup")
    state["email"] = f"trader-{uuid.uuid4().hex[:8]}@example.com"
    sign_up(driver, state["email"])


def test_add_account_shows_field_errors_and_the_wrong_password(driver, state: dict[str, Any]) -> None:
    heading(driver, "Connect an MT5 account")
    assert "investor (read-only) password" in driver.page_source
    button(driver, "Connect account").click()
    assert "Enter the account number (digits only)." in driver.page_source
    check_page(driver, "add-account")
    # The server's own validation (422) lands beside its field.
    fill(by_label(driver, "Login (account number)"), str(LOGIN))
    fill(by_label(driver, "Investor password"), "x" * 130)
    fill(by_label(driver, "Server"), SERVER)
    button(driver, "Connect account").click()
    error = wait(driver, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".field-error") if e.is_displayed()), None))
    field = by_label(driver, "Investor password")
    assert field.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in (field.get_attribute("aria-describedby") or "")
    # Now a wrong password: the account is stored, and its first sync fails.
    fill(by_label(driver, "Investor password"), "wrong-password")
    fill(by_label(driver, "Name (optional)"), "Main account")
    button(driver, "Connect account").click()
    wait(driver, lambda d: d.current_url.endswith("/dashboard"), 20)
    mark_page(driver)
    card = account_card(driver, "Main account")
    wait(driver, lambda d: "Login failed" in account_card(d, "Main account").text, 60, "the failed first sync lands live")
    assert not_reloaded(driver)
    assert card.is_displayed()
    open_page(driver, "/accounts")
    row = account_card(driver, "Main account")
    assert "Last sync failed" in row.text
    assert "password" in row.text.lower()
    state["token"] = session_token(driver)


def test_plan_limit_is_explained(driver) -> None:
    open_page(driver, "/accounts/add")
    fill(by_label(driver, "Login (account number)"), str(LOGIN + 1))
    fill(by_label(driver, "Investor password"), "investor-2")
    fill(by_label(driver, "Server"), SERVER)
    button(driver, "Connect account").click()
    notice = wait(driver, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, "[role=alert]") if "free plan" in e.text), None))
    assert "Pro" in notice.text
    assert button(driver, "See plans and upgrade").get_attribute("href").endswith("/settings")


def test_good_password_syncs_live_with_the_simulators_balance(driver, state: dict[str, Any]) -> None:
    open_page(driver, "/accounts")
    button(driver, "Edit Main account").click()
    dialog = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"))
    fill(by_label(driver, "New password (optional)"), "investor-good")
    button(driver, "Save changes", dialog).click()
    wait(driver, lambda d: "Saved Main account." in d.page_source)
    open_page(driver, "/dashboard")
    mark_page(driver)
    wait(driver, lambda d: "Balance" in account_card(d, "Main account").text, 60, "the first good sync lands live")
    assert not_reloaded(driver)
    card = account_card(driver, "Main account")
    shown = money_value(card.find_element(By.XPATH, ".//dt[text()='Balance']/following-sibling::dd").text)
    account_id = sql(f"SELECT id FROM user_mt5_accounts WHERE mt5_login = {LOGIN}")
    state["account_id"] = account_id
    started, finished = sql(f"""SELECT floor(extract(epoch FROM started_at) * 1000)::bigint || ' ' || floor(extract(epoch FROM finished_at) * 1000)::bigint
        FROM sync_runs WHERE account_id = '{account_id}' AND outcome = 'ok' ORDER BY finished_at DESC LIMIT 1""").split()
    from klaro_worker.mt5sim.broker import SyntheticBroker
    from klaro_worker.mt5sim.scenario import load_scenario
    broker = SyntheticBroker(load_scenario(os.environ["KLARO_SIM_SCENARIO"]))
    profile = broker.profile(LOGIN, SERVER)
    expected = {broker.account_info(profile, int(moment)).balance for moment in (started, finished)}
    assert any(abs(shown - value) < 0.005 for value in expected), f"dashboard shows {shown}, the simulator had {expected}"
    assert card.find_elements(By.CSS_SELECTOR, ".money")
    chart = driver.find_element(By.CSS_SELECTOR, "canvas[role=img]")
    assert "Balance and equity" in chart.get_attribute("aria-label")
    check_page(driver, "dashboard")


def test_analytics_draws_charts_with_the_apis_numbers(driver, state: dict[str, Any]) -> None:
    open_page(driver, "/analytics")
    heading(driver, "Analytics")
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "canvas[role=img]")) >= 4, 30, "analytics charts")
    status, report = api("/api/analytics/report?range=90d", session_token(driver))
    assert status == 200, report
    result = report["result"]
    headline = driver.find_element(By.CSS_SELECTOR, "[aria-label='Headline measures']").text
    assert f"TRADES\n{result['trades']['count']}" in headline.upper()
    stat = driver.find_element(By.XPATH, "//span[text()='Net profit']/following-sibling::span").text
    assert abs(money_value(stat) - result["net_profit"]) < 0.005
    heading(driver, "By symbol")
    heading(driver, "Closed trades")
    rows = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "section[aria-labelledby=trades-title] tbody tr"))
    assert rows
    sort = button(driver, "Net profit")
    sort.click()
    wait(driver, lambda d: d.find_element(By.XPATH, "//th[.//button[starts-with(normalize-space(), 'Net profit')]]").get_attribute("aria-sort") == "descending")
    check_page(driver, "analytics")


def test_sync_now_counts_down(driver, state: dict[str, Any]) -> None:
    open_page(driver, "/accounts")
    # The card says how often the account is synced, as the API computes it (its class, plan
    # and the fleet's stretch).
    status, shown = api(f"/api/accounts/{state['account_id']}", session_token(driver))
    assert status == 200, shown
    cadence = shown["sync_cadence"]
    assert cadence["text"].startswith("Synced about every "), cadence
    wait(driver, lambda d: cadence["text"] in account_card(d, "Main account").text, 10, "the sync cadence on the card")
    sync = wait(driver, lambda d: button(d, "Sync Main account now"))
    wait(driver, lambda d: sync.is_enabled(), 60)
    sync.click()
    time.sleep(0.5)
    sync = button(driver, "Sync Main account now")
    if sync.is_enabled():
        sync.click()
    wait(driver, lambda d: re.search(r"Sync again in \d:\d\d", d.page_source), 10, "the 429 wait as a countdown")
    first = re.search(r"Sync again in (\d:\d\d)", driver.page_source).group(1)
    time.sleep(2.2)
    second = re.search(r"Sync again in (\d:\d\d)", driver.page_source).group(1)
    assert second < first, f"countdown {first} → {second}"
    assert not button(driver, "Sync Main account now").is_enabled()
    check_page(driver, "accounts")


def test_edit_name_and_category(driver) -> None:
    open_page(driver, "/accounts")
    button(driver, "Edit Main account").click()
    dialog = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"))
    fill(by_label(driver, "Name"), "Swing account")
    by_label(driver, "Category").send_keys("Funded")
    check_page(driver, "accounts-edit")
    button(driver, "Save changes", dialog).click()
    row = account_card(driver, "Swing account")
    assert "Funded" in row.text


def test_another_user_sees_none_of_it(driver, state: dict[str, Any]) -> None:
    sign_out(driver)
    sign_up(driver, f"other-{uuid.uuid4().hex[:8]}@example.com")
    open_page(driver, "/dashboard")
    heading(driver, "Connect your first MT5 account")
    assert "Swing account" not in driver.page_source
    check_page(driver, "dashboard-empty")
    open_page(driver, "/accounts")
    heading(driver, "Connect your first MT5 account")
    assert "Swing account" not in driver.page_source
    status, _ = api(f"/api/accounts/{state['account_id']}", session_token(driver))
    assert status == 404
    sign_out(driver)


def test_sign_back_in_and_settings(driver, state: dict[str, Any]) -> None:
    sign_in(driver, state["email"])
    account_card(driver, "Swing account")
    driver.refresh()
    account_card(driver, "Swing account")  # the session survives a reload
    open_page(driver, "/settings")
    heading(driver, "Plan")
    wait(driver, lambda d: "1 of 1" in d.page_source)
    check_page(driver, "settings")


def test_delete_says_what_goes(driver) -> None:
    open_page(driver, "/accounts")
    button(driver, "Delete Swing account").click()
    dialog = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"))
    assert "balance history" in dialog.text and "closed trades" in dialog.text and "not touched" in dialog.text
    check_page(driver, "accounts-delete")
    button(driver, "Delete account and data", dialog).click()
    heading(driver, "Connect your first MT5 account")
    assert "Deleted Swing account" in driver.page_source


def test_ops_page() -> None:
    # An operator's own browser: the trader flow's browser has had many pages with live-event
    # streams, and Chrome's six connections per host can leave the admin calls queued behind
    # streams it has not closed yet (noted in docs/web.md).
    driver = make_driver()
    try:
        open_page(driver, "/ops")
        heading(driver, "Operations")
        check_page(driver, "ops-token")
        fill(by_label(driver, "Admin token"), os.environ["KLARO_ADMIN_TOKEN"])
        button(driver, "Open the fleet view").click()
        heading(driver, "Fleet")
        wait(driver, lambda d: "sim-1" in d.page_source or d.find_elements(By.CSS_SELECTOR, "[role=alert]"), 20)
        assert "sim-1" in driver.page_source, driver.find_element(By.TAG_NAME, "main").text
        # The capacity plan, as klaro capacity prints it: the page shows the API's numbers (both
        # are read again until they agree: the page refreshes every 10 s).
        def capacity_shown(d) -> bool:
            status, plan = api("/admin/capacity", os.environ["KLARO_ADMIN_TOKEN"])
            assert status == 200, plan
            assert [row["scale"] for row in plan["scales"]] == [1, 2, 5, 10]
            now = next(row for row in plan["scales"] if row["scale"] == 1)
            text = d.find_element(By.CSS_SELECTOR, "section[aria-labelledby=capacity-title]").text
            return (f"{plan['live_slots']} live slots; {now['slots_needed']} needed" in text and "10× (" in text
                    and all(row["sync_class"] in text for row in plan["classes"]))
        wait(driver, capacity_shown, 30, "the capacity plan on the fleet page")
        button(driver, "Show the move plan").click()
        wait(driver, lambda d: re.search(r"\d+ moves \(", d.page_source), 20)
        assert driver.execute_script("return window.sessionStorage.getItem('klaro.adminToken') !== null")
        assert driver.execute_script("return window.localStorage.getItem('klaro.adminToken') === null")
        check_page(driver, "ops")
        assert not console_errors(driver)
    finally:
        driver.quit()

def test_security_headers_and_gzip() -> None:
    import urllib.request
    with urllib.request.urlopen(BASE_URL + "/dashboard") as response:
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        script = re.search(r'src="(/assets/[^"]+\.js)"', response.read().decode()).group(1)
    request = urllib.request.Request(BASE_URL + script, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]
