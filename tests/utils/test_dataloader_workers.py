"""DataLoader with worker processes: same batches as in-process, PyTorch's failure behaviour, seeding,
and no orphaned processes or leaked shared-memory segments on any way out of the loop."""
import gc
import math
import mmap
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import framework
from framework.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info
from framework.utils.data import _shared_memory, _worker
from tests.conftest import torch_or_none

pytestmark = pytest.mark.skipif(not hasattr(os, 'fork'), reason='worker tests use the fork start method')
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------------------------------------
# helpers: child processes and /dev/shm segments of this process

def children():
    """pids whose parent is this process (zombies included: a worker not joined counts)."""
    me, out = os.getpid(), []
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                with open(f'/proc/{d}/stat') as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(')', 1)[1].split()[1]) == me and not _helper(d):
                out.append(int(d))
    return out


def _helper(pid):
    """multiprocessing's own resource tracker (started once by the spawn context, lives on): not a worker."""
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            return b'resource_tracker' in f.read()
    except OSError:
        return False


def segments(pid=None):
    prefix = f'fwdl_{pid or os.getpid()}_'
    return [n for n in os.listdir('/dev/shm') if n.startswith(prefix)] if os.path.isdir('/dev/shm') else []


@pytest.fixture
def clean():
    """Asserts that the test leaves no child process and no segment behind (after a collection)."""
    before = set(children())
    yield
    gc.collect()
    deadline = time.time() + 10
    while (set(children()) - before or segments()) and time.time() < deadline:
        time.sleep(0.05)
    assert set(children()) - before == set()
    assert segments() == []


# ---------------------------------------------------------------------------------------------
# datasets (module level, so that the spawn context can pickle them)

class Images(Dataset):
    """Sample i: a 3x8x8 float32 image filled with i (768 bytes), a 64-value vector, its label i."""

    def __init__(self, n=50, delay=0.0, fail_at=None, exc=ValueError, kill_at=None):
        self.n, self.delay, self.fail_at, self.exc, self.kill_at = n, delay, fail_at, exc, kill_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.delay:
            time.sleep(self.delay)
        if i == self.fail_at:
            raise self.exc(f'bad sample {i}')
        if i == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return {'image': np.full((3, 8, 8), i, np.float32), 'vec': np.arange(64.0) + i, 'label': i}


class Randoms(Dataset):
    """What the worker's generators give: numpy legacy, Python's random, framework's generator."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return np.array([np.random.rand(), random.random(), framework.rand(1).item(),
                         -1 if info is None else info.id, -1 if info is None else info.seed])


class Range(IterableDataset):
    """PyTorch's documented sharding example: each worker iterates its own slice of [start, end)."""

    def __init__(self, start, end, shard=True):
        self.start, self.end, self.shard = start, end, shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            lo, hi = self.start, self.end
        else:
            per_worker = int(math.ceil((self.end - self.start) / float(info.num_workers)))
            lo = self.start + info.id * per_worker
            hi = min(lo + per_worker, self.end)
        return iter(range(lo, hi))


def root(arr):
    """The object that owns an array's memory (an mmap, a bytearray...)."""
    while isinstance(arr, (np.ndarray, memoryview)):
        arr = arr.obj if isinstance(arr, memoryview) else arr.base
    return arr


def flat(batches):
    out = []
    for b in batches:
        out.append({k: v.numpy().copy() for k, v in b.items()} if isinstance(b, dict) else b)
    return out


