"""GPT-2 small through the API: import, generate, score, DPO steps; seconds and the server's peak RSS.

usage: bench_hf.py URL TOKEN WORKDIR SERVER_PID
"""
import importlib.util, io, json, os, sys, tarfile, time
import torch
from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

URL, TOKEN, WORK, PID = sys.argv[1:5]
spec = importlib.util.spec_from_file_location("check_hf", os.path.join(os.path.dirname(__file__), "..", "scripts", "check_hf.py"))
sys.argv = [sys.argv[0], URL, TOKEN, WORK]
check_hf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_hf)  # defines the helpers; main() runs only when that file is the script
request = check_hf.request

def peak_rss_mb():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024

def report(phase, seconds, **extra):
    print(json.dumps({"phase": phase, "seconds": round(seconds, 2), "server_peak_rss_mb": peak_rss_mb(), **extra}), flush=True)

tok = check_hf.train_tokenizer()
fast = GPT2TokenizerFast(tokenizer_object=tok, bos_token=check_hf.EOT, eos_token=check_hf.EOT, unk_token=check_hf.EOT)
torch.manual_seed(0)
model = GPT2LMHeadModel(GPT2Config()).eval()  # GPT-2 small: 12 × 768, 12 heads, vocab 50257, 1024 positions
folder = os.path.join(WORK, "gpt2-small")
model.save_pretrained(folder, safe_serialization=True)
fast.save_pretrained(folder)
buffer = io.BytesIO()
with tarfile.open(fileobj=buffer, mode="w") as tar:
    for name in sorted(os.listdir(folder)):
        tar.add(os.path.join(folder, name), arcname=name)
body = buffer.getvalue()
del buffer, model

start = time.time()
status, created = request("POST", "/v1/models/upload?format=hf&name=gpt2-small", body, "application/octet-stream")
assert status == 201, (status, created)
report("import", time.time() - start, archive_mb=len(body) >> 20, parameters=created["parameter_count"])
del body
mid = created["id"]

start = time.time()
status, out = request("POST", f"/v1/models/{mid}/generate", {"prompts": ["The service"], "max_new_tokens": 32, "seed": 1, "stop_at_eos": False})
assert status == 200, out
report("generate 32 tokens (first call loads the model)", time.time() - start)
start = time.time()
status, out = request("POST", f"/v1/models/{mid}/generate", {"prompts": ["The service"], "max_new_tokens": 32, "seed": 2, "stop_at_eos": False})
report("generate 32 tokens", time.time() - start)
items = [{"prompt": f"Question {i}: what is {i} plus {i}?", "response": f" It's {2 * i}, I am quite sure."} for i in range(8)]
start = time.time()
status, out = request("POST", f"/v1/models/{mid}/logprobs", {"items": items})
assert status == 200, out
report("logprobs of 8 pairs", time.time() - start)

lines = [{"prompt": f"Question {i}: what is {i} plus {i}?", "chosen": f" It's {2 * i}.", "rejected": f" Maybe {i + 7}, I'm not sure."}
         for i in range(32)]
request("POST", "/v1/preferences/import?dataset=bench", "".join(json.dumps(l) + "\n" for l in lines).encode(), "application/jsonl")

def dpo(steps):
    start = time.time()
    status, run = request("POST", "/v1/runs", {"algorithm": "dpo", "model": mid, "dataset": {"dataset": "bench"},
                                               "hyperparameters": {"steps": steps, "batch_size": 8}, "seed": steps})
    assert status == 202, run
    while run.get("status") not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.5)
        run = request("GET", f"/v1/runs/{run['id']}")[1]
    assert run["status"] == "succeeded", run
    return time.time() - start

short, long = dpo(2), dpo(12)
report("dpo run, 2 steps", short)
report("dpo run, 12 steps", long, seconds_per_step=round((long - short) / 10, 2), batch="8 pairs (16 sequences of ~20 tokens)")
