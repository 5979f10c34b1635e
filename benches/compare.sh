#!/usr/bin/env bash
# Side-by-side benchmark of preflight against the tools a data engineer would otherwise use
# (issue 7), run as whole processes on the same data and the same measures.
#
#   bash benches/compare.sh csv                     # tickets CSV, 2,000,000 rows: DuckDB, polars
#   bash benches/compare.sh parquet                 # the same table as Parquet (zstd)
#   bash benches/compare.sh csv10m                  # 10,000,000-row CSV: preflight's peak memory
#   bash benches/compare.sh overlap                 # 10M tickets against 1M customers: key overlap
#   bash benches/compare.sh pg                      # PostgreSQL push-down job, 1,000,000 rows
#   ROWS=1000000,2000000 RUNS=5 bash benches/compare.sh pg
#   bash benches/compare.sh keys                    # entity key sets, 10,000,000 keys a side
#   bash benches/compare.sh sql                     # tickets in SQLite, PostgreSQL, MariaDB: stream vs DuckDB
#   ENGINES=sqlite RUNS=3 bash benches/compare.sh sql
#   bash benches/compare.sh object                  # tickets Parquet in a loopback S3 server vs DuckDB httpfs
#   bash benches/compare.sh spark                   # 10,000,000 tickets on the Spark cluster: push-down vs PySpark
#   bash benches/compare.sh all                     # every job, then one combined table
#   ROWS=100000 KEYS=100000 RUNS=1 bash benches/compare.sh all     # a quick end-to-end check
#   PREFLIGHT_BIN=target/release/preflight bash benches/compare.sh csv   # that binary, no build
#
# Jobs:
#
#   csv  The support-tickets table (below) as one CSV file of ROWS rows (default 2,000,000),
#        measured by `preflight scan` and by DuckDB and Python polars, each computing the same
#        measures in one process invocation (benches/compare/duckdb_peer.py and
#        polars_peer.py, one query each): per column nulls, blanks (empty or whitespace-only),
#        placeholders (the default list, trimmed and case-insensitive), approximate distinct
#        (DuckDB approx_count_distinct, polars approx_n_unique), min and max over present
#        values; the timestamp's newest value and stale rows (older than AS_OF − 365 days); the
#        label's class counts; the key's exact distinct count and duplicate rows. These are
#        the measures preflight computes; it also does work the peers do not (PII classes,
#        suspected placeholders, evidence rows, the age histogram, complete/ready rows).
#
#   parquet
#        The same table as one Parquet file (zstd, row groups of 131,072 rows), same measures.
#
#   csv10m
#        The csv job at ROWS=10,000,000 by default: preflight must complete, and its peak
#        memory is the number to watch. Peers: DuckDB by default (it streams);
#        PEERS=duckdb,polars adds polars, which holds the whole table in memory.
#
#   overlap
#        The key overlap of tickets.customer_id (ROWS rows, default 10,000,000) against a CRM
#        customers table of ROWS/10 rows (1,000,000). Both files are Parquet (zstd), for the
#        peers' sake: from Parquet they read only the key column, where from CSV they would
#        parse every column, so they compete on the join, not on CSV parsing. preflight scans a
#        profile of the two sources and one [[entities]] normalizing with `strip_prefix:C-` and
#        `strip_leading_zeros`; DuckDB runs one query with the same normalization in SQL: the
#        distinct normalized keys of each file, fully outer-joined, giving distinct keys each
#        side, keys in both and keys only in one side. Both sources list `columns = []`, so
#        preflight reads and measures only the entity's key columns, as the peers do.
#        PEERS=duckdb,polars adds polars (the two key sets collected together, then an inner
#        join).
#
#   keys An entity across two CSV files of KEYS (default 10,000,000) distinct keys each,
#        `C-00000001`… against bare numbers offset by half, so half the keys match once
#        normalized (`strip_prefix:C-`, `strip_leading_zeros`) and none as written. Runs
#        `preflight scan` RUNS times under /usr/bin/time -v, checks the counts in its report, and
#        prints the median wall time and peak memory (benches/out/compare-keys.json). This is the
#        memory bound the README states for entities.
#
#   pg   A PostgreSQL table of support tickets, measured by `preflight scan` (push-down: the
#        database computes every measure) and by `psql` running a hand-written aggregate query
#        computing the same measures (benches/compare.sh writes it; see `write_query` below).
#        Also records the time issue 3's push-down test asks the benchmark to record.
#
#   sql  The tickets CSV of ROWS rows (default 1,000,000) loaded into SQLite, PostgreSQL and
#        MariaDB/MySQL (benches/compare/sql_load.py, through DuckDB, so every engine holds the
#        same rows; an integer primary key `n` beside the CSV's columns), then per engine in
#        ENGINES (default sqlite,postgres,mysql): `preflight scan` of the table (the stream path,
#        which `pushdown = "auto"` picks at this size; `columns` lists the CSV's columns, so `n`
#        is not measured) against DuckDB attaching the same table with its sqlite, postgres or
#        mysql extension and running duckdb_peer.py's measures query. DuckDB and its extensions
#        come from PyPI (duckdb==1.5.5 and duckdb-extension-{sqlite,postgres,mysql}-scanner
#        1.5.5, which require that DuckDB) in their own environment, $PREFLIGHT_BENCH_VENV-sql.
#        Warm-up, results.py check, RUNS alternating runs, medians: as the file jobs, written to
#        benches/out/compare-sql-<engine>.json. Servers: PREFLIGHT_BENCH_POSTGRES_URL (as pg)
#        and PREFLIGHT_BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/test); a database
#        `preflight_bench_<pid>_<time>` is created on each and dropped on exit.
#
#   object
#        The parquet job's tickets file (ROWS rows, default 2,000,000) uploaded to an
#        S3-compatible server on loopback (PREFLIGHT_BENCH_S3_ENDPOINT, default moto's
#        http://127.0.0.1:5010, as .ci/run starts it) into a bucket `preflight-bench-<pid>-<time>`
#        (created with plain HTTP PUTs, which moto takes unsigned, and removed on exit). preflight
#        scans `s3://bucket/tickets-ROWS.parquet` (footer, then the column chunks by range
#        requests) against DuckDB reading the same URL with its httpfs extension and running
#        duckdb_peer.py's measures query. DuckDB and httpfs come from PyPI (duckdb==1.5.5 and
#        duckdb-extension-httpfs==1.5.5) in their own environment, $PREFLIGHT_BENCH_VENV-object.
#        Both read with the test key `testing`/`testing` (AWS_ACCESS_KEY_ID and
#        AWS_SECRET_ACCESS_KEY for preflight, a DuckDB S3 secret for DuckDB). Warm-up, results.py
#        check, RUNS alternating runs, medians and the ratio: as the file jobs, written to
#        benches/out/compare-object.json; preflight's `read` block (bytes fetched) is printed.
#   spark
#        A tickets table of ROWS rows (default 10,000,000) computed inside Spark and written as
#        Parquet by its executors (benches/compare/spark_peer.py generate; kept under
#        PREFLIGHT_BENCH_DATA/spark/), on the cluster at PREFLIGHT_BENCH_SPARK_URL (default
#        PREFLIGHT_TEST_SPARK_URL, then sc://127.0.0.1:15002: the two-worker cluster .ci/run
#        starts). `preflight scan` of a profile reading it by path (every measure pushed down as
#        Spark SQL) against spark_peer.py measures: the hand-written queries for the same
#        measures, run by the PySpark Connect client. Warm-up, a check that both agree (rows,
#        complete rows, per column nulls, blanks, placeholders and exact distinct, stale and
#        future rows, label classes), RUNS (default 3) alternating runs of each whole process,
#        medians, the ratio, and preflight's `read.rows_transferred` / `bytes_transferred`
#        (benches/out/compare-spark.json). Not part of `all`.
#
#   all  csv, parquet, csv10m, overlap, pg (skipped, with a note, when the PostgreSQL server
#        does not answer) and keys, one after the other in one environment (ROWS, KEYS, RUNS
#        and PEERS apply to every job that reads them; unset, each job takes its own default),
#        preflight built once; then one table of every job's medians and ratios
#        (benches/out/compare-all.json).
#
# What the file jobs (csv, parquet, csv10m, overlap) do, per size in ROWS:
#   1. create a virtual environment at PREFLIGHT_BENCH_VENV (default
#      $HOME/.cache/preflight-bench/venv) when it is missing, and pip-install the pinned peers
#      from PyPI when the installed versions differ: duckdb==2.0.1 polars==2.1.0 (and, to write
#      the data, pyarrow==26.0.1 numpy==2.4.6);
#   2. generate the data with benches/compare/generate.py, seeded (numpy PCG64, seed 7), once:
#      files are kept under PREFLIGHT_BENCH_DATA (default $HOME/.cache/preflight-bench) in a
#      folder named after the generator's version (v1/tickets-2000000.csv, …), reused by later
#      runs, never committed. The tickets: ticket_id (a few duplicates), customer_id
#      (`C-0000123`/`123` drift), created_at, updated_at (~1% null), channel, priority, category
#      (the label: ~30% null, `""`, `"  "` or a placeholder; six imbalanced classes and a
#      variant `Billing`), subject, body (5–60 words), agent_email, csat. The customers:
#      customer_id (bare numbers, ~3% gaps), name, email, country, segment, updated_at.
#      generate.py's header gives every share;
#   3. write the profile preflight scans into a mktemp directory: the tickets with
#      timestamp = updated_at, label = category, key = ticket_id and required = ticket_id,
#      customer_id, subject, body, category (overlap: the two sources and the entity);
#   4. run each tool once untimed (a warm-up: the files into the page cache) and check that
#      preflight's JSON report and each peer's output agree (benches/compare/results.py check:
#      row count, nulls, blanks and placeholders per column, label classes, newest, stale rows,
#      the key's distinct count and duplicate rows; overlap: every key count). A mismatch
#      fails the job;
#   5. run, alternating, RUNS times each (default 5), each under /usr/bin/time -v for wall time
#      and peak RSS:
#        preflight scan PROFILE --format json --out FILE --quiet --as-of AS_OF
#        VENV/bin/python benches/compare/duckdb_peer.py measures|overlap …   (then polars_peer.py)
#      preflight's exit code 1 (a FAIL verdict, expected on this flawed data) is not an error;
#   6. print the medians per tool and the ratio preflight/peer, and write them with the check,
#      the versions and every tool's distinct counts beside preflight's to
#      benches/out/compare-<job>.json (benches/out/ is gitignored), after every size; the last
#      outputs are kept as benches/out/compare-<job>-<tool>-ROWS.json.
# The peers follow preflight's semantics (benches/compare/tables.py): CSV is read with the
# table's types given (no inference); DuckDB reads a quoted `""` as NULL by default, so it is
# told `allow_quoted_nulls = false` and keeps it an empty string, as preflight and polars do. A
# peer's peak RSS includes its Python interpreter.
#
# What the pg job does, per size in ROWS:
#   1. builds preflight with `cargo build --release --locked` into CARGO_TARGET_DIR
#      (default $HOME/.cache/preflight-target, as .ci/run) and runs that binary (every job
#      does; with PREFLIGHT_BIN set, every job runs that binary instead, without building);
#   2. creates a uniquely named database `preflight_bench_<pid>_<time>` on the server of
#      PREFLIGHT_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres; the
#      role must be allowed to CREATE DATABASE; trust or PGPASSWORD) and drops it on exit;
#   3. generates a deterministic `tickets` table with generate_series: every choice comes from
#      md5(i::text), never random(), so a size always gives the same table; then ANALYZE;
#   4. writes a temporary profile and the equivalent SQL into a mktemp directory;
#   5. runs, alternating, RUNS times each (default 5):
#        preflight scan PROFILE --format json --out FILE --quiet --as-of AS_OF
#        psql -X -q -f query.sql -o /dev/null
#      each under /usr/bin/time -v for wall time and peak RSS. preflight's exit code 1 (a FAIL
#      verdict, expected on this deliberately flawed data) is not an error; 2 or more is;
#   6. checks that preflight's JSON reports the generated row count;
#   7. prints a table of medians (wall seconds, peak MB) and the ratio preflight/psql, and
#      writes the same to benches/out/compare-pg.json (benches/out/ is gitignored), after
#      every size; preflight's last report is kept as benches/out/compare-pg-report-ROWS.json.
# preflight's report does not say how many rows crossed the wire, so the push-down evidence
# (rows fetched) is not shown here; the push-down test in src/sources/sql/mod.rs counts them.
#
# Needs: python3 with venv (and PyPI on first use), /usr/bin/time (Debian package `time`), cargo
# unless PREFLIGHT_BIN is set; pg also needs psql and a PostgreSQL server.
# Environment: ROWS (comma-separated sizes; default 2000000 for csv and parquet, 10000000 for
# csv10m and overlap, 1000000 for pg), KEYS (keys, default 10000000), RUNS (default 5; keys 3),
# PEERS (file jobs: comma-separated among duckdb and polars, or none; default duckdb,polars for
# csv and parquet, duckdb for csv10m and overlap), AS_OF (default 2026-11-25T00:00:00Z, the
# generated data's "now"), PREFLIGHT_BIN (the preflight binary to run; no cargo build when
# set), CARGO_TARGET_DIR, PREFLIGHT_BENCH_DATA, PREFLIGHT_BENCH_VENV,
# PREFLIGHT_BENCH_POSTGRES_URL (pg: default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail

