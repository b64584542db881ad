#!/usr/bin/env python3
"""The README walkthrough, measured: through the runs API of a live server, make each text task's
reference policy by SFT, run DPO, SPPO, INPO, Nash-MP and Nash-MD from it, and print per algorithm
the oracle win rate against the reference (95% interval), the exploitability, and wall time per
iteration. Prints one JSON object per run, then a Markdown table.

    python3 Benchmarks/runs_table.py URL TOKEN [--tasks arithmetic,styles] [--seed 1]
"""
import argparse
import json
from datetime import datetime
import sys
import time
import urllib.request


def call(base, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def run(base, token, body, timeout=900):
    created = call(base, token, "POST", "/v1/runs", body)
    deadline = time.time() + timeout
    while time.time() < deadline:
        current = call(base, token, "GET", "/v1/runs/" + created["id"])
        if current["status"] in ("succeeded", "failed", "cancelled"):
            return current
        time.sleep(0.5)
    raise SystemExit("run %s did not finish" % created["id"])


def seconds(run_body):
    def parse(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    return parse(run_body["finished_at"]) - parse(run_body["started_at"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--tasks", default="arithmetic,styles")
    parser.add_argument("--algorithms", default="dpo,sppo,inpo,nash_mp,nash_md")
    parser.add_argument("--seeds", default="1", help="comma-separated; each seed trains its own reference")
    parser.add_argument("--hyper", default="{}", help='per-algorithm overrides, e.g. {"dpo": {"beta": 1}}')
    args = parser.parse_args()
    overrides = json.loads(args.hyper)
    rows = []
    for seed in [int(x) for x in args.seeds.split(",")]:
        for task_name in args.tasks.split(","):
            rows += run_task(args, overrides, task_name, seed)
    print()
    if len(set(r["seed"] for r in rows)) == 1:
        print_single(rows)
    else:
        print_aggregate(rows)
    return 0 if all(r["status"] == "succeeded" for r in rows) else 1


def run_task(args, overrides, task_name, seed):
    task = {"kind": "text", "name": task_name}
    ref = run(args.url, args.token, {"name": task_name + "-ref", "algorithm": "sft", "task": task, "seed": seed})
    if ref["status"] != "succeeded":
        raise SystemExit("SFT failed: %s" % ref.get("error"))
    print(json.dumps({"task": task_name, "algorithm": "sft", "seed": seed, "seconds": round(seconds(ref), 2),
                      "steps": ref["progress"]["total_steps"]}), flush=True)
    rows = []
    for algorithm in args.algorithms.split(","):
        done = run(args.url, args.token, {"algorithm": algorithm, "model": ref["output_model_id"], "task": task,
                                          "seed": seed, "hyperparameters": overrides.get(algorithm, {})})
        result = done.get("result") or {}
        hyper = done["hyperparameters"]
        iterations = hyper.get("iterations") or 1
        row = {
            "task": task_name, "algorithm": algorithm, "seed": seed, "status": done["status"],
            "win_rate": result.get("eval/win_rate"), "low": result.get("eval/win_rate_low"),
            "high": result.get("eval/win_rate_high"), "exploitability": result.get("eval/exploitability"),
            "reference_exploitability": result.get("eval/reference_exploitability"),
            "seconds": round(seconds(done), 2), "iterations": iterations,
            "seconds_per_iteration": round(seconds(done) / iterations, 3), "error": done.get("error"),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def print_single(rows):
    print("| task | algorithm | win rate vs reference (95% CI) | exploitability (reference) | s / iteration (iterations) |")
    print("|---|---|---|---|---|")
    for r in rows:
        if r["status"] != "succeeded":
            print("| %s | %s | %s | | |" % (r["task"], r["algorithm"], r["status"]))
            continue
        print("| %s | %s | %.3f (%.3f–%.3f) | %.3f (%.3f) | %.2f (%d) |" % (
            r["task"], r["algorithm"], r["win_rate"], r["low"], r["high"], r["exploitability"],
            r["reference_exploitability"], r["seconds_per_iteration"], r["iterations"]))


def print_aggregate(rows):
    seeds = sorted(set(r["seed"] for r in rows))
    print("Seeds %s (each with its own reference); mean (min–max) over seeds." % ",".join(map(str, seeds)))
    print()
    print("| task | algorithm | win rate vs reference | lowest 95% CI bound | exploitability | reference's | s / iteration (iterations) |")
    print("|---|---|---|---|---|---|---|")
    keys = []
    for r in rows:
        if (r["task"], r["algorithm"]) not in keys:
            keys.append((r["task"], r["algorithm"]))
    for task, algorithm in keys:
        group = [r for r in rows if r["task"] == task and r["algorithm"] == algorithm]
        ok = [r for r in group if r["status"] == "succeeded"]
        if len(ok) < len(group):
            print("| %s | %s | %d of %d runs failed | | | | |" % (task, algorithm, len(group) - len(ok), len(group)))
            continue

        def spread(key):
            values = [r[key] for r in ok]
            return "%.3f (%.3f–%.3f)" % (sum(values) / len(values), min(values), max(values))
        print("| %s | %s | %s | %.3f | %s | %s | %.2f (%d) |" % (
            task, algorithm, spread("win_rate"), min(r["low"] for r in ok), spread("exploitability"),
            spread("reference_exploitability"), sum(r["seconds_per_iteration"] for r in ok) / len(ok), ok[0]["iterations"]))

if __name__ == "__main__":
    sys.exit(main())
