#!/usr/bin/env python3
"""Checks of Klaro's observability pack (dashboards/, alerts/, docs/runbooks.md), for
ops/checks/observability.sh and ops/checks/observability-live.sh.

Subcommands (each prints what it found and exits 1 on a problem):
  check                      structure: dashboards, alert labels and annotations, runbook
                             anchors, a firing and a quiet promtool test for every alert
  queries-as-rules FILE      writes every dashboard query (Grafana variables replaced) as a
                             recording rule, for `promtool check rules` to parse
  names [--metrics-url URL]  every metric a dashboard or rule reads is one klarod emits
                             (from its Swift sources, or from a live /metrics)
  live-rules DIR --sync-interval S [--for-scale F]
                             copies of the rule files for a test fleet with a short interval
  live-config FILE --target HOST:PORT --rules DIR [--scheme S] [--metrics-path P]
                             ops/prometheus/prometheus.yml turned into a 1-second test setup
  mutations                  breaks the rules in copies, one way at a time, and expects
                             `promtool test rules` to notice every time
  dashboard-queries          the dashboard queries as JSON lines (title, expr), for the live test

Needs PyYAML (Debian: python3-yaml).
"""

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import promql
import yaml

REPO = Path(__file__).resolve().parents[3]
DASHBOARDS = REPO / "dashboards"
ALERTS = REPO / "alerts"
RULE_FILES = [ALERTS / "klaro.recording.yml", ALERTS / "klaro.rules.yml"]
RUNBOOKS = REPO / "docs" / "runbooks.md"
PROMETHEUS_CONFIG = REPO / "ops" / "prometheus" / "prometheus.yml"
METRICS_SOURCES = REPO / "Sources" / "KlaroTelemetry" / "Metrics"

SEVERITIES = {"warning", "page"}
# Series Prometheus itself writes for every target and alert.
PROMETHEUS_SERIES = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
    "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE",
}
# Hummingbird 2.28.1's MetricsMiddleware, through swift-metrics and swift-prometheus 2.4.1, under
# the names klarod gives them (Sources/KlaroTelemetry/Metrics/LibraryMetricNames.swift):
# klarod maps the swift-metrics labels (`hb.requests`, …) to these names; a Timer becomes a
# histogram in seconds, a Meter a gauge.
HUMMINGBIRD = {
    "hb.requests": ("klaro_http_requests_total", "counter"),
    "hb.request.errors": ("klaro_http_request_errors_total", "counter"),
    "http.server.request.duration": ("klaro_http_request_duration_seconds", "histogram"),
    "http.server.active_requests": ("klaro_http_active_requests", "gauge"),
}
HUMMINGBIRD_SOURCE = "Sources/Hummingbird/Middleware/MetricsMiddleware.swift"
# Families klarod creates on first use (per host, per route, on the first error): a live
# /metrics of a fresh klarod may not have them yet, so the live comparison only notes them.
CREATED_ON_FIRST_USE = re.compile(
    r"^(klaro_host_syncs_total|klaro_syncs_slow_total|klaro_host_busy_ratio|klaro_http_.*)$")
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")


class Report:
    """Collects problems; prints them at the end."""

    def __init__(self, name):
        self.name = name
        self.problems = []
        self.notes = []

    def fail(self, message):
        self.problems.append(message)

    def note(self, message):
        self.notes.append(message)

    def finish(self, summary):
        for note in self.notes:
            print(f"{self.name}: note: {note}")
        for problem in self.problems:
            print(f"{self.name}: FAIL: {problem}", file=sys.stderr)
        if not self.problems:
            print(f"{self.name}: ok: {summary}")
        return 1 if self.problems else 0


# MARK: Loading


def load_dashboards():
    """(file name, dashboard) for every dashboards/*.json; a file that is not JSON raises."""
    result = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        try:
            result.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except json.JSONDecodeError as error:
            raise SystemExit(f"{path}: not valid JSON: {error}")
    if not result:
        raise SystemExit(f"no dashboards in {DASHBOARDS}")
    return result


