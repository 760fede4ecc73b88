"""The expectation suites, as code: raw landing tables, staging models, marts (with the audit).

Each :class:`TableCheck` is one Great Expectations suite over one query result: the query
selects only the columns its expectations read (a raw table of millions of rows becomes a few
columns; a cross-table rule becomes one row per day), and the expectations carry bounds
computed from :class:`~usage_warehouse.expectations.facts.WarehouseFacts` and
:class:`~usage_warehouse.expectations.thresholds.Thresholds`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from great_expectations.expectations.core.expect_column_distinct_values_to_contain_set import (
    ExpectColumnDistinctValuesToContainSet,
)
from great_expectations.expectations.core.expect_column_distinct_values_to_equal_set import (
    ExpectColumnDistinctValuesToEqualSet,
)
from great_expectations.expectations.core.expect_column_max_to_be_between import ExpectColumnMaxToBeBetween
from great_expectations.expectations.core.expect_column_pair_values_a_to_be_greater_than_b import (
    ExpectColumnPairValuesAToBeGreaterThanB,
)
from great_expectations.expectations.core.expect_column_pair_values_to_be_equal import ExpectColumnPairValuesToBeEqual
from great_expectations.expectations.core.expect_column_values_to_be_between import ExpectColumnValuesToBeBetween
from great_expectations.expectations.core.expect_column_values_to_be_in_set import ExpectColumnValuesToBeInSet
from great_expectations.expectations.core.expect_column_values_to_be_unique import ExpectColumnValuesToBeUnique
from great_expectations.expectations.core.expect_column_values_to_not_be_null import ExpectColumnValuesToNotBeNull
from great_expectations.expectations.core.expect_compound_columns_to_be_unique import ExpectCompoundColumnsToBeUnique
from great_expectations.expectations.core.expect_table_row_count_to_be_between import ExpectTableRowCountToBeBetween
from great_expectations.expectations.expectation import Expectation

from usage_warehouse import raw_schema
from usage_warehouse.expectations.facts import AUDIT_SCHEMA, MARTS_SCHEMA, STAGING_SCHEMA, WarehouseFacts
from usage_warehouse.expectations.thresholds import Thresholds

SUITES: tuple[str, ...] = ("raw", "staging", "marts")


@dataclass(frozen=True)
class TableCheck:
    """One suite over one query result: ``suite`` is the layer (raw, staging, marts)."""

    suite: str
    table: str
    sql: str
    expectations: tuple[Expectation, ...]

    @property
    def name(self) -> str:
        return f"{self.suite}.{self.table}"


@dataclass(frozen=True)
class RawRule:
    """How one raw table is checked, and the staging model that keeps its rows."""

    table: raw_schema.RawTable
    key_columns: tuple[str, ...]
    staging_model: str
    staging_key: str
    must_have_rows: bool
    is_stream: bool


def _rule(
    table: raw_schema.RawTable, model: str, key: str, *, must_have_rows: bool, is_stream: bool = False
) -> RawRule:
    keys = ("log_file", "line_number") if table is raw_schema.SERVER_LOG_LINES else ("id",)
    return RawRule(table, keys, model, key, must_have_rows, is_stream)


# Mirrors macros/raw_table_registry.sql (raw table -> staging model and key). Tables a small or
# young account base may leave empty (imports, rules, erasures, ...) are not required to have rows;
# the continuous streams must be fresh.
RAW_RULES: tuple[RawRule, ...] = (
    _rule(raw_schema.SEGMENT_TRACKS, "stg_segment__tracks", "message_id", must_have_rows=True, is_stream=True),
    _rule(raw_schema.SEGMENT_PAGES, "stg_segment__pages", "message_id", must_have_rows=True, is_stream=True),
    _rule(raw_schema.SEGMENT_IDENTIFIES, "stg_segment__identifies", "message_id", must_have_rows=True),
    _rule(raw_schema.SEGMENT_GROUPS, "stg_segment__groups", "message_id", must_have_rows=True),
    _rule(
        raw_schema.SERVER_LOG_LINES, "stg_server_logs__log_events", "log_line_id", must_have_rows=True, is_stream=True
    ),
    _rule(raw_schema.APP_ACCOUNTS, "stg_app_db__accounts", "account_id", must_have_rows=True),
    _rule(raw_schema.APP_USERS, "stg_app_db__users", "user_id", must_have_rows=True),
    _rule(raw_schema.APP_SUBSCRIPTIONS, "stg_app_db__subscriptions", "subscription_id", must_have_rows=True),
    _rule(raw_schema.APP_REPORTS, "stg_app_db__reports", "report_id", must_have_rows=False),
    _rule(raw_schema.APP_INTEGRATIONS, "stg_app_db__integrations", "integration_id", must_have_rows=False),
    _rule(raw_schema.APP_INVITATIONS, "stg_app_db__invitations", "invitation_id", must_have_rows=False),
    _rule(raw_schema.APP_DATA_IMPORTS, "stg_app_db__data_imports", "data_import_id", must_have_rows=False),
    _rule(raw_schema.APP_AUTOMATION_RULES, "stg_app_db__automation_rules", "automation_rule_id", must_have_rows=False),
    _rule(
        raw_schema.APP_SETTINGS_CHANGES,
        "stg_app_db__account_settings_changes",
        "settings_change_id",
        must_have_rows=False,
    ),
    _rule(
        raw_schema.APP_ERASURE_REQUESTS,
        "stg_app_db__privacy_erasure_requests",
        "erasure_request_id",
        must_have_rows=False,
    ),
)

STAGING_MODELS: tuple[str, ...] = (*(rule.staging_model for rule in RAW_RULES), "stg_config__plans")

# Value sets of staging columns (the same lists as the staging models' accepted_values tests).
LOG_LEVELS = ("trace", "debug", "info", "notice", "warn", "warning", "error", "critical", "fatal")
SUBSCRIPTION_STATUSES = ("trialing", "active", "past_due", "canceled")
USER_ROLES = ("admin", "member", "viewer")
EVENT_SOURCES = ("segment_track", "segment_page", "server_log", "app_db")
# Time column of each staging model checked for a plausible range.
STAGING_TIME_COLUMNS: dict[str, str] = {
    "stg_segment__tracks": "event_at",
    "stg_segment__pages": "event_at",
    "stg_segment__identifies": "event_at",
    "stg_segment__groups": "event_at",
    "stg_server_logs__log_events": "event_at",
    "stg_app_db__accounts": "created_at",
    "stg_app_db__users": "created_at",
    "stg_app_db__subscriptions": "started_at",
    "stg_app_db__reports": "created_at",
}


def _describe(expectation: Expectation, text: str) -> Expectation:
    expectation.description = text
    return expectation


def _row_count(low: int, high: int | None, why: str) -> Expectation:
    # An empty source can make the upper bound fall below the lower one; the lower bound then fails.
    high = None if high is None else max(high, low)
    return _describe(ExpectTableRowCountToBeBetween(min_value=low, max_value=high), why)


def _unique_key(column: str) -> tuple[Expectation, ...]:
    return (
        _describe(ExpectColumnValuesToNotBeNull(column=column), f"key {column} is never null"),
        _describe(ExpectColumnValuesToBeUnique(column=column), f"key {column} is unique"),
    )


def _event_time_range(column: str, facts: WarehouseFacts, limits: Thresholds) -> tuple[Expectation, ...]:
    if facts.newest_load_at is None:
        return ()
    latest = facts.newest_load_at + timedelta(hours=limits.max_event_ahead_of_load_hours)
    earliest = datetime.fromisoformat(limits.earliest_valid_event_at)
    return (
        _describe(
            ExpectColumnValuesToBeBetween(column=column, min_value=earliest, max_value=latest),
            f"{column} between {earliest:%Y-%m-%d} and the newest load + {limits.max_event_ahead_of_load_hours} h",
        ),
    )


def raw_checks(facts: WarehouseFacts, limits: Thresholds) -> list[TableCheck]:
    """Raw landing tables carry deliberate faults: shape, volume and freshness, with ``mostly``."""
    checks: list[TableCheck] = []
    contract_columns = sorted(
        f"{t.qualified_name}.{column}" for t in raw_schema.RAW_TABLES for column in t.column_names
    )
    schemas = ", ".join(f"'{schema}'" for schema in sorted({t.schema for t in raw_schema.RAW_TABLES}))
    checks.append(
        TableCheck(
            "raw",
            "landing_contract_columns",
            "select table_schema || '.' || table_name || '.' || column_name as landed_column "
            f"from information_schema.columns where table_schema in ({schemas})",
            (
                _describe(
                    ExpectColumnDistinctValuesToContainSet(column="landed_column", value_set=contract_columns),
                    "every column of docs/raw_landing_contract.md is landed (extra columns are allowed)",
                ),
            ),
        )
    )
    for rule in RAW_RULES:
        table = rule.table
        load = table.loaded_at_column
        expectations: list[Expectation] = [
            _row_count(1 if rule.must_have_rows else 0, None, "has rows" if rule.must_have_rows else "may be empty"),
            *(
                _describe(
                    ExpectColumnValuesToNotBeNull(column=column, mostly=limits.raw_key_not_null_mostly),
                    f"key {column} present on at least {limits.raw_key_not_null_mostly:.0%} of rows "
                    "(the rest is quarantined)",
                )
                for column in rule.key_columns
            ),
            _describe(
                ExpectColumnValuesToNotBeNull(column=load, mostly=limits.raw_loaded_at_not_null_mostly),
                f"load time {load} present on at least {limits.raw_loaded_at_not_null_mostly:.0%} of rows",
            ),
        ]
        if rule.is_stream and facts.newest_load_at is not None:
            stale_before = facts.newest_load_at - timedelta(hours=limits.raw_stale_after_hours)
            expectations.append(
                _describe(
                    ExpectColumnMaxToBeBetween(column=load, min_value=stale_before, max_value=facts.newest_load_at),
                    f"fresh: newest {load} within {limits.raw_stale_after_hours} h of the newest load of any raw table",
                )
            )
        columns = ", ".join((*rule.key_columns, load))
        checks.append(
            TableCheck(
                "raw", table.qualified_name, f"select {columns} from {table.qualified_name}", tuple(expectations)
            )
        )
    return checks


def staging_checks(facts: WarehouseFacts, limits: Thresholds) -> list[TableCheck]:
    """Staging keeps one good row per key: keys unique and present, value sets, plausible times, volume."""
    checks: list[TableCheck] = []
    value_sets: dict[str, tuple[str, tuple[str, ...]]] = {
        "stg_server_logs__log_events": ("log_level", LOG_LEVELS),
        "stg_app_db__subscriptions": ("subscription_status", SUBSCRIPTION_STATUSES),
        "stg_app_db__users": ("user_role", USER_ROLES),
    }
    if facts.plans:
        value_sets["stg_app_db__accounts"] = ("plan", facts.plans)
    for rule in RAW_RULES:
        model = rule.staging_model
        raw_rows = facts.raw_rows(rule.table.qualified_name)
        low = math.ceil(raw_rows * limits.staging_min_kept_share) if rule.must_have_rows else 0
        expectations: list[Expectation] = [
            _row_count(
                low,
                raw_rows,
                f"one row per key: at most the {raw_rows:,} raw rows, at least {limits.staging_min_kept_share:.0%} "
                "of them",
            ),
            *_unique_key(rule.staging_key),
            _describe(ExpectColumnValuesToNotBeNull(column="loaded_at"), "loaded_at is never null"),
        ]
        columns = [rule.staging_key, "loaded_at"]
        if model in value_sets:
            column, allowed = value_sets[model]
            expectations.append(
                _describe(
                    ExpectColumnValuesToBeInSet(column=column, value_set=list(allowed)),
                    f"{column} is one of {', '.join(allowed)}",
                )
            )
            columns.append(column)
        if model in STAGING_TIME_COLUMNS:
            column = STAGING_TIME_COLUMNS[model]
            expectations.extend(_event_time_range(column, facts, limits))
            columns.append(column)
        checks.append(
            TableCheck(
                "staging",
                f"{STAGING_SCHEMA}.{model}",
                f"select {', '.join(columns)} from {STAGING_SCHEMA}.{model}",
                tuple(expectations),
            )
        )
    checks.append(
        TableCheck(
            "staging",
            f"{STAGING_SCHEMA}.stg_config__plans",
            f"select plan, plan_tier from {STAGING_SCHEMA}.stg_config__plans",
            (_row_count(1, None, "the plans seed has rows"), *_unique_key("plan")),
        )
    )
    return checks


# The rule of tests/assert_daily_usage_reconciles_with_events.sql as one row per day: events with an
# account against the account facts at feature, module and product level, and events with a user
# against the user facts. A day missing on one side counts -1 there, so it can never match.
RECONCILIATION_SQL = f"""
with events as (
    select event_date as usage_date, count(*) as event_count, sum(quantity) as quantity
    from {MARTS_SCHEMA}.fct_usage_events where account_id is not null group by event_date
),
features as (
    select usage_date, sum(event_count) as event_count, sum(quantity) as quantity
    from {MARTS_SCHEMA}.fct_account_daily_usage group by usage_date
),
modules as (
    select usage_date, sum(event_count) as event_count
    from {MARTS_SCHEMA}.fct_account_daily_module_usage group by usage_date
),
products as (
    select usage_date, sum(event_count) as event_count
    from {MARTS_SCHEMA}.fct_account_daily_product_usage group by usage_date
),
user_events as (
    select event_date as usage_date, count(*) as event_count
    from {MARTS_SCHEMA}.fct_usage_events where user_id is not null group by event_date
),
users as (
    select usage_date, sum(event_count) as event_count
    from {MARTS_SCHEMA}.fct_user_daily_usage group by usage_date
),
days as (
    select usage_date from events union select usage_date from features
    union select usage_date from user_events union select usage_date from users
)
select
    days.usage_date,
    coalesce(events.event_count, -1) as account_event_count,
    coalesce(features.event_count, -1) as feature_fact_event_count,
    coalesce(modules.event_count, -1) as module_fact_event_count,
    coalesce(products.event_count, -1) as product_fact_event_count,
    cast(coalesce(events.quantity, -1) as double) as account_event_quantity,
    cast(coalesce(features.quantity, -1) as double) as feature_fact_quantity,
    coalesce(user_events.event_count, -1) as user_event_count,
    coalesce(users.event_count, -1) as user_fact_event_count
