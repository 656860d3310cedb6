"""nanoGPT's shakespeare-char CPU run in PyTorch: the peer of `npx descent train` on the same machine.

The same configuration as descent's shakespeare-char preset (4 layers, 4 heads, 128 wide, context 64,
batch 12, 2000 iterations, lr 1e-3 warmup 100 then cosine to 1e-4, AdamW betas (0.9, 0.99) with weight
decay 0.1 on matrices, clip 1.0, no dropout, biases, tanh GELU, tied head), on the same char-level
tiny Shakespeare with the same 90/10 split. Prints one JSON line: wall seconds, final train/val loss
over 200 batches each, and the BLAS in use. Run by `npm run bench -- --only train`.
"""
import json, math, sys, time

import torch
import torch.nn as nn
import torch.nn.functional as F

cfg = dict(n_layer=4, n_head=4, n_embd=128, block_size=64, batch_size=12, max_iters=2000, lr=1e-3, min_lr=1e-4,
           warmup=100, decay_iters=2000, weight_decay=0.1, beta1=0.9, beta2=0.99, grad_clip=1.0,
           eval_interval=250, eval_iters=20, final_eval_iters=200, bias=True, seed=1337)
if len(sys.argv) > 2:
    cfg.update(json.loads(sys.argv[2]))
torch.manual_seed(cfg['seed'])

text = open(sys.argv[1], encoding='utf-8').read()
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
n = int(0.9 * len(data))
splits = {'train': data[:n], 'val': data[n:]}
T, B = cfg['block_size'], cfg['batch_size']


def get_batch(split, gen=None):
    d = splits[split]
    ix = torch.randint(len(d) - T, (B,), generator=gen)
    return torch.stack([d[i:i + T] for i in ix]), torch.stack([d[i + 1:i + 1 + T] for i in ix])


class LayerNorm(nn.Module):
    """nanoGPT's LayerNorm, whose bias is optional (torch 1.13's nn.LayerNorm cannot drop it)."""
    def __init__(self, C):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(C))
        self.bias = nn.Parameter(torch.zeros(C)) if cfg['bias'] else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class Block(nn.Module):
    def __init__(self, C, nh):
        super().__init__()
        self.ln_1, self.ln_2 = LayerNorm(C), LayerNorm(C)
        self.c_attn, self.c_proj = nn.Linear(C, 3 * C, bias=cfg['bias']), nn.Linear(C, C, bias=cfg['bias'])
        self.c_fc, self.mlp_proj = nn.Linear(C, 4 * C, bias=cfg['bias']), nn.Linear(4 * C, C, bias=cfg['bias'])
        self.nh = nh
        self.register_buffer('mask', torch.tril(torch.ones(T, T)).view(1, 1, T, T))

    def forward(self, x):
        Bn, Tn, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = [t.view(Bn, Tn, self.nh, C // self.nh).transpose(1, 2) for t in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = F.softmax(att.masked_fill(self.mask[:, :, :Tn, :Tn] == 0, float('-inf')), dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(Bn, Tn, C)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate='tanh'))


class GPT(nn.Module):
    def __init__(self, V, C, L, nh):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.h = nn.ModuleList([Block(C, nh) for _ in range(L)])
        self.ln_f = LayerNorm(C)
        self.lm_head = nn.Linear(C, V, bias=False)
        self.wte.weight = self.lm_head.weight
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * L) if name.endswith('c_proj.weight') or name.endswith('mlp_proj.weight') else 0.02
                nn.init.normal_(p, 0.0, std)
            elif name.endswith('.bias'):
                nn.init.zeros_(p)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


model = GPT(len(chars), cfg['n_embd'], cfg['n_layer'], cfg['n_head'])
decay = [p for p in model.parameters() if p.dim() >= 2]
no_decay = [p for p in model.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': cfg['weight_decay']}, {'params': no_decay, 'weight_decay': 0.0}],
                        lr=cfg['lr'], betas=(cfg['beta1'], cfg['beta2']))


def get_lr(it):
    if it < cfg['warmup']:
        return cfg['lr'] * (it + 1) / (cfg['warmup'] + 1)
    if it > cfg['decay_iters']:
        return cfg['min_lr']
    ratio = (it - cfg['warmup']) / (cfg['decay_iters'] - cfg['warmup'])
    return cfg['min_lr'] + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (cfg['lr'] - cfg['min_lr'])


@torch.no_grad()
def estimate(iters):
    model.eval()
    out = {}
    for split in ('train', 'val'):
        gen = torch.Generator().manual_seed(7)
        out[split] = sum(model(*get_batch(split, gen)).item() for _ in range(iters)) / iters
    model.train()
    return out


start = time.time()
for it in range(cfg['max_iters']):
    if it % cfg['eval_interval'] == 0 and it > 0:
        estimate(cfg['eval_iters'])
    for g in opt.param_groups:
        g['lr'] = get_lr(it)
    loss = model(*get_batch('train'))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg['grad_clip'])
    opt.step()
    opt.zero_grad(set_to_none=True)
final = estimate(cfg['final_eval_iters'])
print(json.dumps({'seconds': time.time() - start, 'train': final['train'], 'val': final['val'], 'torch': torch.__version__,
                  'threads': torch.get_num_threads()}))
