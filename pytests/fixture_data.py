"""A small hand-made raw dataset whose mart values are computed by hand in the tests.

Two accounts (acc_A on Team, acc_B on Business), four users, three days of activity
(2026-10-01 .. 2026-10-03) and one example of each fault the warehouse must handle.
Rows are plain dicts keyed by raw column name; missing columns land as null.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import duckdb

from usage_warehouse.load.segment import event_slug
from usage_warehouse.raw_schema import RAW_TABLES_BY_NAME, create_raw_tables

# The upsert horizon's bound in a staging model's compiled SQL (macro upsert_horizon_condition):
# the load time against a timestamp literal less the horizon.
HORIZON_BOUND = re.compile(r"loaded_at >= \(?cast\('")

Row = dict[str, Any]


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def segment_call(
    message_id: str | None,
    at: str,
    *,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    skew: timedelta = timedelta(0),
    offline: timedelta = timedelta(0),
    received_after: timedelta = timedelta(seconds=1),
    loaded_after: timedelta = timedelta(minutes=10),
    **columns: Any,
) -> Row:
    """A Segment call that happened at `at` (true UTC time).

    skew: how far the device clock is off; offline: how long the device held the call
    before sending it. received_at is the true send time plus `received_after`. A track's
    `event` is the name as sent: it lands in event_text, and its slug in event.
    """
    if "event" in columns and "event_text" not in columns:
        # As Segment's warehouse connector writes a track: the name's slug in event, the name in event_text.
        name = columns["event"]
        columns = {**columns, "event": None if name is None else event_slug(name), "event_text": name}
    true_at = ts(at)
    true_sent = true_at + offline
    received = true_sent + received_after
    original = true_at + skew
    sent = true_sent + skew
    return {
        "id": message_id,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "original_timestamp": original,
        "sent_at": sent,
        "received_at": received,
        "timestamp": received - (sent - original),
        "uuid_ts": received + loaded_after,
        "context_library_name": "analytics.js",
        "context_ip": "203.0.113.7",
        "context_user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1)",
        **columns,
    }


def log_line(log_file: str, line_number: int, loaded_at: str, payload: dict[str, Any] | str) -> Row:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    return {"line_text": text, "log_file": log_file, "line_number": line_number, "_loaded_at": ts(loaded_at)}


TRACKS: list[Row] = [
    segment_call("t1", "2026-10-01 09:00:00", user_id="usr_1", anonymous_id="anon_1", event="Dashboard Viewed"),
    # The same message delivered again 30 s later: a duplicate.
    segment_call(
        "t1",
        "2026-10-01 09:00:00",
        user_id="usr_1",
        anonymous_id="anon_1",
        event="Dashboard Viewed",
        received_after=timedelta(seconds=31),
    ),
    segment_call("t2", "2026-10-01 10:00:00", user_id="usr_1", event="Report Exported", properties='{"format": "pdf"}'),
    segment_call("t3", "2026-10-01 11:00:00", user_id="usr_2", event="Report Exported", properties='{"format": "csv"}'),
    # A device clock a year ahead: the corrected time is the true one.
    segment_call(
        "t4",
        "2026-10-01 12:00:00",
        user_id="usr_2",
        event="Search Performed",
        skew=timedelta(days=365),
        properties='{"query_length": 7}',
    ),
    # Anonymous, identified later as usr_3 (identify i1).
    segment_call("t5", "2026-10-02 08:00:00", anonymous_id="anon_9", event="Dashboard Viewed"),
    segment_call("t6", "2026-10-02 09:00:00", user_id="usr_3", event="Beta Feature Clicked"),
    # No message id: quarantined.
    segment_call(None, "2026-10-02 10:00:00", user_id="usr_3", event="Dashboard Viewed"),
    # usr_4 is unknown to the app database; a group call puts them in acc_B.
    segment_call("t8", "2026-10-03 10:00:00", user_id="usr_4", event="Filter Applied"),
    # Held offline for 63 days: beyond the 30-day horizon, quarantined.
    segment_call("t9", "2026-08-01 10:00:00", user_id="usr_1", event="Chart Created", offline=timedelta(days=63)),
    # An email address inside properties must never reach a mart.
    segment_call(
        "t10",
        "2026-10-03 11:00:00",
        user_id="usr_1",
        event="Report Shared",
        properties='{"shared_with": "bob@example.com"}',
    ),
    # t2 delivered again two days later with a different payload: a duplicate, t2's first copy is kept.
    segment_call(
        "t2",
        "2026-10-01 10:00:00",
        user_id="usr_1",
        event="Report Exported",
        properties='{"format": "csv"}',
        received_after=timedelta(days=2),
    ),
]

PAGES: list[Row] = [
    segment_call("p1", "2026-10-02 07:59:00", anonymous_id="anon_9", name="Dashboard", path="/dashboard"),
    segment_call("p2", "2026-10-01 09:30:00", user_id="usr_1", anonymous_id="anon_1", name="Reports", path="/reports"),
]

IDENTIFIES: list[Row] = [
    # Loaded late (the next day's batch) so that incremental runs must restate t5 and p1.
    segment_call(
        "i1",
        "2026-10-02 08:30:00",
        user_id="usr_3",
        anonymous_id="anon_9",
        loaded_after=timedelta(hours=5),
        traits='{"email": "carol@example.com", "name": "Carol"}',
    ),
    segment_call(
        "i2",
        "2026-10-01 08:55:00",
        user_id="usr_1",
        anonymous_id="anon_1",
        traits='{"email": "alice@example.com", "name": "Alice"}',
    ),
]

GROUPS: list[Row] = [
    segment_call("g1", "2026-10-03 09:00:00", user_id="usr_4", group_id="acc_B", traits='{"name": "Beta Corp"}'),
    segment_call("g2", "2026-10-01 08:56:00", user_id="usr_1", group_id="acc_A", traits='{"name": "Acme"}'),
]

_LOG_LOADED = "2026-10-03 06:00:00"

LOG_LINES: list[Row] = [
    log_line(
        "worker/2026-10-01.log",
        1,
        "2026-10-01 13:00:00",
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
    ),
    # The same file shipped again: line 1 is a duplicate.
    log_line(
        "worker/2026-10-01.log",
        1,
        "2026-10-03 05:00:00",
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
    ),
    # 23:30 at UTC-5 is 04:30 UTC on the next day.
    log_line(
        "api/2026-10-02.log",
        1,
        _LOG_LOADED,
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
    log_line(
        "api/2026-10-02.log",
        2,
        _LOG_LOADED,
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
    log_line("api/2026-10-02.log", 3, _LOG_LOADED, '{"ts": "2026-10-02T10:00:00Z", "level": "info", "ev'),
    log_line("api/2026-10-02.log", 4, _LOG_LOADED, "Traceback (most recent call last):"),
    log_line("api/2026-10-02.log", 5, _LOG_LOADED, {"ts": "2026-10-02T10:00:00Z", "account_id": "acc_B"}),
    log_line(
        "api/2026-10-02.log",
        6,
        _LOG_LOADED,
        {
            "ts": "yesterday at noon",
            "event": "api.request",
            "account_id": "acc_B",
        },
    ),
    log_line(
        "api/2026-10-02.log",
        7,
        _LOG_LOADED,
        {
            "ts": "2026-10-02T10:00:00Z",
            "event": "export.completed",
            "account_id": "acc_B",
            "quantity": "lots",
        },
    ),
    log_line("api/2026-10-02.log", 8, _LOG_LOADED, {"ts": "2026-10-02T10:00:00Z", "event": "api.request"}),
]

_APP_LOADED = ts("2026-10-03 07:00:00")

ACCOUNTS: list[Row] = [
    {
        "id": "acc_A",
        "name": "Acme",
        "plan": "team",
        "seats": 5,
        "industry": "software",
        "country": "DE",
        "created_at": ts("2026-09-01 10:00:00"),
        "updated_at": ts("2026-09-20 10:00:00"),
        "_loaded_at": _APP_LOADED,
    },
    {
        "id": "acc_B",
        "name": "Beta Corp",
        "plan": "business",
        "seats": 10,
        "industry": "retail",
        "country": "US",
        "created_at": ts("2026-09-15 10:00:00"),
        "updated_at": ts("2026-09-15 10:00:00"),
        "_loaded_at": _APP_LOADED,
    },
]

USERS: list[Row] = [
    {
        "id": "usr_1",
        "account_id": "acc_A",
        "email": "alice@example.com",
        "full_name": "Alice",
        "role": "admin",
        "created_at": ts("2026-09-01 10:05:00"),
        "updated_at": ts("2026-09-01 10:05:00"),
        "_loaded_at": _APP_LOADED,
    },
    {
        "id": "usr_2",
        "account_id": "acc_A",
        "email": "dan@example.com",
        "full_name": "Dan",
        "role": "member",
        "created_at": ts("2026-09-02 10:00:00"),
        "updated_at": ts("2026-09-02 10:00:00"),
        "_loaded_at": _APP_LOADED,
    },
    {
        "id": "usr_3",
        "account_id": "acc_B",
        "email": "carol@example.com",
        "full_name": "Carol",
        "role": "admin",
        "created_at": ts("2026-10-02 08:29:00"),
        "updated_at": ts("2026-10-02 08:29:00"),
        "_loaded_at": _APP_LOADED,
    },
]

SUBSCRIPTIONS: list[Row] = [
    {
        "id": "sub_A1",
        "account_id": "acc_A",
        "plan": "starter",
        "status": "canceled",
        "seats": 3,
        "mrr_amount": 0,
        "currency": "USD",
        "started_at": ts("2026-09-01 10:00:00"),
        "ended_at": ts("2026-09-20 10:00:00"),
        "created_at": ts("2026-09-01 10:00:00"),
        "updated_at": ts("2026-09-20 10:00:00"),
        "_loaded_at": _APP_LOADED,
    },
    {
        "id": "sub_A2",
        "account_id": "acc_A",
        "plan": "team",
        "status": "active",
        "seats": 5,
        "mrr_amount": 125,
        "currency": "USD",
        "started_at": ts("2026-09-20 10:00:00"),
        "created_at": ts("2026-09-20 10:00:00"),
        "updated_at": ts("2026-09-20 10:00:00"),
        "_loaded_at": _APP_LOADED,
    },
    {
        "id": "sub_B1",
        "account_id": "acc_B",
        "plan": "business",
        "status": "active",
        "seats": 10,
        "mrr_amount": 450,
        "currency": "EUR",
        "started_at": ts("2026-09-15 10:00:00"),
        "created_at": ts("2026-09-15 10:00:00"),
        "updated_at": ts("2026-09-15 10:00:00"),
        "_loaded_at": _APP_LOADED,
    },
]

REPORTS: list[Row] = [
    {
        "id": "r1",
        "account_id": "acc_A",
        "created_by_user_id": "usr_1",
        "report_type": "funnel",
        "created_at": ts("2026-10-01 14:00:00"),
        "updated_at": ts("2026-10-01 14:00:00"),
        "_loaded_at": ts("2026-10-01 15:00:00"),
    },
]

DATA_IMPORTS: list[Row] = [
    {
        "id": "d1",
        "account_id": "acc_B",
        "user_id": "usr_3",
        "source_type": "csv",
        "status": "completed",
        "rows_imported": 5000,
        "started_at": ts("2026-10-02 14:50:00"),
        "completed_at": ts("2026-10-02 15:00:00"),
        "_loaded_at": ts("2026-10-02 16:00:00"),
    },
    {
        "id": "d2",
        "account_id": "acc_B",
        "user_id": "usr_3",
        "source_type": "csv",
        "status": "failed",
        "rows_imported": 0,
        "started_at": ts("2026-10-02 16:00:00"),
        "_loaded_at": ts("2026-10-02 17:00:00"),
    },
]

INVITATIONS: list[Row] = [
    {
        "id": "inv1",
        "account_id": "acc_A",
        "invited_by_user_id": "usr_1",
        "invitee_email": "erin@example.com",
        "role": "member",
        "created_at": ts("2026-10-03 06:30:00"),
        "_loaded_at": _APP_LOADED,
    },
]

AUTOMATION_RULES: list[Row] = [
    {
        "id": "ar1",
        "account_id": "acc_A",
        "created_by_user_id": "usr_1",
        "trigger_type": "schedule",
        "is_enabled": True,
        "created_at": ts("2026-09-30 16:00:00"),
        "updated_at": ts("2026-09-30 16:00:00"),
        "_loaded_at": ts("2026-09-30 17:00:00"),
    },
]

SETTINGS_CHANGES: list[Row] = [
    {
        "id": "s1",
        "account_id": "acc_B",
        "changed_by_user_id": "usr_3",
        "setting_key": "sso_enabled",
        "old_value": "false",
        "new_value": "true",
        "changed_at": ts("2026-10-03 06:00:00"),
        "_loaded_at": _APP_LOADED,
    },
]

FIXTURE: dict[str, list[Row]] = {
    "raw_segment.tracks": TRACKS,
    "raw_segment.pages": PAGES,
    "raw_segment.identifies": IDENTIFIES,
    "raw_segment.groups": GROUPS,
    "raw_server_logs.log_lines": LOG_LINES,
    "raw_app.accounts": ACCOUNTS,
    "raw_app.users": USERS,
    "raw_app.subscriptions": SUBSCRIPTIONS,
    "raw_app.reports": REPORTS,
    "raw_app.data_imports": DATA_IMPORTS,
    "raw_app.invitations": INVITATIONS,
    "raw_app.automation_rules": AUTOMATION_RULES,
    "raw_app.account_settings_changes": SETTINGS_CHANGES,
}


def load_fixture(
    db_path: str,
    *,
    loaded_after: datetime | None = None,
    loaded_until: datetime | None = None,
    dataset: dict[str, list[Row]] | None = None,
) -> dict[str, int]:
    """Create the raw tables in `db_path` and insert the rows of `dataset` (default: this
    module's FIXTURE; keys are qualified raw table names) whose load time is in
    (loaded_after, loaded_until]; returns rows inserted per table."""
    inserted: dict[str, int] = {}
    with duckdb.connect(db_path) as con:
        create_raw_tables(con)
        for name, rows in (FIXTURE if dataset is None else dataset).items():
            table = RAW_TABLES_BY_NAME[name]
            selected = [
                row
                for row in rows
                if (loaded_after is None or row[table.loaded_at_column] > loaded_after)
                and (loaded_until is None or row[table.loaded_at_column] <= loaded_until)
            ]
            columns = table.column_names
            placeholders = ", ".join("?" for _ in columns)
            if selected:
                con.executemany(
                    f"insert into {name} ({', '.join(columns)}) values ({placeholders})",
                    [[row.get(column) for column in columns] for row in selected],
                )
            inserted[name] = len(selected)
    return inserted
