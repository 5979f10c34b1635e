"""Loads the generated tickets CSV into a database for the sql job (issue 14), through DuckDB.

    python sql_load.py TICKETS.csv sqlite PATH
    python sql_load.py TICKETS.csv postgres "host=… port=… user=… dbname=…"
    python sql_load.py TICKETS.csv mysql "host=… port=… user=… database=…"

The table `tickets` is created with the engine's own types (text, timestamps, a bigint csat)
and an integer primary key `n` (the CSV's row number), so every engine holds the same rows and
can be read in key ranges; the measured columns are the CSV's. The CSV is read as the file jobs
read it (tables.py's types, a quoted `""` kept as an empty string), then inserted by DuckDB's
scanner extension for the engine, loaded from its PyPI wheel.
"""

import os
import sqlite3
import sys

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import duckdb_peer  # noqa: E402
import tables  # noqa: E402

TYPES = {
    "sqlite": {"text": "TEXT", "timestamp": "TIMESTAMP", "int": "BIGINT", "key": "INTEGER PRIMARY KEY"},
    "postgres": {"text": "TEXT", "timestamp": "TIMESTAMP", "int": "BIGINT", "key": "BIGINT PRIMARY KEY"},
    "mysql": {"text": "TEXT", "timestamp": "DATETIME", "int": "BIGINT", "key": "BIGINT PRIMARY KEY"},
}


def main():
    csv, engine, target = sys.argv[1:4]
    t = TYPES[engine]
    q = "`" if engine == "mysql" else '"'
    cols = ", ".join(f"{q}{n}{q} {t[k]}" for n, k in tables.TICKETS)
    ddl = f"CREATE TABLE tickets (n {t['key']}, {cols})"
    if engine == "sqlite":
        if os.path.exists(target):
            os.remove(target)
        with sqlite3.connect(target) as c:
            c.execute(ddl)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    ext = duckdb_peer.DATABASES[engine]
    import importlib

    mod = importlib.import_module(f"duckdb_extension_{ext}")
    path = os.path.join(os.path.dirname(mod.__file__), "extensions", "v" + duckdb.__version__, ext + ".duckdb_extension")
    con.execute(f"LOAD {duckdb_peer.lit(path)}")
    con.execute(f"ATTACH {duckdb_peer.lit(target)} AS dst (TYPE {engine})")
    if engine != "sqlite":
        run = f"{engine}_execute"
        con.execute(f"CALL {run}('dst', 'DROP TABLE IF EXISTS tickets')")
        con.execute(f"CALL {run}('dst', {duckdb_peer.lit(ddl)})")
    names = ", ".join(n for n, _ in tables.TICKETS)
    src = duckdb_peer.relation("csv", csv, tables.TICKETS)
    con.execute(f"INSERT INTO dst.tickets (n, {names}) SELECT row_number() OVER () AS n, {names} FROM {src}")
    n = con.execute("SELECT count(*) FROM dst.tickets").fetchone()[0]
    print(n)


if __name__ == "__main__":
    main()
