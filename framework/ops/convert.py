"""Copies across dtypes and devices (`to`, `float()`, `cuda()`), `clone`, `contiguous`."""
from .. import _device
from ..autograd.function import Op


class ToCopy(Op):
    @staticmethod
    def forward(ctx, a, dtype=None, device=None, copy=False):
        ctx.in_dtype, ctx.in_device = a.dtype, _device.of(a)
        out = a
        if device is not None and _device.of(a) != device:
            out = _device.move(out, device)
        if dtype is not None and out.dtype != dtype:
            out = out.astype(dtype)
        elif copy and out is a:
            out = a.copy()
        return out

    @staticmethod
    def backward(ctx, g):
        return to_copy(g, dtype=None, device=ctx.in_device).to(_dtype_of(ctx.in_dtype))


def _dtype_of(np_dtype):
    from .._dtype import FROM_NP
    return FROM_NP[np_dtype]


def to_copy(t, dtype=None, device=None, copy=False):
    """`t.to(dtype, device)`: the same tensor when nothing changes (unless copy), as PyTorch."""
    np_dt = dtype.np if dtype is not None else None
    same_dtype = np_dt is None or t._data.dtype == np_dt
    same_device = device is None or _device.of(t._data) == device
    if same_dtype and same_device and not copy:
        return t
    if device is not None and device.type == 'cuda':
        _device.xp_for(device)                      # a clear error when CUDA is not there
    return ToCopy.apply(t, dtype=np_dt, device=device, copy=copy)


class Clone(Op):
    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, g):
        return g


def clone(input, *, memory_format=None):
    return Clone.apply(input)


def contiguous(input, memory_format=None):
    if input._data.flags.c_contiguous:
        return input
    return Clone.apply(input)


def view_as_dtype(input, dtype):
    from .. import _dtype
    d = _dtype.to_dtype(dtype)
    from .._tensor import wrap
    from .shape import as_view
    a = input._data
    if a.dtype.itemsize != d.itemsize:
        if a.ndim == 0:
            raise RuntimeError('self.dim() cannot be 0 to view ' + str(input.dtype).replace('framework.', '')
                               + ' as ' + str(d).replace('framework.', '') + ' (different element sizes)')
        try:
            return as_view(wrap(a.view(d.np)), input)
        except ValueError:
            raise RuntimeError('self.stride(-1) must be 1 to view ' + str(input.dtype).replace('framework.', '')
                               + ' as ' + str(d).replace('framework.', '') + ' (different element sizes), '
                               'or the last dimension size must be divisible by the ratio') from None
    return as_view(wrap(a.view(d.np)), input)