def assert_same_batches(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.keys() == y.keys()
        for k in x:
            assert x[k].dtype == y[k].dtype and x[k].shape == y[k].shape
            np.testing.assert_array_equal(x[k], y[k])


# ---------------------------------------------------------------------------------------------
# same batches as num_workers=0

@pytest.mark.filterwarnings('ignore:This DataLoader will create 3 worker')
@pytest.mark.parametrize('workers,prefetch', [(1, 2), (2, 2), (3, 1)])
def test_same_batches_in_order(clean, workers, prefetch):
    g0, g1 = framework.Generator().manual_seed(7), framework.Generator().manual_seed(7)
    ref = flat(DataLoader(Images(53), batch_size=8, shuffle=True, generator=g0))
    got = flat(DataLoader(Images(53), batch_size=8, shuffle=True, generator=g1, num_workers=workers,
                          prefetch_factor=prefetch))
    assert_same_batches(ref, got)
    assert [b['label'].tolist() for b in got][0] != list(range(8))     # shuffled, and both the same way


def test_tensor_dataset_and_batch_size_none(clean):
    x = framework.arange(60.0).reshape(30, 2)
    ds = TensorDataset(x, framework.arange(30))
    ref = [(a.numpy().copy(), b.numpy().copy()) for a, b in DataLoader(ds, batch_size=7, drop_last=True)]
    got = [(a.numpy().copy(), b.numpy().copy()) for a, b in DataLoader(ds, batch_size=7, drop_last=True,
                                                                         num_workers=2)]
    assert len(got) == 4
    for (a, b), (c, d) in zip(ref, got):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    single = list(DataLoader(Images(5), batch_size=None, num_workers=2))
    assert [s['label'] for s in single] == [0, 1, 2, 3, 4]          # default_convert: ints stay ints
    assert isinstance(single[2]['image'], framework.Tensor) and single[2]['image'].shape == (3, 8, 8)


def test_batches_arrive_through_shared_memory(clean):
    batch = next(iter(DataLoader(Images(20), batch_size=4, num_workers=1)))
    arr = batch['image'].numpy()
    base = root(arr)
    assert isinstance(base, mmap.mmap)                             # a mapping, not an unpickled copy
    np.testing.assert_array_equal(arr[:, 0, 0, 0], [0, 1, 2, 3])
    assert arr.flags.writeable
    assert batch['label'].tolist() == [0, 1, 2, 3]
    del batch, arr, base


def test_pack_round_trip_keeps_structure_and_values(clean):
    from collections import namedtuple
    Pair = namedtuple('Pair', 'a b')
    data = {'t': framework.arange(600.0).reshape(20, 30), 'n': np.arange(300, dtype=np.int16),
            'small': np.arange(3), 'pair': Pair(framework.ones(500), 'text'), 'list': [np.zeros(400), 5]}
    msg = _shared_memory.pack(data, f'fwdl_{os.getpid()}_x_0')
    assert isinstance(msg, _shared_memory.Packed) and segments() == [f'fwdl_{os.getpid()}_x_0']
    out = _shared_memory.unpack(msg)
    assert segments() == []                                            # unlinked as soon as mapped
    assert isinstance(out['t'], framework.Tensor) and out['t'].shape == (20, 30)
    np.testing.assert_array_equal(out['t'].numpy(), np.arange(600.0).reshape(20, 30))
    assert out['n'].dtype == np.int16 and out['n'][-1] == 299
    assert out['small'] is data['small']                              # under MIN_BYTES: pickled as is
    assert type(out['pair']) is Pair and out['pair'].b == 'text' and out['pair'].a.sum().item() == 500
    assert out['list'][1] == 5 and out['list'][0].shape == (400,)


def test_persistent_workers_keep_processes_across_epochs(clean):
    loader = DataLoader(Images(12), batch_size=5, num_workers=2, persistent_workers=True)
    first = [b['label'].tolist() for b in loader]
    pids = [w.pid for w in loader._iterator._workers]
    for b in loader:                                                   # leave the second epoch early
        break
    third = [b['label'].tolist() for b in loader]
    assert first == third == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]]
    assert [w.pid for w in loader._iterator._workers] == pids and all(w.is_alive() for w in loader._iterator._workers)
    del loader, b


