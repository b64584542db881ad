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
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hyper", default="{}", help='per-algorithm overrides, e.g. {"dpo": {"beta": 1}}')
    args = parser.parse_args()
    overrides = json.loads(args.hyper)
    rows = []
    for task_name in args.tasks.split(","):
        task = {"kind": "text", "name": task_name}
        ref = run(args.url, args.token, {"name": task_name + "-ref", "algorithm": "sft", "task": task, "seed": args.seed})
        if ref["status"] != "succeeded":
            raise SystemExit("SFT failed: %s" % ref.get("error"))
        print(json.dumps({"task": task_name, "algorithm": "sft", "seconds": round(seconds(ref), 2),
                          "steps": ref["progress"]["total_steps"]}), flush=True)
        for algorithm in args.algorithms.split(","):
            done = run(args.url, args.token, {"algorithm": algorithm, "model": ref["output_model_id"], "task": task,
                                              "seed": args.seed, "hyperparameters": overrides.get(algorithm, {})})
            result = done.get("result") or {}
            hyper = done["hyperparameters"]
            iterations = hyper.get("iterations") or 1
            row = {
                "task": task_name, "algorithm": algorithm, "status": done["status"],
                "win_rate": result.get("eval/win_rate"), "low": result.get("eval/win_rate_low"),
                "high": result.get("eval/win_rate_high"), "exploitability": result.get("eval/exploitability"),
                "reference_exploitability": result.get("eval/reference_exploitability"),
                "seconds": round(seconds(done), 2), "iterations": iterations,
                "seconds_per_iteration": round(seconds(done) / iterations, 3), "error": done.get("error"),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| task | algorithm | win rate vs reference (95% CI) | exploitability (reference) | s / iteration (iterations) |")
    print("|---|---|---|---|---|")
    for r in rows:
        if r["status"] != "succeeded":
            print("| %s | %s | %s | | |" % (r["task"], r["algorithm"], r["status"]))
            continue
        print("| %s | %s | %.3f (%.3f–%.3f) | %.3f (%.3f) | %.2f (%d) |" % (
            r["task"], r["algorithm"], r["win_rate"], r["low"], r["high"], r["exploitability"],
            r["reference_exploitability"], r["seconds_per_iteration"], r["iterations"]))
    return 0 if all(r["status"] == "succeeded" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