from days
left join events on days.usage_date = events.usage_date
left join features on days.usage_date = features.usage_date
left join modules on days.usage_date = modules.usage_date
left join products on days.usage_date = products.usage_date
left join user_events on days.usage_date = user_events.usage_date
left join users on days.usage_date = users.usage_date
"""

# Every raw table's accounting recomputed (is_balanced could itself be wrong) and its raw count
# compared with the raw table as it is now.
SOURCE_NAMES: dict[str, str] = {
    raw_schema.SEGMENT_SCHEMA: "segment",
    raw_schema.SERVER_LOGS_SCHEMA: "server_logs",
    raw_schema.APP_SCHEMA: "app_db",
}
_RAW_COUNTS_SQL = " union all ".join(
    f"select '{SOURCE_NAMES[rule.table.schema]}.{rule.table.name}' as source_table, "
    f"count(*) as measured_raw_row_count from {rule.table.qualified_name}"
    for rule in RAW_RULES
)
ACCOUNTING_SQL = f"""
with raw_counts as ({_RAW_COUNTS_SQL})
select
    accounting.source_table,
    accounting.raw_row_count,
    accounting.kept_row_count + accounting.duplicate_row_count + accounting.quarantined_row_count
        as accounted_row_count,
    accounting.is_balanced,
    coalesce(raw_counts.measured_raw_row_count, -1) as measured_raw_row_count
