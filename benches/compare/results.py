"""The file jobs' sanity check, tables of medians and JSON results (benches/compare.sh, issue 7).

    python results.py check measures|overlap REPORT.json OUT.json PEER.json...
    python results.py summarize RESULTS.jsonl META.json OUT.json
    python results.py combine OUT_DIR SINCE_EPOCH

`check` compares preflight's JSON report with each peer's output and exits 1 on any mismatch,
listing them all. measures: the row count; nulls, blanks and placeholders of every column; the
label's class counts; the timestamp's newest value and stale rows; the key's exact distinct
count and duplicate rows. overlap: distinct keys each side, keys in both, keys only in one
side. Distinct counts per column differ by design (approximate everywhere, DESIGN §5): they are
recorded beside each other, with each peer's deviation from preflight's, never checked.

`summarize` prints the medians of the timed runs per size and tool and the ratio
preflight/peer, and writes them with the check and the versions to OUT.json. `combine` gathers
the benches/out/compare-<job>.json files written since SINCE_EPOCH into one table
(compare-all.json).
"""

import datetime
import json
import os
import platform
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def check(mode, report_path, out_path, peer_paths):
    report = load(report_path)
    problems = []
    compared = []
    distinct = {}
    for peer_path in peer_paths:
        peer = load(peer_path)
        tool = peer["tool"]

        def note(what):
            if what not in compared:
                compared.append(what)

        def same(what, ours, theirs):
            note(what)
            if ours != theirs:
                problems.append(f"{tool}: {what}: preflight {ours!r}, {tool} {theirs!r}")

        if mode == "overlap":
            e = report["entities"][0]
            for side in ("tickets", "crm"):
                same(f"distinct_keys.{side}", e["distinct_keys"][side], peer["distinct_keys"][side])
                same(f"unmatched.{side}", e["unmatched"][side], peer["unmatched"][side])
            same("in_all", e["in_all"], peer["in_all"])
            continue
        src = next(s for s in report["sources"] if s["name"] == "tickets")
        if src.get("status") != "ok":
            problems.append(f"preflight could not read the tickets: {src.get('error')}")
            break
        same("rows", src["rows"], peer["rows"])
        cols = {c["name"]: c for c in src["columns"]}
        for name, theirs in peer["columns"].items():
            ours = cols.get(name)
            if ours is None:
                problems.append(f"preflight reports no column {name}")
                continue
            note("nulls, blanks and placeholders per column")
            for m in ("nulls", "blanks", "placeholders"):
                if ours[m] != theirs[m]:
                    problems.append(f"{tool}: {name}.{m}: preflight {ours[m]}, {tool} {theirs[m]}")
            d = distinct.setdefault(name, {"preflight": ours["distinct"], "preflight_exact": ours["distinct_exact"]})
            d[tool] = theirs["distinct"]
            if ours["distinct"]:
                d[f"{tool}_vs_preflight"] = round(theirs["distinct"] / ours["distinct"] - 1, 4)
        same("label classes", src["labels"]["classes"], peer["labels"]["classes"])
        same("newest", src["staleness"]["newest"], peer["staleness"]["newest"])
        same("stale_rows", src["staleness"]["stale_rows"], peer["staleness"]["stale_rows"])
        same("key distinct", src["keys"]["distinct"], peer["key"]["distinct"])
        same("key duplicate_rows", src["keys"]["duplicate_rows"], peer["key"]["duplicate_rows"])
    result = {"passed": not problems, "compared": compared, "problems": problems}
    if distinct:
        result["distinct"] = distinct
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2)
    tools = ", ".join(load(p)["tool"] for p in peer_paths)
    if problems:
        print(f"compare.sh: preflight and {tools} disagree:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        sys.exit(1)
    print(f"  check passed against {tools}: {', '.join(compared)}", file=sys.stderr)


def summarize(results_path, meta_path, out_path):
    meta = load(meta_path)
    lines = [json.loads(l) for l in open(results_path)]
    sizes = []
    for l in lines:
        if l["rows"] not in sizes:
            sizes.append(l["rows"])
    rows = []
    for n in sizes:
        info = next((l for l in lines if l["rows"] == n and "files" in l), {})
        tools = {}
        for l in lines:
            if l["rows"] == n and "tool" in l:
                tools.setdefault(l["tool"], []).append(l)
        med = {}
        for tool, runs in tools.items():
            med[tool] = {
                "wall_s": round(statistics.median(r["wall_s"] for r in runs), 3),
                "peak_mb": round(statistics.median(r["peak_kb"] for r in runs) / 1024, 1),
                "runs_wall_s": [r["wall_s"] for r in runs],
                "runs_peak_mb": [round(r["peak_kb"] / 1024, 1) for r in runs],
            }
        ratios = {}
        for tool in med:
            if tool != "preflight" and "preflight" in med:
                ratios[tool] = {
                    "wall": round(med["preflight"]["wall_s"] / med[tool]["wall_s"], 2),
                    "peak": round(med["preflight"]["peak_mb"] / med[tool]["peak_mb"], 2),
                }
        entry = {"rows": n, **{k: v for k, v in info.items() if k != "rows"}, "tools": med, "ratio": ratios}
        if os.path.exists(info.get("check_path", "")):
            entry["check"] = load(info["check_path"])
        entry.pop("check_path", None)
        rows.append(entry)
    job = meta["job"]
    print()
    print(f"{job}: {meta['what']}; medians of {meta['runs']} alternating runs; ratio = preflight / peer")
    print(f"{'rows':>10} {'tool':<10} {'wall s':>8} {'peak MB':>8} {'wall ratio':>10} {'peak ratio':>10}")
    for r in rows:
        for tool, m in r["tools"].items():
            ratio = r["ratio"].get(tool)
            wr = f"{ratio['wall']:>10.2f}" if ratio else f"{'':>10}"
            pr = f"{ratio['peak']:>10.2f}" if ratio else f"{'':>10}"
            print(f"{r['rows']:>10} {tool:<10} {m['wall_s']:>8.2f} {m['peak_mb']:>8.1f} {wr} {pr}")
    doc = {
        **meta,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cores": os.cpu_count(), "system": platform.platform()},
        "results": rows,
    }
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, out_path)
    print(f"\nwritten to {os.path.relpath(out_path)}")


