"""How people use Brightlane, as Segment calls: sessions, logins, signups and visitors.

* Each user is active on a day with a chance that follows the weekday (weekends are quiet),
  the account's engagement (onboarding ramp, growth, decline, churn) and the user's own habits.
* An active day is a session of page views and track events: it opens on an entry page
  (sometimes from a marketing campaign), and features appear only once the account has
  adopted them (search in the first days, exports and sharing weeks later, automation tests
  only after the first automation rule exists).
* Logins identify the user and re-send the group call; signups and accepted invitations
  identify the browser that browsed anonymously before, so earlier page views can be joined.
* Onboarding steps and API key creation are tracked when the app records them.
* Quirks: offline devices send a day's calls in one late batch, a few calls use event names the
  product never registered, and a few "Report Shared" payloads carry the recipient's email.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from usage_warehouse.demo import catalog, vocab
from usage_warehouse.demo.calls import GROUP, IDENTIFY, PAGE, TRACK, Calls
from usage_warehouse.demo.config import NEVER, US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND, GeneratorConfig
from usage_warehouse.demo.population import (
    DORMANT,
    MAX_CHANGES,
    MILESTONES,
    WEEKDAY_ACTIVITY,
    Population,
    at_local_hour,
    weekday,
)
from usage_warehouse.demo.rand import F64, I64, choice_index, days_alive, group_positions, lognormal, stream

N_EXTERNAL_REFERRERS = len(vocab.EXTERNAL_REFERRERS)
REFERRERS: tuple[str, ...] = tuple(r for r, _ in vocab.EXTERNAL_REFERRERS) + tuple(v.url for v in catalog.PAGE_VARIANTS)
PII_OPTION_BASE = len(catalog.OPTIONS)  # track payload codes from here on carry an email address

LATE_SHARE_OFFLINE_DEVICE = 0.05
LATE_SHARE_OTHER_DEVICE = 0.002
UNMAPPED_SHARE = 0.003
PII_SHARE_OF_SHARES = 0.04
CAMPAIGN_SHARE = 0.08
_UNMAPPED_SOURCES = (catalog.TYPE_INDEX["Dashboard Viewed"], catalog.TYPE_INDEX["Filter Applied"])
_ONBOARDING_STEP_OF_MILESTONE = {
    "report": "create_report",
    "integration": "connect_integration",
    "invite": "invite_teammate",
    "import": "import_data",
    "automation": "create_automation",
}


@dataclass(frozen=True)
class MilestoneActors:
    """Who reached each onboarding milestone (from the app records), -1 if nobody yet."""

    user: I64  # (accounts, len(MILESTONES))


@dataclass(frozen=True)
class ActiveDays:
    """One row per (user, day) on which the user used the product."""

    user: I64
    account: I64
    device: I64
    start_us: I64  # session start
    calls: I64
    late_delay_us: I64  # 0: sent right away; otherwise the day's calls are sent this long after the last one


def build_calls(cfg: GeneratorConfig, pop: Population, actors: MilestoneActors) -> Calls:
    """Every Segment call of the dataset, before delivery (no duplicates, true times)."""
    rng = stream(cfg.seed, "activity")
    days = active_days(cfg, pop, rng)
    parts = [
        session_calls(cfg, pop, days, adoption_times(cfg, pop), rng),
        login_calls(pop, days, rng),
        signup_calls(pop),
        presignup_calls(pop, rng),
        visitor_calls(cfg, pop, rng),
        milestone_calls(pop, actors, rng),
    ]
    return Calls.concat([_within_period(cfg, part) for part in parts])


def _within_period(cfg: GeneratorConfig, calls: Calls) -> Calls:
    inside = (calls.time_us >= cfg.start_us) & (calls.time_us < cfg.as_of_us)
    return calls if inside.all() else calls.take(np.flatnonzero(inside))


def adoption_times(cfg: GeneratorConfig, pop: Population) -> I64:
    """(accounts, event types): from when each account uses each feature (NEVER: not at all)."""
    rng = stream(cfg.seed, "adoption")
    acc = pop.accounts
    adoption = np.repeat(acc.created_us[:, None], catalog.N_TYPES, axis=1)
    dormant = acc.lifecycle == DORMANT
    for i, event_type in enumerate(catalog.EVENT_TYPES):
        if event_type.requires is not None:
            adoption[:, i] = acc.milestone_us[:, MILESTONES.index(event_type.requires)]
        elif event_type.adoption is not None:
            days = lognormal(rng, event_type.adoption.median_days, 0.9, acc.n) * acc.speed
            never = rng.random(acc.n) < event_type.adoption.never_share + 0.3 * dormant
            adoption[:, i] = np.where(never, NEVER, acc.created_us + (days * US_PER_DAY).astype(np.int64))
    return adoption


def active_days(cfg: GeneratorConfig, pop: Population, rng: np.random.Generator) -> ActiveDays:
    """The days each user was active, how many calls they made, on which device, and when."""
    users, acc = pop.users, pop.accounts
    user, day_start = days_alive(users.join_us, users.end_us, cfg.start_us, cfg.as_of_us)
    account = users.account[user]
    level = acc.engagement(account, day_start + 12 * US_PER_HOUR)
    chance = WEEKDAY_ACTIVITY[weekday(day_start)] * level * users.propensity[user]
    active = np.flatnonzero(rng.random(len(user)) < np.minimum(chance, 0.95))
    user, account, day_start, level = user[active], account[active], day_start[active], level[active]
    n = len(user)
    calls = 1 + rng.poisson(users.intensity[user] * cfg.scale * (0.5 + 0.5 * np.minimum(level, 1.2)))
    start = at_local_hour(acc.country[account], day_start, np.clip(rng.normal(10.5, 2.2, n), 6.0, 20.0))
    device = _device_of_the_day(pop, user, rng)
    late_share = np.where(pop.devices.offline_prone[device], LATE_SHARE_OFFLINE_DEVICE, LATE_SHARE_OTHER_DEVICE)
    delay = np.clip(lognormal(rng, 8 * US_PER_HOUR, 1.0, n), 90 * US_PER_MINUTE, 6 * US_PER_DAY)
    late_delay = np.where(rng.random(n) < late_share, delay, 0).astype(np.int64)
    return ActiveDays(user, account, device, start, calls.astype(np.int64), late_delay)


def _device_of_the_day(pop: Population, user: I64, rng: np.random.Generator) -> I64:
    """Mostly the main device; now and then another of the user's devices."""
    per_user = np.bincount(pop.devices.user[pop.devices.user >= 0], minlength=pop.users.n)[user]
    other = 1 + (rng.random(len(user)) * (per_user - 1)).astype(np.int64)
    use_other = (per_user > 1) & (rng.random(len(user)) < 0.2)
    return pop.devices.primary_of_user[user] + np.where(use_other, other, 0)


