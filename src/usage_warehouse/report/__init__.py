"""A self-contained HTML usage report drawn from the marts, for the whole app or one account.

``python -m usage_warehouse report [--account ID] [--out PATH] [--db PATH]``.
"""

from __future__ import annotations

from pathlib import Path

from usage_warehouse.report.data import ReportData, ReportError, load_report_data
from usage_warehouse.report.page import charts_for, render_html, write_report

__all__ = ["ReportData", "ReportError", "build_report", "charts_for", "load_report_data", "render_html", "write_report"]


def build_report(db_path: str | Path, out: str | Path, account_id: str | None = None) -> Path:
    """Read the marts of the warehouse at ``db_path`` and write the report to ``out``; returns its path."""
    data = load_report_data(db_path, account_id)
    return write_report(data, Path(out), source=Path(db_path).name)
