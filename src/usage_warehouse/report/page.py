"""The usage report as one self-contained HTML file: header, headline numbers, charts.

plotly.js is inlined once (``<script id="plotly-js">``), so the page draws with no network.
"""

from __future__ import annotations

import html
from pathlib import Path

import plotly.io as pio
from plotly.offline import get_plotlyjs

from usage_warehouse.report.charts import (
    Chart,
    change_text,
    funnel_chart,
    health_bands_chart,
    health_chart,
    metric_color,
    milestone_counts_chart,
    milestones_chart,
    number,
    overview_chart,
    retention_chart,
    trends_chart,
)
from usage_warehouse.report.data import OVERVIEW_METRICS, TREND_METRICS, MetricSummary, ReportData

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f4f6; color: #1f2937;
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
header { background: #111827; color: #f9fafb; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; font-weight: 650; }
header .meta { margin: 0; color: #d1d5db; }
header .meta b { color: #f9fafb; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 40px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; margin-bottom: 20px; }
.kpi { background: #fff; border-radius: 10px; padding: 14px 16px; border-top: 4px solid var(--color); }
.kpi h3 { margin: 0; font-size: 13px; font-weight: 600; color: #6b7280;
          text-transform: uppercase; letter-spacing: .03em; }
.kpi .value { font-size: 30px; font-weight: 700; margin: 2px 0; }
.kpi .unit { font-size: 13px; color: #6b7280; font-weight: 400; }
.kpi .change { margin: 0; font-size: 14px; }
.kpi .change.up { color: #15803d; } .kpi .change.down { color: #b91c1c; } .kpi .change.flat { color: #6b7280; }
.kpi .month { margin: 4px 0 0; font-size: 13px; color: #6b7280; }
section.chart { background: #fff; border-radius: 10px; padding: 8px 8px 4px; margin-bottom: 20px; }
section.chart .caption { margin: 0 12px 8px; font-size: 12px; color: #6b7280; }
footer { color: #6b7280; font-size: 12px; text-align: center; padding-bottom: 24px; }
"""


def _kpi(metric: MetricSummary, unit: str) -> str:
    trend = "up" if metric.change_7d > 0 else "down" if metric.change_7d < 0 else "flat"
    attributes = {
        "data-metric": metric.metric_key,
        "data-value-7d": number(metric.value_7d),
        "data-previous-value-7d": number(metric.previous_value_7d),
        "data-change-7d": number(metric.change_7d),
        "style": f"--color: {metric_color(metric.metric_key)}",
    }
    attribute_text = " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items())
    return (
        f'<div class="kpi" {attribute_text}>'
        f"<h3>{html.escape(metric.metric_name)}, last 7 days</h3>"
        f'<p class="value">{number(metric.value_7d)} <span class="unit">{html.escape(unit)}</span></p>'
        f'<p class="change {trend}">{html.escape(change_text(metric.change_7d, metric.pct_change_7d))} '
        f"vs {number(metric.previous_value_7d)} the 7 days before</p>"
        f'<p class="month">last 30 days: {number(metric.value_30d)} '
        f"({html.escape(change_text(metric.change_30d, metric.pct_change_30d))})</p>"
        "</div>"
    )


def charts_for(data: ReportData) -> list[Chart]:
    """The report's sections, in page order: the app report or the account report."""
    headline = [metric for metric in data.metrics if metric.metric_key in OVERVIEW_METRICS]
    names = {metric.metric_key: metric.metric_name for metric in data.metrics}
    charts = [
        overview_chart(headline, data.metric_days, data.as_of_date),
        trends_chart(data.metric_days, names, TREND_METRICS),
    ]
    if data.account is None:
        return [
            *charts,
            health_bands_chart(data.band_counts, data.health_bands),
            milestone_counts_chart(data.milestone_counts),
            funnel_chart(data.funnel_steps, data.as_of_date),
            retention_chart(data.retention),
        ]
    return [
        *charts,
        health_chart(data.health_days, data.health_bands),
        milestones_chart(data.milestones, data.as_of_date),
    ]


def _header(data: ReportData, source: str) -> tuple[str, str]:
    """The page title and the header block."""
    as_of = data.as_of_date.isoformat()
    account = data.account
    if account is None:
        title = "Usage report: the whole app"
        details = ["all accounts"]
    else:
        title = f"Usage report: {account.account_name}"
        details = [f"account <b>{html.escape(account.account_id)}</b>"]
        details += [f"{html.escape(account.plan_name)} plan"] if account.plan_name else []
        details += [html.escape(account.industry)] if account.industry else []
        details.append(f"signed up {account.signup_date.isoformat()}")
    details.append(f'as of <b><time datetime="{as_of}">{as_of}</time></b> (UTC)')
    block = (
        f"<header><h1>{html.escape(title)}</h1>"
        f'<p class="meta">{" · ".join(details)} · warehouse {html.escape(source)}</p></header>'
    )
    return title, block


def render_html(data: ReportData, *, source: str = "") -> str:
    """The whole page as one HTML string (plotly.js inlined)."""
    title, header = _header(data, source)
    units = {"count_events": "events", "distinct_users": "users"}
    kpis = "".join(
        _kpi(metric, units.get(metric.aggregation, ""))
        for metric in data.metrics
        if metric.metric_key in OVERVIEW_METRICS
    )
    sections = "\n".join(_section(chart) for chart in charts_for(data))
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)} (as of {data.as_of_date.isoformat()})</title>\n"
        f"<style>{STYLE}</style>\n"
        f'<script id="plotly-js" type="text/javascript">{get_plotlyjs()}</script>\n'
        f"</head>\n<body>\n{header}\n<main>\n"
        f'<section class="kpis" aria-label="headline numbers">{kpis}</section>\n'
        f"{sections}\n</main>\n"
        "<footer>Every number comes from the usage-warehouse marts as built; "
        "definitions are in the seeds and docs/decision_log.md.</footer>\n"
        "</body>\n</html>\n"
    )


def _section(chart: Chart) -> str:
    div = pio.to_html(
        chart.figure,
        include_plotlyjs=False,
        full_html=False,
        div_id=chart.chart_id,
        config=PLOTLY_CONFIG,
        default_height=f"{chart.figure.layout.height}px",
    )
    return f'<section class="chart">{div}<p class="caption">{html.escape(chart.caption)}</p></section>'


def write_report(data: ReportData, out: Path, *, source: str = "") -> Path:
    """Write the report to ``out`` (parent folders created); returns the resolved path."""
    path = out.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(data, source=source), encoding="utf-8")
    return path
