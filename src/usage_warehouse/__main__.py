"""``python -m usage_warehouse``: the command line (see :mod:`usage_warehouse.cli`)."""

from usage_warehouse.cli import main

raise SystemExit(main())
