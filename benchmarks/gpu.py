"""GPU step time: framework on CuPy against PyTorch CUDA, on the same machine, interleaved.

usage: python benchmarks/gpu.py [--steps N] [--reps N]

Workloads (issue 7): a wide MLP (4096-4096-4096-10, batch 1024, SGD with momentum) and the seed
sin fit (2000 steps of the cubic fit). Prints the median step time of each and the ratio
framework/torch (goal: <= 1.2 on the wide MLP). Exits with a message when there is no GPU.
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


def time_steps(libs, make, steps, reps):
    """Median seconds per step of each library, their repetitions interleaved so drift hits both alike."""
    fns = {}
    for name, T in libs.items():
        fns[name] = make(T, steps)
        fns[name]()                                  # warm-up: kernels compiled, memory pools filled
        T.cuda.synchronize()
    times = {name: [] for name in libs}
    for _ in range(reps):
        for name, T in libs.items():
            step = fns[name]
            t = time.perf_counter()
            for _ in range(steps):
                step()
            T.cuda.synchronize()
            times[name].append((time.perf_counter() - t) / steps)
    return {name: statistics.median(ts) for name, ts in times.items()}


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--steps', type=int, default=50)
    ap.add_argument('--reps', type=int, default=5)
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
        med = time_steps(libs, make, steps, args.reps)
        print(f'{name:9s} framework={med["framework"] * 1e3:.3f}ms/step  torch={med["torch"] * 1e3:.3f}ms/step  '
              f'framework/torch={med["framework"] / med["torch"]:.2f}', flush=True)