def session_calls(
    cfg: GeneratorConfig, pop: Population, days: ActiveDays, adoption: I64, rng: np.random.Generator
) -> Calls:
    """The pages and tracks of every active day."""
    day = np.repeat(np.arange(len(days.user), dtype=np.int64), days.calls)
    position = group_positions(days.calls)
    time = days.start_us[day] + _offsets_in_session(rng, position)
    last_call = np.maximum.reduceat(time, np.cumsum(days.calls) - days.calls) if len(time) else time
    inside = np.flatnonzero((time < pop.users.end_us[days.user[day]]) & (time >= cfg.start_us))
    day, position, time = day[inside], position[inside], time[inside]
    n = len(day)
    account, user = days.account[day], days.user[day]
    etype = choice_index(rng, catalog.session_type_weights(), n)
    entry = np.flatnonzero(position == 0)
    etype[entry] = _entry_pages(rng, len(entry))
    etype = np.where(adoption[account, etype] <= time, etype, catalog.FALLBACK_TYPE)
    etype = _unmapped_names(rng, etype)
    is_page = etype < catalog.N_PAGES
    local = catalog.sample_options(rng, etype)
    payload = np.where(is_page, -1, (catalog.OPTION_OFFSET[etype] + local) * 2)
    campaign = np.full(n, -1, np.int64)
    campaign[entry] = np.where(
        is_page[entry] & (rng.random(len(entry)) < CAMPAIGN_SHARE),
        rng.integers(0, len(vocab.CAMPAIGNS), len(entry)),
        -1,
    )
    late = days.late_delay_us[day]
    prompt = time + (0.2 * US_PER_SECOND + rng.exponential(1.5, n) * US_PER_SECOND).astype(np.int64)
    return Calls(
        kind=np.where(is_page, PAGE, TRACK),
        etype=etype,
        payload=_emails_in_shares(rng, pop, etype, account, time, payload),
        account=account,
        user=user,
        device=days.device[day],
        variant=_variants(rng, etype, local),
        referrer=_referrers(rng, position),
        campaign=campaign,
        time_us=time,
        send_us=np.where(late > 0, last_call[day] + late, prompt),
    )


def _offsets_in_session(rng: np.random.Generator, position: I64) -> I64:
    """Seconds between clicks, with an occasional break of an hour or two."""
    n = len(position)
    short = 2 * US_PER_SECOND + rng.exponential(40.0, n) * US_PER_SECOND
    long = 5 * US_PER_MINUTE + rng.exponential(75.0, n) * US_PER_MINUTE
    gaps = np.where(position == 0, 0, np.where(rng.random(n) < 0.07, long, short)).astype(np.int64)
    total = np.cumsum(gaps)
    starts = np.flatnonzero(position == 0)
    return total - np.repeat(total[starts], np.diff(np.append(starts, n)))


