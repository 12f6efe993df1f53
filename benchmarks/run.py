"""Run the benchmark workloads on framework, PyTorch (when importable) and hand-written NumPy,
interleaved in one process so that ratios hold on a shared, noisy machine.

usage: python benchmarks/run.py [workload ...] [--reps N] [--memory]

Prints per workload the median time of each library and the ratios against the issue's targets.
`--memory` adds the peak traced memory of one `mlp` run (framework vs NumPy, via tracemalloc,
which sees NumPy's allocations) and the resident set size over 10,000 `mlp_tiny`-sized steps.
"""
import argparse
import gc
import os
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from workloads import WORKLOADS  # noqa: E402

# workload: (compared with, highest ratio allowed) from issue 8
TARGETS = {'sin_fit': ('torch', 0.5), 'mlp_tiny': ('torch', 0.7), 'small_ops': ('torch', 1.0), 'mlp': ('numpy', 1.10)}


def load(name):
    try:
        import importlib
        mod = importlib.import_module(name)
        for sub in ('nn', 'nn.functional', 'optim'):
            importlib.import_module(f'{name}.{sub}')
        if name == 'torch':
            mod.set_num_threads(2)
        return mod
    except Exception as e:         # a missing library is reported, not fatal
        print(f'# {name} unavailable: {type(e).__name__}: {e}')
        return None


def bench(names, reps):
    libs = {n: load(n) for n in ('framework', 'torch')}
    rows = []
    for w in names:
        fn, np_fn = WORKLOADS[w]
        runners = {n: (lambda T=T: fn(T)) for n, T in libs.items() if T is not None}
        if np_fn is not None:
            runners['numpy'] = np_fn
        for r in runners.values():
            r()                                  # warm-up
        times = {n: [] for n in runners}
        for _ in range(reps):
            for n, r in runners.items():
                gc.collect()
                t = time.perf_counter()
                r()
                times[n].append(time.perf_counter() - t)
        med = {n: statistics.median(ts) for n, ts in times.items()}
        cols = '  '.join(f'{n}={med[n] * 1e3:8.1f}ms' for n in med)
        ratios = '  '.join(f'fw/{n}={med["framework"] / med[n]:.2f}' for n in med if n != 'framework')
        verdict = ''
        if w in TARGETS and TARGETS[w][0] in med:
            other, limit = TARGETS[w]
            ratio = med['framework'] / med[other]
            verdict = f'  target fw/{other} <= {limit}: {"ok" if ratio <= limit else "MISSED"}'
        print(f'{w:10s} {cols}  {ratios}{verdict}', flush=True)
        rows.append((w, med))
    return rows


def memory():
    import framework as T
    import workloads as W
    for label, fn in (('numpy', lambda: W.mlp_np(steps=5)), ('framework', lambda: W.mlp(T, steps=5))):
        fn()
        gc.collect()
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f'mlp peak traced memory  {label:9s} {peak / 2 ** 20:7.1f} MiB', flush=True)
        if label == 'numpy':
            base = peak
    print(f'mlp peak memory ratio fw/numpy = {peak / base:.2f}  (target <= 1.2)')

    # flat memory: RSS sampled while training the seed-002 MLP for 10,000 steps
    net = T.nn.Sequential(T.nn.Linear(8, 12), T.nn.ReLU(), T.nn.Linear(12, 4))
    opt = T.optim.SGD(net.parameters(), lr=1e-2, momentum=0.9)
    X = T.from_numpy(W.XN[:300, :8].copy())
    Y = T.from_numpy((W.YN[:300, :4] > 0).astype(np.float32))
    samples = []
    for step in range(10_000):
        i = step % 30
        loss = T.nn.functional.binary_cross_entropy_with_logits(net(X[i * 10:(i + 1) * 10]), Y[i * 10:(i + 1) * 10])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step in (999, 4999, 9999):
            samples.append(_rss_mib())
    print('rss over 10,000 steps (after 1k, 5k, 10k): ' + ', '.join(f'{s:.1f} MiB' for s in samples)
          + f'  growth {samples[-1] - samples[0]:+.1f} MiB')


def _rss_mib():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('workloads', nargs='*', default=list(WORKLOADS), help=f'any of {", ".join(WORKLOADS)}')
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--memory', action='store_true', help='also measure peak and steady-state memory')
    args = ap.parse_args()
    bad = [w for w in args.workloads if w not in WORKLOADS]
    if bad:
        ap.error(f'unknown workload(s) {", ".join(bad)}; choose from {", ".join(WORKLOADS)}')
    print(f'# numpy {np.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} cpus')
    bench(args.workloads, args.reps)
    if args.memory:
        memory()
