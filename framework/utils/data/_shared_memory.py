"""Batches from worker processes through POSIX shared memory instead of a pickled byte stream.

A worker copies every array of a batch (tensors' arrays and NumPy arrays, at least ``MIN_BYTES``
each) into one new segment and sends only its name and the arrays' layout. The main process maps
the segment, unlinks its name at once, and builds the arrays on the mapping: no copy, and nothing
left in /dev/shm; the memory is returned when the last array on it is freed (the mmap object closes
with its last buffer). A segment whose name never reaches the main process (a worker killed between
creating and sending it, a message still in the queue at shutdown) is found by its name prefix,
unique to one iterator, and unlinked when the iterator shuts down (``cleanup``).

Python's ``multiprocessing.shared_memory.SharedMemory`` is not used: it registers every segment with
a resource-tracker process, which would warn about (and unlink) segments that were handed over.
"""
import collections.abc
import mmap
import os

import numpy as np

try:
    import _posixshmem
except ImportError:           # Windows: batches are pickled through the queue
    _posixshmem = None

MIN_BYTES = 1024
"""Smaller arrays travel pickled with the message: a segment costs a few system calls."""
_ALIGN = 64
_SHM_DIR = '/dev/shm'


class _Array:
    """Where one array lies in the segment."""
    __slots__ = ('offset', 'shape', 'dtype', 'tensor', 'requires_grad')

    def __init__(self, offset, shape, dtype, tensor, requires_grad):
        self.offset, self.shape, self.dtype = offset, shape, dtype
        self.tensor, self.requires_grad = tensor, requires_grad

    def __getstate__(self):
        return self.offset, self.shape, self.dtype, self.tensor, self.requires_grad

    def __setstate__(self, state):
        self.offset, self.shape, self.dtype, self.tensor, self.requires_grad = state


class Packed:
    """A batch whose arrays are in the segment ``name`` (``size`` bytes); ``tree`` holds _Array stand-ins."""
    __slots__ = ('name', 'size', 'tree')

    def __init__(self, name, size, tree):
        self.name, self.size, self.tree = name, size, tree

    def __getstate__(self):
        return self.name, self.size, self.tree

    def __setstate__(self, state):
        self.name, self.size, self.tree = state


def available():
    return _posixshmem is not None


def _map(data, leaf, leaf_types):
    """``data`` with every instance of ``leaf_types`` replaced by leaf(x) (None keeps it), containers
    rebuilt as default_collate builds them."""
    if isinstance(data, leaf_types):
        out = leaf(data)
        return data if out is None else out
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        items = {k: _map(v, leaf, leaf_types) for k, v in data.items()}
        try:
            return type(data)(items)
        except TypeError:
            return items
    if isinstance(data, tuple) and hasattr(data, '_fields'):
        return type(data)(*(_map(v, leaf, leaf_types) for v in data))
    if isinstance(data, tuple):
        return tuple(_map(v, leaf, leaf_types) for v in data)
    if isinstance(data, list):
        return [_map(v, leaf, leaf_types) for v in data]
    return data


def pack(data, name):
    """In a worker: the message for ``data``, its large CPU arrays copied into a new segment ``name``."""
    if _posixshmem is None:
        return data
    from ..._tensor import Tensor
    arrays, size = [], 0

    def plan(x):
        nonlocal size
        arr = x._data if isinstance(x, Tensor) else x
        if type(arr) not in (np.ndarray, np.memmap) or arr.nbytes < MIN_BYTES or arr.dtype.hasobject:
            return None
        offset = size
        size = offset + (arr.nbytes + _ALIGN - 1) // _ALIGN * _ALIGN
        arrays.append((offset, arr))
        return _Array(offset, arr.shape, arr.dtype.str, isinstance(x, Tensor),
                      bool(isinstance(x, Tensor) and x.requires_grad))

    tree = _map(data, plan, (Tensor, np.ndarray))
    if not arrays:
        return data
    fd = _posixshmem.shm_open('/' + name, os.O_CREAT | os.O_EXCL | os.O_RDWR, mode=0o600)
    try:
        os.ftruncate(fd, size)
        mm = mmap.mmap(fd, size)
    finally:
        os.close(fd)
    try:
        for offset, arr in arrays:
            dst = np.frombuffer(mm, dtype=arr.dtype, count=arr.size, offset=offset).reshape(arr.shape)
            np.copyto(dst, arr, casting='no')
            del dst
    finally:
        mm.close()
    return Packed(name, size, tree)


def unpack(msg, copy=False):
    """In the main process: the batch a worker packed. The segment's name is unlinked here; with
    ``copy`` the arrays are copied out and the mapping closed (the default keeps the mapping, which
    lives exactly as long as the arrays on it)."""
    if not isinstance(msg, Packed):
        return msg
    from ..._tensor import wrap
    fd = _posixshmem.shm_open('/' + msg.name, os.O_RDWR, mode=0o600)
    try:
        mm = mmap.mmap(fd, msg.size)
    finally:
        os.close(fd)
        _posixshmem.shm_unlink('/' + msg.name)

    def build(a):
        dtype = np.dtype(a.dtype)
        count = int(np.prod(a.shape, dtype=np.int64))
        arr = np.frombuffer(mm, dtype=dtype, count=count, offset=a.offset).reshape(a.shape)
        if copy:
            arr = arr.copy()
        if not a.tensor:
            return arr
        t = wrap(arr)
        if a.requires_grad:
            t.requires_grad_(True)
        return t

    try:
        return _map(msg.tree, build, _Array)
    finally:
        if copy:
            mm.close()


def discard(msg):
    """Unlink the segment of a message that will not be used (drained at shutdown)."""
    if isinstance(msg, Packed):
        try:
            _posixshmem.shm_unlink('/' + msg.name)
        except OSError:
            pass


def cleanup(prefix):
    """Unlink every segment whose name starts with ``prefix``: those created by an iterator's workers
    that never reached the main process. Linux lists them in /dev/shm; elsewhere nothing to list."""
    if _posixshmem is None or not os.path.isdir(_SHM_DIR):
        return
    try:
        names = os.listdir(_SHM_DIR)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix):
            try:
                _posixshmem.shm_unlink('/' + name)
            except OSError:
                pass
