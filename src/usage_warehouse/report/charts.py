"""The usage report's charts: one plotly figure per section, from ``ReportData``.

Colors mean the same thing everywhere: one color per metric, one per health band and one per
milestone status. Every chart has a title that says what is measured and in which unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from usage_warehouse.report.data import (
    OVERVIEW_DAYS,
    REPORT_METRICS,
    TREND_DAYS,
    BandCount,
    FunnelStep,
    HealthBand,
    HealthDay,
    MetricDay,
    MetricSummary,
    Milestone,
    MilestoneStatusCount,
    RetentionCell,
)

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
TEXT = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
PREVIOUS = "#6b7280"  # the previous period, drawn dotted
UP = "#15803d"
DOWN = "#b91c1c"

# Colorblind-safe palette (Okabe-Ito), one color per metric in the order of REPORT_METRICS.
METRIC_PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#7F7F7F",
    "#332288",
)
BAND_COLORS: dict[str, str] = {
    "healthy": "#16a34a",
    "neutral": "#f59e0b",
    "at_risk": "#dc2626",
    "onboarding": "#93c5fd",
    "no_data": "#d1d5db",
}
STATUS_COLORS: dict[str, str] = {"on_time": "#16a34a", "late": "#f59e0b", "overdue": "#dc2626", "pending": "#60a5fa"}
STATUS_LABELS: dict[str, str] = {"on_time": "on time", "late": "late", "overdue": "overdue", "pending": "pending"}
OTHER_COLOR = "#9ca3af"
UNITS: dict[str, str] = {
    "count_events": "events",
    "distinct_users": "distinct users",
    "sum_quantity": "quantity",
    "sum_property": "total",
}


@dataclass(frozen=True)
class Chart:
    """One section of the report: its id (the div id), its figure and a caption under it."""

    chart_id: str
    figure: go.Figure
    caption: str


def number(value: float) -> str:
    """12 -> '12', 1234.5 -> '1,234.5'."""
    return f"{round(value):,}" if math.isclose(value, round(value), abs_tol=1e-9) else f"{value:,.1f}"


def signed(value: float) -> str:
    """'+3', '-2.5', '0'."""
    return f"+{number(value)}" if value > 0 else f"-{number(-value)}" if value < 0 else "0"


def change_text(change: float, pct_change: float | None) -> str:
    """'+3 (+50.0 %)'; '+3' alone when the previous period was 0 (the mart's percent is null then)."""
    if pct_change is None:
        return signed(change)
    return f"{signed(change)} ({'+' if pct_change > 0 else ''}{pct_change:.1f} %)"


def metric_color(metric_key: str) -> str:
    """The metric's color, the same in every chart (by its place in REPORT_METRICS)."""
    position = REPORT_METRICS.index(metric_key) if metric_key in REPORT_METRICS else len(REPORT_METRICS)
    return METRIC_PALETTE[position % len(METRIC_PALETTE)]


def _layout(figure: go.Figure, title: str, subtitle: str, height: int, *, subplot_titles: bool = False) -> go.Figure:
    """Title, subtitle (lines split by <br>), fonts, grid and legend shared by every chart."""
    top = 76 + 18 * (subtitle.count("<br>") + 1) + (28 if subplot_titles else 0)
    figure.update_layout(
        title={
            "text": title,
            "subtitle": {"text": subtitle},
            "x": 0.0,
            "xanchor": "left",
            "y": 1.0,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 16},
            "font": {"size": 18},
        },
        template="plotly_white",
        font={"family": FONT, "size": 13, "color": TEXT},
        height=height,
        margin={"l": 64, "r": 32, "t": top, "b": 92},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.0, "xanchor": "left", "x": 0.0},
        hovermode="x unified",
    )
    figure.update_xaxes(gridcolor=GRID)
    figure.update_yaxes(gridcolor=GRID, rangemode="tozero")
    return figure


def _no_data(figure: go.Figure, message: str) -> go.Figure:
    figure.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 15, "color": MUTED}
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _grid(count: int, columns: int = 2) -> tuple[int, int]:
    rows = max(1, math.ceil(count / columns))
    return rows, columns


