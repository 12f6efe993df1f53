"""DataLoader: batches from a dataset through a sampler and a collate function.

With the default collate function and a TensorDataset (or a Subset of one), a batch is taken
with one fancy index per tensor instead of stacking samples one by one: the same tensors,
without a Python loop over the batch.

With ``num_workers > 0`` batches are loaded by worker processes as in PyTorch
(torch/utils/data/dataloader.py): ``_MultiProcessingDataLoaderIter`` keeps ``prefetch_factor *
num_workers`` tasks outstanding, each on one worker's index queue, and takes results from the one
result queue all workers share, in sampler order (``in_order``) or as they come. What runs in the
workers is in _worker.py; how batches cross processes in _shared_memory.py.
"""
import atexit
import collections.abc
import itertools
import multiprocessing
import os
import queue
import threading
import time
import warnings
import weakref

import numpy as np

from ..._tensor import Tensor
from ...creation import tensor as _tensor, as_tensor as _as_tensor, from_numpy as _from_numpy
from ...ops.shape import stack as _stack
from .dataset import IterableDataset
from .sampler import SequentialSampler, RandomSampler, BatchSampler
from ...random import rng as _rng
from . import _pin_memory, _shared_memory, _signal_handling, _worker
from ._worker import get_worker_info, MP_STATUS_CHECK_INTERVAL, ExceptionWrapper  # noqa: F401 (public)

_ERR = 'default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}'