def all_panels(dashboard):
    """Panels, including those nested in collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def dashboard_queries():
    """(where, expr with Grafana's variables) for every panel target and query variable."""
    queries = []
    for name, dashboard in load_dashboards():
        for panel in all_panels(dashboard):
            for target in panel.get("targets", []):
                if "expr" in target:
                    queries.append((f"{name}: panel '{panel.get('title')}' {target.get('refId')}", target["expr"]))
        for variable in dashboard.get("templating", {}).get("list", []):
            if variable.get("type") == "query":
                query = variable.get("query")
                text = query.get("query", "") if isinstance(query, dict) else str(query)
                match = re.fullmatch(r"\s*label_values\((.+),\s*\w+\)\s*", text)
                queries.append((f"{name}: variable ${variable['name']}", match.group(1) if match else text))
    return queries


def load_rules(paths=RULE_FILES):
    """(file name, group name, rule) for every rule."""
    rules = []
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in document.get("groups", []):
            for rule in group.get("rules", []) or [{}]:
                rules.append((path.name, group["name"], rule))
    return rules


def markdown_anchors(text):
    """GitHub's anchors for the headings of a Markdown text."""
    anchors = set()
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            heading = re.sub(r"[`*_]", lambda m: "_" if m.group(0) == "_" else "", match.group(1))
            slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
            anchors.add(slug)
    return anchors


# MARK: check


def check_dashboards(report):
    uids = {}
    for name, dashboard in load_dashboards():
        where = f"dashboards/{name}"
        uid = dashboard.get("uid")
        if not uid or uid in uids:
            report.fail(f"{where}: uid {uid!r} missing or also used by {uids.get(uid)}")
        uids[uid] = name
        if not 36 <= int(dashboard.get("schemaVersion", 0)) <= 41:
            report.fail(f"{where}: schemaVersion {dashboard.get('schemaVersion')} is not one of Grafana 10/11's")
        variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
        source = variables.get("datasource", {})
        if source.get("type") != "datasource" or source.get("query") != "prometheus":
            report.fail(f"{where}: no `datasource` variable of type datasource/prometheus")
        host = variables.get("host", {})
        host_query = host.get("query", {})
        host_query = host_query.get("query") if isinstance(host_query, dict) else host_query
        if host.get("type") != "query" or host_query != "label_values(klaro_host_syncs_total, host)":
            report.fail(f"{where}: no `host` variable from label_values(klaro_host_syncs_total, host)")
        ids = set()
        for panel in all_panels(dashboard):
            title = panel.get("title") or "(untitled)"
            if panel.get("id") in ids:
                report.fail(f"{where}: panel id {panel.get('id')} used twice")
            ids.add(panel.get("id"))
            if panel.get("type") == "row":
                continue
            if not str(panel.get("description", "")).strip():
                report.fail(f"{where}: panel '{title}' has no description")
            if panel.get("datasource", {}).get("uid") != "${datasource}":
                report.fail(f"{where}: panel '{title}' does not use the ${{datasource}} variable")
            targets = panel.get("targets", [])
            if not targets:
                report.fail(f"{where}: panel '{title}' has no query")
            for target in targets:
                if target.get("datasource", {}).get("uid") != "${datasource}" or not target.get("expr"):
                    report.fail(f"{where}: panel '{title}' query {target.get('refId')} lacks an expr "
                                "or the ${datasource} variable")
            grid = panel.get("gridPos", {})
            if grid.get("x", 0) + grid.get("w", 0) > 24:
                report.fail(f"{where}: panel '{title}' is wider than the dashboard")
    return len(uids)


def check_rules(report):
    rules = load_rules()
    anchors = markdown_anchors(RUNBOOKS.read_text(encoding="utf-8")) if RUNBOOKS.exists() else set()
    if not anchors:
        report.fail(f"{RUNBOOKS.relative_to(REPO)} is missing or has no headings")
    else:
        for link in re.findall(r"\]\(#([\w-]+)\)", RUNBOOKS.read_text(encoding="utf-8")):
            if link not in anchors:
                report.fail(f"docs/runbooks.md links to #{link}, which is no heading")
    alerts = []
    for file_name, group, rule in rules:
        if "alert" not in rule:
            continue
        name = rule["alert"]
        alerts.append(name)
        where = f"alerts/{file_name}: {name}"
        if rule.get("labels", {}).get("severity") not in SEVERITIES:
            report.fail(f"{where}: severity label must be one of {sorted(SEVERITIES)}")
        annotations = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not str(annotations.get(key, "")).strip():
                report.fail(f"{where}: no {key} annotation")
        text = annotations.get("summary", "") + annotations.get("description", "")
        if "absent(" not in rule["expr"] and not re.search(r"\{\{\s*\$(value|labels)", text):
            report.fail(f"{where}: summary and description show neither $value nor $labels")
        url = annotations.get("runbook_url", "")
        match = re.fullmatch(r"docs/runbooks\.md#([\w-]+)", url)
        if not match:
            report.fail(f"{where}: runbook_url {url!r} is not docs/runbooks.md#<anchor>")
        elif match.group(1) not in anchors:
            report.fail(f"{where}: docs/runbooks.md has no heading with anchor #{match.group(1)}")
    if len(set(alerts)) != len(alerts):
        report.fail("alert names are not unique")
    return alerts


def check_tests(report, alerts):
    """Every alert needs a promtool test in which it fires and one in which it must not."""
    fires, quiet = set(), set()
    for path in sorted((ALERTS / "tests").glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        # Without a complete order promtool evaluates groups in random order, and an alert may
        # read the recorded value of the previous step: tests that pass only sometimes.
        loaded = [(path.parent / name).resolve() for name in document.get("rule_files", [])]
        groups = [group for _, group, _ in load_rules(loaded)]
        expected = list(dict.fromkeys(groups))
        if document.get("group_eval_order") != expected:
            report.fail(f"alerts/tests/{path.name}: group_eval_order must list the groups of its rule files "
                        f"in order, recording rules first: {expected}")
        for test in document.get("tests", []):
            for case in test.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
    for name in alerts:
        if name not in fires:
            report.fail(f"alerts/tests: no test in which {name} fires")
        if name not in quiet:
            report.fail(f"alerts/tests: no test in which {name} must stay quiet")
    unknown = (fires | quiet) - set(alerts)
    if unknown:
        report.fail(f"alerts/tests: tests name alerts that do not exist: {sorted(unknown)}")


def command_check(_args):
    report = Report("pack")
    dashboards = check_dashboards(report)
    alerts = check_rules(report)
    check_tests(report, alerts)
    return report.finish(f"{dashboards} dashboards, {len(alerts)} alerts with runbooks and tests")


# MARK: queries-as-rules


def command_queries_as_rules(args):
    report = Report("dashboard-queries")
    rules = []
    for index, (where, expr) in enumerate(dashboard_queries()):
        try:
            rules.append({"record": f"dashboard_query_{index}", "expr": promql.substitute_grafana_variables(expr)})
        except ValueError as error:
            report.fail(f"{where}: {error}")
    Path(args.file).write_text(yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]},
                                              sort_keys=False, width=1000), encoding="utf-8")
    return report.finish(f"{len(rules)} queries written to {args.file}")


