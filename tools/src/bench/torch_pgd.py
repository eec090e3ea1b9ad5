"""PyTorch reference for the attack benchmark: PGD-20 (L-infinity, eps 8/255, step 0.002,
random start) against the notebook's YourCNN in evaluation mode, on random 64x64 images.

Usage: /usr/bin/python3 torch_pgd.py [--threads 2] [--nets "[32,64]"] [--iterations 1]
Prints one JSON object on its last line: {"torch": "<version>", "pgd20_img_s": {"[32,64]": ...}}
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from torch_bench import YourCNN  # the model benchmark's definition of the notebook's net
except ImportError:
    class YourCNN(nn.Module):
        def __init__(self, fm, num_classes=20, drop_rate=0.2):
            super().__init__()
            layers = [nn.Conv2d(3, fm[0], 3, 1, 1), nn.BatchNorm2d(fm[0]), nn.ReLU(inplace=True)]
            for a, b in zip(fm[:-1], fm[1:]):
                layers.append(_Block(a, b, drop_rate))
            layers += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(fm[-1], num_classes)]
            self.net = nn.Sequential(*layers)

        def forward(self, x):
            return self.net(x)

    class _Block(nn.Module):
        def __init__(self, cin, cout, drop_rate):
            super().__init__()
            self.block = nn.Sequential(
                nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.MaxPool2d(2, 2), nn.Dropout(drop_rate))
            self.skip = nn.Conv2d(cin, cout, 1, 2)

        def forward(self, x):
            return self.block(x) + self.skip(x)


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


def bench(fm, iterations, batch=32, size=64, classes=20):
    torch.manual_seed(1234)
    model = YourCNN(fm, classes).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x = torch.rand(batch, 3, size, size)
    y = torch.randint(0, classes, (batch,))
    pgd(model, x, y, steps=2)
    t = time.perf_counter()
    for _ in range(iterations):
        pgd(model, x, y)
    return batch * iterations / (time.perf_counter() - t)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--iterations', type=int, default=1)
    p.add_argument('--nets', default='[32,64]')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    out = {'torch': torch.__version__, 'threads': args.threads, 'pgd20_img_s': {}}
    for spec in args.nets.split(';'):
        fm = json.loads(spec)
        out['pgd20_img_s'][json.dumps(fm, separators=(',', ':'))] = round(bench(fm, args.iterations), 2)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
