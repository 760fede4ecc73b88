"""The HTML usage report, rendered from the hand-made fixture and drawn in headless Chromium.

Fixture facts used below (pytests/fixture_data.py; the as-of date is 2026-10-02, the day before
the newest load): events with a known account up to the as-of date are the automation rule
ar1 (2026-09-30, acc_A); t1, t2, t3, t4, page p2, the automation run (12:00+02:00) and report r1
on 2026-10-01 (acc_A); t5, t6, page p1 and the completed import d1 on 2026-10-02 (acc_B). So
the app had 1 + 7 + 4 = 12 events in the last 7 days and acc_A 1 + 7 = 8; active users were
usr_1, usr_2 (acc_A) and usr_3 (acc_B). Nothing happened in the 7 days before.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from usage_warehouse.browser import render_dom, screenshot
from usage_warehouse.cli import main
from usage_warehouse.dbt import PROJECT_DIR
from usage_warehouse.report import build_report

SCREENSHOTS = PROJECT_DIR / "target" / "report_screenshots"
APP_CHARTS = {
    "chart-overview": "Usage overview: last 7 days against the 7 days before",
    "chart-trends": "Metric trends: daily values, last 90 days",
    "chart-health": "Accounts by health band, last 90 days",
    "chart-milestones": "Onboarding milestones: accounts by status",
    "chart-funnel": "Funnels: users reaching each step",
    "chart-retention": "Retention: weekly signup cohorts of users",
}
ACCOUNT_CHARTS = {
    "chart-overview": "Usage overview: last 7 days against the 7 days before",
    "chart-trends": "Metric trends: daily values, last 90 days",
    "chart-health": "Health score, last 90 days",
    "chart-milestones": "Onboarding milestones",
}
# What plotly.js draws for a trace: scatter and bar (funnel) groups, a heatmap's image group.
TRACE = re.compile(r'<g class="(?:trace (?:scatter|bars)\b|hm")')


def chart_blocks(dom: str) -> dict[str, str]:
    """Each chart's part of the page, by its div id (up to the next chart)."""
    starts = [(match.start(), match.group(1)) for match in re.finditer(r'<div id="(chart-[a-z]+)"', dom)]
    ends = [start for start, _ in starts[1:]] + [len(dom)]
    return {chart_id: dom[start:end] for (start, chart_id), end in zip(starts, ends, strict=True)}


def drawing_problems(dom: str, expected: dict[str, str]) -> list[str]:
    """Why the charts did not all draw: empty when every expected chart has plotly's SVG,
    trace elements and its title."""
    blocks = chart_blocks(dom)
    problems = [f"charts {sorted(blocks)} != expected {sorted(expected)}"] if set(blocks) != set(expected) else []
    for chart_id, title in expected.items():
        block = blocks.get(chart_id, "")
        if 'class="main-svg"' not in block:
            problems.append(f"{chart_id}: no svg.main-svg (plotly did not draw)")
        if not TRACE.search(block):
            problems.append(f"{chart_id}: no trace elements")
        if f">{title}<" not in block:
            problems.append(f"{chart_id}: title {title!r} not drawn")
    return problems


def kpi(dom: str, metric: str) -> dict[str, str]:
    """The data attributes of a metric's headline card."""
    match = re.search(rf'<div class="kpi" data-metric="{metric}"[^>]*>', dom)
    assert match, f"no headline card for {metric}"
    return dict(re.findall(r'data-([a-z0-9-]+)="([^"]*)"', match.group(0)))


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("usage_report")