job=${1:-}
case "$job" in
  csv | parquet | csv10m | overlap | pg | keys | sql | object | spark | all) ;;
  *)
    echo "usage: bash benches/compare.sh csv|parquet|csv10m|overlap|pg|keys|sql|object|spark|all   (ROWS=2000000 KEYS=10000000 RUNS=5 PEERS=duckdb,polars PREFLIGHT_BIN=…)" >&2
    exit 2
    ;;
esac

# Paths given relative to the caller's directory stay valid after the `cd` below.
absolute() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}
[ -z "${PREFLIGHT_BIN:-}" ] || PREFLIGHT_BIN=$(absolute "$PREFLIGHT_BIN")
BENCH_DATA=$(absolute "${PREFLIGHT_BENCH_DATA:-$HOME/.cache/preflight-bench}")
BENCH_VENV=$(absolute "${PREFLIGHT_BENCH_VENV:-$HOME/.cache/preflight-bench/venv}")
# The peers' versions, pinned; a venv holding other versions is brought to these.
PINS="duckdb==2.0.1 polars==2.1.0 pyarrow==26.0.1 numpy==2.4.6"

cd "$(dirname "$0")/.."
root=$(pwd)
# No __pycache__ beside benches/compare/*.py.
export PYTHONDONTWRITEBYTECODE=1

[ -x /usr/bin/time ] || { echo "compare.sh: /usr/bin/time is required (Debian package \`time\`)" >&2; exit 2; }

# Sets `bin`: PREFLIGHT_BIN when set, else a release build of this checkout.
preflight_bin() {
  if [ -n "${PREFLIGHT_BIN:-}" ]; then
    bin=$PREFLIGHT_BIN
    [ -x "$bin" ] || { echo "compare.sh: PREFLIGHT_BIN=$bin is not an executable file" >&2; exit 2; }
    echo "using $bin (PREFLIGHT_BIN: no cargo build)" >&2
  else
    command -v cargo >/dev/null 2>&1 || { echo "compare.sh: \`cargo\` is required (or set PREFLIGHT_BIN)" >&2; exit 2; }
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/preflight-target}
    echo "building preflight (release)…" >&2
    cargo build --release --locked --quiet
    bin="$CARGO_TARGET_DIR/release/preflight"
    [ -x "$bin" ] || { echo "compare.sh: no binary at $bin" >&2; exit 2; }
  fi
}