def combine(out_dir, since):
    table = []
    for job in ("csv", "parquet", "csv10m", "overlap", "pg", "keys"):
        path = os.path.join(out_dir, f"compare-{job}.json")
        if not os.path.exists(path) or os.path.getmtime(path) < since:
            continue
        doc = load(path)
        if job == "keys":
            table.append({"job": job, "rows": doc["keys_per_side"], "tool": "preflight",
                          "wall_s": doc["wall_s"], "peak_mb": doc["peak_mb"]})
            continue
        for r in doc["results"]:
            if job == "pg":
                tools = {t: r[t] for t in ("preflight", "psql")}
                ratios = {"psql": {"wall": r["ratio_wall"], "peak": r["ratio_peak"]}}
            else:
                tools, ratios = r["tools"], r["ratio"]
            for tool, m in tools.items():
                row = {"job": job, "rows": r["rows"], "tool": tool, "wall_s": m["wall_s"], "peak_mb": m["peak_mb"]}
                if tool in ratios:
                    row["ratio_wall"] = ratios[tool]["wall"]
                    row["ratio_peak"] = ratios[tool]["peak"]
                table.append(row)
    print()
    print("all jobs: medians; ratio = preflight / peer")
    print(f"{'job':<8} {'rows':>10} {'tool':<10} {'wall s':>8} {'peak MB':>8} {'wall ratio':>10} {'peak ratio':>10}")
    for t in table:
        wr = f"{t['ratio_wall']:>10.2f}" if "ratio_wall" in t else f"{'':>10}"
        pr = f"{t['ratio_peak']:>10.2f}" if "ratio_peak" in t else f"{'':>10}"
        print(f"{t['job']:<8} {t['rows']:>10} {t['tool']:<10} {t['wall_s']:>8.2f} {t['peak_mb']:>8.1f} {wr} {pr}")
    out = os.path.join(out_dir, "compare-all.json")
    doc = {
        "job": "all",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cores": os.cpu_count(), "system": platform.platform()},
        "results": table,
    }
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"\nwritten to {os.path.relpath(out)}")


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "check" and len(sys.argv) >= 6:
        check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    elif cmd == "summarize" and len(sys.argv) == 5:
        summarize(*sys.argv[2:5])
    elif cmd == "combine" and len(sys.argv) == 4:
        combine(sys.argv[2], float(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
