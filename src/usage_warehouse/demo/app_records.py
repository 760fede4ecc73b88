"""Records people create in the application database, as the hourly extract delivers them.

Reports, integrations, invitations, data imports, automation rules, settings changes and
privacy erasure requests: one row per record, extracted once its last change (acceptance,
completion, disconnection) has happened. The first record of each kind is the account's
onboarding milestone; later ones follow team size, weekdays and the account's engagement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from usage_warehouse import raw_schema
from usage_warehouse.demo import vocab
from usage_warehouse.demo.app_extracts import Extracts, happened
from usage_warehouse.demo.columns import dictionary, table_of, timestamps
from usage_warehouse.demo.config import NEVER, US_PER_DAY, US_PER_SECOND, GeneratorConfig
from usage_warehouse.demo.population import (
    AUTOMATION,
    IMPORT,
    INTEGRATION,
    INVITE,
    REPORT,
    WEEKDAY_ACTIVITY,
    Population,
    weekday,
)
from usage_warehouse.demo.rand import (
    I64,
    Bool,
    choice_index,
    group_positions,
    lognormal,
    run_lengths,
    run_starts,
    stream,
)

SETTINGS: tuple[tuple[str, tuple[str, ...]], ...] = (  # key, values (the first is the default)
    ("sso_enabled", ("false", "true")),
    ("timezone", ("UTC", "America/New_York", "Europe/Berlin", "Europe/London", "Asia/Tokyo")),
    ("weekly_digest", ("true", "false")),
    ("two_factor_required", ("false", "true")),
    ("data_retention_days", ("365", "730", "180")),
    ("default_currency", ("USD", "EUR", "GBP")),
)
SETTING_WEIGHTS = (0.18, 0.2, 0.25, 0.14, 0.1, 0.13)


@dataclass(frozen=True)
class _Records:
    """Records of one kind, in creation order; ``first`` marks each account's milestone record."""

    account: I64
    time_us: I64
    first: Bool


def _records(
    cfg: GeneratorConfig,
    pop: Population,
    rng: np.random.Generator,
    milestone: int,
    per_user_day: float,
    cap: int | None = None,
) -> _Records:
    """The milestone record, then more at a pace that follows team size, weekday and engagement."""
    acc = pop.accounts
    first_us = acc.milestone_us[:, milestone]
    starters = np.flatnonzero(first_us < NEVER)
    team = np.bincount(pop.users.account, minlength=acc.n)[starters]
    span = (acc.end_us[starters] - first_us[starters]).astype(np.float64)
    expected = per_user_day * cfg.scale * team**0.8 * span / US_PER_DAY
    candidates = rng.poisson(expected)
    account = np.repeat(starters, candidates)
    time = np.repeat(first_us[starters], candidates) + (rng.random(len(account)) * np.repeat(span, candidates)).astype(
        np.int64
    )
    pace = acc.engagement(account, time) * WEEKDAY_ACTIVITY[weekday(time)] / 0.8
    accepted = rng.random(len(account)) < np.minimum(pace, 1.0)
    account = np.concatenate([starters, account[accepted]])
    time = np.concatenate([first_us[starters], time[accepted]])
    first = np.arange(len(account)) < len(starters)
    order = np.lexsort((~first, time, account))
    if cap is not None:
        order = order[group_positions(np.bincount(account[order], minlength=acc.n).astype(np.int64)) < cap]
    order = order[np.lexsort((account[order], time[order]))]
    return _Records(account[order], time[order], first[order])


def _creators(
    rng: np.random.Generator, pop: Population, records: _Records, owner_share: float, actors: I64, milestone: int
) -> I64:
    """Who created each record; the creator of the first one reached the milestone."""
    user = pop.users.pick_member(rng, records.account, records.time_us, owner_share)
    actors[records.account[records.first], milestone] = user[records.first]
    return user


