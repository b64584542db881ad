"""Parity fixture for PolicyTests/ParityTests.swift.

Builds the GPT of Benchmarks/torch_policy_bench.py (same module tree, so the same
state-dict names) at a tiny size, randomises every parameter, and writes
  gpt_tiny.safetensors   weights + config JSON in __metadata__["config"]
  expected.safetensors   tokens, scored mask, logits (B,T,V), per-sequence log-prob sums/means
The Swift test loads the first, recomputes the second and compares within 1e-4.

usage: python make_fixture.py            (needs torch, safetensors, numpy)
       python make_fixture.py --check F  (load a checkpoint written by Swift into torch, print logits)
"""
import json, os, sys
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file, load_file

CFG = dict(layers=2, dim=16, heads=2, context=16, vocab=259)
HERE = os.path.dirname(os.path.abspath(__file__))


class Block(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.h = h
        s.ln1, s.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        s.qkv, s.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        s.fc, s.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(s, x):
        B, T, C = x.shape
        q, k, v = s.qkv(s.ln1(x)).split(C, dim=2)
        q, k, v = [t.view(B, T, s.h, C // s.h).transpose(1, 2) for t in (q, k, v)]
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + s.proj(y.transpose(1, 2).reshape(B, T, C))
        return x + s.out(F.gelu(s.fc(s.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(c["vocab"], c["dim"]), nn.Embedding(c["context"], c["dim"])
        s.blocks = nn.ModuleList([Block(c["dim"], c["heads"]) for _ in range(c["layers"])])
        s.lnf = nn.LayerNorm(c["dim"])

    def forward(s, idx):
        T = idx.shape[1]
        x = s.wte(idx) + s.wpe(torch.arange(T))
        for b in s.blocks:
            x = b(x)
        return s.lnf(x) @ s.wte.weight.T  # tied head


def build(cfg):
    torch.manual_seed(0)
    m = GPT(cfg).double()  # float64 reference; weights are rounded to float32 before saving
    with torch.no_grad():
        for name, p in m.named_parameters():
            # non-trivial layer-norm gains/biases and O(0.3) weights exercise every term
            p.copy_(torch.randn_like(p) * (0.2 if "ln" in name else 0.3) + (1.0 if name.endswith("ln1.weight") or name.endswith("ln2.weight") or name == "lnf.weight" else 0.0))
            p.copy_(p.float().double())
    return m


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sd = load_file(sys.argv[2])
        cfg = json.loads(__import__("safetensors").safe_open(sys.argv[2], "pt").metadata()["config"])
        m = GPT(cfg)
        m.load_state_dict({k: v for k, v in sd.items() if not k.startswith("optimizer.")})
        print(json.dumps({"config": cfg, "logits_sum": float(m(torch.tensor([[256, 1, 2, 3]])).sum())}))
        return
    m = build(CFG)
    tokens = torch.tensor([[256, 72, 105, 33, 10, 200, 5, 257, 258, 258],
                           [256, 1, 2, 3, 4, 5, 6, 7, 8, 9]])
    scored = torch.zeros(tokens.shape)
    scored[0, 3:8] = 1   # response "!\n\xc8\x05<eos>" after a 3-token prompt, then padding
    scored[1, 5:10] = 1
    with torch.no_grad():
        logits = m(tokens)
        lp = torch.gather(F.log_softmax(m(tokens[:, :-1]), -1), 2, tokens[:, 1:].unsqueeze(2)).squeeze(2)
        mask = scored[:, 1:].double()
        lsum = (lp * mask).sum(1)
        lmean = lsum / mask.sum(1)
    weights = {k: v.float().contiguous() for k, v in m.state_dict().items()}
    save_file(weights, os.path.join(HERE, "gpt_tiny.safetensors"), metadata={"config": json.dumps(CFG, sort_keys=True)})
    save_file({"tokens": tokens.float(), "scored": scored.float(), "logits": logits.float().contiguous(),
               "logp_sum": lsum.float(), "logp_mean": lmean.float()}, os.path.join(HERE, "expected.safetensors"))


if __name__ == "__main__":
    main()