def _cell(position: int, columns: int = 2) -> dict[str, int]:
    return {"row": position // columns + 1, "col": position % columns + 1}


def overview_chart(metrics: Sequence[MetricSummary], days: Sequence[MetricDay], as_of: date) -> Chart:
    """This period (trailing 7 days, filled) against the previous 7 days (dotted) for each headline metric."""
    since = as_of - timedelta(days=OVERVIEW_DAYS - 1)
    titles = [
        f"<b>{metric.metric_name}</b>: {number(metric.value_7d)} vs {number(metric.previous_value_7d)} · "
        f"<span style='color:{UP if metric.change_7d > 0 else DOWN if metric.change_7d < 0 else MUTED}'>"
        f"{change_text(metric.change_7d, metric.pct_change_7d)}</span>"
        for metric in metrics
    ]
    rows, columns = _grid(len(metrics))
    figure = make_subplots(rows=rows, cols=columns, subplot_titles=titles or None, vertical_spacing=0.16)
    for position, metric in enumerate(metrics):
        series = [day for day in days if day.metric_key == metric.metric_key and day.metric_date >= since]
        dates = [day.metric_date.isoformat() for day in series]
        color = metric_color(metric.metric_key)
        figure.add_trace(
            go.Scatter(
                x=dates,
                y=[day.trailing_7d_value for day in series],
                name="last 7 days",
                legendgroup="current",
                showlegend=position == 0,
                mode="lines",
                line={"color": color, "width": 2},
                fill="tozeroy",
                fillcolor=_transparent(color, 0.25),
                hovertemplate=f"{metric.metric_name}, 7 days to %{{x}}: %{{y:,}}<extra></extra>",
            ),
            **_cell(position),
        )
        figure.add_trace(
            go.Scatter(
                x=dates,
                y=[day.trailing_7d_value_7_days_earlier for day in series],
                name="the 7 days before",
                legendgroup="previous",
                showlegend=position == 0,
                mode="lines",
                line={"color": PREVIOUS, "width": 2, "dash": "dot"},
                hovertemplate=f"{metric.metric_name}, a week earlier: %{{y:,}}<extra></extra>",
            ),
            **_cell(position),
        )
        figure.update_yaxes(title_text=UNITS.get(metric.aggregation, ""), **_cell(position))
    figure.update_annotations(font={"size": 14})
    _layout(
        figure,
        "Usage overview: last 7 days against the 7 days before",
        f"Filled: the total of the 7 days ending each day (distinct users counted once), last {OVERVIEW_DAYS} days."
        "<br>Dotted: the same a week earlier. The last points are the headline values; change = filled minus dotted.",
        300 * rows + 160,
        subplot_titles=True,
    )
    figure.update_layout(hovermode="closest")
    if not metrics:
        _no_data(figure, "No usage metrics in the warehouse")
    return Chart("chart-overview", figure, "Source: fct_*_usage_metrics (7-day windows) and fct_*_metric_daily.")


def trends_chart(days: Sequence[MetricDay], metric_names: dict[str, str], keys: Sequence[str]) -> Chart:
    """Daily value of several metrics over the last TREND_DAYS days, one small chart each."""
    shown = [key for key in keys if any(day.metric_key == key for day in days)]
    rows, columns = _grid(len(shown))
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[f"<b>{metric_names.get(key, key)}</b> per day" for key in shown] or None,
        vertical_spacing=0.3 / rows if rows > 1 else 0.1,
        shared_xaxes=True,
    )
    for position, key in enumerate(shown):
        series = [day for day in days if day.metric_key == key]
        figure.add_trace(
            go.Bar(
                x=[day.metric_date.isoformat() for day in series],
                y=[day.metric_value for day in series],
                name=metric_names.get(key, key),
                marker={"color": metric_color(key)},
                showlegend=False,
                hovertemplate=f"{metric_names.get(key, key)} on %{{x}}: %{{y:,}}<extra></extra>",
            ),
            **_cell(position),
        )
        figure.update_xaxes(showticklabels=True, **_cell(position))
    figure.update_annotations(font={"size": 14})
    _layout(
        figure,
        f"Metric trends: daily values, last {TREND_DAYS} days",
        "One bar per UTC day; units as defined in seeds/metric_definitions.csv (events, or distinct users that day).",
        220 * rows + 160,
        subplot_titles=True,
    )
    figure.update_layout(bargap=0.15, hovermode="closest", margin={"b": 40})
    if not shown:
        _no_data(figure, "No daily metrics for this scope")
    return Chart("chart-trends", figure, "Source: fct_*_metric_daily (metric_value).")


