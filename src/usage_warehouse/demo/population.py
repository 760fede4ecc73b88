"""Brightlane's customers: accounts, their life stories, their people and their devices.

Every account signs up on a plan with a number of seats and follows one life story:

* steady: ramps up during onboarding, then uses the product at a stable level;
* growing: adds seats (and moves up a plan) once to three times, and more people join;
* declining: activity fades after a point, some people leave, seats may be cut;
* churning: fades, then cancels (the subscription ends; some accounts are deleted later);
* dormant: signed up but never really adopted the product.

Accounts signed up in the last weeks of the period are still onboarding. Onboarding
milestones (first report, integration, invitation, data import, automation rule, API key)
are reached at different times per account, or never.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from usage_warehouse.demo import vocab
from usage_warehouse.demo.columns import join, random_bytes, uuid_strings
from usage_warehouse.demo.config import NEVER, US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, US_PER_SECOND, GeneratorConfig
from usage_warehouse.demo.rand import F64, I64, Bool, choice_index, group_positions, lognormal, stream

STEADY, GROWING, DECLINING, CHURNING, DORMANT = range(5)
LIFECYCLES = ("steady", "growing", "declining", "churning", "dormant")
LIFECYCLE_SHARES = (0.46, 0.20, 0.13, 0.12, 0.09)
MIN_DAYS_FOR_A_STORY = 35  # younger accounts are still onboarding: steady or dormant
MAX_CHANGES = 3

MILESTONES = ("report", "integration", "invite", "import", "automation", "api")
REPORT, INTEGRATION, INVITE, IMPORT, AUTOMATION, API = range(len(MILESTONES))
# Median days after signup (for an account of average onboarding speed) and the share of
# accounts that never get there, per plan (starter, team, business, enterprise).
_MILESTONE_MEDIAN_DAYS = (0.8, 7.0, 2.0, 4.0, 15.0, 20.0)
_MILESTONE_NEVER = (
    (0.08, 0.04, 0.03, 0.02),
    (0.55, 0.30, 0.18, 0.10),
    (0.35, 0.10, 0.04, 0.02),
    (0.45, 0.30, 0.20, 0.15),
    (0.75, 0.45, 0.30, 0.20),
    (0.97, 0.85, 0.60, 0.40),
)
_DORMANT_EXTRA_NEVER = 0.35
_SEAT_LIMITS = ((1, 3), (2, 15), (10, 60), (40, 600))

WEEKDAY_ACTIVITY = np.array([0.78, 0.80, 0.80, 0.76, 0.66, 0.10, 0.07])  # Monday first
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


_UTC_OFFSET_HOURS = np.array([c.utc_offset_hours for c in vocab.COUNTRIES])


def at_local_hour(country: I64, day_us: I64, local_hour: F64) -> I64:
    """The UTC instant of an hour of the local day in each country (``day_us``: the UTC midnight of that date)."""
    return np.asarray(day_us + ((local_hour - _UTC_OFFSET_HOURS[country]) * US_PER_HOUR).astype(np.int64), np.int64)


def weekday(t_us: I64) -> I64:
    """Day of week (Monday = 0) of UTC instants."""
    return ((t_us // US_PER_DAY + _EPOCH_WEEKDAY) % 7).astype(np.int64)


@dataclass(frozen=True)
class Accounts:
    """One row per account, in signup order (``acc_00001`` signed up first)."""

    n: int
    created_us: I64
    country: I64
    industry: I64
    names: tuple[str, ...]
    domains: tuple[str, ...]
    plan0: I64
    seats0: I64
    lifecycle: I64
    speed: F64  # onboarding speed: multiplies every onboarding delay
    ramp_days: F64
    plateau: F64
    decline_us: I64
    decline_tau_days: F64
    churn_us: I64
    deleted_us: I64
    change_us: I64  # (n, MAX_CHANGES): plan/seat changes, ascending, NEVER-padded
    change_plan: I64
    change_seats: I64
    milestone_us: I64  # (n, len(MILESTONES)), NEVER if not reached
    end_us: I64  # when the account stops using the product: churn or the end of the period

    def changes_applied(self, account: I64, t_us: I64) -> I64:
        """How many plan/seat changes an account had gone through at each instant."""
        return np.asarray((self.change_us[account] <= t_us[:, None]).sum(axis=1), dtype=np.int64)

    def plan_and_seats(self, account: I64, changes: I64) -> tuple[I64, I64]:
        """Plan and seats of accounts after the given number of changes."""
        previous = np.maximum(changes - 1, 0)
        plan = np.where(changes == 0, self.plan0[account], self.change_plan[account, previous])
        seats = np.where(changes == 0, self.seats0[account], self.change_seats[account, previous])
        return plan.astype(np.int64), seats.astype(np.int64)

    def engagement(self, account: I64, t_us: I64) -> F64:
        """How intensely an account uses the product at an instant, from 0 (not at all) to about 1.2."""
        age_days = (t_us - self.created_us[account]) / US_PER_DAY
        ramp = np.clip((age_days + 1.0) / self.ramp_days[account], 0.15, 1.0) ** 0.6
        level = self.plateau[account] * ramp
        grown = (self.lifecycle[account] == GROWING) & (t_us >= self.change_us[account, 0])
        level = np.where(grown, level * 1.2, level)
        fading_days = np.maximum(t_us - self.decline_us[account], 0) / US_PER_DAY
        fade = np.maximum(np.exp(-fading_days / self.decline_tau_days[account]), 0.06)
        level = np.where(t_us > self.decline_us[account], level * fade, level)
        return np.where((t_us >= self.end_us[account]) | (age_days < 0), 0.0, level)


@dataclass(frozen=True)
class Users:
    """Everyone who accepted an invitation (or signed up), in join order (``usr_000001`` first)."""

    n: int
    account: I64
    ordinal: I64  # 0 = the account owner who signed up
    invited_us: I64  # NEVER for owners
    join_us: I64
    role: I64
    emails: pa.Array
    full_names: pa.Array
    propensity: F64  # chance-like factor of being active on a given day
    intensity: F64  # calls per active day
    deactivated_us: I64
    end_us: I64  # last moment the user can be active
    erasure_requested_us: I64
    erasure_processed_us: I64
    _by_account: I64  # user indices sorted by (account, join time)
    _account_start: I64  # first position of each account in ``_by_account``
    _keys: I64

    def pick_member(self, rng: np.random.Generator, account: I64, t_us: I64, owner_share: float) -> I64:
        """For each (account, instant), a user of the account who had joined by then.

        The owner with probability ``owner_share``, otherwise any member who had joined.
        """
        joined = np.searchsorted(self._keys, _member_key(account, t_us), side="right") - self._account_start[account]
        joined = np.maximum(joined, 1)
        pick = np.where(rng.random(len(account)) < owner_share, 0, (rng.random(len(account)) * joined).astype(np.int64))
        return np.asarray(self._by_account[self._account_start[account] + np.minimum(pick, joined - 1)], np.int64)

    @property
    def owner_of(self) -> I64:
        """The owner (first user) of each account that has users."""
        return self._by_account[self._account_start[:-1]]


def _member_key(account: I64, t_us: I64) -> I64:
    return (account << 40) + np.clip(t_us // US_PER_SECOND, 0, (1 << 40) - 1)


@dataclass(frozen=True)
class Invitees:
    """Everyone ever invited (owners excluded), joined or not: the rows of ``invitations``."""

    account: I64
    invited_us: I64
    accepted_us: I64  # NEVER if not (yet) accepted
    user: I64  # index into Users, -1 if not accepted
    role: I64
    emails: pa.Array


@dataclass(frozen=True)
class Devices:
    """Browsers and phones: each user has one to three, plus visitors who never sign up (user -1)."""

    n: int
    user: I64
    agent: I64
    offline_prone: Bool
    skew_us: I64  # how far the device clock is off
    js_version: I64
    ip: pa.Array
    anonymous_id: pa.Array
    primary_of_user: I64  # per user: their main device


@dataclass(frozen=True)
class Population:
    accounts: Accounts
    users: Users
    invitees: Invitees
    devices: Devices


def build_population(cfg: GeneratorConfig) -> Population:
    """Accounts, people and devices of the dataset."""
    accounts = _build_accounts(cfg)
    people = _build_people(cfg, accounts)
    users = _users_from_people(cfg, accounts, people)
    devices = _build_devices(cfg, users)
    return Population(accounts, users, _invitees(people, users), devices)


# --- accounts ---------------------------------------------------------------------------------


def _build_accounts(cfg: GeneratorConfig) -> Accounts:
    rng = stream(cfg.seed, "accounts")
    n = cfg.accounts
    country = choice_index(rng, [c.share for c in vocab.COUNTRIES], n)
    created = _signup_times(cfg, rng, country)
    signup_order = np.argsort(created, kind="stable")  # ids follow signup order
    created, country = created[signup_order], country[signup_order]
    plan0 = choice_index(rng, [p.signup_share for p in vocab.PLANS], n)
    seats0 = _initial_seats(rng, plan0)
    names, domains = _company_names(rng, n, cfg)
    lifecycle = _lifecycles(cfg, rng, created)
    speed = lognormal(rng, 1.0, 0.5, n)
    dormant = lifecycle == DORMANT
    ramp_days = np.where(dormant, 30.0, rng.uniform(3, 20, n) * speed)
    plateau = np.where(dormant, rng.uniform(0.08, 0.22, n), rng.uniform(0.55, 1.0, n))
    churn, decline, tau, deleted = _fading(cfg, rng, created, lifecycle)
    change_us, change_plan, change_seats = _plan_changes(cfg, rng, created, lifecycle, plan0, seats0, decline)
    end = np.minimum(churn, cfg.as_of_us)
    milestones = _milestones(cfg, rng, created, plan0, lifecycle, speed, end)
    return Accounts(
        n=n,
        created_us=created,
        country=country,
        industry=choice_index(rng, [w for _, w in vocab.INDUSTRIES], n),
        names=names,
        domains=domains,
        plan0=plan0,
        seats0=seats0,
        lifecycle=lifecycle,
        speed=speed,
        ramp_days=ramp_days,
        plateau=plateau,
        decline_us=decline,
        decline_tau_days=tau,
        churn_us=churn,
        deleted_us=deleted,
        change_us=change_us,
        change_plan=change_plan,
        change_seats=change_seats,
        milestone_us=milestones,
        end_us=end,
    )


def _signup_times(cfg: GeneratorConfig, rng: np.random.Generator, country: I64) -> I64:
    """More signups early in the period, still some in the last days; during local office hours."""
    n = len(country)
    day = np.minimum(np.floor(cfg.days * rng.random(n) ** 1.35), cfg.days - 1).astype(np.int64)
    t = at_local_hour(country, cfg.start_us + day * US_PER_DAY, np.clip(rng.normal(13.0, 2.5, n), 7.0, 20.0))
    return np.asarray(np.clip(t, cfg.start_us + 5 * US_PER_MINUTE, cfg.as_of_us - 2 * US_PER_HOUR), np.int64)


def _initial_seats(rng: np.random.Generator, plan: I64) -> I64:
    medians = np.array([p.seats_median for p in vocab.PLANS])[plan]
    seats = np.round(medians * np.exp(rng.normal(0.0, 0.5, len(plan))))
    low, high = (np.array(limit)[plan] for limit in zip(*_SEAT_LIMITS, strict=True))
    return np.clip(seats, low, high).astype(np.int64)


def _company_names(rng: np.random.Generator, n: int, cfg: GeneratorConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Company names, unique in the dataset, and their email domains, unique across shards too
    (a shard's namesake companies get the shard's number in their domain: ``acmedata-2.com``)."""
    a, b, s = vocab.COMPANY_WORDS_A, vocab.COMPANY_WORDS_B, vocab.COMPANY_SUFFIXES
    shard = "" if cfg.shards == 1 else f"-{cfg.shard + 1}"
    space = len(a) * len(b) * len(s)
    picks = np.concatenate([rng.permutation(space) for _ in range(n // space + 1)])[:n]
    names, domains = [], []
    for i, pick in enumerate(picks.tolist()):
        first, rest = divmod(pick, len(b) * len(s))
        second, suffix = divmod(rest, len(s))
        repeat = f" {i // space + 1}" if i >= space else ""
        names.append(f"{a[first]} {b[second]} {s[suffix]}{repeat}")
        domains.append(f"{a[first]}{b[second]}{s[suffix]}{repeat.strip()}{shard}.com".lower())
    return tuple(names), tuple(domains)


def _lifecycles(cfg: GeneratorConfig, rng: np.random.Generator, created: I64) -> I64:
    story = choice_index(rng, LIFECYCLE_SHARES, len(created))
    too_young = (cfg.as_of_us - created) < MIN_DAYS_FOR_A_STORY * US_PER_DAY
    return np.where(too_young & (story != DORMANT), STEADY, story)


def _fading(cfg: GeneratorConfig, rng: np.random.Generator, created: I64, lifecycle: I64) -> tuple[I64, I64, F64, I64]:
    """Churn, decline start, decline pace and deletion of declining and churning accounts."""
    n = len(created)
    life = (cfg.as_of_us - created).astype(np.float64)
    churning, declining = lifecycle == CHURNING, lifecycle == DECLINING
    churn = np.where(churning, created + (life * rng.uniform(0.5, 0.97, n)).astype(np.int64), NEVER)
    fade_days = rng.uniform(12, 35, n)
    churn_decline = np.maximum(churn - (fade_days * US_PER_DAY).astype(np.int64), created + 5 * US_PER_DAY)
    decline = np.where(churning, churn_decline, NEVER)
    decline = np.where(declining, created + (life * rng.uniform(0.35, 0.75, n)).astype(np.int64), decline)
    tau = np.where(churning, rng.uniform(6, 15, n), rng.uniform(10, 30, n))
    deleted_at = churn + (rng.uniform(7, 30, n) * US_PER_DAY).astype(np.int64)
    deleted = np.where(churning & (rng.random(n) < 0.35) & (deleted_at <= cfg.as_of_us), deleted_at, NEVER)
    return churn.astype(np.int64), decline.astype(np.int64), tau, deleted.astype(np.int64)


def _plan_changes(
    cfg: GeneratorConfig, rng: np.random.Generator, created: I64, lifecycle: I64, plan0: I64, seats0: I64, decline: I64
) -> tuple[I64, I64, I64]:
    """Upsells of growing accounts (more seats, a higher plan) and seat cuts of declining ones."""
    n = len(created)
    life = (cfg.as_of_us - created).astype(np.float64)
    when = np.sort(rng.uniform(0.15, 0.9, (n, MAX_CHANGES)), axis=1) * life[:, None]
    count = np.where(lifecycle == GROWING, 1 + rng.binomial(MAX_CHANGES - 1, 0.35, n), 0)
    change_us = np.where(np.arange(MAX_CHANGES) < count[:, None], created[:, None] + when.astype(np.int64), NEVER)
    plans, seats = np.zeros((n, MAX_CHANGES), np.int64), np.zeros((n, MAX_CHANGES), np.int64)
    plan, seat = plan0.copy(), seats0.copy()
    max_seats = np.array([p.max_seats for p in vocab.PLANS])
    for k in range(MAX_CHANGES):  # at most three steps, each vectorised over accounts
        seat = np.ceil(seat * rng.uniform(1.25, 1.8, n)).astype(np.int64)
        plan = np.where(
            (plan == vocab.STARTER) | (seat > max_seats[plan]), np.minimum(plan + 1, vocab.ENTERPRISE), plan
        )
        seat = np.maximum(seat, np.where(plan == vocab.TEAM, 3, 1))
        plans[:, k], seats[:, k] = plan, seat
    cut_us = decline + (rng.uniform(10, 35, n) * US_PER_DAY).astype(np.int64)
    cuts = (lifecycle == DECLINING) & (plan0 != vocab.STARTER) & (seats0 >= 4) & (cut_us < cfg.as_of_us)
    change_us[:, 0] = np.where(cuts, cut_us, change_us[:, 0])
    plans[:, 0] = np.where(cuts, plan0, plans[:, 0])
    seats[:, 0] = np.where(cuts, np.maximum(np.round(seats0 * rng.uniform(0.55, 0.8, n)), 2), seats[:, 0])
    change_us = np.where(change_us < cfg.as_of_us, change_us, NEVER)
    return change_us, plans, seats


def _milestones(
    cfg: GeneratorConfig, rng: np.random.Generator, created: I64, plan: I64, lifecycle: I64, speed: F64, end: I64
) -> I64:
    n = len(created)
    never_share = (
        np.array(_MILESTONE_NEVER)[:, plan].T + np.where(lifecycle == DORMANT, _DORMANT_EXTRA_NEVER, 0)[:, None]
    )
    days = np.exp(rng.normal(np.log(_MILESTONE_MEDIAN_DAYS), 1.0, (n, len(MILESTONES)))) * speed[:, None]
    reached = created[:, None] + np.maximum(days * US_PER_DAY, 10 * US_PER_MINUTE).astype(np.int64)
    never = (rng.random((n, len(MILESTONES))) < never_share) | (reached >= end[:, None])
    return np.where(never, NEVER, reached).astype(np.int64)


# --- people -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _People:
    """Everyone an account signs up or invites, before we know who accepted."""

    account: I64
    ordinal: I64
    invited_us: I64
    join_us: I64  # NEVER if never accepted (or not by the end of the period)
    role: I64
    emails: pa.Array
    full_names: pa.Array

    def join_order(self) -> I64:
        """The people who joined, in join order: position ``i`` becomes user ``i``."""
        joined = np.flatnonzero(self.join_us < NEVER)
        return joined[np.lexsort((self.ordinal[joined], self.account[joined], self.join_us[joined]))]


def _build_people(cfg: GeneratorConfig, accounts: Accounts) -> _People:
    rng = stream(cfg.seed, "people")
    fill = np.where(
        accounts.lifecycle == DORMANT, rng.uniform(0.3, 0.6, accounts.n), rng.uniform(0.55, 0.95, accounts.n)
    )
    thresholds = np.maximum.accumulate(
        np.column_stack([accounts.seats0, np.where(accounts.change_us < NEVER, accounts.change_seats, 0)]), axis=1
    )
    cohort_ends = np.clip(np.round(thresholds * fill[:, None]), 1, 500).astype(np.int64)
    invites_anyone = accounts.milestone_us[:, INVITE] < NEVER
    headcount = np.where(invites_anyone, np.maximum(cohort_ends[:, -1], 2), 1)
    account = np.repeat(np.arange(accounts.n, dtype=np.int64), headcount)
    ordinal = group_positions(headcount)
    invited = _invitation_times(rng, accounts, account, ordinal, cohort_ends)
    accept_delay = np.minimum(lognormal(rng, 5 * US_PER_HOUR, 1.3, len(account)), 14 * US_PER_DAY).astype(np.int64)
    declined = (ordinal > 0) & (rng.random(len(account)) < 0.12)
    join = np.where(ordinal == 0, accounts.created_us[account], invited + accept_delay)
    join = np.where(declined | (join >= accounts.end_us[account]), NEVER, join)
    keep = (ordinal == 0) | (invited < accounts.end_us[account])
    role = np.where(ordinal == 0, vocab.ADMIN, choice_index(rng, (0.08, 0.72, 0.20), len(account)))
    emails, names = _names_and_emails(rng, accounts, account)
    return _People(
        account[keep], ordinal[keep], invited[keep], join[keep], role[keep], emails.filter(keep), names.filter(keep)
    )


def _invitation_times(
    rng: np.random.Generator, accounts: Accounts, account: I64, ordinal: I64, cohort_ends: I64
) -> I64:
    """Owners: never invited. First cohort: from the invite milestone on. Later cohorts: after upsells."""
    n = len(account)
    cohort = np.where(ordinal == 1, 0, (ordinal[:, None] >= cohort_ends[account]).sum(axis=1))
    first_invite = accounts.milestone_us[account, INVITE]
    spread = (rng.exponential(3.0, n) * accounts.speed[account] * US_PER_DAY).astype(np.int64)
    onboarding = np.where(ordinal == 1, first_invite, first_invite + spread)
    change_at = accounts.change_us[account, np.clip(cohort - 1, 0, MAX_CHANGES - 1)]
    after_upsell = change_at + (rng.exponential(5.0, n) * US_PER_DAY).astype(np.int64)
    invited = np.where(cohort == 0, onboarding, np.where(change_at < NEVER, after_upsell, NEVER))
    return np.where(ordinal == 0, NEVER, np.where(first_invite < NEVER, invited, NEVER)).astype(np.int64)


def _names_and_emails(rng: np.random.Generator, accounts: Accounts, account: I64) -> tuple[pa.Array, pa.Array]:
    """``first.last@company-domain``; namesakes in one company get a number (``ava.smith2@``)."""
    n_first, n_last = len(vocab.FIRST_NAMES), len(vocab.LAST_NAMES)
    first = rng.integers(0, n_first, len(account))
    last = rng.integers(0, n_last, len(account))
    key = (account * n_first + first) * n_last + last
    order = np.argsort(key, kind="stable")
    _, run_lengths = np.unique(key[order], return_counts=True)
    namesake = np.empty(len(key), np.int64)
    namesake[order] = group_positions(run_lengths.astype(np.int64))
    first_names, last_names = pa.array(vocab.FIRST_NAMES), pa.array(vocab.LAST_NAMES)
    firsts, lasts = first_names.take(pa.array(first)), last_names.take(pa.array(last))
    number = pc.if_else(pa.array(namesake > 0), pa.array(namesake + 1).cast(pa.string()), "")
    domains = pa.array(accounts.domains).take(pa.array(account))
    emails = join(pc.utf8_lower(firsts), ".", pc.utf8_lower(lasts), number, "@", domains)
    return emails, join(firsts, " ", lasts)


def _users_from_people(cfg: GeneratorConfig, accounts: Accounts, people: _People) -> Users:
    rng = stream(cfg.seed, "users")
    order = people.join_order()
    account, ordinal, role = people.account[order], people.ordinal[order], people.role[order]
    join_us, n = people.join_us[order], len(order)
    role_factor = np.array([1.1, 1.0, 0.55])[role]
    deactivated = _deactivations(cfg, rng, accounts, account, ordinal, join_us)
    requested, processed = _erasure_requests(
        cfg, rng, account, ordinal, join_us, np.minimum(deactivated, accounts.end_us[account])
    )
    deactivated = np.minimum(deactivated, requested)
    by_account = np.lexsort((join_us, account)).astype(np.int64)
    account_start = np.searchsorted(account[by_account], np.arange(accounts.n + 1)).astype(np.int64)
    return Users(
        n=n,
        account=account,
        ordinal=ordinal,
        invited_us=people.invited_us[order],
        join_us=join_us,
        role=role,
        emails=people.emails.take(pa.array(order)),
        full_names=people.full_names.take(pa.array(order)),
        propensity=rng.beta(2.8, 1.4, n) * role_factor,
        intensity=lognormal(rng, 20.0, 0.45, n) * role_factor,
        deactivated_us=deactivated,
        end_us=np.minimum(deactivated, accounts.end_us[account]),
        erasure_requested_us=requested,
        erasure_processed_us=processed,
        _by_account=by_account,
        _account_start=account_start,
        _keys=_member_key(account[by_account], join_us[by_account]),
    )


def _deactivations(
    cfg: GeneratorConfig, rng: np.random.Generator, accounts: Accounts, account: I64, ordinal: I64, join_us: I64
) -> I64:
    """People who leave their company, who leave a fading account, and everyone in a deleted one."""
    n = len(account)
    leaves = join_us + (rng.uniform(20, 200, n) * US_PER_DAY).astype(np.int64)
    left = np.where((ordinal > 0) & (rng.random(n) < 0.04), leaves, NEVER)
    decline = accounts.decline_us[account]
    drifts = decline + (rng.uniform(0, 60, n) * US_PER_DAY).astype(np.int64)
    drifted = np.where((ordinal > 0) & (decline < NEVER) & (rng.random(n) < 0.35), np.maximum(drifts, join_us), NEVER)
    gone = np.minimum(np.minimum(left, drifted), accounts.deleted_us[account])
    return np.where(gone <= cfg.as_of_us, gone, NEVER).astype(np.int64)


def _erasure_requests(
    cfg: GeneratorConfig, rng: np.random.Generator, account: I64, ordinal: I64, join_us: I64, end_us: I64
) -> tuple[I64, I64]:
    """A few people ask for their personal data to be erased (GDPR/CCPA); the app deactivates them."""
    n = len(account)
    requested, processed = np.full(n, NEVER, np.int64), np.full(n, NEVER, np.int64)
    latest = np.minimum(end_us, cfg.as_of_us - 2 * US_PER_DAY)
    eligible = np.flatnonzero((ordinal > 0) & (latest - join_us > 5 * US_PER_DAY))
    if len(eligible) == 0:
        return requested, processed
    count = min(len(eligible), max(2, round(0.004 * n)))
    chosen = np.sort(rng.choice(eligible, count, replace=False))
    span = (latest[chosen] - join_us[chosen]).astype(np.float64)
    requested[chosen] = join_us[chosen] + (span * rng.uniform(0.2, 0.95, count)).astype(np.int64)
    done = requested[chosen] + (rng.uniform(1, 25, count) * US_PER_DAY).astype(np.int64)
    processed[chosen] = np.where(done <= cfg.as_of_us, done, NEVER)
    return requested, processed


def _invitees(people: _People, users: Users) -> Invitees:
    invited = np.flatnonzero(people.ordinal > 0)
    order = invited[np.argsort(people.invited_us[invited], kind="stable")]
    user_of_person = np.full(len(people.account), -1, np.int64)
    user_of_person[people.join_order()] = np.arange(users.n)
    return Invitees(
        account=people.account[order],
        invited_us=people.invited_us[order],
        accepted_us=people.join_us[order],
        user=user_of_person[order],
        role=people.role[order],
        emails=people.emails.take(pa.array(order)),
    )


# --- devices ----------------------------------------------------------------------------------


def _build_devices(cfg: GeneratorConfig, users: Users) -> Devices:
    rng = stream(cfg.seed, "devices")
    u = rng.random(users.n)
    per_user = 1 + (u < 0.28) + (u < 0.06)
    visitors = max(1, round(0.5 * cfg.accounts))
    user = np.concatenate([np.repeat(np.arange(users.n, dtype=np.int64), per_user), np.full(visitors, -1, np.int64)])
    n = len(user)
    is_primary = np.concatenate([group_positions(per_user.astype(np.int64)) == 0, np.ones(visitors, bool)])
    agent = np.where(
        is_primary,
        choice_index(rng, vocab.DESKTOP_AGENT_WEIGHTS, n),
        choice_index(rng, vocab.SECOND_DEVICE_AGENT_WEIGHTS, n),
    )
    mobile = np.array([m for _, m in vocab.USER_AGENTS])[agent]
    primary_of_user = np.flatnonzero(is_primary[: n - visitors]).astype(np.int64)
    return Devices(
        n=n,
        user=user,
        agent=agent,
        offline_prone=mobile,
        skew_us=_clock_skews(rng, user),
        js_version=choice_index(rng, (0.2, 0.5, 0.3), n),
        ip=_ipv4(rng, n),
        anonymous_id=uuid_strings(random_bytes(rng, n)),
        primary_of_user=primary_of_user,
    )


HOURS_SKEW_SHARE = 0.007
YEAR_SKEW_SHARE = 0.0015
MIN_YEAR_SKEWED_DEVICES = 2


def _clock_skews(rng: np.random.Generator, user: I64) -> I64:
    """Most clocks are within seconds; under 1 % are hours off, a very few users' clocks a whole year off."""
    n = len(user)
    sign = np.where(rng.random(n) < 0.5, -1, 1)
    skew = np.clip(rng.normal(0, 1.5, n), -4, 4) * US_PER_SECOND
    hours = rng.choice(n, round(HOURS_SKEW_SHARE * n), replace=False)
    skew[hours] = rng.integers(1, 12, len(hours)) * US_PER_HOUR + rng.integers(0, 60, len(hours)) * US_PER_MINUTE
    users_devices = np.flatnonzero(user >= 0)
    year_count = min(len(users_devices), max(MIN_YEAR_SKEWED_DEVICES, round(YEAR_SKEW_SHARE * n)))
    year = rng.choice(users_devices, year_count, replace=False)
    skew[year] = 365 * US_PER_DAY + rng.integers(0, 180, year_count) * US_PER_MINUTE
    return (skew * sign).astype(np.int64)


def _ipv4(rng: np.random.Generator, n: int) -> pa.Array:
    first = np.array(vocab.PUBLIC_FIRST_OCTETS)[rng.integers(0, len(vocab.PUBLIC_FIRST_OCTETS), n)]
    octets = [first, rng.integers(0, 256, n), rng.integers(0, 256, n), rng.integers(1, 255, n)]
    texts = [pa.array(o.astype(np.int64)).cast(pa.string()) for o in octets]
    return join(texts[0], ".", texts[1], ".", texts[2], ".", texts[3])