def default_collate(batch):
    """Stack a list of samples into a batch: tensors, NumPy arrays and numbers become tensors with a new
    first dimension; dicts, tuples and lists are collated field by field."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(list(batch), 0)
    t = type(elem)
    if t.__module__ == 'numpy' and t.__name__ not in ('str_', 'string_'):
        if t.__name__ in ('ndarray', 'memmap'):
            if elem.dtype.kind in 'SaUO':
                raise TypeError(_ERR.format(elem.dtype))
            # one np.stack into a new array the tensor takes over: no per-sample tensor, no second copy
            if elem.dtype.isnative and all(b.dtype == elem.dtype and b.shape == elem.shape for b in batch):
                return _from_numpy(np.stack(batch))
            return default_collate([_as_tensor(b) for b in batch])      # PyTorch's errors for mismatches
        if elem.shape == ():
            return _as_tensor(np.asarray(batch))
    if isinstance(elem, bool):
        return _tensor(batch)
    if isinstance(elem, float):
        from ... import _dtype
        return _tensor(batch, dtype=_dtype.float64)
    if isinstance(elem, int):
        return _tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        try:
            return t({key: default_collate([d[key] for d in batch]) for key in elem})
        except TypeError:
            return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, '_fields'):
        return t(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        size = len(next(it))
        if not all(len(e) == size for e in it):
            raise RuntimeError('each element in list of batch should be of equal size')
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(s) for s in transposed]
        try:
            return t([default_collate(s) for s in transposed])
        except TypeError:
            return [default_collate(s) for s in transposed]
    raise TypeError(_ERR.format(t))


def default_convert(data):
    """Like default_collate for a single sample (batch_size=None): NumPy arrays to tensors, recursively."""
    t = type(data)
    if isinstance(data, Tensor):
        return data
    if t.__module__ == 'numpy' and t.__name__ not in ('str_', 'string_'):
        if t.__name__ == 'ndarray' and data.dtype.kind in 'SaUO':
            return data
        return _as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, '_fields'):
        return t(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


class DataLoader:
    """torch.utils.data.DataLoader. ``num_workers=0`` loads in this process; otherwise each ``iter()`` starts
    worker processes (or reuses them, ``persistent_workers``) through ``multiprocessing_context``, by
    default Python's default start method, 'fork' on Linux, as PyTorch."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device='', in_order=True):
        if num_workers < 0:
            raise ValueError('num_workers option should be non-negative; use num_workers=0 to disable '
                             'multiprocessing.')
        if timeout < 0:
            raise ValueError('timeout option should be non-negative')
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError('prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 '
                             'to enable multiprocessing, otherwise set prefetch_factor to None.')
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError('prefetch_factor option should be non-negative')
        if persistent_workers and num_workers == 0:
            raise ValueError('persistent_workers option needs num_workers > 0')
        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self.generator = generator
        self.persistent_workers = persistent_workers
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (False, None):
                raise ValueError(f'DataLoader with IterableDataset: expected unspecified shuffle option, but got '
                                 f'shuffle={shuffle}')
            if sampler is not None:
                raise ValueError(f'DataLoader with IterableDataset: expected unspecified sampler option, but got '
                                 f'sampler={sampler}')
            if batch_sampler is not None:
                raise ValueError(f'DataLoader with IterableDataset: expected unspecified batch_sampler option, but '
                                 f'got batch_sampler={batch_sampler}')
        if sampler is not None and shuffle:
            raise ValueError('sampler option is mutually exclusive with shuffle')
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError('batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and '
                                 'drop_last')
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError('batch_size=None option disables auto-batching and is mutually exclusive with '
                             'drop_last')
        if sampler is None:
            if self._iterable:
                sampler = None
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if batch_size is not None or batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self._iterator = None
        self._IterableDataset_len_called = None
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers <= 0:
                raise ValueError('multiprocessing_context can only be used with multi-process loading '
                                 f'(num_workers > 0), but got num_workers={self.num_workers}')
            if isinstance(context, str):
                valid = multiprocessing.get_all_start_methods()
                if context not in valid:
                    raise ValueError('multiprocessing_context option should specify a valid start method in '
                                     f'{valid!r}, but got multiprocessing_context={context!r}')
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError('multiprocessing_context option should be a valid context object or a string '
                                f'specifying the start method, but got multiprocessing_context={context}')
        self._multiprocessing_context = context

    def check_worker_number_rationality(self):
        """PyTorch's warning when more workers are asked for than CPUs this process may use."""
        if not self.num_workers:
            return
        suggest = _cpu_count()
        cpuset_checked = hasattr(os, 'sched_getaffinity')
        if suggest is None or self.num_workers > suggest:
            if suggest is not None:
                suggested = (f"Our suggested max number of worker in current system is {suggest}"
                             f"{'' if cpuset_checked else ' (`cpuset` is not taken into account)'}, which is smaller "
                             'than what this DataLoader is going to create.')
            else:
                suggested = 'DataLoader is not able to compute a suggested max number of worker in current system.'
            warnings.warn(f'This DataLoader will create {self.num_workers} worker processes in total. {suggested} '
                          'Please be aware that excessive worker creation might get DataLoader running slow or even '
                          'freeze, lower the worker number to avoid potential slowness/freeze if necessary.',
                          stacklevel=3)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                from math import ceil
                n = n // self.batch_size if self.drop_last else ceil(n / self.batch_size)
            self._IterableDataset_len_called = n
            return n
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __iter__(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        if not self.persistent_workers:
            return _MultiProcessingDataLoaderIter(self)
        if self._iterator is None:
            self._iterator = _MultiProcessingDataLoaderIter(self)
        else:
            self._iterator._reset(self)
        return self._iterator

    def _fast_batches(self):
        """True when a batch can be one gather per tensor (dataset._batch) instead of collating samples."""
        bs = self.batch_sampler
        return (self._default_collate and type(bs) is BatchSampler and hasattr(bs.sampler, '_indices')
                and getattr(self.dataset, '_batch', None) is not None)

    def _iter_batches(self):
        ds = self.dataset
        bs = self.batch_sampler
        getitems = getattr(ds, '__getitems__', None)
        fetch = getitems if callable(getitems) else (lambda indices: [ds[i] for i in indices])
        if self._fast_batches():
            fast = ds._batch
            for idx in bs._index_batches():
                batch = fast(idx)
                if batch is None:            # the dataset declined (e.g. its tensors require grad)
                    batch = self.collate_fn(fetch(idx.tolist()))
                yield batch
            return
        for indices in bs:
            yield self.collate_fn(fetch(indices))

    def _iter_iterable(self):
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)


# ---------------------------------------------------------------------------------------------
# iterators

class _BaseDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader.batch_size is not None if loader._iterable else loader._auto_collation
        self._drop_last = loader.drop_last
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn('pin_memory_device is deprecated, the current accelerator will be used as the device,'
                          f"ignore pin_memory_device='{loader.pin_memory_device}'.", stacklevel=3)
        if loader.pin_memory and not _pin_memory.available():
            warnings.warn(_pin_memory.NO_ACCELERATOR, stacklevel=3)
        self._pin_memory = loader.pin_memory and _pin_memory.available()
        # drawn from the loader's generator (or the global one) for every iterator, workers or not, as
        # PyTorch draws it: the same program consumes the same random numbers whatever num_workers is
        self._base_seed = int(_rng(loader.generator).integers(0, 2 ** 63, dtype=np.int64))
        self._num_yielded = 0
        self._len_called = loader._IterableDataset_len_called

    def __iter__(self):
        return self

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if self._iterable and self._len_called is not None and self._num_yielded > self._len_called:
            # PyTorch's hint: with workers, an IterableDataset that does not shard itself is read once per worker
            msg = (f'Length of IterableDataset {self._dataset} was reported to be {self._len_called}(when accessing '
                   f'len(dataloader)), but {self._num_yielded} samples have been fetched. ')
            if self._num_workers > 0:
                msg += ('For multiprocessing data-loading, this could be caused by not properly configuring the '
                        'IterableDataset replica at each worker. Please see '
                        'https://pytorch.org/docs/stable/data.html#torch.utils.data.IterableDataset for examples.')
            warnings.warn(msg, stacklevel=2)
        return data

    def __getstate__(self):
        raise NotImplementedError(f'{type(self).__name__} cannot be pickled')


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError('_SingleProcessDataLoaderIter requires timeout == 0')
        self._loader = loader
        self._reset(loader)

    def _reset(self, loader):
        if loader._iterable:
            self._gen = loader._iter_iterable()
        elif loader.batch_sampler is None:
            self._gen = (loader.collate_fn(loader.dataset[i]) for i in loader.sampler)
        else:
            self._gen = loader._iter_batches()

    def __len__(self):
        return len(self._loader)

    def _next_data(self):
        data = next(self._gen)
        return _pin_memory.pin_memory(data) if self._pin_memory else data


