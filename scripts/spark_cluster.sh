#!/usr/bin/env bash
# Build the project on a real Spark cluster: a standalone master and worker and a Thrift
# server on 127.0.0.1, all from the pyspark wheel in the project's environment. Lands the
# hand-made test fixture (default) or the demo data, runs `dbt build` through the Thrift
# server (target spark_thrift), and stops the cluster. docs/engines_spark.md explains it.
#
#   scripts/spark_cluster.sh [--demo] [--accounts N] [--days N] [--dir DIR] [--keep-running]
#
# Needs Java 17 (make system-deps) and the environment (make setup). Ports: master 7077,
# Thrift 10001 (SPARK_THRIFT_PORT); web UIs are off.
set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$PROJECT_DIR/.venv}"
PYTHON="$VENV/bin/python"
DATA=fixture
ACCOUNTS=20
DAYS=60
WORK_DIR="${TMPDIR:-/tmp}/usage-warehouse-spark-cluster"
KEEP_RUNNING=0
THRIFT_PORT="${SPARK_THRIFT_PORT:-10001}"
WORKER_CORES="${SPARK_WORKER_CORES:-2}"
WORKER_MEMORY="${SPARK_WORKER_MEMORY:-4g}"

while [ $# -gt 0 ]; do
    case "$1" in
        --demo) DATA=demo ;;
        --accounts) ACCOUNTS="$2"; shift ;;
        --days) DAYS="$2"; shift ;;
        --dir) WORK_DIR="$2"; shift ;;
        --keep-running) KEEP_RUNNING=1 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "spark_cluster.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

command -v java >/dev/null || { echo "spark_cluster.sh: no java on PATH: install a Java 17 runtime (make system-deps)" >&2; exit 1; }
[ -x "$PYTHON" ] || { echo "spark_cluster.sh: no Python environment at $VENV: run make setup first" >&2; exit 1; }
SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')"
export SPARK_HOME SPARK_LOG_DIR="$WORK_DIR/logs" SPARK_LOCAL_IP=127.0.0.1
export PYTHONPATH="$PROJECT_DIR/src${PYTHONPATH:+:$PYTHONPATH}"

rm -rf "$WORK_DIR"
mkdir -p "$WORK_DIR/logs" "$WORK_DIR/worker"
SPARK_DIR="$WORK_DIR/spark"
PIDS=()
started=$(date +%s)
say() { echo "==> [$(( $(date +%s) - started ))s] $*"; }

stop_cluster() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
if [ "$KEEP_RUNNING" = 0 ]; then trap stop_cluster EXIT; fi

# wait_for PORT WHAT LOG: until something listens on 127.0.0.1:PORT (3 minutes at most).
wait_for() {
    for _ in $(seq 180); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 1
    done
    echo "spark_cluster.sh: the $2 did not listen on 127.0.0.1:$1 within 3 minutes; its log: $3" >&2
    tail -20 "$3" >&2
    exit 1
}

# 1. Raw data, landed with a local session (usage_warehouse.engines.spark) into the warehouse
#    directory and Derby metastore that the Thrift server opens next (Derby: one process at a time).
say "landing the $DATA raw data in $SPARK_DIR"
RAW_DB="$WORK_DIR/raw.duckdb"
if [ "$DATA" = demo ]; then
    "$PYTHON" -m usage_warehouse generate --db "$RAW_DB" --accounts "$ACCOUNTS" --days "$DAYS"
else
    PYTHONPATH="$PROJECT_DIR/pytests:$PYTHONPATH" "$PYTHON" -c "from fixture_data import load_fixture; load_fixture('$RAW_DB')"
fi
"$PYTHON" - "$RAW_DB" "$SPARK_DIR" <<'EOF'
import sys

import duckdb

from usage_warehouse.engines.spark import SparkEngine
from usage_warehouse.raw_schema import RAW_TABLES

engine = SparkEngine(sys.argv[2])
with duckdb.connect(sys.argv[1], read_only=True) as source:
    counts = engine.append_raw(source, RAW_TABLES)
engine.close()
print(f"landed {sum(counts.values()):,} rows in {len(counts)} raw tables")
EOF

# 2. The cluster: master, one worker, and the Thrift server as an application on it, over
#    the same warehouse directory and metastore (settings as in engines/spark.py).
say "starting the Spark master and a worker ($WORKER_CORES cores, $WORKER_MEMORY)"
"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 --webui-port 0 \
    >"$WORK_DIR/logs/master.log" 2>&1 &
PIDS+=($!)
wait_for 7077 "Spark master" "$WORK_DIR/logs/master.log"
"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker spark://127.0.0.1:7077 --host 127.0.0.1 \
    --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" --work-dir "$WORK_DIR/worker" --webui-port 0 \
    >"$WORK_DIR/logs/worker.log" 2>&1 &
PIDS+=($!)

say "starting the Thrift server on 127.0.0.1:$THRIFT_PORT"
CONF=()
while IFS='=' read -r key value; do CONF+=(--conf "$key=$value"); done < <(
    "$PYTHON" -c "
from pathlib import Path
from usage_warehouse.engines.spark import session_settings
for key, value in session_settings(Path('$SPARK_DIR')).items():
    print(f'{key}={value}')
print('spark.executor.extraJavaOptions=-Duser.timezone=UTC')
print('spark.cores.max=$WORKER_CORES')
")
"$SPARK_HOME/bin/spark-submit" --class org.apache.spark.sql.hive.thriftserver.HiveThriftServer2 \
    --master spark://127.0.0.1:7077 "${CONF[@]}" spark-internal \
    --hiveconf hive.server2.thrift.port="$THRIFT_PORT" --hiveconf hive.server2.thrift.bind.host=127.0.0.1 \
    >"$WORK_DIR/logs/thriftserver.log" 2>&1 &
PIDS+=($!)
wait_for "$THRIFT_PORT" "Thrift server" "$WORK_DIR/logs/thriftserver.log"

# 3. dbt through the Thrift server. Unit tests are left out: dbt-spark 1.11's Thrift method
#    fails on them (PyHive cannot fetch a DDL result); the session method runs them.
say "dbt build (target spark_thrift, selector spark, no unit tests)"
export USAGE_WAREHOUSE_TARGET=spark_thrift SPARK_THRIFT_HOST=127.0.0.1 SPARK_THRIFT_PORT="$THRIFT_PORT"
build_started=$(date +%s)
"$VENV/bin/dbt" build --selector spark --exclude-resource-type unit_test \
    --project-dir "$PROJECT_DIR" --profiles-dir "$PROJECT_DIR" \
    --target-path "$WORK_DIR/target" --log-path "$WORK_DIR/logs"
say "dbt build took $(( $(date +%s) - build_started ))s"

if [ "$KEEP_RUNNING" = 1 ]; then
    say "cluster left running (pids ${PIDS[*]}); Thrift server on 127.0.0.1:$THRIFT_PORT"
else
    say "stopping the cluster"
fi