# MARK: names


def swift_catalogue(report):
    """{sample name: family type} of everything klarod registers, read from its sources."""
    descriptors = (METRICS_SOURCES / "KlaroMetrics+Descriptors.swift").read_text(encoding="utf-8")
    catalogue_source = (METRICS_SOURCES / "KlaroMetrics.swift").read_text(encoding="utf-8")
    process_source = (METRICS_SOURCES / "ProcessMetrics.swift").read_text(encoding="utf-8")

    families = {}
    by_property = {}
    for prop, name, unit in re.findall(
            r'static var (\w+): MetricNameDescriptor \{\s*make\("(\w+)",\s*"(\w*)"', descriptors):
        by_property[prop] = "_".join(part for part in (name, unit) if part)
    if len(by_property) < 10:
        report.fail("could not read the descriptors of KlaroMetrics+Descriptors.swift (format changed?)")
    histograms = set(re.findall(r"make(?:Value|Duration)Histogram\(\s*descriptor:\s*Descriptors\.(\w+)",
                                catalogue_source))
    for prop, name in by_property.items():
        families[name] = "histogram" if prop in histograms else "other"
    for name, unit in re.findall(r'metricName:\s*"(\w+)",\s*unitName:\s*"(\w*)"', process_source):
        families["_".join(part for part in (name, unit) if part)] = "other"
    if "process_cpu_seconds_total" not in families:
        report.fail("could not read the process metrics of ProcessMetrics.swift (format changed?)")

    check_hummingbird_source(report)
    for name, kind in HUMMINGBIRD.values():
        families[name] = kind
    return expand_families(families)