def _entry_pages(rng: np.random.Generator, n: int) -> I64:
    names = list(catalog.ENTRY_PAGE_WEIGHTS)
    picks = choice_index(rng, list(catalog.ENTRY_PAGE_WEIGHTS.values()), n)
    return np.array([catalog.TYPE_INDEX[name] for name in names], np.int64)[picks]


def _variants(rng: np.random.Generator, etype: I64, local: I64) -> I64:
    """The page a call was made on: the page itself, or the page a track fires on (-1 server side)."""
    page = catalog.PAGE_OF_TYPE[etype]
    on_page = np.where(page >= 0, page, 0)
    any_variant = (rng.random(len(etype)) * catalog.VARIANT_COUNT[on_page]).astype(np.int64)
    variant = catalog.VARIANT_OFFSET[on_page] + np.where(etype < catalog.N_PAGES, local, any_variant)
    return np.where(page >= 0, variant, -1)


def _referrers(rng: np.random.Generator, position: I64) -> I64:
    """Entry calls come from outside (or nowhere); later ones from another page of the app."""
    referrer = N_EXTERNAL_REFERRERS + rng.integers(0, len(catalog.PAGE_VARIANTS), len(position))
    entry = np.flatnonzero(position == 0)
    referrer[entry] = choice_index(rng, [w for _, w in vocab.EXTERNAL_REFERRERS], len(entry))
    return referrer


def _unmapped_names(rng: np.random.Generator, etype: I64) -> I64:
    """A few experimental events the product never registered in its tracking plan."""
    renamed = np.isin(etype, _UNMAPPED_SOURCES) & (rng.random(len(etype)) < UNMAPPED_SHARE)
    replacement = np.array(catalog.UNMAPPED_TYPES, np.int64)[rng.integers(0, len(catalog.UNMAPPED_TYPES), len(etype))]
    return np.where(renamed, replacement, etype)


def _emails_in_shares(
    rng: np.random.Generator, pop: Population, etype: I64, account: I64, time: I64, payload: I64
) -> I64:
    """Some "Report Shared" calls by email put the recipient's address into the payload."""
    leaks = np.flatnonzero(
        (etype == catalog.TYPE_INDEX["Report Shared"]) & (rng.random(len(etype)) < PII_SHARE_OF_SHARES)
    )
    recipient = pop.users.pick_member(rng, account[leaks], time[leaks], owner_share=0.3)
    leaked = payload.copy()
    leaked[leaks] = (PII_OPTION_BASE + recipient) * 2
    return leaked


def login_calls(pop: Population, days: ActiveDays, rng: np.random.Generator) -> Calls:
    """On some days a login re-identifies the user and re-sends the account group call."""
    home = int(catalog.VARIANT_OFFSET[catalog.TYPE_INDEX["Home"]])
    parts = []
    for kind, share, lead in ((IDENTIFY, 0.10, 3), (GROUP, 0.04, 2)):
        picked = np.flatnonzero(rng.random(len(days.user)) < share)
        user, account, time = days.user[picked], days.account[picked], days.start_us[picked] - lead * US_PER_SECOND
        parts.append(
            Calls.of(
                kind,
                time,
                payload=_traits_code(pop, kind, user, account, time),
                account=account,
                user=user,
                device=days.device[picked],
                variant=np.full(len(picked), home),
                referrer=np.zeros(len(picked), np.int64),
            )
        )
    return Calls.concat(parts)


def signup_calls(pop: Population) -> Calls:
    """Signing up or accepting an invitation identifies the browser and joins the account group."""
    users = pop.users
    user = np.arange(users.n, dtype=np.int64)
    home = np.full(users.n, int(catalog.VARIANT_OFFSET[catalog.TYPE_INDEX["Home"]]))
    parts = []
    for kind, lag in ((IDENTIFY, 2), (GROUP, 4)):
        time = users.join_us + lag * US_PER_SECOND
        parts.append(
            Calls.of(
                kind,
                time,
                payload=_traits_code(pop, kind, user, users.account, time),
                account=users.account,
                user=user,
                device=pop.devices.primary_of_user,
                variant=home,
                referrer=np.zeros(users.n, np.int64),
            )
        )
    return Calls.concat(parts)


def _traits_code(pop: Population, kind: int, user: I64, account: I64, time: I64) -> I64:
    """Identify traits: the user and their plan then; group traits: the account and its plan then."""
    state = pop.accounts.changes_applied(account, time)
    return (user if kind == IDENTIFY else account) * (MAX_CHANGES + 1) + state


