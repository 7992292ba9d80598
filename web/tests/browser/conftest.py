"""Fixtures of the browser tests: a headless Chromium driven by Selenium, and page checks
(axe-core, console errors, screenshots at 1280×800 and 375×812).

Run by ops/checks/web.sh, which starts klarod (KLARO_URL) with the simulated fleet.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

import pytest
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

BASE_URL = os.environ.get("KLARO_URL", "http://127.0.0.1:8080")
OUTPUT = Path(os.environ.get("KLARO_WEB_OUTPUT", "web/test-output/manual"))
SIZES = {"desktop": (1280, 800), "phone": (375, 812)}
#: Statuses the tests provoke on purpose; Chromium logs each failed fetch as a console error.
EXPECTED_STATUSES = ("402", "422", "429", "401")


def make_driver() -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,800",
                     "--lang=en-US", "--force-color-profile=srgb", "--hide-scrollbars"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="session")
def driver():
    browser = make_driver()
    yield browser
    browser.quit()


@pytest.fixture(scope="session")
def state() -> dict[str, Any]:
    """What one test leaves for the next (the flow of a trader, in order)."""
    return {}


def wait(driver: WebDriver, condition: Callable[[WebDriver], Any], timeout: float = 20, message: str = "") -> Any:
    return WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=[StaleElementReferenceException]).until(condition, message)


def by_label(driver: WebDriver, label: str) -> WebElement:
    """The form control whose <label> reads `label` (what a person sees)."""
    labels = [element for element in driver.find_elements(By.TAG_NAME, "label") if element.text.strip() == label]
    assert labels, f"no field labelled {label!r}"
    target = labels[0].get_attribute("for")
    return driver.find_element(By.ID, target) if target else labels[0].find_element(By.CSS_SELECTOR, "input, select")


def button(driver: WebDriver, name: str, scope: WebElement | None = None, timeout: float = 15) -> WebElement:
    """The visible button or link whose text (or aria-label) is `name`, waiting for it to appear."""
    def find(_: WebDriver) -> WebElement | None:
        for element in (scope or driver).find_elements(By.CSS_SELECTOR, "button, a"):
            try:
                if element.is_displayed() and (element.text.strip() == name or element.get_attribute("aria-label") == name):
                    return element
            except StaleElementReferenceException:
                continue
        return None
    return wait(driver, find, timeout, f"no button or link named {name!r}")


def heading(driver: WebDriver, text: str, timeout: float = 20) -> WebElement:
    return wait(driver, lambda d: next((h for h in d.find_elements(By.CSS_SELECTOR, "h1, h2, h3") if h.text.strip() == text), None),
                timeout, f"heading {text!r}")


def fill(element: WebElement, value: str) -> None:
    element.clear()
    element.send_keys(value)


def open_page(driver: WebDriver, path: str) -> None:
    driver.get(BASE_URL + path)


def console_errors(driver: WebDriver) -> list[str]:
    errors = []
    for entry in driver.get_log("browser"):
        if entry["level"] != "SEVERE":
            continue
        message = entry["message"]
        if "Failed to load resource" in message and any(f"status of {status}" in message for status in EXPECTED_STATUSES):
            continue
        errors.append(message)
    return errors


def set_viewport(driver: WebDriver, width: int, height: int) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})


#: WCAG AA contrast of every visible text, with colours resolved by the browser itself (painted
#: on a canvas and read back), so that CSS Color 4 (the theme's oklch()) is understood. The
#: axe-core inside axe-selenium-python (3.1.1, its latest release) cannot parse oklch() and
#: reports NaN ratios, so its color-contrast rule is replaced by this equivalent check.
CONTRAST_SCRIPT = """
const canvas = document.createElement('canvas'); canvas.width = canvas.height = 1;
const ctx = canvas.getContext('2d', {willReadFrequently: true});
const rgba = (css) => { ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = 'rgba(0,0,0,0)'; ctx.fillStyle = css;
  ctx.fillRect(0, 0, 1, 1); const d = ctx.getImageData(0, 0, 1, 1).data; return [d[0], d[1], d[2], d[3] / 255]; };
