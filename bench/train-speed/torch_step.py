"""The ImplicitRM training step of @implicitrm/core written in PyTorch (CPU), for bench:train-speed.

Per step: forward of both heads (MLP D -> hidden... -> 1, leaky ReLU 0.01), the E-step posteriors
with gradients stopped, L = L_pref + L_act + lambda_obs * L_obs, backward, and one Adam step per head
with coupled L2 (weight_decay added to the gradient, as torch.optim.Adam does). Prints one JSON
object per (dim, threads) on stdout: {"dim", "batch", "threads", "samplesPerSec", "msPerStep"}.

Usage: python3 torch_step.py --dims 256,1024 --batch 512 --hidden 256,64 --threads 1,2 --seconds 2
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


def mlp(d, hidden):
    layers = []
    sizes = [d, *hidden, 1]
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(torch.nn.LeakyReLU(0.01))
    return torch.nn.Sequential(*layers)


def log1m_sigmoid_product(f, g):
    nf, ng = -f, -g
    both = nf + ng
    lse = torch.logsumexp(torch.stack([nf, ng, both]), dim=0)
    return lse - F.softplus(nf) - F.softplus(ng)


def step(reward, activity, opt_r, opt_a, x, r, eps=1e-6, lambda_obs=1.0):
    f = reward(x).squeeze(1)
    g = activity(x).squeeze(1)
    with torch.no_grad():
        rh, ah = torch.sigmoid(f), torch.sigmoid(g)
        den = torch.clamp(1 - rh * ah, min=eps)
        pp = torch.where(r > 0, torch.zeros_like(rh), rh * (1 - ah) / den)
        na = torch.where(r > 0, torch.zeros_like(rh), (1 - rh) * ah / den)
        pa = (r > 0).float()
        q = pa + pp
        p = pa + na
    pref = F.binary_cross_entropy_with_logits(f, q)
    act = F.binary_cross_entropy_with_logits(g, p)
    gs = g.detach()
    obs = -(r * (F.logsigmoid(f) + F.logsigmoid(gs)) + (1 - r) * log1m_sigmoid_product(f, gs)).mean()
    total = pref + act + lambda_obs * obs
    opt_r.zero_grad(set_to_none=True)
    opt_a.zero_grad(set_to_none=True)
    total.backward()
    opt_r.step()
    opt_a.step()
    return total


def measure(dim, batch, hidden, threads, seconds):
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    reward, activity = mlp(dim, hidden), mlp(dim, hidden)
    opt_r = torch.optim.Adam(reward.parameters(), lr=5e-4, weight_decay=1e-6)
    opt_a = torch.optim.Adam(activity.parameters(), lr=5e-4, weight_decay=1e-6)
    gen = torch.Generator().manual_seed(7)
    nb = 8
    xs = [torch.randn(batch, dim, generator=gen) for _ in range(nb)]
    rs = [(torch.rand(batch, generator=gen) < 0.3).float() for _ in range(nb)]
    for i in range(3):
        step(reward, activity, opt_r, opt_a, xs[i % nb], rs[i % nb])
    steps = 0
    start = time.perf_counter()
    while True:
        step(reward, activity, opt_r, opt_a, xs[steps % nb], rs[steps % nb])
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and steps >= 3:
            break
    return {"dim": dim, "batch": batch, "threads": threads, "samplesPerSec": steps * batch / elapsed, "msPerStep": 1000 * elapsed / steps}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dims", default="256,1024,4096")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--hidden", default="256,64")
    ap.add_argument("--threads", default="")
    ap.add_argument("--seconds", type=float, default=2.0)
    a = ap.parse_args()
    import os
    threads = [int(t) for t in a.threads.split(",")] if a.threads else sorted({1, os.cpu_count() or 1})
    hidden = [int(h) for h in a.hidden.split(",") if h]
    for dim in [int(d) for d in a.dims.split(",")]:
        for t in threads:
            print(json.dumps(measure(dim, a.batch, hidden, t, a.seconds)), flush=True)


if __name__ == "__main__":
    main()
