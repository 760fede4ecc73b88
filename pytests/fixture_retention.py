"""Hand-made raw dataset for the retention marts (pytests/test_retention.py). As-of 2026-07-15 (a Wednesday).

Weeks start on Monday. A member's periods count from their own cohort date: week period n = days [7n, 7n + 7),
month period n = [date + n months, date + n + 1 months). Active use = an is_active_use event by a user with an
account ("Dashboard Viewed" -> dashboards, "Chart Created" -> charts).

ret_acc_a (signup Mon 05-04), users signing up in the week of 05-04:
  ret_u1 signup Mon 05-04, active 05-04, 05-11, 05-18, 05-25, 06-04, 07-14
  ret_u2 signup Tue 05-05, active 05-11, 05-19, 06-04
  ret_u3 signup Thu 05-07, active 05-07, 05-14 (delivered 30 days late), 07-06
  ret_u4 signup Sun 05-10, active only on 05-09, the day before their signup (ignored: never retained)
ret_acc_c (signup Wed 05-06): no user activity; one report created by the API (no user) on 05-20, which is active
  use of the account but by no user, so the account is never active.
ret_acc_b (signup Wed 05-27), users ret_u5 (signup 05-27) and ret_u6 (signup 05-28):
  ret_u5 charts 06-01 (first use), dashboards only on 06-08, charts 06-15
  ret_u6 charts 06-03 (first use), charts 06-10
ret_u9 is unknown to the app database (no signup date); a group call puts them in ret_acc_b; dashboards 06-02.

App rows land an hour after they are created; Segment calls ten minutes after they happen (ret_u3's 05-14 call 30
days late), so load batches cut at CUTOFFS split the history and restate earlier days.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fixture_data import Row, segment_call, ts

AS_OF = "2026-07-15"

CUTOFFS = [ts("2026-05-20 00:00:00"), ts("2026-06-12 00:00:00")]


def _app_row(created_at: str, **columns: Any) -> Row:
    created = ts(created_at)
    return {**columns, "created_at": created, "updated_at": created, "_loaded_at": created + timedelta(hours=1)}


def _account(account_id: str, created_at: str) -> Row:
    return _app_row(
        created_at,
        id=account_id,
        name=account_id,
        plan="team",
        seats=5,
        industry="software",
        country="DE",
    )


def _user(user_id: str, account_id: str, created_at: str) -> Row:
    return _app_row(
        created_at,
        id=user_id,
        account_id=account_id,
        email=f"{user_id}@example.com",
        full_name=user_id,
        role="member",
    )


_EVENT_NAMES = {"dashboards": "Dashboard Viewed", "charts": "Chart Created"}


def _track(user_id: str, day: str, feature: str, *, late_days: int = 0) -> Row:
    return segment_call(
        f"ret_{user_id}_{feature}_{day}",
        f"{day} 12:00:00",
        user_id=user_id,
        event=_EVENT_NAMES[feature],
        loaded_after=timedelta(minutes=10) + timedelta(days=late_days),
    )


_ACTIVITY: list[tuple[str, str, str]] = [
    ("ret_u1", "2026-05-04", "dashboards"),
    ("ret_u1", "2026-05-11", "dashboards"),
    ("ret_u1", "2026-05-18", "dashboards"),
    ("ret_u1", "2026-05-25", "dashboards"),
    ("ret_u1", "2026-06-04", "dashboards"),
    ("ret_u1", "2026-07-14", "dashboards"),
    ("ret_u2", "2026-05-11", "dashboards"),
    ("ret_u2", "2026-05-19", "dashboards"),
    ("ret_u2", "2026-06-04", "dashboards"),
    ("ret_u3", "2026-05-07", "dashboards"),
    ("ret_u3", "2026-07-06", "dashboards"),
    ("ret_u4", "2026-05-09", "dashboards"),
    ("ret_u5", "2026-06-01", "charts"),
    ("ret_u5", "2026-06-08", "dashboards"),
    ("ret_u5", "2026-06-15", "charts"),
    ("ret_u6", "2026-06-03", "charts"),
    ("ret_u6", "2026-06-10", "charts"),
    ("ret_u9", "2026-06-02", "dashboards"),
]

TRACKS: list[Row] = [
    *(_track(user_id, day, feature) for user_id, day, feature in _ACTIVITY),
    # Delivered 30 days late (loaded 06-13): lands in the last batch and restates 05-14.
    _track("ret_u3", "2026-05-14", "dashboards", late_days=30),
]

GROUPS: list[Row] = [
    segment_call("ret_g9", "2026-06-02 11:00:00", user_id="ret_u9", group_id="ret_acc_b", traits='{"name": "B"}'),
]

ACCOUNTS: list[Row] = [
    _account("ret_acc_a", "2026-05-04 09:00:00"),
    _account("ret_acc_c", "2026-05-06 09:00:00"),
    _account("ret_acc_b", "2026-05-27 09:00:00"),
]

USERS: list[Row] = [
    _user("ret_u1", "ret_acc_a", "2026-05-04 09:30:00"),
    _user("ret_u2", "ret_acc_a", "2026-05-05 09:30:00"),
    _user("ret_u3", "ret_acc_a", "2026-05-07 09:30:00"),
    _user("ret_u4", "ret_acc_a", "2026-05-10 09:30:00"),
    _user("ret_u5", "ret_acc_b", "2026-05-27 09:30:00"),
    _user("ret_u6", "ret_acc_b", "2026-05-28 09:30:00"),
]

REPORTS: list[Row] = [
    # Created through the API, no user: active use of the account, but no active user.
    _app_row(
        "2026-05-20 12:00:00",
        id="ret_r1",
        account_id="ret_acc_c",
        created_by_user_id=None,
        report_type="funnel",
    ),
]

DATASET: dict[str, list[Row]] = {
    "raw_segment.tracks": TRACKS,
    "raw_segment.groups": GROUPS,
    "raw_app.accounts": ACCOUNTS,
    "raw_app.users": USERS,
    "raw_app.reports": REPORTS,
}
