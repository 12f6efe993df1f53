"""A stand-in for CuPy on machines without a GPU, so the device logic is tested everywhere.

Its arrays are NumPy arrays of a distinct class, which `framework` takes for device arrays, as
it takes CuPy's. It behaves like CuPy where the framework could go wrong:
- results stay device arrays, 0-d results included (CuPy never returns NumPy scalars);
- a ufunc or function given a host array (0-d included: CuPy takes only Python and NumPy scalars)
  raises CuPy's TypeError;
- copies to the host are counted in `transfers`: explicit ones (`.get()`, `asnumpy`) and the
  implicit syncs (`float()`, `int()`, `bool()`, `item()`, `tolist()`), so a test can assert that
  the hot path (ops, engine, optimizer step) never leaves the device.
"""
import contextlib
import sys
import types

import numpy as np

transfers = [0]


class _Dev:
    id = 0


class ndarray(np.ndarray):
    __array_priority__ = 100

    @property
    def device(self):
        return _Dev

    @property
    def data(self):              # CuPy's MemoryPointer, as far as framework reads it
        return types.SimpleNamespace(ptr=self.__array_interface__['data'][0])

    def get(self):
        transfers[0] += 1
        return np.array(self.view(np.ndarray))

    def _synced(name):
        def to_host(self, *args):
            transfers[0] += 1
            return getattr(np.ndarray, name)(self.view(np.ndarray), *args)
        return to_host
    __float__, __int__, __bool__, __index__, __complex__ = map(
        _synced, ('__float__', '__int__', '__bool__', '__index__', '__complex__'))
    item, tolist = _synced('item'), _synced('tolist')
    del _synced

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        return arr.view(ndarray) if isinstance(arr, np.ndarray) else np.asarray(arr).view(ndarray)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _no_host(inputs + kwargs.get('out', ()), ufunc.__name__)
        args = [x.view(np.ndarray) if isinstance(x, ndarray) else x for x in inputs]
        if 'out' in kwargs:
            kwargs['out'] = tuple(x.view(np.ndarray) if isinstance(x, ndarray) else x for x in kwargs['out'])
        r = getattr(ufunc, method)(*args, **kwargs)
        return _dev(r)

    def __getitem__(self, idx):
        return _dev(np.ndarray.__getitem__(self, _host_index(idx)))

    def __setitem__(self, idx, value):
        if value.__class__ is np.ndarray and value.ndim > 0:
            raise TypeError("Unsupported type <class 'numpy.ndarray'>")
        np.ndarray.__setitem__(self, _host_index(idx), value)


def _no_host(args, name):
    for x in args:
        if x.__class__ is np.ndarray or (x.__class__ in (list, tuple) and any(y.__class__ is np.ndarray for y in x)):
            raise TypeError(f"Unsupported type <class 'numpy.ndarray'> ({name} mixes host and device arrays)")


def _host_index(idx):
    if isinstance(idx, tuple):
        return tuple(i.view(np.ndarray) if isinstance(i, ndarray) else i for i in idx)
    return idx.view(np.ndarray) if isinstance(idx, ndarray) else idx


def _dev(r):
    if isinstance(r, tuple):
        return tuple(_dev(x) for x in r)
    if isinstance(r, ndarray):
        return r
    if isinstance(r, np.ndarray):
        return r.view(ndarray)
    if isinstance(r, (np.generic, int, float, bool)):
        return np.asarray(r).view(ndarray)
    return r


def asarray(a, dtype=None, order=None):
    if isinstance(a, ndarray):
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    return np.array(a, dtype=dtype, order=order).view(ndarray)


array = asarray


def asnumpy(a):
    transfers[0] += 1
    return np.array(a.view(np.ndarray)) if isinstance(a, ndarray) else np.asarray(a)


def get_array_module(*args):
    return sys.modules[__name__]


def __getattr__(name):
    """Everything else: NumPy's function of that name, its array results on the device."""
    fn = getattr(np, name)
    if not callable(fn) or isinstance(fn, type):
        return fn

    def on_device(*args, **kwargs):
        _no_host(args, name)
        return _dev(fn(*args, **kwargs))
    on_device.__name__ = name
    return on_device


# ---- cupy.cuda, cupy.random and cupyx, as far as framework uses them ----
class _Device(contextlib.nullcontext):
    compute_capability = '90'          # an H100's: TF32 there (read by framework.backends.cudnn.allow_tf32)


cuda = types.SimpleNamespace(
    runtime=types.SimpleNamespace(getDeviceCount=lambda: 1, getDevice=lambda: 0),
    Device=lambda i=0: _Device(),
    Stream=types.SimpleNamespace(null=types.SimpleNamespace(synchronize=lambda: None)),
)
random = types.SimpleNamespace(seed=lambda s=None: None)
cupyx = types.SimpleNamespace(scatter_add=lambda a, idx, v: np.add.at(
    a.view(np.ndarray), _host_index(idx), v.view(np.ndarray) if isinstance(v, ndarray) else v))

# dtypes and constants that code reads as attributes of the module
float16, float32, float64 = np.float16, np.float32, np.float64
int8, int16, int32, int64, uint8, bool_ = np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_
pi, e, inf, nan, newaxis = np.pi, np.e, np.inf, np.nan, np.newaxis
lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
    as_strided=lambda x, shape=None, strides=None: _dev(np.lib.stride_tricks.as_strided(x, shape, strides))))
