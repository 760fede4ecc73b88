"""Demo data for the usage warehouse: a fictional B2B analytics product, "Brightlane".

Brightlane customers (accounts on the starter, team, business or enterprise plan) invite
their colleagues, build reports and dashboards, connect integrations, import data and set up
automation rules. Three raw sources describe that usage, exactly as the raw landing contract
(:mod:`usage_warehouse.raw_schema`) defines them:

* Segment (``raw_segment``): page views, track events, identify and group calls sent by the
  web app (analytics.js) and the backend (analytics-python);
* server logs (``raw_server_logs``): one row per JSON log line written by the background
  services (automation runs, integration syncs, exports, the public API);
* the application database (``raw_app``): accounts, users, subscriptions and the records
  users create.

The data carries the faults real pipelines see (duplicate deliveries, late and clock-skewed
events, malformed log lines, unmapped event names, PII in odd places), each at a small,
counted rate. The public entry points live in :mod:`usage_warehouse.generator`.
"""
