"""Current-state tables of the application database: accounts, users, subscriptions.

Every change of such a row (a plan upgrade, a deactivation, a trial ending, a cancellation)
is extracted again as a new version of the row; the version with the latest ``_loaded_at``
per id is the current state. A subscription gets a new row per plan or seat change (the
earlier row gets ``ended_at``); a churned account's last row is ``canceled``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from usage_warehouse import raw_schema
from usage_warehouse.demo import vocab
from usage_warehouse.demo.app_extracts import Extracts
from usage_warehouse.demo.bundle import ArrayBundle
from usage_warehouse.demo.columns import dictionary, table_of, timestamps
from usage_warehouse.demo.config import NEVER, US_PER_DAY, GeneratorConfig
from usage_warehouse.demo.population import Population
from usage_warehouse.demo.rand import I64, run_starts, stream

TRIAL_DAYS = 14
SUBSCRIPTION_STATUSES = ("trialing", "active", "past_due", "canceled")
TRIALING, ACTIVE, PAST_DUE, CANCELED = range(4)


def _latest_per_extract(entity: I64, updated_us: I64, loaded_us: I64) -> I64:
    """Row versions in (entity, update) order, keeping only the last version each extract saw."""
    order = np.lexsort((updated_us, entity))
    run_ends = run_starts(entity[order], loaded_us[order])[1:] - 1
    return np.asarray(order[np.append(run_ends, len(order) - 1)] if len(order) else order, dtype=np.int64)


def accounts_table(pop: Population, extracts: Extracts) -> pa.Table:
    acc = pop.accounts
    k = acc.change_us.shape[1]
    account = np.concatenate([np.arange(acc.n), np.repeat(np.arange(acc.n), k), np.arange(acc.n)])
    updated = np.concatenate([acc.created_us, acc.change_us.ravel(), acc.deleted_us])
    changes = np.concatenate(
        [
            np.zeros(acc.n, np.int64),
            np.tile(np.arange(1, k + 1), acc.n),
            acc.changes_applied(np.arange(acc.n), acc.deleted_us),
        ]
    )
    deleted = np.concatenate([np.full(acc.n * (k + 1), NEVER), acc.deleted_us])
    real = np.flatnonzero(updated < NEVER)
    account, updated, changes, deleted = account[real], updated[real], changes[real], deleted[real]
    loaded = extracts.loaded_at(updated)
    rows = _latest_per_extract(account, updated, loaded)
    rows = rows[extracts.landed(loaded[rows])]
    a = account[rows]
    plan, seats = acc.plan_and_seats(a, changes[rows])
    return table_of(
        raw_schema.APP_ACCOUNTS,
        {
            "id": extracts.ids.accounts(a),
            "name": pa.array(acc.names).take(pa.array(a)),
            "plan": dictionary(plan, vocab.PLAN_NAMES),
            "seats": pa.array(seats, pa.int32()),
            "industry": dictionary(acc.industry[a], [name for name, _ in vocab.INDUSTRIES]),
            "country": dictionary(acc.country[a], [c.code for c in vocab.COUNTRIES]),
            "created_at": timestamps(acc.created_us[a]),
            "updated_at": timestamps(updated[rows]),
            "deleted_at": timestamps(deleted[rows]),
            "_loaded_at": timestamps(loaded[rows]),
        },
    )


def users_table(pop: Population, extracts: Extracts) -> pa.Table:
    users = pop.users
    user = np.concatenate([np.arange(users.n), np.arange(users.n)])
    updated = np.concatenate([users.join_us, users.deactivated_us])
    deactivated = np.concatenate([np.full(users.n, NEVER), users.deactivated_us])
    real = np.flatnonzero(updated < NEVER)
    user, updated, deactivated = user[real], updated[real], deactivated[real]
    loaded = extracts.loaded_at(updated)
    rows = _latest_per_extract(user, updated, loaded)
    rows = rows[extracts.landed(loaded[rows])]
    u = user[rows]
    return table_of(
        raw_schema.APP_USERS,
        {
            "id": extracts.ids.users(u),
            "account_id": extracts.ids.accounts(users.account[u]),
            "email": users.emails.take(pa.array(u)),
            "full_name": users.full_names.take(pa.array(u)),
            "role": dictionary(users.role[u], vocab.ROLES),
            "created_at": timestamps(users.join_us[u]),
            "updated_at": timestamps(updated[rows]),
            "deactivated_at": timestamps(deactivated[rows]),
            "_loaded_at": timestamps(loaded[rows]),
        },
    )


@dataclass(frozen=True)
class _SubscriptionEvents(ArrayBundle):
    """Billing events; a START or CHANGE opens a subscription row, END closes the previous one."""

    account: I64
    time_us: I64
    kind: I64
    status: I64  # status after the event, -1 if unchanged
    changes: I64  # plan/seat changes applied (START/CHANGE rows)


_START, _END, _CHANGE, _STATUS = range(4)  # also the order of events at the same instant


def _billing_events(
    account: I64, time_us: I64, kind: int, status: int, changes: I64 | None = None
) -> _SubscriptionEvents:
    n = len(account)
    return _SubscriptionEvents(
        account=account,
        time_us=time_us,
        kind=np.full(n, kind, np.int64),
        status=np.full(n, status, np.int64),
        changes=np.zeros(n, np.int64) if changes is None else changes,
    )


def _subscription_events(cfg: GeneratorConfig, pop: Population) -> _SubscriptionEvents:
    """Signup (paid plans often start with a trial), upsells and seat cuts, late payments, cancellation."""
    rng = stream(cfg.seed, "billing")
    acc = pop.accounts
    n, k = acc.n, acc.change_us.shape[1]
    every = np.arange(n, dtype=np.int64)
    paid = acc.plan0 != vocab.STARTER
    trial = paid & (rng.random(n) < 0.7)
    trial_over = acc.created_us + TRIAL_DAYS * US_PER_DAY
    trial_end = np.where(trial & (trial_over < acc.change_us[:, 0]), trial_over, NEVER)
    late_payer = paid & (rng.random(n) < 0.1)
    life_days = (acc.end_us - acc.created_us) / US_PER_DAY
    due = trial_over + (rng.random(n) * life_days * US_PER_DAY).astype(np.int64)
    recovered = due + (rng.uniform(3, 10, n) * US_PER_DAY).astype(np.int64)
    pays_late = late_payer & (recovered < acc.end_us)
    churn_due = acc.churn_us - (rng.uniform(5, 15, n) * US_PER_DAY).astype(np.int64)
    unpaid_churn = (acc.churn_us < NEVER) & (rng.random(n) < 0.5) & (churn_due > trial_over)
    changed = np.repeat(every, k)
    events = _SubscriptionEvents.concat(
        [
            _billing_events(every, acc.created_us, _START, TRIALING).take(np.flatnonzero(trial)),
            _billing_events(every, acc.created_us, _START, ACTIVE).take(np.flatnonzero(~trial)),
            _billing_events(changed, acc.change_us.ravel(), _END, -1),
            _billing_events(changed, acc.change_us.ravel(), _CHANGE, ACTIVE, np.tile(np.arange(1, k + 1), n)),
            _billing_events(every, trial_end, _STATUS, ACTIVE),
            _billing_events(every, np.where(pays_late, due, NEVER), _STATUS, PAST_DUE),
            _billing_events(every, np.where(pays_late, recovered, NEVER), _STATUS, ACTIVE),
            _billing_events(every, np.where(unpaid_churn, churn_due, NEVER), _STATUS, PAST_DUE),
            _billing_events(every, acc.churn_us, _STATUS, CANCELED),
        ]
    )
    keep = np.flatnonzero(events.time_us <= cfg.as_of_us)
    return events.take(keep[np.lexsort((events.kind[keep], events.time_us[keep], events.account[keep]))])


def subscriptions_table(cfg: GeneratorConfig, pop: Population, extracts: Extracts) -> pa.Table:
    events = _subscription_events(cfg, pop)
    opens = np.isin(events.kind, (_START, _CHANGE))
    # Events are ordered by account and time, and END sorts before the CHANGE that opens the next
    # row: every event belongs to the row opened last.
    row = np.cumsum(opens) - 1
    row_of_open = np.flatnonzero(opens)
    # END events keep the status of their row: the last event that set one (rows open with a status).
    last_status_event = np.maximum.accumulate(np.where(events.status >= 0, np.arange(len(row)), 0))
    status = events.status[last_status_event]
    ended = np.where((events.kind == _END) | (status == CANCELED), events.time_us, NEVER)
    loaded = extracts.loaded_at(events.time_us)
    versions = _latest_per_extract(row, events.time_us, loaded)
    versions = versions[extracts.landed(loaded[versions])]
    r = row[versions]
    opening = row_of_open[r]
    account = events.account[opening]
    plan, seats = pop.accounts.plan_and_seats(account, events.changes[opening])
    started = events.time_us[opening]
    price = np.array([p.price_per_seat for p in vocab.PLANS])[plan]
    currency = np.array([c.currency for c in vocab.COUNTRIES])[pop.accounts.country[account]]
    return table_of(
        raw_schema.APP_SUBSCRIPTIONS,
        {
            "id": extracts.ids.prefixed("sub_", _creation_rank(row_of_open, events)[r] + 1, 6),
            "account_id": extracts.ids.accounts(account),
            "plan": dictionary(plan, vocab.PLAN_NAMES),
            "status": dictionary(status[versions], SUBSCRIPTION_STATUSES),
            "seats": pa.array(seats, pa.int32()),
            "mrr_amount": pa.array(seats * price).cast(pa.decimal128(12, 2)),
            "currency": pa.array(currency.tolist()),
            "started_at": timestamps(started),
            "ended_at": timestamps(ended[versions]),
            "created_at": timestamps(started),
            "updated_at": timestamps(events.time_us[versions]),
            "_loaded_at": timestamps(loaded[versions]),
        },
    )


def _creation_rank(row_of_open: I64, events: _SubscriptionEvents) -> I64:
    """Subscription numbers in order of creation (start time, then account)."""
    order = np.lexsort((events.account[row_of_open], events.time_us[row_of_open]))
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return rank
