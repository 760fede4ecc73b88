"""Billable usage: exact, hand-computed fct_account_billable_usage on a small raw dataset.

acc_B1  team from 09-01 (records_processed: 20 000 included, 0.0015 USD per unit beyond).
        Automation runs (records_processed) on 09-30, 10-05, 10-20, 10-30 (loaded late, on 11-05)
        and 11-03; the 10-05 log file is shipped again on 11-04 (a duplicate). A Segment
        "Records Imported" call (metered as rows_imported by a taxonomy rule this test adds)
        delivered twice.
acc_B2  starter from 09-01, upgraded to team on 10-20 12:00; 6 000 records processed on 10-10.

The newest load is 11-05 08:00, so the as-of date (the latest complete day) is 11-04: September
and October are complete, November is not.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import Query, query_db
from fixture_data import Row, load_fixture, log_line, segment_call, ts
from usage_warehouse.dbt import run_dbt

# The billing and alert marts, everything upstream and the tests of those only (seeds are loaded first, on
# their own, so that the taxonomy can be extended before the models run).
BUILD = [
    "build",
    "--select",
    "+fct_account_billable_usage",
    "+fct_account_alerts",
    "--exclude",
    "tag:needs_built_model",
    "resource_type:seed",
    "--indirect-selection",
    "buildable",
]
_APP_LOADED = ts("2026-09-01 12:00:00")

# A customer metering a client-side call: Segment track "Records Imported", quantity in property row_count.
SEGMENT_METERED_RULE = (
    "insert into usage_config.usage_taxonomy values ('segment_track', 'Records Imported', null, null,"
    " 'data_imports', 'data', 'automate', true, true, false, 'rows_imported', 'row_count',"
    " 'Rows imported from the browser (test rule)')"
)


def automation_run(log_file: str, at: str, account_id: str, quantity: int, loaded: str) -> Row:
    payload = {
        "ts": at.replace(" ", "T") + "Z",
        "level": "info",
        "service": "automation-worker",
        "event": "automation.run_completed",
        "account_id": account_id,
        "status": 200,
        "quantity": quantity,
    }
    return log_line(log_file, 1, loaded, payload)


def subscription(sub_id: str, account_id: str, plan: str, started: str, ended: str | None = None) -> Row:
    return {
        "id": sub_id,
        "account_id": account_id,
        "plan": plan,
        "status": "canceled" if ended else "active",
        "seats": 5,
        "mrr_amount": 100,
        "currency": "USD",
        "started_at": ts(started),
        "ended_at": ts(ended) if ended else None,
        "created_at": ts(started),
        "updated_at": ts(ended or started),
        "_loaded_at": ts(ended or started) + timedelta(hours=1),
    }


def account(account_id: str, plan: str) -> Row:
    created = ts("2026-09-01 10:00:00")
    return {"id": account_id, "name": account_id, "plan": plan, "seats": 5, "created_at": created,
            "updated_at": created, "_loaded_at": _APP_LOADED}  # fmt: skip


DATASET: dict[str, list[Row]] = {
    "raw_server_logs.log_lines": [
        # Loaded 10-01 12:00: within the grace day of September (cutoff 10-02 00:00): not a restatement.
        automation_run("worker/2026-09-30.log", "2026-09-30 23:50:00", "acc_B1", 300, "2026-10-01 12:00:00"),
        automation_run("worker/2026-10-05.log", "2026-10-05 09:00:00", "acc_B1", 15000, "2026-10-05 10:00:00"),
        # The same file shipped again after October closed: a duplicate, neither counted nor a restatement.
        automation_run("worker/2026-10-05.log", "2026-10-05 09:00:00", "acc_B1", 15000, "2026-11-04 09:00:00"),
        automation_run("worker/2026-10-20.log", "2026-10-20 09:00:00", "acc_B1", 8000, "2026-10-20 10:00:00"),
        # Happened in October, loaded on 11-05 (after the cutoff 11-02 00:00): lands in October, restates it.
        automation_run("worker/2026-10-30.log", "2026-10-30 09:00:00", "acc_B1", 500, "2026-11-05 08:00:00"),
        automation_run("worker/2026-11-03.log", "2026-11-03 09:00:00", "acc_B1", 1000, "2026-11-03 10:00:00"),
        automation_run("worker/2026-10-10.log", "2026-10-10 09:00:00", "acc_B2", 6000, "2026-10-10 10:00:00"),
    ],
    "raw_segment.tracks": [
        segment_call(
            "imp1", "2026-10-12 10:00:00", user_id="usr_b1", event="Records Imported", properties='{"row_count": 4000}'
        ),
        # The same message delivered again 30 s later: counted once.
        segment_call(
            "imp1",
            "2026-10-12 10:00:00",
            user_id="usr_b1",
            event="Records Imported",
            properties='{"row_count": 4000}',
            received_after=timedelta(seconds=31),
        ),
    ],
    "raw_app.accounts": [account("acc_B1", "team"), account("acc_B2", "team")],
    "raw_app.subscriptions": [
        subscription("sub_B1", "acc_B1", "team", "2026-09-01 10:00:00"),
        subscription("sub_B2a", "acc_B2", "starter", "2026-09-01 10:00:00", ended="2026-10-20 12:00:00"),
        subscription("sub_B2b", "acc_B2", "team", "2026-10-20 12:00:00"),
    ],
    "raw_app.users": [
        {
            "id": "usr_b1",
            "account_id": "acc_B1",
            "email": "b1@example.com",
            "role": "admin",
            "created_at": ts("2026-09-01 10:05:00"),
            "updated_at": ts("2026-09-01 10:05:00"),
            "_loaded_at": _APP_LOADED,
        },
    ],
}

COLUMNS = (
    "account_id, billing_period_start_date, billable_unit, plan, event_count, quantity, included_quantity,"
    " overage_quantity, overage_unit_price, overage_amount, currency, is_period_complete, last_loaded_at,"
    " restatement_cutoff_at, late_loaded_quantity, is_restated"
)


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Query:
    db_path: Path = tmp_path_factory.mktemp("billing") / "warehouse.duckdb"
    target = tmp_path_factory.mktemp("billing_target")
    load_fixture(str(db_path), dataset=DATASET)
    run_dbt(["seed"], db_path=db_path, target_path=target)
    with duckdb.connect(str(db_path)) as con:
        con.execute(SEGMENT_METERED_RULE)
    run_dbt(BUILD, db_path=db_path, target_path=target)
    return query_db(db_path)


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def n(text: str) -> Decimal:
    return Decimal(text)


def test_as_of_date_is_the_day_before_the_newest_load(q: Query) -> None:
    assert q("select distinct as_of_date from usage_marts.fct_account_billable_usage") == [(d("2026-11-04"),)]


def test_one_row_per_account_month_and_unit(q: Query) -> None:
    # 2 accounts x 3 months (September to the as-of month, November) x 5 billable units of the taxonomy.
    assert q("select count(*), count(distinct billable_usage_id) from usage_marts.fct_account_billable_usage") == [
        (30, 30)
    ]
    # Only records_processed and rows_imported have usage.
    assert q(
        "select billable_unit, sum(quantity) from usage_marts.fct_account_billable_usage group by 1 order by 1"
    ) == [
        ("api_calls", n("0")),
        ("records_processed", n("30800")),  # 300 + 15 000 + 8 000 + 500 + 1 000 + 6 000
        ("records_synced", n("0")),
        ("reports", n("0")),
        ("rows_imported", n("4000")),
    ]


def test_included_quantity_overage_late_event_and_duplicate_log(q: Query) -> None:
    rows = q(
        f"select {COLUMNS} from usage_marts.fct_account_billable_usage"
        " where account_id = 'acc_B1' and billable_unit = 'records_processed' order by billing_period_start_date"
    )
    price = n("0.0015")
    assert rows == [
        # September: 300, loaded within the grace day.
        ("acc_B1", d("2026-09-01"), "records_processed", "team", 1, n("300"), n("20000"), n("0"), price, n("0"),
         "USD", True, at("2026-10-01 12:00:00"), at("2026-10-02 00:00:00"), n("0"), False),
        # October: 15 000 (once, though shipped twice) + 8 000 + 500 (late) = 23 500; 3 500 over the 20 000
        # included, x 0.0015 = 5.25 USD. The 500 were loaded on 11-05, after the cutoff (11-01 + 1 day): restated.
        ("acc_B1", d("2026-10-01"), "records_processed", "team", 3, n("23500"), n("20000"), n("3500"), price,
         n("5.25"), "USD", True, at("2026-11-05 08:00:00"), at("2026-11-02 00:00:00"), n("500"), True),
        # November so far (the as-of date is 11-04): incomplete.
        ("acc_B1", d("2026-11-01"), "records_processed", "team", 1, n("1000"), n("20000"), n("0"), price, n("0"),
         "USD", False, at("2026-11-03 10:00:00"), at("2026-12-02 00:00:00"), n("0"), False),
    ]  # fmt: skip


def test_duplicate_segment_message_billed_once(q: Query) -> None:
    rows = q(
        f"select {COLUMNS} from usage_marts.fct_account_billable_usage"
        " where account_id = 'acc_B1' and billable_unit = 'rows_imported' and quantity > 0"
    )
    # imp1 delivered twice: 4 000 rows, not 8 000; within team's 50 000. Loaded 10 min after it was received.
    assert rows == [
        ("acc_B1", d("2026-10-01"), "rows_imported", "team", 1, n("4000"), n("50000"), n("0"), n("0.0004"), n("0"),
         "USD", True, at("2026-10-12 10:10:01"), at("2026-11-02 00:00:00"), n("0"), False),
    ]  # fmt: skip


def test_plan_change_mid_month_bills_the_plan_at_period_end(q: Query) -> None:
    rows = q(
        "select billing_period_start_date, plan, quantity, included_quantity, overage_quantity, overage_amount"
        " from usage_marts.fct_account_billable_usage"
        " where account_id = 'acc_B2' and billable_unit = 'records_processed' order by 1"
    )
    assert rows == [
        (d("2026-09-01"), "starter", n("0"), n("5000"), n("0"), n("0")),
        # 6 000 on 10-10 while on starter (5 000 included), but the month ends on team (20 000): no overage.
        (d("2026-10-01"), "team", n("6000"), n("20000"), n("0"), n("0")),
        (d("2026-11-01"), "team", n("0"), n("20000"), n("0"), n("0")),
    ]


def test_plan_limit_alerts(q: Query) -> None:
    rows = q(
        "select account_id, opened_on, closed_on, is_open, days_open, opening_signal_value, latest_signal_value,"
        " closing_signal_value from usage_marts.fct_account_alerts where rule_key = 'upsell_plan_limit' order by 1"
    )
    assert rows == [
        # 10-05: 15 000 / 20 000 = 0.75; 10-20: 23 000 -> 1.15; 10-30: 23 500 -> 1.175 (the late event counts
        # on its own day). November starts from zero (no billable usage on 11-01: no value): closed 11-01.
        ("acc_B1", d("2026-10-20"), d("2026-11-01"), False, 12, 1.15, 1.175, None),
        # The daily signal uses the plan of the day: 6 000 / 5 000 (starter) = 1.2 from 10-10; on team from 10-20:
        # 6 000 / 20 000 = 0.3.
        ("acc_B2", d("2026-10-10"), d("2026-10-20"), False, 10, 1.2, 1.2, 0.3),
    ]