def _index_sampler(loader, auto_collation):
    """The stream of task indices: batches of sample indices, single indices, or for an IterableDataset
    placeholders (one None per sample) that only count how many samples a worker should take."""
    if loader._iterable:
        return itertools.repeat([None] * loader.batch_size if auto_collation else None)
    return iter(loader.batch_sampler if loader._auto_collation else loader.sampler)


_POLL_INTERVAL = 0.1
"""Seconds the main process waits on the result queue before it checks that the workers are alive."""
_shm_counter = itertools.count()
_live_iterators = weakref.WeakSet()
_resources = {}
_atexit_registered = False


def _shutdown_live_iterators():
    """At interpreter exit, before multiprocessing terminates its daemonic children: stop the workers of
    every iterator still alive (persistent ones, or one held by a traceback) and unlink their segments."""
    for it in list(_live_iterators):
        it._shutdown_workers()


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Worker processes fed through one index queue each; results through one shared queue.

    ``_task_info[i]`` is ``(worker_id,)`` while task i is out and ``(worker_id, data)`` once its result
    arrived ahead of its turn; ``_rcvd_idx`` is the next task to return, ``_send_idx`` the next to send.
    """

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise AssertionError('prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter')
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self._shm_prefix = f'fwdl_{os.getpid()}_{next(_shm_counter)}_'
        self._shutdown = False
        self._worker_pids_set = False
        self._worker_result_queue = ctx.Queue()
        self._workers_done_event = ctx.Event()
        self._index_queues, self._workers = [], []
        self._workers_status, self._task_info = [True] * self._num_workers, {}    # (for a failed start's shutdown)
        fast = loader._fast_batches()
        # The queues are also held here, outside the iterator: when an iterator dies in a reference cycle
        # (an exception's traceback holds it), the collector would otherwise finalize its queues first,
        # stopping their feeder threads, and the None that tells a worker to exit would never be sent.
        _resources[id(self)] = (self._worker_result_queue, self._index_queues, self._workers)
        _live_iterators.add(self)
        global _atexit_registered
        if not _atexit_registered:
            atexit.register(_shutdown_live_iterators)
            _atexit_registered = True
        try:
            for i in range(self._num_workers):
                index_queue = ctx.Queue()
                index_queue.cancel_join_thread()
                w = ctx.Process(target=_worker._worker_loop, args=(
                    self._iterable, self._dataset, index_queue, self._worker_result_queue, self._workers_done_event,
                    self._auto_collation, self._collate_fn, self._drop_last, self._base_seed, loader.worker_init_fn,
                    i, self._num_workers, self._persistent_workers, self._shm_prefix, fast))
                w.daemon = True
                w.start()
                self._index_queues.append(index_queue)
                self._workers.append(w)
        except BaseException:
            self._shutdown_workers()
            raise
        if self._pin_memory:
            # the batch is rebuilt from shared memory and copied to pinned memory by a thread of this process
            self._pin_memory_thread_done_event = threading.Event()
            self._data_queue = queue.Queue()
            self._pin_memory_thread = threading.Thread(
                target=_pin_memory.pin_memory_loop, daemon=True,
                args=(self._worker_result_queue, self._data_queue, self._pin_memory_thread_done_event,
                      _shared_memory.unpack, ExceptionWrapper))
            self._pin_memory_thread.start()
        else:
            self._data_queue = self._worker_result_queue
        _signal_handling.set_worker_pids(id(self), [w.pid for w in self._workers])
        _signal_handling.set_sigchld_handler()
        self._worker_pids_set = True
        self._reset(loader, first_iter=True)

    def __len__(self):
        return len(self._loader_ref())

    def _reset(self, loader, first_iter=False):
        self._len_called = loader._IterableDataset_len_called
        self._loader_ref = weakref.ref(loader)       # for len(): a strong one would make a cycle with persistent
        self._sampler_iter = _index_sampler(loader, self._auto_collation)
        self._num_yielded = 0
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers: each acknowledges the new epoch once it has rebuilt its fetcher; results
            # of the previous epoch still in the queue (the loop was left early) are dropped on the way
            for q in self._index_queues:
                q.put(_worker._ResumeIteration())
            remaining = self._num_workers
            while remaining > 0:
                idx, data = self._get_data()
                if isinstance(idx, _worker._ResumeIteration):
                    remaining -= 1
                else:
                    _shared_memory.discard(data)
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _next_index(self):
        return next(self._sampler_iter)

    def _try_get_data(self, timeout=_POLL_INTERVAL):
        try:
            return True, self._data_queue.get(timeout=timeout)
        except queue.Empty:
            pass
        # The SIGCHLD handler reports a dead worker at once, but only when the signal interrupts this
        # thread (it may go to a queue's feeder thread): look for dead workers at every poll as well.
        try:
            _signal_handling.error_if_any_worker_fails([w.pid for w in self._workers])
        except RuntimeError:
            self._shutdown_workers()
            raise
        failed = []
        for worker_id, w in enumerate(self._workers):
            if self._workers_status[worker_id] and not w.is_alive():
                failed.append(w)
                self._mark_worker_as_unavailable(worker_id)
        if failed:
            self._shutdown_workers()
            pids = ', '.join(str(w.pid) for w in failed)
            raise RuntimeError(f'DataLoader worker (pid(s) {pids}) exited unexpectedly')
        return False, None

    def _get_data(self):
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        try:
            while True:
                wait = _POLL_INTERVAL if deadline is None else max(0.0, min(_POLL_INTERVAL,
                                                                             deadline - time.monotonic()))
                success, data = self._try_get_data(wait)
                if success:
                    return data
                if self._pin_memory and not self._pin_memory_thread.is_alive():
                    raise RuntimeError('Pin memory thread exited unexpectedly')
                if deadline is not None and time.monotonic() >= deadline:
                    raise RuntimeError(f'DataLoader timed out after {self._timeout} seconds')
        except RuntimeError as e:
            if str(e).startswith('DataLoader worker (pid '):   # raised by the SIGCHLD handler: a worker died
                self._shutdown_workers()
            raise

    def _next_data(self):
        while True:
            # skip tasks of workers that ended (an IterableDataset replica ran out) and have no data
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            if self._shutdown or self._tasks_outstanding <= 0:
                raise AssertionError('Invalid iterator state: shutdown or no outstanding tasks when fetching next '
                                     'data')
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._iterable and isinstance(data, _worker._IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        if self._tasks_outstanding >= max_tasks:
            raise AssertionError('Number of outstanding tasks exceeded maximum allowed tasks')
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):      # the next active worker (in_order=False: one not too far ahead)
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_queue_idx] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._index_queues[worker_queue_idx].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._workers_num_tasks[worker_queue_idx] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data if self._pin_memory else _shared_memory.unpack(data)   # the pin thread unpacked it

    def _mark_worker_as_unavailable(self, worker_id, shutdown=False):
        """The worker gets ``None`` and exits once its queue is drained; no more tasks go to it."""
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        """Stop the workers and unlink every segment not handed over. Safe to call more than once, and from
        __del__ and atexit: it only touches this iterator's own processes and names."""
        if self._shutdown:
            return
        self._shutdown = True
        _live_iterators.discard(self)
        if self._worker_pids_set:       # first: a dead worker must not raise again from SIGCHLD while we join
            _signal_handling.remove_worker_pids(id(self))
            self._worker_pids_set = False
        try:
            if hasattr(self, '_pin_memory_thread'):
                self._pin_memory_thread_done_event.set()
                self._worker_result_queue.put((None, None))      # wakes the thread up if it waits
                self._pin_memory_thread.join()
            self._workers_done_event.set()
            for worker_id in range(len(self._workers)):
                if self._persistent_workers or self._workers_status[worker_id]:
                    self._mark_worker_as_unavailable(worker_id, shutdown=True)
            for w in self._workers:
                w.join(timeout=MP_STATUS_CHECK_INTERVAL)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=MP_STATUS_CHECK_INTERVAL)
            self._worker_result_queue.cancel_join_thread()
            self._worker_result_queue.close()
            _shared_memory.cleanup(self._shm_prefix)   # results never unpacked, queued or held in _task_info
            self._task_info = {}
            _resources.pop(id(self), None)

    def __del__(self):
        if '_workers' in self.__dict__:
            self._shutdown_workers()
