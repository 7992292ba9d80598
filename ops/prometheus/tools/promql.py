"""Small PromQL helpers for the observability checks: metric names used by an expression, and
Grafana's template variables replaced by values Prometheus accepts.

This is not a PromQL parser: `promtool check rules` is the parser (the checks hand it every
expression). This only finds the metric names in expressions that already parse.
"""

import re

# Words that look like identifiers in PromQL but are not metric names.
_KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
    "offset", "inf", "nan", "start", "end",
}
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_COMMENT = re.compile(r"#[^\n]*")
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
# An identifier not preceded by a word character, ':' or '.', so that the exponent of 1e-9,
# the unit of a duration (5m) and hex digits are not taken for names.
_IDENTIFIER = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)")

# Grafana's variables and what the checks put in their place.
GRAFANA_VARIABLES = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__range": "1h",
    "__range_s": "3600",
    "host": ".*",
}
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$([A-Za-z_]\w*)")


def substitute_grafana_variables(expr):
    """The expression with Grafana's variables replaced (e.g. `$__rate_interval` → `1m`).

    Raises ValueError if a variable remains that this module does not know, so that a new
    variable in a dashboard is noticed rather than sent to Prometheus as is. `$1` and the like
    (label_replace's group references) are left alone.
    """
    unknown = []

    def replace(match):
        name = match.group(1) or match.group(2)
        if name in GRAFANA_VARIABLES:
            return GRAFANA_VARIABLES[name]
        unknown.append(match.group(0))
        return match.group(0)

    result = _VARIABLE.sub(replace, expr)
    if unknown:
        raise ValueError(f"unknown Grafana variable(s) {', '.join(sorted(set(unknown)))} in: {expr}")
    return result


def metric_names(expr):
    """The metric names an expression selects (function and aggregation names excluded)."""
    text = _STRING.sub('""', expr)
    text = _COMMENT.sub(" ", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name = match.group(1)
        if name.lower() in _KEYWORDS:
            continue
        if re.match(r"\s*\(", text[match.end():]):
            continue  # a function call or an aggregation
        names.add(name)
    return names
