"""pin_memory=True: batches copied into page-locked host memory (CuPy's pinned memory pool), which the
GPU reads by DMA, so host-to-device copies run at full bus speed and can be made asynchronous.
On a machine without CUDA the loader warns once per iterator, as PyTorch does, and pins nothing.

With worker processes the copy is made by a thread of the main process (``pin_memory_loop``, as
PyTorch's torch/utils/data/_utils/pin_memory.py), so it overlaps the training step."""
import queue

import numpy as np

from ..._tensor import Tensor, wrap
from ... import _device
from ._shared_memory import _map

NO_ACCELERATOR = ("'pin_memory' argument is set as true but no accelerator is found, then device pinned memory "
                  "won't be used.")


def available():
    return _device.cupy_module() is not None


def _pinned_copy(arr, cp):
    mem = cp.cuda.alloc_pinned_memory(arr.nbytes)
    out = np.frombuffer(mem, dtype=arr.dtype, count=arr.size).reshape(arr.shape)
    np.copyto(out, arr, casting='no')
    return out


def pin_memory(data):
    """``data`` with every host tensor and array copied to pinned memory (containers rebuilt)."""
    cp = _device.cupy_module()

    def leaf(x):
        arr = x._data if isinstance(x, Tensor) else x
        if arr.__class__ not in (np.ndarray, np.memmap) or arr.nbytes == 0 or arr.dtype.hasobject:
            return None
        out = _pinned_copy(arr, cp)
        if not isinstance(x, Tensor):
            return out
        t = wrap(out)
        if x.requires_grad:
            t.requires_grad_(True)
        return t

    return _map(data, leaf, (Tensor, np.ndarray))


def pin_memory_loop(in_queue, out_queue, done_event, unpack, wrapper_type):
    """Take ``(idx, message)`` from the workers' result queue, rebuild the batch from shared memory, pin
    it and pass it on, until ``done_event``. Failures travel on as ``wrapper_type`` (ExceptionWrapper)."""
    from ._worker import MP_STATUS_CHECK_INTERVAL
    while not done_event.is_set():
        try:
            r = in_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
        except queue.Empty:
            continue
        except (EOFError, OSError):          # the queue was closed under us: the iterator is shutting down
            break
        idx, data = r
        if not done_event.is_set() and not isinstance(data, wrapper_type):
            try:
                data = unpack(data)
                if isinstance(data, (Tensor, np.ndarray, list, tuple, dict)):
                    data = pin_memory(data)
            except Exception:
                data = wrapper_type(where='in pin memory thread for device 0')
        while not done_event.is_set():
            try:
                out_queue.put((idx, data), timeout=MP_STATUS_CHECK_INTERVAL)
                break
            except queue.Full:
                continue
        del r, idx, data
