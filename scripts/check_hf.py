"""Hugging Face interop checks against a live PrefLab server (run by scripts/check-hf.sh).

usage: check_hf.py URL TOKEN WORKDIR
"""
import io, json, os, sys, tarfile, time, urllib.error, urllib.request
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

URL, TOKEN, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EOT = "<|endoftext|>"
# Text the tokenizer is checked on: scripts, emoji (ZWJ, skin tones, flags), combining marks, whitespace runs with
# trailing spaces and newlines, tabs, CRLF, NBSP and ideographic spaces, code, numbers, contractions, specials.
CORPUS = [
    "Hello, world!", "  leading spaces", "trailing spaces   ", "trailing newline\n", "\n\n\nthree newlines first",
    "a  b   c    d", "tabs\tand\t\ttabs", "line\r\nbreak\r\n", "mixed \t \n whitespace \n\n  run", " ", "\n",
    "I'm sure they've said it's what we'd do, y'all'll see. DON'T 'sup", "O'Neil's 'quoted' text''",
    "Ünïcödé naïve café — “quotes” ‘single’ …", "日本語のテキストと中文字符，한국어 텍스트", "Ελληνικά και русский текст",
    "עברית ועربية مع أرقام ١٢٣٤", "emoji 👋🏽 family 👨‍👩‍👧‍👦 flag 🇫🇷 heart ❤️ 🤖", "e\u0301 a\u0308 combining n\u0303o",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "nbsp\u00a0here and\u3000ideographic", "zero\u200bwidth\u200djoiner",
    "def f(x):\n    return x ** 2  # square\n\n\nprint(f(3))\n", "for (int i = 0; i < n; ++i) { a[i] += b[i]; }",
    "{\"key\": [1, 2.5e-3, null, true]}", "3.14159 2718 1,000,000 ½ ² ⅷ 0x1F 1e10", "12345678901234567890",
    "x" * 300, "ab" * 100, "!!!???...", "$$$ %%% &&& @@@ ###", f"text{EOT}more{EOT}", f"{EOT} leading special",
    "🙂" * 20, "mañana\n\n\tindent\n   \n", "end with space ", "end with tab\t", "a\u2028b\u2029c\u0085d\u000bf\u000cg",
]