# Runs a command under /usr/bin/time -v; prints "wall_seconds peak_kb exit_code". Its output
# goes to $work/cmd.out and $work/cmd.err.
timed() {
  local tf="$work/time.txt" rc=0
  /usr/bin/time -v -o "$tf" "$@" >"$work/cmd.out" 2>"$work/cmd.err" || rc=$?
  python3 - "$tf" "$rc" <<'PY'
import sys
wall = rss = None
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("Elapsed (wall clock) time"):
        v = line.rsplit(": ", 1)[1]
        s = 0.0
        for p in v.split(":"):
            s = s * 60 + float(p)
        wall = s
    elif line.startswith("Maximum resident set size"):
        rss = int(line.rsplit(": ", 1)[1])
print(f"{round(wall, 2)} {rss} {sys.argv[2]}")
PY
}

# Every job, one after the other, then the combined table.
if [ "$job" = "all" ]; then
  since=$(date +%s)
  preflight_bin
  export PREFLIGHT_BIN="$bin"
  for j in csv parquet csv10m overlap; do
    echo "== $j" >&2
    bash "$root/benches/compare.sh" "$j"
  done
  echo "== pg" >&2
  pg_url=${PREFLIGHT_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  if command -v psql >/dev/null 2>&1 && psql -X -q -d "$pg_url" -c "SELECT 1" >/dev/null 2>&1; then
    bash "$root/benches/compare.sh" pg
  else
    echo "all: pg skipped: no PostgreSQL server answers at PREFLIGHT_BENCH_POSTGRES_URL (or no psql)" >&2
  fi
  echo "== keys" >&2
  bash "$root/benches/compare.sh" keys
  python3 "$root/benches/compare/results.py" combine "$root/benches/out" "$since"
  exit 0
fi

# The file jobs: generated CSV or Parquet files, preflight against DuckDB and polars.
if [ "$job" = "csv" ] || [ "$job" = "parquet" ] || [ "$job" = "csv10m" ] || [ "$job" = "overlap" ]; then
  case "$job" in
    csv) fmt=csv mode=measures default_rows=2000000 default_peers=duckdb,polars ;;
    parquet) fmt=parquet mode=measures default_rows=2000000 default_peers=duckdb,polars ;;
    csv10m) fmt=csv mode=measures default_rows=10000000 default_peers=duckdb ;;
    overlap) fmt=parquet mode=overlap default_rows=10000000 default_peers=duckdb ;;
  esac
  ROWS=${ROWS:-$default_rows}
  RUNS=${RUNS:-5}
  AS_OF=${AS_OF:-2026-11-25T00:00:00Z}
  PEERS=${PEERS:-$default_peers}
  peers=()
  if [ "$PEERS" != "none" ]; then
    IFS=',' read -r -a peers <<<"$PEERS"
  fi
  for p in "${peers[@]}"; do
    case "$p" in
      duckdb | polars) ;;
      *) echo "compare.sh: PEERS: unknown peer \`$p\` (expected duckdb, polars or none)" >&2; exit 2 ;;
    esac
  done
  command -v python3 >/dev/null 2>&1 || { echo "compare.sh: \`python3\` is required" >&2; exit 2; }
  preflight_bin

  # The peers' virtual environment, created when missing and brought to the pinned versions.
  py="$BENCH_VENV/bin/python"
  if [ ! -x "$py" ]; then
    echo "creating the virtual environment $BENCH_VENV…" >&2
    python3 -m venv "$BENCH_VENV"
  fi
  # shellcheck disable=SC2086 # PINS is a list of words
  if ! "$py" - $PINS <<'PY'; then
import sys
from importlib.metadata import PackageNotFoundError, version
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
    echo "installing $PINS into $BENCH_VENV…" >&2
    # shellcheck disable=SC2086
    "$py" -m pip install --quiet --disable-pip-version-check $PINS
  fi

  work=$(mktemp -d "${TMPDIR:-/tmp}/preflight-$job.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$root/benches/out" "$BENCH_DATA"
  results="$work/results.jsonl"
  : >"$results"
  case "$job" in
    csv | parquet) what="tickets $fmt, per-column measures" ;;
    csv10m) what="tickets csv at 10M, per-column measures" ;;
    overlap) what="key overlap, tickets against customers (parquet)" ;;
  esac
  "$py" - "$work/meta.json" "$job" "$what" "$fmt" "$mode" "$RUNS" "$AS_OF" "$PEERS" "$("$bin" --version)" "$bin" "$root/benches/compare" <<'PY'
import json, platform, sys
from importlib.metadata import version
out, job, what, fmt, mode, runs, as_of, peers, pf_version, pf_bin, here = sys.argv[1:]
sys.path.insert(0, here)
import generate
doc = {"job": job, "what": what, "format": fmt, "mode": mode, "runs": int(runs), "as_of": as_of,
       "peers": [p for p in peers.split(",") if p and p != "none"],
       "versions": {"preflight": pf_version, "preflight_bin": pf_bin, "duckdb": version("duckdb"),
                    "polars": version("polars"), "pyarrow": version("pyarrow"), "numpy": version("numpy"),
                    "python": platform.python_version(), "generator": generate.GEN_VERSION}}
json.dump(doc, open(out, "w"), indent=2)
PY

  # One timed run of TOOL (preflight or a peer), its output as $work/TOOL.json; sets `w` (wall
  # seconds) and `m` (peak KB). Fails the job when the tool fails. Not run in a subshell, so
  # that `exit` ends the job.
  run_tool() {
    local tool=$1 c
    if [ "$tool" = "preflight" ]; then
      read -r w m c < <(timed "$bin" scan "$work/bench.toml" --format json --out "$work/preflight.json" --quiet --as-of "$AS_OF")
      if [ "$c" -gt 1 ]; then
        echo "compare.sh: preflight exited $c" >&2
        cat "$work/cmd.err" >&2
        exit 1
      fi
    else
      read -r w m c < <(timed "$py" "$root/benches/compare/${tool}_peer.py" "${peer_args[@]}" "$work/$tool.json")
      if [ "$c" != 0 ]; then
        echo "compare.sh: $tool exited $c" >&2
        cat "$work/cmd.err" >&2
        exit 1
      fi
    fi
  }

  IFS=',' read -r -a sizes <<<"$ROWS"
  for n in "${sizes[@]}"; do
    gen_start=$(date +%s.%N)
    echo "data: $n ticket rows ($fmt) under $BENCH_DATA…" >&2
    tickets=$("$py" "$root/benches/compare/generate.py" "$BENCH_DATA" tickets "$n" "$fmt")
    customers=""
    if [ "$mode" = "overlap" ]; then
      n_customers=$("$py" -c "import sys; sys.path.insert(0, sys.argv[1]); import tables; print(tables.customers_for(int(sys.argv[2])))" "$root/benches/compare" "$n")
      customers=$("$py" "$root/benches/compare/generate.py" "$BENCH_DATA" customers "$n_customers" "$fmt")
    fi
    gen_secs=$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$gen_start" "$(date +%s.%N)")
    echo "  $tickets ($(du -m "$tickets" | cut -f1) MB)${customers:+, $customers ($(du -m "$customers" | cut -f1) MB)}; ${gen_secs}s" >&2

    if [ "$mode" = "measures" ]; then
      cat >"$work/bench.toml" <<TOML
[pilot]
name = "bench-$job"

[defaults]
stale_after = "365d"

[[sources]]
name = "tickets"
path = $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$tickets")
format = "$fmt"
timestamp = "updated_at"
label = "category"
key = "ticket_id"
required = ["ticket_id", "customer_id", "subject", "body", "category"]
TOML
      peer_args=(measures "$fmt" "$tickets" "$AS_OF")
    else
      cat >"$work/bench.toml" <<TOML
[pilot]
name = "bench-$job"

[[sources]]
name = "tickets"
path = $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$tickets")
columns = []

[[sources]]
name = "crm"
path = $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$customers")
columns = []