def test_in_order_false_returns_batches_as_they_are_ready(clean):
    class SlowFirst(Images):
        def __getitem__(self, i):
            if i == 0:
                time.sleep(1.0)
            return super().__getitem__(i)

    ordered = [b['label'][0].item() for b in DataLoader(SlowFirst(8), batch_size=2, num_workers=2)]
    assert ordered == [0, 2, 4, 6]
    loose = [b['label'][0].item() for b in DataLoader(SlowFirst(8), batch_size=2, num_workers=2, in_order=False)]
    assert sorted(loose) == [0, 2, 4, 6] and loose[0] == 2              # worker 1's batch first


def test_prefetch_factor_bounds_outstanding_tasks(clean):
    it = iter(DataLoader(Images(100), batch_size=2, num_workers=2, prefetch_factor=3))
    assert it._tasks_outstanding == 6 and it._send_idx == 6
    next(it)
    assert it._send_idx == 7 and it._tasks_outstanding <= 6
    del it


def test_spawn_context(clean):
    loader = DataLoader(Images(10), batch_size=4, num_workers=2, multiprocessing_context='spawn')
    assert [b['label'].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


# ---------------------------------------------------------------------------------------------
# IterableDataset, worker info, seeds

@pytest.mark.filterwarnings('ignore:This DataLoader will create 3 worker')
def test_iterable_dataset_sharding_yields_each_sample_once(clean):
    got = [int(v) for b in DataLoader(Range(3, 17), batch_size=4, num_workers=3) for v in b.tolist()]
    assert sorted(got) == list(range(3, 17))
    # unsharded, every worker iterates the whole replica: PyTorch's duplicates
    dup = [int(v) for v in DataLoader(Range(0, 5, shard=False), batch_size=None, num_workers=2)]
    assert sorted(dup) == sorted(list(range(5)) * 2)
    # in order: worker 0's first batch, worker 1's first, ... as PyTorch interleaves them
    inter = [b.tolist() for b in DataLoader(Range(0, 8), batch_size=2, num_workers=2)]
    assert inter == [[0, 1], [4, 5], [2, 3], [6, 7]]


class SizedRange(Range):
    def __len__(self):
        return self.end - self.start


def test_unsharded_iterable_dataset_warns_like_pytorch(clean):
    loader = DataLoader(SizedRange(0, 4, shard=False), batch_size=2, num_workers=2)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert len(list(loader)) == 4                       # no warning before len() was asked
    assert len(loader) == 2
    with pytest.warns(UserWarning) as record:
        assert len(list(loader)) == 4
    msgs = [str(w.message) for w in record]
    assert len(msgs) == 2 and msgs[0].startswith('Length of IterableDataset <tests.utils.test_dataloader_workers.'
                                                 'SizedRange object at ')
    assert msgs[0].endswith('> was reported to be 2(when accessing len(dataloader)), but 3 samples have been '
                            'fetched. For multiprocessing data-loading, this could be caused by not properly '
                            'configuring the IterableDataset replica at each worker. Please see '
                            'https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset for '
                            'examples.')


def test_worker_info_and_init_fn(clean):
    class Info(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            w = get_worker_info()
            return np.array([w.id, w.num_workers, w.seed, w.dataset is self, w.dataset.tag], dtype=np.int64)

    def init(worker_id):
        get_worker_info().dataset.tag = 100 + worker_id

    ds = Info()
    ds.tag = -1
    framework.manual_seed(3)
    loader = DataLoader(ds, batch_size=None, num_workers=2, worker_init_fn=init)
    rows = [r.tolist() for r in loader]
    base = rows[0][2]
    assert rows == [[0, 2, base, 1, 100], [1, 2, base + 1, 1, 101], [0, 2, base, 1, 100], [1, 2, base + 1, 1, 101]]
    assert get_worker_info() is None and ds.tag == -1                   # the main process's copy untouched
    framework.manual_seed(3)
    expected = int(np.random.default_rng(3).integers(0, 2 ** 63, dtype=np.int64))
    assert base == expected                                             # drawn from framework's generator


def test_per_worker_seeds_reproducible(clean):
    def run():
        framework.manual_seed(11)
        return np.stack([r.numpy() for r in DataLoader(Randoms(), batch_size=None, num_workers=2)])

    a, b = run(), run()
    np.testing.assert_array_equal(a, b)
    # each worker's streams differ from the other's, and each sample differs from the previous one
    assert not np.allclose(a[0, :3], a[1, :3]) and not np.allclose(a[0, :3], a[2, :3])
    assert a[1, 4] == a[0, 4] + 1
    framework.manual_seed(12)
    c = np.stack([r.numpy() for r in DataLoader(Randoms(), batch_size=None, num_workers=2)])
    assert not np.allclose(a[:, :3], c[:, :3])


def test_numpy_seed_matches_pytorch():
    torch = torch_or_none()
    if torch is None:
        pytest.skip('torch not installed')
    from torch.utils.data._utils.worker import _generate_state
    for base, wid in [(0, 0), (12345678901234, 3), (2 ** 63 - 1, 7)]:
        assert _worker._generate_state(base, wid) == _generate_state(base, wid)


# ---------------------------------------------------------------------------------------------
# failures

def test_worker_exception_is_reraised_with_worker_id_and_traceback(clean):
    loader = DataLoader(Images(10, fail_at=5), batch_size=2, num_workers=2)
    got = []
    with pytest.raises(ValueError) as e:
        for b in loader:
            got.append(b['label'].tolist())
    msg = str(e.value)
    assert msg.startswith('Caught ValueError in DataLoader worker process 0.\nOriginal Traceback (most recent call '
                          'last):\n')
    assert "raise self.exc(f'bad sample {i}')" in msg and msg.rstrip().endswith('ValueError: bad sample 5')
    assert got == [[0, 1], [2, 3]]
    del e


def test_key_error_message_is_readable(clean):
    with pytest.raises(KeyError) as e:
        list(DataLoader(Images(4, fail_at=1, exc=KeyError), num_workers=1))
    assert str(e.value).startswith('Caught KeyError in DataLoader worker process 0.\nOriginal Traceback')
    del e


def test_same_message_as_pytorch():
    torch = torch_or_none()
    if torch is None:
        pytest.skip('torch not installed')

    def first_line(loader):
        it = iter(loader)
        try:
            list(it)
        except ValueError as e:
            return str(e).splitlines()[:2] + str(e).splitlines()[-1:]
        finally:
            it._shutdown_workers()   # now: left to the collector, torch's iterator waits 5 s per worker

    ours = first_line(DataLoader(Images(6, fail_at=3), batch_size=2, num_workers=2))
    theirs = first_line(torch.utils.data.DataLoader(Images(6, fail_at=3), batch_size=2, num_workers=2))
    assert ours == theirs == ['Caught ValueError in DataLoader worker process 1.',
                              'Original Traceback (most recent call last):', 'ValueError: bad sample 3']


def test_worker_init_fn_exception(clean):
    def init(worker_id):
        raise RuntimeError('no init')
    with pytest.raises(RuntimeError, match=r'(?s)Caught RuntimeError in DataLoader worker process 0\.\nOriginal .*'
                                           r'RuntimeError: no init'):
        list(DataLoader(Images(4), num_workers=1, worker_init_fn=init))


def test_killed_worker(clean):
    loader = DataLoader(Images(40, kill_at=9, delay=0.01), batch_size=2, num_workers=2)
    t0 = time.time()
    with pytest.raises(RuntimeError, match=r'^DataLoader worker \(pid \d+\) is killed by signal: Killed\. $'):
        for _ in loader:
            pass
    assert time.time() - t0 < 4                                          # at once, not after the status interval


def test_timeout(clean):
    it = iter(DataLoader(Images(4, delay=1.5), num_workers=1, timeout=0.3))
    t0 = time.time()
    with pytest.raises(RuntimeError, match=r'^DataLoader timed out after 0.3 seconds$'):
        next(it)
    assert time.time() - t0 < 1.2
    del it


# ---------------------------------------------------------------------------------------------
# no orphans, no leaked segments (the `clean` fixture checks after each)

def test_exit_normal_end(clean):
    loader = DataLoader(Images(30), batch_size=4, num_workers=2)
    it = iter(loader)
    assert len(set(children())) >= 2
    list(it)
    assert it._shutdown                                                   # ended by StopIteration itself
    del it


def test_exit_break(clean):
    for b in DataLoader(Images(300, delay=0.001), batch_size=4, num_workers=2, prefetch_factor=4):
        if b['label'][0].item() >= 8:
            break
    time.sleep(0.2)        # let the workers fill the queue with segments that must be unlinked
    del b


def test_exit_iterator_garbage_collected(clean):
    it = iter(DataLoader(Images(300), batch_size=4, num_workers=2, prefetch_factor=4))
    next(it)
    time.sleep(0.2)
    assert len(segments()) > 0                                            # results queued and not yet read
    del it


def test_exit_exception_in_training_loop(clean):
    def train():
        for b in DataLoader(Images(300), batch_size=4, num_workers=2):
            if b['label'][0].item() == 8:
                raise FloatingPointError('loss is nan')

    with pytest.raises(FloatingPointError):
        train()


def test_exit_worker_crash(clean):
    with pytest.raises(RuntimeError, match='is killed by signal'):
        list(DataLoader(Images(300, kill_at=20), batch_size=4, num_workers=2))


def test_exit_ctrl_c_in_subprocess():
    script = textwrap.dedent('''
        import os, sys, time
        sys.path.insert(0, sys.argv[1])
        from tests.utils.test_dataloader_workers import Images
        from framework.utils.data import DataLoader
        it = iter(DataLoader(Images(10 ** 6, delay=0.002), batch_size=8, num_workers=2, prefetch_factor=4))
        next(it)
        print(' '.join(str(w.pid) for w in it._workers), flush=True)
        for b in it:
            time.sleep(0.05)
    ''')
    p = subprocess.Popen([sys.executable, '-c', script, ROOT], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True, cwd=ROOT)
    try:
        pids = [int(s) for s in p.stdout.readline().split()]
        assert len(pids) == 2
        time.sleep(0.3)
        assert segments(p.pid)                                            # batches in flight
        os.killpg(p.pid, signal.SIGINT)                                    # Ctrl-C: the whole process group
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:                                               # the test failed: leave nothing running
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    assert 'KeyboardInterrupt' in err and p.returncode != 0
    deadline = time.time() + 5
    alive = pids
    while alive and time.time() < deadline:
        alive = [pid for pid in pids if os.path.exists(f'/proc/{pid}') and 'Z' not in _state(pid)]
        time.sleep(0.05)
    assert alive == []
    assert segments(p.pid) == []
    assert 'Traceback' not in err.split('KeyboardInterrupt')[-1]          # the workers printed nothing


def _state(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0]
    except OSError:
        return 'Z'


# ---------------------------------------------------------------------------------------------
# options, as PyTorch validates them

def test_option_errors_match_pytorch():
    torch = torch_or_none()
    cases = [
        (dict(num_workers=0, prefetch_factor=2), ValueError, 'prefetch_factor option could only be specified in '
         'multiprocessing.let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.'),
        (dict(persistent_workers=True), ValueError, 'persistent_workers option needs num_workers > 0'),
        (dict(timeout=-1), ValueError, 'timeout option should be non-negative'),
        (dict(num_workers=1, prefetch_factor=-1), ValueError, 'prefetch_factor option should be non-negative'),
        (dict(multiprocessing_context='fork'), ValueError, 'multiprocessing_context can only be used with '
         'multi-process loading (num_workers > 0), but got num_workers=0'),
        (dict(num_workers=1, multiprocessing_context=3), TypeError, 'multiprocessing_context option should be a '
         'valid context object or a string specifying the start method, but got multiprocessing_context=3'),
    ]
    for kwargs, exc, msg in cases:
        with pytest.raises(exc) as e:
            DataLoader(Images(4), **kwargs)
        assert str(e.value) == msg
        if torch is not None:
            with pytest.raises(exc) as t:
                torch.utils.data.DataLoader(Images(4), **kwargs)
            assert str(t.value) == msg
    with pytest.raises(ValueError, match=r"should specify a valid start method in \[.*'fork'.*\], but got "
                                         r"multiprocessing_context='bad'"):
        DataLoader(Images(4), num_workers=1, multiprocessing_context='bad')
    with pytest.raises(AssertionError, match='^_SingleProcessDataLoaderIter requires timeout == 0$'):
        iter(DataLoader(Images(4), timeout=1))          # as PyTorch: a timeout needs workers


def test_too_many_workers_warns():
    with pytest.warns(UserWarning, match='This DataLoader will create 64 worker processes in total. Our suggested '
                                         'max number of worker in current system is'):
        DataLoader(Images(4), num_workers=64)


def test_pin_memory_without_cuda_warns_and_returns_batches(clean, monkeypatch):
    from framework import _device
    monkeypatch.setattr(_device, 'cupy_module', lambda: None)
    for workers in (0, 1):
        with pytest.warns(UserWarning, match="^'pin_memory' argument is set as true but no accelerator is found, "
                                             "then device pinned memory won't be used.$"):
            batches = list(DataLoader(Images(4), batch_size=2, pin_memory=True, num_workers=workers))
        assert [b['label'].tolist() for b in batches] == [[0, 1], [2, 3]]


def test_pin_memory_copies_through_cupy_pinned_memory(clean, monkeypatch):
    """The CUDA call path with the fake CuPy: every batch array comes out of alloc_pinned_memory."""
    from framework import _device
    from tests.cuda import fakecupy
    pinned = []

    def alloc_pinned_memory(nbytes):
        buf = bytearray(nbytes)
        pinned.append(buf)
        return buf

    monkeypatch.setattr(_device, '_cupy', fakecupy)
    monkeypatch.setattr(fakecupy.cuda, 'alloc_pinned_memory', alloc_pinned_memory, raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for workers in (0, 2):
            pinned.clear()
            it = iter(DataLoader(Images(6), batch_size=3, pin_memory=True, num_workers=workers))
            if workers:                                                     # pinned by a thread of this process
                assert it._pin_memory_thread.is_alive()
            batches = list(it)
            if workers:
                assert not it._pin_memory_thread.is_alive()               # stopped with the workers
            assert len(pinned) == 3 * 2                                    # image, vec and label of 2 batches
            img = batches[1]['image']
            assert isinstance(img, framework.Tensor) and img.device.type == 'cpu'
            owners = [root(b[k].numpy()) for b in batches for k in ('image', 'vec', 'label')]
            assert all(any(o is p for p in pinned) for o in owners)         # each on a pinned buffer of its own
            assert len({id(o) for o in owners}) == 6
            np.testing.assert_array_equal(img.numpy()[:, 0, 0, 0], [3, 4, 5])
            assert batches[1]['label'].tolist() == [3, 4, 5]


def test_pin_memory_thread_passes_errors_and_stops_on_break(clean, monkeypatch):
    from framework import _device
    from tests.cuda import fakecupy
    monkeypatch.setattr(_device, '_cupy', fakecupy)
    monkeypatch.setattr(fakecupy.cuda, 'alloc_pinned_memory', bytearray, raising=False)
    it = iter(DataLoader(Images(20, fail_at=4), batch_size=2, pin_memory=True, num_workers=2))
    assert next(it)['label'].tolist() == [0, 1]
    assert next(it)['label'].tolist() == [2, 3]
    try:
        next(it)
    except ValueError as e:                  # caught here: no traceback left holding the iterator
        assert str(e).startswith('Caught ValueError in DataLoader worker process 0.\n')
    else:
        raise AssertionError('no error')
    assert next(it)['label'].tolist() == [6, 7]                          # the iterator goes on, as PyTorch's
    thread = it._pin_memory_thread
    time.sleep(0.2)
    del it                                                                 # left early: thread, workers, segments
    assert not thread.is_alive()
