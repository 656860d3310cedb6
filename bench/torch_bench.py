"""PyTorch peer of descent's benchmarks (bench/peers/torch.ts starts it).

Reads one JSON request per line on stdin, {"workload": {...}, "timing": {"seconds", "maxCallSeconds"}},
and answers each with one JSON line, {"ok": true, "seconds": median, "samples": n} or
{"ok": false, "error": "..."}. The first line it writes describes itself (torch version, threads, BLAS).
The workloads and the timing loop mirror bench/harness.ts; the GPT is nanoGPT's model.py, trimmed
to what the benchmark runs (no dropout, no bias, manual attention as torch 1.x has no SDPA).
"""

import ctypes
import json
import math
import os
import statistics
import sys
import time


def blas_in_use():
    """The BLAS libraries mapped into this process, and OpenBLAS's own description when it is one."""
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "blas" in line.split()[-1]})
    for lib in libs:
        if "openblas" in os.path.basename(lib) or "openblas" in lib:
            try:
                get_config = ctypes.CDLL(lib).openblas_get_config
                get_config.restype = ctypes.c_char_p
                return "OpenBLAS: " + get_config().decode()
            except (OSError, AttributeError):
                pass
    return ", ".join(libs) or "none mapped"


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(fn, timing, fresh=True):
    """As bench/harness.ts: warm-up (two calls and warmSeconds when just set up, else one call), then ~1 ms
    samples until `seconds` have passed, at least three."""
    last = timed(fn)
    if last > timing["maxCallSeconds"]:
        t = timed(fn)
        return {"seconds": t, "samples": 1, "times": [t]}
    warm, i = last, 1
    while fresh and (i < 2 or warm < timing["warmSeconds"]):
        last = timed(fn)
        warm += last
        i += 1
    batch = max(1, math.ceil(0.001 / max(last, 1e-7)))
    samples, total = [], 0.0
    while total < timing["seconds"] or len(samples) < 3:
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        dt = time.perf_counter() - t0
        samples.append(dt / batch)
        total += dt
    return {"seconds": statistics.median(samples), "samples": len(samples), "times": samples}


def matmul(torch, w):
    n = w["n"]
    a, b = torch.randn(n, n), torch.randn(n, n)
    lhs = a.t() if w["form"] == "Aᵀ·B" else a
    rhs = b.t() if w["form"] == "A·Bᵀ" else b
    return lambda: torch.mm(lhs, rhs)


def mlp(torch, w):
    nn = torch.nn
    sizes = w["sizes"]
    layers = []
    for i in range(1, len(sizes)):
        if i > 1:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(sizes[i - 1], sizes[i]))
    model = nn.Sequential(*layers)
    opt = torch.optim.AdamW(model.parameters(), lr=w["lr"], weight_decay=w["weightDecay"])
    x = torch.randn(w["batch"], sizes[0])
    y = torch.randint(0, sizes[-1], (w["batch"],))

    def step():
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def gpt(torch, w):
    nn, F = torch.nn, torch.nn.functional
    C, nh, T, V, L = w["nEmbd"], w["nHead"], w["blockSize"], w["vocabSize"], w["nLayer"]

    class LayerNorm(nn.Module):
        def __init__(self, ndim):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(ndim))

        def forward(self, x):
            return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(C, 3 * C, bias=False)
            self.c_proj = nn.Linear(C, C, bias=False)
            self.register_buffer("bias", torch.tril(torch.ones(T, T)).view(1, 1, T, T))

        def forward(self, x):
            B, T_, _ = x.size()
            q, k, v = self.c_attn(x).split(C, dim=2)
            k = k.view(B, T_, nh, C // nh).transpose(1, 2)  # (B, nh, T, hs)
            q = q.view(B, T_, nh, C // nh).transpose(1, 2)
            v = v.view(B, T_, nh, C // nh).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :T_, :T_] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = (att @ v).transpose(1, 2).contiguous().view(B, T_, C)
            return self.c_proj(y)

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = nn.Linear(C, 4 * C, bias=False)
            self.gelu = nn.GELU(approximate="tanh")  # as descent's GPT (GPT-2's own GELU)
            self.c_proj = nn.Linear(4 * C, C, bias=False)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.attn, self.ln_2, self.mlp = LayerNorm(C), CausalSelfAttention(), LayerNorm(C), MLP()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(V, C), wpe=nn.Embedding(T, C),
                h=nn.ModuleList([Block() for _ in range(L)]), ln_f=LayerNorm(C)))
            self.lm_head = nn.Linear(C, V, bias=False)
            self.transformer.wte.weight = self.lm_head.weight
            for name, p in self.named_parameters():
                if name.endswith("c_proj.weight"):
                    nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * L))
                elif p.dim() == 2:
                    nn.init.normal_(p, mean=0.0, std=0.02)

        def forward(self, idx, targets):
            b, t = idx.size()
            pos = torch.arange(0, t, dtype=torch.long)
            x = self.transformer.wte(idx) + self.transformer.wpe(pos)
            for block in self.transformer.h:
                x = block(x)
            logits = self.lm_head(self.transformer.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)

    model = GPT()
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": w["weightDecay"]},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=w["lr"], betas=tuple(w["betas"]))
    x = torch.randint(0, V, (w["batch"], T))
    y = torch.randint(0, V, (w["batch"], T))

    def step():  # nanoGPT's train.py, one micro-step
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), w["gradClip"])
        opt.step()
        opt.zero_grad(set_to_none=True)

    return step


def main():
    try:
        import torch
    except ImportError as e:
        print(json.dumps({"ready": False, "error": f"import torch failed: {e}"}), flush=True)
        return
    threads = os.environ.get("DESCENT_BENCH_TORCH_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    torch.manual_seed(0)
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # loads the BLAS, so it shows in /proc/self/maps
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_in_use()}), flush=True)
    setups = {"matmul": matmul, "mlp": mlp, "gpt": gpt}
    # The workload stays set up across the turns of its figure, as in bench/harness.ts's localEngine.
    key, fn = None, None
    for line in sys.stdin:
        req = json.loads(line)
        try:
            w = req["workload"]
            wanted = json.dumps(w, sort_keys=True)
            fresh = wanted != key
            if fresh:
                key, fn = None, setups[w["kind"]](torch, w)
                key = wanted
            result = {"ok": True, **measure(fn, req["timing"], fresh)}
        except Exception as e:  # reported as the figure's "n/a (reason)"
            key, fn = None, None
            result = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