def presignup_calls(pop: Population, rng: np.random.Generator) -> Calls:
    """Anonymous page views on the browser someone later signs up or accepts an invitation with."""
    users = pop.users
    browsed = np.flatnonzero(rng.random(users.n) < np.where(users.ordinal == 0, 0.75, 0.40))
    views = np.minimum(1 + rng.poisson(1.2, len(browsed)), 5)
    owner = users.ordinal[browsed] == 0
    # Owners compare plans for a day or so before signing up; invitees click the link minutes before.
    lead = np.where(
        owner, lognormal(rng, 20 * US_PER_HOUR, 1.0, len(browsed)), lognormal(rng, 6 * US_PER_MINUTE, 0.8, len(browsed))
    )
    user, position = np.repeat(browsed, views), group_positions(views)
    before_join = np.repeat(lead, views) * (1 - position / np.repeat(views, views))
    time = users.join_us[user] - 5 * US_PER_SECOND - before_join.astype(np.int64)
    return _anonymous_pages(
        rng,
        time,
        position,
        users.account[user],
        pop.devices.primary_of_user[user],
        np.repeat(np.where(owner, 0.3, 0.0), views),
    )


def visitor_calls(cfg: GeneratorConfig, pop: Population, rng: np.random.Generator) -> Calls:
    """People who look at a few pages and never sign up."""
    visitors = np.flatnonzero(pop.devices.user < 0)
    views = 1 + rng.poisson(1.0, len(visitors))
    device = np.repeat(visitors, views)
    position = group_positions(views)
    first = cfg.start_us + (rng.random(len(visitors)) * cfg.days * US_PER_DAY).astype(np.int64)
    time = np.repeat(first, views) + position * (30 * US_PER_SECOND + rng.integers(0, 120, len(device)) * US_PER_SECOND)
    return _anonymous_pages(rng, time, position, np.full(len(device), -1, np.int64), device, np.full(len(device), 0.25))


def _anonymous_pages(
    rng: np.random.Generator, time: I64, position: I64, account: I64, device: I64, campaign_share: F64
) -> Calls:
    n = len(time)
    public = np.array([catalog.TYPE_INDEX[p] for p in ("Home", "Integrations", "Automations")], np.int64)
    etype = np.where(position == 0, public[0], public[choice_index(rng, (0.5, 0.25, 0.25), n)])
    campaign: I64 = np.where(
        (position == 0) & (rng.random(n) < campaign_share), rng.integers(0, len(vocab.CAMPAIGNS), n), -1
    )
    return Calls.of(
        PAGE,
        time,
        time + US_PER_SECOND,
        etype=etype,
        account=account,
        device=device,
        variant=_variants(rng, etype, catalog.sample_options(rng, etype)),
        referrer=_referrers(rng, position),
        campaign=campaign,
    )


def milestone_calls(pop: Population, actors: MilestoneActors, rng: np.random.Generator) -> Calls:
    """ "Onboarding Step Completed" when the app records a milestone; "API Key Created" from the backend."""
    acc, users = pop.accounts, pop.users
    step_type = catalog.TYPE_INDEX["Onboarding Step Completed"]
    steps = [(users.owner_of, acc.created_us + 90 * US_PER_SECOND, "complete_profile")]
    for milestone, step in _ONBOARDING_STEP_OF_MILESTONE.items():
        column = MILESTONES.index(milestone)
        steps.append((actors.user[:, column], acc.milestone_us[:, column] + 2 * US_PER_SECOND, step))
    parts = []
    for user, time, step in steps:
        done = np.flatnonzero((user >= 0) & (time < NEVER))
        code = catalog.option_code(step_type, {"step": step}) * 2
        parts.append(
            Calls.of(
                TRACK,
                time[done],
                etype=np.full(len(done), step_type),
                payload=np.full(len(done), code),
                account=done,
                user=user[done],
                device=pop.devices.primary_of_user[user[done]],
                variant=np.full(len(done), int(catalog.VARIANT_OFFSET[0])),
                referrer=np.full(len(done), N_EXTERNAL_REFERRERS),
            )
        )
    parts.append(_api_key_calls(pop, actors, rng))
    return Calls.concat(parts)


def _api_key_calls(pop: Population, actors: MilestoneActors, rng: np.random.Generator) -> Calls:
    api_type = catalog.TYPE_INDEX["API Key Created"]
    column = MILESTONES.index("api")
    account = np.flatnonzero(actors.user[:, column] >= 0)
    time = pop.accounts.milestone_us[account, column]
    local = catalog.sample_options(rng, np.full(len(account), api_type))
    return Calls.of(
        TRACK,
        time,
        time + 50 * 1000,
        etype=np.full(len(account), api_type),
        payload=(catalog.OPTION_OFFSET[api_type] + local) * 2,
        account=account,
        user=actors.user[account, column],
    )
