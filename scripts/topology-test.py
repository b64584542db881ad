#!/usr/bin/env python3
"""The compose stack's commands as plain processes, end to end over HTTP.

PostgreSQL (PREFLAB_TEST_DATABASE_URL, from scripts/with-postgres.sh), two `preflab migrate` at once (the
compose `migrate` one-shot; the advisory lock serialises them), the API (`serve` with PREFLAB_RUN_WORKERS=0)
and two `preflab worker`s, all logging JSON. Then: annotators judge comparisons → a reward model is trained
on their preferences → a PPO run judged by it, during which the worker holding it is killed with -9 (the
other resumes it from its checkpoint once the lease lapses) → an evaluation of the result. Finally every
/metrics parses with prometheus_client's parser and holds the families the dashboards use, and every log
line is one JSON object.

Usage: scripts/topology-test.py BINARY   (needs prometheus_client; scripts/check-deploy.sh provides it)
Exits non-zero naming the first expectation that failed.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

BIN = os.path.abspath(sys.argv[1])
DB = os.environ["PREFLAB_TEST_DATABASE_URL"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, PREFLAB_MIGRATIONS_DIR=os.path.join(ROOT, "Migrations"), PREFLAB_JOB_LEASE_SECONDS="2",
           PREFLAB_LOG_FORMAT="json", PREFLAB_THREADS="1")
LOGS = tempfile.mkdtemp(prefix="preflab-topology.")
STARTED = time.monotonic()


def say(text):
    print(f"[{time.monotonic() - STARTED:6.1f}s] {text}", flush=True)


def check(condition, what):
    if not condition:
        raise SystemExit(f"topology test FAILED: {what}")


def wait_until(what, predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"topology test FAILED: timed out after {seconds} s waiting for {what}")


class Child:
    """A preflab process; stdout read until `ready` appears, stderr kept in a file."""

    def __init__(self, name, arguments, ready, env=None):
        self.name = name
        self.err_path = os.path.join(LOGS, name + ".err")
        self.err = open(self.err_path, "wb")
        self.process = subprocess.Popen([BIN] + arguments, stdout=subprocess.PIPE, stderr=self.err, env=env or ENV)
        self.printed = ""
        while ready not in self.printed:
            line = self.process.stdout.readline().decode()
            check(line, f"{name} exited before '{ready}': {self.printed}{open(self.err_path).read()}")
            self.printed += line
        # Keep draining stdout so the child never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def port_after(self, marker):
        at = self.printed.index(marker) + len(marker)
        return int("".join(c for c in self.printed[at:at + 6] if c.isdigit()))


def run(arguments):
    done = subprocess.run([BIN] + arguments, capture_output=True, env=ENV, timeout=60)
    check(done.returncode == 0, f"preflab {' '.join(arguments)} exited {done.returncode}: {done.stderr.decode()}")
    return done.stdout.decode()


def request(port, method, path, token=None, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text and response.headers.get_content_type().endswith("json") else text), response.headers
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        return error.code, text, error.headers


def finished(port, token, path, seconds):
    def done():
        status, body, _ = request(port, "GET", path, token)
        check(status == 200, f"GET {path}: {status} {body}")
        return body if body["status"] in ("succeeded", "failed", "cancelled", "dead") else None
    return wait_until(path, done, seconds)


children = []
try:
    say(run(["--version"]).strip())
    # 1. The compose `migrate` one-shot, twice at once: the advisory lock lets one apply, the other find it done.
    migrations = [subprocess.Popen([BIN, "migrate", "--database", DB], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
                  for _ in range(2)]
    for m in migrations:
        out, err = m.communicate(timeout=60)
        check(m.returncode == 0, f"migrate exited {m.returncode}: {err.decode()}")
    say("migrated: " + out.decode().strip())
    tokens = {role: run(["token", "create", "--role", role, "--name", f"topo-{role}", "--database", DB]).strip()
              for role in ("admin", "researcher", "annotator")}
    admin, researcher, annotator = tokens["admin"], tokens["researcher"], tokens["annotator"]

    # 2. The API (runs nothing) and two workers, as compose starts them.
    api = Child("api", ["serve", "--port", "0", "--database", DB], "listening on http://",
                env=dict(ENV, PREFLAB_RUN_WORKERS="0"))
    children.append(api)
    port = api.port_after("listening on http://127.0.0.1:")
    workers = [Child(f"worker{i}", ["worker", "--database", DB, "--metrics-port", "0"], "PrefLab worker running") for i in range(2)]
    children.extend(workers)
    for w in workers:
        w.metrics_port = w.port_after("metrics on http://127.0.0.1:")
    pids = {w.process.pid for w in workers}
    wait_until("both workers listed", lambda: pids <= {x["pid"] for x in request(port, "GET", "/v1/workers", admin)[1]["items"]}, 30)
    say(f"API on {port}, workers {sorted(pids)}")

    # 3. Annotate: a researcher loads comparisons (sums, a right and a wrong answer), an annotator judges them all.
    pairs = [(a, b) for a in range(1, 7) for b in range(1, 5)]
    items = [{"prompt": f"{a}+{b}=", "response_a": str(a + b), "response_b": str(a + b + 3 - 6 * (i % 2)),
              "judgements_required": 1, "dataset": "topo"} for i, (a, b) in enumerate(pairs)]
    status, body, _ = request(port, "POST", "/v1/comparisons", researcher, {"items": items})
    check(status == 201, f"POST /v1/comparisons: {status} {body}")
    judged = 0
    while True:
        status, item, _ = request(port, "GET", "/v1/queue/next", annotator)
        if status == 204:
            break
        check(status == 200, f"GET /v1/queue/next: {status} {item}")
        a, b = item["prompt"].rstrip("=").split("+")
        right = str(int(a) + int(b))
        side = item["first"]["side"] if item["first"]["text"] == right else item["second"]["side"]
        status, body, _ = request(port, "POST", "/v1/preferences", annotator,
                                  {"comparison_id": item["comparison_id"], "choice": side, "time_spent_ms": 900})
        check(status == 201, f"POST /v1/preferences: {status} {body}")
        judged += 1
    check(judged == len(items), f"judged {judged} of {len(items)}")
    say(f"annotated {judged} comparisons")

    # 4. A reward model on those preferences (its trunk from a fresh tiny policy).
    status, policy, _ = request(port, "POST", "/v1/models", researcher,
                                {"name": "topo-policy", "architecture": {"layers": 1, "dim": 32, "heads": 2, "context": 48}, "seed": 1})
    check(status == 201, f"POST /v1/models: {status} {policy}")
    status, rm_run, _ = request(port, "POST", "/v1/runs", researcher, {
        "algorithm": "reward_model", "model": policy["id"], "dataset": {"dataset": "topo"},
        "hyperparameters": {"steps": 30, "eval_fraction": 0.25}, "seed": 3})
    check(status == 202, f"POST reward_model run: {status} {rm_run}")
    rm_run = finished(port, researcher, f"/v1/runs/{rm_run['id']}", 90)
    check(rm_run["status"] == "succeeded", f"reward model run: {rm_run}")
    reward_model = rm_run["output_model_id"]
    say(f"reward model {reward_model}: held-out accuracy {rm_run['result'].get('eval/accuracy')}")

    # 5. PPO judged by it; the worker holding the run is killed with -9 once it has checkpointed.
    status, ppo, _ = request(port, "POST", "/v1/runs", researcher, {
        "algorithm": "ppo", "model": policy["id"], "task": {"kind": "text", "name": "arithmetic"},
        "judge": f"reward_model:{reward_model}",
        "hyperparameters": {"steps": 200, "batch_size": 4, "checkpoint_every": 5, "eval_samples": 2}, "seed": 3})
    check(status == 202, f"POST ppo run: {status} {ppo}")
    run_id = ppo["id"]

    def holder():
        run = request(port, "GET", f"/v1/runs/{run_id}", researcher)[1]
        step = (run.get("progress") or {}).get("step") or 0
        if run["status"] != "running" or step < 10:
            return None
        owners = [x["pid"] for x in request(port, "GET", "/v1/workers", admin)[1]["items"] if run_id in x.get("current_jobs", [])]
        return (owners[0], step) if owners and owners[0] in pids else None
    victim_pid, step = wait_until("the PPO run to be running and checkpointed on a worker", holder, 90)
    victim = next(w for w in workers if w.process.pid == victim_pid)
    survivor = next(w for w in workers if w is not victim)
    victim.process.send_signal(signal.SIGKILL)
    victim.process.wait()
    say(f"killed worker {victim_pid} (-9) at step {step}")
    ppo = finished(port, researcher, f"/v1/runs/{run_id}", 120)
    check(ppo["status"] == "succeeded", f"PPO run after the kill: {ppo}")
    check(ppo["attempts"] >= 2, f"the surviving worker resumed the run: attempts {ppo['attempts']}")
    steps, token = [], None
    while True:
        status, page, _ = request(port, "GET", f"/v1/runs/{run_id}/metrics?key=loss&page_size=500" + (f"&page_token={token}" if token else ""), researcher)
        check(status == 200, f"GET the run's loss series: {status} {page}")
        steps += [point["step"] for point in page["items"]]
        token = page.get("next_page_token")
        if not token:
            break
    check(steps == list(range(1, 201)), f"every step once, in order, across the kill: {steps}")
    say(f"PPO run {run_id} succeeded after the kill (attempts {ppo['attempts']})")

    # 6. An evaluation of the result against the starting policy, judged by the reward model.
    status, evaluation, headers = request(port, "POST", "/v1/evaluations", researcher, {
        "model": ppo["output_model_id"], "baseline": policy["id"], "task": {"kind": "text", "name": "arithmetic"},
        "judge": f"reward_model:{reward_model}", "samples_per_prompt": 2})
    check(status == 202, f"POST /v1/evaluations: {status} {evaluation}")
    evaluation = finished(port, researcher, headers["Location"], 90)
    check(evaluation["status"] == "succeeded", f"evaluation: {evaluation}")
    say(f"evaluation {evaluation['id']}: win rate {evaluation['result'].get('win_rate')}")

    # 7. /metrics of the API and of the surviving worker parse, and hold the families operators use.
    def families(port_, path="/metrics"):
        status, text, headers = request(port_, "GET", path)
        check(status == 200 and headers.get_content_type() == "text/plain", f"GET /metrics on {port_}: {status}")
        parsed = {}
        for family in text_string_to_metric_families(text):
            parsed.setdefault(family.name, []).append(family)
        return parsed
    api_families = families(port)
    for name in ("preflab_build_info", "preflab_jobs", "preflab_runs", "preflab_job_retries", "preflab_lease_expiries",
                 "preflab_group_commit_batch_size", "preflab_store_operation_seconds", "process_resident_memory_bytes",
                 "process_cpu_seconds", "process_open_fds", "process_threads", "preflab_worker_last_heartbeat_timestamp_seconds",
                 "preflab_http_requests", "preflab_http_request_duration_seconds"):
        check(name in api_families, f"the API's /metrics has {name}")
    runs = {s.labels["status"]: s.value for f in api_families["preflab_runs"] for s in f.samples}
    check(runs.get("succeeded", 0) >= 2, f"preflab_runs counts the succeeded runs: {runs}")
    beats = {s.labels["worker"] for f in api_families["preflab_worker_last_heartbeat_timestamp_seconds"] for s in f.samples}
    check(any(f":{survivor.process.pid}:" in w for w in beats), f"the surviving worker's heartbeat is exported: {beats}")
    worker_families = families(survivor.metrics_port)
    expiries = sum(s.value for f in worker_families.get("preflab_lease_expiries", []) for s in f.samples)
    check(expiries >= 1, "the surviving worker counted the lease it took over (preflab_lease_expiries_total)")
    for name in ("preflab_build_info", "preflab_job_retries", "process_resident_memory_bytes", "preflab_store_operation_seconds"):
        check(name in worker_families, f"the worker's /metrics has {name}")
    say(f"metrics parse; API exports {len(api_families)} families, the survivor took over {int(expiries)} lease(s)")

    # 8. SIGTERM drains the API and the survivor with exit 0; every log line of every process is one JSON object.
    for child in (api, survivor):
        child.process.send_signal(signal.SIGTERM)
        check(child.process.wait(timeout=30) == 0, f"{child.name} exits 0 on SIGTERM")
    records = {}
    for child in (api, survivor, victim):
        child.err.close()
        lines = open(child.err_path, "rb").read().decode().split("\n")
        # A process killed with -9 may have left half a line.
        complete = lines[:-1] if child is not victim or lines[-1] == "" else lines[:-2]
        for number, line in enumerate(complete, 1):
            try:
                record = json.loads(line)
            except ValueError:
                raise SystemExit(f"topology test FAILED: {child.name} log line {number} is not JSON: {line!r}")
            check(isinstance(record, dict) and {"ts", "level", "msg"} <= record.keys(), f"{child.name} log line {number}: {line}")
            records.setdefault(child.name, []).append(record)
    ppo_lines = [(r["msg"], r.get("level")) for r in records.get(survivor.name, []) if r.get("run_id") == run_id]
    check(("run resumed", "info") in ppo_lines and ("run succeeded", "info") in ppo_lines,
          f"the survivor logged the PPO run's resumption and success at info: {ppo_lines}")
    check(any(r.get("run_id") == run_id and r["msg"] == "run started" for r in records.get(victim.name, [])),
          "the killed worker logged the run's start")
    say(f"logs: {sum(len(v) for v in records.values())} JSON lines; topology test passed")
finally:
    for child in children:
        if child.process.poll() is None:
            child.process.kill()
            child.process.wait()
