"""Sessions and paths: exact, hand-computed values on a small clickstream (pytests/fixture_sessions.py),
built once in full and once in four load batches with incremental runs (lookback 0), which must end
row for row identical.

Event times are the fixture's `at` + 1 s (received 1 s later, fixture_data.segment_call); the
arithmetic below is on the `at` times, the asserted timestamps carry the extra second.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from fixture_data import load_fixture
from fixture_sessions import SESSIONS_DATASET
from usage_warehouse.dbt import DbtCommandError, run_dbt
from usage_warehouse.warehouse import query, table_rows

DBT_VARS = {"as_of_date": "2026-09-13", "incremental_lookback_hours": 0}
# The sessions models, everything upstream of them, and the dimensions their relationship tests read.
BUILD_SELECTION = [
    "--select",
    "+int_sessions__clickstream_events+",
    "+dim_accounts",
    "+dim_users",
    "+dim_features",
]
RUN_SELECTION = ["--select", "+int_sessions__clickstream_events+"]
# Data tests of the sessions models and every unit test of them, the one reading the built table included.
TEST = ["test", "--select", "int_sessions__clickstream_events+"]
# Seeds, the models and the snapshot; the data and unit tests of the sessions models run once the
# warehouse is built (TEST), the tests of upstream models are their owners' (and slow this module down).
BUILD = [
    "build",
    *BUILD_SELECTION,
    "--resource-type",
    "seed",
    "--resource-type",
    "model",
    "--resource-type",
    "snapshot",
]

CUTOFFS = [datetime(2026, 9, 11, 0, 0), datetime(2026, 9, 11, 12, 0), datetime(2026, 9, 12, 12, 0)]

INT_TABLE = "usage_intermediate.int_sessions__clickstream_events"
MARTS = (
    "usage_marts.fct_sessions",
    "usage_marts.fct_page_views",
    "usage_marts.fct_page_transitions",
    "usage_marts.fct_event_transitions",
)
# Bookkeeping of the incremental runs themselves: which session a row belonged to before the run
# that last wrote it, and that run's newest input. A full build has no earlier run (null / its
# own newest input), so these two columns are the only ones allowed to differ.
RUN_HISTORY_COLUMNS = ("previous_session_id", "previous_session_started_at", "sessionized_loaded_at")

SESSIONS_SQL = (
    "select person_key, session_started_at, session_ended_at, session_start_date, duration_seconds,"
    " page_view_count, event_count, entry_page_path, exit_page_path, device_type, is_capped, is_bounce"
    " from usage_marts.fct_sessions where person_key = '{person}' order by session_started_at"
)
PAGE_VIEW_COLUMNS = "time_on_page_seconds, previous_page_path, next_page_path, is_entry, is_exit"


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def target_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sessions_target")


@pytest.fixture(scope="module")
def full_build(tmp_path_factory: pytest.TempPathFactory, target_path: Path) -> Path:
    db_path = tmp_path_factory.mktemp("sessions_full") / "warehouse.duckdb"
    load_fixture(str(db_path), dataset=SESSIONS_DATASET)
    run_dbt(BUILD, db_path=db_path, target_path=target_path, dbt_vars=DBT_VARS)
    run_dbt(TEST, db_path=db_path, target_path=target_path, dbt_vars=DBT_VARS)
    return db_path


@pytest.fixture(scope="module")
def incremental_build(tmp_path_factory: pytest.TempPathFactory, target_path: Path) -> dict[str, Any]:
    """Four batches; the states after batches 1 and 3 are kept to show the batches really split
    the cases (sessions first apart, merged by a later run)."""
    db_path = tmp_path_factory.mktemp("sessions_incremental") / "warehouse.duckdb"
    states: dict[int, list[tuple[Any, ...]]] = {}
    previous = None
    for batch, cutoff in enumerate([*CUTOFFS, None], start=1):
        inserted = load_fixture(str(db_path), dataset=SESSIONS_DATASET, loaded_after=previous, loaded_until=cutoff)
        assert sum(inserted.values()) > 0, f"batch {batch} is empty: the cutoffs no longer split the fixture"
        args = BUILD if batch == 1 else ["run", *RUN_SELECTION]
        run_dbt(args, db_path=db_path, target_path=target_path, dbt_vars=DBT_VARS)
        states[batch] = query(
            db_path,
            "select person_key, session_started_at, session_start_date, event_count from usage_marts.fct_sessions"
            " where person_key in ('user:ses_usr_4', 'user:ses_usr_5', 'user:ses_usr_6', 'anon:ses_anon_7',"
            " 'anon:ses_anon_bot') order by 1, 2",
        )
        previous = cutoff
    # The data tests of the sessions models, and the unit test that needs the built table, on the result.
    run_dbt(
        ["test", "--select", "int_sessions__clickstream_events+"],
        db_path=db_path,
        target_path=target_path,
        dbt_vars=DBT_VARS,
    )
    return {"db_path": db_path, "states": states}


@pytest.fixture(params=["full", "incremental"])
def q(request: pytest.FixtureRequest) -> Any:
    db_path = (
        request.getfixturevalue("full_build")
        if request.param == "full"
        else request.getfixturevalue("incremental_build")["db_path"]
    )
    return lambda sql: query(db_path, sql)


def test_gap_of_29_and_31_minutes_and_exactly_30(q: Any) -> None:
    # 10:00 -> 10:29 is 29 min (<= 30: same session, 1740 s); 10:29 -> 11:00 is 31 min (> 30: new session).
    # Next day 09:00 page -> 09:30 track: exactly 30 min, not more than the gap: same session (1800 s);
    # one page view plus another event is not a bounce; the 11:00 single page view is.
    assert q(SESSIONS_SQL.format(person="user:ses_usr_1")) == [
        ("user:ses_usr_1", dt("2026-09-01 10:00:01"), dt("2026-09-01 10:29:01"), date(2026, 9, 1), 1740.0,
         2, 2, "/home", "/reports", "desktop", False, False),
        ("user:ses_usr_1", dt("2026-09-01 11:00:01"), dt("2026-09-01 11:00:01"), date(2026, 9, 1), 0.0,
         1, 1, "/settings", "/settings", "desktop", False, True),
        ("user:ses_usr_1", dt("2026-09-02 09:00:01"), dt("2026-09-02 09:30:01"), date(2026, 9, 2), 1800.0,
         1, 2, "/home", "/home", "desktop", False, False),
    ]  # fmt: skip


def test_campaign_and_referrer_come_from_the_first_event(q: Any) -> None:
    assert q(
        "select referrer, campaign_source, campaign_medium, campaign_name, account_id from usage_marts.fct_sessions"
        " where person_key = 'user:ses_usr_1' order by session_started_at"
    ) == [
        ("https://news.example.com/", "newsletter", "email", "sept", "ses_acc_A"),
        (None, None, None, None, "ses_acc_A"),
        (None, None, None, None, "ses_acc_A"),
    ]


def test_late_event_merges_two_sessions(q: Any) -> None:
    # 09:00, 09:20 | 40 min | 10:00, 10:05; the late 09:40 track is 20 min from both sides: one session
    # 09:00:01 .. 10:05:01 = 65 min = 3900 s, 5 events, 3 page views.
    assert q(SESSIONS_SQL.format(person="user:ses_usr_4")) == [
        ("user:ses_usr_4", dt("2026-09-05 09:00:01"), dt("2026-09-05 10:05:01"), date(2026, 9, 5), 3900.0,
         3, 5, "/home", "/settings", "desktop", False, False),
    ]  # fmt: skip
    # Across midnight: 23:40 | 40 min | 00:20, late 00:00 in between: one session of 40 min that starts
    # on 09-06; no session is left on 09-07.
    assert q(SESSIONS_SQL.format(person="user:ses_usr_5")) == [
        ("user:ses_usr_5", dt("2026-09-06 23:40:01"), dt("2026-09-07 00:20:01"), date(2026, 9, 6), 2400.0,
         2, 3, "/home", "/reports", "desktop", False, False),
    ]  # fmt: skip
    assert q("select count(*) from usage_marts.fct_sessions where session_start_date = '2026-09-07'") == [(0,)]
    assert q("select count(*) from usage_marts.fct_page_views where session_start_date = '2026-09-07'") == [(0,)]


def test_late_events_extend_a_session_at_both_ends(q: Any) -> None:
    # 08:00 page, 08:10 track; late 08:35 track (25 min after 08:10) and late 07:45 page (15 min before
    # 08:00): 07:45:01 .. 08:35:01 = 50 min = 3000 s, entry /welcome.
    assert q(SESSIONS_SQL.format(person="user:ses_usr_6")) == [
        ("user:ses_usr_6", dt("2026-09-08 07:45:01"), dt("2026-09-08 08:35:01"), date(2026, 9, 8), 3000.0,
         2, 4, "/welcome", "/home", "desktop", False, False),
    ]  # fmt: skip
    # Time on page: /welcome to the next page view (15 min = 900 s); /home, the last page view, to the
    # session's last later event (08:00 -> 08:35 = 2100 s).
    assert q(
        f"select page_path, page_view_number, {PAGE_VIEW_COLUMNS}"
        " from usage_marts.fct_page_views where person_key = 'user:ses_usr_6' order by page_view_number"
    ) == [("/welcome", 1, 900.0, None, "/home", True, False), ("/home", 2, 2100.0, "/welcome", None, False, True)]


def test_identified_visitor_sessions_move_to_the_user(q: Any) -> None:
    # The anonymous 12:00 and 12:05 pages and the user's 12:10 page: one session of the user, 600 s,
    # attributed to the user's account; nothing is left with the anonymous person.
    assert q(
        "select person_key, user_id, anonymous_id, account_id, session_started_at, duration_seconds, page_view_count,"
        " entry_page_path, exit_page_path from usage_marts.fct_sessions where session_start_date = '2026-09-09'"
    ) == [
        ("user:ses_usr_7", "ses_usr_7", "ses_anon_7", "ses_acc_B", dt("2026-09-09 12:00:01"), 600.0, 3,
         "/pricing", "/home"),
    ]  # fmt: skip
    assert q(f"select count(*) from {INT_TABLE} where person_key = 'anon:ses_anon_7'") == [(0,)]


def test_bot_run_is_cut_into_capped_sessions(q: Any) -> None:
    # One run 00:00 .. 10:00 (600 min, calls every 20 min). Chunk = floor(minutes since run start / 480):
    # 00:00 .. 07:40 (24 calls, 460 min = 27600 s) and 08:00 .. 10:00 (7 calls, 120 min = 7200 s);
    # both capped, device 'bot' from the Googlebot user agent.
    assert q(SESSIONS_SQL.format(person="anon:ses_anon_bot")) == [
        ("anon:ses_anon_bot", dt("2026-09-10 00:00:01"), dt("2026-09-10 07:40:01"), date(2026, 9, 10), 27600.0,
         24, 24, "/docs", "/docs", "bot", True, False),
        ("anon:ses_anon_bot", dt("2026-09-10 08:00:01"), dt("2026-09-10 10:00:01"), date(2026, 9, 10), 7200.0,
         7, 7, "/docs", "/docs", "bot", True, False),
    ]  # fmt: skip
    assert q(
        f"select count(distinct run_started_at), max(run_chunk_number) from {INT_TABLE}"
        " where person_key = 'anon:ses_anon_bot'"
    ) == [(1, 1)]


def test_event_numbers_restart_in_each_session_of_a_run(q: Any) -> None:
    # The bot's one run: events numbered 1..24 in its first session (chunk 0) and 1..7 in the
    # second (chunk 1), not 25..31: each session counts from its own first event.
    assert q(
        "select run_chunk_number, min(event_number_in_session), max(event_number_in_session),"
        " count(distinct event_number_in_session), count(*), min(event_at) = min(session_started_at),"
        " count(distinct session_started_at), count(distinct run_started_at)"
        f" from {INT_TABLE} where person_key = 'anon:ses_anon_bot' group by run_chunk_number order by 1"
    ) == [(0, 1, 24, 24, 24, True, 1, 1), (1, 1, 7, 7, 7, True, 1, 1)]


def test_page_sequence_time_on_page(q: Any) -> None:
    # ses_usr_2: /home 14:00, /reports 14:02, (tracks 14:02:30, 14:05), /dashboards 14:10, (track 14:12).
    # /home 120 s to /reports; /reports 480 s to /dashboards; /dashboards: last page view, 120 s to the
    # 14:12 track.
    assert q(
        f"select page_view_number, page_path, {PAGE_VIEW_COLUMNS}"
        " from usage_marts.fct_page_views where person_key = 'user:ses_usr_2' order by page_view_number"
    ) == [
        (1, "/home", 120.0, None, "/reports", True, False),
        (2, "/reports", 480.0, "/home", "/dashboards", False, False),
        (3, "/dashboards", 120.0, "/reports", None, False, True),
    ]
    # A single page view with no later event has no time on page.
    assert q(
        "select time_on_page_seconds, is_entry, is_exit from usage_marts.fct_page_views"
        " where event_id = 'segment_page:ses_p_a3'"
    ) == [(None, True, True)]


def test_page_transitions(q: Any) -> None:
    # 09-03: ses_usr_2 /home > /reports > /dashboards > exit; ses_usr_3 /home > /reports > /home > /reports > exit.
    # /home -> /reports: 1 + 2 = 3 transitions in 2 sessions.
    assert q(
        "select from_page_path, to_page_path, transition_count, session_count from usage_marts.fct_page_transitions"
        " where session_start_date = '2026-09-03' order by 1, 2"
    ) == [
        ("/dashboards", "(exit)", 1, 1),
        ("/home", "/reports", 3, 2),
        ("/reports", "(exit)", 1, 1),
        ("/reports", "/dashboards", 1, 1),
        ("/reports", "/home", 1, 1),
    ]


def test_event_transitions_and_median(q: Any) -> None:
    # Page: /home -> Page: /reports: ses_usr_2 120 s, ses_usr_3 60 s and 60 s: median 60 s.
    # Page: /reports -> Report Viewed 30 s; Report Viewed -> Filter Applied 150 s; Filter Applied ->
    # Page: /dashboards 300 s; Page: /dashboards -> Dashboard Viewed 120 s; then the session ends.
    assert q(
        "select from_action, to_action, transition_count, session_count, median_seconds_to_next_action"
        " from usage_marts.fct_event_transitions where session_start_date = '2026-09-03' order by 1, 2"
    ) == [
        ("Dashboard Viewed", "(session end)", 1, 1, None),
        ("Filter Applied", "Page: /dashboards", 1, 1, 300.0),
        ("Page: /dashboards", "Dashboard Viewed", 1, 1, 120.0),
        ("Page: /home", "Page: /reports", 3, 2, 60.0),
        ("Page: /reports", "(session end)", 1, 1, None),
        ("Page: /reports", "Page: /home", 1, 1, 60.0),
        ("Page: /reports", "Report Viewed", 1, 1, 30.0),
        ("Report Viewed", "Filter Applied", 1, 1, 150.0),
    ]


def test_totals(q: Any) -> None:
    # Sessions: ses_usr_1 3, ses_usr_2 1, ses_usr_3 1, ses_usr_4 1, ses_usr_5 1, ses_usr_6 1, ses_usr_7 1,
    # bot 2 = 11. Events: 52 pages + 9 tracks = 61; page views 52.
    assert q("select count(*), sum(event_count), sum(page_view_count) from usage_marts.fct_sessions") == [(11, 61, 52)]
    assert q(f"select count(*), count(distinct session_id) from {INT_TABLE}") == [(61, 11)]
    assert q("select count(*) from usage_marts.fct_page_views") == [(52,)]


def test_batches_split_the_cases(incremental_build: dict[str, Any]) -> None:
    """Guards the equality test below: after batch 1 the sessions that later runs merge are apart."""
    states = incremental_build["states"]
    assert states[1] == [
        ("anon:ses_anon_7", dt("2026-09-09 12:00:01"), date(2026, 9, 9), 2),
        # The bot's first 19 calls (00:00 .. 06:00): one capped-to-be run, not yet over the cap.
        ("anon:ses_anon_bot", dt("2026-09-10 00:00:01"), date(2026, 9, 10), 19),
        ("user:ses_usr_4", dt("2026-09-05 09:00:01"), date(2026, 9, 5), 2),
        ("user:ses_usr_4", dt("2026-09-05 10:00:01"), date(2026, 9, 5), 2),
        ("user:ses_usr_5", dt("2026-09-06 23:40:01"), date(2026, 9, 6), 1),
        ("user:ses_usr_5", dt("2026-09-07 00:20:01"), date(2026, 9, 7), 1),
        ("user:ses_usr_6", dt("2026-09-08 08:00:01"), date(2026, 9, 8), 2),
    ]
    # After batch 3: ses_usr_5 merged (09-07 emptied), ses_usr_6 starts at 07:45, the visitor still anonymous.
    assert states[3] == [
        ("anon:ses_anon_7", dt("2026-09-09 12:00:01"), date(2026, 9, 9), 2),
        ("anon:ses_anon_bot", dt("2026-09-10 00:00:01"), date(2026, 9, 10), 24),
        ("anon:ses_anon_bot", dt("2026-09-10 08:00:01"), date(2026, 9, 10), 7),
        ("user:ses_usr_4", dt("2026-09-05 09:00:01"), date(2026, 9, 5), 5),
        ("user:ses_usr_5", dt("2026-09-06 23:40:01"), date(2026, 9, 6), 3),
        ("user:ses_usr_6", dt("2026-09-08 07:45:01"), date(2026, 9, 8), 4),
    ]


def test_previous_session_start_says_which_sessions_changed(incremental_build: dict[str, Any]) -> None:
    # ses_usr_4 was last sessionized in batch 2: the late track is new (null); the 10:00 page and 10:05
    # track belonged to the session that started 10:00:01; the first two stay in the 09:00:01 session.
    assert query(
        incremental_build["db_path"],
        f"select event_id, session_started_at, previous_session_started_at from {INT_TABLE}"
        " where person_key = 'user:ses_usr_4' order by event_at",
    ) == [
        ("segment_page:ses_p_d1", dt("2026-09-05 09:00:01"), dt("2026-09-05 09:00:01")),
        ("segment_page:ses_p_d2", dt("2026-09-05 09:00:01"), dt("2026-09-05 09:00:01")),
        ("segment_track:ses_t_d5", dt("2026-09-05 09:00:01"), None),
        ("segment_page:ses_p_d3", dt("2026-09-05 09:00:01"), dt("2026-09-05 10:00:01")),
        ("segment_track:ses_t_d4", dt("2026-09-05 09:00:01"), dt("2026-09-05 10:00:01")),
    ]
    # The session each row was in before: the same one for d1 and d2, the 10:00:01 session (merged away) for d3
    # and d4, none for the new d5.
    assert query(
        incremental_build["db_path"],
        f"select event_id, previous_session_id = session_id from {INT_TABLE}"
        " where person_key = 'user:ses_usr_4' order by event_at",
    ) == [
        ("segment_page:ses_p_d1", True),
        ("segment_page:ses_p_d2", True),
        ("segment_track:ses_t_d5", None),
        ("segment_page:ses_p_d3", False),
        ("segment_track:ses_t_d4", False),
    ]
    # Persons no batch after the first touched keep the first run's state.
    assert query(
        incremental_build["db_path"],
        f"select count(*) from {INT_TABLE}"
        " where person_key = 'user:ses_usr_1' and previous_session_started_at is not null",
    ) == [(0,)]


def test_incremental_batches_equal_full_build(full_build: Path, incremental_build: dict[str, Any]) -> None:
    incremental = incremental_build["db_path"]
    for table in MARTS:
        assert table_rows(incremental, table) == table_rows(full_build, table), f"{table} differs from a full build"
    columns = [
        name
        for (name,) in query(
            full_build,
            "select column_name from information_schema.columns"
            " where table_schema = 'usage_intermediate' and table_name = 'int_sessions__clickstream_events'"
            " order by ordinal_position",
        )
        if name not in RUN_HISTORY_COLUMNS
    ]
    compared = f"select {', '.join(columns)} from {INT_TABLE} order by all"
    assert len(columns) > 20
    assert query(incremental, compared) == query(full_build, compared)


def test_a_full_build_marks_each_session_with_its_newest_load(full_build: Path) -> None:
    """The session marts read the rows written since their watermark as whole sessions: every row of
    a session carries its newest loaded_at. ses_usr_4's 09:00 session holds events of three batches."""
    assert query(
        full_build,
        f"select event_id, loaded_at < sessionized_loaded_at from {INT_TABLE}"
        " where person_key = 'user:ses_usr_4' order by event_at",
    ) == [
        ("segment_page:ses_p_d1", True),
        ("segment_page:ses_p_d2", True),
        ("segment_track:ses_t_d5", False),
        ("segment_page:ses_p_d3", True),
        ("segment_track:ses_t_d4", True),
    ]
    assert query(
        full_build,
        f"select count(*) from (select session_id from {INT_TABLE} group by session_id"
        " having count(distinct sessionized_loaded_at) > 1 or max(sessionized_loaded_at) <> max(loaded_at)) as split",
    ) == [(0,)]


def test_a_session_with_two_load_marks_fails_its_data_test(full_build: Path, target_path: Path, tmp_path: Path) -> None:
    broken = tmp_path / "warehouse.duckdb"
    shutil.copy(full_build, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute(
            f"update {INT_TABLE} set sessionized_loaded_at = sessionized_loaded_at - interval 1 hour"
            " where event_id = 'segment_page:ses_p_d2'"
        )
    selection = ["test", "--select", "int_sessions__clickstream_events,test_name:same_within_group"]
    failure = r"same_within_group_int_sessions__clickstream_events\S*.*\n.*Got 1 result"
    with pytest.raises(DbtCommandError, match=failure):
        run_dbt(selection, db_path=broken, target_path=target_path, dbt_vars=DBT_VARS)
    run_dbt(selection, db_path=full_build, target_path=target_path, dbt_vars=DBT_VARS)
