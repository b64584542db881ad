#!/usr/bin/env python3
"""soak.py: drives `make soak` (see scripts/soak.sh). Against one running server, at once:
5,000 silent connections (re-opened as soon as the server closes them), 64 server-sent-event
streams, 32 slow readers of a model's weights, a /livez prober on fresh connections, and 64 API
clients that post preferences and poll a run; the server runs with a 256-descriptor limit.
Prints one JSON line per figure and exits 1 if a criterion fails:
zero 5xx on the API clients, /livez p99 < 50 ms, peak RSS < 300 MB, every acknowledged
preference present afterwards."""
import argparse, http.client, json, multiprocessing as mp, os, resource, selectors, socket, sys, threading, time, uuid

HOST = "127.0.0.1"


def log(*parts):
    print("soak:", *parts, file=sys.stderr, flush=True)


def request(conn, method, path, token=None, body=None, headers=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    response = conn.getresponse()
    return response.status, response.read(), response


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# --- attackers: connections that never send a byte -------------------------------------------

def attacker(port, count, stop, out):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sel = selectors.EpollSelector()
    opened = reconnects = failures = 0

    def open_one():
        nonlocal opened, failures
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect_ex((HOST, port))
        except OSError:
            failures += 1
            s.close()
            return
        sel.register(s, selectors.EVENT_READ)
        opened += 1

    for _ in range(count):
        open_one()
    held_max = 0
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            sel.unregister(s)
            s.close()
            reconnects += 1
            open_one()
        held_max = max(held_max, len(sel.get_map()))
    out.put(("attack", {"silent_connections": count, "open_sockets_max": held_max, "reopened_after_server_close": reconnects,
                        "connect_failures": failures}))


# --- SSE streams ------------------------------------------------------------------------------

def sse_streams(port, count, token, run_id, stop, out):
    stats = {"streams": count, "opened": 0, "refused_503": 0, "other_status": 0, "bytes": 0, "ended_early": 0}
    lock = threading.Lock()

    def one():
        while not stop.is_set():
            try:
                s = socket.create_connection((HOST, port), timeout=10)
                s.sendall(f"GET /v1/runs/{run_id}/events HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
                head = s.recv(4096)
                status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1") else 0
                with lock:
                    if status == 200:
                        stats["opened"] += 1
                    elif status == 503:
                        stats["refused_503"] += 1
                    else:
                        stats["other_status"] += 1
                if status != 200:
                    s.close()
                    time.sleep(1)
                    continue
                s.settimeout(1)
                while not stop.is_set():
                    try:
                        chunk = s.recv(4096)
                    except socket.timeout:
                        continue
                    if not chunk:
                        with lock:
                            stats["ended_early"] += 1
                        break
                    with lock:
                        stats["bytes"] += len(chunk)
                s.close()
            except OSError:
                with lock:
                    stats["ended_early"] += 1
                time.sleep(0.5)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(count)]
    for t in threads:
        t.start()
    stop.wait()
    time.sleep(1.5)
    out.put(("sse", stats))


# --- slow weight readers ----------------------------------------------------------------------

def slow_readers(port, count, token, model_id, stop, out):
    stats = {"readers": count, "downloads_started": 0, "downloads_completed": 0, "bytes": 0, "errors": 0, "non_200": 0}
    lock = threading.Lock()

    def one():
        while not stop.is_set():
            try:
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                s.settimeout(30)
                s.connect((HOST, port))
                s.sendall(f"GET /v1/models/{model_id}/weights HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
                buf = b""
                while b"\r\n\r\n" not in buf:
                    more = s.recv(4096)
                    if not more:
                        raise OSError("closed in head")
                    buf += more
                head, rest = buf.split(b"\r\n\r\n", 1)
                status = int(head.split(b" ", 2)[1])
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                with lock:
                    stats["downloads_started"] += 1
                    if status != 200:
                        stats["non_200"] += 1
                        stats.setdefault("non_200_statuses", {})
                        stats["non_200_statuses"][str(status)] = stats["non_200_statuses"].get(str(status), 0) + 1
                got = len(rest)
                while got < length and not stop.is_set():
                    more = s.recv(4096)
                    if not more:
                        raise OSError("closed mid-body")
                    got += len(more)
                    with lock:
                        stats["bytes"] += len(more)
                    time.sleep(0.05)  # about 80 KB/s: a slow reader
                if got >= length:
                    with lock:
                        stats["downloads_completed"] += 1
                s.close()
            except OSError:
                if not stop.is_set():
                    with lock:
                        stats["errors"] += 1
                time.sleep(0.5)

    threads = [threading.Thread(target=one, daemon=True) for _ in range(count)]
    for t in threads:
        t.start()
    stop.wait()
    time.sleep(0.5)
    out.put(("weights", stats))


# --- API clients ------------------------------------------------------------------------------

def api_clients(port, count, annotator, ci, run_id, stop, out, index):
    stats = {"requests": 0, "status_5xx": 0, "status_4xx": 0, "connection_errors": 0, "latencies": [], "acked": []}
    lock = threading.Lock()

    def one(n):
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        i = 0
        while not stop.is_set():
            i += 1
            key = str(uuid.uuid4())
            body = {"prompt": f"soak prompt {index}-{n}-{i}", "response_a": "a", "response_b": "b", "choice": "a",
                    "dataset": "soak"}
            for path, method, token, payload, headers in (
                    ("/v1/preferences", "POST", annotator, body, {"Idempotency-Key": key}),
                    (f"/v1/runs/{run_id}", "GET", ci, None, None)):
                for attempt in range(5):
                    started = time.monotonic()
                    try:
                        status, data, _ = request(conn, method, path, token, payload, headers)
                    except (OSError, http.client.HTTPException):
                        # The server closed an idle keep-alive connection (or refused one): reconnect and retry;
                        # the Idempotency-Key makes a retried POST safe.
                        with lock:
                            stats["connection_errors"] += 1
                        conn.close()
                        conn = http.client.HTTPConnection(HOST, port, timeout=30)
                        time.sleep(0.05 * (attempt + 1))
                        continue
                    elapsed = (time.monotonic() - started) * 1000
                    with lock:
                        stats["requests"] += 1
                        stats["latencies"].append(elapsed)
                        if status >= 500:
                            stats["status_5xx"] += 1
                        elif status >= 400:
                            stats["status_4xx"] += 1
                        if method == "POST" and status == 201:
                            stats["acked"].append(json.loads(data)["id"])
                    break

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(count)]
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join(timeout=35)
    out.put(("api", stats))


# --- /livez probers: one over a kept-alive connection (a load balancer's health check), one on fresh connections ---

def livez_prober(port, stop, out):
    results = {}

    def probe(fresh, interval):
        latencies, failures = [], 0
        conn = None
        while not stop.is_set():
            started = time.monotonic()
            try:
                if fresh or conn is None:
                    conn = http.client.HTTPConnection(HOST, port, timeout=5)
                status, _, _ = request(conn, "GET", "/livez")
                if status == 200:
                    latencies.append((time.monotonic() - started) * 1000)
                else:
                    failures += 1
            except (OSError, http.client.HTTPException):
                failures += 1
                conn.close()
                conn = None
            if fresh and conn is not None:
                conn.close()
            time.sleep(interval)
        results["fresh" if fresh else "kept_alive"] = {
            "probes": len(latencies) + failures, "failures": failures, "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99), "max_ms": max(latencies) if latencies else None}

    threads = [threading.Thread(target=probe, args=(False, 0.02)), threading.Thread(target=probe, args=(True, 0.1))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(("livez", results))


def rss_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--admin", required=True)
    parser.add_argument("--annotator", required=True)
    parser.add_argument("--ci", required=True)
    parser.add_argument("--silent", type=int, default=5000)
    parser.add_argument("--streams", type=int, default=64)
    parser.add_argument("--readers", type=int, default=32)
    parser.add_argument("--clients", type=int, default=64)
    args = parser.parse_args()
    port = args.port

    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    status, data, _ = request(conn, "POST", "/v1/models", args.admin, {
        "name": "soak", "architecture": {"layers": 2, "dim": 128, "heads": 4, "context": 64}, "seed": 1})
    assert status == 201, (status, data)
    model = json.loads(data)
    status, data, _ = request(conn, "POST", "/v1/runs", args.admin, {
        "algorithm": "inpo", "hyperparameters": {"beta": 0.1, "eta": 1, "iterations": 20},
        "task": {"kind": "tabular", "preference_matrix": [[0.5, 0.9, 0.2], [0.1, 0.5, 0.7], [0.8, 0.3, 0.5]],
                 "reference": [0.6, 0.3, 0.1]}})
    assert status == 202, (status, data)
    run_id = json.loads(data)["id"]
    conn.close()
    log(f"model {model['id']} ({model['checkpoint_bytes']} bytes), run {run_id} (stays queued: no run workers)")

    stop = mp.Event()
    out = mp.Queue()
    half = args.clients // 2
    processes = [
        mp.Process(target=attacker, args=(port, args.silent, stop, out)),
        mp.Process(target=sse_streams, args=(port, args.streams, args.ci, run_id, stop, out)),
        mp.Process(target=slow_readers, args=(port, args.readers, args.ci, model["id"], stop, out)),
        mp.Process(target=api_clients, args=(port, half, args.annotator, args.ci, run_id, stop, out, 0)),
        mp.Process(target=api_clients, args=(port, args.clients - half, args.annotator, args.ci, run_id, stop, out, 1)),
    ]
    for p in processes:
        p.start()
    time.sleep(2)  # let the silent connections and streams pile up before measuring /livez
    prober = mp.Process(target=livez_prober, args=(port, stop, out))
    prober.start()
    processes.append(prober)
    rss_max = 0
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        rss_max = max(rss_max, rss_kb(args.pid, "VmRSS"))
        time.sleep(0.5)
    stop.set()
    results = {}
    for _ in processes:
        kind, value = out.get(timeout=120)
        if kind == "api":
            merged = results.setdefault("api", {"requests": 0, "status_5xx": 0, "status_4xx": 0, "connection_errors": 0,
                                                "latencies": [], "acked": []})
            for k, v in value.items():
                merged[k] += v
        else:
            results[kind] = value
    for p in processes:
        p.join(timeout=30)
    hwm = rss_kb(args.pid, "VmHWM")

    # Every acknowledged preference must be in the store.
    acked = set(results["api"]["acked"])
    present = set()
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    token = None
    while True:
        path = "/v1/preferences?page_size=1000" + (f"&page_token={token}" if token else "")
        status, data, _ = request(conn, "GET", path, args.annotator)
        assert status == 200, (status, data[:200])
        page = json.loads(data)
        present.update(item["id"] for item in page["items"])
        token = page.get("next_page_token")
        if not token:
            break
    missing = len(acked - present)

    api = results["api"]
    lat = api.pop("latencies")
    api.pop("acked")
    api.update({"clients": args.clients, "preferences_acked": len(acked), "p50_ms": percentile(lat, 50),
                "p99_ms": percentile(lat, 99)})
    figures = [
        {"soak": "api", **api},
        {"soak": "livez", "connection": "kept_alive", **results["livez"]["kept_alive"]},
        {"soak": "livez", "connection": "fresh", **results["livez"]["fresh"]},
        {"soak": "server", "fd_limit": 256, "rss_max_mb": round(rss_max / 1024, 1), "rss_peak_hwm_mb": round(hwm / 1024, 1)},
        {"soak": "silent", **results["attack"]},
        {"soak": "sse", **results["sse"]},
        {"soak": "weights", "checkpoint_bytes": model["checkpoint_bytes"], **results["weights"]},
        {"soak": "durability", "acked": len(acked), "present": len(acked) - missing, "missing": missing},
    ]
    for figure in figures:
        print(json.dumps(figure), flush=True)
    livez_p99 = results["livez"]["kept_alive"]["p99_ms"]
    ok = (api["status_5xx"] == 0 and livez_p99 is not None and livez_p99 < 50 and hwm < 300 * 1024 and missing == 0
          and len(acked) > 0)
    print(json.dumps({"soak": "verdict", "passed": ok, "seconds": args.seconds}), flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
