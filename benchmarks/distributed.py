"""Data-parallel throughput: the `mlp` workload (784-512-512-10, global batch 256, SGD momentum) on
1 and 2 ranks, framework on MPI (`mpiexec -n N`) and, when torch is installed, PyTorch DDP on gloo
(`torchrun --nproc_per_node N`). One BLAS thread per rank. The runs are interleaved, `--reps` times,
and the median of each configuration is printed, so ratios hold on a shared machine.

usage: python benchmarks/distributed.py [--reps 3] [--steps 40]

For framework it also reports the all-reduce time per step (time inside MPI on the communication
thread) and how much of it overlapped backward: 1 - (time backward waited for it) / (all-reduce time).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
D, H, O, BATCH = 784, 512, 10, 256


def worker_framework(steps, warmup):
    sys.path.insert(0, ROOT)
    import framework as torch
    import framework.distributed as dist
    from framework.distributed import work as W
    from framework.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group('mpi')
    rank, world = dist.get_rank(), dist.get_world_size()
    stats = {'comm': 0.0, 'waited': 0.0}

    # instrumentation: time inside the collectives, and time the caller blocked in Work.wait
    group = dist.get_default_group()
    collective = group.collective

    def timed_collective(name, tensors, **kw):
        fn = collective(name, tensors, **kw)

        def run():
            t = time.perf_counter()
            r = fn()
            stats['comm'] += time.perf_counter() - t
            return r
        return run
    group.collective = timed_collective
    wait = W.Work.wait

    def timed_wait(self, timeout=None):
        t = time.perf_counter()
        r = wait(self, timeout)
        stats['waited'] += time.perf_counter() - t
        return r
    W.Work.wait = timed_wait

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(),
                                torch.nn.Linear(H, O))
    net = DDP(model) if world > 1 and not os.environ.get('BENCH_COMPUTE_ONLY') else model
    return _loop(torch, net, rank, world, steps, warmup, stats, dist)


def worker_torch(steps, warmup):
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
    torch.set_num_threads(1)
    dist.init_process_group('gloo')
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(),
                                torch.nn.Linear(H, O))
    net = DDP(model) if world > 1 else model
    return _loop(torch, net, rank, world, steps, warmup, None, dist)


def _loop(torch, net, rank, world, steps, warmup, stats, dist):
    per = BATCH // world
    g = torch.Generator().manual_seed(rank)
    x = torch.randn(per, D, generator=g)
    y = torch.randint(0, O, (per,), generator=g)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    for _ in range(warmup):
        step()
    dist.barrier()
    if stats:
        stats['comm'] = stats['waited'] = 0.0
    t = time.perf_counter()
    for _ in range(steps):
        step()
    dist.barrier()
    elapsed = time.perf_counter() - t
    if rank == 0:
        out = {'samples_per_s': BATCH * steps / elapsed, 'step_ms': 1e3 * elapsed / steps}
        if stats and world > 1 and not os.environ.get('BENCH_COMPUTE_ONLY'):
            out['allreduce_ms'] = 1e3 * stats['comm'] / steps
            out['waited_ms'] = 1e3 * stats['waited'] / steps
        print('RESULT ' + json.dumps(out), flush=True)
    dist.destroy_process_group()


def _env():
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    for k in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        env.pop(k, None)
    return env


def _launch(kind, n, steps, warmup, compute_only=False):
    me = os.path.abspath(__file__)
    env = _env()
    if compute_only:
        env['BENCH_COMPUTE_ONLY'] = '1'
    if kind == 'framework':
        exe = os.path.join(os.path.dirname(sys.executable), 'mpiexec')
        cmd = [exe if os.path.exists(exe) else 'mpiexec', '-n', str(n), sys.executable, me]
    else:
        cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', str(n), '--master_port',
               str(29500 + n), me]
    cmd += ['--worker', kind, '--steps', str(steps), '--warmup', str(warmup)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    for line in r.stdout.splitlines():
        if line.startswith('RESULT '):
            return json.loads(line[7:])
    raise RuntimeError(f'{kind} on {n} ranks failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--worker', choices=['framework', 'torch'])
    ap.add_argument('--steps', type=int, default=40)
    ap.add_argument('--warmup', type=int, default=5)
    ap.add_argument('--reps', type=int, default=3)
    args = ap.parse_args()
    if args.worker == 'framework':
        return worker_framework(args.steps, args.warmup)
    if args.worker == 'torch':
        return worker_torch(args.steps, args.warmup)

    kinds = ['framework']
    try:
        import torch  # noqa: F401
        kinds.append('torch')
    except ImportError:
        print('torch is not installed: PyTorch DDP (gloo) skipped')
    if shutil.which('mpiexec') is None and not os.path.exists(os.path.join(os.path.dirname(sys.executable),
                                                                           'mpiexec')):
        sys.exit('mpiexec not found: pip install -e ".[distributed]"')
    results = {}
    for _ in range(args.reps):                   # interleaved: a slow spell hits every configuration
        for kind in kinds:
            for n in (1, 2):
                results.setdefault((kind, n), []).append(_launch(kind, n, args.steps, args.warmup))
        # the same 2 ranks with no gradient exchange: how far the machine itself lets 2 processes scale
        results.setdefault(('framework', 'compute only'), []).append(
            _launch('framework', 2, args.steps, args.warmup, compute_only=True))
    med = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in results.items()}
    print(f'mlp 784-512-512-10, global batch {BATCH}, SGD momentum, one BLAS thread per rank, '
          f'{args.steps} steps, median of {args.reps}')
    print(f"{'':34}{'samples/s':>12}{'ms/step':>10}{'allreduce ms':>14}{'overlapped':>12}")
    for (kind, n), m in med.items():
        extra = ''
        if 'allreduce_ms' in m:
            overlap = 1 - m['waited_ms'] / m['allreduce_ms'] if m['allreduce_ms'] else 0.0
            extra = f"{m['allreduce_ms']:14.2f}{100 * max(overlap, 0):11.0f}%"
        label = f'{kind} 2 ranks, no all-reduce' if n == 'compute only' else f"{kind} {n} rank" + ('s' if n > 1 else '')
        print(f"{label:34}{m['samples_per_s']:12.0f}{m['step_ms']:10.2f}"
              + extra)
    fw1, fw2 = med[('framework', 1)]['samples_per_s'], med[('framework', 2)]['samples_per_s']
    print(f'framework 2 ranks / 1 rank: {fw2 / fw1:.2f}x (target >= 1.6); 2 ranks without all-reduce / 1 rank: '
          f"{med[('framework', 'compute only')]['samples_per_s'] / fw1:.2f}x")
    if 'torch' in kinds:
        print(f"framework / torch gloo at 2 ranks: {fw2 / med[('torch', 2)]['samples_per_s']:.2f}x (target >= 1.0)")


if __name__ == '__main__':
    main()