def health_chart(days: Sequence[HealthDay], bands: Sequence[HealthBand]) -> Chart:
    """The account's health score per day over the score bands; onboarding days are shaded."""
    figure = go.Figure()
    for band in bands:
        color = BAND_COLORS.get(band.band, OTHER_COLOR)
        figure.add_hrect(
            y0=band.min_score, y1=band.max_score, fillcolor=color, opacity=0.13, line_width=0, layer="below"
        )
        figure.add_annotation(
            text=band.band.replace("_", " "),
            x=1.005,
            xref="paper",
            xanchor="left",
            y=(band.min_score + band.max_score) / 2,
            showarrow=False,
            font={"color": color, "size": 12},
        )
    onboarding = [day.date_day for day in days if day.health_band == "onboarding"]
    if onboarding:
        figure.add_vrect(
            x0=min(onboarding).isoformat(),
            x1=(max(onboarding) + timedelta(days=1)).isoformat(),
            fillcolor="#ffffff",
            opacity=0.75,
            line_width=0,
            layer="below",
        )
        figure.add_annotation(
            text="onboarding: not scored",
            x=min(onboarding).isoformat(),
            xanchor="left",
            y=50,
            showarrow=False,
            font={"color": MUTED, "size": 12},
        )
    figure.add_trace(
        go.Scatter(
            x=[day.date_day.isoformat() for day in days],
            y=[day.health_score for day in days],
            name="health score",
            mode="lines+markers",
            line={"color": TEXT, "width": 2},
            marker={"size": 6, "color": [BAND_COLORS.get(day.health_band, OTHER_COLOR) for day in days]},
            customdata=[day.health_band.replace("_", " ") for day in days],
            hovertemplate="%{x}: %{y:.1f} (%{customdata})<extra></extra>",
        )
    )
    _layout(
        figure,
        f"Health score, last {TREND_DAYS} days",
        "Weighted score 0-100 (seeds/health_score_components.csv) over its bands (seeds/health_score_bands.csv).",
        420,
    )
    figure.update_yaxes(range=[0, 100], title_text="health score (0-100)")
    if days:
        figure.update_xaxes(range=[days[0].date_day.isoformat(), (days[-1].date_day + timedelta(days=1)).isoformat()])
    figure.update_layout(showlegend=False, margin={"r": 80})
    if not days:
        _no_data(figure, "No health scores for this account")
    return Chart("chart-health", figure, "Source: fct_account_health_daily; bands from health_score_bands.")


def health_bands_chart(counts: Sequence[BandCount], bands: Sequence[HealthBand]) -> Chart:
    """Accounts per health band per day (the app report's health history)."""
    order = [band.band for band in reversed(bands)] + ["onboarding", "no_data"]
    order += sorted({count.health_band for count in counts} - set(order))
    dates = sorted({count.date_day for count in counts})
    by_key = {(count.date_day, count.health_band): count.account_count for count in counts}
    figure = go.Figure()
    for band in order:
        values = [by_key.get((day, band), 0) for day in dates]
        if not any(values):
            continue
        figure.add_trace(
            go.Bar(
                x=[day.isoformat() for day in dates],
                y=values,
                name=band.replace("_", " "),
                marker={"color": BAND_COLORS.get(band, OTHER_COLOR)},
                hovertemplate=f"{band.replace('_', ' ')}: %{{y}} accounts<extra></extra>",
            )
        )
    _layout(
        figure,
        f"Accounts by health band, last {TREND_DAYS} days",
        "Accounts per UTC day in each band (seeds/health_score_bands.csv); young accounts are onboarding.",
        420,
    )
    figure.update_layout(barmode="stack", bargap=0.1)
    figure.update_yaxes(title_text="accounts")
    if not counts:
        _no_data(figure, "No health scores in the warehouse")
    return Chart("chart-health", figure, "Source: fct_account_health_daily (health_band).")


