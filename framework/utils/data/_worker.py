"""What runs inside a DataLoader worker process (torch/utils/data/_utils/worker.py and fetch.py).

A worker takes ``(task index, sampler indices)`` from its own index queue, fetches and collates the
batch, moves its arrays into shared memory (_shared_memory.py) and puts ``(task index, message)`` on
the result queue that all workers share. ``None`` on the index queue ends the loop; a
``_ResumeIteration`` starts a new epoch of a persistent worker. Everything here is module-level so
that 'spawn' and 'forkserver' contexts can pickle it.
"""
import os
import queue
import random
import signal
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from . import _shared_memory

MP_STATUS_CHECK_INTERVAL = 5.0
"""Seconds between checks, in a worker, that the main process is still alive (and, in the main
process, that the workers are): PyTorch's interval."""

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """torch.utils.data.get_worker_info()'s answer inside a worker."""
    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """In a DataLoader worker: its id, num_workers, seed and its copy of the dataset (an IterableDataset
    uses them to read only its own shard). In the main process: None."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's IterableDataset replica is exhausted."""
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to persistent workers at the start of an epoch; echoed back once the worker has reset."""


class KeyErrorMessage(str):
    """A KeyError prints repr() of its message; this keeps the traceback's newlines readable."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception with its formatted traceback, picklable, to re-raise in the main process."""

    def __init__(self, exc_info=None, where='in background'):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = ''.join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f'Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}'
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, 'message', None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            # the traceback holds this frame: without this, exception -> traceback -> frame -> exception
            # would be a cycle, and the iterator up the stack would live (workers and all) until a collection
            del exception


class ManagerWatchdog:
    """Notices that the main process died: the worker is then re-parented and getppid() changes."""

    def __init__(self):
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self):
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


def _generate_state(base_seed, worker_id):
    """The 4 x 32-bit NumPy seed PyTorch derives for a worker (NumPy's SeedSequence hashing, written out
    so that two workers never share a legacy np.random stream)."""
    INIT_A, MULT_A, INIT_B, MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
    MIX_MULT_L, MIX_MULT_R, XSHIFT, MASK32 = 0xCA01F9DD, 0x4973F715, 16, 0xFFFFFFFF
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    pool = [0] * 4
    hash_const_a = INIT_A

    def hash(value):
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & MASK32
        hash_const_a = (hash_const_a * MULT_A) & MASK32
        value = (value * hash_const_a) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x, y):
        result = (((MIX_MULT_L * x) & MASK32) - ((MIX_MULT_R * y) & MASK32)) & MASK32
        return (result ^ (result >> XSHIFT)) & MASK32

    for i in range(4):
        pool[i] = hash(entropy[i])
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash(pool[i_src]))
    hash_const_b = INIT_B
    state = []
    for i_dst in range(4):
        value = (pool[i_dst] ^ hash_const_b) & MASK32
        hash_const_b = (hash_const_b * MULT_B) & MASK32
        value = (value * hash_const_b) & MASK32
        state.append((value ^ (value >> XSHIFT)) & MASK32)
    return state


# ---------------------------------------------------------------------------------------------
# fetchers: one batch (or sample) from the dataset, collated

class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last, fast=False):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        self.fast_batch = getattr(dataset, '_batch', None) if fast else None

    def fetch(self, index):
        if self.auto_collation:
            if self.fast_batch is not None:          # TensorDataset & default collate: one gather per tensor
                batch = self.fast_batch(np.asarray(index, dtype=np.int64))
                if batch is not None:
                    return batch
            getitems = getattr(self.dataset, '__getitems__', None)
            data = getitems(index) if getitems else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last, fast=False):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        self.drop_last = drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last, fast=False):
    """``fast``: the loader's default collate over a TensorDataset-like ``_batch`` (see DataLoader)."""
    cls = _IterableDatasetFetcher if iterable else _MapDatasetFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last, fast)


# ---------------------------------------------------------------------------------------------
# the loop

def _seed_worker(seed, base_seed, worker_id):
    """PyTorch's per-worker seeds: Python's random and framework's generator get base_seed + worker_id,
    NumPy's legacy global generator the hashed state. Only the CPU generator is touched: CUDA must not
    be initialised in a forked child."""
    from ...random import default_generator
    random.seed(seed)
    default_generator.manual_seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))


def _worker_loop(iterable, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn, drop_last,
                 base_seed, init_fn, worker_id, num_workers, persistent_workers, shm_prefix, fast):
    """Serve tasks until ``None`` arrives or the main process is gone. Every exception the dataset,
    collate_fn or worker_init_fn raise is sent back wrapped; the first task after a failed
    worker_init_fn gets that failure."""
    try:
        # Ctrl-C reaches every process of the terminal's group: the main process handles it (and shuts
        # the workers down); a worker must not die with a KeyboardInterrupt traceback of its own.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        seed = base_seed + worker_id
        _seed_worker(seed, base_seed, worker_id)
        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        where = f'in DataLoader worker process {worker_id}'
        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last, fast)
        except Exception:
            init_exception = ExceptionWrapper(where=where)
        iteration_end = False
        counter = 0
        watchdog = ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                try:
                    fetcher = create_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last, fast)
                except Exception:
                    init_exception = ExceptionWrapper(where=where)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=where)
            if not isinstance(data, (ExceptionWrapper, _IterableDatasetStopIteration)):
                try:
                    counter += 1
                    data = _shared_memory.pack(data, f'{shm_prefix}{worker_id}_{counter}')
                except Exception:
                    data = ExceptionWrapper(where=where)
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        # the main process is shutting down and may not read what is still buffered: exit without
        # flushing it (the segments those messages name are unlinked by the main process's cleanup)
        data_queue.cancel_join_thread()
        data_queue.close()
