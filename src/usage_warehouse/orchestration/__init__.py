"""Orchestration with Dagster: the dbt project as assets, a daily job (landing → dbt build →
expectations checkpoint → run report) on a schedule, and a backfill job of the daily facts.

``dagster dev -m usage_warehouse.orchestration.definitions`` serves them in the Dagster UI;
``python -m usage_warehouse daily`` runs the daily job once (for cron). See docs/orchestration.md.
Dagster is imported only by the modules that need it: :mod:`.jobs` and :mod:`.definitions`.
"""