def milestones_chart(milestones: Sequence[Milestone], as_of: date) -> Chart:
    """The account's onboarding checklist on a timeline: target window, and when each milestone was reached."""
    figure = go.Figure()
    names = [milestone.milestone_name for milestone in milestones]
    window_x: list[str | None] = []
    window_y: list[str | None] = []
    for milestone in milestones:
        window_x += [milestone.signup_date.isoformat(), milestone.target_date.isoformat(), None]
        window_y += [milestone.milestone_name, milestone.milestone_name, None]
    figure.add_trace(
        go.Scatter(
            x=window_x,
            y=window_y,
            mode="lines",
            name="signup → target date",
            line={"color": GRID, "width": 12},
            hoverinfo="skip",
        )
    )
    for status, label in STATUS_LABELS.items():
        chosen = [milestone for milestone in milestones if milestone.status == status]
        if not chosen:
            continue
        figure.add_trace(
            go.Scatter(
                x=[_milestone_day(milestone).isoformat() for milestone in chosen],
                y=[milestone.milestone_name for milestone in chosen],
                mode="markers+text",
                name=label,
                marker={
                    "color": STATUS_COLORS[status],
                    "size": 14,
                    "symbol": "circle" if milestone_reached(status) else "circle-open",
                    "line": {"width": 3, "color": STATUS_COLORS[status]},
                },
                text=[_milestone_label(milestone) for milestone in chosen],
                textposition="middle right",
                textfont={"color": TEXT, "size": 12},
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        )
    if milestones:
        figure.add_shape(
            type="line", x0=as_of.isoformat(), x1=as_of.isoformat(), y0=0, y1=1, yref="paper",
            line={"color": MUTED, "width": 1, "dash": "dash"},
        )  # fmt: skip
        figure.add_annotation(
            text=f"as of {as_of.isoformat()}", x=as_of.isoformat(), y=1.0, yref="paper", yanchor="bottom",
            showarrow=False, font={"color": MUTED, "size": 12},
        )  # fmt: skip
        latest = max([as_of, *(_milestone_day(milestone) for milestone in milestones)])
        first = min(milestone.signup_date for milestone in milestones)
        figure.update_xaxes(range=[(first - timedelta(days=2)).isoformat(), (latest + timedelta(days=12)).isoformat()])
    _layout(
        figure,
        "Onboarding milestones",
        "Grey bar: from signup to the target date (seeds/onboarding_milestones.csv).<br>"
        "Filled dot: reached (day after signup); open dot: not reached, placed on its target date.",
        120 + 48 * max(len(milestones), 3),
    )
    figure.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)), rangemode="normal")
    figure.update_layout(hovermode="closest")
    if not milestones:
        _no_data(figure, "No onboarding milestones for this account")
    return Chart("chart-milestones", figure, "Source: fct_account_milestones.")


def milestone_reached(status: str) -> bool:
    return status in ("on_time", "late")


def _milestone_day(milestone: Milestone) -> date:
    return milestone.reached_at.date() if milestone.reached_at is not None else milestone.target_date


def _milestone_label(milestone: Milestone) -> str:
    label = STATUS_LABELS.get(milestone.status, milestone.status)
    if milestone.days_from_signup is not None:
        return f"{label}: day {milestone.days_from_signup} (target {milestone.target_days})"
    return f"{label}: target day {milestone.target_days}"


def milestone_counts_chart(counts: Sequence[MilestoneStatusCount]) -> Chart:
    """Accounts per onboarding milestone and status (the app report's milestone view)."""
    names = [name for _, name in sorted({(count.sort_order, count.milestone_name) for count in counts})]
    figure = go.Figure()
    for status, label in STATUS_LABELS.items():
        by_name = {count.milestone_name: count.account_count for count in counts if count.status == status}
        if not by_name:
            continue
        figure.add_trace(
            go.Bar(
                y=names,
                x=[by_name.get(name, 0) for name in names],
                name=label,
                orientation="h",
                marker={"color": STATUS_COLORS[status]},
                text=[by_name.get(name, 0) or "" for name in names],
                textposition="inside",
                hovertemplate=f"%{{y}}: %{{x}} accounts {label}<extra></extra>",
            )
        )
    _layout(
        figure,
        "Onboarding milestones: accounts by status",
        "Reached on time or late, overdue (target date passed), or pending (target date still ahead).",
        120 + 48 * max(len(names), 3),
    )
    figure.update_layout(barmode="stack", hovermode="closest")
    figure.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)), rangemode="normal")
    figure.update_xaxes(title_text="accounts")
    if not counts:
        _no_data(figure, "No onboarding milestones in the warehouse")
    return Chart("chart-milestones", figure, "Source: fct_account_milestones.")


