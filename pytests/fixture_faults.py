"""The fault battery's raw data: a CLEAN baseline and one function per injected fault.

The baseline has two accounts (acc_A on Team, acc_B on Business), three app users, three
days of activity (2026-10-01 .. 2026-10-03), no duplicate, no bad row, no unmapped event.
Each fault function returns a copy of the baseline with the fault added, so a test can
build both and compare the marts: a fault that the pipeline absorbs must leave them equal.

Segment calls come from `fixture_data.segment_call` (true UTC time, device skew, offline
delay, receive and load delays); log lines from `fixture_data.log_line`.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

from fixture_data import (
    ACCOUNTS,
    AUTOMATION_RULES,
    DATA_IMPORTS,
    IDENTIFIES,
    INVITATIONS,
    PAGES,
    REPORTS,
    SETTINGS_CHANGES,
    SUBSCRIPTIONS,
    USERS,
    Row,
    log_line,
    segment_call,
    ts,
)

Dataset = dict[str, list[Row]]

AS_OF_DATE = "2026-10-03"
PII_SALT = "usage-warehouse-demo-salt"
CLIENT_IP = "203.0.113.7"  # segment_call's context_ip
RAW_EMAILS = ("alice@example.com", "dan@example.com", "carol@example.com", "erin@example.com", "bob@example.com")

_LOG_LOADED = "2026-10-03 06:00:00"


def _worker_line(line_number: int, loaded_at: str) -> Row:
    return log_line(
        "worker/2026-10-01.log",
        line_number,
        loaded_at,
        {
            "ts": "2026-10-01T12:00:00+02:00",
            "level": "info",
            "service": "automation-worker",
            "event": "automation.run_completed",
            "account_id": "acc_A",
            "status": 200,
            "duration_ms": 840,
            "quantity": 120,
        },
    )


def _api_line(line_number: int, payload: dict[str, Any] | str, loaded_at: str = _LOG_LOADED) -> Row:
    return log_line("api/2026-10-02.log", line_number, loaded_at, payload)


BASE_TRACKS: list[Row] = [
    segment_call("t1", "2026-10-01 09:00:00", user_id="usr_1", anonymous_id="anon_1", event="Dashboard Viewed"),
    segment_call("t2", "2026-10-01 10:00:00", user_id="usr_1", event="Report Exported", properties='{"format": "pdf"}'),
    segment_call("t3", "2026-10-01 11:00:00", user_id="usr_2", event="Report Exported", properties='{"format": "csv"}'),
    segment_call(
        "t4", "2026-10-02 12:00:00", user_id="usr_2", event="Search Performed", properties='{"query_length": 7}'
    ),
    # Anonymous; identify i1 (loaded 5 h later) makes it usr_3's.
    segment_call("t5", "2026-10-02 08:00:00", anonymous_id="anon_9", event="Dashboard Viewed"),
    segment_call("t6", "2026-10-03 09:00:00", user_id="usr_3", event="Filter Applied"),
    segment_call(
        "t7",
        "2026-10-03 11:00:00",
        user_id="usr_1",
        event="Report Shared",
        properties='{"shared_with": "bob@example.com"}',
    ),
]

# The fixture's pages and identifies are clean already: the baseline uses them as they are.
BASE_PAGES: list[Row] = PAGES
BASE_IDENTIFIES: list[Row] = IDENTIFIES

BASE_GROUPS: list[Row] = [
    segment_call("g1", "2026-10-01 08:56:00", user_id="usr_1", group_id="acc_A", traits='{"name": "Acme"}'),
]

BASE_LOG_LINES: list[Row] = [
    _worker_line(1, "2026-10-01 13:00:00"),
    # 23:30 at UTC-5 is 04:30 UTC on 10-03.
    _api_line(
        1,
        {
            "ts": "2026-10-02T23:30:00-05:00",
            "level": "info",
            "service": "api",
            "event": "api.request",
            "account_id": "acc_B",
            "user_id": "usr_3",
            "request_id": "req_1",
            "status": 200,
            "duration_ms": 35,
        },
    ),
    _api_line(
        2,
        {
            "ts": "2026-10-03T01:00:00Z",
            "level": "error",
            "service": "api",
            "event": "api.request",
            "account_id": "acc_B",
            "request_id": "req_2",
            "status": 500,
            "duration_ms": 30012,
            "error_code": "E_TIMEOUT",
        },
    ),
]

BASELINE: Dataset = {
    "raw_segment.tracks": BASE_TRACKS,
    "raw_segment.pages": BASE_PAGES,
    "raw_segment.identifies": BASE_IDENTIFIES,
    "raw_segment.groups": BASE_GROUPS,
    "raw_server_logs.log_lines": BASE_LOG_LINES,
    "raw_app.accounts": ACCOUNTS,
    "raw_app.users": USERS,
    "raw_app.subscriptions": SUBSCRIPTIONS,
    "raw_app.reports": REPORTS,
    "raw_app.data_imports": DATA_IMPORTS,
    "raw_app.invitations": INVITATIONS,
    "raw_app.automation_rules": AUTOMATION_RULES,
    "raw_app.account_settings_changes": SETTINGS_CHANGES,
}


def baseline() -> Dataset:
    return copy.deepcopy(BASELINE)


def with_rows(extra: Dataset) -> Dataset:
    """The baseline plus `extra` rows (per qualified raw table)."""
    data = baseline()
    for table, rows in extra.items():
        data.setdefault(table, []).extend(copy.deepcopy(rows))
    return data


def base_track(message_id: str) -> Row:
    return copy.deepcopy(next(row for row in BASE_TRACKS if row["id"] == message_id))


# --- 1. Duplicates ------------------------------------------------------------------------


def duplicates() -> Dataset:
    """Re-deliveries that must change nothing: 30 s later, two days later, with another
    payload, and one loaded BEFORE the original although received after it; a log file
    shipped again; an older version of an app record."""
    within_a_minute = base_track("t1") | {"received_at": base_track("t1")["received_at"] + timedelta(seconds=30)}
    within_a_minute["uuid_ts"] = within_a_minute["received_at"] + timedelta(minutes=10)
    days_apart = base_track("t3") | {"received_at": base_track("t3")["received_at"] + timedelta(days=2)}
    days_apart["uuid_ts"] = days_apart["received_at"] + timedelta(minutes=10)
    other_payload = base_track("t2") | {
        "received_at": base_track("t2")["received_at"] + timedelta(minutes=5),
        "properties": '{"format": "csv", "retry": true}',
    }
    other_payload["uuid_ts"] = other_payload["received_at"] + timedelta(minutes=10)
    # Received 2 s after the original, but its batch was loaded 9 min earlier.
    loaded_first = base_track("t4") | {
        "received_at": base_track("t4")["received_at"] + timedelta(seconds=2),
        "uuid_ts": base_track("t4")["uuid_ts"] - timedelta(minutes=9),
        "properties": '{"query_length": 8}',
    }
    older_account_version = copy.deepcopy(ACCOUNTS[1]) | {
        "plan": "starter",
        "seats": 2,
        "_loaded_at": ts("2026-09-16 07:00:00"),
    }
    return with_rows(
        {
            "raw_segment.tracks": [within_a_minute, days_apart, other_payload, loaded_first],
            "raw_server_logs.log_lines": [_worker_line(1, "2026-10-03 05:00:00")],
            "raw_app.accounts": [older_account_version],
        }
    )


# --- 2. Late events ---------------------------------------------------------------------

# Baseline rows loaded up to here form the first incremental run; the rest land later.
LATE_FIRST_CUT = ts("2026-10-03 06:30:00")

# A call made 10-01 15:00 by usr_2, held offline for two days; its batch is committed out
# of order: loaded 10-03 06:00, after the run that saw data up to 10-03 06:30 (within the
# 24 h lookback).
LATE_WITHIN_LOOKBACK = segment_call(
    "late_1",
    "2026-10-01 15:00:00",
    user_id="usr_2",
    event="Dashboard Viewed",
    offline=timedelta(days=1, hours=14, minutes=50),
    loaded_after=timedelta(minutes=0),
)
# An event of 10-01 18:00 whose row lands with a load time of 10-01 18:10: more than the
# 24 h lookback before the watermark. An incremental run cannot select it.
LATE_BEYOND_LOOKBACK = segment_call("late_2", "2026-10-01 18:00:00", user_id="usr_2", event="Dashboard Viewed")
# Held offline for 40 days: beyond the 30-day horizon, quarantined late_beyond_horizon.
LATE_BEYOND_HORIZON = segment_call(
    "late_3", "2026-08-24 10:00:00", user_id="usr_2", event="Dashboard Viewed", offline=timedelta(days=40)
)


# --- 3. Clock skew ----------------------------------------------------------------------


def clock_skew() -> tuple[Dataset, dict[str, tuple[str, bool]]]:
    """Calls with wrong device clocks; returns the dataset and, per message id, the
    expected (event_at, is_event_time_adjusted)."""
    hours_ahead = segment_call(
        "skew_hours", "2026-10-01 22:30:00", user_id="usr_2", event="Dashboard Viewed", skew=timedelta(hours=3)
    )
    year_behind = segment_call(
        "skew_year", "2026-10-02 10:00:00", user_id="usr_2", event="Dashboard Viewed", skew=timedelta(days=-365)
    )
    offline_batch = segment_call(
        "skew_offline",
        "2026-10-01 20:00:00",
        user_id="usr_2",
        event="Dashboard Viewed",
        offline=timedelta(days=1, hours=6),
        skew=timedelta(minutes=-47),
    )
    # The device clock jumped between the event and sending it: original_timestamp is 10 h
    # after sent_at, so the corrected time would be 10 h after Segment received the call.
    impossible_future = segment_call("skew_future", "2026-10-02 14:00:00", user_id="usr_2", event="Dashboard Viewed")
    impossible_future["original_timestamp"] = impossible_future["sent_at"] + timedelta(hours=10)
    # No device times, and a `timestamp` of 1970: before earliest_valid_event_at.
    impossible_past = segment_call("skew_1970", "2026-10-02 15:00:00", user_id="usr_2", event="Dashboard Viewed")
    impossible_past |= {"original_timestamp": None, "sent_at": None, "timestamp": ts("1970-01-01 00:00:00")}
    data = with_rows(
        {"raw_segment.tracks": [hours_ahead, year_behind, offline_batch, impossible_future, impossible_past]}
    )
    expected = {
        # received 1 s after the true time; the device's own delay cancels its clock error
        "skew_hours": ("2026-10-01 22:30:01", False),
        "skew_year": ("2026-10-02 10:00:01", False),
        # the event is placed at its true time, two days before it was received
        "skew_offline": ("2026-10-01 20:00:01", False),
        # impossible: received_at (14:00:01) is used and the row flagged
        "skew_future": ("2026-10-02 14:00:01", True),
        "skew_1970": ("2026-10-02 15:00:01", True),
    }
    return data, expected


# --- 4. Malformed input -----------------------------------------------------------------

BAD_LOG_FILE = "api/2026-10-02-bad.log"
OVERSIZED = json.dumps({"format": "pdf", "blob": "x" * 40_000})
# Invalid UTF-8 cannot be stored in a text column (DuckDB, PostgreSQL and Spark reject it);
# loaders decode with replacement, so what lands is U+FFFD in place of the bad bytes.
INVALID_UTF8_BYTES = b'{"ts": "2026-10-02T10:00:00Z", "event": "api.request", "account_id": "acc_B", "note": "caf\xe9"}'
INVALID_UTF8_TEXT = INVALID_UTF8_BYTES.decode("utf-8", errors="replace")


def _bad_track(message_id: str | None, **overrides: Any) -> Row:
    row = segment_call(message_id, "2026-10-02 10:00:00", user_id="usr_2", event="Dashboard Viewed")
    row.update(overrides)
    return row


def _bad_report(record_id: str | None, **overrides: Any) -> Row:
    row = copy.deepcopy(REPORTS[0]) | {"id": record_id}
    row.update(overrides)
    return row


# (raw table, row, expected reason code, kind of fault). Segment and app rows are found in
# fct_quarantined_rows by their id; log lines by (file, line number).
MALFORMED: list[tuple[str, Row, str, str]] = [
    ("raw_segment.tracks", _bad_track(None), "missing_message_id", "missing id (null)"),
    ("raw_segment.tracks", _bad_track("   "), "missing_message_id", "missing id (blank)"),
    ("raw_segment.tracks", _bad_track("bad_json", properties='{"format": "pdf", '), "invalid_json", "invalid JSON"),
    ("raw_segment.tracks", _bad_track("bad_array", properties="[1, 2, 3]"), "invalid_json", "wrong type: array"),
    ("raw_segment.tracks", _bad_track("bad_big", properties=OVERSIZED), "payload_too_large", "oversized properties"),
    ("raw_segment.tracks", _bad_track("bad_recv", received_at=None), "missing_received_at", "bad timestamp"),
    ("raw_segment.tracks", _bad_track("bad_loaded", uuid_ts=None), "missing_loaded_at", "missing load time"),
    ("raw_segment.tracks", _bad_track("bad_who", user_id=None), "missing_identity", "missing user/visitor"),
    ("raw_segment.tracks", _bad_track("bad_event", event="  ", event_text="  "), "missing_event_name", "missing event"),
    (
        "raw_segment.tracks",
        _bad_track("bad_utf8", properties='{"format": "caf\ufffd"}'),
        "invalid_encoding",
        "invalid UTF-8",
    ),
    ("raw_segment.groups", _bad_track("bad_group", group_id=None, traits="{}"), "missing_group_id", "missing id"),
    (
        "raw_segment.identifies",
        _bad_track("bad_traits", traits='"just a string"'),
        "invalid_json",
        "wrong type: string",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(BAD_LOG_FILE, 1, _LOG_LOADED, '{"ts": "2026-10-02T10:00:00Z", "level": "info", "ev'),
        "invalid_json",
        "truncated line",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(BAD_LOG_FILE, 2, _LOG_LOADED, "Traceback (most recent call last):"),
        "invalid_json",
        "not JSON",
    ),
    ("raw_server_logs.log_lines", log_line(BAD_LOG_FILE, 3, _LOG_LOADED, ""), "invalid_json", "empty line"),
    (
        "raw_server_logs.log_lines",
        log_line(BAD_LOG_FILE, 4, _LOG_LOADED, {"ts": "2026-10-02T10:00:00Z", "account_id": "acc_B"}),
        "missing_event_name",
        "missing event",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(
            BAD_LOG_FILE, 5, _LOG_LOADED, {"ts": "yesterday at noon", "event": "api.request", "account_id": "acc_B"}
        ),
        "invalid_timestamp",
        "bad timestamp (text)",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(
            BAD_LOG_FILE, 6, _LOG_LOADED, {"ts": "1999-12-31T23:59:59Z", "event": "api.request", "account_id": "acc_B"}
        ),
        "invalid_timestamp",
        "bad timestamp (before 2010)",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(BAD_LOG_FILE, 7, _LOG_LOADED, {"event": "api.request", "account_id": "acc_B"}),
        "missing_timestamp",
        "missing timestamp",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(
            BAD_LOG_FILE,
            8,
            _LOG_LOADED,
            {"ts": "2026-10-02T10:00:00Z", "event": "export.completed", "account_id": "acc_B", "quantity": "lots"},
        ),
        "invalid_number",
        "wrong type: number as text",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(BAD_LOG_FILE, 9, _LOG_LOADED, {"ts": "2026-10-02T10:00:00Z", "event": "api.request", "status": "ok"}),
        "missing_account_id",
        "missing account",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(BAD_LOG_FILE, 10, _LOG_LOADED, {"ts": "2026-10-02T10:00:00Z", "event": "api.request"})
        | {"line_number": None},
        "missing_line_position",
        "missing id (line number)",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(BAD_LOG_FILE, 11, _LOG_LOADED, INVALID_UTF8_TEXT),
        "invalid_encoding",
        "invalid UTF-8",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(
            BAD_LOG_FILE,
            12,
            _LOG_LOADED,
            OVERSIZED.replace("{", '{"ts": "2026-10-02T10:00:00Z", "event": "api.request", "account_id": "acc_B", ', 1),
        ),
        "payload_too_large",
        "oversized line",
    ),
    (
        "raw_server_logs.log_lines",
        log_line(BAD_LOG_FILE, 13, _LOG_LOADED, "") | {"line_text": INVALID_UTF8_BYTES},
        "invalid_json",
        "invalid UTF-8 (raw bytes, land as escaped text)",
    ),
    ("raw_app.reports", _bad_report(None), "missing_id", "missing id"),
    ("raw_app.reports", _bad_report("r_noacct", account_id=None), "missing_account_id", "missing account"),
    ("raw_app.reports", _bad_report("r_nots", created_at=None), "missing_timestamp", "missing timestamp"),
    (
        "raw_app.users",
        copy.deepcopy(USERS[1]) | {"id": "usr_noload", "_loaded_at": None},
        "missing_loaded_at",
        "missing load time",
    ),
]


def malformed() -> Dataset:
    extra: Dataset = {}
    for table, row, _, _ in MALFORMED:
        extra.setdefault(table, []).append(row)
    return with_rows(extra)


# Kept, not quarantined: an event no taxonomy rule maps, and ids the app database does not know.
UNKNOWN_EVENT = segment_call("unknown_1", "2026-10-02 16:00:00", user_id="usr_2", event="Hologram Summoned")
ORPHAN_USER_EVENT = segment_call("orphan_u", "2026-10-02 16:30:00", user_id="usr_ghost", event="Dashboard Viewed")
ORPHAN_ACCOUNT_LINE = _api_line(
    3,
    {"ts": "2026-10-02T17:00:00Z", "level": "info", "service": "api", "event": "api.request", "account_id": "acc_ZZZ"},
)


def unknown_and_orphans() -> Dataset:
    return with_rows(
        {
            "raw_segment.tracks": [UNKNOWN_EVENT, ORPHAN_USER_EVENT],
            "raw_server_logs.log_lines": [ORPHAN_ACCOUNT_LINE],
        }
    )


# --- 7. Privacy erasure -------------------------------------------------------------------

ERASURE_LOADED = ts("2026-10-03 12:00:00")

ERASURE_REQUEST: Row = {
    "id": "er_1",
    "user_id": None,
    "email": " Alice@Example.com ",  # by email only: resolved through the users table
    "requested_at": ts("2026-10-03 11:30:00"),
    "processed_at": None,
    "_loaded_at": ERASURE_LOADED,
}

# usr_1 keeps using the product after the request; this call lands after the erasure.
EVENT_AFTER_ERASURE = segment_call(
    "after_erasure",
    "2026-10-03 12:30:00",
    user_id="usr_1",
    anonymous_id="anon_1",
    event="Dashboard Viewed",
    context_ip="198.51.100.23",
)


def with_erasure() -> Dataset:
    return with_rows(
        {"raw_app.privacy_erasure_requests": [ERASURE_REQUEST], "raw_segment.tracks": [EVENT_AFTER_ERASURE]}
    )
