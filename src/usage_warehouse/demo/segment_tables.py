"""Rendering delivered Segment calls as the four raw tables of the ``raw_segment`` schema.

Browser calls come from analytics.js with the page the user was on; backend calls come from
analytics-python, without page, user agent or anonymous id. Entry pages reached from a
campaign carry the ``utm_*`` values in their URL and in the ``context_campaign_*`` columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from usage_warehouse import raw_schema
from usage_warehouse.demo import catalog, vocab
from usage_warehouse.demo.activity import PII_OPTION_BASE, REFERRERS
from usage_warehouse.demo.calls import GROUP, IDENTIFY, PAGE, TRACK, Calls
from usage_warehouse.demo.columns import dictionary, rendered, table_of, timestamps, uuid_strings
from usage_warehouse.demo.delivery import Delivered, Deliveries
from usage_warehouse.demo.ids import IdSpace
from usage_warehouse.demo.population import MAX_CHANGES, Population
from usage_warehouse.demo.rand import I64
from usage_warehouse.load.segment import event_slug

_N_CAMPAIGNS = len(vocab.CAMPAIGNS)


def segment_tables(delivered: Delivered, pop: Population, ids: IdSpace) -> dict[str, pa.Table]:
    """The pages, tracks, identifies and groups tables, keyed by qualified name."""
    renderer = _Renderer(pop, ids)
    out = {}
    for table, kind, extra in (
        (raw_schema.SEGMENT_PAGES, PAGE, renderer.page_columns),
        (raw_schema.SEGMENT_TRACKS, TRACK, renderer.track_columns),
        (raw_schema.SEGMENT_IDENTIFIES, IDENTIFY, renderer.identify_columns),
        (raw_schema.SEGMENT_GROUPS, GROUP, renderer.group_columns),
    ):
        calls, rows, message_id = delivered.rows_of_kind(kind)
        columns = renderer.common_columns(calls, rows, message_id) | extra(calls)
        out[table.qualified_name] = table_of(table, columns)
    return out


def _campaign_search(variant: catalog.PageVariant, campaign: int) -> str:
    if campaign < 0:
        return variant.search
    name, source, medium = vocab.CAMPAIGNS[campaign]
    utm = f"utm_source={source}&utm_medium={medium}&utm_campaign={name}"
    return f"{variant.search}&{utm}" if variant.search else f"?{utm}"


def _page_url(variant: catalog.PageVariant, campaign: int) -> str:
    return f"{vocab.APP_URL}{variant.path}{_campaign_search(variant, campaign)}"


def _title(variant: catalog.PageVariant) -> str:
    return f"{variant.title} | Brightlane"


class _Renderer:
    """Turns call codes into the strings of the raw columns, once per distinct value."""

    def __init__(self, pop: Population, ids: IdSpace) -> None:
        self.pop = pop
        self.user_ids = ids.user_vocabulary(pop.users.n)
        self.account_ids = ids.account_vocabulary(pop.accounts.n)
        self.ips = pa.concat_arrays([pop.devices.ip, pa.array([vocab.BACKEND_IP])])
        self.emails = pop.users.emails.to_pylist()
        self.names = pop.users.full_names.to_pylist()

    # --- columns every call type has ----------------------------------------------------------

    def common_columns(self, calls: Calls, rows: Deliveries, message_id: npt.NDArray[np.uint8]) -> dict[str, pa.Array]:
        devices = self.pop.devices
        backend = calls.device < 0
        device = np.where(backend, 0, calls.device)
        campaign = calls.campaign
        return {
            "id": uuid_strings(message_id),
            "anonymous_id": dictionary(calls.device, devices.anonymous_id),
            "user_id": dictionary(calls.user, self.user_ids),
            "timestamp": timestamps(rows.timestamp_us),
            "original_timestamp": timestamps(rows.original_us),
            "sent_at": timestamps(rows.sent_us),
            "received_at": timestamps(rows.received_us),
            "uuid_ts": timestamps(rows.loaded_us),
            "context_library_name": dictionary(backend.astype(np.int64), [vocab.JS_LIBRARY, vocab.PYTHON_LIBRARY[0]]),
            "context_library_version": dictionary(
                np.where(backend, len(vocab.JS_LIBRARY_VERSIONS), devices.js_version[device]),
                [*vocab.JS_LIBRARY_VERSIONS, vocab.PYTHON_LIBRARY[1]],
            ),
            "context_ip": dictionary(np.where(backend, devices.n, device), self.ips),
            "context_user_agent": dictionary(
                np.where(backend, -1, devices.agent[device]), [ua for ua, _ in vocab.USER_AGENTS]
            ),
            "context_page_path": dictionary(calls.variant, [v.path for v in catalog.PAGE_VARIANTS]),
            "context_page_url": self._url(calls.variant, campaign),
            "context_page_referrer": dictionary(calls.referrer, REFERRERS),
            "context_page_title": dictionary(calls.variant, [_title(v) for v in catalog.PAGE_VARIANTS]),
            "context_campaign_name": dictionary(campaign, [c[0] for c in vocab.CAMPAIGNS]),
            "context_campaign_source": dictionary(campaign, [c[1] for c in vocab.CAMPAIGNS]),
            "context_campaign_medium": dictionary(campaign, [c[2] for c in vocab.CAMPAIGNS]),
        }

    @staticmethod
    def _page_code(variant: I64, campaign: I64) -> I64:
        return np.where(variant < 0, -1, variant * (_N_CAMPAIGNS + 1) + campaign + 1)

    @staticmethod
    def _decode_page(code: int) -> tuple[catalog.PageVariant, int]:
        variant, campaign = divmod(code, _N_CAMPAIGNS + 1)
        return catalog.PAGE_VARIANTS[variant], campaign - 1

    def _url(self, variant: I64, campaign: I64) -> pa.Array:
        def render(codes: I64) -> list[str]:
            return [_page_url(*self._decode_page(c)) for c in codes.tolist()]

        return rendered(self._page_code(variant, campaign), render)

    # --- per call type ------------------------------------------------------------------------

    def page_columns(self, calls: Calls) -> dict[str, pa.Array]:
        code = self._page_code(calls.variant, calls.campaign)
        n_ref = len(REFERRERS)

        def search(codes: I64) -> list[str]:
            return [_campaign_search(*self._decode_page(c)) for c in codes.tolist()]

        def properties(codes: I64) -> list[str]:
            out = []
            for c in codes.tolist():
                page_code, referrer = divmod(c, n_ref)
                variant, campaign = self._decode_page(page_code)
                out.append(
                    catalog.render_payload(
                        {
                            "path": variant.path,
                            "referrer": REFERRERS[referrer],
                            "search": _campaign_search(variant, campaign),
                            "title": _title(variant),
                            "url": _page_url(variant, campaign),
                        }
                    )
                )
            return out

        return self._page_location(calls) | {
            "name": dictionary(calls.etype, [p.name for p in catalog.PAGES]),
            "search": rendered(code, search),
            "properties": rendered(code * n_ref + calls.referrer, properties),
        }

    def _page_location(self, calls: Calls) -> dict[str, pa.Array]:
        """A page's own path, url, referrer and title are those of its page context."""
        return {
            "path": dictionary(calls.variant, [v.path for v in catalog.PAGE_VARIANTS]),
            "url": self._url(calls.variant, calls.campaign),
            "referrer": dictionary(calls.referrer, REFERRERS),
            "title": dictionary(calls.variant, [_title(v) for v in catalog.PAGE_VARIANTS]),
        }

    def track_columns(self, calls: Calls) -> dict[str, pa.Array]:
        names = dictionary(calls.etype, [t.name for t in catalog.EVENT_TYPES])
        slugs = dictionary(calls.etype, [event_slug(t.name) for t in catalog.EVENT_TYPES])
        # As Segment's warehouse connector writes them: the slug in event, the name as sent in event_text.
        return {"event": slugs, "event_text": names, "properties": rendered(calls.payload, self._track_payloads)}

    def _track_payloads(self, codes: I64) -> list[str]:
        out = []
        for code in codes.tolist():
            option, changed = divmod(code, 2)
            extra: catalog.Payload = {"client_retry_count": 1} if changed else {}
            if option >= PII_OPTION_BASE:
                recipient = option - PII_OPTION_BASE
                payload: catalog.Payload = {
                    "report_type": vocab.REPORT_TYPES[recipient % len(vocab.REPORT_TYPES)],
                    "channel": "email",
                    "recipient_email": self.emails[recipient],
                }
            else:
                payload = catalog.OPTIONS[option]
            out.append(catalog.render_payload(payload, extra))
        return out

    def identify_columns(self, calls: Calls) -> dict[str, pa.Array]:
        users, accounts = self.pop.users, self.pop.accounts
        role_names = vocab.ROLES
        account_ids = self.account_ids.to_pylist()

        def traits(codes: I64) -> Sequence[str]:
            user, changes = np.divmod(codes, MAX_CHANGES + 1)
            plan, _ = accounts.plan_and_seats(users.account[user], changes)
            return [
                catalog.render_payload(
                    {
                        "email": self.emails[u],
                        "name": self.names[u],
                        "role": role_names[r],
                        "plan": vocab.PLAN_NAMES[p],
                        "account_id": account_ids[a],
                    }
                )
                for u, r, p, a in zip(
                    user.tolist(), users.role[user].tolist(), plan.tolist(), users.account[user].tolist(), strict=True
                )
            ]

        return {"traits": rendered(calls.payload, traits)}

    def group_columns(self, calls: Calls) -> dict[str, pa.Array]:
        accounts = self.pop.accounts

        def traits(codes: I64) -> Sequence[str]:
            account, changes = np.divmod(codes, MAX_CHANGES + 1)
            plan, seats = accounts.plan_and_seats(account, changes)
            return [
                catalog.render_payload(
                    {
                        "name": accounts.names[a],
                        "plan": vocab.PLAN_NAMES[p],
                        "seats": s,
                        "industry": vocab.INDUSTRIES[accounts.industry[a]][0],
                    }
                )
                for a, p, s in zip(account.tolist(), plan.tolist(), seats.tolist(), strict=True)
            ]

        return {"group_id": dictionary(calls.account, self.account_ids), "traits": rendered(calls.payload, traits)}
