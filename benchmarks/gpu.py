"""GPU step time: framework on CuPy against PyTorch CUDA, on the same machine, interleaved.

usage: python benchmarks/gpu.py [--steps N] [--reps N] [--only NAME ...]

Workloads (issue 7): a wide MLP (4096-4096-4096-10, batch 1024, SGD with momentum) and the seed
sin fit (2000 steps of the cubic fit). Prints the median step time of each and the ratio
framework/torch (goal: <= 1.2 on the wide MLP). Exits with a message when there is no GPU.

Convolution workloads (issue 13), forward and backward, batch 64: conv_first (3->32 channels, 3x3, at
32x32), conv_mid (32->64 at 16x16), and cnn (two conv-batchnorm-relu-maxpool blocks and a linear layer at
32x32, an SGD step). framework runs each twice, on cuDNN and with framework.backends.cudnn.enabled = False
(the im2col kernels on CuPy), interleaved with torch; the cuDNN line is left out when CuPy has no cuDNN
(CuPy 14 removed it).
"""
import argparse
import math
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import numpy as np  # noqa: E402

WIDTH, BATCH, CLASSES = 4096, 1024, 10


def mlp_wide(T, steps):
    T.manual_seed(0)
    net = T.nn.Sequential(T.nn.Linear(WIDTH, WIDTH), T.nn.ReLU(), T.nn.Linear(WIDTH, WIDTH), T.nn.ReLU(),
                          T.nn.Linear(WIDTH, CLASSES)).to('cuda')
    opt = T.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)
    rng = np.random.default_rng(0)
    X = T.tensor(rng.standard_normal((BATCH, WIDTH)).astype(np.float32), device='cuda')
    Y = T.tensor(rng.integers(0, CLASSES, BATCH), device='cuda')
    loss_fn = T.nn.CrossEntropyLoss()

    def step():
        loss = loss_fn(net(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def sin_fit(T, steps):
    x = T.linspace(-math.pi, math.pi, 2000, device='cuda')
    y = T.sin(x)
    xx = x.unsqueeze(-1).pow(T.tensor([1, 2, 3], device='cuda'))
    model = T.nn.Sequential(T.nn.Linear(3, 1), T.nn.Flatten(0, 1)).to('cuda')
    loss_fn = T.nn.MSELoss(reduction='sum')

    def step():
        loss = loss_fn(model(xx), y)
        model.zero_grad()
        loss.backward()
        with T.no_grad():
            for p in model.parameters():
                p -= 1e-6 * p.grad
    return step


def conv_layer(cin, cout, hw, batch=64):
    def make(T, steps):
        T.manual_seed(0)
        conv = T.nn.Conv2d(cin, cout, 3, padding=1).to('cuda')
        rng = np.random.default_rng(0)
        x = T.tensor(rng.standard_normal((batch, cin, hw, hw)).astype(np.float32), device='cuda', requires_grad=True)

        def step():
            conv.zero_grad()
            x.grad = None
            conv(x).sum().backward()
        return step
    return make


def cnn(T, steps, batch=64):
    T.manual_seed(0)
    nn = T.nn
    net = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(64 * 8 * 8, 10)).to('cuda')
    opt = T.optim.SGD(net.parameters(), lr=1e-2, momentum=0.9)
    rng = np.random.default_rng(0)
    X = T.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32), device='cuda')
    Y = T.tensor(rng.integers(0, 10, batch), device='cuda')
    loss_fn = nn.CrossEntropyLoss()

    def step():
        loss = loss_fn(net(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def with_cudnn(make, enabled):
    """make's step with framework.backends.cudnn.enabled set before each call (the variants interleave)."""
    def make_flagged(T, steps):
        from framework.backends import cudnn
        cudnn.enabled = enabled
        inner = make(T, steps)

        def step():
            cudnn.enabled = enabled
            inner()
        return step
    return make_flagged


def time_variants(variants, steps, reps):
    """Median seconds per step of each (library, make) variant, their repetitions interleaved so drift hits
    all alike."""
    fns = {}
    for name, (T, make) in variants.items():
        fns[name] = make(T, steps)
        fns[name]()                                  # warm-up: kernels compiled, memory pools filled
        T.cuda.synchronize()
    times = {name: [] for name in variants}
    for _ in range(reps):
        for name, (T, _) in variants.items():
            step = fns[name]
            t = time.perf_counter()
            for _ in range(steps):
                step()
            T.cuda.synchronize()
            times[name].append((time.perf_counter() - t) / steps)
    return {name: statistics.median(ts) for name, ts in times.items()}


def time_steps(libs, make, steps, reps):
    """Median seconds per step of each library, their repetitions interleaved so drift hits both alike."""
    return time_variants({name: (T, make) for name, T in libs.items()}, steps, reps)


CONV_WORKLOADS = (('conv_first', conv_layer(3, 32, 32)), ('conv_mid', conv_layer(32, 64, 16)), ('cnn', cnn))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=50)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--only', nargs='*', help='workload names to run (default: all)')
    args = ap.parse_args()
    import framework
    if not framework.cuda.is_available():
        sys.exit('no GPU: framework.cuda.is_available() is False (pip install -e ".[cuda]" on a CUDA machine)')
    import torch
    if not torch.cuda.is_available():
        sys.exit('no GPU for PyTorch: torch.cuda.is_available() is False (install a CUDA build of torch)')
    libs = {'framework': framework, 'torch': torch}
    print(f'device: {torch.cuda.get_device_name(0)}', flush=True)
    for name, make, steps in (('mlp_wide', mlp_wide, args.steps), ('sin_fit', sin_fit, 2000)):
        if args.only and name not in args.only:
            continue
        med = time_steps(libs, make, steps, args.reps)
        print(f'{name:9s} framework={med["framework"] * 1e3:.3f}ms/step  torch={med["torch"] * 1e3:.3f}ms/step  '
              f'framework/torch={med["framework"] / med["torch"]:.2f}', flush=True)
    have_cudnn = framework.backends.cudnn.is_available()
    print(f'cuDNN through CuPy: version {framework.backends.cudnn.version()}' if have_cudnn else
          'cuDNN through CuPy: not available (CuPy 14, or no libcudnn): im2col only', flush=True)
    for name, make in CONV_WORKLOADS:
        if args.only and name not in args.only:
            continue
        variants = {'im2col': (framework, with_cudnn(make, False)), 'torch': (torch, make)}
        if have_cudnn:
            variants['cudnn'] = (framework, with_cudnn(make, True))
        med = time_variants(variants, args.steps, args.reps)
        line = f'{name:10s} torch={med["torch"] * 1e3:.3f}ms/step'
        for v in ('cudnn', 'im2col'):
            if v in med:
                line += f'  {v}={med[v] * 1e3:.3f}ms/step ({v}/torch={med[v] / med["torch"]:.2f})'
        print(line, flush=True)
