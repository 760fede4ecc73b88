"""How Segment calls travel from the device to the warehouse, with the faults of real delivery.

The time columns follow Segment's definitions exactly:

* ``original_timestamp``: the device clock when the call happened;
* ``sent_at``: the device clock when the call was sent (much later for offline devices);
* ``received_at``: the server clock when Segment received it;
* ``timestamp``: ``received_at - (sent_at - original_timestamp)``, the skew-corrected true time;
* ``uuid_ts``: when the warehouse load inserted the row (hourly loads, minutes to two hours later).

Device clocks are mostly right, under 1 % are hours off and a very few a year off: both
``original_timestamp`` and ``sent_at`` carry the skew, ``timestamp`` corrects it. Some messages
arrive more than once: a retry of the same batch within a minute, a re-delivery days later,
and a few re-deliveries whose payload changed. The copy received first is the true one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import numpy.typing as npt

from usage_warehouse.demo import catalog
from usage_warehouse.demo.activity import PII_OPTION_BASE
from usage_warehouse.demo.bundle import ArrayBundle
from usage_warehouse.demo.calls import GROUP, IDENTIFY, PAGE, TRACK, Calls
from usage_warehouse.demo.columns import random_bytes
from usage_warehouse.demo.config import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_MS,
    US_PER_SECOND,
    GeneratorConfig,
)
from usage_warehouse.demo.population import Devices
from usage_warehouse.demo.rand import I64, Bool, hourly_load_times, next_load, stream

NOT_A_DUPLICATE, SAME_BATCH, DAYS_APART, CHANGED_PAYLOAD = range(4)
DUPLICATE_SHARES = {SAME_BATCH: 0.004, DAYS_APART: 0.0015, CHANGED_PAYLOAD: 0.0012}
LATE_AFTER_US = US_PER_HOUR
SKEWED_AFTER_US = US_PER_MINUTE
YEAR_SKEW_AFTER_US = 30 * US_PER_DAY
LOAD_HORIZON_DAYS = 14  # hourly loads are simulated this long past the end of the period


@dataclass(frozen=True)
class Deliveries(ArrayBundle):
    """One row per copy of a call that reached the warehouse; copies of a message share ``call``."""

    call: I64  # index into the calls the copies carry
    original_us: I64
    sent_us: I64
    received_us: I64
    timestamp_us: I64
    loaded_us: I64
    duplicate: I64  # NOT_A_DUPLICATE for the first copy, else the kind of re-delivery


@dataclass(frozen=True)
class Delivered:
    """Segment's data as the warehouse holds it: the calls, their message ids, and the landed copies."""

    calls: Calls
    message_id: npt.NDArray[np.uint8]  # (calls, 16): the bytes of each call's message id
    rows: Deliveries  # landed copies, in load order

    @cached_property
    def _rows_by_kind(self) -> list[I64]:
        kind = self.calls.kind[self.rows.call]
        by_kind = np.argsort(kind, kind="stable")
        bounds = np.searchsorted(kind[by_kind], np.arange(GROUP + 2))
        return [by_kind[bounds[k] : bounds[k + 1]] for k in range(GROUP + 1)]

    def rows_of_kind(self, kind: int) -> tuple[Calls, Deliveries, npt.NDArray[np.uint8]]:
        """The landed copies of one call type: their calls (payload as delivered), timing, and message ids."""
        rows = self.rows.take(self._rows_by_kind[kind])
        calls = self.calls.take(rows.call)
        changed = (rows.duplicate == CHANGED_PAYLOAD) & (calls.payload >= 0)
        return replace(calls, payload=calls.payload | changed), rows, self.message_id[rows.call]


class _Loader:
    """Segment's hourly warehouse loads."""

    def __init__(self, cfg: GeneratorConfig) -> None:
        self.base_us = cfg.start_us - 7 * US_PER_DAY
        hours = (cfg.as_of_us - self.base_us) // US_PER_HOUR + LOAD_HORIZON_DAYS * 24
        self.times = hourly_load_times(stream(cfg.seed, "segment-loads"), self.base_us, hours, 5, 45, 0.03)

    def load_times(self, rng: np.random.Generator, received_us: I64) -> I64:
        jitter = rng.integers(0, 20 * US_PER_SECOND, len(received_us))
        return next_load(self.times, self.base_us, received_us) + jitter


