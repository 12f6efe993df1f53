"""Device objects and the array module (NumPy or CuPy) behind each.

CuPy is imported lazily, the first time a CUDA device is asked for, so `framework` works fully
on machines without it. A tensor's device is read off its array's type, never stored.
"""
import numpy as np

_cupy = None          # the cupy module once imported; False when unavailable


def cupy_module():
    """CuPy if it imports and sees a GPU, else None."""
    global _cupy
    if _cupy is None:
        try:
            import cupy
            cupy.cuda.runtime.getDeviceCount()
            _cupy = cupy
        except Exception:
            _cupy = False
    return _cupy or None


class device:
    __slots__ = ('type', 'index')

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, str) and ':' in type:
            type, _, idx = type.partition(':')
            index = int(idx)
        if type not in ('cpu', 'cuda'):
            raise RuntimeError(f'Expected one of cpu, cuda device type at start of device string: {type}')
        self.type = type
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and (
            self.index == other.index or self.type == 'cpu' or None in (self.index, other.index))

    def __hash__(self):
        return hash(self.type)

    def __repr__(self):
        return f"device(type='{self.type}'" + (f', index={self.index})' if self.index is not None else ')')

    def __str__(self):
        return self.type if self.index is None else f'{self.type}:{self.index}'


CPU = device('cpu')
_cuda_devices = {}


def of(array):
    """The device an array lives on."""
    if array.__class__ is np.ndarray:
        return CPU
    idx = array.device.id
    dev = _cuda_devices.get(idx)
    if dev is None:
        dev = _cuda_devices[idx] = device('cuda', idx)
    return dev


def to_device(d):
    if d is None:
        return CPU
    if isinstance(d, int):
        return device('cuda', d)
    return d if isinstance(d, device) else device(d)


def xp_for(d):
    """The array module for a device; a clear error when CUDA is asked for and not there."""
    if d.type == 'cpu':
        return np
    cp = cupy_module()
    if cp is None:
        raise RuntimeError('Torch not compiled with CUDA enabled: framework needs CuPy and an NVIDIA GPU '
                           'for cuda tensors (pip install -e ".[cuda]")')
    return cp


def xp_of(array):
    return np if array.__class__ is np.ndarray else _cupy


def move(array, d):
    """Copy an array to device d (no copy when it is already there)."""
    if d.type == 'cpu':
        return array if array.__class__ is np.ndarray else array.get()
    cp = xp_for(d)
    with cp.cuda.Device(d.index or 0):
        return cp.asarray(array)


def as_array(x):
    """NumPy returns scalars from ufuncs on 0-d arrays; ops always hold arrays."""
    if _cupy and isinstance(x, _cupy.ndarray):
        return x
    return np.asarray(x)


def check_same_device(args):
    """PyTorch's error for one op over tensors on two devices (0-d CPU tensors may join anything)."""
    found = None
    for a in args:
        arr = getattr(a, '_data', None)
        if arr is None or (arr.__class__ is np.ndarray and arr.ndim == 0):
            continue
        d = of(arr)
        if found is None:
            found = d
        elif d != found:
            first, second = (found, d) if found.type == 'cuda' else (d, found)
            raise RuntimeError('Expected all tensors to be on the same device, but found at least two devices, '
                               f'{first} and {second}!')
    return found


def on_one_device(args, arrays):
    """check_same_device, then 0-d CPU arrays moved to the others' GPU (CuPy takes no host arrays)."""
    d = check_same_device(args)
    if d is not None and d.type == 'cuda' and any(a.__class__ is np.ndarray for a in arrays):
        return [move(a, d) if a.__class__ is np.ndarray else a for a in arrays]
    return arrays


def errstate(xp, **kwargs):
    """np.errstate(**kwargs) for NumPy arrays (PyTorch computes inf/nan silently); CuPy never warns.
    With no kwargs: quiet division by zero, invalid values and NumPy's RuntimeWarnings (degrees of freedom,
    empty slices), as PyTorch's reductions are."""
    import contextlib
    if xp is not np:
        return contextlib.nullcontext()
    if kwargs:
        return np.errstate(**kwargs)
    return _Quiet()


class _Quiet:
    def __enter__(self):
        import warnings
        self._np, self._w = np.errstate(divide='ignore', invalid='ignore'), warnings.catch_warnings()
        self._np.__enter__()
        self._w.__enter__()
        warnings.simplefilter('ignore', RuntimeWarning)

    def __exit__(self, *exc):
        self._w.__exit__(*exc)
        self._np.__exit__(*exc)