from {AUDIT_SCHEMA}.fct_source_row_accounting as accounting
left join raw_counts on accounting.source_table = raw_counts.source_table
"""


def _pair_equal(a: str, b: str, why: str) -> Expectation:
    return _describe(ExpectColumnPairValuesToBeEqual(column_A=a, column_B=b), why)


def _between(column: str, low: float, high: float | None, why: str) -> Expectation:
    return _describe(ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high), why)


def mart_checks(facts: WarehouseFacts, limits: Thresholds) -> list[TableCheck]:
    """Marts and the audit: keys, value ranges, volume against raw, freshness, cross-table totals."""
    raw_event_rows = sum(
        facts.raw_rows(t.qualified_name)
        for t in (raw_schema.SEGMENT_TRACKS, raw_schema.SEGMENT_PAGES, raw_schema.SERVER_LOG_LINES)
    )
    app_rows = sum(facts.raw_rows(t.qualified_name) for t in raw_schema.RAW_TABLES if t.schema == raw_schema.APP_SCHEMA)
    events_low = math.ceil(raw_event_rows * limits.events_min_share_of_raw)
    events_high = raw_event_rows + app_rows
    accounts = facts.staged_rows("stg_app_db__accounts")
    # Users with an erasure request are left out of dim_users: at most one user per request.
    users_low = max(
        facts.staged_rows("stg_app_db__users") - facts.staged_rows("stg_app_db__privacy_erasure_requests"), 0
    )
    as_of_start = datetime.combine(facts.as_of_date, time()) if facts.as_of_date else None

    events: list[Expectation] = [
        _row_count(
            events_low,
            events_high,
            f"at least {limits.events_min_share_of_raw:.0%} of the {raw_event_rows:,} raw Segment events and log "
            f"lines, at most one per raw row ({events_high:,})",
        ),
        *_unique_key("event_id"),
        _describe(ExpectColumnValuesToBeInSet(column="source", value_set=list(EVENT_SOURCES)), "source is known"),
        *_event_time_range("event_at", facts, limits),
    ]
    if as_of_start is not None and facts.newest_load_at is not None:
        events.append(
            _describe(
                ExpectColumnMaxToBeBetween(column="loaded_at", min_value=as_of_start, max_value=facts.newest_load_at),
                "fresh: events loaded through the as-of date, and never after the newest raw load",
            )
        )
    daily: list[Expectation] = [
        _row_count(1, events_high, "at least one row, at most one per event"),
        *_unique_key("account_daily_feature_usage_id"),
        _describe(
            ExpectCompoundColumnsToBeUnique(column_list=["usage_date", "account_id", "feature"]),
            "one row per account x day x feature",
        ),
        _describe(ExpectColumnValuesToNotBeNull(column="account_id"), "account_id is never null"),
        _between("event_count", 1, None, "every row counts at least one event"),
        _describe(
            ExpectColumnPairValuesAToBeGreaterThanB(column_A="user_count", column_B="active_user_count", or_equal=True),
            "active users are a subset of users",
        ),
    ]
    if facts.features:
        daily.append(
            _describe(
                ExpectColumnValuesToBeInSet(column="feature", value_set=list(facts.features)),
                "feature is in dim_features",
            )
        )
    if facts.as_of_date is not None:
        daily.append(
            _describe(
                ExpectColumnMaxToBeBetween(
                    column="usage_date",
                    min_value=facts.as_of_date - timedelta(days=limits.facts_max_lag_days),
                    max_value=None,
                ),
                f"fresh: daily facts reach within {limits.facts_max_lag_days} days of the as-of date",
            )
        )
    accounts_check: list[Expectation] = [
        _row_count(accounts, accounts, f"one row per app-database account ({accounts:,} in staging)"),
        *_unique_key("account_id"),
        _between("mrr_amount", 0, None, "MRR is never negative"),
        _between("seats", 0, None, "seats are never negative"),
    ]
    if facts.plans:
        accounts_check.append(
            _describe(
                ExpectColumnValuesToBeInSet(column="plan", value_set=list(facts.plans)), "plan is in the plans seed"
            )
        )
    health_scores = (
        "health_score",
        "engagement_score",
        "adoption_breadth_score",
        "value_trend_score",
        "seat_utilization_score",
        "error_rate_score",
    )
    return [
        TableCheck(
            "marts",
            f"{MARTS_SCHEMA}.fct_usage_events",
            f"select event_id, source, event_at, loaded_at from {MARTS_SCHEMA}.fct_usage_events",
            tuple(events),
        ),
        TableCheck(
            "marts",
            f"{MARTS_SCHEMA}.fct_account_daily_usage",
            "select account_daily_feature_usage_id, usage_date, account_id, feature, event_count, user_count, "
            f"active_user_count from {MARTS_SCHEMA}.fct_account_daily_usage",
            tuple(daily),
        ),
        TableCheck(
            "marts",
            f"{MARTS_SCHEMA}.dim_accounts",
            "select account_id, plan, seats, cast(mrr_amount as double) as mrr_amount "
            f"from {MARTS_SCHEMA}.dim_accounts",
            tuple(accounts_check),
        ),
        TableCheck(
            "marts",
            f"{MARTS_SCHEMA}.dim_users",
            f"select user_id, account_id from {MARTS_SCHEMA}.dim_users",
            (
                *_unique_key("user_id"),
                _row_count(users_low, None, "every app user except those with a privacy erasure request, at least"),
            ),
        ),
        TableCheck(
            "marts",
            f"{MARTS_SCHEMA}.dim_features",
            f"select feature, module, product from {MARTS_SCHEMA}.dim_features",
            (
                _row_count(1, None, "the taxonomy has features"),
                *_unique_key("feature"),
                _describe(ExpectColumnValuesToNotBeNull(column="module"), "every feature has a module"),
                _describe(ExpectColumnValuesToNotBeNull(column="product"), "every feature has a product"),
            ),
        ),
        TableCheck(
            "marts",
            f"{MARTS_SCHEMA}.fct_account_health_daily",
            f"select account_id, date_day, health_band, {', '.join(health_scores)} "
            f"from {MARTS_SCHEMA}.fct_account_health_daily",
            (
                _describe(
                    ExpectCompoundColumnsToBeUnique(column_list=["account_id", "date_day"]),
                    "one row per account x day",
                ),
                *(_between(column, 0, 100, f"{column} is a score from 0 to 100") for column in health_scores),
                _describe(ExpectColumnValuesToNotBeNull(column="health_band"), "every row has a band"),
            ),
        ),
        TableCheck(
            "marts",
            f"{MARTS_SCHEMA}.fct_account_engagement_daily",
            f"select account_id, date_day, stickiness, dau, wau, mau from {MARTS_SCHEMA}.fct_account_engagement_daily",
            (
                _describe(
                    ExpectCompoundColumnsToBeUnique(column_list=["account_id", "date_day"]),
                    "one row per account x day",
                ),
                _between("stickiness", 0, 1, "stickiness (DAU / MAU) is a rate from 0 to 1"),
                _describe(
                    ExpectColumnPairValuesAToBeGreaterThanB(column_A="mau", column_B="dau", or_equal=True),
                    "monthly actives include the daily actives",
                ),
            ),
        ),
        TableCheck(
            "marts",
            f"{MARTS_SCHEMA}.dim_dates",
            f"select date_day, as_of_date from {MARTS_SCHEMA}.dim_dates",
            (
                *_unique_key("date_day"),
                _describe(
                    ExpectColumnDistinctValuesToEqualSet(
                        column="as_of_date", value_set=[facts.as_of_date] if facts.as_of_date else []
                    ),
                    "one as-of date",
                ),
            ),
        ),
        TableCheck(
            "marts",
            "daily_usage_reconciles_with_events",
            RECONCILIATION_SQL,
            (
                _row_count(1, None, "there are days of usage"),
                _pair_equal(
                    "account_event_count", "feature_fact_event_count", "feature facts sum to the events with an account"
                ),
                _pair_equal(
                    "account_event_count", "module_fact_event_count", "module facts sum to the events with an account"
                ),
                _pair_equal(
                    "account_event_count", "product_fact_event_count", "product facts sum to the events with an account"
                ),
                _pair_equal(
                    "account_event_quantity", "feature_fact_quantity", "feature facts sum to the events' quantity"
                ),
                _pair_equal("user_event_count", "user_fact_event_count", "user facts sum to the events with a user"),
            ),
        ),
        TableCheck(
            "marts",
            f"{AUDIT_SCHEMA}.fct_source_row_accounting",
            ACCOUNTING_SQL,
            (
                _row_count(len(RAW_RULES), len(RAW_RULES), "one row per raw table"),
                *_unique_key("source_table"),
                _pair_equal("raw_row_count", "accounted_row_count", "raw = kept + duplicates + quarantined"),
                _pair_equal("raw_row_count", "measured_raw_row_count", "raw count matches the raw table now"),
                _describe(ExpectColumnValuesToBeInSet(column="is_balanced", value_set=[True]), "is_balanced"),
            ),
        ),
    ]


def build_checks(facts: WarehouseFacts, limits: Thresholds | None = None) -> list[TableCheck]:
    """Every check of every suite, in suite order."""
    limits = limits or Thresholds()
    return [*raw_checks(facts, limits), *staging_checks(facts, limits), *mart_checks(facts, limits)]
