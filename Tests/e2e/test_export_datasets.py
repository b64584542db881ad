"""An exported JSONL file loads with Hugging Face `datasets` with the expected
columns and rows. Runs against a live server (see scripts/e2e-annotate.sh):
it posts judgements through the API, exports them in each TRL format, and
loads each file with `load_dataset("json", ...)`."""
import json
import os
import urllib.request

from datasets import load_dataset

URL = os.environ["PREFLAB_URL"]
ADMIN = os.environ["PREFLAB_ADMIN_TOKEN"]


def call(method, path, body=None, token=ADMIN, raw=None):
    # A raw body here is an exported JSONL file, sent as the import documents it.
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    content_type = "application/jsonl" if raw is not None else "application/json"
    request = urllib.request.Request(URL + path, data=data, method=method, headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})
    with urllib.request.urlopen(request) as response:
        return response.status, response.read()


def setup_module(module):
    # Three decided pairs, one tie and one skip, in their own dataset.
    items = [
        {"prompt": "Capital of France?", "response_a": "Paris.", "response_b": "Lyon.", "choice": "a", "dataset": "hf"},
        {"prompt": "2 + 2?", "response_a": "5", "response_b": "4", "choice": "b", "dataset": "hf"},
        {"prompt": "Say hi 👋", "response_a": "Hi! 👋", "response_b": "Go away.", "choice": "a", "dataset": "hf"},
        {"prompt": "Pick one", "response_a": "x", "response_b": "y", "choice": "tie", "dataset": "hf"},
        {"prompt": "Unclear", "response_a": "p", "response_b": "q", "choice": "skip", "dataset": "hf"},
    ]
    status, _ = call("POST", "/v1/preferences", {"items": items})
    assert status == 201


def export(tmp_path, query, name):
    status, body = call("GET", "/v1/preferences/export?dataset=hf&" + query)
    assert status == 200
    path = tmp_path / name
    path.write_bytes(body)
    return load_dataset("json", data_files=str(path), split="train")


def test_standard_format_loads_with_prompt_chosen_rejected(tmp_path):
    ds = export(tmp_path, "format=standard", "standard.jsonl")
    assert ds.column_names == ["prompt", "chosen", "rejected"]
    assert ds.num_rows == 3  # the tie is dropped by default, the skip always
    rows = {r["prompt"]: (r["chosen"], r["rejected"]) for r in ds}
    assert rows["Capital of France?"] == ("Paris.", "Lyon.")
    assert rows["2 + 2?"] == ("4", "5")
    assert rows["Say hi 👋"] == ("Hi! 👋", "Go away.")


def test_ties_in_both_orders(tmp_path):
    ds = export(tmp_path, "format=standard&ties=both_orders", "ties.jsonl")
    assert ds.num_rows == 5
    assert sorted((r["chosen"], r["rejected"]) for r in ds if r["prompt"] == "Pick one") == [("x", "y"), ("y", "x")]


def test_conversational_format_loads_as_messages(tmp_path):
    ds = export(tmp_path, "format=conversational", "conv.jsonl")
    assert ds.column_names == ["prompt", "chosen", "rejected"]
    assert ds.num_rows == 3
    row = next(r for r in ds if r["prompt"][0]["content"] == "Capital of France?")
    assert row["prompt"] == [{"role": "user", "content": "Capital of France?"}]
    assert row["chosen"] == [{"role": "assistant", "content": "Paris."}]


def test_unpaired_format_has_completion_and_label(tmp_path):
    ds = export(tmp_path, "format=unpaired", "unpaired.jsonl")
    assert ds.column_names == ["prompt", "completion", "label"]
    assert ds.num_rows == 6
    assert sum(ds["label"]) == 3


def test_provenance_sidecar_aligns_with_rows(tmp_path):
    rows = export(tmp_path, "format=standard", "rows.jsonl")
    prov = export(tmp_path, "format=standard&part=provenance", "prov.jsonl")
    assert prov.num_rows == rows.num_rows
    assert "preference_ids" in prov.column_names


def test_exported_file_imports_back(tmp_path):
    _, body = call("GET", "/v1/preferences/export?dataset=hf&format=standard")
    status, answer = call("POST", "/v1/preferences/import?dataset=roundtrip", raw=body)
    assert status == 201
    assert json.loads(answer)["imported"] == 3
    _, again = call("GET", "/v1/preferences/export?dataset=roundtrip&format=standard")
    assert sorted(again.splitlines()) == sorted(body.splitlines())