@pytest.fixture(scope="module")
def app_report(fixture_warehouse: Path, report_dir: Path) -> Path:
    out = report_dir / "app.html"
    assert main(["report", "--db", str(fixture_warehouse), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def account_report(fixture_warehouse: Path, report_dir: Path) -> Path:
    return build_report(fixture_warehouse, report_dir / "acc_A.html", "acc_A")


@pytest.fixture(scope="module")
def app_dom(app_report: Path) -> str:
    return render_dom(app_report)


@pytest.fixture(scope="module")
def account_dom(account_report: Path) -> str:
    return render_dom(account_report)


def without_plotly_js(page: str) -> str:
    """The page with the inlined plotly.js library emptied."""
    stripped, count = re.subn(r'(<script id="plotly-js"[^>]*>).*?(</script>)', r"\1\2", page, count=1, flags=re.S)
    assert count == 1, "no inlined plotly.js in the page"
    return stripped


def test_report_is_self_contained(app_report: Path) -> None:
    page = app_report.read_text()
    library = page.split('<script id="plotly-js"', 1)[1].split("</script>", 1)[0]
    assert "* plotly.js v" in library[:200] and len(library) > 1_000_000  # the whole library, inlined
    own = without_plotly_js(page)  # plotly.js mentions URLs (map tiles) that the report never uses
    assert "cdn.plot.ly" not in own
    assert not re.search(r"<(?:script|link|img|iframe)[^>]*\s(?:src|href)=", own), "the page loads an outside file"


def test_app_report_draws_every_chart(app_dom: str) -> None:
    assert drawing_problems(app_dom, APP_CHARTS) == []
    assert "Usage report: the whole app" in app_dom
    assert '<time datetime="2026-10-02">2026-10-02</time>' in app_dom


def test_account_report_draws_every_chart(account_dom: str) -> None:
    assert drawing_problems(account_dom, ACCOUNT_CHARTS) == []
    assert "<h1>Usage report: Acme</h1>" in account_dom
    assert "account <b>acc_A</b> · Team plan · software · signed up 2026-09-01" in account_dom
    assert '<time datetime="2026-10-02">2026-10-02</time>' in account_dom


def test_without_plotly_js_no_chart_draws(app_report: Path, report_dir: Path) -> None:
    broken = report_dir / "app_without_plotly.html"
    broken.write_text(without_plotly_js(app_report.read_text()))
    problems = drawing_problems(render_dom(broken), APP_CHARTS)
    assert sorted(problem for problem in problems if "no svg.main-svg" in problem) == sorted(
        f"{chart_id}: no svg.main-svg (plotly did not draw)" for chart_id in APP_CHARTS
    )


def test_app_overview_values(app_dom: str) -> None:
    # 12 events in the 7 days to 2026-10-02 (see the module docstring), none the 7 days before.
    assert kpi(app_dom, "events") == {
        "metric": "events",
        "value-7d": "12",
        "previous-value-7d": "0",
        "change-7d": "12",
    }
    assert kpi(app_dom, "active_users")["value-7d"] == "3"  # usr_1, usr_2, usr_3
    assert kpi(app_dom, "reports_created")["value-7d"] == "1"  # r1
    overview = chart_blocks(app_dom)["chart-overview"]
    assert '<tspan style="font-weight:bold">Events</tspan>: 12 vs 0 · ' in overview


def test_account_overview_values(account_dom: str) -> None:
    # acc_A: ar1 on 2026-09-30 and 7 events on 2026-10-01; users usr_1 and usr_2.
    assert kpi(account_dom, "events")["value-7d"] == "8"
    assert kpi(account_dom, "active_users")["value-7d"] == "2"
    assert '<tspan style="font-weight:bold">Events</tspan>: 8 vs 0 · ' in chart_blocks(account_dom)["chart-overview"]


def test_account_milestones_on_the_timeline(account_dom: str) -> None:
    timeline = chart_blocks(account_dom)["chart-milestones"]
    # Signed up 2026-09-01: report r1 on 2026-10-01 is day 30 (target 7), rule ar1 on 2026-09-30 day 29
    # (target 21); no integration, and the invitation of 2026-10-03 is after the as-of date.
    for label in (
        "late: day 30 (target 7)",
        "late: day 29 (target 21)",
        "overdue: target day 14",
        "overdue: target day 7",
    ):
        assert f">{label}<" in timeline, label
    assert ">as of 2026-10-02<" in timeline


def test_app_funnel_and_retention_values(app_dom: str) -> None:
    blocks = chart_blocks(app_dom)
    # report_sharing: usr_1 created r1; the Reports page view (09:30) came before it, so nobody went on.
    assert 'data-unformatted="1&lt;br&gt;100%"' in blocks["chart-funnel"]
    # Users signed up the week of 2026-08-31: usr_1 (09-01) and usr_2 (09-02), both active on 10-01 only
    # (days 30 and 29: week 4, still running); usr_3 signed up 10-02 and was active that day.
    retention = blocks["chart-retention"]
    assert ">2026-08-31 (n=2)<" in retention and ">2026-09-28 (n=1)<" in retention
    cells = re.findall(r'data-unformatted="(\d+%\*?)"', retention)
    assert cells[:6] == ["0%", "0%", "0%", "0%", "100%*", "100%*"]


def test_screenshots(app_report: Path, account_report: Path) -> None:
    for page, name, height in (
        (app_report, "usage_report_app.png", 4400),
        (account_report, "usage_report_acc_A.png", 2900),
    ):
        shot = screenshot(page, SCREENSHOTS / name, width=1400, height=height)
        assert shot.stat().st_size > 50_000  # a drawn page, not a blank one


def test_unknown_account_is_a_usage_error(
    fixture_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["report", "--db", str(fixture_warehouse), "--account", "acc_Z", "--out", str(tmp_path / "x.html")]) == 2
    )
    assert "no account 'acc_Z' in usage_marts.dim_accounts" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