def reports_table(
    cfg: GeneratorConfig, pop: Population, extracts: Extracts, rng: np.random.Generator, actors: I64
) -> pa.Table:
    rec = _records(cfg, pop, rng, REPORT, 0.05)
    n = len(rec.account)
    edited = rec.time_us + np.where(rng.random(n) < 0.45, (rng.exponential(1.5, n) * US_PER_DAY).astype(np.int64), 0)
    updated = np.where(edited <= cfg.as_of_us, edited, rec.time_us)
    loaded = extracts.loaded_at(updated)
    creator = _creators(rng, pop, rec, 0.25, actors, REPORT)
    rows = extracts.landed(loaded)
    return table_of(
        raw_schema.APP_REPORTS,
        {
            "id": extracts.ids.sequential("rep_", n).take(pa.array(rows)),
            "account_id": extracts.ids.accounts(rec.account[rows]),
            "created_by_user_id": extracts.ids.users(creator[rows]),
            "report_type": dictionary(choice_index(rng, vocab.REPORT_TYPE_WEIGHTS, n)[rows], vocab.REPORT_TYPES),
            "created_at": timestamps(rec.time_us[rows]),
            "updated_at": timestamps(updated[rows]),
            "_loaded_at": timestamps(loaded[rows]),
        },
    )


@dataclass(frozen=True)
class Integrations:
    """Connected integrations, for the background syncs of the sync worker."""

    account: I64
    connected_us: I64
    disconnected_us: I64
    provider: I64
    first: Bool


def integrations(cfg: GeneratorConfig, pop: Population) -> Integrations:
    """Every integration ever connected (also those not extracted yet): what the sync worker syncs."""
    rng = stream(cfg.seed, "integrations")
    rec = _records(cfg, pop, rng, INTEGRATION, 0.004, cap=len(vocab.PROVIDERS))
    n = len(rec.account)
    # Each account connects distinct providers, in an order of its own.
    preference = np.argsort(rng.random((pop.accounts.n, len(vocab.PROVIDERS))), axis=1)
    nth = np.empty(n, np.int64)
    by_account = np.lexsort((rec.time_us, rec.account))
    nth[by_account] = group_positions(np.bincount(rec.account, minlength=pop.accounts.n).astype(np.int64))
    disconnected = rec.time_us + (rng.uniform(0.2, 5, n) * US_PER_DAY).astype(np.int64)
    disconnected = happened(np.where((rng.random(n) < 0.08) & ~rec.first, disconnected, NEVER), cfg)
    return Integrations(rec.account, rec.time_us, disconnected, preference[rec.account, nth], rec.first)


def integrations_table(
    cfg: GeneratorConfig, pop: Population, extracts: Extracts, rng: np.random.Generator, actors: I64
) -> pa.Table:
    conn = integrations(cfg, pop)
    n = len(conn.account)
    loaded = extracts.loaded_at(np.where(conn.disconnected_us < NEVER, conn.disconnected_us, conn.connected_us))
    connector = _creators(rng, pop, _Records(conn.account, conn.connected_us, conn.first), 0.6, actors, INTEGRATION)
    rows = extracts.landed(loaded)
    return table_of(
        raw_schema.APP_INTEGRATIONS,
        {
            "id": extracts.ids.sequential("int_", n).take(pa.array(rows)),
            "account_id": extracts.ids.accounts(conn.account[rows]),
            "connected_by_user_id": extracts.ids.users(connector[rows]),
            "provider": dictionary(conn.provider[rows], vocab.PROVIDERS),
            "connected_at": timestamps(conn.connected_us[rows]),
            "disconnected_at": timestamps(conn.disconnected_us[rows]),
            "_loaded_at": timestamps(loaded[rows]),
        },
    )


