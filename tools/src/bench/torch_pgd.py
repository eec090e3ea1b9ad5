"""PyTorch reference for the attack benchmark: PGD-20 (L-infinity, eps 8/255, step 0.002,
random start) against the notebook's YourCNN in evaluation mode, on random 64x64 images.

Usage: /usr/bin/python3 torch_pgd.py [--threads 2] [--nets "[32,64]"] [--images 64] [--iterations 1] [--repetitions 5]
Prints one JSON object on its last line:
{"torch": "<version>", "pgd20_img_s": <median>, "pgd20_img_s_range": [min, max]}
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bench import YourCNN, median_range  # noqa: E402  the notebook's net, as the model benchmark defines it


def pgd(model, x, y, eps=8 / 255, step=0.002, steps=20):
    """The notebook's pgd_attack in pixel scale [0, 1]: random start, signed steps, projection."""
    adv = (x + torch.empty_like(x).uniform_(-eps, eps)).clamp(0, 1)
    for _ in range(steps):
        adv.requires_grad_(True)
        loss = F.cross_entropy(model(adv), y)
        grad, = torch.autograd.grad(loss, adv)
        adv = adv.detach() + step * grad.sign()
        adv = torch.min(torch.max(adv, x - eps), x + eps).clamp(0, 1)
    return adv.detach()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--iterations', type=int, default=1)
    p.add_argument('--repetitions', type=int, default=5)
    p.add_argument('--images', type=int, default=64)
    p.add_argument('--nets', default='[32,64]')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1234)
    model = YourCNN(json.loads(args.nets), 20).eval()
    for q in model.parameters():
        q.requires_grad_(False)
    x = torch.rand(args.images, 3, 64, 64)
    y = torch.randint(0, 20, (args.images,))
    pgd(model, x, y, steps=2)
    rates = []
    for _ in range(args.repetitions):
        t = time.perf_counter()
        for _ in range(args.iterations):
            pgd(model, x, y)
        rates.append(args.images * args.iterations / (time.perf_counter() - t))
    median, rng = median_range(rates)
    print(json.dumps({'torch': torch.__version__, 'threads': args.threads, 'pgd20_img_s': median, 'pgd20_img_s_range': rng}))


if __name__ == '__main__':
    main()