def expand_families(families):
    samples = {}
    for name, kind in families.items():
        if kind == "histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                samples[name + suffix] = name
        else:
            samples[name] = name
    return samples


def check_hummingbird_source(report):
    """Confirms the built-in Hummingbird names against its source, when a copy is on disk."""
    text = None
    checkout = REPO / ".build" / "checkouts" / "hummingbird" / HUMMINGBIRD_SOURCE
    mirror = Path("/opt/swift-packages/hummingbird-project/hummingbird.git")
    if checkout.exists():
        text, origin = checkout.read_text(encoding="utf-8"), str(checkout)
    elif mirror.exists() and shutil.which("git"):
        version = "2.28.1"
        shown = subprocess.run(["git", "-C", str(mirror), "show", f"{version}:{HUMMINGBIRD_SOURCE}"],
                               check=False, capture_output=True, text=True)
        if shown.returncode == 0:
            text, origin = shown.stdout, f"{mirror} {version}"
    if text is None:
        report.note("Hummingbird's MetricsMiddleware.swift not found; using the built-in list of its metrics")
        return
    labels = set(re.findall(r'(?:Counter|Timer|Meter)\(\s*label:\s*"([^"]+)"', text))
    if labels != set(HUMMINGBIRD):
        report.fail(f"Hummingbird's metrics in {origin} are {sorted(labels)}, the check expects "
                    f"{sorted(HUMMINGBIRD)}: update HUMMINGBIRD in {Path(__file__).name} and the dashboards")


def live_sample_names(url):
    request = urllib.request.Request(url, headers={"Accept": PROMETHEUS_ACCEPT})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode("utf-8")
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.match(r"[^{\s]+", line).group(0))
    return names


def recording_names():
    return {rule["record"] for _, _, rule in load_rules() if "record" in rule}


def command_names(args):
    report = Report("metric-names")
    emitted = swift_catalogue(report)
    recorded = recording_names()
    live = None
    if args.metrics_url:
        try:
            live = live_sample_names(args.metrics_url)
        except OSError as error:
            report.fail(f"could not read {args.metrics_url}: {error}")
            return report.finish("")
        missing_from_sources = sorted(n for n in live if n.startswith("klaro_") and n not in emitted)
        if missing_from_sources:
            report.note(f"live klaro_ series not in the Swift sources: {missing_from_sources}")

    uses = []
    for where, expr in dashboard_queries():
        uses.append((where, expr))
    for file_name, group, rule in load_rules():
        uses.append((f"alerts/{file_name}: {rule.get('alert') or rule.get('record')}", rule["expr"]))

    used = set()
    for where, expr in uses:
        try:
            names = promql.metric_names(promql.substitute_grafana_variables(expr))
        except ValueError as error:
            report.fail(f"{where}: {error}")
            continue
        if not names:
            report.fail(f"{where}: no metric name found in {expr!r}")
        for name in sorted(names):
            used.add(name)
            if name in recorded or name in PROMETHEUS_SERIES:
                continue
            if name not in emitted:
                report.fail(f"{where}: {name} is not a metric klarod emits")
            elif live is not None and name not in live:
                if CREATED_ON_FIRST_USE.match(name):
                    report.note(f"{name} is not in the live /metrics yet (created on first use)")
                else:
                    report.fail(f"{where}: {name} is not in the live /metrics at {args.metrics_url}")
    unused = sorted({family for family in emitted.values()} - {emitted.get(n) for n in used})
    if unused:
        report.note(f"families no dashboard or rule reads: {unused}")
    source = f"live {args.metrics_url} and the Swift sources" if live is not None else "the Swift sources"
    return report.finish(f"{len(used)} metric names in {len(uses)} expressions, checked against {source}")


