"""A small hand-made clickstream for the sessions marts (pytests/test_sessions.py).

Every Segment call happens at `at` and is received 1 s later, so its event time is `at` + 1 s
(fixture_data.segment_call). Calls load 10 minutes after they happen unless `loaded=` puts them
in a later batch. The batches (load-time cutoffs in test_sessions.CUTOFFS):

- batch 1 (loaded by 2026-09-11 00:00): everything that arrives on time;
- batch 2 (by 2026-09-11 12:00): ses_usr_4's late event that merges two sessions, ses_usr_6's late
  event that extends a session at its end, the second half of the bot's run;
- batch 3 (by 2026-09-12 12:00): ses_usr_5's late event that merges two sessions across midnight
  (the later session's date, 2026-09-07, is left without sessions), ses_usr_6's late event that
  moves the start of a session earlier;
- batch 4 (the rest): ses_anon_7 identified as ses_usr_7, and ses_usr_7's own page view.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fixture_data import Row, segment_call, ts

BATCH_2_LOADED = "2026-09-11 06:00:00"
BATCH_3_LOADED = "2026-09-12 06:00:00"
BATCH_4_LOADED = "2026-09-13 06:00:00"

DESKTOP_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1)"
BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) Mobile/15E148"


def _loaded_after(at: str, loaded: str | None) -> dict[str, Any]:
    # segment_call: uuid_ts = at + 1 s (received) + loaded_after.
    if loaded is None:
        return {}
    return {"loaded_after": ts(loaded) - ts(at) - timedelta(seconds=1)}


def page(
    message_id: str, at: str, path: str, *, loaded: str | None = None, name: str | None = None, **columns: Any
) -> Row:
    return segment_call(
        message_id,
        at,
        name=name or path,
        path=path,
        context_page_path=path,
        **_loaded_after(at, loaded),
        **columns,
    )


def track(message_id: str, at: str, event: str, *, loaded: str | None = None, **columns: Any) -> Row:
    return segment_call(message_id, at, event=event, **_loaded_after(at, loaded), **columns)


U1 = {"user_id": "ses_usr_1"}
U2 = {"user_id": "ses_usr_2"}
U3 = {"user_id": "ses_usr_3", "context_user_agent": IPHONE_UA}
U4 = {"user_id": "ses_usr_4"}
U5 = {"user_id": "ses_usr_5"}
U6 = {"user_id": "ses_usr_6"}
ANON7 = {"anonymous_id": "ses_anon_7"}
BOT = {"anonymous_id": "ses_anon_bot", "context_user_agent": BOT_UA}

PAGES: list[Row] = [
    # ses_usr_1: 29 minutes apart (same session), then 31 minutes (a new session), from a campaign.
    page(
        "ses_p_a1",
        "2026-09-01 10:00:00",
        "/home",
        referrer="https://news.example.com/",
        context_campaign_source="newsletter",
        context_campaign_medium="email",
        context_campaign_name="sept",
        **U1,
    ),
    page("ses_p_a2", "2026-09-01 10:29:00", "/reports", **U1),
    page("ses_p_a3", "2026-09-01 11:00:00", "/settings", **U1),
    # ses_usr_1 next day: a page and a track exactly 30 minutes later (same session).
    page("ses_p_a4", "2026-09-02 09:00:00", "/home", **U1),
    # ses_usr_2: a page sequence with tracks in between.
    page("ses_p_b1", "2026-09-03 14:00:00", "/home", **U2),
    page("ses_p_b2", "2026-09-03 14:02:00", "/reports", **U2),
    page("ses_p_b3", "2026-09-03 14:10:00", "/dashboards", **U2),
    # ses_usr_3 (iPhone): /home -> /reports twice in one session.
    page("ses_p_c1", "2026-09-03 16:00:00", "/home", **U3),
    page("ses_p_c2", "2026-09-03 16:01:00", "/reports", **U3),
    page("ses_p_c3", "2026-09-03 16:02:00", "/home", **U3),
    page("ses_p_c4", "2026-09-03 16:03:00", "/reports", **U3),
    # ses_usr_4: two sessions 40 minutes apart; a late event in between merges them (batch 2).
    page("ses_p_d1", "2026-09-05 09:00:00", "/home", **U4),
    page("ses_p_d2", "2026-09-05 09:20:00", "/reports", **U4),
    page("ses_p_d3", "2026-09-05 10:00:00", "/settings", **U4),
    # ses_usr_5: two sessions across midnight, merged by a late event (batch 3).
    page("ses_p_e1", "2026-09-06 23:40:00", "/home", **U5),
    page("ses_p_e2", "2026-09-07 00:20:00", "/reports", **U5),
    # ses_usr_6: a session extended at its end (batch 2) and at its start (batch 3).
    page("ses_p_f0", "2026-09-08 07:45:00", "/welcome", loaded=BATCH_3_LOADED, **U6),
    page("ses_p_f1", "2026-09-08 08:00:00", "/home", **U6),
    # ses_anon_7: an anonymous visitor, identified as ses_usr_7 in batch 4.
    page("ses_p_g1", "2026-09-09 12:00:00", "/pricing", **ANON7),
    page("ses_p_g2", "2026-09-09 12:05:00", "/signup", **ANON7),
    page("ses_p_g3", "2026-09-09 12:10:00", "/home", loaded=BATCH_4_LOADED, user_id="ses_usr_7", **ANON7),
    # A bot: a page every 20 minutes from 00:00 to 10:00 (31 calls, one 600-minute run); the
    # calls after 06:00 land in batch 2.
    *[
        page(
            f"ses_p_bot{i:02d}",
            (datetime(2026, 9, 10) + timedelta(minutes=20 * i)).isoformat(sep=" "),
            "/docs",
            loaded=BATCH_2_LOADED if i > 18 else None,
            **BOT,
        )
        for i in range(31)
    ],
]

TRACKS: list[Row] = [
    track("ses_t_a5", "2026-09-02 09:30:00", "Report Viewed", context_page_path="/home", **U1),
    track("ses_t_b4", "2026-09-03 14:02:30", "Report Viewed", context_page_path="/reports", **U2),
    track("ses_t_b5", "2026-09-03 14:05:00", "Filter Applied", context_page_path="/reports", **U2),
    track("ses_t_b6", "2026-09-03 14:12:00", "Dashboard Viewed", context_page_path="/dashboards", **U2),
    track("ses_t_d4", "2026-09-05 10:05:00", "Filter Applied", context_page_path="/settings", **U4),
    # Late (batch 2): 20 minutes after 09:20 and 20 minutes before 10:00.
    track("ses_t_d5", "2026-09-05 09:40:00", "Search Performed", loaded=BATCH_2_LOADED, **U4),
    # Late (batch 3): 20 minutes after 23:40 and 20 minutes before 00:20.
    track("ses_t_e3", "2026-09-07 00:00:00", "Search Performed", loaded=BATCH_3_LOADED, **U5),
    track("ses_t_f2", "2026-09-08 08:10:00", "Dashboard Viewed", context_page_path="/home", **U6),
    # Late (batch 2): 25 minutes after 08:10.
    track("ses_t_f3", "2026-09-08 08:35:00", "Chart Created", loaded=BATCH_2_LOADED, **U6),
]

IDENTIFIES: list[Row] = [
    segment_call(
        "ses_i_g",
        "2026-09-09 12:06:00",
        user_id="ses_usr_7",
        anonymous_id="ses_anon_7",
        **_loaded_after("2026-09-09 12:06:00", BATCH_4_LOADED),
    ),
]

_APP_LOADED = ts("2026-09-01 00:00:00")


def _account(account_id: str) -> Row:
    return {
        "id": account_id,
        "name": account_id,
        "plan": "team",
        "seats": 5,
        "industry": "software",
        "country": "DE",
        "created_at": ts("2026-08-20 10:00:00"),
        "updated_at": ts("2026-08-20 10:00:00"),
        "_loaded_at": _APP_LOADED,
    }


def _user(user_id: str, account_id: str) -> Row:
    return {
        "id": user_id,
        "account_id": account_id,
        "email": f"{user_id}@example.com",
        "full_name": user_id,
        "role": "member",
        "created_at": ts("2026-08-21 10:00:00"),
        "updated_at": ts("2026-08-21 10:00:00"),
        "_loaded_at": _APP_LOADED,
    }


SESSIONS_DATASET: dict[str, list[Row]] = {
    "raw_segment.pages": PAGES,
    "raw_segment.tracks": TRACKS,
    "raw_segment.identifies": IDENTIFIES,
    "raw_app.accounts": [_account("ses_acc_A"), _account("ses_acc_B")],
    "raw_app.users": [
        *[_user(f"ses_usr_{i}", "ses_acc_A") for i in range(1, 7)],
        _user("ses_usr_7", "ses_acc_B"),
    ],
}
