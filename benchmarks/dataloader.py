"""DataLoader throughput with worker processes, framework against PyTorch, and memory-mapped data
larger than RAM.

usage: python benchmarks/dataloader.py [--epochs N] [--batches N] [--workers 0 1 2]
       python benchmarks/dataloader.py --transfer        # shared memory: keep the mapping vs copy out
       python benchmarks/dataloader.py --mmap [--ram-multiple 4] [--dir DIR]   # not for CI: writes a
                                                          # sparse file of 4x the free RAM

The data set is map-style: ``__getitem__`` crops, flips and normalizes one 3x32x32 uint8 image in
Python and NumPy (about 1 ms of work, like a torchvision transform pipeline), batch 64. Each loader
configuration runs one epoch per round, rounds interleaved framework / PyTorch so that both see the
same load on a shared machine; the table gives the median samples/s, worker start-up included (a
fresh iterator per epoch, as without persistent_workers).
"""
import argparse
import gc
import os
import resource
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import numpy as np  # noqa: E402


class Augmented:
    """CIFAR-sized images with a per-sample random crop (4-pixel padding), flip and brightness jitter,
    repeated ``rounds`` times to cost about 1 ms of CPU per sample, then normalized. Subclassed below as
    each library's Dataset."""

    MEAN = np.array([0.49, 0.48, 0.45], np.float32)[:, None, None]
    STD = np.array([0.25, 0.24, 0.26], np.float32)[:, None, None]

    def __init__(self, n=64 * 40, rounds=12, seed=0):
        rng = np.random.default_rng(seed)
        self.images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
        self.labels = rng.integers(0, 10, n)
        self.rounds = rounds

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        rng = np.random.default_rng(i)
        img = self.images[i].astype(np.float32) / 255.0
        for _ in range(self.rounds):
            padded = np.pad(img, ((0, 0), (4, 4), (4, 4)), mode='reflect')
            y, x = rng.integers(0, 9, 2)
            img = padded[:, y:y + 32, x:x + 32]
            if rng.random() < 0.5:
                img = img[:, :, ::-1]
            img = np.clip(img * rng.uniform(0.9, 1.1) + rng.uniform(-0.05, 0.05), 0.0, 1.0)
        out = ((img - self.MEAN) / self.STD).astype(np.float32)
        return out, int(self.labels[i])


def make_dataset(lib, **kw):
    base = lib.utils.data.Dataset
    cls = type(f'Augmented_{lib.__name__}', (Augmented, base), {})
    globals()[cls.__name__] = cls          # picklable by name for spawn contexts
    return cls(**kw)


def _children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def epoch(lib, ds, workers, batch_size):
    """(samples/s, main-process CPU seconds, workers' CPU seconds) of one epoch, worker start-up included.
    The workers' CPU time is read once they have been joined (the iterator's end joins them)."""
    loader = lib.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=workers)
    n = 0
    c0, k0, t = time.process_time(), _children_cpu(), time.perf_counter()
    it = iter(loader)
    for x, y in it:
        n += len(y)
    wall = time.perf_counter() - t
    main = time.process_time() - c0
    del it
    gc.collect()
    return n / wall, main / n, (_children_cpu() - k0) / n


def projected(main, workers, w):
    """Samples/s on two idle cores from the CPU seconds per sample: the busiest of the main process, one
    worker, and the two cores together bounds the rate."""
    if w == 0:
        return 1 / main
    return 1 / max(main, workers / w, (main + workers) / 2)