def request(method, path, body=None, content_type="application/json", raw=False):
    data = body if isinstance(body, (bytes, bytearray)) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(URL + path, data=data, method=method, headers={"Authorization": f"Bearer {TOKEN}"})
    if data is not None:
        req.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            payload = r.read()
            return r.status, payload if raw else json.loads(payload or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")

def check(cond, message):
    if not cond:
        raise SystemExit("FAIL: " + message)
    print("ok:", message)

def train_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    files = [os.path.join(ROOT, "README.md")]
    for folder in ("docs", "Sources/Policy", "Sources/Alignment/Training"):
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            path = os.path.join(ROOT, folder, name)
            if os.path.isfile(path):
                files.append(path)
    trainer = trainers.BpeTrainer(vocab_size=1500, special_tokens=[EOT], initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train(files, trainer)
    return tok

def make_model(vocab, positions=96):
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=vocab, n_positions=positions, n_embd=48, n_layer=2, n_head=4,
                        bos_token_id=0, eos_token_id=0, resid_pdrop=0, embd_pdrop=0, attn_pdrop=0)
    model = GPT2LMHeadModel(config).eval()
    with torch.no_grad():  # every tensor non-trivial, so a transposed or misplaced one shows
        for name, p in model.named_parameters():
            p.copy_(1 + 0.1 * torch.randn_like(p) if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight")
                    else 0.1 * torch.randn_like(p))
    return model

def save(model, fast, folder, dtype=None):
    (model.to(dtype) if dtype else model).save_pretrained(folder, safe_serialization=True)
    fast.save_pretrained(folder)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in sorted(os.listdir(folder)):
            tar.add(os.path.join(folder, name), arcname=name)
    return buffer.getvalue()

def upload(tar, name, expect=201):
    status, body = request("POST", f"/v1/models/upload?format=hf&name={name}", tar, "application/octet-stream")
    check(status == expect, f"upload {name} answers {expect} (got {status}: {body if status != 201 else ''})")
    return body

def response_logprobs(model, prompt_ids, response_ids):
    ids = torch.tensor([prompt_ids + response_ids])
    with torch.no_grad():
        logp = torch.log_softmax(model(ids).logits[0].double(), -1)
    return [logp[len(prompt_ids) + i - 1, t].item() for i, t in enumerate(response_ids)]

def check_logprobs(model_id, model, tok, eos, label):
    pairs = [("Question: what is", " a tokenizer? It's bytes."), ("", "Hi!"), ("def f(x):\n", "    return x\n"),
             ("emoji 👋🏽 ", "café ñ 日本"), ("trailing   ", "  spaces\n\n")]
    status, body = request("POST", f"/v1/models/{model_id}/logprobs", {"items": [{"prompt": p, "response": r} for p, r in pairs]})
    check(status == 200, f"{label}: logprobs answers 200")
    worst = 0.0
    for (p, r), item in zip(pairs, body["items"]):
        ref = response_logprobs(model, [eos] + tok.encode(p).ids, tok.encode(r).ids + [eos])
        check(item["tokens"] == len(ref), f"{label}: {len(ref)} scored tokens for {r!r}")
        worst = max(worst, abs(item["sum"] - sum(ref)) / len(ref))
    check(worst <= 1e-4, f"{label}: summed log-probs equal transformers' to 1e-4 per token (worst {worst:.2e})")
    status, body = request("POST", f"/v1/models/{model_id}/generate", {"prompts": ["The model", "x = "], "max_new_tokens": 24, "seed": 7})
    check(status == 200, f"{label}: generate answers 200")
    worst = 0.0
    for prompt, item in zip(["The model", "x = "], body["items"]):
        generated = item["tokens"] + ([eos] if item["finish_reason"] == "eos" else [])
        ref = response_logprobs(model, [eos] + tok.encode(prompt).ids, generated)
        worst = max([worst] + [abs(a - b) for a, b in zip(item["logprobs"], ref)])
        check(item["text"] == tok.decode(item["tokens"], skip_special_tokens=True), f"{label}: generated text is the tokenizer's decoding")
    check(worst <= 1e-4, f"{label}: per-token log-probs of generated tokens equal transformers' to 1e-4 (worst {worst:.2e})")

def main():
    tok = train_tokenizer()
    eos = tok.token_to_id(EOT)
    fast = GPT2TokenizerFast(tokenizer_object=tok, bos_token=EOT, eos_token=EOT, unk_token=EOT)
    model = make_model(tok.get_vocab_size())
    tar = save(model, fast, os.path.join(WORK, "gpt2-f32"))
    created = upload(tar, "tiny-gpt2")
    mid = created["id"]

    # The tokenizer: ids and decoding equal the tokenizers library's on the corpus; text round-trips.
    status, body = request("POST", f"/v1/models/{mid}/tokenize", {"texts": CORPUS})
    check(status == 200, f"tokenize answers 200 ({status} {body if status != 200 else ''})")
    for text, item in zip(CORPUS, body["items"]):
        ids = tok.encode(text).ids
        check(item["tokens"] == ids, f"ids equal tokenizers' for {text[:40]!r}")
        check(item["text"] == tok.decode(ids, skip_special_tokens=True), f"decoding equals tokenizers' for {text[:40]!r}")
        if EOT not in text:
            check(item["text"] == text, f"round trip for {text[:40]!r}")

    check_logprobs(mid, model, tok, eos, "F32")
    for dtype, label in ((torch.float16, "F16"), (torch.bfloat16, "BF16")):
        half = make_model(tok.get_vocab_size())
        created = upload(save(half, fast, os.path.join(WORK, "gpt2-" + label), dtype), "tiny-" + label)
        check_logprobs(created["id"], half.float(), tok, eos, label)

    # Export: from_pretrained loads it and computes the same logits; AutoTokenizer encodes as the original.
    status, raw = request("GET", f"/v1/models/{mid}/export?format=hf", raw=True)
    check(status == 200, "export answers 200")
    out = os.path.join(WORK, "exported")
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        t.extractall(out, filter="data")
    back = GPT2LMHeadModel.from_pretrained(out).eval()
    ids = torch.tensor([[eos] + tok.encode("Exported models load in transformers, don't they?").ids])
    with torch.no_grad():
        diff = (back(ids).logits - model(ids).logits).abs().max().item()
    check(diff <= 1e-4, f"exported logits equal the original's (max diff {diff:.2e})")
    auto = AutoTokenizer.from_pretrained(out)
    check(all(auto(t)["input_ids"] == tok.encode(t).ids for t in CORPUS), "AutoTokenizer of the export encodes the corpus as the original")
    check(auto.eos_token == EOT and auto.eos_token_id == eos, "the export names <|endoftext|> as EOS")
    check(upload(raw, "reimported")["parameter_count"] == created["parameter_count"], "an export imports again")

    # The imported model trains: DPO on stored preferences tokenised with its BPE tokenizer; the trained policy keeps
    # the tokenizer, and its export scores in transformers as on the server.
    lines = [{"prompt": f"Question {i}: what is {i} plus {i}?", "chosen": f" It's {2 * i}.", "rejected": f" Maybe {i + 7}, I'm not sure."}
             for i in range(12)]
    status, body = request("POST", "/v1/preferences/import?dataset=hfprefs", "".join(json.dumps(l) + "\n" for l in lines).encode(),
                           "application/jsonl")
    check(status in (200, 201), f"preferences import ({status})")
    status, run = request("POST", "/v1/runs", {"algorithm": "dpo", "model": mid, "dataset": {"dataset": "hfprefs"},
                                               "hyperparameters": {"steps": 4, "batch_size": 4}, "seed": 1})
    check(status == 202, f"a DPO run on the imported model is accepted ({status} {run})")
    deadline = time.time() + 600
    while run.get("status") not in ("succeeded", "failed", "cancelled") and time.time() < deadline:
        time.sleep(0.5)
        run = request("GET", f"/v1/runs/{run['id']}")[1]
    check(run.get("status") == "succeeded", f"the DPO run succeeds ({run.get('status')}: {run.get('error')})")
    trained = run["output_model_id"]
    status, body = request("POST", f"/v1/models/{trained}/tokenize", {"texts": CORPUS[:5]})
    check(all(i["tokens"] == tok.encode(t).ids for t, i in zip(CORPUS, body["items"])), "the trained policy keeps the BPE tokenizer")
    status, raw = request("GET", f"/v1/models/{trained}/export?format=hf", raw=True)
    out = os.path.join(WORK, "trained")
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        t.extractall(out, filter="data")
    trained_model = GPT2LMHeadModel.from_pretrained(out).eval()
    check_logprobs(trained, trained_model, tok, eos, "trained")
    ids = torch.tensor([[eos] + tok.encode(lines[0]["prompt"] + lines[0]["chosen"]).ids])
    with torch.no_grad():
        moved = (trained_model(ids).logits - model(ids).logits).abs().max().item()
    check(moved > 1e-4, f"training moved the weights (max logit change {moved:.2e})")

    # A byte-tokenizer model exports with a byte-level tokenizer.json that maps as PrefLab's tokenizer.
    status, made = request("POST", "/v1/models", {"name": "bytes", "architecture": {"layers": 2, "dim": 32, "heads": 4, "context": 64}, "seed": 3})
    check(status == 201, "a byte model is created")
    status, raw = request("GET", f"/v1/models/{made['id']}/export?format=hf", raw=True)
    check(status == 200, "a byte model exports")
    out = os.path.join(WORK, "bytes")
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        t.extractall(out, filter="data")
    auto = AutoTokenizer.from_pretrained(out)
    check(all(auto(t)["input_ids"] == list(t.replace(EOT, "").encode()) or EOT in t for t in CORPUS), "the byte export's tokenizer gives UTF-8 bytes")
    check(all(auto.decode(list(t.encode())) == t for t in CORPUS), "the byte export's tokenizer decodes bytes")
    byte_model = GPT2LMHeadModel.from_pretrained(out).eval()
    status, body = request("POST", f"/v1/models/{made['id']}/logprobs", {"items": [{"prompt": "Hi ", "response": "thére"}]})
    ref = response_logprobs(byte_model, [256] + list(b"Hi "), list("thére".encode()) + [257])
    check(abs(body["items"][0]["sum"] - sum(ref)) <= 1e-4 * len(ref), "the byte export scores as the server does")

    # Refusals name the field.
    def variant(folder, edit_config=None, drop=(), extra_tensor=False):
        src = os.path.join(WORK, "gpt2-f32")
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name in sorted(os.listdir(src)):
                if name in drop:
                    continue
                data = open(os.path.join(src, name), "rb").read()
                if name == "config.json" and edit_config:
                    config = json.loads(data)
                    edit_config(config)
                    data = json.dumps(config).encode()
                if name == "model.safetensors" and extra_tensor:
                    from safetensors.torch import load, save as st_save
                    tensors = load(data)
                    tensors["lm_head.weight"] = torch.randn_like(tensors["transformer.wte.weight"])
                    data = st_save(tensors, metadata={"format": "pt"})
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()
    cases = [
        (variant("a", lambda c: c.update(activation_function="gelu")), "invalid_hf_config", "config.activation_function"),
        (variant("b", lambda c: c.update(model_type="llama")), "unsupported_architecture", "config.model_type"),
        (variant("c", lambda c: c.update(layer_norm_epsilon=1e-6)), "invalid_hf_config", "config.layer_norm_epsilon"),
        (variant("d", lambda c: c.update(n_embd=50)), "invalid_hf_config", "config.n_head"),
        (variant("e", lambda c: c.update(n_layer=3)), "invalid_checkpoint", "model.safetensors"),
        (variant("f", extra_tensor=True), "invalid_checkpoint", "model.safetensors"),
        (variant("g", drop=("tokenizer.json", "vocab.json")), "invalid_tokenizer", "tokenizer.json"),
        (variant("h", drop=("config.json",)), "invalid_archive", "config.json"),
        (b"not a tar archive" * 64, "invalid_archive", "body"),
    ]
    for body, code, field in cases:
        status, problem = request("POST", "/v1/models/upload?format=hf&name=bad", body, "application/octet-stream")
        check(status == 422 and problem["code"] == code and problem.get("field") == field,
              f"refused with 422 {code} on {field} (got {status} {problem.get('code')} {problem.get('field')})")
    print("check-hf: all passed")

if __name__ == "__main__":
    main()
