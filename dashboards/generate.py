#!/usr/bin/env python3
"""Writes Klaro's Grafana dashboards (dashboards/*.json) from the panel lists below.

The JSON files are committed so that Grafana can provision them as they are; this script is
their source. Change a panel here, run `python3 dashboards/generate.py`, and commit both.
`--check` exits 1 when a committed file differs from what this script writes (the
observability check runs it), so a hand edit of the JSON cannot drift from the source.

Conventions:
- Every panel queries the `${datasource}` variable (type prometheus) and has a description.
- `$host` is a multi-value variable from `label_values(klaro_host_syncs_total, host)` with `.*`
  as "All"; panels on metrics that have a host label filter on it, the others say they don't.
  Per host klarod counts results (ok, failed, lost); outcomes are fleet-wide (issue 16).
- Fleet gauges come from the leader-only recording rules of alerts/klaro.recording.yml;
  event rates are computed here over `$__rate_interval`, so they follow the time range.
- Standard library only; output is deterministic (sorted keys, stable ids).
"""

import json
import sys
from pathlib import Path

SCHEMA_VERSION = 39  # Grafana 10.4 and 11.x read and keep this version.
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
HOST = 'host=~"$host"'
OK = 'result="ok"'
STATUS_5XX = 'http_response_status_code=~"5.."'
KLAROD = 'job="klarod"'
OUT_DIR = Path(__file__).resolve().parent


# MARK: Targets and panels


def target(expr, legend="", ref="A", instant=False, fmt="time_series"):
    """One Prometheus query of a panel."""
    return {
        "datasource": DATASOURCE,
        "editorMode": "code",
        "expr": expr,
        "format": fmt,
        "instant": instant,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "refId": ref,
    }


def targets(*pairs):
    """Targets from (expr, legend) pairs, with refIds A, B, C…"""
    return [target(expr, legend, chr(ord("A") + i)) for i, (expr, legend) in enumerate(pairs)]


def thresholds(*steps):
    """Threshold steps from (color, value) pairs; the first value is the base (None)."""
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


GREEN_ONLY = thresholds(("green", None))


def _panel(kind, title, description, queries, w, h, field_defaults, options, overrides=None):
    return {
        "datasource": DATASOURCE,
        "description": description,
        "fieldConfig": {"defaults": field_defaults, "overrides": overrides or []},
        "gridPos": {"h": h, "w": w, "x": 0, "y": 0},
        "options": options,
        "targets": queries,
        "title": title,
        "type": kind,
    }


