"""The tolerances of the expectation suites, in one place (docs/expectations.md).

Row-count bounds are shares of counts measured in the same warehouse (raw rows, staged rows),
so the suites hold for a demo of 8 accounts and for a production warehouse alike; ``mostly``
levels say how much of a raw table may carry a deliberate fault before the suite fails.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """Tolerances used to build the suites; change them here or pass another instance."""

    # Raw landing tables: faults are expected (docs/raw_landing_contract.md), so keys and load
    # times need only be present on most rows; the quarantine accounts for the rest.
    raw_key_not_null_mostly: float = 0.95
    raw_loaded_at_not_null_mostly: float = 0.95
    # A streaming raw table whose newest load is older than this, measured back from the newest
    # load of any raw table, is stale (the same 72 h as the sources' dbt freshness error_after).
    raw_stale_after_hours: int = 72
    # Staging keeps one row per key: at most the raw rows, at least this share of them.
    staging_min_kept_share: float = 0.5
    # fct_usage_events: at least this share of the raw Segment events and log lines become events.
    events_min_share_of_raw: float = 0.5
    # Daily facts must reach back to within this many days of the as-of date.
    facts_max_lag_days: int = 3
    # Earliest plausible event time (dbt var earliest_valid_event_at).
    earliest_valid_event_at: str = "2010-01-01"
    # Event times may run ahead of the newest load by at most this (device clocks are corrected,
    # var max_future_skew_minutes is 5): one day leaves room without hiding a wrong year.
    max_event_ahead_of_load_hours: int = 24
