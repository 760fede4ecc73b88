"""What Brightlane's web app and backend send to Segment: page types, track events, payloads.

Every in-app call has an *event type* (index into ``EVENT_TYPES``): the pages first, then the
track events. A track event's ``properties`` come from a weighted list of payload options;
a call stores the option's global index (``option_code``) and the JSON is rendered once per
distinct option, never once per call.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from usage_warehouse.demo.vocab import APP_URL, PROVIDERS, REPORT_TYPE_WEIGHTS, REPORT_TYPES, TRIGGER_TYPES

Payload = dict[str, object]
Option = tuple[Payload, float]


@dataclass(frozen=True)
class PageVariant:
    path: str
    search: str
    title: str

    @property
    def url(self) -> str:
        return f"{APP_URL}{self.path}{self.search}"


@dataclass(frozen=True)
class Adoption:
    """When an account starts using a feature: a median delay after signup, or never."""

    median_days: float
    never_share: float


@dataclass(frozen=True)
class EventType:
    """One page name or track event name of the product."""

    name: str
    is_page: bool
    weight: float  # share within in-session pages (pages) or in-session tracks (tracks); 0 = not in sessions
    page: str | None = None  # tracks: the page the user is on; None for server-side events
    options: tuple[Option, ...] = ()  # tracks: payload options; pages: unused
    variants: tuple[PageVariant, ...] = ()  # pages: the URLs of this page
    adoption: Adoption | None = None  # None: used from the first day
    requires: str | None = None  # an onboarding milestone that must be reached first
    in_taxonomy: bool = True
    server_side: bool = False
    option_weights: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        weights = tuple(w for _, w in self.options) if self.options else tuple(1.0 for _ in self.variants)
        object.__setattr__(self, "option_weights", weights)


def _options(**dimensions: tuple[tuple[object, float], ...]) -> tuple[Option, ...]:
    """Every combination of the given property values, weighted by the product of their weights."""
    names = list(dimensions)
    combos = itertools.product(*(dimensions[n] for n in names))
    return tuple(
        ({n: v for n, (v, _) in zip(names, combo, strict=True)}, float(np.prod([w for _, w in combo])))
        for combo in combos
    )


def _weighted(values: tuple[object, ...], weights: tuple[float, ...] | None = None) -> tuple[tuple[object, float], ...]:
    return tuple(zip(values, weights or (1.0,) * len(values), strict=True))


_REPORT_TYPE = _weighted(REPORT_TYPES, REPORT_TYPE_WEIGHTS)

PAGES: tuple[EventType, ...] = (
    EventType("Home", True, 12, variants=(PageVariant("/", "", "Home"), PageVariant("/home", "", "Home"))),
    EventType(
        "Dashboard",
        True,
        16,
        variants=(
            PageVariant("/dashboards/overview", "", "Overview · Dashboards"),
            PageVariant("/dashboards/pipeline", "", "Pipeline · Dashboards"),
            PageVariant("/dashboards/usage", "?range=30d", "Usage · Dashboards"),
        ),
    ),
    EventType(
        "Reports",
        True,
        13,
        variants=(
            PageVariant("/reports", "", "Reports"),
            PageVariant("/reports", "?sort=recent", "Reports"),
            PageVariant("/reports/weekly-kpis", "", "Weekly KPIs · Reports"),
        ),
    ),
    EventType(
        "Integrations",
        True,
        2.5,
        variants=(
            PageVariant("/integrations", "", "Integrations"),
            PageVariant("/integrations/catalog", "", "Integration catalog"),
        ),
    ),
    EventType(
        "Automations",
        True,
        2.5,
        variants=(
            PageVariant("/automations", "", "Automations"),
            PageVariant("/automations/new", "", "New automation"),
        ),
    ),
    EventType(
        "Settings",
        True,
        1.5,
        variants=(
            PageVariant("/settings/account", "", "Account settings"),
            PageVariant("/settings/members", "", "Members · Settings"),
            PageVariant("/settings/security", "", "Security · Settings"),
        ),
    ),
    EventType("Billing", True, 0.5, variants=(PageVariant("/settings/billing", "", "Billing · Settings"),)),
)

ONBOARDING_STEPS = (
    "complete_profile",
    "create_report",
    "connect_integration",
    "invite_teammate",
    "import_data",
    "create_automation",
)

TRACKS: tuple[EventType, ...] = (
    EventType(
        "Dashboard Viewed",
        False,
        13,
        "Dashboard",
        _options(
            dashboard=_weighted(("overview", "pipeline", "usage", "revenue", "custom"), (0.35, 0.2, 0.2, 0.15, 0.1))
        ),
    ),
    EventType("Report Viewed", False, 12, "Reports", _options(report_type=_REPORT_TYPE)),
    EventType(
        "Search Performed",
        False,
        6,
        "Reports",
        _options(query_length=_weighted(tuple(range(1, 41)), tuple(float(np.exp(-n / 9)) for n in range(1, 41)))),
        adoption=Adoption(2, 0.08),
    ),
    EventType(
        "Filter Applied",
        False,
        8,
        "Dashboard",
        _options(
            filter=_weighted(("date_range", "owner", "status", "segment", "region", "plan")),
            view=_weighted(("dashboard", "report"), (0.6, 0.4)),
        ),
        adoption=Adoption(1.5, 0.05),
    ),
    EventType(
        "Chart Created",
        False,
        2.5,
        "Reports",
        _options(chart_type=_weighted(("line", "bar", "pie", "table", "funnel"), (0.3, 0.3, 0.1, 0.2, 0.1))),
        adoption=Adoption(9, 0.3),
    ),
    EventType(
        "Report Exported",
        False,
        2.5,
        "Reports",
        _options(format=_weighted(("pdf", "csv", "xlsx"), (0.5, 0.35, 0.15)), report_type=_REPORT_TYPE),
        adoption=Adoption(12, 0.25),
    ),
    EventType(
        "Report Shared",
        False,
        1.6,
        "Reports",
        _options(report_type=_REPORT_TYPE, channel=_weighted(("link", "email", "slack"), (0.5, 0.3, 0.2))),
        adoption=Adoption(18, 0.35),
    ),
    EventType(
        "Automation Rule Tested",
        False,
        1.2,
        "Automations",
        _options(trigger_type=_weighted(TRIGGER_TYPES), succeeded=_weighted((True, False), (0.85, 0.15))),
        requires="automation",
    ),
    EventType(
        "Integration Sync Triggered",
        False,
        1.0,
        "Integrations",
        _options(provider=_weighted(PROVIDERS)),
        requires="integration",
    ),
    EventType("Onboarding Step Completed", False, 0, "Home", _options(step=_weighted(ONBOARDING_STEPS))),
    EventType(
        "API Key Created",
        False,
        0,
        None,
        _options(key_scope=_weighted(("read", "write", "admin"), (0.5, 0.35, 0.15))),
        server_side=True,
    ),
    EventType(
        "Beta Feature Clicked",
        False,
        0,
        "Dashboard",
        _options(feature=_weighted(("ai_summary", "smart_alerts", "natural_language_query"))),
        in_taxonomy=False,
    ),
    EventType(
        "Tooltip Shown",
        False,
        0,
        "Reports",
        _options(tooltip=_weighted(("filters_intro", "export_formats", "share_link", "chart_types"))),
        in_taxonomy=False,
    ),
)

EVENT_TYPES: tuple[EventType, ...] = PAGES + TRACKS
TYPE_INDEX: dict[str, int] = {t.name: i for i, t in enumerate(EVENT_TYPES)}
N_TYPES = len(EVENT_TYPES)
N_PAGES = len(PAGES)
UNMAPPED_TYPES = tuple(i for i, t in enumerate(EVENT_TYPES) if not t.in_taxonomy)

# Global numbering of page variants and of track payload options.
PAGE_VARIANTS: tuple[PageVariant, ...] = tuple(v for p in PAGES for v in p.variants)
VARIANT_PAGE: npt.NDArray[np.int64] = np.array([i for i, p in enumerate(PAGES) for _ in p.variants], dtype=np.int64)
VARIANT_OFFSET: npt.NDArray[np.int64] = np.cumsum([0] + [len(p.variants) for p in PAGES[:-1]]).astype(np.int64)
VARIANT_COUNT: npt.NDArray[np.int64] = np.array([len(p.variants) for p in PAGES], dtype=np.int64)

OPTIONS: tuple[Payload, ...] = tuple(payload for t in EVENT_TYPES for payload, _ in t.options)
OPTION_TYPE: npt.NDArray[np.int64] = np.array([i for i, t in enumerate(EVENT_TYPES) for _ in t.options], np.int64)
OPTION_OFFSET: npt.NDArray[np.int64] = np.cumsum([0] + [len(t.options) for t in EVENT_TYPES[:-1]]).astype(np.int64)

# Track page context: the page (index into PAGES) each track fires on, -1 server side.
TRACK_PAGE: npt.NDArray[np.int64] = np.array(
    [PAGES.index(next(p for p in PAGES if p.name == t.page)) if t.page else -1 for t in EVENT_TYPES], np.int64
)
PAGE_OF_TYPE: npt.NDArray[np.int64] = np.where(np.arange(N_TYPES) < N_PAGES, np.arange(N_TYPES), TRACK_PAGE)

SESSION_PAGE_SHARE = 0.45
ENTRY_PAGE_WEIGHTS: dict[str, float] = {"Home": 0.55, "Dashboard": 0.33, "Reports": 0.12}
FALLBACK_TYPE = TYPE_INDEX["Dashboard Viewed"]


def session_type_weights() -> npt.NDArray[np.float64]:
    """How likely each event type is for a call in the middle of a session."""
    page_w = np.array([t.weight if t.is_page else 0.0 for t in EVENT_TYPES])
    track_w = np.array([0.0 if t.is_page else t.weight for t in EVENT_TYPES])
    weights = SESSION_PAGE_SHARE * page_w / page_w.sum() + (1 - SESSION_PAGE_SHARE) * track_w / track_w.sum()
    return np.asarray(weights, dtype=np.float64)


def option_code(type_index: int, payload: Payload) -> int:
    """Global option index of an exact payload of an event type (for calls built from app records)."""
    local = [p for p, _ in EVENT_TYPES[type_index].options].index(payload)
    return int(OPTION_OFFSET[type_index]) + local


def sample_options(rng: np.random.Generator, types: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """For each call of the given event types, a local option (tracks) or variant (pages) index.

    Vectorised over mixed types: each type's cumulative weights are laid out on its own unit
    interval ``[type, type + 1)`` so one ``searchsorted`` serves every type.
    """
    bounds: list[npt.NDArray[np.float64]] = []
    starts: list[int] = []
    for i, t in enumerate(EVENT_TYPES):
        w = np.asarray(t.option_weights, dtype=np.float64)
        starts.append(sum(len(b) for b in bounds))
        bounds.append(i + np.cumsum(w / w.sum()))
    flat = np.concatenate(bounds)
    flat[np.cumsum([len(b) for b in bounds]) - 1] = np.arange(1, N_TYPES + 1)  # exact type ends
    position = np.searchsorted(flat, types + rng.random(len(types)), side="right")
    return (position - np.asarray(starts, dtype=np.int64)[types]).astype(np.int64)


def render_payload(payload: Payload, extra: Payload | None = None) -> str:
    """Segment-style compact JSON of a payload."""
    return json.dumps(payload | (extra or {}), separators=(",", ":"))