def invitations_table(
    cfg: GeneratorConfig, pop: Population, extracts: Extracts, rng: np.random.Generator, actors: I64
) -> pa.Table:
    inv = pop.invitees
    n = len(inv.account)
    rec = _Records(inv.account, inv.invited_us, np.zeros(n, bool))
    first_invitation = np.unique(inv.account, return_index=True)[1]  # invitations are in time order
    rec.first[first_invitation] = True
    inviter = _creators(rng, pop, rec, 0.7, actors, INVITE)
    accepted = happened(inv.accepted_us, cfg)
    loaded = extracts.loaded_at(np.where(accepted < NEVER, accepted, inv.invited_us))
    rows = extracts.landed(loaded)
    return table_of(
        raw_schema.APP_INVITATIONS,
        {
            "id": extracts.ids.sequential("inv_", n).take(pa.array(rows)),
            "account_id": extracts.ids.accounts(inv.account[rows]),
            "invited_by_user_id": extracts.ids.users(inviter[rows]),
            "invitee_email": inv.emails.take(pa.array(rows)),
            "role": dictionary(inv.role[rows], vocab.ROLES),
            "created_at": timestamps(inv.invited_us[rows]),
            "accepted_at": timestamps(accepted[rows]),
            "_loaded_at": timestamps(loaded[rows]),
        },
    )


def data_imports_table(
    cfg: GeneratorConfig, pop: Population, extracts: Extracts, rng: np.random.Generator, actors: I64
) -> pa.Table:
    rec = _records(cfg, pop, rng, IMPORT, 0.012)
    n = len(rec.account)
    failed = (rng.random(n) < 0.08) & ~rec.first
    rows_imported = np.where(failed, 0, np.round(lognormal(rng, 2500, 1.5, n)) + 1).astype(np.int64)
    duration = (5 + rows_imported / 1500 + rng.exponential(30, n)) * US_PER_SECOND
    finished = rec.time_us + duration.astype(np.int64)
    completed = np.where(failed, NEVER, finished)
    loaded = extracts.loaded_at(finished)
    user = _creators(rng, pop, rec, 0.4, actors, IMPORT)
    rows = extracts.landed(loaded)
    return table_of(
        raw_schema.APP_DATA_IMPORTS,
        {
            "id": extracts.ids.sequential("imp_", n).take(pa.array(rows)),
            "account_id": extracts.ids.accounts(rec.account[rows]),
            "user_id": extracts.ids.users(user[rows]),
            "source_type": dictionary(choice_index(rng, vocab.IMPORT_SOURCE_WEIGHTS, n)[rows], vocab.IMPORT_SOURCES),
            "status": dictionary(failed[rows].astype(np.int64), ["completed", "failed"]),
            "rows_imported": pa.array(rows_imported[rows], pa.int64()),
            "started_at": timestamps(rec.time_us[rows]),
            "completed_at": timestamps(completed[rows]),
            "_loaded_at": timestamps(loaded[rows]),
        },
    )


@dataclass(frozen=True)
class AutomationRules:
    """The automation rules, for the background runs of the automation worker."""

    account: I64
    created_us: I64
    trigger: I64
    enabled: Bool


def automation_rules(cfg: GeneratorConfig, pop: Population) -> AutomationRules:
    """Every automation rule (also those not extracted yet): what the automation worker runs."""
    rng = stream(cfg.seed, "automation-rules")
    rec = _records(cfg, pop, rng, AUTOMATION, 0.006, cap=12)
    n = len(rec.account)
    return AutomationRules(
        rec.account, rec.time_us, choice_index(rng, vocab.TRIGGER_WEIGHTS, n), rec.first | (rng.random(n) < 0.85)
    )


def automation_rules_table(
    cfg: GeneratorConfig, pop: Population, extracts: Extracts, rng: np.random.Generator, actors: I64
) -> pa.Table:
    rules = automation_rules(cfg, pop)
    n = len(rules.account)
    rec = _Records(rules.account, rules.created_us, np.zeros(n, bool))
    rec.first[np.unique(rules.account, return_index=True)[1]] = True
    edited = rules.created_us + np.where(
        rng.random(n) < 0.5, (rng.exponential(0.5, n) * US_PER_DAY).astype(np.int64), 0
    )
    updated = np.where(edited <= cfg.as_of_us, edited, rules.created_us)
    loaded = extracts.loaded_at(updated)
    creator = _creators(rng, pop, rec, 0.5, actors, AUTOMATION)
    rows = extracts.landed(loaded)
    return table_of(
        raw_schema.APP_AUTOMATION_RULES,
        {
            "id": extracts.ids.sequential("aut_", n).take(pa.array(rows)),
            "account_id": extracts.ids.accounts(rules.account[rows]),
            "created_by_user_id": extracts.ids.users(creator[rows]),
            "trigger_type": dictionary(rules.trigger[rows], vocab.TRIGGER_TYPES),
            "is_enabled": pa.array(rules.enabled[rows]),
            "created_at": timestamps(rules.created_us[rows]),
            "updated_at": timestamps(updated[rows]),
            "_loaded_at": timestamps(loaded[rows]),
        },
    )


