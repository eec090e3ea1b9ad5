"""PyTorch reference for the model benchmark: the notebook's YourCNN timed on random data.

Usage: /usr/bin/python3 torch_bench.py [--threads 2] [--warmup 2] [--iterations 5] [--repetitions 5]
Each figure is the median over `repetitions` runs of `iterations` steps; `*_range` holds [min, max].
Prints one JSON object on its last line:
{"torch": "<version>", "train_img_s": {"[32,64]": ...}, "train_img_s_range": {...}, "infer_img_s": {...}, ...}
"""
import argparse
import json
import time

import torch
import torch.nn as nn


class YourBlock(nn.Module):
    def __init__(self, cin, cout, drop_rate=0.2, batch_norm=True, use_skip=True):
        super().__init__()
        layers = [nn.Conv2d(cin, cout, 3, 1, 1)]
        layers += [nn.BatchNorm2d(cout)] if batch_norm else []
        layers += [nn.ReLU(inplace=True), nn.Conv2d(cout, cout, 3, 1, 1)]
        layers += [nn.BatchNorm2d(cout)] if batch_norm else []
        layers += [nn.ReLU(inplace=True), nn.MaxPool2d(2, 2)]
        layers += [nn.Dropout(drop_rate)] if drop_rate > 0 else []
        self.block = nn.Sequential(*layers)
        self.use_skip = use_skip
        self.skip = nn.Conv2d(cin, cout, 1, 2) if use_skip and cin != cout else None

    def forward(self, x):
        y = self.block(x)
        if not self.use_skip:
            return y
        return y + (self.skip(x) if self.skip is not None else nn.functional.max_pool2d(x, 2, 2))


class YourCNN(nn.Module):
    def __init__(self, feature_maps, num_classes=20, drop_rate=0.2, batch_norm=True, use_skip=True):
        super().__init__()
        layers = [nn.Conv2d(3, feature_maps[0], 3, 1, 1), nn.BatchNorm2d(feature_maps[0]), nn.ReLU(inplace=True)]
        for a, b in zip(feature_maps[:-1], feature_maps[1:]):
            layers.append(YourBlock(a, b, drop_rate, batch_norm, use_skip))
        layers += [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(feature_maps[-1], num_classes)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def median_range(rates):
    s = sorted(rates)
    mid = len(s) // 2
    median = s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
    return round(median, 2), [round(s[0], 2), round(s[-1], 2)]


def bench(feature_maps, warmup, iterations, repetitions, batch=32, size=64, classes=20):
    torch.manual_seed(1234)
    model = YourCNN(feature_maps, classes)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 3, size, size)
    y = torch.randint(0, classes, (batch,))

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    model.train()
    for _ in range(warmup):
        step()
    train = []
    for _ in range(repetitions):
        t = time.perf_counter()
        for _ in range(iterations):
            step()
        train.append(batch * iterations / (time.perf_counter() - t))
    model.eval()
    infer = []
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        for _ in range(repetitions):
            t = time.perf_counter()
            for _ in range(iterations):
                model(x)
            infer.append(batch * iterations / (time.perf_counter() - t))
    return median_range(train), median_range(infer), sum(p.numel() for p in model.parameters())


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--warmup', type=int, default=2)
    p.add_argument('--iterations', type=int, default=5)
    p.add_argument('--repetitions', type=int, default=5)
    p.add_argument('--nets', default='[32,64];[16,32,64]')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    out = {'torch': torch.__version__, 'threads': args.threads, 'train_img_s': {}, 'train_img_s_range': {}, 'infer_img_s': {}, 'infer_img_s_range': {}, 'params': {}}
    for spec in args.nets.split(';'):
        fm = json.loads(spec)
        key = json.dumps(fm, separators=(',', ':'))
        train, infer, params = bench(fm, args.warmup, args.iterations, args.repetitions)
        out['train_img_s'][key], out['train_img_s_range'][key] = train
        out['infer_img_s'][key], out['infer_img_s_range'][key] = infer
        out['params'][key] = params
    print(json.dumps(out))


if __name__ == '__main__':
    main()
