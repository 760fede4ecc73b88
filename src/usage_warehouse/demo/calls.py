"""The skeleton of Segment calls: one row of integers per page, track, identify or group call.

Strings are attached only when the raw tables are rendered; until then a call is a handful of
integer codes (who, on which device, which event, which payload, when), which keeps tens of
millions of calls cheap to generate, shuffle and copy.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from usage_warehouse.demo.bundle import ArrayBundle
from usage_warehouse.demo.rand import I64

PAGE, TRACK, IDENTIFY, GROUP = range(4)
NO_CODE = -1


@dataclass(frozen=True)
class Calls(ArrayBundle):
    """Parallel arrays, one entry per call; ``-1`` means "none" in every code column."""

    kind: I64  # PAGE, TRACK, IDENTIFY or GROUP
    etype: I64  # catalog event type (pages and tracks)
    payload: I64  # tracks: option code * 2 (+1 = payload changed on redelivery); identify/group: traits code
    account: I64
    user: I64  # -1: not identified (anonymous visitor)
    device: I64  # -1: sent by the backend
    variant: I64  # page variant the call was made on
    referrer: I64
    campaign: I64
    time_us: I64  # when it happened (true UTC)
    send_us: I64  # when the device sent it (true UTC)

    @staticmethod
    def of(kind: int, time_us: I64, send_us: I64 | None = None, **codes: I64) -> Calls:
        """Calls of one kind at the given times; code columns not given are -1."""
        n = len(time_us)
        columns = {f.name: codes.get(f.name, np.full(n, NO_CODE, np.int64)) for f in fields(Calls)}
        columns.update(
            kind=np.full(n, kind, np.int64), time_us=time_us, send_us=time_us if send_us is None else send_us
        )
        return Calls(**columns)
