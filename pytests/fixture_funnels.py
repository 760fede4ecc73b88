"""A small hand-made raw dataset for the funnels (seeds/funnels.csv, seeds/funnel_steps.csv).

As-of date 2026-08-31. Three accounts, six users; every id starts with ``fun_``. Segment calls
arrive instantly (received_after 0), so an event's time is exactly the time written here.

report_sharing (window 14 days): 1 Report Created (app record) -> 2 feature report_viewing
(track Report Viewed or page Reports) -> 3 feature report_sharing (track Report Shared).
  fun_u1 (fun_acc_a): report 08-03 10:00; shares 11:00 BEFORE viewing (does not count); views 12:00;
      shares again 08-04 09:00 (step 3). A second report on 08-20 starts no new attempt.
  fun_u2 (fun_acc_a): report 08-04 10:00; shares 11:00 before viewing, never again; Reports page 14:00.
  fun_u3 (fun_acc_b): report 08-05 10:00; views 11:00; never shares.
  fun_u4 (fun_acc_b): shares 08-06 10:00 without a report of their own: no entry as a user, but
      fun_acc_b converts as an account (u3's report and view, u4's share). u4's app record lands late
      (08-20), so incremental runs must restate the share's account.
  fun_u5 (fun_acc_c): report 08-10 10:00; views 11:00; shares 08-25 10:00 = 15 days later: outside.
  fun_u6 (fun_acc_c): report 08-11 09:00; views 09:30; shares 08-25 09:00 = exactly 14 days: inside.

onboarding (window 30 days): 1 Onboarding Step Completed with property step = complete_profile ->
2 Data Imported -> 3 Report Created -> 4 User Invited.
  fun_u1: step "create_report" 08-03 08:00 (filtered out), "complete_profile" 08-10 09:00 (the entry);
      import 08-11 09:00; report 08-20 10:00 (the 08-03 report was before the entry); invites 08-21 10:00.
  fun_u3: "complete_profile" 08-05 09:00, nothing after.

Plans: fun_acc_a is on starter until 08-04 00:00, then team (subscriptions); fun_acc_b business;
fun_acc_c starter (account records, no subscriptions).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fixture_data import Row, segment_call, ts

AS_OF_DATE = "2026-08-31"
_SETUP_LOADED = ts("2026-08-01 00:00:00")

# Load-time cutoff of the incremental batches (the second batch takes the rest): fun_u4's share of
# 08-06 lands in the first batch, fun_u4's app record (loaded 08-20) in the second.
BATCH_CUTOFFS: list[datetime] = [ts("2026-08-12 00:00:00")]


def _account(account_id: str, plan: str) -> Row:
    return {
        "id": account_id,
        "name": account_id,
        "plan": plan,
        "seats": 5,
        "created_at": ts("2026-07-01 10:00:00"),
        "updated_at": ts("2026-07-01 10:00:00"),
        "_loaded_at": _SETUP_LOADED,
    }


def _user(user_id: str, account_id: str, loaded_at: datetime = _SETUP_LOADED) -> Row:
    return {
        "id": user_id,
        "account_id": account_id,
        "email": f"{user_id}@example.com",
        "role": "member",
        "created_at": ts("2026-07-01 10:00:00"),
        "updated_at": ts("2026-07-01 10:00:00"),
        "_loaded_at": loaded_at,
    }


def _subscription(subscription_id: str, plan: str, started_at: str, ended_at: str | None) -> Row:
    return {
        "id": subscription_id,
        "account_id": "fun_acc_a",
        "plan": plan,
        "status": "canceled" if ended_at else "active",
        "seats": 5,
        "mrr_amount": 0,
        "currency": "USD",
        "started_at": ts(started_at),
        "ended_at": ts(ended_at) if ended_at else None,
        "created_at": ts(started_at),
        "updated_at": ts(ended_at or started_at),
        "_loaded_at": _SETUP_LOADED,
    }


def _loaded_an_hour_later(at: str) -> datetime:
    return ts(at) + timedelta(hours=1)


def _report(report_id: str, account_id: str, user_id: str, at: str) -> Row:
    return {
        "id": report_id,
        "account_id": account_id,
        "created_by_user_id": user_id,
        "report_type": "funnel",
        "created_at": ts(at),
        "updated_at": ts(at),
        "_loaded_at": _loaded_an_hour_later(at),
    }


def _track(message_id: str, at: str, user_id: str, event: str, properties: str | None = None) -> Row:
    return segment_call(
        message_id, at, user_id=user_id, event=event, properties=properties, received_after=timedelta(0)
    )


def _page(message_id: str, at: str, user_id: str, name: str) -> Row:
    return segment_call(message_id, at, user_id=user_id, name=name, path="/reports", received_after=timedelta(0))


DATASET: dict[str, list[Row]] = {
    "raw_app.accounts": [
        _account("fun_acc_a", "team"),
        _account("fun_acc_b", "business"),
        _account("fun_acc_c", "starter"),
    ],
    "raw_app.users": [
        _user("fun_u1", "fun_acc_a"),
        _user("fun_u2", "fun_acc_a"),
        _user("fun_u3", "fun_acc_b"),
        _user("fun_u4", "fun_acc_b", loaded_at=ts("2026-08-20 00:00:00")),
        _user("fun_u5", "fun_acc_c"),
        _user("fun_u6", "fun_acc_c"),
    ],
    "raw_app.subscriptions": [
        _subscription("fun_sub_a1", "starter", "2026-07-01 10:00:00", "2026-08-04 00:00:00"),
        _subscription("fun_sub_a2", "team", "2026-08-04 00:00:00", None),
    ],
    "raw_app.reports": [
        _report("fun_r1", "fun_acc_a", "fun_u1", "2026-08-03 10:00:00"),
        _report("fun_r2", "fun_acc_a", "fun_u2", "2026-08-04 10:00:00"),
        _report("fun_r3", "fun_acc_b", "fun_u3", "2026-08-05 10:00:00"),
        _report("fun_r5", "fun_acc_c", "fun_u5", "2026-08-10 10:00:00"),
        _report("fun_r6", "fun_acc_c", "fun_u6", "2026-08-11 09:00:00"),
        _report("fun_r1b", "fun_acc_a", "fun_u1", "2026-08-20 10:00:00"),
    ],
    "raw_app.data_imports": [
        {
            "id": "fun_d1",
            "account_id": "fun_acc_a",
            "user_id": "fun_u1",
            "source_type": "csv",
            "status": "completed",
            "rows_imported": 100,
            "started_at": ts("2026-08-11 08:50:00"),
            "completed_at": ts("2026-08-11 09:00:00"),
            "_loaded_at": _loaded_an_hour_later("2026-08-11 09:00:00"),
        },
    ],
    "raw_app.invitations": [
        {
            "id": "fun_i1",
            "account_id": "fun_acc_a",
            "invited_by_user_id": "fun_u1",
            "invitee_email": "new@example.com",
            "role": "member",
            "created_at": ts("2026-08-21 10:00:00"),
            "_loaded_at": _loaded_an_hour_later("2026-08-21 10:00:00"),
        },
    ],
    "raw_segment.tracks": [
        # report_sharing
        _track("fun_t1", "2026-08-03 11:00:00", "fun_u1", "Report Shared"),
        _track("fun_t2", "2026-08-03 12:00:00", "fun_u1", "Report Viewed"),
        _track("fun_t3", "2026-08-04 09:00:00", "fun_u1", "Report Shared"),
        _track("fun_t4", "2026-08-04 11:00:00", "fun_u2", "Report Shared"),
        _track("fun_t5", "2026-08-05 11:00:00", "fun_u3", "Report Viewed"),
        _track("fun_t6", "2026-08-06 10:00:00", "fun_u4", "Report Shared"),
        _track("fun_t7", "2026-08-10 11:00:00", "fun_u5", "Report Viewed"),
        _track("fun_t8", "2026-08-25 10:00:00", "fun_u5", "Report Shared"),
        _track("fun_t9", "2026-08-11 09:30:00", "fun_u6", "Report Viewed"),
        _track("fun_t10", "2026-08-25 09:00:00", "fun_u6", "Report Shared"),
        # onboarding
        _track("fun_o1", "2026-08-03 08:00:00", "fun_u1", "Onboarding Step Completed", '{"step": "create_report"}'),
        _track("fun_o2", "2026-08-10 09:00:00", "fun_u1", "Onboarding Step Completed", '{"step": "complete_profile"}'),
        _track("fun_o3", "2026-08-05 09:00:00", "fun_u3", "Onboarding Step Completed", '{"step": "complete_profile"}'),
    ],
    "raw_segment.pages": [
        _page("fun_p1", "2026-08-04 14:00:00", "fun_u2", "Reports"),
    ],
}
