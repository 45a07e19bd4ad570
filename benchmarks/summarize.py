#!/usr/bin/env python3
"""Prints the in-process limiter results of a JMH JSON file as the Markdown tables of docs/benchmarks.md.

Usage: benchmarks/summarize.py [benchmarks/target/jmh-result.json]
"""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/target/jmh-result.json"
results = json.load(open(path))

latency = {}
throughput = {}
for r in results:
    method = r["benchmark"].rsplit(".", 1)[1]
    threads = r["threads"]
    key = (r["params"]["caller"], r["params"]["limits"], threads)
    metric = r["primaryMetric"]
    if r["mode"] == "sample":
        p = metric["scorePercentiles"]
        latency[key] = (p["50.0"], p["99.0"], p["99.9"], metric["score"])
    elif r["mode"] == "thrpt":
        secondary = r.get("secondaryMetrics", {})
        refused = {k: v["score"] for k, v in secondary.items() if k.startswith("refused") and v["score"] > 0.5}
        path_taken = "allowed" if not refused else max(refused, key=refused.get)
        throughput[key] = (metric["score"], metric["scoreError"], path_taken)

order = [(c, l) for l in ("roomy", "seed") for c in ("hot", "rotating", "anonymous")]
print("| caller | limits | threads | p50 ns | p99 ns | p99.9 ns | mean ns | ops/s | ± (99.9% CI) | path |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
for caller, limits in order:
    for threads in (1, 2):
        lat = latency.get((caller, limits, threads))
        thr = throughput.get((caller, limits, threads))
        if not lat and not thr:
            continue
        p50, p99, p999, mean = lat if lat else (float("nan"),) * 4
        ops, err, path_taken = thr if thr else (float("nan"), float("nan"), "")
        print(f"| {caller} | {limits} | {threads} | {p50:,.0f} | {p99:,.0f} | {p999:,.0f} | {mean:,.0f} "
              f"| {ops:,.0f} | {err:,.0f} | {path_taken} |")