[[entities]]
name = "customer"
keys = ["tickets.customer_id", "crm.customer_id"]
normalize = ["strip_prefix:C-", "strip_leading_zeros"]
TOML
      peer_args=(overlap "$fmt" "$tickets" "$customers")
    fi

    # Warm-up, untimed, and the sanity check on its outputs.
    for tool in preflight "${peers[@]}"; do
      run_tool "$tool"
      echo "  warm-up $tool ${w}s $((m / 1024)) MB" >&2
    done
    peer_outs=()
    for p in "${peers[@]}"; do
      peer_outs+=("$work/$p.json")
    done
    if [ "${#peer_outs[@]}" -gt 0 ]; then
      python3 "$root/benches/compare/results.py" check "$mode" "$work/preflight.json" "$work/check-$n.json" "${peer_outs[@]}"
    else
      echo "  no peers: nothing to check against" >&2
    fi

    for r in $(seq 1 "$RUNS"); do
      for tool in preflight "${peers[@]}"; do
        run_tool "$tool"
        echo "{\"rows\": $n, \"tool\": \"$tool\", \"run\": $r, \"wall_s\": $w, \"peak_kb\": $m}" >>"$results"
        printf '  run %s %-9s %6ss %6s MB\n' "$r" "$tool" "$w" "$((m / 1024))" >&2
      done
    done
    for tool in preflight "${peers[@]}"; do
      cp "$work/$tool.json" "$root/benches/out/compare-$job-$tool-$n.json"
    done
    python3 - "$n" "$tickets" "$customers" "$gen_secs" "$work/check-$n.json" >>"$results" <<'PY'
import json, os, sys
n, tickets, customers, gen_secs, check = sys.argv[1:]
files = {"tickets": {"path": tickets, "mb": round(os.path.getsize(tickets) / 2**20, 1)}}
if customers:
    files["customers"] = {"path": customers, "mb": round(os.path.getsize(customers) / 2**20, 1)}
print(json.dumps({"rows": int(n), "files": files, "generate_s": float(gen_secs), "check_path": check}))
PY
    python3 "$root/benches/compare/results.py" summarize "$results" "$work/meta.json" "$root/benches/out/compare-$job.json"
  done
  exit 0
fi

# The sql job: one generated table in three engines, preflight's stream against DuckDB's scanners.
if [ "$job" = "sql" ]; then
  ROWS=${ROWS:-1000000}
  RUNS=${RUNS:-5}
  AS_OF=${AS_OF:-2026-11-25T00:00:00Z}
  ENGINES=${ENGINES:-sqlite,postgres,mysql}
  PG_URL=${PREFLIGHT_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
  MY_URL=${PREFLIGHT_BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
  SQL_PINS="duckdb==1.5.5 duckdb-extension-sqlite-scanner==1.5.5 duckdb-extension-postgres-scanner==1.5.5 duckdb-extension-mysql-scanner==1.5.5 pyarrow==26.0.1 numpy==2.4.6"
  preflight_bin
  venv="$BENCH_VENV-sql"
  py="$venv/bin/python"
  [ -x "$py" ] || python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$py" -m pip install --quiet --disable-pip-version-check $SQL_PINS
  work=$(mktemp -d "${TMPDIR:-/tmp}/preflight-sql.XXXXXX")
  db="preflight_bench_$$_$(date +%s)"
  # A URL's parts for the other clients: user, password, host, port.
  url_part() { python3 -c "import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print({'user': p.username or '', 'password': p.password or '', 'host': p.hostname or '127.0.0.1', 'port': p.port or ''}[sys.argv[2]])" "$1" "$2"; }
  sql_cleanup() {
    case ",$ENGINES," in *,postgres,*) psql -X -q -d "$PG_URL" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true ;; esac
    case ",$ENGINES," in *,mysql,*) mysql -h "$(url_part "$MY_URL" host)" -P "$(url_part "$MY_URL" port)" -u "$(url_part "$MY_URL" user)" -e "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true ;; esac
    rm -rf "$work"
  }
  trap sql_cleanup EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$root/benches/out" "$BENCH_DATA"
  tickets=$("$py" "$root/benches/compare/generate.py" "$BENCH_DATA" tickets "$ROWS" csv)
  columns=$("$py" -c "import sys, json; sys.path.insert(0, sys.argv[1]); import tables; print(json.dumps([n for n, _ in tables.TICKETS]))" "$root/benches/compare")
  IFS=',' read -r -a engines <<<"$ENGINES"
  for engine in "${engines[@]}"; do
    case "$engine" in
      sqlite)
        target="$work/tickets.db"
        url="sqlite://$target"
        ;;
      postgres)
        psql -X -q -d "$PG_URL" -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\"" >/dev/null
        url="${PG_URL%/*}/$db"
        target="host=$(url_part "$PG_URL" host) port=$(url_part "$PG_URL" port) user=$(url_part "$PG_URL" user) dbname=$db"
        ;;
      mysql)
        mysql -h "$(url_part "$MY_URL" host)" -P "$(url_part "$MY_URL" port)" -u "$(url_part "$MY_URL" user)" -e "CREATE DATABASE $db"
        url="${MY_URL%/*}/$db"
        target="host=$(url_part "$MY_URL" host) port=$(url_part "$MY_URL" port) user=$(url_part "$MY_URL" user) database=$db"
        ;;
      *) echo "compare.sh: ENGINES: unknown engine \`$engine\` (expected sqlite, postgres, mysql)" >&2; exit 2 ;;
    esac
    load_start=$(date +%s)
    loaded=$("$py" "$root/benches/compare/sql_load.py" "$tickets" "$engine" "$target")
    echo "$engine: $loaded rows loaded in $(($(date +%s) - load_start))s" >&2
    cat >"$work/bench.toml" <<TOML
[pilot]
name = "bench-sql-$engine"

[defaults]
stale_after = "365d"

[[sources]]
name = "tickets"
url = "$url"
table = "tickets"
columns = $columns
timestamp = "updated_at"
label = "category"
key = "ticket_id"
required = ["ticket_id", "customer_id", "subject", "body", "category"]
TOML
    results="$work/results-$engine.jsonl"
    : >"$results"
    "$py" - "$work/meta.json" "$engine" "$RUNS" "$AS_OF" "$("$bin" --version)" "$bin" <<'PY'
import json, platform, sys
from importlib.metadata import version
out, engine, runs, as_of, pf_version, pf_bin = sys.argv[1:]
json.dump({"job": f"sql-{engine}", "what": f"tickets in {engine}: preflight's stream against DuckDB's scanner",
           "format": engine, "mode": "measures", "runs": int(runs), "as_of": as_of, "peers": ["duckdb"],
           "versions": {"preflight": pf_version, "preflight_bin": pf_bin, "duckdb": version("duckdb"),
                        "python": platform.python_version()}}, open(out, "w"), indent=2)
PY
    sql_run() {
      local c
      if [ "$1" = "preflight" ]; then
        read -r w m c < <(timed "$bin" scan "$work/bench.toml" --format json --out "$work/preflight.json" --quiet --as-of "$AS_OF")
        [ "$c" -le 1 ] || { echo "compare.sh: preflight exited $c" >&2; cat "$work/cmd.err" >&2; exit 1; }
      else
        read -r w m c < <(timed "$py" "$root/benches/compare/duckdb_peer.py" measures "$engine" "$target" "$AS_OF" "$work/duckdb.json")
        [ "$c" = 0 ] || { echo "compare.sh: duckdb exited $c" >&2; cat "$work/cmd.err" >&2; exit 1; }
      fi
    }
    for tool in preflight duckdb; do
      sql_run "$tool"
      echo "  warm-up $tool ${w}s $((m / 1024)) MB" >&2
    done
    python3 -c "import json, sys; r = json.load(open(sys.argv[1]))['sources'][0]['read']; print('  preflight read:', r)" "$work/preflight.json" >&2
    python3 "$root/benches/compare/results.py" check measures "$work/preflight.json" "$work/check-$engine.json" "$work/duckdb.json" ||
      echo "  $engine: the outputs differ (see above); timing anyway" >&2
    for r in $(seq 1 "$RUNS"); do
      for tool in preflight duckdb; do
        sql_run "$tool"
        echo "{\"rows\": $ROWS, \"tool\": \"$tool\", \"run\": $r, \"wall_s\": $w, \"peak_kb\": $m}" >>"$results"
        printf '  run %s %-9s %6ss %6s MB\n' "$r" "$tool" "$w" "$((m / 1024))" >&2
      done
    done
    cp "$work/preflight.json" "$root/benches/out/compare-sql-$engine-preflight-$ROWS.json"
    echo "{\"rows\": $ROWS, \"files\": {}, \"generate_s\": 0, \"check_path\": \"$work/check-$engine.json\"}" >>"$results"
    python3 "$root/benches/compare/results.py" summarize "$results" "$work/meta.json" "$root/benches/out/compare-sql-$engine.json"
  done
  exit 0