def funnel_chart(steps: Sequence[FunnelStep], as_of: date) -> Chart:
    """Each funnel of seeds/funnels.csv: users reaching each step, in order, within the window."""
    funnels = list(dict.fromkeys(step.funnel_name for step in steps))
    figure = make_subplots(
        rows=1,
        cols=max(len(funnels), 1),
        subplot_titles=[f"<b>{name.replace('_', ' ')}</b>" for name in funnels] or None,
        horizontal_spacing=0.22,
    )
    for position, name in enumerate(funnels):
        chosen = [step for step in steps if step.funnel_name == name]
        figure.add_trace(
            go.Funnel(
                y=[step.step_name for step in chosen],
                x=[step.reached_count for step in chosen],
                name=name,
                textinfo="value+percent initial",
                marker={"color": METRIC_PALETTE[position % len(METRIC_PALETTE)]},
                connector={"fillcolor": GRID},
                hovertemplate="%{y}: %{x} users<extra></extra>",
            ),
            row=1,
            col=position + 1,
        )
    since = min((step.first_cohort_date for step in steps), default=as_of)
    _layout(
        figure,
        "Funnels: users reaching each step",
        f"Users who entered from {since.isoformat()} to {as_of.isoformat()}; a step counts when reached in order "
        "within the funnel's window (seeds/funnels.csv). Percent of those who entered.",
        420,
        subplot_titles=True,
    )
    figure.update_layout(showlegend=False, hovermode="closest")
    if not steps:
        _no_data(figure, "No funnel entries in the warehouse")
    return Chart("chart-funnel", figure, "Source: fct_funnel_conversions (users, all segments, monthly cohorts).")


def retention_chart(cells: Sequence[RetentionCell]) -> Chart:
    """Weekly signup cohorts of users by weeks since signup: share of the cohort active that week."""
    cohorts = sorted({cell.cohort_start_date for cell in cells})
    periods = sorted({cell.period_number for cell in cells})
    sizes = {cell.cohort_start_date: cell.cohort_size for cell in cells}
    by_key = {(cell.cohort_start_date, cell.period_number): cell for cell in cells}
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for cohort in cohorts:
        row_cells = [by_key.get((cohort, period)) for period in periods]
        z.append([cell.retention_rate if cell else None for cell in row_cells])
        text.append([_retention_label(cell) for cell in row_cells])
    labels = [f"{cohort.isoformat()} (n={sizes[cohort]})" for cohort in cohorts]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"week {period}" for period in periods],
            y=labels,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 12},
            colorscale="Blues",
            zmin=0,
            zmax=1,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "retained"}, "tickformat": ".0%"},
            hovertemplate="cohort %{y}, %{x}: %{text}<extra></extra>",
        )
    )
    _layout(
        figure,
        "Retention: weekly signup cohorts of users",
        "Rows: the week users signed up in (cohort size n). Cells: share of the cohort active in week n after their "
        "own signup day<br>(week 0 includes it); * = the week is still running for some of them.",
        160 + 36 * max(len(cohorts), 4),
    )
    figure.update_yaxes(autorange="reversed", rangemode="normal")
    figure.update_xaxes(side="top", gridcolor="rgba(0,0,0,0)")
    figure.update_layout(hovermode="closest", margin={"t": figure.layout.margin.t + 28, "b": 24})
    if not cells:
        _no_data(figure, "No retention cohorts in the warehouse")
    return Chart("chart-retention", figure, "Source: fct_retention_cohorts (signup cohorts, users, weekly).")


def _retention_label(cell: RetentionCell | None) -> str:
    if cell is None:
        return ""
    return f"{cell.retention_rate:.0%}" + ("" if cell.is_period_complete else "*")


def _transparent(hex_color: str, alpha: float) -> str:
    red, green, blue = (int(hex_color[index : index + 2], 16) for index in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"
