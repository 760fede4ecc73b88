"""Brightlane's background services and their log files (``raw_server_logs.log_lines``).

Four services write one JSON object per line to a daily file per service
(``automation-worker/2026-10-01.log``; in a dataset generated in shards, one node per shard:
``automation-worker/2026-10-01.node-2.log``), stamping ``ts`` in their host's own UTC offset:

* automation-worker: runs every enabled automation rule (daily, hourly, or on record changes);
* sync-worker: syncs every connected integration every six hours, and when a user asks;
* export-service: produces the file of every report export;
* api-gateway: serves the public API for accounts that created an API key.

A shipper sends each file's new lines every hour (``_loaded_at``). Some accounts go through
spells of errors (status 500, ``error_code`` set), failing Python jobs print their stack trace
(lines that are not JSON), and a few lines are malformed in other ways.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.dtypes import StringDType

from usage_warehouse import raw_schema
from usage_warehouse.demo import catalog
from usage_warehouse.demo.app_records import AutomationRules, Integrations
from usage_warehouse.demo.bundle import ArrayBundle
from usage_warehouse.demo.calls import TRACK, Calls
from usage_warehouse.demo.columns import (
    hex_strings,
    iso_millis,
    join,
    random_bytes,
    rendered,
    table_of,
    timestamps,
)
from usage_warehouse.demo.config import (
    NEVER,
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_MS,
    US_PER_SECOND,
    GeneratorConfig,
)
from usage_warehouse.demo.ids import IdSpace
from usage_warehouse.demo.population import API, WEEKDAY_ACTIVITY, Population, at_local_hour, weekday
from usage_warehouse.demo.rand import (
    F64,
    I64,
    Bool,
    choice_index,
    days_alive,
    group_positions,
    hourly_load_times,
    lognormal,
    next_load,
    stream,
)

SERVICES = ("automation-worker", "sync-worker", "export-service", "api-gateway")
AUTOMATION_WORKER, SYNC_WORKER, EXPORT_SERVICE, API_GATEWAY = range(4)
SERVICE_UTC_OFFSETS = (("+02:00", 120), ("-05:00", -300), ("+00:00", 0), ("Z", 0))
EVENTS = (
    "automation.run_completed",
    "sync.completed",
    "export.completed",
    "api.request",
    "automation.run_failed",
    "sync.failed",
    "export.failed",
)
FAILED_EVENT = np.array([4, 5, 6, 3])  # per service: the event of a failed job
LEVELS = ("info", "warn", "error")
INFO, WARN, ERROR = range(3)
ERROR_CODES = ("E_TIMEOUT", "E_UPSTREAM_5XX", "E_DB_CONN", "E_RATE_LIMITED")
RATE_LIMITED = 3
TRACEBACK = (
    "Traceback (most recent call last):",
    '  File "/srv/brightlane/jobs/runner.py", line 214, in run_job',
    "TimeoutError: upstream did not answer within 30s",
)
MALFORMED_KINDS = (
    "truncated_json",
    "not_json",
    "missing_event",
    "missing_ts",
    "unparseable_ts",
    "missing_account_id",
    "quantity_as_string",
)
TRUNCATED, NOT_JSON, MISSING_EVENT, MISSING_TS, UNPARSEABLE_TS, MISSING_ACCOUNT, QUANTITY_STRING = range(7)
# Share of JSON lines hit by each fault (stack traces are counted separately: they are whole lines).
MALFORMED_SHARES = {
    TRUNCATED: 0.0008,
    MISSING_EVENT: 0.0005,
    MISSING_TS: 0.0005,
    UNPARSEABLE_TS: 0.0008,
    MISSING_ACCOUNT: 0.0005,
    QUANTITY_STRING: 0.001,
}
TRACEBACK_SHARE = 0.3  # of error lines of the Python job services
NONE = -1


@dataclass(frozen=True)
class LogEvents(ArrayBundle):
    """One entry per log line; -1 means null (or, for ``trace``, a JSON line)."""

    time_us: I64
    service: I64
    event: I64
    level: I64
    account: I64
    user: I64
    status: I64
    duration_ms: I64
    quantity: I64
    error_code: I64
    trace: I64  # index into TRACEBACK for stack-trace lines
    malformed: I64  # index into MALFORMED_KINDS, -1 for a well-formed line


def _events(
    service: int,
    time_us: I64,
    account: I64,
    user: I64,
    duration_ms: I64 | F64,
    quantity: I64 | F64,
    status: I64 | None = None,
    level: I64 | None = None,
    error_code: I64 | None = None,
) -> LogEvents:
    """Lines of one service; durations and quantities are cut to whole milliseconds and records."""
    n = len(time_us)

    def fill(value: int) -> I64:
        return np.full(n, value, np.int64)

    return LogEvents(
        time_us=time_us,
        service=fill(service),
        event=fill(service),
        level=fill(INFO) if level is None else level,
        account=account,
        user=user,
        status=fill(200) if status is None else status,
        duration_ms=duration_ms.astype(np.int64),
        quantity=quantity.astype(np.int64),
        error_code=fill(NONE) if error_code is None else error_code,
        trace=fill(NONE),
        malformed=fill(NONE),
    )


@dataclass(frozen=True)
class ServerLogs:
    table: pa.Table
    malformed: dict[str, int]  # malformed lines by kind (MALFORMED_KINDS)
    error_lines: int


def build_server_logs(
    cfg: GeneratorConfig, pop: Population, rules: AutomationRules, connections: Integrations, calls: Calls
) -> ServerLogs:
    """The log lines of every service, with error spells, stack traces and malformed lines."""
    rng = stream(cfg.seed, "server-logs")
    lines = LogEvents.concat(
        [
            _automation_runs(cfg, pop, rules, rng),
            _scheduled_syncs(cfg, pop, connections, rng),
            _requested_jobs(pop, calls, rng),
            _api_requests(cfg, pop, rng),
        ]
    )
    lines = lines.take(np.flatnonzero((lines.time_us >= cfg.start_us) & (lines.time_us < cfg.as_of_us)))
    lines = _errors(cfg, pop, lines, rng)
    lines = _with_tracebacks(lines, rng)
    lines = _malformed(lines, rng)
    shipped = _render(cfg, lines, rng)
    final = shipped.lines
    malformed = {kind: int((final.malformed == i).sum()) for i, kind in enumerate(MALFORMED_KINDS)}
    return ServerLogs(shipped.table, malformed, int(((final.level == ERROR) & (final.trace < 0)).sum()))


# --- what the services do ---------------------------------------------------------------------


def _daily_grid(cfg: GeneratorConfig, begin_us: I64, end_us: I64) -> tuple[I64, I64]:
    return days_alive(begin_us, end_us, cfg.start_us, cfg.as_of_us)


def _office_hours(rng: np.random.Generator, pop: Population, account: I64, day_us: I64, spread: float) -> I64:
    local_hour = np.clip(rng.normal(13.0, spread, len(account)), 0.0, 23.99)
    return at_local_hour(pop.accounts.country[account], day_us, local_hour)


def _automation_runs(
    cfg: GeneratorConfig, pop: Population, rules: AutomationRules, rng: np.random.Generator
) -> LogEvents:
    enabled = np.flatnonzero(rules.enabled)
    account, trigger = rules.account[enabled], rules.trigger[enabled]
    rule, day = _daily_grid(cfg, rules.created_us[enabled], pop.accounts.end_us[account])
    acc, trig = account[rule], trigger[rule]
    level = pop.accounts.engagement(acc, day + 12 * US_PER_HOUR)
    on_changes = rng.poisson(np.array([0, 0, 4.0, 3.0, 2.0])[trig] * level * cfg.scale)
    runs = np.select([trig == 0, trig == 1], [1, 24], on_changes)
    run_rule, run_day, nth = np.repeat(rule, runs), np.repeat(day, runs), group_positions(runs)
    n = len(run_rule)
    minute_of_rule = (rules.created_us[enabled] // US_PER_MINUTE) % 60
    hour_of_rule = (rules.created_us[enabled] // US_PER_HOUR) % 24
    scheduled_hour = np.where(trigger[run_rule] == 1, nth, hour_of_rule[run_rule])
    scheduled = run_day + scheduled_hour * US_PER_HOUR + minute_of_rule[run_rule] * US_PER_MINUTE
    triggered = _office_hours(rng, pop, account[run_rule], run_day, 3.5)
    time = np.where(trigger[run_rule] <= 1, scheduled, triggered) + rng.integers(0, 20 * US_PER_SECOND, n)
    quantity = np.round(lognormal(rng, 1, 1.0, n) * np.array([40, 8, 15, 12, 25])[trigger[run_rule]])
    duration = 150 + quantity * 12 + lognormal(rng, 600, 0.8, n)
    alive = (time >= rules.created_us[enabled][run_rule]) & (time < pop.accounts.end_us[account[run_rule]])
    keep = np.flatnonzero(alive)
    return _events(
        AUTOMATION_WORKER, time[keep], account[run_rule][keep], np.full(len(keep), NONE), duration[keep], quantity[keep]
    )


def _scheduled_syncs(cfg: GeneratorConfig, pop: Population, conn: Integrations, rng: np.random.Generator) -> LogEvents:
    ends = np.minimum(conn.disconnected_us, pop.accounts.end_us[conn.account])
    integration, day = _daily_grid(cfg, conn.connected_us, ends)
    integration, nth = np.repeat(integration, 4), np.tile(np.arange(4), len(day))
    first_offset = (conn.connected_us // US_PER_MINUTE) % 360 * US_PER_MINUTE
    time = np.repeat(day, 4) + first_offset[integration] + nth * 6 * US_PER_HOUR
    keep = np.flatnonzero((time >= conn.connected_us[integration]) & (time < ends[integration]))
    integration, time = integration[keep], time[keep]
    n = len(time)
    quantity = np.round(lognormal(rng, 300, 1.2, n))
    return _events(
        SYNC_WORKER,
        time + rng.integers(0, 90 * US_PER_SECOND, n),
        conn.account[integration],
        np.full(n, NONE),
        800 + quantity * 4 + lognormal(rng, 1500, 0.7, n),
        quantity,
    )


def _requested_jobs(pop: Population, calls: Calls, rng: np.random.Generator) -> LogEvents:
    """Syncs users start by hand and exports of reports, seconds after the click."""
    parts = []
    for service, event_name, median_quantity in (
        (SYNC_WORKER, "Integration Sync Triggered", 300.0),
        (EXPORT_SERVICE, "Report Exported", 800.0),
    ):
        clicked = np.flatnonzero((calls.kind == TRACK) & (calls.etype == catalog.TYPE_INDEX[event_name]))
        n = len(clicked)
        quantity = np.round(lognormal(rng, median_quantity, 1.1, n))
        time = calls.time_us[clicked] + (rng.uniform(1, 90, n) * US_PER_SECOND).astype(np.int64)
        parts.append(
            _events(
                service,
                time,
                calls.account[clicked],
                calls.user[clicked],
                400 + quantity * 3 + lognormal(rng, 900, 0.7, n),
                quantity,
            )
        )
    return LogEvents.concat(parts)


def _api_requests(cfg: GeneratorConfig, pop: Population, rng: np.random.Generator) -> LogEvents:
    acc = pop.accounts
    api_from = acc.milestone_us[:, API]
    api_users = np.flatnonzero(api_from < NEVER)
    item, day = _daily_grid(cfg, api_from[api_users], acc.end_us[api_users])
    account = api_users[item]
    daily = lognormal(rng, 40, 0.8, acc.n)[account]
    level = acc.engagement(account, day + 12 * US_PER_HOUR) * WEEKDAY_ACTIVITY[weekday(day)] / 0.8
    count = rng.poisson(daily * level * cfg.scale)
    account, day = np.repeat(account, count), np.repeat(day, count)
    n = len(account)
    time = _office_hours(rng, pop, account, day, 4.0)
    status = np.array([200, 201, 400, 404, 401, 429])[choice_index(rng, (0.93, 0.03, 0.015, 0.01, 0.005, 0.01), n)]
    user = np.where(rng.random(n) < 0.1, pop.users.pick_member(rng, account, time, 0.5), NONE)
    limited = status == 429
    keep = np.flatnonzero((time >= api_from[account]) & (time < acc.end_us[account]))
    return _events(
        API_GATEWAY,
        time,
        account,
        user,
        lognormal(rng, 120, 0.7, n),
        np.full(n, NONE),
        status=status,
        level=np.where(limited, WARN, INFO),
        error_code=np.where(limited, RATE_LIMITED, NONE),
    ).take(keep)


# --- what goes wrong --------------------------------------------------------------------------


def _errors(cfg: GeneratorConfig, pop: Population, lines: LogEvents, rng: np.random.Generator) -> LogEvents:
    """Spells of errors for some accounts (an upstream outage, a bad deploy), and rare one-off errors."""
    acc = pop.accounts
    spells = 2
    start = acc.created_us[:, None] + (rng.random((acc.n, spells)) * (acc.end_us - acc.created_us)[:, None]).astype(
        np.int64
    )
    length = (rng.uniform(1, 5, (acc.n, spells)) * US_PER_HOUR).astype(np.int64)
    has = rng.random((acc.n, spells)) < np.array([0.15, 0.05])
    start = np.where(has, start, NEVER)
    in_spell = np.zeros(len(lines), bool)
    for k in range(spells):
        begin = start[lines.account, k]
        in_spell |= (lines.time_us >= begin) & (
            lines.time_us < begin + np.where(begin < NEVER, length[lines.account, k], 0)
        )
    failed = in_spell | (rng.random(len(lines)) < 0.002)
    n = len(lines)
    return replace(
        lines,
        event=np.where(failed, FAILED_EVENT[lines.service], lines.event),
        level=np.where(failed, ERROR, lines.level),
        status=np.where(failed, np.array([500, 502, 503])[choice_index(rng, (0.6, 0.25, 0.15), n)], lines.status),
        duration_ms=np.where(failed, 30_000 + rng.integers(0, 500, n), lines.duration_ms),
        quantity=np.where(failed, NONE, lines.quantity),
        error_code=np.where(failed, choice_index(rng, (0.45, 0.35, 0.2), n), lines.error_code),
    )


def _with_tracebacks(lines: LogEvents, rng: np.random.Generator) -> LogEvents:
    """Failing Python jobs print a stack trace right after their error line: lines that are not JSON."""
    failing = np.flatnonzero(
        (lines.level == ERROR) & (lines.service != API_GATEWAY) & (rng.random(len(lines)) < TRACEBACK_SHARE)
    )
    k = len(TRACEBACK)
    trace = lines.take(np.repeat(failing, k))
    trace_line = np.tile(np.arange(k, dtype=np.int64), len(failing))
    trace = replace(
        trace, time_us=trace.time_us + 1 + trace_line, trace=trace_line, malformed=np.full(len(trace_line), NOT_JSON)
    )
    return LogEvents.concat([lines, trace])


def _malformed(lines: LogEvents, rng: np.random.Generator) -> LogEvents:
    """A few JSON lines broken in other ways: truncated, missing fields, wrong types."""
    kinds = np.array(list(MALFORMED_SHARES))
    bounds = np.cumsum(list(MALFORMED_SHARES.values()))
    drawn = np.searchsorted(bounds, rng.random(len(lines)), side="right")
    kind = np.where(drawn < len(kinds), kinds[np.minimum(drawn, len(kinds) - 1)], NONE)
    kind = np.where((kind == QUANTITY_STRING) & (lines.quantity < 0), NONE, kind)
    kind = np.where(lines.trace >= 0, lines.malformed, kind)
    return replace(lines, malformed=kind)


# --- the files --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rendered:
    table: pa.Table
    lines: LogEvents


def _render(cfg: GeneratorConfig, lines: LogEvents, rng: np.random.Generator) -> _Rendered:
    offset_us = np.array([minutes for _, minutes in SERVICE_UTC_OFFSETS])[lines.service] * US_PER_MINUTE
    local_day = (lines.time_us + offset_us) // US_PER_DAY
    first_day = cfg.start_us // US_PER_DAY - 1
    file_code = lines.service * (cfg.days + 3) + (local_day - first_day)
    order = np.lexsort((lines.time_us, file_code))
    lines, file_code, offset_us = lines.take(order), file_code[order], offset_us[order]
    line_number = group_positions(np.unique(file_code, return_counts=True)[1].astype(np.int64)) + 1
    shipper = hourly_load_times(stream(cfg.seed, "log-shipping"), cfg.start_us, cfg.days * 24 + 48, 1, 10, 0.02)
    loaded = next_load(shipper, cfg.start_us, lines.time_us)
    shipped = np.flatnonzero(loaded <= cfg.as_of_us)
    shipped = shipped[np.lexsort((line_number[shipped], file_code[shipped], loaded[shipped]))]
    lines, file_code, offset_us = lines.take(shipped), file_code[shipped], offset_us[shipped]

    # A dataset generated in shards stands for several nodes of each service, one per shard:
    # each writes its own daily files.
    node = "" if cfg.shards == 1 else f".node-{cfg.shard + 1}"

    def file_names(codes: I64) -> list[str]:
        service, day = np.divmod(codes, cfg.days + 3)
        dates = ((day + first_day) * US_PER_DAY).astype("datetime64[us]").astype("datetime64[D]").astype(str)
        return [f"{SERVICES[s]}/{d}{node}.log" for s, d in zip(service.tolist(), dates.tolist(), strict=True)]

    table = table_of(
        raw_schema.SERVER_LOG_LINES,
        {
            "line_text": _line_texts(lines, offset_us, rng, IdSpace.of(cfg)),
            "log_file": rendered(file_code, file_names),
            "line_number": pa.array(line_number[shipped], pa.int64()),
            "_loaded_at": timestamps(loaded[shipped]),
        },
    )
    return _Rendered(table, lines)


def _quoted(values: pa.Array, codes: I64) -> pa.Array:
    """JSON string literals of a vocabulary, or ``null`` where the code is -1."""
    texts = join('"', values, '"')
    return pc.if_else(pa.array(codes < 0), "null", texts.take(pa.array(np.maximum(codes, 0))))


def _optional(name: str, value: pa.Array, omit: Bool) -> pa.Array:
    """``"name":value,`` or nothing at all where the field is missing from the line."""
    return pc.if_else(pa.array(omit), "", join(f'"{name}":', value, ","))


def _line_texts(lines: LogEvents, offset_us: I64, rng: np.random.Generator, ids: IdSpace) -> pa.Array:
    n = len(lines)
    local_ms = (lines.time_us + offset_us) // US_PER_MS
    suffix = pa.array([s for s, _ in SERVICE_UTC_OFFSETS]).take(pa.array(lines.service))
    ts = _unparseable_ts(join(iso_millis(local_ms), suffix), local_ms, lines.malformed == UNPARSEABLE_TS)
    quantity = pc.if_else(pa.array(lines.quantity < 0), "null", pa.array(lines.quantity).cast(pa.string()))
    quantity = pc.if_else(pa.array(lines.malformed == QUANTITY_STRING), join('"', quantity, '"'), quantity)
    account_ids = ids.account_vocabulary(int(lines.account.max(initial=0)) + 1)
    user_ids = ids.user_vocabulary(int(lines.user.max(initial=0)) + 1)
    body = join(
        "{",
        _optional("ts", join('"', ts, '"'), lines.malformed == MISSING_TS),
        '"level":',
        _quoted(pa.array(LEVELS), lines.level),
        ',"service":',
        _quoted(pa.array(SERVICES), lines.service),
        ",",
        _optional("event", _quoted(pa.array(EVENTS), lines.event), lines.malformed == MISSING_EVENT),
        _optional("account_id", _quoted(account_ids, lines.account), lines.malformed == MISSING_ACCOUNT),
        '"user_id":',
        _quoted(user_ids, lines.user),
        ',"request_id":"',
        hex_strings(random_bytes(rng, n, 8), "req_"),
        '","status":',
        pa.array(lines.status).cast(pa.string()),
        ',"duration_ms":',
        pa.array(lines.duration_ms).cast(pa.string()),
        ',"quantity":',
        quantity,
        ',"error_code":',
        _quoted(pa.array(ERROR_CODES), lines.error_code),
        "}",
    )
    body = _truncate(body, lines.malformed == TRUNCATED, rng)
    # Only the traceback rows take a traceback: an if_else over every row would build a
    # traceback for each line first (past 2 GiB of text, above a string array's offsets, at
    # about 30M raw rows).
    is_trace = lines.trace >= 0
    traces = pa.array(TRACEBACK).take(pa.array(lines.trace[is_trace]))
    return pc.replace_with_mask(body, pa.array(is_trace), traces)


def _unparseable_ts(ts: pa.Array, local_ms: I64, where: Bool) -> pa.Array:
    """A legacy logger prints day-first local time without offset: ``01/10/2026 12:00:03.120``."""
    rows = np.flatnonzero(where)
    if len(rows) == 0:
        return ts
    legacy = pc.strftime(pa.array(local_ms[rows], pa.timestamp("ms")), format="%d/%m/%Y %H:%M:%S")
    return pc.replace_with_mask(ts, pa.array(where), legacy)


def _truncate(texts: pa.Array, where: Bool, rng: np.random.Generator) -> pa.Array:
    """Lines cut off mid-write (a full disk, a killed process): never valid JSON."""
    rows = np.flatnonzero(where)
    if len(rows) == 0:
        return texts
    cut = np.array(texts.take(pa.array(rows)).to_pylist(), dtype=StringDType())
    keep = (np.strings.str_len(cut) * rng.uniform(0.2, 0.9, len(rows))).astype(np.int64)
    short = pa.array(np.strings.slice(cut, 0, keep).astype(object), pa.string())
    mask = np.zeros(len(texts), bool)
    mask[rows] = True
    return pc.replace_with_mask(texts, pa.array(mask), short)
