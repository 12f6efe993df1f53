"""Creating tensors: tensor, from_numpy, zeros/ones/full/eye/arange/linspace/empty, rand/randn/randint
and their *_like forms. Python floats become the default dtype (float32), ints int64, as in PyTorch."""
import numpy as np

from . import _dtype, _device
from ._tensor import Tensor, wrap, _to_numpy_data, ONLY_FLOATING
from .random import rng as _rng


def _resolve(dtype, device, fallback=None):
    d = _dtype.to_dtype(dtype) if dtype is not None else (fallback or _dtype.get_default_dtype())
    dev = _device.to_device(device)
    return d, dev, _device.xp_for(dev)


def _finish(arr, requires_grad):
    t = wrap(arr)
    if requires_grad:
        if arr.dtype.kind not in 'fc':
            raise RuntimeError(ONLY_FLOATING)
        t._rg = True
    return t


def _infer_dtype(data):
    """The dtype PyTorch infers for Python data: bool < int64 < default float, NumPy arrays keep theirs."""
    if isinstance(data, (np.ndarray, np.generic)):
        d = _dtype.FROM_NP.get(np.asarray(data).dtype)
        if d is None:
            raise TypeError(f"can't convert np.ndarray of type {np.asarray(data).dtype}. The only supported types "
                            'are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool.')
        return d
    arr = np.asarray(data)
    k = arr.dtype.kind
    if k == 'b':
        return _dtype.bool_
    if k in 'iu':
        return _dtype.int64
    if k == 'f':
        return _dtype.get_default_dtype()
    raise TypeError(f'Could not infer dtype of {type(data).__name__}')


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    if isinstance(data, Tensor):
        src = data._data
        d = _dtype.to_dtype(dtype) if dtype is not None else _dtype.FROM_NP[src.dtype]
        dev = _device.to_device(device) if device is not None else _device.of(src)
        arr = _device.move(src, dev).astype(d.np, copy=True)
        return _finish(arr, requires_grad)
    if hasattr(data, '__cuda_array_interface__') and not isinstance(data, np.ndarray):
        d = _dtype.to_dtype(dtype) if dtype is not None else _dtype.FROM_NP[data.dtype]
        dev = _device.to_device(device) if device is not None else _device.of(data)
        return _finish(_device.move(data, dev).astype(d.np, copy=True), requires_grad)
    data = _to_numpy_data(data)
    d = _dtype.to_dtype(dtype) if dtype is not None else _infer_dtype(data)
    dev = _device.to_device(device)
    try:
        arr = np.array(data, dtype=d.np)
    except (ValueError, OverflowError):
        raise RuntimeError(f'value cannot be converted to type {d.np.name} without overflow') from None
    if dev.type != 'cpu':
        arr = _device.move(arr, dev)
    return _finish(arr, requires_grad)


as_tensor = tensor