fi

# The object job: the tickets Parquet file in a loopback S3 server, preflight against DuckDB httpfs.
if [ "$job" = "object" ]; then
  ROWS=${ROWS:-2000000}
  RUNS=${RUNS:-5}
  AS_OF=${AS_OF:-2026-11-25T00:00:00Z}
  S3=${PREFLIGHT_BENCH_S3_ENDPOINT:-http://127.0.0.1:5010}
  S3=${S3%/}
  OBJECT_PINS="duckdb==1.5.5 duckdb-extension-httpfs==1.5.5 pyarrow==26.0.1 numpy==2.4.6 pytz==2026.6"
  command -v curl >/dev/null 2>&1 || { echo "compare.sh: \`curl\` is required (Debian package \`curl\`)" >&2; exit 2; }
  curl -s -o /dev/null --max-time 5 "$S3/" || { echo "compare.sh: no S3 server answers at $S3 (PREFLIGHT_BENCH_S3_ENDPOINT)" >&2; exit 2; }
  preflight_bin
  venv="$BENCH_VENV-object"
  py="$venv/bin/python"
  [ -x "$py" ] || python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$py" -m pip install --quiet --disable-pip-version-check $OBJECT_PINS
  work=$(mktemp -d "${TMPDIR:-/tmp}/preflight-object.XXXXXX")
  bucket="preflight-bench-$$-$(date +%s)"
  object_cleanup() {
    curl -s -o /dev/null -X DELETE "$S3/$bucket/$key" || true
    curl -s -o /dev/null -X DELETE "$S3/$bucket" || true
    rm -rf "$work"
  }
  key=""
  trap object_cleanup EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$root/benches/out" "$BENCH_DATA"
  tickets=$("$py" "$root/benches/compare/generate.py" "$BENCH_DATA" tickets "$ROWS" parquet)
  key=$(basename "$tickets")
  curl -sf -o /dev/null -X PUT "$S3/$bucket" || { echo "compare.sh: cannot create bucket $bucket at $S3" >&2; exit 1; }
  curl -sf -o /dev/null -T "$tickets" "$S3/$bucket/$key" || { echo "compare.sh: cannot upload $key to $S3" >&2; exit 1; }
  url="s3://$bucket/$key"
  echo "uploaded $tickets ($(du -m "$tickets" | cut -f1) MB) to $S3 as $url" >&2
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
  export AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_CONFIG_FILE=/nonexistent
  cat >"$work/bench.toml" <<TOML
[pilot]
name = "bench-object"

[defaults]
stale_after = "365d"

[[sources]]
name = "tickets"
path = "$url"
endpoint = "$S3"
region = "us-east-1"
timestamp = "updated_at"
label = "category"
key = "ticket_id"
required = ["ticket_id", "customer_id", "subject", "body", "category"]
TOML
  results="$work/results.jsonl"
  : >"$results"
  "$py" - "$work/meta.json" "$RUNS" "$AS_OF" "$("$bin" --version)" "$bin" <<'PY'
import json, platform, sys
from importlib.metadata import version
out, runs, as_of, pf_version, pf_bin = sys.argv[1:]
json.dump({"job": "object", "what": "tickets parquet in a loopback S3 server (moto): range reads against DuckDB httpfs",
           "format": "parquet", "mode": "measures", "runs": int(runs), "as_of": as_of, "peers": ["duckdb"],
           "versions": {"preflight": pf_version, "preflight_bin": pf_bin, "duckdb": version("duckdb"),
                        "duckdb-extension-httpfs": version("duckdb-extension-httpfs"),
                        "python": platform.python_version()}}, open(out, "w"), indent=2)
PY
  object_run() {
    local c
    if [ "$1" = "preflight" ]; then
      read -r w m c < <(timed "$bin" scan "$work/bench.toml" --format json --out "$work/preflight.json" --quiet --as-of "$AS_OF")
      [ "$c" -le 1 ] || { echo "compare.sh: preflight exited $c" >&2; cat "$work/cmd.err" >&2; exit 1; }
    else
      read -r w m c < <(timed env PREFLIGHT_BENCH_S3_ENDPOINT="$S3" "$py" "$root/benches/compare/duckdb_peer.py" measures s3 "$url" "$AS_OF" "$work/duckdb.json")
      [ "$c" = 0 ] || { echo "compare.sh: duckdb exited $c" >&2; cat "$work/cmd.err" >&2; exit 1; }
    fi
  }
  for tool in preflight duckdb; do
    object_run "$tool"
    echo "  warm-up $tool ${w}s $((m / 1024)) MB" >&2
  done
  python3 -c "import json, sys; r = json.load(open(sys.argv[1]))['sources'][0]; print('  preflight:', r['status'], r.get('rows'), 'rows; read:', r.get('read'))" "$work/preflight.json" >&2
  python3 "$root/benches/compare/results.py" check measures "$work/preflight.json" "$work/check-object.json" "$work/duckdb.json"
  for r in $(seq 1 "$RUNS"); do
    for tool in preflight duckdb; do
      object_run "$tool"
      echo "{\"rows\": $ROWS, \"tool\": \"$tool\", \"run\": $r, \"wall_s\": $w, \"peak_kb\": $m}" >>"$results"
      printf '  run %s %-9s %6ss %6s MB\n' "$r" "$tool" "$w" "$((m / 1024))" >&2
    done
  done
  cp "$work/preflight.json" "$root/benches/out/compare-object-preflight-$ROWS.json"
  cp "$work/duckdb.json" "$root/benches/out/compare-object-duckdb-$ROWS.json"
  python3 - "$ROWS" "$tickets" "$work/check-object.json" >>"$results" <<'PY'
import json, os, sys
n, tickets, check = sys.argv[1:]
print(json.dumps({"rows": int(n), "files": {"tickets": {"path": tickets, "mb": round(os.path.getsize(tickets) / 2**20, 1)}},
                  "generate_s": 0, "check_path": check}))
PY
  python3 "$root/benches/compare/results.py" summarize "$results" "$work/meta.json" "$root/benches/out/compare-object.json"
  exit 0
fi

# The entity key-set job: no database, two generated CSV files.
if [ "$job" = "keys" ]; then
  KEYS=${KEYS:-10000000}
  RUNS=${RUNS:-3}
  preflight_bin
  work=$(mktemp -d "${TMPDIR:-/tmp}/preflight-keys.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "writing 2 x $KEYS keys…" >&2
  python3 - "$work" "$KEYS" <<'PY'
import sys
work, n = sys.argv[1], int(sys.argv[2])
step = 1_000_000
with open(f"{work}/tickets.csv", "w") as f:
    f.write("customer_id\n")
    for lo in range(1, n + 1, step):
        f.write("".join(f"C-{i:08d}\n" for i in range(lo, min(lo + step, n + 1))))
with open(f"{work}/crm.csv", "w") as f:
    f.write("customer_id\n")
    for lo in range(1, n + 1, step):
        f.write("".join(f"{i + n // 2}\n" for i in range(lo, min(lo + step, n + 1))))
PY
  cat >"$work/keys.toml" <<TOML
[pilot]
name = "bench-keys"

[[sources]]
name = "tickets"
path = "tickets.csv"

[[sources]]
name = "crm"
path = "crm.csv"

[[entities]]
name = "customer"
keys = ["tickets.customer_id", "crm.customer_id"]
normalize = ["strip_prefix:C-", "strip_leading_zeros"]
TOML
  mkdir -p "$root/benches/out"
  : >"$work/runs.txt"
  for r in $(seq 1 "$RUNS"); do
    rc=0
    /usr/bin/time -v -o "$work/time.txt" "$bin" scan "$work/keys.toml" --format json --out "$work/report.json" \
      --quiet --as-of 2026-11-25T00:00:00Z >/dev/null 2>"$work/err.txt" || rc=$?
    [ "$rc" -le 1 ] || { echo "compare.sh: preflight exited $rc:" >&2; cat "$work/err.txt" >&2; exit 1; }
    python3 - "$work/time.txt" "$work/report.json" "$KEYS" >>"$work/runs.txt" <<'PY'
import json, sys
t, report, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
e = json.load(open(report))["entities"][0]
want = {"distinct_keys": {"tickets": n, "crm": n}, "in_all": n // 2, "matched_raw": 0}
for k, v in want.items():
    assert e[k] == v, f"{k}: {e[k]} != {v}"
wall = rss = None
for line in open(t):
    line = line.strip()
    if line.startswith("Elapsed (wall clock) time"):
        s = 0.0
        for p in line.rsplit(": ", 1)[1].split(":"):
            s = s * 60 + float(p)
        wall = s
    elif line.startswith("Maximum resident set size"):
        rss = int(line.rsplit(": ", 1)[1])
print(f"{wall} {rss}")
PY
    echo "  run $r: $(tail -1 "$work/runs.txt")" >&2
  done
  python3 - "$work/runs.txt" "$root/benches/out/compare-keys.json" "$KEYS" "$(du -m "$work/tickets.csv" | cut -f1)" <<'PY'
import json, os, platform, statistics, sys, datetime
runs = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
out, n, mb = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
wall = statistics.median(r[0] for r in runs)
peak = statistics.median(r[1] for r in runs) / 1024
print(f"\nentity key sets: 2 x {n:,} distinct keys ({mb} MB of CSV each), medians of {len(runs)} runs")
print(f"  preflight scan  wall {wall:.2f} s  peak {peak:.0f} MB")
doc = {"job": "keys", "keys_per_side": n, "runs": len(runs), "wall_s": wall, "peak_mb": round(peak, 1),
       "runs_wall_s": [r[0] for r in runs],
       "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "machine": {"cores": os.cpu_count(), "system": platform.platform()}}
json.dump(doc, open(out, "w"), indent=2)
print(f"written to {os.path.relpath(out)}")
PY
  exit 0
fi
# The spark job: a tickets table computed and written as Parquet by the cluster itself, then
# preflight's push-down against a hand-written Spark SQL query run by the PySpark Connect client.
if [ "$job" = "spark" ]; then
  ROWS=${ROWS:-10000000}
  RUNS=${RUNS:-3}
  AS_OF=${AS_OF:-2026-11-25T00:00:00Z}
  SPARK_URL=${PREFLIGHT_BENCH_SPARK_URL:-${PREFLIGHT_TEST_SPARK_URL:-sc://127.0.0.1:15002}}
  python3 -c 'import pyspark.sql.connect' 2>/dev/null ||
    { echo "compare.sh: the spark job needs pyspark[connect] (as .ci/run installs it)" >&2; exit 2; }
  preflight_bin
  work=$(mktemp -d "${TMPDIR:-/tmp}/preflight-spark.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$root/benches/out" "$BENCH_DATA/spark"
  results="$work/results.jsonl"
  : >"$results"
  IFS=',' read -r -a sizes <<<"$ROWS"
  for n in "${sizes[@]}"; do
    data="$BENCH_DATA/spark/tickets-$n.parquet"
    if [ ! -e "$data/_SUCCESS" ]; then
      echo "generating $n rows in the cluster…" >&2
      python3 "$root/benches/compare/spark_peer.py" generate "$SPARK_URL" "$data" "$n" 2>"$work/gen.err" ||
        { cat "$work/gen.err" >&2; exit 1; }
    fi
    cat >"$work/bench.toml" <<TOML
[pilot]
name = "spark-bench"

[[sources]]
name = "tickets"
url = "$SPARK_URL"
format = "parquet"
path = "$data"
timestamp = "updated_at"
label = "category"
key = "ticket_id"
required = ["ticket_id", "customer_id", "subject", "body", "category"]
timeout = "30m"
TOML
    report="$work/report.json"
    # Warm-up, untimed (the files into the page cache, the executors' JVMs warm), and the check.
    rc=0
    "$bin" scan "$work/bench.toml" --format json --out "$report" --quiet --as-of "$AS_OF" >/dev/null 2>"$work/warm.err" || rc=$?
    [ "$rc" -le 1 ] || { echo "compare.sh: preflight exited $rc" >&2; cat "$work/warm.err" >&2; exit 1; }
    python3 "$root/benches/compare/spark_peer.py" measures "$SPARK_URL" "$data" "$AS_OF" "$work/peer.json" 2>"$work/peer.err" ||
      { cat "$work/peer.err" >&2; exit 1; }
    python3 - "$report" "$work/peer.json" "$n" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2]))
n = int(sys.argv[3])
s = next(x for x in r["sources"] if x["name"] == "tickets")
assert s["status"] == "ok", s.get("error")
m = p["measures"]
bad = []
def same(what, a, b):
    if a != b:
        bad.append(f"{what}: preflight {a}, hand-written {b}")
same("rows", s["rows"], n)
same("rows (query)", m["rows_"], n)
same("complete rows", s["complete_rows"], m["complete_rows"])
for c in s["columns"]:
    name = c["name"]
    for k in ["nulls", "blanks", "placeholders", "distinct"]:
        if f"{name}_{k}" in m:
            same(f"{name}.{k}", c[k], m[f"{name}_{k}"])
st = s["staleness"]
same("stale rows", st["stale_rows"], m["stale_rows"])
same("future rows", st["future_rows"], m["future_rows"])
# The generator writes a literal class `other`; with fewer than 50 classes preflight's `other`
# is that class alone (no overflow), so the maps compare whole.
same("label classes", s["labels"]["classes"], p["classes"])
same("key duplicate rows", s["keys"]["duplicate_rows"], p["keys"]["duplicate_rows"])
same("duplicate records", [s["duplicate_records"][k] for k in ("rows", "distinct")],
     [p["records"]["copies"], p["records"]["copied"]])
if bad:
    sys.exit("compare.sh: the measures differ:\n  " + "\n  ".join(bad))
print(f"  check: preflight and the hand-written query agree on {n:,} rows", file=sys.stderr)
PY
    for r in $(seq 1 "$RUNS"); do
      read -r w m c < <(timed "$bin" scan "$work/bench.toml" --format json --out "$report" --quiet --as-of "$AS_OF")
      [ "$c" -le 1 ] || { echo "compare.sh: preflight exited $c" >&2; cat "$work/cmd.err" >&2; exit 1; }
      sent=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["sources"][0]["read"]; print(s["rows_transferred"], s["bytes_transferred"])' "$report")
      echo "{\"rows\": $n, \"tool\": \"preflight\", \"run\": $r, \"wall_s\": $w, \"peak_kb\": $m, \"transferred\": \"$sent\"}" >>"$results"
      echo "  run $r preflight    ${w}s $((m / 1024)) MB (rows, bytes back: $sent)" >&2
      read -r w m c < <(timed python3 "$root/benches/compare/spark_peer.py" measures "$SPARK_URL" "$data" "$AS_OF" "$work/peer.json")
      [ "$c" = 0 ] || { echo "compare.sh: the hand-written query failed" >&2; cat "$work/cmd.err" >&2; exit 1; }
      echo "{\"rows\": $n, \"tool\": \"pyspark\", \"run\": $r, \"wall_s\": $w, \"peak_kb\": $m}" >>"$results"
      echo "  run $r hand-written ${w}s $((m / 1024)) MB" >&2
    done
    cp "$report" "$root/benches/out/compare-spark-report-$n.json"
  done
  python3 - "$results" "$root/benches/out/compare-spark.json" "$SPARK_URL" <<'PY'
import datetime, json, os, platform, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
out = {"job": "spark", "url": sys.argv[3], "sizes": [],
       "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "machine": {"cores": os.cpu_count(), "system": platform.platform()}}
for n in sorted({r["rows"] for r in rows}):
    pf = [r for r in rows if r["rows"] == n and r["tool"] == "preflight"]
    hw = [r for r in rows if r["rows"] == n and r["tool"] == "pyspark"]
    a, b = statistics.median(r["wall_s"] for r in pf), statistics.median(r["wall_s"] for r in hw)
    rt, bt = pf[-1]["transferred"].split()
    print(f"\n{n:,} rows on the cluster, medians of {len(pf)} runs")
    print(f"  preflight scan        wall {a:.1f} s  ({rt} rows, {bt} bytes came back)")
    print(f"  hand-written (pyspark) wall {b:.1f} s")
    print(f"  ratio preflight / hand-written: {a / b:.2f}x")
    out["sizes"].append({"rows": n, "preflight_wall_s": a, "handwritten_wall_s": b, "ratio": round(a / b, 2),
                         "rows_transferred": int(rt), "bytes_transferred": int(bt),
                         "runs": {"preflight": [r["wall_s"] for r in pf], "pyspark": [r["wall_s"] for r in hw]}})
json.dump(out, open(sys.argv[2], "w"), indent=2)
print(f"written to {os.path.relpath(sys.argv[2])}")
PY
  exit 0
fi
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
AS_OF=${AS_OF:-2026-11-25T00:00:00Z}
ADMIN_URL=${PREFLIGHT_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

for tool in psql python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "compare.sh: \`$tool\` is required" >&2; exit 2; }
done

started=$(date +%s)
preflight_bin

work=$(mktemp -d "${TMPDIR:-/tmp}/preflight-bench.XXXXXX")
db="preflight_bench_$$_$(date +%s)"
# The server's URL with the database replaced: everything up to the last `/` (no query string).
base_url=${ADMIN_URL%/*}
db_url="$base_url/$db"
created=0

cleanup() {
  if [ "$created" = 1 ]; then
    psql -X -q -d "$ADMIN_URL" -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 ||
      echo "compare.sh: could not drop database $db" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql -X -q -d "$ADMIN_URL" -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\"" >/dev/null
created=1
pg_version=$(psql -X -At -d "$db_url" -c "SHOW server_version")
echo "database $db on PostgreSQL $pg_version" >&2

# The support-tickets table. Bytes of md5(i::text) pick every value, so the table is the same
# for a given size on every machine:
#   ticket_id   'T-0000001'…, unique except ~0.4% of rows that repeat the previous row's id;
#   customer_id one of 50,000 customers, ~16% written '123' instead of 'C-000123' (drift);
#   created_at  spread over the 3 years before 2026-11-25; updated_at 0–45 days later, ~1% NULL;
#   channel, priority: imbalanced; category (the label): ~16% NULL, ~5% '', ~10% 'N/A', the
#   rest six imbalanced classes (billing 39%, technical 27%, …, legal 1.6%);
#   subject, body (5–60 words), agent_email (~2% NULL), csat 1–5 (~39% NULL).
generate() {
  local n=$1
  psql -X -q -d "$db_url" -v ON_ERROR_STOP=1 <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS tickets;
DROP TABLE IF EXISTS bench_bodies;
CREATE TABLE bench_bodies (id int PRIMARY KEY, body text NOT NULL);
INSERT INTO bench_bodies
SELECT (w - 5) * 17 + s,
       array_to_string((string_to_array(
         'thanks for the quick reply but the invoice still shows the old plan and my card was charged twice '
         || 'this month please refund the second charge and confirm the new plan is active on the account '
         || 'the app crashes when I open the settings page after the last update on my phone and tablet '
         || 'I cannot log in since yesterday the reset link expires before I can use it what should I do next', ' '))
         [s + 1 : s + w], ' ')
FROM generate_series(5, 60) AS w, generate_series(0, 16) AS s;
CREATE TABLE tickets AS
SELECT
  'T-' || lpad((CASE WHEN get_byte(h, 0) = 0 AND i > 1 THEN i - 1 ELSE i END)::text, 7, '0') AS ticket_id,
  CASE WHEN get_byte(h, 3) < 40 THEN c::text ELSE 'C-' || lpad(c::text, 6, '0') END AS customer_id,
  created AS created_at,
  CASE WHEN get_byte(h, 10) < 3 THEN NULL
       ELSE created + (get_byte(h, 8) * get_byte(h, 9) * 60) * interval '1 second' END AS updated_at,
  (ARRAY['email', 'email', 'email', 'chat', 'chat', 'web', 'phone', 'social'])[get_byte(h, 11) % 8 + 1] AS channel,
  (ARRAY['normal', 'normal', 'normal', 'low', 'low', 'high', 'urgent', 'normal'])[get_byte(h, 14) % 8 + 1] AS priority,
  CASE WHEN get_byte(h, 12) < 40 THEN NULL
       WHEN get_byte(h, 12) < 52 THEN ''
       WHEN get_byte(h, 12) < 77 THEN 'N/A'
       WHEN get_byte(h, 13) < 100 THEN 'billing'
       WHEN get_byte(h, 13) < 170 THEN 'technical'
       WHEN get_byte(h, 13) < 215 THEN 'account'
       WHEN get_byte(h, 13) < 240 THEN 'shipping'
       WHEN get_byte(h, 13) < 252 THEN 'refund'
       ELSE 'legal' END AS category,
  (ARRAY['Refund request', 'Cannot log in', 'Invoice question', 'App crashes', 'Change of plan',
         'Delivery late', 'Password reset', 'Charged twice'])[get_byte(h, 15) % 8 + 1] || ' #' || (i % 997) AS subject,
  b.body,
  CASE WHEN get_byte(h, 7) < 5 THEN NULL ELSE 'agent' || (get_byte(h, 7) % 40) || '@example.com' END AS agent_email,
  CASE WHEN get_byte(h, 6) < 100 THEN NULL ELSE get_byte(h, 6) % 5 + 1 END AS csat
FROM generate_series(1, $n) AS i
CROSS JOIN LATERAL (SELECT decode(md5(i::text), 'hex') AS h) AS m
CROSS JOIN LATERAL (SELECT (get_byte(h, 1) * 256 + get_byte(h, 2)) % 50000 + 1 AS c,
  timestamptz '2023-11-26 00:00:00+00'
    + ((get_byte(h, 4)::bigint << 24 | get_byte(h, 5) << 16 | get_byte(h, 6) << 8 | get_byte(h, 7))
       % (1095 * 86400)) * interval '1 second' AS created) AS v
JOIN bench_bodies AS b ON b.id = (get_byte(h, 15) % 56) * 17 + get_byte(h, 14) % 17;
DROP TABLE bench_bodies;
ANALYZE tickets;
SQL
}

# The profile preflight scans: one source, the generated table.
write_profile() {
  cat >"$work/bench.toml" <<TOML
[pilot]
name = "bench-pg"

[[sources]]
name = "tickets"
url = "$db_url"
table = "tickets"
# This job times the push-down; the sql job times the stream.
pushdown = "always"
timestamp = "updated_at"
label = "category"
key = "ticket_id"
required = ["ticket_id", "customer_id", "subject", "body", "category"]
TOML
}

# The hand-written equivalent: what a data engineer would run in psql to get the same measures.
# Same semantics as preflight's generated SQL (src/sources/sql/dialect/): text is trimmed of
# space, tab, LF, VT, FF and CR; placeholders are the default list, compared trimmed and
# lower-cased; COUNT(DISTINCT), MIN and MAX of text compare byte for byte (COLLATE "C") over
# present values only; the timestamp's newest value and stale count (older than AS_OF − 365 d);
# the label's class counts; the key's duplicate count. One aggregate pass plus two GROUP BYs.
# What differs from preflight's work, all of it extra work preflight does:
#   - preflight flags each column once per row in a fenced subquery and also counts complete,
#     labeled and ready rows, future and naive timestamps, and a 10-bucket age histogram;
#   - it fetches evidence (up to 5 rows per finding, ordered by the key: each such query scans
#     the table and sorts), the duplicate key values, the five most frequent values of each
#     column that repeats values (a GROUP BY each, for the suspected-placeholder check; psql's
#     query groups only the label and the key), and a 1,000-row sample for the
#     personal-data classifier; it checks privileges, pg_stat_user_tables and the primary key;
#   - its queries run in a read-only transaction with a statement timeout, over sqlx.
write_query() {
  local stale_before
  stale_before=$(python3 -c "
import datetime as d, sys
t = d.datetime.fromisoformat(sys.argv[1].replace('Z', '+00:00')) - d.timedelta(days=365)
print(t.isoformat())" "$AS_OF")
  python3 - "$work/query.sql" "$stale_before" <<'PY'
import sys
out, stale_before = sys.argv[1], sys.argv[2]
ws = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"
ph = "('n/a', 'na', 'null', 'none', '-', '?', 'unknown', 'tbd')"
text = ["ticket_id", "customer_id", "channel", "priority", "category", "subject", "body", "agent_email"]
other = ["created_at", "updated_at", "csat"]
parts = ["COUNT(*) AS rows"]
for c in text:
    t = f"btrim({c}, {ws})"
    present = f"{c} IS NOT NULL AND {t} <> '' AND lower({t}) NOT IN {ph}"
    parts += [
        f"COUNT(*) FILTER (WHERE {c} IS NULL) AS {c}_nulls",
        f"COUNT(*) FILTER (WHERE {t} = '') AS {c}_blanks",
        f"COUNT(*) FILTER (WHERE {t} <> '' AND lower({t}) IN {ph}) AS {c}_placeholders",
        f"COUNT(DISTINCT {c} COLLATE \"C\") FILTER (WHERE {present}) AS {c}_distinct",
        f"MIN({c} COLLATE \"C\") FILTER (WHERE {present}) AS {c}_min",
        f"MAX({c} COLLATE \"C\") FILTER (WHERE {present}) AS {c}_max",
    ]
for c in other:
    parts += [
        f"COUNT(*) FILTER (WHERE {c} IS NULL) AS {c}_nulls",
        f"COUNT(DISTINCT {c}) AS {c}_distinct",
        f"MIN({c}) AS {c}_min",
        f"MAX({c}) AS {c}_max",
    ]
parts += [f"COUNT(*) FILTER (WHERE updated_at < timestamptz '{stale_before}') AS updated_at_stale"]
cat = f"btrim(category, {ws})"
label_present = f"category IS NOT NULL AND {cat} <> '' AND lower({cat}) NOT IN {ph}"
key_present = f"ticket_id IS NOT NULL AND btrim(ticket_id, {ws}) <> '' AND lower(btrim(ticket_id, {ws})) NOT IN {ph}"
sql = f"""-- Per-column measures, the timestamp's newest value and stale count.
SELECT
  {(","+chr(10)+"  ").join(parts)}
FROM tickets;
-- The label's classes.
SELECT category COLLATE "C" AS class, COUNT(*) AS n FROM tickets
WHERE {label_present}
GROUP BY 1 ORDER BY n DESC, class;
-- Key duplicates: distinct keys, keys occurring more than once, surplus rows.
SELECT COUNT(*) AS keys, COUNT(*) FILTER (WHERE n > 1) AS duplicated, COALESCE(SUM(n - 1), 0) AS surplus
FROM (SELECT COUNT(*) AS n FROM tickets WHERE {key_present} GROUP BY ticket_id COLLATE "C") AS k;
"""
open(out, "w").write(sql)
PY
}

mkdir -p "$root/benches/out"
results="$work/results.jsonl"
: >"$results"
write_profile

# Prints the table of medians so far and (re)writes benches/out/compare-pg.json, after every
# size, so a long run that is stopped during a larger size keeps the smaller sizes' results.
summarize() {
  local finished
  finished=$(date +%s)
  python3 - "$results" "$root/benches/out/compare-pg.json" "$pg_version" "$RUNS" "$AS_OF" "$((finished - started))" <<'PY'
import json, os, statistics, sys, datetime, platform
src, out, pg_version, runs, as_of, elapsed = sys.argv[1:]
lines = [json.loads(l) for l in open(src)]
sizes = []
for l in lines:
    if l["rows"] not in sizes:
        sizes.append(l["rows"])
rows = []
for n in sizes:
    meta = next(l for l in lines if l["rows"] == n and "generate_s" in l)
    med = {}
    for tool in ("preflight", "psql"):
        runs_ = [l for l in lines if l["rows"] == n and l.get("tool") == tool]
        med[tool] = {
            "wall_s": statistics.median(r["wall_s"] for r in runs_),
            "peak_mb": statistics.median(r["peak_kb"] for r in runs_) / 1024,
            "runs_wall_s": [r["wall_s"] for r in runs_],
        }
    rows.append({
        "job": "pg",
        "rows": n,
        "table_mb": meta["table_mb"],
        "preflight": med["preflight"],
        "psql": med["psql"],
        "ratio_wall": med["preflight"]["wall_s"] / med["psql"]["wall_s"],
        "ratio_peak": med["preflight"]["peak_mb"] / med["psql"]["peak_mb"],
    })
print()
print(f"PostgreSQL push-down job: medians of {runs} alternating runs; ratio = preflight / psql")
print(f"{'rows':>10} {'tool':<10} {'wall s':>8} {'peak MB':>8}")
for r in rows:
    for tool in ("preflight", "psql"):
        print(f"{r['rows']:>10} {tool:<10} {r[tool]['wall_s']:>8.2f} {r[tool]['peak_mb']:>8.1f}")
    print(f"{r['rows']:>10} {'ratio':<10} {r['ratio_wall']:>8.2f} {r['ratio_peak']:>8.2f}")
doc = {
    "job": "pg",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"cores": os.cpu_count(), "system": platform.platform()},
    "postgresql": pg_version,
    "runs": int(runs),
    "as_of": as_of,
    "script_seconds": int(elapsed),
    "results": rows,
}
tmp = out + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
os.replace(tmp, out)
print(f"\nwritten to {os.path.relpath(out)}; script ran {elapsed}s")
PY
}

IFS=',' read -r -a sizes <<<"$ROWS"
for n in "${sizes[@]}"; do
  echo "generating $n rows…" >&2
  gen_start=$(date +%s.%N)
  generate "$n"
  gen_secs=$(python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$gen_start" "$(date +%s.%N)")
  table_mb=$(psql -X -At -d "$db_url" -c "SELECT pg_total_relation_size('tickets') / 1048576")
  echo "  $n rows, ${table_mb} MB on disk, generated in ${gen_secs}s" >&2
  write_query

  # Warm-up, untimed: the table into the page cache (for both tools), and the sanity check.
  report="$work/report.json"
  rc=0
  "$bin" scan "$work/bench.toml" --format json --out "$report" --quiet --as-of "$AS_OF" >/dev/null 2>"$work/warm.err" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "compare.sh: preflight exited $rc" >&2
    cat "$work/warm.err" >&2
    exit 1
  fi
  reported=$(python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
src = next(s for s in r["sources"] if s["name"] == "tickets")
print(src.get("rows"))
PY
)
  if [ "$reported" != "$n" ]; then
    echo "compare.sh: preflight reported $reported rows, the table has $n" >&2
    exit 1
  fi
  echo "  preflight's report: $reported rows (as generated)" >&2

  for r in $(seq 1 "$RUNS"); do
    read -r w m c < <(timed "$bin" scan "$work/bench.toml" --format json --out "$report" --quiet --as-of "$AS_OF")
    if [ "$c" -gt 1 ]; then
      echo "compare.sh: preflight exited $c" >&2
      cat "$work/cmd.err" >&2
      exit 1
    fi
    echo "{\"rows\": $n, \"tool\": \"preflight\", \"run\": $r, \"wall_s\": $w, \"peak_kb\": $m}" >>"$results"
    echo "  run $r preflight ${w}s $((m / 1024)) MB" >&2
    read -r w m c < <(timed psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -f "$work/query.sql" -o /dev/null)
    if [ "$c" != 0 ]; then
      echo "compare.sh: psql exited $c" >&2
      cat "$work/cmd.err" >&2
      exit 1
    fi
    echo "{\"rows\": $n, \"tool\": \"psql\", \"run\": $r, \"wall_s\": $w, \"peak_kb\": $m}" >>"$results"
    echo "  run $r psql      ${w}s $((m / 1024)) MB" >&2
  done
  cp "$report" "$root/benches/out/compare-pg-report-$n.json"
  echo "{\"rows\": $n, \"generate_s\": $gen_secs, \"table_mb\": $table_mb}" >>"$results"
  summarize
done
