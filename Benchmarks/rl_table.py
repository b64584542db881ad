#!/usr/bin/env python3
"""PPO, RLOO and GRPO on the transitive `arithmetic` task, measured through the runs API of a live server:
per seed, make the task's reference by SFT, then run each algorithm from it judged by the task's oracle
reward (and PPO once more judged by a reward model trained on the task's oracle labels, its critic seeded
from it); print one JSON object per run, then a Markdown table of the oracle's mean reward of the trained
policy against the reference's: the share of right answers, the mean reward (−2·min(|answer − sum|, 20),
malformed −40), the pairwise win rate against the reference, the KL to it, and wall time per step (the
end-of-run evaluation included).

    python3 Benchmarks/rl_table.py URL TOKEN [--seeds 1,2,3] [--algorithms ppo,rloo,grpo] [--no-reward-model] [--hyper JSON]
"""
import argparse
import json
import sys

from runs_table import run, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--algorithms", default="ppo,rloo,grpo")
    parser.add_argument("--no-reward-model", action="store_true")
    parser.add_argument("--hyper", default="{}", help='per-algorithm overrides, e.g. {"rloo": {"kl_coef": 0.1}}')
    args = parser.parse_args()
    overrides = json.loads(args.hyper)
    task = {"kind": "text", "name": "arithmetic"}
    rows = []
    for seed in [int(x) for x in args.seeds.split(",")]:
        ref = run(args.url, args.token, {"name": "arithmetic-ref", "algorithm": "sft", "task": task, "seed": seed})
        if ref["status"] != "succeeded":
            raise SystemExit("SFT failed: %s" % ref.get("error"))
        jobs = [(a, a, None) for a in args.algorithms.split(",")]
        if not args.no_reward_model:
            rm = run(args.url, args.token, {"algorithm": "reward_model", "task": task, "seed": seed})
            if rm["status"] != "succeeded":
                raise SystemExit("reward model failed: %s" % rm.get("error"))
            jobs.append(("ppo (reward model)", "ppo", "reward_model:" + rm["output_model_id"]))
        for label, algorithm, judge in jobs:
            body = {"algorithm": algorithm, "model": ref["output_model_id"], "task": task, "seed": seed,
                    "hyperparameters": overrides.get(label, overrides.get(algorithm, {}))}
            if judge:
                body["judge"] = judge
            done = run(args.url, args.token, body)
            result = done.get("result") or {}
            steps = done["progress"]["total_steps"]
            row = {"algorithm": label, "seed": seed, "status": done["status"], "error": done.get("error"),
                   "reward": result.get("eval/reward"), "reference_reward": result.get("eval/reference_reward"),
                   "optimal": result.get("eval/optimal"), "reference_optimal": result.get("eval/reference_optimal"),
                   "win_rate": result.get("eval/win_rate"), "kl": result.get("eval/kl"), "steps": steps,
                   "seconds_per_step": round(seconds(done) / steps, 3)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    seeds = sorted(set(r["seed"] for r in rows))
    print("Seeds %s (each with its own reference); mean (min–max) over seeds." % ",".join(map(str, seeds)))
    print()
    print("| algorithm | right answers | reference's | oracle reward | reference's | win rate vs reference | KL to reference | s / step (steps) |")
    print("|---|---|---|---|---|---|---|---|")
    labels = []
    for r in rows:
        if r["algorithm"] not in labels:
            labels.append(r["algorithm"])
    for label in labels:
        group = [r for r in rows if r["algorithm"] == label]
        ok = [r for r in group if r["status"] == "succeeded"]
        if len(ok) < len(group):
            print("| %s | %d of %d runs failed | | | | | | |" % (label, len(group) - len(ok), len(group)))
            continue

        def spread(key):
            values = [r[key] for r in ok]
            return "%.2f (%.2f–%.2f)" % (sum(values) / len(values), min(values), max(values))
        print("| %s | %s | %s | %s | %s | %s | %s | %.2f (%d) |" % (
            label, spread("optimal"), spread("reference_optimal"), spread("reward"), spread("reference_reward"),
            spread("win_rate"), spread("kl"),
            sum(r["seconds_per_step"] for r in ok) / len(ok), ok[0]["steps"]))
    return 0 if all(r["status"] == "succeeded" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