def settings_changes_table(
    cfg: GeneratorConfig, pop: Population, extracts: Extracts, rng: np.random.Generator
) -> pa.Table:
    """Admins change settings now and then; old and new values chain per account and key."""
    acc = pop.accounts
    life_days = (acc.end_us - acc.created_us) / US_PER_DAY
    count = rng.poisson(1.8 * np.minimum(life_days / 60, 1.5))
    account = np.repeat(np.arange(acc.n, dtype=np.int64), count)
    time = acc.created_us[account] + (rng.random(len(account)) * life_days[account] * US_PER_DAY).astype(np.int64)
    key = choice_index(rng, SETTING_WEIGHTS, len(account))
    small_plan = acc.plan0[account] < vocab.BUSINESS
    key = np.where((key == 0) & small_plan, 2, key)  # single sign-on is a business/enterprise feature
    order = np.lexsort((time, key, account))
    account, time, key = account[order], time[order], key[order]
    n_values = np.array([len(values) for _, values in SETTINGS])[key]
    group = run_starts(account, key)
    sizes = run_lengths(group, len(key))
    step = 1 + (rng.random(len(key)) * (n_values - 1)).astype(np.int64)  # never "changes" to the same value
    total = np.cumsum(step) - np.repeat(np.cumsum(step)[group] - step[group], sizes)
    new = total % n_values
    old = np.where(group_positions(sizes) == 0, 0, (total - step) % n_values)
    offsets = np.cumsum([0] + [len(v) for _, v in SETTINGS[:-1]])
    all_values = [v for _, values in SETTINGS for v in values]
    by = pop.users.pick_member(rng, account, time, owner_share=0.7)
    loaded = extracts.loaded_at(time)
    rows = extracts.landed(loaded)
    rows = rows[np.argsort(time[rows], kind="stable")]  # ids in order of change
    return table_of(
        raw_schema.APP_SETTINGS_CHANGES,
        {
            "id": extracts.ids.sequential("set_", len(rows)),
            "account_id": extracts.ids.accounts(account[rows]),
            "changed_by_user_id": extracts.ids.users(by[rows]),
            "setting_key": dictionary(key[rows], [k for k, _ in SETTINGS]),
            "old_value": dictionary((offsets[key] + old)[rows], all_values),
            "new_value": dictionary((offsets[key] + new)[rows], all_values),
            "changed_at": timestamps(time[rows]),
            "_loaded_at": timestamps(loaded[rows]),
        },
    )


def erasure_requests_table(pop: Population, extracts: Extracts) -> pa.Table:
    users = pop.users
    user = np.flatnonzero(users.erasure_requested_us < NEVER)
    user = user[np.argsort(users.erasure_requested_us[user], kind="stable")]
    processed = users.erasure_processed_us[user]
    loaded = extracts.loaded_at(np.where(processed < NEVER, processed, users.erasure_requested_us[user]))
    rows = extracts.landed(loaded)
    u = user[rows]
    return table_of(
        raw_schema.APP_ERASURE_REQUESTS,
        {
            "id": extracts.ids.sequential("era_", len(rows), 4),
            "user_id": extracts.ids.users(u),
            "email": users.emails.take(pa.array(u)),
            "requested_at": timestamps(users.erasure_requested_us[u]),
            "processed_at": timestamps(processed[rows]),
            "_loaded_at": timestamps(loaded[rows]),
        },
    )
