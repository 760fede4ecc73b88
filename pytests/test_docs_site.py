"""The docs site (`dbt docs generate --static`) renders in headless Chromium with no network.

The static site is one HTML file that embeds the manifest and the catalog in a script, so a
text found in the raw file proves nothing: every check reads the DOM after the Angular app
ran, with script and style elements removed. Pages are opened by their in-app address
(``static_index.html#!/model/...``) exactly as a reader's browser would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from usage_warehouse.browser import render_dom, screenshot
from usage_warehouse.dbt import PROJECT_DIR, run_dbt
from usage_warehouse.demo_build import EXPECTATIONS_DOCS

# Virtual time for the app's timers: Chromium's wall time is parsing the 6 MB page, not this,
# and the app has drawn the page after 100 ms already.
WAIT_MS = 1_000
MART = "fct_account_health_daily"
EXPOSURE = "customer_health_dashboard"
GE_DOCS_HREF = "expectations_docs/index.html"
# Where the PNGs are kept besides pytest's tmp dir, to look at after a run.
SCREENSHOT_DIR = Path(os.environ.get("USAGE_WAREHOUSE_DOCS_SCREENSHOTS", PROJECT_DIR / "target" / "docs_screenshots"))

_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1>", re.DOTALL | re.IGNORECASE)
# A column's name in the columns table of a model page.
_COLUMN_NAME = re.compile(
    r'<tr ng-repeat-start="column in get_columns\(model\)[^>]*>\s*<td>\s*<div>\s*<span[^>]*>([^<]+)</span>'
)
_DEPENDS_ON = re.compile(r'id="depends_on">.*?</section>', re.DOTALL)
_MODEL_LINK = re.compile(r'\shref="#!/model/model\.usage_warehouse\.([a-z0-9_]+)"')  # not ng-href


class PageNotRendered(AssertionError):
    """The docs app did not draw the page: its content is missing from the rendered DOM."""


def rendered(page: str) -> str:
    """The DOM of ``page`` after the app ran, without script and style elements."""
    return _SCRIPT_OR_STYLE.sub("", render_dom(page, wait_ms=WAIT_MS))


def require(dom: str, *parts: str, page: str) -> None:
    missing = [part for part in parts if part not in dom]
    if missing:
        raise PageNotRendered(f"{page} did not render: missing {missing} from the DOM ({len(dom):,} characters)")


def keep_screenshot(page: str, name: str, tmp_dir: Path, *, height: int = 1000) -> Path:
    """Screenshot ``page`` into tmp_dir and copy it to SCREENSHOT_DIR; returns the PNG."""
    png = screenshot(page, tmp_dir / name, height=height, wait_ms=WAIT_MS)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"
    assert png.stat().st_size > 50_000, f"{png} is {png.stat().st_size} bytes: a blank page?"
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, SCREENSHOT_DIR / name)
    return png


@pytest.fixture(scope="module")
def site(fixture_warehouse: Path, dbt_target_path: Path) -> Path:
    run_dbt(["docs", "generate", "--static"], db_path=fixture_warehouse, target_path=dbt_target_path)
    return dbt_target_path / "static_index.html"


@pytest.fixture(scope="module")
def manifest(site: Path) -> dict[str, Any]:
    return dict(json.loads((site.parent / "manifest.json").read_text()))


@pytest.fixture(scope="module")
def overview_dom(site: Path) -> str:
    return rendered(f"{site}#!/overview")


def test_the_overview_renders(site: Path, overview_dom: str, tmp_path: Path) -> None:
    require(
        overview_dom,
        '<h1 id="usage-warehouse">usage-warehouse</h1>',
        '<h2 id="configure-it">Configure it</h2>',
        "Configuration is data: the definitions live in seeds",
        "<code>seeds/usage_taxonomy.csv</code>",
        page="the overview",
    )
    keep_screenshot(f"{site}#!/overview", "overview.png", tmp_path, height=2800)  # the whole overview


def test_the_overview_says_where_every_seed_is_configured() -> None:
    overview = (PROJECT_DIR / "docs" / "dbt" / "overview.md").read_text()
    seeds = sorted(path.name for path in (PROJECT_DIR / "seeds").glob("*.csv"))
    assert len(seeds) >= 11
    assert [seed for seed in seeds if f"`seeds/{seed}`" not in overview] == []


def test_the_overview_links_the_great_expectations_data_docs(overview_dom: str) -> None:
    require(overview_dom, f'<a href="{GE_DOCS_HREF}">Great Expectations data docs</a>', page="the overview")
    # Relative to the site dbt writes (target/static_index.html), the link reaches the data docs
    # that `python -m usage_warehouse expectations` writes by default.
    site_address = (PROJECT_DIR / "target" / "static_index.html").as_uri()
    assert urljoin(site_address, GE_DOCS_HREF) == (EXPECTATIONS_DOCS / "index.html").as_uri()


def test_a_mart_page_renders_its_description_and_columns(site: Path, manifest: dict[str, Any], tmp_path: Path) -> None:
    page = f"{site}#!/model/model.usage_warehouse.{MART}"
    dom = rendered(page)
    require(
        dom,
        f">{MART}<",
        "health_score is the weighted mean of the enabled components",
        "The account (customer).",
        page=MART,
    )
    columns = _COLUMN_NAME.findall(dom)
    assert {"account_id", "date_day", "health_score", "health_band", "most_moved_component_key"} <= set(columns)
    documented = list(manifest["nodes"][f"model.usage_warehouse.{MART}"]["columns"])
    assert sorted(columns) == sorted(documented)
    keep_screenshot(page, "mart.png", tmp_path)


def test_an_exposure_page_renders_the_marts_it_depends_on(site: Path) -> None:
    dom = rendered(f"{site}#!/exposure/exposure.usage_warehouse.{EXPOSURE}")
    require(
        dom,
        "Customer health dashboard",
        "Customer Success Operations (example) &lt;cs-ops@example.com&gt;",
        "https://bi.example.com/dashboards/customer-health",
        page=EXPOSURE,
    )
    section = _DEPENDS_ON.search(dom)
    assert section is not None, f"{EXPOSURE}: no Depends On section in the DOM"
    assert sorted(_MODEL_LINK.findall(section.group())) == [
        "dim_accounts",
        "fct_account_engagement_daily",
        "fct_account_health_daily",
        "fct_account_milestones",
        "fct_account_usage_metrics",
        "fct_onboarding_cohorts",
    ]


def test_a_page_whose_app_does_not_start_fails_the_checks(site: Path, tmp_path: Path) -> None:
    # The site's own page without its scripts: what a reader sees when the app cannot start.
    broken = tmp_path / "static_index.html"
    broken.write_text(_SCRIPT_OR_STYLE.sub("", site.read_text()))
    with pytest.raises(PageNotRendered, match="did not render"):
        require(rendered(f"{broken}#!/overview"), '<h1 id="usage-warehouse">usage-warehouse</h1>', page="the overview")