def from_numpy(ndarray):
    """Shares memory with the array, as PyTorch does."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f'expected np.ndarray (got {type(ndarray).__name__})')
    _infer_dtype(ndarray)
    return wrap(ndarray)


def _size(size, name=None):
    if not size and name is not None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    for s in size:
        if s < 0:
            if name == 'zeros':
                raise RuntimeError('zeros: Dimension size must be non-negative.')
            raise RuntimeError(f'Trying to create tensor with negative dimension {s}: {list(size)}')
    return size


def _fill_value(value, d):
    """A number stored into an integer dtype must fit, as PyTorch checks (nan and inf do not)."""
    if d.np.kind in 'iu' and isinstance(value, float) and not np.isfinite(value):
        raise RuntimeError('value cannot be converted to type int64_t without overflow')
    return value


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    d, dev, xp = _resolve(dtype, device)
    return _finish(xp.zeros(_size(size, 'zeros'), dtype=d.np), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    d, dev, xp = _resolve(dtype, device)
    return _finish(xp.ones(_size(size, 'ones'), dtype=d.np), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, memory_format=None):
    d, dev, xp = _resolve(dtype, device)
    return _finish(xp.empty(_size(size, 'empty'), dtype=d.np), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = _infer_dtype(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    d, dev, xp = _resolve(dtype, device)
    size = _size((size,) if isinstance(size, int) else (size,))
    return _finish(xp.full(size, _fill_value(fill_value, d), dtype=d.np), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    d, dev, xp = _resolve(dtype, device)
    for v in (n, m):
        if v is not None and v < 0:
            raise RuntimeError(f'{"n" if v is n else "m"} must be greater or equal to 0, got {v}')
    return _finish(xp.eye(n, m, dtype=d.np), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    fallback = _dtype.int64 if all(isinstance(v, int) for v in vals) else None
    d, dev, xp = _resolve(dtype, device, fallback)
    if vals[2] != 0 and (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError('upper bound and lower bound inconsistent with step sign')
    if d.np.kind in 'iub':
        if vals[2] != 0 and int(vals[2]) == 0:
            raise ValueError('step must be nonzero')     # a fractional step that truncates to 0 (PyTorch's int64)
        vals = [int(v) for v in vals]       # PyTorch casts the bounds and step to the integer type first
    if vals[2] == 0:
        raise RuntimeError('step must be nonzero')
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError('upper bound and lower bound inconsistent with step sign')
    return _finish(xp.arange(*vals, dtype=np.float64 if fallback is None else np.int64).astype(d.np), requires_grad)


def _steps(steps):
    if steps < 0:
        raise RuntimeError('number of steps must be non-negative')
    return int(steps)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    d, dev, xp = _resolve(dtype, device)
    steps = _steps(steps)
    work = d.np if d.is_floating_point else np.dtype(np.float64)
    if not d.is_floating_point:
        start, end = int(start), int(end)       # PyTorch: integer output, integer bounds
    return _finish(_linspace(xp, start, end, int(steps), work).astype(d.np), requires_grad)


def _linspace(xp, start, end, steps, dt=np.dtype(np.float64)):
    """PyTorch's kernel, in the output dtype: the first half counts up from start, the second half
    down from end, so both ends are exact. PyTorch's CPU build computes each value with one fused
    multiply-add; a wider type emulates it, so float32 values match PyTorch's bit for bit."""
    if steps <= 1:
        return xp.asarray([start] * steps, dtype=dt)
    start, end = dt.type(start), dt.type(end)
    step = (end - start) / dt.type(steps - 1)
    if dt.itemsize < 4:
        i = xp.arange(steps, dtype=dt)
        return xp.where(i < steps // 2, start + step * i, end - step * (dt.type(steps - 1) - i))
    wide = np.float64 if dt.itemsize == 4 else np.longdouble
    i = np.arange(steps, dtype=wide)
    up = wide(start) + wide(step) * i
    down = wide(end) - wide(step) * (wide(steps - 1) - i)
    out = np.where(i < steps // 2, up, down).astype(dt)
    return out if xp is np else xp.asarray(out)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    d, dev, xp = _resolve(dtype, device)
    steps = _steps(steps)
    if not d.is_floating_point and steps > 1:    # (PyTorch's one-step logspace keeps the fractional start)
        start, end = int(start), int(end)
    return _finish((base ** _linspace(xp, float(start), float(end), steps)).astype(d.np), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    d, dev, xp = _resolve(dtype, device)
    _size(size, 'rand')
    _random_dtype(d, 'check_uniform_bounds')
    arr = _rng(generator).random(_size(size, 'rand'), dtype=np.float64).astype(d.np)
    return _finish(_device.move(arr, dev) if dev.type != 'cpu' else arr, requires_grad)


def _numel(size):
    n = 1
    for s in size:
        n *= int(s)
    return n


def _random_dtype(d, kernel):
    if not d.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_dtype.scalar_name(d.np)}\'')


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    d, dev, xp = _resolve(dtype, device)
    if _numel(_size(size, 'randn')):           # (PyTorch's normal_ checks the dtype only when there is work)
        _random_dtype(d, 'normal_kernel_cpu')
    arr = _rng(generator).standard_normal(_size(size, 'randn')).astype(d.np)
    return _finish(_device.move(arr, dev) if dev.type != 'cpu' else arr, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    d, dev, xp = _resolve(dtype, device, _dtype.int64)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = _rng(generator).integers(low, high, size=_size((size,)) if size is not None else ()).astype(d.np)
    return _finish(_device.move(arr, dev) if dev.type != 'cpu' else arr, requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    d, dev, xp = _resolve(dtype, device, _dtype.int64)
    arr = _rng(generator).permutation(n).astype(d.np)
    return _finish(_device.move(arr, dev) if dev.type != 'cpu' else arr, requires_grad)


def _like(fn):
    def like(input, dtype=None, device=None, requires_grad=False, memory_format=None, **kw):
        return fn(input._data.shape, dtype=dtype or _dtype.FROM_NP[input._data.dtype],
                  device=device or _device.of(input._data), requires_grad=requires_grad, **kw)
    like.__name__ = fn.__name__ + '_like'
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)
rand_like = _like(rand)
randn_like = _like(randn)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return full(input._data.shape, fill_value, dtype=dtype or _dtype.FROM_NP[input._data.dtype],
                device=device or _device.of(input._data), requires_grad=requires_grad)