# MARK: live-rules


def scaled_duration(text, scale):
    value, unit = int(text[:-1]), text[-1]
    seconds = value * {"s": 1, "m": 60, "h": 3600}[unit] * scale
    return f"{max(1, math.ceil(seconds))}s"


def command_live_rules(args):
    """Copies of the rule files for a test fleet: `2 * 900` (twice the default interval) becomes
    twice the test fleet's interval, and every `for:` is multiplied by --for-scale. The shipped
    files are only read."""
    report = Report("live-rules")
    out = Path(args.directory)
    out.mkdir(parents=True, exist_ok=True)
    interval_uses = 0
    for path in RULE_FILES:
        text = path.read_text(encoding="utf-8")
        text, count = re.subn(r"\b2 \* 900\b", f"2 * {args.sync_interval:g}", text)
        interval_uses += count
        text = re.sub(r"^(\s+for:\s*)(\d+[smh])\s*$",
                      lambda m: m.group(1) + scaled_duration(m.group(2), args.for_scale), text, flags=re.MULTILINE)
        (out / path.name).write_text(text, encoding="utf-8")
    if interval_uses == 0:
        report.fail("no `2 * 900` threshold found in the rules: the interval-based thresholds changed "
                    "shape, update live-rules")
    return report.finish(f"{len(RULE_FILES)} rule files for a {args.sync_interval:g} s interval, "
                         f"for × {args.for_scale:g}, in {out}")


def command_live_config(args):
    """The shipped Prometheus configuration with its klarod job (and its relabelling) kept,
    pointed at the test klarod, everything every second, and the test copies of the rules."""
    report = Report("live-config")
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    jobs = [job for job in config.get("scrape_configs", []) if job.get("job_name") == "klarod"]
    if len(jobs) != 1:
        report.fail(f"{PROMETHEUS_CONFIG.relative_to(REPO)} has no single scrape job `klarod`")
        return report.finish("")
    job = jobs[0]
    job["static_configs"] = [{"targets": [args.target]}]
    job["scheme"] = args.scheme
    job["metrics_path"] = args.metrics_path
    config["global"] = {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(Path(args.rules) / path.name) for path in RULE_FILES]
    config["scrape_configs"] = [job]
    config.pop("alerting", None)
    Path(args.file).write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return report.finish(f"scrapes {args.scheme}://{args.target}{args.metrics_path} every second")


# MARK: mutations

# (alert or rule it concerns, file, text, replacement): each must make a promtool test fail.
EXPRESSION_MUTATIONS = [
    ("KlaroSyncSuccessRateLow", "klaro.rules.yml", "ratio_rate30m < 0.95", "ratio_rate30m < 0.98"),
    ("KlaroSyncSuccessRateLow", "klaro.rules.yml", "rate30m * 1800 >= 100", "rate30m * 1800 >= 50"),
    ("KlaroSyncLatencyHigh", "klaro.rules.yml", 'host:klaro_syncs_slow:ratio_rate5m > 0.05', 'host:klaro_syncs_slow:ratio_rate5m > 0.5'),
    ("KlaroJobsLostRising", "klaro.rules.yml", "[15m])) >= 5", "[15m])) >= 2"),
    ("KlaroAccountsStale", "klaro.rules.yml", "klaro:accounts_stale:leader > 0\n        for: 10m",
     "klaro:accounts_stale:leader > 0\n        for: 1m"),
    ("leader-only fleet gauges", "klaro.recording.yml",
     "max(klaro_accounts_stale and on (job, instance) (klaro_scheduler_leader == 1))", "max(klaro_accounts_stale)"),
    ("KlaroResultsRejected", "klaro.rules.yml", 'reason!~"late_result|stale_fence"', 'reason!~"stale_fence"'),
    ("KlaroFleetOverCapacity", "klaro.rules.yml", "klaro:fleet_demand_ratio:leader > 1\n", "klaro:fleet_demand_ratio:leader > 0.85\n"),
]


