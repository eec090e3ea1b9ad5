"""PyTorch reference for the attack benchmark: one epoch of PGD-10 adversarial training of the
notebook's YourCNN (Adam 1e-3, batch 32, eps 8/255, step 0.002, random start; the attack in
evaluation mode, the step in training mode) on the images the benchmark wrote: uint8 NHWC RGB
pixels and int32 labels.

Usage: /usr/bin/python3 torch_advtrain.py --pixels F --labels F --count N --size S --classes K [--threads 2] [--nets "[32,64]"]
Prints one JSON object on its last line: {"advtrain_seconds": ..., "advtrain_img_s": ...}
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_bench import YourCNN  # noqa: E402
from torch_pgd import pgd  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--pixels', required=True)
    p.add_argument('--labels', required=True)
    p.add_argument('--count', type=int, required=True)
    p.add_argument('--size', type=int, required=True)
    p.add_argument('--classes', type=int, required=True)
    p.add_argument('--nets', default='[32,64]')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1234)
    pixels = np.fromfile(args.pixels, dtype=np.uint8).reshape(args.count, args.size, args.size, 3)
    labels = np.fromfile(args.labels, dtype=np.int32)
    x_all = torch.from_numpy(pixels).permute(0, 3, 1, 2).float().div(255)
    y_all = torch.from_numpy(labels.astype(np.int64))
    model = YourCNN(json.loads(args.nets), args.classes)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.randperm(args.count)
    t = time.perf_counter()
    for start in range(0, args.count, 32):
        idx = order[start:start + 32]
        x, y = x_all[idx], y_all[idx]
        model.eval()
        for q in model.parameters():
            q.requires_grad_(False)
        adv = pgd(model, x, y, steps=10)
        for q in model.parameters():
            q.requires_grad_(True)
        model.train()
        opt.zero_grad()
        loss_fn(model(adv), y).backward()
        opt.step()
    seconds = time.perf_counter() - t
    print(json.dumps({'advtrain_seconds': round(seconds, 2), 'advtrain_img_s': round(args.count / seconds, 2)}))


if __name__ == '__main__':
    main()