const blend = (top, bottom) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
const background = (element) => { const layers = [];
  for (let e = element; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
  let color = rgba(getComputedStyle(document.documentElement).backgroundColor); if (color[3] < 1) color = [255, 255, 255, 1];
  for (const layer of layers.reverse()) color = blend(layer, color); return color; };
const luminance = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const failures = [];
for (const element of document.querySelectorAll('body *')) {
  if (!Array.from(element.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
  const style = getComputedStyle(element); const box = element.getBoundingClientRect();
  if (style.visibility !== 'visible' || style.display === 'none' || box.width < 2 || box.height < 2 || element.closest('[aria-hidden=true]')) continue;
  if (parseFloat(style.opacity) === 0 || element.closest('.visually-hidden, .skip-link')) continue;
  if (element.matches(':disabled') || element.closest('button:disabled')) continue;
  const bg = background(element); const fg = blend(rgba(style.color), bg);
  const l1 = luminance(fg), l2 = luminance(bg); const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  if (ratio < needed) failures.push(`${element.tagName.toLowerCase()}.${element.className} "${element.textContent.trim().slice(0, 30)}": ${ratio.toFixed(2)} < ${needed}`);
}
return failures;
"""


def check_page(driver: WebDriver, name: str) -> None:
    """No serious or critical axe violation, WCAG AA contrast, no console error, and screenshots at both sizes."""
    time.sleep(0.3)
    axe = Axe(driver)
    axe.inject()
    # The library pastes options into JavaScript as text: give it JSON.
    results = axe.run(options=json.dumps({"resultTypes": ["violations"], "rules": {"color-contrast": {"enabled": False}}}))
    serious = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{name}: axe violations:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in serious)
    for scheme in ("dark", "light"):
        set_color_scheme(driver, scheme)
        low = driver.execute_script(CONTRAST_SCRIPT)
        assert not low, f"{name} ({scheme}): text below WCAG AA contrast:\n" + "\n".join(low[:10])
    errors = console_errors(driver)
    assert not errors, f"{name}: console errors: {errors}"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    # The plan's dark theme at both sizes, and the light one on the desktop.
    for scheme, (width, height) in (("dark", SIZES["desktop"]), ("dark", SIZES["phone"]), ("light", SIZES["desktop"])):
        set_color_scheme(driver, scheme)
        set_viewport(driver, width, height)
        time.sleep(0.4)
        path = OUTPUT / f"{name}-{width}x{height}{'' if scheme == 'dark' else '-light'}.png"
        driver.save_screenshot(str(path))
        print(f"screenshot: {path}")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    set_viewport(driver, *SIZES["desktop"])
    set_color_scheme(driver, "dark")


def set_color_scheme(driver: WebDriver, scheme: str) -> None:
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    time.sleep(0.15)


def api(path: str, token: str | None = None, method: str = "GET", body: Any = None,
        headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(BASE_URL + path, method=method, headers=dict(headers or {}))
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, json.loads(text) if text.startswith("{") else text


def session_token(driver: WebDriver) -> str:
    raw = driver.execute_script("return window.localStorage.getItem('klaro.session')")
    assert raw, "no session in localStorage"
    return json.loads(raw)["access_token"]


def sql(query: str) -> str:
    return subprocess.run(["psql", os.environ["KLARO_DATABASE_URL"], "-Atqc", query], check=True, capture_output=True,
                          text=True).stdout.strip()


def money_value(text: str) -> float:
    """"$10,234.50" → 10234.5; "-$3.20" → -3.2."""
    negative = text.strip().startswith(("-", "−"))
    digits = re.sub(r"[^0-9.]", "", text)
    return -float(digits) if negative else float(digits)