def deliver(cfg: GeneratorConfig, calls: Calls, devices: Devices) -> Delivered:
    """Send, receive and load every call; add duplicate deliveries; keep what had landed by the end."""
    rng = stream(cfg.seed, "delivery")
    loader = _Loader(cfg)
    skew = np.where(calls.device >= 0, devices.skew_us[calls.device], 0)
    network = np.minimum(40 * US_PER_MS + rng.exponential(120.0, len(calls)) * US_PER_MS, 3 * US_PER_SECOND)
    received = calls.send_us + network.astype(np.int64)
    original, sent = calls.time_us + skew, calls.send_us + skew
    first = Deliveries(
        call=np.arange(len(calls), dtype=np.int64),
        original_us=original,
        sent_us=sent,
        received_us=received,
        timestamp_us=received - (sent - original),
        loaded_us=loader.load_times(rng, received),
        duplicate=np.zeros(len(calls), np.int64),
    )
    message_id = random_bytes(rng, len(calls))
    copies = Deliveries.concat([first, _redeliveries(rng, loader, calls, first)])
    landed = np.flatnonzero(copies.loaded_us <= cfg.as_of_us)
    order = landed[np.argsort(copies.loaded_us[landed], kind="stable")]
    return Delivered(calls, message_id, copies.take(order))


def _redeliveries(rng: np.random.Generator, loader: _Loader, calls: Calls, first: Deliveries) -> Deliveries:
    """Second copies of a few browser pages and tracks: same id, received again later."""
    from_browser = (calls.device >= 0) & np.isin(calls.kind, (PAGE, TRACK))
    bounds = np.cumsum(list(DUPLICATE_SHARES.values()))
    kind = np.where(from_browser, 1 + np.searchsorted(bounds, rng.random(len(calls)), side="right"), NOT_A_DUPLICATE)
    kind = np.where(
        (kind > CHANGED_PAYLOAD) | ((kind == CHANGED_PAYLOAD) & (calls.kind != TRACK)), NOT_A_DUPLICATE, kind
    )
    picked = np.flatnonzero(kind != NOT_A_DUPLICATE)
    kind = kind[picked]
    n = len(picked)
    delay_seconds = np.select(
        [kind == SAME_BATCH, kind == DAYS_APART],
        [rng.uniform(1, 55, n), rng.uniform(1, 6, n) * 86_400],
        rng.uniform(2, 72, n) * 3_600,
    )
    delay = (delay_seconds * US_PER_SECOND).astype(np.int64)
    copies = first.take(picked)
    received = copies.received_us + delay
    return replace(
        copies,
        sent_us=copies.sent_us + delay,
        received_us=received,
        loaded_us=loader.load_times(rng, received),
        duplicate=kind.astype(np.int64),
    )


def is_late(rows: Deliveries) -> Bool:
    """Calls the device held back for over an hour before sending them."""
    return np.asarray(rows.sent_us - rows.original_us > LATE_AFTER_US)


def skew_us(rows: Deliveries) -> I64:
    """How far the device clock was off (``original_timestamp - timestamp``), network time included."""
    return np.asarray(np.abs(rows.original_us - rows.timestamp_us), dtype=np.int64)


def segment_fault_counts(delivered: Delivered) -> dict[str, int]:
    """The faults in the landed Segment data, by kind (the manifest reports these)."""
    rows, calls = delivered.rows, delivered.calls
    kind, etype, user, device = (getattr(calls, name)[rows.call] for name in ("kind", "etype", "user", "device"))
    skew = skew_us(rows)
    is_track = kind == TRACK
    anonymous_browsers = np.unique(device[(kind == PAGE) & (user < 0) & (device >= 0)])
    linked = np.intersect1d(anonymous_browsers, np.unique(device[(kind == IDENTIFY) & (user >= 0)]))
    return {
        "segment_duplicates_same_batch": int((rows.duplicate == SAME_BATCH).sum()),
        "segment_duplicates_days_apart": int((rows.duplicate == DAYS_APART).sum()),
        "segment_duplicates_different_payload": int((rows.duplicate == CHANGED_PAYLOAD).sum()),
        "late_events": int(is_late(rows).sum()),
        "clock_skew_events": int(((skew > SKEWED_AFTER_US) & (skew < YEAR_SKEW_AFTER_US)).sum()),
        "clock_skew_year_events": int((skew >= YEAR_SKEW_AFTER_US).sum()),
        "unmapped_events": int((is_track & np.isin(etype, catalog.UNMAPPED_TYPES)).sum()),
        "pii_emails_in_properties": int((is_track & (calls.payload[rows.call] >= 2 * PII_OPTION_BASE)).sum()),
        "anonymous_identified_visitors": len(linked),
        "anonymous_only_visitors": len(anonymous_browsers) - len(linked),
    }