def run_promtool_tests(directory, mention=None):
    """Runs the promtool tests of a copy of alerts/ (only the files that mention `mention`, if
    given); returns (exit code, output)."""
    tests = sorted(str(path) for path in (directory / "tests").glob("*.yml")
                   if mention is None or mention in path.read_text(encoding="utf-8"))
    result = subprocess.run(["promtool", "test", "rules", *tests], check=False, capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def mutated_copy(temp, file_name, mutate):
    copy = Path(temp) / "alerts"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ALERTS, copy)
    path = copy / file_name
    text = path.read_text(encoding="utf-8")
    mutated = mutate(text)
    path.write_text(mutated, encoding="utf-8")
    return copy, mutated != text


def command_mutations(_args):
    """Each alert's firing test must check its labels (all severities flipped at once, and every
    alert must be reported failing), and each expression mutation must fail some test."""
    report = Report("mutations")
    alerts = [rule["alert"] for _, _, rule in load_rules() if "alert" in rule]
    with tempfile.TemporaryDirectory(prefix="klaro-mutations.") as temp:
        def flip_all(text):
            for name in alerts:
                text = flip_severity(text, name)
            return text

        copy, _ = mutated_copy(temp, "klaro.rules.yml", flip_all)
        code, output = run_promtool_tests(copy)
        caught = set(re.findall(r"alertname: (\w+)", output))
        if code == 0:
            report.fail("the promtool tests still pass with every severity flipped")
        for name in alerts:
            if name not in caught:
                report.fail(f"no promtool test noticed the severity of {name} flipped")

        for what, file_name, old, new in EXPRESSION_MUTATIONS:
            copy, changed = mutated_copy(temp, file_name, lambda text, old=old, new=new: text.replace(old, new, 1))
            description = f"{what}: {old!r} → {new!r}"
            if not changed:
                report.fail(f"mutation not applicable (rules changed?): {description}")
                continue
            mention = what if what in alerts else None
            if run_promtool_tests(copy, mention)[0] == 0:
                report.fail(f"the promtool tests still pass with {description}")
    return report.finish(f"the promtool tests caught every severity flip of {len(alerts)} alerts "
                         f"and all {len(EXPRESSION_MUTATIONS)} expression mutations")


def flip_severity(text, alert):
    """The rule file with the severity of `alert` swapped between page and warning."""
    match = re.search(rf"- alert: {alert}\n.*?severity: (page|warning)", text, flags=re.DOTALL)
    if not match:
        return text
    other = "warning" if match.group(1) == "page" else "page"
    return text[:match.start(1)] + other + text[match.end(1):]


# MARK: dashboard-queries


def command_dashboard_queries(_args):
    for where, expr in dashboard_queries():
        print(json.dumps({"where": where, "expr": promql.substitute_grafana_variables(expr)}))
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check").set_defaults(run=command_check)
    queries = commands.add_parser("queries-as-rules")
    queries.add_argument("file")
    queries.set_defaults(run=command_queries_as_rules)
    names = commands.add_parser("names")
    names.add_argument("--metrics-url")
    names.set_defaults(run=command_names)
    live = commands.add_parser("live-rules")
    live.add_argument("directory")
    live.add_argument("--sync-interval", type=float, required=True)
    live.add_argument("--for-scale", type=float, default=1.0)
    live.set_defaults(run=command_live_rules)
    live_config = commands.add_parser("live-config")
    live_config.add_argument("file")
    live_config.add_argument("--target", required=True)
    live_config.add_argument("--rules", required=True)
    live_config.add_argument("--scheme", default="http")
    live_config.add_argument("--metrics-path", default="/metrics")
    live_config.set_defaults(run=command_live_config)
    commands.add_parser("mutations").set_defaults(run=command_mutations)
    commands.add_parser("dashboard-queries").set_defaults(run=command_dashboard_queries)
    args = parser.parse_args(argv[1:])
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
