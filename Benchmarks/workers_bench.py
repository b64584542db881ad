"""Drives bench-workers.sh: starts `preflab serve` and `preflab worker` processes against the
PostgreSQL in PREFLAB_TEST_DATABASE_URL and times POST /v1/models/{id}/scores (JSON lines on stdout)."""
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

BIN = os.environ["BENCH_BIN"]
DB = os.environ["PREFLAB_TEST_DATABASE_URL"]
ITEMS = int(os.environ.get("BENCH_ITEMS", "4096"))
SHARD = int(os.environ.get("BENCH_SHARD_SIZE", "64"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
OVERHEAD_ITEMS = int(os.environ.get("BENCH_OVERHEAD_ITEMS", "512"))
LEASE = "30"
token = None


def start(args, env, ready):
    proc = subprocess.Popen([BIN] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PREFLAB_JOB_LEASE_SECONDS": LEASE, **env}, text=True)
    lines = []
    while True:
        line = proc.stdout.readline()
        if not line:
            sys.exit("process exited: " + "".join(lines))
        lines.append(line)
        if ready in line:
            break
    return proc, lines


def stop(procs):
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=30)


def call(url, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method="POST" if body is not None else "GET",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def serve(env):
    global token
    proc, lines = start(["serve", "--port", "0", "--database", DB, "--log-level", "warning"], env, "listening on")
    text = "".join(lines)
    if "Created the first admin token" in text:
        token = lines[lines.index(next(l for l in lines if "Created the first admin token" in l)) + 1].split()[0]
    url = text.split("listening on ")[1].split()[0]
    return proc, url


def items(n):
    return [{"prompt": f"Question {i % 97}: what is {i % 13} + {i % 7}?", "response": f"The answer is {i % 13 + i % 7}, as computed."}
            for i in range(n)]


def timed(url, model, batch):
    start_time = time.perf_counter()
    scores = call(url, f"/v1/models/{model}/scores", {"items": batch})["scores"]
    elapsed = time.perf_counter() - start_time
    assert len(scores) == len(batch)
    return elapsed, scores


def cpu_seconds(proc):
    """User plus system CPU time of a child so far (Linux /proc)."""
    fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def host_cpu():
    """(total, idle) jiffies of the whole machine, every container's processes included."""
    values = list(map(int, open("/proc/stat").readline().split()[1:]))
    return sum(values), values[3] + values[4]


def measure(name, serve_env, workers, shard, batch, model):
    env = {"PREFLAB_SCORE_INLINE_MAX": "0", "PREFLAB_SCORE_SHARD_SIZE": str(shard), **serve_env}
    api, url = serve(env)
    procs = [start(["worker", "--database", DB, "--queues", "scoring", "--concurrency", "1", "--log-level", "warning"], {},
                   "PrefLab worker running")[0] for _ in range(workers)]
    try:
        timed(url, model, items(8 * shard))  # a warm-up: the pools load the model
        cpu_before = [cpu_seconds(p) for p in procs + [api]]
        load = os.getloadavg()[0]
        host_before = host_cpu()
        runs = [timed(url, model, batch) for _ in range(REPEATS)]
        host_after = host_cpu()
        cpu = [round((cpu_seconds(p) - b) / REPEATS, 3) for p, b in zip(procs + [api], cpu_before)]
    finally:
        stop(procs + [api])
    seconds = statistics.median(r[0] for r in runs)
    # Whose CPU the machine spent, while timing: ours (workers, API) against all of it, PostgreSQL and any
    # other tenant included. Throughput is only comparable between lines whose host is not saturated.
    total, idle = host_after[0] - host_before[0], host_after[1] - host_before[1]
    measure.last = {"cpu_seconds_per_batch": {"workers": cpu[:-1], "api": cpu[-1]}, "load_average_1m": round(load, 2),
                    "host_cpu_busy_pct": round(100 * (total - idle) / max(total, 1), 1)}
    return seconds, runs[0][1]


def main():
    # The store and the model: a small reward model (2 layers, width 64, context 128).
    api, url = serve({"PREFLAB_RUN_WORKERS": "0"})
    model = call(url, "/v1/models", {"name": "bench-rm", "kind": "reward_model", "seed": 1,
                                     "architecture": {"layers": 2, "dim": 64, "heads": 4, "context": 128}})["id"]
    stop([api])
    batch = items(ITEMS)
    results = {}
    reference = None
    for name, serve_env, workers in [("in_process_1_thread", {"PREFLAB_RUN_WORKERS": "1"}, 0),
                                     ("in_process_2_threads", {"PREFLAB_RUN_WORKERS": "2"}, 0),
                                     ("worker_processes_1", {"PREFLAB_RUN_WORKERS": "0"}, 1),
                                     ("worker_processes_2", {"PREFLAB_RUN_WORKERS": "0"}, 2)]:
        seconds, scores = measure(name, serve_env, workers, SHARD, batch, model)
        reference = reference or scores
        results[name] = ITEMS / seconds
        print(json.dumps({"bench": "workers", "config": name, "items": ITEMS, "shard_size": SHARD, "seconds": round(seconds, 3),
                          "items_per_s": round(ITEMS / seconds, 1), "identical_to_first": scores == reference, **measure.last}), flush=True)
    print(json.dumps({"bench": "workers", "metric": "speedup_2_vs_1_worker_processes",
                      "value": round(results["worker_processes_2"] / results["worker_processes_1"], 3)}), flush=True)
    # Per-shard overhead: the same items as one-item shards and as one shard, on one worker process.
    small = items(OVERHEAD_ITEMS)
    one_each, _ = measure("overhead_1", {"PREFLAB_RUN_WORKERS": "0"}, 1, 1, small, model)
    single, _ = measure("overhead_all", {"PREFLAB_RUN_WORKERS": "0"}, 1, OVERHEAD_ITEMS, small, model)
    print(json.dumps({"bench": "workers", "metric": "per_shard_overhead_ms", "items": OVERHEAD_ITEMS,
                      "seconds_one_item_shards": round(one_each, 3), "seconds_one_shard": round(single, 3),
                      "value": round((one_each - single) / (OVERHEAD_ITEMS - 1) * 1000, 3)}), flush=True)


if __name__ == "__main__":
    main()
