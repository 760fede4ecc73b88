"""`make bench`: how fast the warehouse builds, at dataset sizes given in events.

For each size the demo generator makes a dataset, dbt builds it in full, then once more
with one new day of loads (incremental) and once with no new data (dbt's fixed cost); the
compiled SQL of the full build is also run directly on DuckDB to show dbt's own overhead.
:func:`run_bench` returns the figures (the JSON of ``target/bench/results.json``) and
docs/benchmarks.md explains each of them.
"""

from usage_warehouse.bench.runner import BenchOptions, run_bench
from usage_warehouse.bench.sizes import parse_size, parse_sizes

__all__ = ["BenchOptions", "parse_size", "parse_sizes", "run_bench"]
