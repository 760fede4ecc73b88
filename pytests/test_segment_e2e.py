"""Segment's own Python library → local receiver → archive file → loader → dbt build → fct_usage_events.

The calls are made for Dan (usr_2, account acc_A) of the hand-made fixture, on top of the
fixture's raw data, and built with one `dbt build`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import segment.analytics as analytics
import segment.analytics.request as segment_request

from fixture_data import load_fixture
from usage_warehouse.dbt import run_dbt
from usage_warehouse.engines import DuckDBEngine
from usage_warehouse.load import load_files
from usage_warehouse.load.segment_receiver import SegmentReceiver
from usage_warehouse.warehouse import query

DEVICE_SENDS_AT = datetime(2026, 10, 3, 14, 0, 2, tzinfo=UTC)  # the device clock when it posts
SEGMENT_RECEIVES_AT = datetime(2026, 10, 3, 14, 0, 3, tzinfo=UTC)  # one second later by the server's clock


class _DeviceClock(datetime):
    """The library stamps sentAt with datetime.now(): the device's clock, frozen for the test."""

    @classmethod
    def now(cls, tz: Any = None) -> _DeviceClock:
        return cls.fromtimestamp(DEVICE_SENDS_AT.timestamp(), tz)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The archive file of four calls sent by segment-analytics-python, gzip-encoded, in sync mode."""
    capture = tmp_path_factory.mktemp("segment_archive") / "received.jsonl"
    with pytest.MonkeyPatch.context() as patch, SegmentReceiver(capture, clock=lambda: SEGMENT_RECEIVES_AT) as receiver:
        patch.setattr(segment_request, "datetime", _DeviceClock)
        patch.setattr(analytics, "default_client", None)
        patch.setattr(analytics, "write_key", "test-write-key")
        patch.setattr(analytics, "host", receiver.url)
        patch.setattr(analytics, "sync_mode", True)
        patch.setattr(analytics, "gzip", True)
        patch.setattr(analytics, "max_retries", 0)
        analytics.identify(
            "usr_2", {"email": "dan@example.com"}, anonymous_id="anon_e2e", timestamp=_at("2026-10-03 13:59:00")
        )
        analytics.group("usr_2", "acc_A", {"name": "Acme"}, timestamp=_at("2026-10-03 13:59:30"))
        analytics.page(
            "usr_2", name="Dashboard", properties={"path": "/dashboard"}, timestamp=_at("2026-10-03 13:59:50")
        )
        analytics.track("usr_2", "Chart Created", {"chart_type": "bar"}, timestamp=_at("2026-10-03 14:00:00"))
        assert receiver.messages == 4
    return capture


def test_the_receiver_archives_messages_as_segment_does(captured: Path) -> None:
    messages = [json.loads(line) for line in captured.read_text().splitlines()]
    track = messages[3]
    assert (track["type"], track["event"], track["userId"]) == ("track", "Chart Created", "usr_2")
    assert track["context"]["library"]["name"] == "analytics-python"
    assert track["context"]["ip"] == "127.0.0.1"
    assert "writeKey" not in track
    # Corrected time = receivedAt - (sentAt - originalTimestamp) = 14:00:03 - (14:00:02 - 14:00:00).
    assert (track["originalTimestamp"], track["receivedAt"], track["timestamp"]) == (
        "2026-10-03T14:00:00.000+00:00",
        "2026-10-03T14:00:03.000Z",
        "2026-10-03T14:00:01.000Z",
    )
    assert track["sentAt"].startswith("2026-10-03T14:00:02")


def test_library_calls_reach_fct_usage_events(captured: Path, tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    load_fixture(str(db))
    report = load_files(DuckDBEngine(db), segment_paths=[captured.parent], loaded_at=datetime(2026, 10, 3, 14, 10))
    assert report.rows == {
        "raw_segment.tracks": 1,
        "raw_segment.pages": 1,
        "raw_segment.identifies": 1,
        "raw_segment.groups": 1,
    }
    assert report.rejected == 0
    run_dbt(["build"], db_path=db, target_path=tmp_path / "target")

    rows = query(
        db,
        "select source, event_name, user_id, account_id, feature, event_at from usage_marts.fct_usage_events "
        "where user_id = 'usr_2' and event_date = '2026-10-03' order by event_at",
    )
    assert rows == [
        ("segment_page", "Dashboard", "usr_2", "acc_A", "dashboards", datetime(2026, 10, 3, 13, 59, 51)),
        ("segment_track", "Chart Created", "usr_2", "acc_A", "charts", datetime(2026, 10, 3, 14, 0, 1)),
    ]
    assert query(db, "select count(*) from raw_loads.rejected_lines") == [(0,)]
