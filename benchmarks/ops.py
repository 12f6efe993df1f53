"""Per-op overhead: forward + backward of one op on tiny tensors, framework vs PyTorch vs the bare
NumPy call, in microseconds per op (median of several runs of a 200-op chain).

usage: python benchmarks/ops.py

Tiny tensors make the arithmetic free, so what is measured is the cost of the framework itself:
op dispatch, graph recording and the engine's work per node.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import numpy as np  # noqa: E402

N = 200        # ops per chain

# name: (op on a tensor-like y, the same on a NumPy array)
OPS = {
    'mul scalar': (lambda y: y * 1.0001, lambda a: a * np.float32(1.0001)),
    'add+mul': (lambda y: (y + y) * 0.5, lambda a: (a + a) * np.float32(0.5)),
    'exp': (lambda y: (y * 0.001).exp(), lambda a: np.exp(a * np.float32(0.001))),
    'tanh': (lambda y: y.tanh(), np.tanh),
    'relu': (lambda y: y.relu(), lambda a: np.maximum(a, 0)),
    'matmul 4x4': (lambda y: y @ y.T * 0.25, lambda a: a @ a.T * np.float32(0.25)),
    'sum(dim) keepdim': (lambda y: y.sum(1, keepdim=True) + y, lambda a: a.sum(1, keepdims=True) + a),
    'getitem slice': (lambda y: y[:, :4] * 1.0, lambda a: a[:, :4] * np.float32(1.0)),
}


def chain(T, op):
    x = T.tensor(np.ones((4, 4), np.float32), requires_grad=True)
    y = x
    for _ in range(N):
        y = op(y)
    y.sum().backward()


def chain_np(op):
    a = np.ones((4, 4), np.float32)
    for _ in range(N):
        a = op(a)
    return a.sum()


def median_us(fn, reps=15):
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) / N * 1e6


if __name__ == '__main__':
    import framework
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
    print(f'{"op (fwd+bwd)":18s} {"numpy":>8s} {"framework":>10s} {"torch":>8s} {"fw/torch":>9s}')
    ratios = []
    for name, (op, op_np) in OPS.items():
        t_np = median_us(lambda: chain_np(op_np))
        t_fw = median_us(lambda: chain(framework, op))
        t_th = median_us(lambda: chain(torch, op)) if torch else float('nan')
        ratios.append(t_fw / t_th)
        print(f'{name:18s} {t_np:7.2f}u {t_fw:9.2f}u {t_th:7.2f}u {t_fw / t_th:9.2f}', flush=True)
    if torch:
        print(f'geometric mean fw/torch: {float(np.exp(np.mean(np.log(ratios)))):.2f}')
