"""Exact, hand-computed values of every mart on the hand-made fixture (pytests/fixture_data.py)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

from conftest import Query

DEFAULT_SALT = "usage-warehouse-demo-salt"


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_usage_events_per_source(q: Query) -> None:
    rows = q("select source, count(*) from usage_marts.fct_usage_events group by source order by source")
    # tracks: 12 raw - 2 duplicates - 2 quarantined; logs: 10 raw - 1 duplicate - 6 quarantined;
    # app records: r1, d1 (d2 failed: no event), inv1, ar1, s1.
    assert rows == [("app_db", 5), ("segment_page", 2), ("segment_track", 8), ("server_log", 3)]


def test_duplicate_keeps_earliest_copy(q: Query) -> None:
    rows = q(
        "select source_record_id, received_at, properties, feature from usage_marts.fct_usage_events"
        " where source_record_id in ('t1', 't2') order by 1"
    )
    assert rows == [
        ("t1", dt("2026-10-01 09:00:01"), None, "dashboards"),
        ("t2", dt("2026-10-01 10:00:01"), '{"format": "pdf"}', "pdf_export"),
    ]


def test_clock_skew_corrected(q: Query) -> None:
    # The device clock was a year ahead; the event happened 2026-10-01 12:00, received 1 s later.
    rows = q(
        "select event_at, event_date, is_event_time_adjusted from usage_marts.fct_usage_events"
        " where source_record_id = 't4'"
    )
    assert rows == [(dt("2026-10-01 12:00:01"), date(2026, 10, 1), False)]


def test_log_time_offset_converted_to_utc(q: Query) -> None:
    rows = q(
        "select event_at, event_date, account_id, user_id, feature, is_error, quantity"
        " from usage_marts.fct_usage_events where source = 'server_log' order by event_at"
    )
    assert rows == [
        (dt("2026-10-01 10:00:00"), date(2026, 10, 1), "acc_A", None, "automation_runs", False, Decimal("120")),
        (dt("2026-10-03 01:00:00"), date(2026, 10, 3), "acc_B", None, "api_access", True, Decimal("1")),
        (dt("2026-10-03 04:30:00"), date(2026, 10, 3), "acc_B", "usr_3", "api_access", False, Decimal("1")),
    ]


def test_identity_stitching(q: Query) -> None:
    rows = q(
        "select source_record_id, user_id, account_id, user_match, account_match"
        " from usage_marts.fct_usage_events"
        " where source_record_id in ('t5', 'p1', 't8', 't1') order by 1"
    )
    assert rows == [
        ("p1", "usr_3", "acc_B", "anonymous_id", "app_db"),
        ("t1", "usr_1", "acc_A", "user_id", "app_db"),
        ("t5", "usr_3", "acc_B", "anonymous_id", "app_db"),
        ("t8", "usr_4", "acc_B", "user_id", "segment_group"),
    ]


def test_taxonomy_mapping_and_unmapped(q: Query) -> None:
    rows = q(
        "select source_record_id, feature, module, product, is_mapped from usage_marts.fct_usage_events"
        " where source_record_id in ('t2', 't3', 't6', 'p2') order by 1"
    )
    assert rows == [
        ("p2", "report_viewing", "reporting", "insights", True),
        ("t2", "pdf_export", "exports", "insights", True),
        ("t3", "data_export", "exports", "insights", True),
        ("t6", "unmapped", "unmapped", "unmapped", False),
    ]
    assert q(
        "select source, event_name, event_count, account_count, user_count from usage_audit.fct_unmapped_events"
    ) == [("segment_track", "Beta Feature Clicked", 1, 1, 1)]


def test_app_records_become_events(q: Query) -> None:
    rows = q(
        "select event_id, event_name, event_at, account_id, user_id, feature, quantity"
        " from usage_marts.fct_usage_events where source = 'app_db' order by event_at"
    )
    assert rows == [
        (
            "app_db:automation_rules:ar1",
            "Automation Rule Created",
            dt("2026-09-30 16:00:00"),
            "acc_A",
            "usr_1",
            "automation_rules",
            Decimal("1"),
        ),
        ("app_db:reports:r1", "Report Created", dt("2026-10-01 14:00:00"), "acc_A", "usr_1", "reports", Decimal("1")),
        (
            "app_db:data_imports:d1",
            "Data Imported",
            dt("2026-10-02 15:00:00"),
            "acc_B",
            "usr_3",
            "data_imports",
            Decimal("5000"),
        ),
        (
            "app_db:account_settings_changes:s1",
            "Setting Changed",
            dt("2026-10-03 06:00:00"),
            "acc_B",
            "usr_3",
            "settings",
            Decimal("1"),
        ),
        (
            "app_db:invitations:inv1",
            "User Invited",
            dt("2026-10-03 06:30:00"),
            "acc_A",
            "usr_1",
            "team_management",
            Decimal("1"),
        ),
    ]


def test_account_daily_feature_usage(q: Query) -> None:
    rows = q(
        "select usage_date, account_id, feature, event_count, user_count, active_user_count,"
        " error_event_count, quantity from usage_marts.fct_account_daily_usage order by 1, 2, 3"
    )
    d30, d1, d2, d3 = date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
    one = Decimal("1")
    assert rows == [
        (d30, "acc_A", "automation_rules", 1, 1, 1, 0, one),
        (d1, "acc_A", "automation_runs", 1, 0, 0, 0, Decimal("120")),
        (d1, "acc_A", "dashboards", 1, 1, 1, 0, one),
        (d1, "acc_A", "data_export", 1, 1, 1, 0, one),
        (d1, "acc_A", "pdf_export", 1, 1, 1, 0, one),
        (d1, "acc_A", "report_viewing", 1, 1, 1, 0, one),
        (d1, "acc_A", "reports", 1, 1, 1, 0, one),
        (d1, "acc_A", "search", 1, 1, 1, 0, one),
        (d2, "acc_B", "dashboards", 2, 1, 1, 0, Decimal("2")),
        (d2, "acc_B", "data_imports", 1, 1, 1, 0, Decimal("5000")),
        (d2, "acc_B", "unmapped", 1, 1, 0, 0, one),
        (d3, "acc_A", "report_sharing", 1, 1, 1, 0, one),
        (d3, "acc_A", "team_management", 1, 1, 1, 0, one),
        (d3, "acc_B", "api_access", 2, 1, 0, 1, Decimal("2")),
        (d3, "acc_B", "filters", 1, 1, 1, 0, one),
        (d3, "acc_B", "settings", 1, 1, 1, 0, one),
    ]


def test_module_and_product_user_counts_are_distinct_not_summed(q: Query) -> None:
    modules = q(
        "select module, event_count, user_count, active_user_count, quantity"
        " from usage_marts.fct_account_daily_module_usage"
        " where account_id = 'acc_A' and usage_date = date '2026-10-01' order by 1"
    )
    assert modules == [
        ("automation", 1, 0, 0, Decimal("120")),
        ("exploration", 1, 1, 1, Decimal("1")),
        ("exports", 2, 2, 2, Decimal("2")),
        ("reporting", 3, 1, 1, Decimal("3")),  # three features, one user: 1, not 3
    ]
    products = q(
        "select usage_date, account_id, product, event_count, user_count, active_user_count"
        " from usage_marts.fct_account_daily_product_usage"
        " where usage_date in (date '2026-10-01', date '2026-10-03') order by 1, 2, 3"
    )
    assert products == [
        (date(2026, 10, 1), "acc_A", "automate", 1, 0, 0),
        (date(2026, 10, 1), "acc_A", "insights", 6, 2, 2),
        (date(2026, 10, 3), "acc_A", "insights", 1, 1, 1),  # report_sharing
        (date(2026, 10, 3), "acc_A", "platform", 1, 1, 1),  # team_management
        (date(2026, 10, 3), "acc_B", "insights", 1, 1, 1),
        (date(2026, 10, 3), "acc_B", "platform", 3, 1, 1),
    ]


def test_user_daily_usage(q: Query) -> None:
    assert q("select count(*), sum(event_count) from usage_marts.fct_user_daily_usage") == [(15, 16)]
    rows = q(
        "select usage_date, feature, event_count from usage_marts.fct_user_daily_usage"
        " where user_id = 'usr_3' order by 1, 2"
    )
    assert rows == [
        (date(2026, 10, 2), "dashboards", 2),
        (date(2026, 10, 2), "data_imports", 1),
        (date(2026, 10, 2), "unmapped", 1),
        (date(2026, 10, 3), "api_access", 1),
        (date(2026, 10, 3), "settings", 1),
    ]


def test_dim_accounts(q: Query) -> None:
    rows = q(
        "select account_id, plan, plan_tier, subscription_status, seats, mrr_amount, currency, is_paying, is_churned,"
        " user_count, signup_date, first_event_at, last_event_at from usage_marts.dim_accounts order by 1"
    )
    assert rows == [
        (
            "acc_A",
            "team",
            2,
            "active",
            5,
            Decimal("125"),
            "USD",
            True,
            False,
            2,
            date(2026, 9, 1),
            dt("2026-09-30 16:00:00"),
            dt("2026-10-03 11:00:01"),
        ),
        (
            "acc_B",
            "business",
            3,
            "active",
            10,
            Decimal("450"),
            "EUR",
            True,
            False,
            1,
            date(2026, 9, 15),
            dt("2026-10-02 07:59:01"),
            dt("2026-10-03 10:00:01"),
        ),
    ]


def test_plan_history(q: Query) -> None:
    rows = q(
        "select subscription_id, period_number, plan, valid_from, valid_to, is_current"
        " from usage_marts.dim_account_plan_history order by account_id, period_number"
    )
    assert rows == [
        ("sub_A1", 1, "starter", dt("2026-09-01 10:00:00"), dt("2026-09-20 10:00:00"), False),
        ("sub_A2", 2, "team", dt("2026-09-20 10:00:00"), None, True),
        ("sub_B1", 1, "business", dt("2026-09-15 10:00:00"), None, True),
    ]


def test_dim_users(q: Query) -> None:
    rows = q(
        "select user_id, account_id, account_source, is_in_app_database, first_event_at"
        " from usage_marts.dim_users order by 1"
    )
    assert rows == [
        ("usr_1", "acc_A", "app_db", True, dt("2026-09-30 16:00:00")),
        ("usr_2", "acc_A", "app_db", True, dt("2026-10-01 11:00:01")),
        ("usr_3", "acc_B", "app_db", True, dt("2026-10-02 07:59:01")),
        ("usr_4", "acc_B", "segment_group", False, dt("2026-10-03 10:00:01")),
    ]
    expected_hash = hashlib.md5((DEFAULT_SALT + "alice@example.com").encode()).hexdigest()
    assert q("select email_hash from usage_marts.dim_users where user_id = 'usr_1'") == [(expected_hash,)]


def test_dim_features(q: Query) -> None:
    # 20 distinct features in seeds/usage_taxonomy.csv, plus 'unmapped'.
    assert q("select count(*) from usage_marts.dim_features") == [(21,)]
    assert q("select module, product from usage_marts.dim_features where feature = 'pdf_export'") == [
        ("exports", "insights")
    ]


def test_row_accounting(q: Query) -> None:
    rows = q(
        "select source_table, raw_row_count, kept_row_count, duplicate_row_count, quarantined_row_count, is_balanced"
        " from usage_audit.fct_source_row_accounting"
        " where source_table in ('segment.tracks', 'segment.pages', 'server_logs.log_lines', 'app_db.data_imports')"
        " order by 1"
    )
    assert rows == [
        ("app_db.data_imports", 2, 2, 0, 0, True),
        ("segment.pages", 2, 2, 0, 0, True),
        ("segment.tracks", 12, 8, 2, 2, True),
        ("server_logs.log_lines", 10, 3, 1, 6, True),
    ]
    assert q("select count(*) from usage_audit.fct_source_row_accounting where not is_balanced") == [(0,)]


def test_quarantine_reasons(q: Query) -> None:
    rows = q(
        "select source_table, quarantine_reason, count(*) from usage_audit.fct_quarantined_rows"
        " group by 1, 2 order by 1, 2"
    )
    assert rows == [
        ("segment.tracks", "late_beyond_horizon", 1),
        ("segment.tracks", "missing_message_id", 1),
        ("server_logs.log_lines", "invalid_json", 2),
        ("server_logs.log_lines", "invalid_number", 1),
        ("server_logs.log_lines", "invalid_timestamp", 1),
        ("server_logs.log_lines", "missing_account_id", 1),
        ("server_logs.log_lines", "missing_event_name", 1),
    ]


def test_no_raw_pii_in_marts(q: Query) -> None:
    """No mart column holds a raw email address or the raw IP of the fixture."""
    columns = q(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema in ('usage_marts', 'usage_audit') and data_type = 'VARCHAR'"
    )
    assert columns, "no mart columns found"
    leaks = []
    for schema, table, column in columns:
        hits = q(
            f"select count(*) from {schema}.{table}"
            f" where {column} like '%@example.com%' or {column} like '%203.0.113.7%'"
        )[0][0]
        if hits:
            leaks.append(f"{schema}.{table}.{column}")
    assert leaks == []
    assert q("select properties from usage_marts.fct_usage_events where source_record_id = 't10'") == [
        ('{"shared_with": "[redacted-email]"}',)
    ]
