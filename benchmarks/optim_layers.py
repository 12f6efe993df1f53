"""Issue 15's optimizers and layers against PyTorch: one optimizer step over a 512-512-256-10 MLP's
parameters, and forward+backward of LayerNorm, GroupNorm, Embedding and EmbeddingBag, interleaved in one
process (best of `--reps` rounds each). Prints framework / torch per case.

    python benchmarks/optim_layers.py --reps 7
    OPENBLAS_NUM_THREADS=1 python benchmarks/optim_layers.py --reps 7 --threads 1   # on a loaded machine
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import numpy as np  # noqa: E402

import framework  # noqa: E402

SHAPES = [(512, 512), (512,), (512, 256), (256,), (256, 10), (10,)]
OPTIMIZERS = [('SGD', dict(lr=0.01, momentum=0.9)), ('Adam', dict(lr=1e-3)), ('Adam', dict(lr=1e-3, amsgrad=True)),
              ('RMSprop', dict(lr=1e-3, momentum=0.9, centered=True)), ('Adagrad', dict(lr=0.01)),
              ('Adadelta', dict()), ('Adamax', dict()), ('NAdam', dict()), ('RAdam', dict())]


def optimizer_case(T, name, kw):
    rng = np.random.default_rng(0)
    ps = [T.nn.Parameter(T.tensor(rng.standard_normal(s).astype(np.float32))) for s in SHAPES]
    for p in ps:
        p.grad = T.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    if T is not framework:
        kw = dict(kw, foreach=False)      # PyTorch's single-tensor loop, the one framework's mirrors
    return getattr(T.optim, name)(ps, **kw).step, 20


def layer_case(T, name):
    rng = np.random.default_rng(0)
    if name == 'LayerNorm(128) on (16, 128, 128)':
        x = T.tensor(rng.standard_normal((16, 128, 128)).astype(np.float32), requires_grad=True)
        m = T.nn.LayerNorm(128)
    elif name == 'GroupNorm(8, 32) on (16, 32, 512)':
        x = T.tensor(rng.standard_normal((16, 32, 512)).astype(np.float32), requires_grad=True)
        m = T.nn.GroupNorm(8, 32)
    elif name == 'Embedding(10000, 128), (64, 128) indices':
        x, m = T.tensor(rng.integers(0, 10000, (64, 128))), T.nn.Embedding(10000, 128)
    elif name == 'Embedding(65, 128), (16, 128) indices':
        x, m = T.tensor(rng.integers(0, 65, (16, 128))), T.nn.Embedding(65, 128)
    else:
        x, m = T.tensor(rng.integers(0, 10000, (64, 128))), T.nn.EmbeddingBag(10000, 128, mode='mean')

    def run():
        m(x).sum().backward()
    return run, 5


LAYERS = ['LayerNorm(128) on (16, 128, 128)', 'GroupNorm(8, 32) on (16, 32, 512)',
          'Embedding(10000, 128), (64, 128) indices', 'Embedding(65, 128), (16, 128) indices',
          'EmbeddingBag(10000, 128, mean), (64, 128)']


def main():
    import torch
    ap = argparse.ArgumentParser()
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=None, help="PyTorch's intra-op threads")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cases = [(f'{n} {kw}', lambda T, n=n, kw=kw: optimizer_case(T, n, kw)) for n, kw in OPTIMIZERS]
    cases += [(n, lambda T, n=n: layer_case(T, n)) for n in LAYERS]
    for label, make in cases:
        fns = {T: make(T) for T in (framework, torch)}
        best = {framework: float('inf'), torch: float('inf')}
        for _ in range(args.reps):
            for T, (fn, n) in fns.items():
                fn()
                t = time.perf_counter()
                for _ in range(n):
                    fn()
                best[T] = min(best[T], (time.perf_counter() - t) / n)
        print(f'{label:58s} {best[framework] * 1e3:8.3f} ms {best[torch] * 1e3:8.3f} ms  '
              f'{best[framework] / best[torch]:5.2f}')


if __name__ == '__main__':
    main()