def timeseries(title, description, queries, unit="short", w=12, h=8, stack=False, min_zero=True,
               max_value=None, threshold_steps=None, decimals=None, overrides=None):
    custom = {
        "axisBorderShow": False,
        "axisPlacement": "auto",
        "drawStyle": "line",
        "fillOpacity": 25 if stack else 8,
        "gradientMode": "none",
        "lineInterpolation": "linear",
        "lineWidth": 1,
        "pointSize": 4,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"group": "A", "mode": "normal" if stack else "none"},
        "thresholdsStyle": {"mode": "dashed" if threshold_steps else "off"},
    }
    defaults = {
        "color": {"mode": "palette-classic"},
        "custom": custom,
        "mappings": [],
        "thresholds": threshold_steps or GREEN_ONLY,
        "unit": unit,
    }
    if min_zero:
        defaults["min"] = 0
    if max_value is not None:
        defaults["max"] = max_value
    if decimals is not None:
        defaults["decimals"] = decimals
    options = {
        "legend": {"calcs": ["lastNotNull", "max"], "displayMode": "table", "placement": "bottom",
                   "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
    return _panel("timeseries", title, description, queries, w, h, defaults, options, overrides)


def stat(title, description, queries, unit="short", w=4, h=5, threshold_steps=None, decimals=None,
         graph=True):
    defaults = {
        "color": {"mode": "thresholds"},
        "mappings": [],
        "thresholds": threshold_steps or GREEN_ONLY,
        "unit": unit,
    }
    if decimals is not None:
        defaults["decimals"] = decimals
    options = {
        "colorMode": "value",
        "graphMode": "area" if graph else "none",
        "justifyMode": "auto",
        "orientation": "auto",
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "showPercentChange": False,
        "textMode": "auto",
        "wideLayout": True,
    }
    return _panel("stat", title, description, queries, w, h, defaults, options)


def bargauge(title, description, queries, unit="short", w=8, h=8, threshold_steps=None, max_value=None):
    defaults = {
        "color": {"mode": "thresholds"},
        "mappings": [],
        "min": 0,
        "thresholds": threshold_steps or GREEN_ONLY,
        "unit": unit,
    }
    if max_value is not None:
        defaults["max"] = max_value
    options = {
        "displayMode": "gradient",
        "maxVizHeight": 300,
        "minVizHeight": 16,
        "minVizWidth": 8,
        "namePlacement": "auto",
        "orientation": "horizontal",
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "showUnfilled": True,
        "sizing": "auto",
        "valueMode": "color",
    }
    return _panel("bargauge", title, description, queries, w, h, defaults, options)


def heatmap(title, description, expr, w=12, h=9):
    """A heatmap of a Prometheus histogram: `expr` yields per-`le` increases."""
    defaults = {"custom": {"hideFrom": {"legend": False, "tooltip": False, "viz": False},
                           "scaleDistribution": {"type": "linear"}}}
    options = {
        "calculate": False,
        "cellGap": 1,
        "cellValues": {"unit": "short"},
        "color": {"exponent": 0.5, "fill": "dark-orange", "mode": "scheme", "reverse": False,
                  "scale": "exponential", "scheme": "Oranges", "steps": 64},
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "filterValues": {"le": 1e-9},
        "legend": {"show": True},
        "rowsFrame": {"layout": "le"},
        "tooltip": {"mode": "single", "showColorScale": False, "yHistogram": True},
        "yAxis": {"axisPlacement": "left", "reverse": False, "unit": "s"},
    }
    query = target(expr, "{{le}}", fmt="heatmap")
    return _panel("heatmap", title, description, [query], w, h, defaults, options)


def state_timeline(title, description, queries, mappings, threshold_steps, w=12, h=6):
    defaults = {
        "color": {"mode": "thresholds"},
        "custom": {"fillOpacity": 70, "hideFrom": {"legend": False, "tooltip": False, "viz": False},
                   "lineWidth": 0},
        "mappings": mappings,
        "thresholds": threshold_steps,
    }
    options = {
        "alignValue": "left",
        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
        "mergeValues": True,
        "rowHeight": 0.9,
        "showValue": "auto",
        "tooltip": {"mode": "single", "sort": "none"},
    }
    return _panel("state-timeline", title, description, queries, w, h, defaults, options)


def value_map(*entries):
    """A value mapping from (value, text, color) triples."""
    return [{"options": {str(v): {"color": c, "index": i, "text": t} for i, (v, t, c) in enumerate(entries)},
             "type": "value"}]


def build_info_table(w=24, h=5):
    query = target(f"klaro_build_info{{{KLAROD}}}", instant=True, fmt="table")
    panel = _panel(
        "table",
        "Build info",
        "klaro_build_info of every klarod replica: version, source revision and the Swift "
        "compiler that built it. Replicas on different revisions mean a rollout in progress "
        "(or one that stopped half-way).",
        [query], w, h,
        {"custom": {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False},
         "mappings": [], "thresholds": GREEN_ONLY},
        {"cellHeight": "sm", "footer": {"countRows": False, "fields": "", "reducer": ["sum"], "show": False},
         "showHeader": True},
    )
    panel["transformations"] = [{
        "id": "organize",
        "options": {
            "excludeByName": {"Time": True, "Value": True, "__name__": True, "job": True},
            "indexByName": {"instance": 0, "version": 1, "revision": 2, "swift_version": 3},
            "renameByName": {"instance": "Replica", "revision": "Revision", "swift_version": "Swift",
                             "version": "Version"},
        },
    }]
    return panel


# MARK: Dashboard


def layout(panels):
    """Places panels left to right in rows of 24 columns, and numbers them."""
    x = y = row_height = 0
    for index, panel in enumerate(panels, start=1):
        grid = panel["gridPos"]
        if x + grid["w"] > 24:
            x, y, row_height = 0, y + row_height, 0
        grid["x"], grid["y"] = x, y
        x += grid["w"]
        row_height = max(row_height, grid["h"])
        panel["id"] = index
    return panels


def templating():
    variables = [{
        "current": {},
        "hide": 0,
        "includeAll": False,
        "label": "Data source",
        "multi": False,
        "name": "datasource",
        "options": [],
        "query": "prometheus",
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
        "type": "datasource",
    }]
    query = "label_values(klaro_host_syncs_total, host)"
    variables.append({
        "allValue": ".*",
        "current": {},
        "datasource": DATASOURCE,
        "definition": query,
        "description": "Worker hosts that reported syncs (klaro_host_syncs_total's host label).",
        "hide": 0,
        "includeAll": True,
        "label": "Host",
        "multi": True,
        "name": "host",
        "options": [],
        "query": {"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
        "type": "query",
    })
    return {"list": variables}


def dashboard(uid, title, description, panels):
    return {
        "annotations": {"list": [{
            "builtIn": 1,
            "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True,
            "hide": True,
            "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts",
            "type": "dashboard",
        }]},
        "description": description,
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": [{
            "asDropdown": True,
            "icon": "external link",
            "includeVars": True,
            "keepTime": True,
            "tags": ["klaro"],
            "targetBlank": False,
            "title": "Klaro",
            "type": "dashboards",
        }],
        "panels": layout(panels),
        "refresh": "30s",
        "schemaVersion": SCHEMA_VERSION,
        "tags": ["klaro"],
        "templating": templating(),
        "time": {"from": "now-6h", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "title": title,
        "uid": uid,
        "version": 1,
        "weekStart": "",
    }


def rate(metric, selector="", by=None):
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({metric}{{{selector}}}[$__rate_interval]))"


def quantile(q, metric, selector="", by="le"):
    return f"histogram_quantile({q}, sum by ({by}) (rate({metric}_bucket{{{selector}}}[$__rate_interval])))"


def quantile_targets(metric, selector="", by="le", qs=(0.5, 0.95, 0.99)):
    """Targets p50, p95, p99 (or `qs`) of a histogram; a label kept besides `le` joins the legend."""
    labels = "".join(f" {{{{{label}}}}}" for label in by.split(", ") if label != "le")
    return targets(*((quantile(q, metric, selector, by), f"p{round(q * 100)}{labels}") for q in qs))


def success_ratio(by=None):
    """Share of finished syncs on the hosts in $host that ended `ok`, over the rate interval."""
    return f'{rate("klaro_host_syncs_total", f"{HOST}, {OK}", by=by)} / {rate("klaro_host_syncs_total", HOST, by=by)}'


PERCENT_95 = thresholds(("red", None), ("orange", 0.9), ("green", 0.95))
DEMAND = thresholds(("green", None), ("orange", 0.85), ("red", 1))
STALE_AGE = thresholds(("green", None), ("red", 1800))
LATENCY_BUDGET = thresholds(("green", None), ("red", 30))


# MARK: Fleet overview


def fleet_overview():
    panels = [
        stat("Sync success rate (5m)",
             "Share of finished syncs that ended `ok` over the last 5 minutes, whole fleet "
             "(recording rule klaro:sync_success:ratio_rate5m; every outcome counts as finished, "
             "`lost` included). Red below 90 %, orange below 95 %. Empty while nothing finished.",
             targets(("klaro:sync_success:ratio_rate5m", "5m")), unit="percentunit",
             threshold_steps=PERCENT_95, decimals=2),
        stat("Sync success rate (30m)",
             "Same as the 5-minute rate, over 30 minutes: the figure KlaroSyncSuccessRateLow pages "
             "on when it is below 95 % (with at least 100 syncs in the window).",
             targets(("klaro:sync_success:ratio_rate30m", "30m")), unit="percentunit",
             threshold_steps=PERCENT_95, decimals=2),
        stat("Stale accounts",
             "Active accounts whose last successful sync is older than two sync intervals, as the "
             "scheduler leader counts them (klaro_accounts_stale). Any for 10 minutes warns; more "
             "than 1 % of active accounts pages.",
             targets(("klaro:accounts_stale:leader", "stale")),
             threshold_steps=thresholds(("green", None), ("red", 1))),
        stat("Oldest last success",
             "Age of the oldest last successful sync among active accounts "
             "(klaro_account_oldest_success_age_seconds from the leader). Red past twice the "
             "default 15-minute interval (30 min), where KlaroOldestSuccessTooOld warns.",
             targets(("klaro:account_oldest_success_age_seconds:leader", "oldest")), unit="s",
             threshold_steps=STALE_AGE),
        stat("Demand ratio",
             "Slot-seconds the fleet needs per sync interval divided by the slot-seconds it has "
             "(klaro_fleet_demand_ratio). Orange above 85 % (plan capacity), red above 100 % "
             "(accounts cannot all sync once per interval).",
             targets(("klaro:fleet_demand_ratio:leader", "demand")), unit="percentunit",
             threshold_steps=DEMAND, decimals=1),
        stat("Jobs in flight",
             "Sync jobs dispatched to a slot's queue and not yet finished (klaro_jobs_in_flight, "
             "from the leader). Bounded by slots × queue depth.",
             targets(("klaro:jobs_in_flight:leader", "in flight"))),
        timeseries("Sync success rate",
                   "Share of finished syncs that ended `ok`: the fleet over 5 and 30 minutes "
                   "(recording rules), and the hosts selected in $host over the panel's rate "
                   "interval. The dashed line is the 95 % objective.",
                   targets(("klaro:sync_success:ratio_rate5m", "fleet, 5m"),
                           ("klaro:sync_success:ratio_rate30m", "fleet, 30m"),
                           (success_ratio(), "selected hosts")),
                   unit="percentunit", min_zero=False, max_value=1, decimals=1,
                   threshold_steps=thresholds(("red", None), ("transparent", 0.95))),
        timeseries("Syncs by outcome",
                   "Finished syncs per second by outcome, whole fleet (klaro_syncs_total has no "
                   "host label, whatever $host says; per host see Hosts and slots → Results per "
                   "host). `auth_failed` and `otp_required` are credential problems of one account "
                   "(not retried); `timeout`, `ipc_error`, `terminal_error` and `lost` are retried.",
                   targets((rate("klaro_syncs_total", by="outcome"), "{{outcome}}")),
                   unit="ops", stack=True),
        timeseries("Stale accounts",
                   "Active accounts with no successful sync for more than two intervals "
                   "(leader's klaro_accounts_stale), and their share of active accounts "
                   "(right axis). Staleness is counted by account, so it has no host.",
                   targets(("klaro:accounts_stale:leader", "stale accounts"),
                           ("klaro:accounts_stale:ratio", "share of active")),
                   overrides=[{"matcher": {"id": "byName", "options": "share of active"},
                               "properties": [{"id": "unit", "value": "percentunit"},
                                              {"id": "custom.axisPlacement", "value": "right"}]}]),
        timeseries("Oldest last success age",
                   "Age of the oldest last successful sync among active accounts. It climbs by one "
                   "second per second while one account keeps failing, and drops when it syncs. "
                   "The dashed line is twice the default interval (30 min).",
                   targets(("klaro:account_oldest_success_age_seconds:leader", "oldest last success")),
                   unit="s", threshold_steps=STALE_AGE),
        timeseries("Slots by state",
                   "Terminal slots by state as the leader sees them (klaro_slots): idle and busy "
                   "slots take jobs; dead ones missed their heartbeat; draining and cordoned ones "
                   "take no new accounts; pending ones are not yet admitted.",
                   targets(("state:klaro_slots:leader", "{{state}}")), stack=True),
        timeseries("Demand ratio",
                   "Needed ÷ available slot-seconds per sync interval (klaro_fleet_demand_ratio). "
                   "Dashed lines: 85 % (KlaroFleetDemandHigh warns after 30 min) and 100 % "
                   "(KlaroFleetOverCapacity pages after 10 min).",
                   targets(("klaro:fleet_demand_ratio:leader", "demand")),
                   unit="percentunit", decimals=1, threshold_steps=DEMAND),
        timeseries("Slots needed vs live",
                   "Terminal slots the adaptive schedule needs to meet every class's target at "
                   "KLARO_SYNC_TARGET_UTILISATION (klaro_capacity_slots_needed, from the leader's "
                   "measured sync times; `klaro capacity` prints the same), at today's accounts and "
                   "at twice as many, beside the live (idle or busy) slots. Needed above live: "
                   "intervals stretch.",
                   targets(('max(klaro_capacity_slots_needed{scale="1x"})', "needed now"),
                           ('max(klaro_capacity_slots_needed{scale="2x"})', "needed at 2x accounts"),
                           ('sum(state:klaro_slots:leader{state=~"idle|busy"})', "live")), w=12),
        timeseries("Sync interval by class",
                   "Effective interval between syncs per class (klaro_sync_interval_seconds: the "
                   "target times the policy's stretch, on the leader): moving accounts (open "
                   "positions or a deal in 24 h) 5 min, quiet 15 min, dormant 60 min by default. "
                   "Above target the fleet is short of slots; quiet past 15 min for 15 minutes "
                   "warns (KlaroQuietSyncsStretched).",
                   targets(('max by (class) (klaro_sync_interval_seconds)', "{{class}}"),
                           ('max by (class) (klaro_sync_staleness_seconds{percentile="95"})', "{{class}} staleness p95")),
                   unit="s", w=12),
        timeseries("Lost jobs",
                   "Jobs per minute the rescuer declared lost: no result by the deadline plus "
                   "grace (klaro_jobs_lost_total). Each one is dispatched again; a steady stream "
                   "means workers die mid-job or results go missing.",
                   targets((f'{rate("klaro_jobs_lost_total")} * 60', "lost jobs")), unit="opm", w=8),
        timeseries("Dead letters by reason",
                   "Worker results per minute the ingestor rejected to klaro:dead, by reason "
                   "(klaro_results_rejected_total), and duplicate results it ignored "
                   "(klaro_results_duplicate_total). late_result and stale_fence follow rescues; "
                   "any other reason is a protocol bug or a host writing what is not its own.",
                   targets((f'{rate("klaro_results_rejected_total", by="reason")} * 60', "{{reason}}"),
                           (f'{rate("klaro_results_duplicate_total")} * 60', "duplicate (ignored)")),
                   unit="opm", w=8, stack=True),
        timeseries("Accounts by status",
                   "MetaTrader 5 accounts by status (klaro_accounts): active ones are synced; "
                   "auth_failed ones wait for new credentials; paused and disabled ones are not "
                   "synced.",
                   targets(("status:klaro_accounts:leader", "{{status}}")), w=8, stack=True),
    ]
    return dashboard("klaro-fleet-overview", "Klaro / Fleet overview",
                     "Is every account syncing? Success rate, staleness, capacity and the errors "
                     "of the whole fleet.", panels)


# MARK: Sync latency


def sync_latency():
    duration = "klaro_sync_duration_seconds"
    panels = [
        heatmap("Sync duration",
                "How long syncs took on the worker, from start to result, whole fleet "
                "(klaro_sync_duration_seconds, buckets from 0.25 s to 2 min; no host label, so "
                "/metrics does not grow with the fleet). Each column counts the syncs finished in "
                "the rate interval ending there.",
                f"sum by (le) (increase({duration}_bucket[$__rate_interval]))"),
        timeseries("Sync duration p50 / p95 / p99",
                   "Quantiles of sync duration over the whole fleet. The dashed line is the "
                   "30 s p95 budget; planning assumes about 5 s.",
                   quantile_targets(duration),
                   unit="s", threshold_steps=LATENCY_BUDGET),
        timeseries("Syncs over 30 s by host",
                   "Share of each worker host's syncs that took longer than 30 s "
                   "(klaro_syncs_slow_total ÷ its ok and failed syncs). Above 5 % the host's p95 is over "
                   "the budget: KlaroSyncLatencyHigh warns when that lasts 15 min. A host well above "
                   "the others has slow terminals, a slow network path, or is overloaded.",
                   targets((f'sum by (host) (rate(klaro_syncs_slow_total{{{HOST}}}[$__rate_interval])) / '
                            f'sum by (host) (rate(klaro_host_syncs_total{{{HOST}, result!="lost"}}[$__rate_interval]))',
                            "{{host}}")), unit="percentunit", w=24,
                   threshold_steps=thresholds(("green", None), ("red", 0.05))),
        heatmap("Queue wait",
                "Time from dispatch until a worker started the job (klaro_sync_queue_wait_seconds). "
                "It has no host label, so it covers the whole fleet whatever $host says. Long "
                "waits mean slots are saturated (see the demand ratio).",
                "sum by (le) (increase(klaro_sync_queue_wait_seconds_bucket[$__rate_interval]))"),
        timeseries("Queue wait p50 / p95 / p99",
                   "Quantiles of queue wait, whole fleet. A job waits behind at most queue_depth − 1 "
                   "other jobs of its slot, so p95 near a whole sync duration means full queues.",
                   quantile_targets("klaro_sync_queue_wait_seconds"), unit="s"),
        heatmap("MT5 login time",
                "Time the MetaTrader 5 login() took during a sync, as the worker reported it "
                "(klaro_sync_login_seconds); whole fleet, no host label. MT5 gives up after its "
                "login timeout (60 s by default).",
                "sum by (le) (increase(klaro_sync_login_seconds_bucket[$__rate_interval]))"),
        timeseries("MT5 login p50 / p95 / p99",
                   "Quantiles of MT5 login time, whole fleet. Logins dominate sync time: when "
                   "they rise together with sync duration, look at broker servers and the "
                   "terminals' network, not at klarod.",
                   quantile_targets("klaro_sync_login_seconds"), unit="s"),
    ]
    return dashboard("klaro-sync-latency", "Klaro / Sync latency",
                     "How long syncs take: whole-sync duration, slow syncs by host, queue wait and MT5 login.",
                     panels)


# MARK: Hosts and slots


def hosts_and_slots():
    busy = f"host:klaro_host_busy_ratio:leader{{{HOST}}}"
    panels = [
        stat("Dead slots",
             "Terminal slots whose heartbeat is older than 20 s (klaro_slots{state=\"dead\"}). "
             "Their accounts were placed on other slots; KlaroSlotsDead warns after 5 minutes.",
             targets(('state:klaro_slots:leader{state="dead"}', "dead")),
             threshold_steps=thresholds(("green", None), ("red", 1))),
        stat("Live slots",
             "Slots that take jobs now: idle plus busy.",
             targets(('sum(state:klaro_slots:leader{state=~"idle|busy"})', "live"))),
        stat("Hosts reporting",
             "Worker hosts with a busy-ratio series on the leader, in $host.",
             targets((f"count({busy})", "hosts"))),
        stat("Fleet busy ratio",
             "Busy slots ÷ live slots over the whole fleet. Near 100 % the queues fill and "
             "queue wait grows.",
             targets(('sum(state:klaro_slots:leader{state="busy"}) / sum(state:klaro_slots:leader{state=~"idle|busy"})',
                      "busy")),
             unit="percentunit", threshold_steps=DEMAND, decimals=1),
        stat("Syncs per second",
             "Finished syncs per second on the hosts selected in $host.",
             targets((rate("klaro_host_syncs_total", HOST), "syncs/s")), unit="ops", w=8),
        timeseries("Busy ratio per host",
                   "Busy slots ÷ live slots of each worker host (klaro_host_busy_ratio, from the "
                   "leader). A host pinned at 100 % while others idle points to placement; all "
                   "hosts high points to capacity.",
                   targets((busy, "{{host}}")), unit="percentunit", max_value=1, w=16),
        bargauge("Busy ratio now",
                 "The latest busy ratio of each worker host in $host.",
                 targets((busy, "{{host}}")), unit="percentunit", max_value=1, threshold_steps=DEMAND),
        timeseries("Slots by state",
                   "Terminal slots by state over time (klaro_slots, from the leader): idle, busy, "
                   "dead, draining, cordoned, pending.",
                   targets(("state:klaro_slots:leader", "{{state}}")), stack=True),
        timeseries("Hosts by state",
                   "Worker hosts by state (klaro_hosts, from the leader): active, draining and "
                   "cordoned as the operator set them; pending hosts wait for `klaro hosts approve`; "
                   "refused ones presented a key nobody approved (KlaroWorkerHostRefused); dead "
                   "ones are admitted but have no live slot.",
                   targets(("state:klaro_hosts:leader", "{{state}}")), stack=True),
        timeseries("Dead slots",
                   "Dead slots over time. A short bump is a worker restarting; a plateau is a host "
                   "gone (check it with `klaro hosts`).",
                   targets(('state:klaro_slots:leader{state="dead"}', "dead slots")),
                   threshold_steps=thresholds(("green", None), ("red", 1))),
        timeseries("Sync rate per host",
                   "Finished syncs per second on each worker host (klaro_host_syncs_total, every "
                   "result). It follows the host's slot count; a host at zero takes no jobs.",
                   targets((rate("klaro_host_syncs_total", HOST, by="host"), "{{host}}")), unit="ops"),
        timeseries("Results per host",
                   "Syncs per second that did not end `ok`, per worker host and result: `failed` "
                   "(the worker reported a failure: terminal, IPC, timeout or credentials) or "
                   "`lost` (no result by the deadline). One host far above the others has sick "
                   "terminals or is dying; which outcome is in Fleet overview → Syncs by outcome "
                   "and, per host, in sync_runs (runbook KlaroHostSyncsFailing).",
                   targets((rate("klaro_host_syncs_total", HOST + ', result!="ok"', by="host, result"),
                            "{{host}} {{result}}")), unit="ops"),
        timeseries("Success rate per host",
                   "Share of each host's finished syncs that ended `ok`. Compare hosts: the "
                   "outlier is the one to drain (`klaro drain HOST`).",
                   targets((success_ratio(by="host"), "{{host}}")),
                   unit="percentunit", min_zero=False, max_value=1, decimals=1),
        timeseries("Placement moves by reason",
                   "Accounts moved to another slot per minute, by reason "
                   "(klaro_placement_moves_total): slot_dead and slot_removed follow failures, "
                   "draining and cordoned follow operators, over_capacity and rebalance follow "
                   "growth. Every move costs the new terminal a cold login.",
                   targets((f'{rate("klaro_placement_moves_total", by="reason")} * 60', "{{reason}}")),
                   unit="opm", stack=True),
    ]
    return dashboard("klaro-hosts-slots", "Klaro / Hosts and slots",
                     "Worker hosts and their terminal slots: load, liveness, throughput and "
                     "failures per host.", panels)


# MARK: Control plane


def control_plane():
    panels = [
        stat("Scheduler leaders",
             "Replicas reporting klaro_scheduler_leader = 1. Exactly 1 is healthy: 0 means "
             "nothing is scheduled (KlaroSchedulerNoLeader), 2 or more a split brain.",
             targets(("klaro:scheduler_leaders:sum", "leaders")),
             threshold_steps=thresholds(("red", None), ("green", 1), ("red", 2)), graph=False),
        stat("Replicas up",
             "klarod targets Prometheus scraped successfully (up{job=\"klarod\"}).",
             targets((f"sum(up{{{KLAROD}}})", "up")),
             threshold_steps=thresholds(("red", None), ("green", 1)), graph=False),
        stat("Uptime",
             "Time since the most recently started klarod replica started (process_start_time_seconds).",
             targets((f"time() - max(process_start_time_seconds{{{KLAROD}}})", "uptime")), unit="s",
             graph=False),
        stat("HTTP 5xx share",
             "Share of HTTP responses with a 5xx status over the rate interval, all routes "
             "(klaro_http_requests_total).",
             # `or vector(0)`: with no 5xx series yet the share is 0, not "no data".
             targets(((f'({rate("klaro_http_requests_total", f"{KLAROD}, {STATUS_5XX}")} or vector(0))'
                       f' / {rate("klaro_http_requests_total", KLAROD)}'), "5xx")),
             unit="percentunit", decimals=2,
             threshold_steps=thresholds(("green", None), ("orange", 0.001), ("red", 0.01))),
        stat("Ingest p99",
             "99th percentile of the time to validate and store one worker result, over all "
             "replicas.",
             targets((quantile(0.99, "klaro_ingest_seconds", KLAROD), "p99")), unit="s", w=8,
             threshold_steps=thresholds(("green", None), ("orange", 0.5), ("red", 2))),
        state_timeline("Scheduler leader by replica",
                       "Which replica holds the PostgreSQL advisory lock of the scheduler "
                       "(klaro_scheduler_leader): leader or standby, per replica.",
                       targets((f"klaro_scheduler_leader{{{KLAROD}}}", "{{instance}}")),
                       value_map((0, "standby", "blue"), (1, "leader", "green")),
                       thresholds(("blue", None), ("green", 1))),
        state_timeline("Dependencies",
                       "Whether each replica's last health check of PostgreSQL and Redis "
                       "succeeded (klaro_dependency_up). Down for a minute pages "
                       "(KlaroDependencyDown).",
                       targets((f"klaro_dependency_up{{{KLAROD}}}", "{{instance}} {{dependency}}")),
                       value_map((0, "down", "red"), (1, "up", "green")),
                       thresholds(("red", None), ("green", 1))),
        timeseries("Scheduler tick time",
                   "Duration of one scheduler tick on the leader (klaro_scheduler_tick_seconds), "
                   "p50 and p99 per replica. Ticks run every second: a p99 near 1 s means the "
                   "scheduler falls behind and dispatch lags.",
                   quantile_targets("klaro_scheduler_tick_seconds", KLAROD, "instance, le", qs=(0.5, 0.99)),
                   unit="s", threshold_steps=thresholds(("green", None), ("red", 1))),
        timeseries("Ingest time",
                   "Time to validate and store one worker result (klaro_ingest_seconds), p50 and "
                   "p99 per replica; every replica ingests from the same consumer group.",
                   quantile_targets("klaro_ingest_seconds", KLAROD, "instance, le", qs=(0.5, 0.99)),
                   unit="s"),
        timeseries("Results ingested",
                   "Worker results ingested per second by each replica (count of "
                   "klaro_ingest_seconds). Their sum follows the fleet's sync rate.",
                   targets((rate("klaro_ingest_seconds_count", KLAROD, by="instance"), "{{instance}}")),
                   unit="ops", w=8),
        timeseries("CPU",
                   "CPU time klarod uses per second, user plus system (process_cpu_seconds_total), "
                   "in cores. Two cores are the whole machine here.",
                   targets((rate("process_cpu_seconds_total", KLAROD, by="instance"), "{{instance}}")),
                   unit="short", decimals=2, w=8),
        timeseries("Memory",
                   "Resident memory of each klarod process (process_resident_memory_bytes); "
                   "virtual memory (process_virtual_memory_bytes) is shown dashed and is "
                   "normally much larger than resident.",
                   targets((f"process_resident_memory_bytes{{{KLAROD}}}", "resident {{instance}}"),
                           (f"process_virtual_memory_bytes{{{KLAROD}}}", "virtual {{instance}}")),
                   unit="bytes", w=8,
                   overrides=[{"matcher": {"id": "byRegexp", "options": "virtual .*"},
                               "properties": [{"id": "custom.lineStyle",
                                               "value": {"dash": [10, 10], "fill": "dash"}}]}]),
        timeseries("File descriptors",
                   "Open file descriptors of each klarod (process_open_fds) against its limit "
                   "(process_max_fds). Every PostgreSQL and Redis connection and HTTP client "
                   "holds one.",
                   targets((f"process_open_fds{{{KLAROD}}}", "open {{instance}}"),
                           (f"process_max_fds{{{KLAROD}}}", "max {{instance}}")), w=8),
        timeseries("HTTP requests by route and status",
                   "HTTP requests per second served by klarod, by route and status code "
                   "(Hummingbird's klaro_http_requests_total). Routes are the router's patterns, so "
                   "account ids never appear here.",
                   targets((rate("klaro_http_requests_total", KLAROD, by="http_route, http_response_status_code"),
                            "{{http_route}} {{http_response_status_code}}")), unit="reqps", w=8),
        timeseries("HTTP latency by route",
                   "p50 and p99 time to answer, per route (klaro_http_request_duration_seconds). /metrics "
                   "and /healthz should stay in milliseconds.",
                   quantile_targets("klaro_http_request_duration_seconds", KLAROD, "http_route, le", qs=(0.5, 0.99)),
                   unit="s", w=8),
        timeseries("HTTP errors",
                   "Requests per second that ended in an error thrown by a handler, by route and "
                   "status (klaro_http_request_errors_total): 4xx are callers' mistakes (404 for unknown "
                   "paths is reported as route NotFound), 5xx are klarod's.",
                   targets((rate("klaro_http_request_errors_total", KLAROD, by="http_route, error_type"),
                            "{{http_route}} {{error_type}}")), unit="reqps"),
        timeseries("Requests in progress",
                   "HTTP requests being served right now, per replica and method "
                   "(klaro_http_active_requests).",
                   targets((f"sum by (instance, http_request_method) (klaro_http_active_requests{{{KLAROD}}})",
                            "{{instance}} {{http_request_method}}")), w=12),
        build_info_table(),
    ]
    return dashboard("klaro-control-plane", "Klaro / Control plane",
                     "klarod itself: leadership, scheduler and ingest timing, dependencies, "
                     "process resources, HTTP and builds. Nothing here has a host label; $host is "
                     "kept so that it carries over between the Klaro dashboards.", panels)


DASHBOARDS = {
    "klaro-fleet-overview.json": fleet_overview,
    "klaro-sync-latency.json": sync_latency,
    "klaro-hosts-slots.json": hosts_and_slots,
    "klaro-control-plane.json": control_plane,
}


def render(build):
    return json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv):
    check = "--check" in argv[1:]
    stale = []
    for name, build in DASHBOARDS.items():
        path = OUT_DIR / name
        text = render(build)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("dashboards out of date with dashboards/generate.py (run it and commit): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
