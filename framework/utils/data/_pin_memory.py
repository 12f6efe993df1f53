"""pin_memory=True: batches copied into page-locked host memory (CuPy's pinned memory pool), which the
GPU reads by DMA, so host-to-device copies run at full bus speed and can be made asynchronous.
On a machine without CUDA the loader warns once per iterator, as PyTorch does, and pins nothing."""
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