def throughput(args):
    import framework
    libs = {'framework': framework}
    try:
        import torch
        torch.set_num_threads(1)
        libs['torch'] = torch
    except ImportError:
        print('# torch unavailable: framework only')
    n = args.batches * args.batch_size
    data = {name: make_dataset(lib, n=n) for name, lib in libs.items()}
    probe = data['framework']
    t, c = time.perf_counter(), time.process_time()
    for i in range(200):
        probe[i]
    wall, cpu = (time.perf_counter() - t) / 200, (time.process_time() - c) / 200
    print(f'# __getitem__: {cpu * 1e3:.2f} ms of CPU per sample ({wall * 1e3:.2f} ms wall); {n} samples per epoch, '
          f'batch {args.batch_size}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}')
    runs = {(name, w): [] for name in libs for w in args.workers}
    for name, lib in libs.items():                        # warm-up: imports, first fork
        epoch(lib, data[name], max(args.workers), args.batch_size)
    for _ in range(args.epochs):
        for w in args.workers:
            for name, lib in libs.items():
                gc.collect()
                runs[(name, w)].append(epoch(lib, data[name], w, args.batch_size))
    med = {k: tuple(statistics.median(r[i] for r in v) for i in range(3)) for k, v in runs.items()}
    print('| library | workers | samples/s (measured) | main CPU us/sample | workers CPU us/sample | '
          'samples/s on 2 idle cores (from CPU time) |')
    print('|---|---|---|---|---|---|')
    for w in args.workers:
        for name in libs:
            rate, main, work = med[(name, w)]
            print(f'| {name} | {w} | {rate:,.0f} | {main * 1e6:,.0f} | {work * 1e6:,.0f} | '
                  f'{projected(main, work, w):,.0f} |')
    fw = {w: med[('framework', w)] for w in args.workers}
    if 0 in args.workers and 2 in args.workers:
        measured = fw[2][0] / fw[0][0]
        proj = projected(fw[2][1], fw[2][2], 2) / projected(fw[0][1], fw[0][2], 0)
        print(f'# 2 workers / 0 workers (target >= 1.6): measured {measured:.2f}x, from CPU time {proj:.2f}x')
    if 'torch' in libs:
        for w in args.workers:
            tc = med[('torch', w)]
            print(f'# framework / PyTorch at {w} workers (target >= 0.9): measured {fw[w][0] / tc[0]:.2f}x, '
                  f'from CPU time {projected(fw[w][1], fw[w][2], w) / projected(tc[1], tc[2], w):.2f}x')


def transfer(args):
    """Main-process cost of receiving one batch from shared memory: keep the mapping or copy it out."""
    import framework
    from framework.utils.data import _shared_memory
    batch = [framework.tensor(np.random.rand(64, 3, 32, 32).astype(np.float32)), framework.arange(64)]
    times = {False: [], True: []}
    for r in range(300):
        for copy in (False, True):
            msg = _shared_memory.pack(batch, f'fwdl_{os.getpid()}_bench_{r}_{int(copy)}')
            t = time.perf_counter()
            out = _shared_memory.unpack(msg, copy=copy)
            out[0].sum()              # touch the data, as a training step would
            del out
            times[copy].append(time.perf_counter() - t)
    for copy, ts in times.items():
        print(f"unpack ({'copy out' if copy else 'keep mapping'}), 64x3x32x32 float32 + labels: "
              f'{statistics.median(ts) * 1e6:.0f} us (median of {len(ts)})')


def _memory(pid='self'):
    """(resident set, proportional set) in bytes: Pss shares pages among the processes that map them, so
    the sum over the main process and its workers counts each page once."""
    out = {}
    try:
        with open(f'/proc/{pid}/smaps_rollup') as f:
            for line in f:
                k, _, v = line.partition(':')
                if k in ('Rss', 'Pss'):
                    out[k] = int(v.split()[0]) * 1024
    except OSError:
        pass
    return out.get('Rss', 0), out.get('Pss', 0)


