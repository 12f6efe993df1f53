"""DataLoader: batches from a dataset through a sampler and a collate function.

With the default collate function and a TensorDataset (or a Subset of one), a batch is taken
with one fancy index per tensor instead of stacking samples one by one: the same tensors,
without a Python loop over the batch.
"""
import collections.abc

import numpy as np

from ..._tensor import Tensor
from ...creation import tensor as _tensor, as_tensor as _as_tensor
from ...ops.shape import stack as _stack
from .dataset import IterableDataset
from .sampler import SequentialSampler, RandomSampler, BatchSampler

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
            return default_collate([_as_tensor(b) for b in batch])
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


def get_worker_info():
    return None


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device='', in_order=True):
        if num_workers < 0:
            raise ValueError('num_workers option should be non-negative; use num_workers=0 to disable '
                             'multiprocessing.')
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.prefetch_factor = prefetch_factor
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

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                from math import ceil
                n = n // self.batch_size if self.drop_last else ceil(n / self.batch_size)
            return n
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __iter__(self):
        if self._iterable:
            return self._iter_iterable()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return self._iter_batches()

    def _iter_batches(self):
        ds = self.dataset
        bs = self.batch_sampler
        getitems = getattr(ds, '__getitems__', None)
        fetch = getitems if callable(getitems) else (lambda indices: [ds[i] for i in indices])
        fast = getattr(ds, '_batch', None) if (self._default_collate and type(bs) is BatchSampler and
                                                hasattr(bs.sampler, '_indices')) else None
        if fast is not None:
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

