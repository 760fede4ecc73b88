"""The application database as the warehouse receives it (``raw_app``): hourly extracts.

Each extracted row carries ``_loaded_at``, the end of the hourly extract that picked it up.
Current-state tables (accounts, users, subscriptions) are described in
:mod:`usage_warehouse.demo.app_state`, records people create in
:mod:`usage_warehouse.demo.app_records`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from usage_warehouse import raw_schema
from usage_warehouse.demo import app_records, app_state
from usage_warehouse.demo.activity import MilestoneActors
from usage_warehouse.demo.app_extracts import Extracts
from usage_warehouse.demo.config import NEVER, GeneratorConfig
from usage_warehouse.demo.population import API, MILESTONES, Population
from usage_warehouse.demo.rand import stream


@dataclass(frozen=True)
class AppData:
    tables: dict[str, pa.Table]
    actors: MilestoneActors


def build_app_tables(cfg: GeneratorConfig, pop: Population) -> AppData:
    """Every ``raw_app`` table, plus who reached each onboarding milestone."""
    extracts = Extracts(cfg)
    rng = stream(cfg.seed, "app-records")
    actors = np.full((pop.accounts.n, len(MILESTONES)), -1, np.int64)
    tables = {
        raw_schema.APP_ACCOUNTS.qualified_name: app_state.accounts_table(pop, extracts),
        raw_schema.APP_USERS.qualified_name: app_state.users_table(pop, extracts),
        raw_schema.APP_SUBSCRIPTIONS.qualified_name: app_state.subscriptions_table(cfg, pop, extracts),
        raw_schema.APP_REPORTS.qualified_name: app_records.reports_table(cfg, pop, extracts, rng, actors),
        raw_schema.APP_INTEGRATIONS.qualified_name: app_records.integrations_table(cfg, pop, extracts, rng, actors),
        raw_schema.APP_INVITATIONS.qualified_name: app_records.invitations_table(cfg, pop, extracts, rng, actors),
        raw_schema.APP_DATA_IMPORTS.qualified_name: app_records.data_imports_table(cfg, pop, extracts, rng, actors),
        raw_schema.APP_AUTOMATION_RULES.qualified_name: app_records.automation_rules_table(
            cfg, pop, extracts, rng, actors
        ),
        raw_schema.APP_SETTINGS_CHANGES.qualified_name: app_records.settings_changes_table(cfg, pop, extracts, rng),
        raw_schema.APP_ERASURE_REQUESTS.qualified_name: app_records.erasure_requests_table(pop, extracts),
    }
    api = np.flatnonzero(pop.accounts.milestone_us[:, API] < NEVER)
    actors[api, API] = pop.users.pick_member(rng, api, pop.accounts.milestone_us[api, API], owner_share=0.7)
    return AppData(tables, MilestoneActors(actors))
