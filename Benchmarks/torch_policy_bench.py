"""PyTorch anchor of `make bench-policy`: one DPO training step and KV-cached sampling for a tiny
GPT-2-style policy in PyTorch eager on the CPU, with the shapes Benchmarks/PolicyBench passes, so the two
can be compared as a ratio measured in the same run (Benchmarks/bench-policy.sh alternates them).

The module tree (wte, wpe, blocks.N.{ln1,qkv,proj,ln2,fc,out}, lnf; head tied to wte) is the one
Sources/Policy/ParameterLayout.swift names its tensors after, and the one
Tests/PolicyTests/Fixtures/make_fixture.py builds its parity fixture with.

usage: python torch_policy_bench.py [--layers 4 --dim 128 --heads 4 --ctx 128 --pairs 8 --steps 10 --threads 2]
prints JSON lines: {"bench": "dpo_step", "tokens_per_s": ..., "ms_per_step": ...}, then "sample_kv" and
"sgemm_1024" (torch's fp32 GEMM rate, the practical ceiling of the machine).
"""
import argparse, json, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--layers", type=int, default=4)
p.add_argument("--dim", type=int, default=128)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--ctx", type=int, default=128)
p.add_argument("--vocab", type=int, default=259)
p.add_argument("--pairs", type=int, default=8)
p.add_argument("--steps", type=int, default=10)
p.add_argument("--gen-tokens", type=int, default=64)
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)

class Block(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.h = h
        s.ln1, s.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        s.qkv, s.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        s.fc, s.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
    def forward(s, x, cache=None):
        B, T, C = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(C, dim=2)
        q, k, v = [t.view(B, T, s.h, C // s.h).transpose(1, 2) for t in (q, k, v)]
        if cache is not None:
            if cache.get("k") is not None:
                k = torch.cat([cache["k"], k], 2); v = torch.cat([cache["v"], v], 2)
            cache["k"], cache["v"] = k, v
            y = F.scaled_dot_product_attention(q, k, v, is_causal=(T > 1))
        else:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + s.proj(y.transpose(1, 2).reshape(B, T, C))
        return x + s.out(F.gelu(s.fc(s.ln2(x)), approximate="tanh"))

class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(a.vocab, a.dim), nn.Embedding(a.ctx, a.dim)
        s.blocks = nn.ModuleList([Block(a.dim, a.heads) for _ in range(a.layers)])
        s.lnf = nn.LayerNorm(a.dim)
    def forward(s, idx, caches=None, pos0=0):
        T = idx.shape[1]
        x = s.wte(idx) + s.wpe(torch.arange(pos0, pos0 + T))
        for i, b in enumerate(s.blocks):
            x = b(x, None if caches is None else caches[i])
        return s.lnf(x) @ s.wte.weight.T

pol, ref = GPT(), GPT()
ref.load_state_dict(pol.state_dict()); ref.eval()
nparams = sum(t.numel() for t in pol.parameters())
opt = torch.optim.AdamW(pol.parameters(), lr=1e-4)
B, T = 2 * a.pairs, a.ctx
tokens = torch.randint(0, a.vocab, (B, T))
mask = torch.zeros(B, T - 1); mask[:, T // 2:] = 1  # response half

def seq_logp(model, toks):
    logits = model(toks[:, :-1])
    lp = torch.gather(F.log_softmax(logits, -1), 2, toks[:, 1:].unsqueeze(2)).squeeze(2)
    return (lp * mask).sum(1)

def dpo_step(beta=0.1):
    with torch.no_grad():
        r = seq_logp(ref, tokens)
    p_ = seq_logp(pol, tokens)
    logits = beta * ((p_[0::2] - r[0::2]) - (p_[1::2] - r[1::2]))
    loss = -F.logsigmoid(logits).mean()
    opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    return loss.item()

for _ in range(2): dpo_step()
t0 = time.perf_counter()
for _ in range(a.steps): dpo_step()
dt = (time.perf_counter() - t0) / a.steps
print(json.dumps({"bench": "dpo_step", "params": nparams, "layers": a.layers, "dim": a.dim,
                  "seqs": B, "ctx": T, "ms_per_step": round(dt * 1e3, 2),
                  "tokens_per_s": round(B * (T - 1) / dt, 1)}))

@torch.no_grad()
def sample(n):
    caches = [dict() for _ in pol.blocks]
    idx = torch.randint(0, a.vocab, (B, 8))
    logits = pol(idx, caches, 0)[:, -1]
    pos = 8
    for _ in range(n):
        nxt = torch.multinomial(F.softmax(logits, -1), 1)
        logits = pol(nxt, caches, pos)[:, -1]; pos += 1
pol.eval(); sample(4)
a.gen_tokens = min(a.gen_tokens, a.ctx - 9)
t0 = time.perf_counter(); sample(a.gen_tokens); dt = time.perf_counter() - t0
print(json.dumps({"bench": "sample_kv", "seqs": B, "new_tokens": a.gen_tokens,
                  "tokens_per_s": round(B * a.gen_tokens / dt, 1)}))

# machine peak for fp32 GEMM through torch (MKL/oneDNN), the practical ceiling
n = 1024; x = torch.randn(n, n); y = torch.randn(n, n)
for _ in range(3): x @ y
t0 = time.perf_counter(); reps = 20
for _ in range(reps): x @ y
dt = (time.perf_counter() - t0) / reps
print(json.dumps({"bench": "sgemm_1024", "gflops": round(2 * n**3 / dt / 1e9, 1)}))
