"""openapi.yaml's per-algorithm run schemas agree with the server's validation.

For every algorithm, a run posted with no hyperparameters comes back (202) with every
hyperparameter the server resolved; their names must be exactly the properties of the
algorithm's `<Name>Hyperparameters` schema, and their values its `default`s (SFT on a
dataset, where no task recipe applies). Then every documented hyperparameter set to a
value outside its documented range must be refused with 422 naming it.

Last, the first event of a run's event stream (a queued run's `status` event: this server
executes none) must match the `RunEvent` schema.

Usage: check-run-schemas.py OPENAPI_YAML BASE_URL TOKEN
"""
import json
import sys
import urllib.error
import urllib.request

import jsonschema
import yaml

spec_path, base, token = sys.argv[1:4]
spec = yaml.safe_load(open(spec_path))
schemas = spec["components"]["schemas"]
posted = []


def call(method, path, body):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(), headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


status, model = call("POST", "/v1/models", {"name": "schema-check", "architecture": {"layers": 1, "dim": 16, "heads": 2, "context": 64}})
assert status == 201, (status, model)
model_id = (model.get("items") or [model])[0]["id"]

failures = []


def check(schema, algorithm):
    hyper = schemas[schema["properties"]["hyperparameters"]["$ref"].rsplit("/", 1)[1]]["properties"]
    body = {"algorithm": algorithm, "model": model_id}
    body.update({"dataset": {"dataset": "none"}} if "dataset" in schema["properties"] else {"task": {"kind": "text", "name": "arithmetic"}})
    status, run = call("POST", "/v1/runs", body)
    if status != 202:
        failures.append(f"{algorithm}: a run with every default was refused: {status} {run}")
        return
    posted.append(run["id"])
    resolved = run["hyperparameters"]
    if set(resolved) != set(hyper):
        failures.append(f"{algorithm}: server resolves {sorted(resolved)}, openapi.yaml documents {sorted(hyper)}")
    for key, prop in hyper.items():
        if key in resolved and resolved[key] != prop.get("default"):
            failures.append(f"{algorithm}.{key}: server default {resolved[key]!r}, openapi.yaml default {prop.get('default')!r}")
        outside = None
        if "maximum" in prop:
            outside = prop["maximum"] + 1
        elif "exclusiveMinimum" in prop:
            outside = prop["exclusiveMinimum"]
        elif "enum" in prop:
            outside = "not-" + str(prop["enum"][0])
        if outside is not None:
            status, problem = call("POST", "/v1/runs", dict(body, hyperparameters={key: outside}))
            if status != 422 or problem.get("field") != f"hyperparameters.{key}":
                failures.append(f"{algorithm}.{key}={outside!r}: expected 422 naming hyperparameters.{key}, got {status} {problem}")
    status, problem = call("POST", "/v1/runs", dict(body, hyperparameters={"not_a_hyperparameter": 1}))
    if status != 422 or problem.get("field") != "hyperparameters.not_a_hyperparameter":
        failures.append(f"{algorithm}: an unknown hyperparameter got {status} {problem}")

for variant in schemas["NewRun"]["oneOf"]:
    name = variant["$ref"].rsplit("/", 1)[1]
    if name == "NewTabularRun":
        continue
    schema = schemas[name]
    algorithms = schema["properties"]["algorithm"].get("enum") or [schema["properties"]["algorithm"]["const"]]
    for algorithm in algorithms:
        check(schema, algorithm)

def first_event(run_id):
    """The first event of the run's stream, as `RunEvent` describes it: its fields, `data` parsed."""
    request = urllib.request.Request(base + f"/v1/runs/{run_id}/events", headers={"Authorization": "Bearer " + token})
    fields = {}
    with urllib.request.urlopen(request, timeout=10) as response:
        for raw in response:
            line = raw.decode().rstrip("\r\n")
            if not line:
                if fields:
                    break
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            fields[name] = fields[name] + "\n" + value if name == "data" and name in fields else value
    fields["data"] = json.loads(fields.get("data", "null"))
    return fields


if posted:
    event = first_event(posted[0])
    validator = jsonschema.Draft202012Validator({"$ref": "#/components/schemas/RunEvent", "components": spec["components"]})
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(event)]
    if event.get("event") != "status" or errors:
        failures.append(f"first event of run {posted[0]}: {event.get('event')!r} does not match RunEvent: {errors[:3]}")

for line in failures:
    print("MISMATCH", line)
print(f"run schemas: {len(failures)} mismatch(es)")
sys.exit(1 if failures else 0)