def mmap_run(args):
    """A .npy data set of ``ram_multiple`` x the available RAM, written as a sparse file, read by a
    DataLoader over np.load(mmap_mode='r') in shuffled batches; resident memory sampled every 50 ms."""
    import framework
    from framework.training.data import ArrayDataset, MmapFeatures, batch_to_tensors
    with open('/proc/meminfo') as f:
        avail = next(int(line.split()[1]) * 1024 for line in f if line.startswith('MemAvailable:'))
    d = tempfile.mkdtemp(dir=args.dir)
    path = os.path.join(d, 'x.npy')
    features = 3 * 32 * 32
    n = int(avail * args.ram_multiple) // (features * 4)
    header = np.lib.format
    with open(path, 'wb') as f:
        header.write_array_header_1_0(f, {'descr': '<f4', 'fortran_order': False, 'shape': (n, features)})
        f.truncate(f.tell() + n * features * 4)                         # sparse: no disk space used
    np.save(os.path.join(d, 'y.npy'), np.zeros(n, np.int64))
    size = os.path.getsize(path)
    print(f'# {size / 2 ** 30:.1f} GiB of float32 samples ({n:,} x {features}) = {size / avail:.1f}x the '
          f'{avail / 2 ** 30:.1f} GiB available RAM, in {d}')
    x = np.load(path, mmap_mode='r')
    y = np.load(os.path.join(d, 'y.npy'), mmap_mode='r')
    feats = MmapFeatures([x])
    feats.advise(random=not args.sequential)
    ds = ArrayDataset(feats, np.asarray(y))
    peak = {'main rss': 0, 'total pss': 0, 'worker rss': 0}
    done = threading.Event()
    workers = []

    def sample():
        while not done.is_set():
            rss, pss = _memory()
            each = [_memory(pid) for pid in workers]
            peak['main rss'] = max(peak['main rss'], rss)
            peak['worker rss'] = max([peak['worker rss']] + [r for r, _ in each])
            peak['total pss'] = max(peak['total pss'], pss + sum(p for _, p in each))
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    g = framework.Generator().manual_seed(0)
    loader = framework.utils.data.DataLoader(ds, batch_size=args.mmap_batch, shuffle=not args.sequential, generator=g,
                                             num_workers=args.mmap_workers, collate_fn=batch_to_tensors)
    t = time.perf_counter()
    seen = 0
    it = iter(loader)
    workers.extend(w.pid for w in getattr(it, '_workers', []))
    for xb, yb in it:
        seen += len(yb)
        if time.perf_counter() - t > args.mmap_seconds:
            break
    wall = time.perf_counter() - t
    done.set()
    th.join()
    print(f'read {seen:,} samples ({seen * features * 4 / 2 ** 30:.1f} GiB, {seen / n:.1%} of the file) in '
          f"{wall:.0f} s ({'file order' if args.sequential else 'shuffled'}, {seen / wall:,.0f} samples/s) with "
          f"{args.mmap_workers} workers: peak resident memory: main process "
          f"{peak['main rss'] / 2 ** 20:.0f} MiB, one worker {peak['worker rss'] / 2 ** 20:.0f} MiB, main + workers "
          f"(proportional set, shared pages counted once) {peak['total pss'] / 2 ** 20:.0f} MiB")
    del it
    os.remove(path)
    os.remove(os.path.join(d, 'y.npy'))
    os.rmdir(d)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--epochs', type=int, default=5, help='rounds per configuration (median reported)')
    p.add_argument('--batches', type=int, default=20, help='batches per epoch')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--transfer', action='store_true', help='time receiving a batch: mapping vs copy')
    p.add_argument('--mmap', action='store_true', help='the larger-than-RAM memory-mapped run (not for CI)')
    p.add_argument('--ram-multiple', type=float, default=4.0)
    p.add_argument('--dir', default=None, help='where to write the sparse file (a disk, not tmpfs)')
    p.add_argument('--mmap-batch', type=int, default=256)
    p.add_argument('--mmap-workers', type=int, default=2)
    p.add_argument('--sequential', action='store_true', help='mmap run in file order (default: shuffled)')
    p.add_argument('--mmap-seconds', type=float, default=120.0, help='stop the mmap run after this long')
    args = p.parse_args()
    if args.transfer:
        transfer(args)
    elif args.mmap:
        mmap_run(args)
    else:
        throughput(args)


if __name__ == '__main__':
    main()
