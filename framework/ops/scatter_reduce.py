"""scatter_reduce / scatter_reduce_: src reduced into input along dim by 'sum', 'prod', 'mean', 'amax' or
'amin', with or without input's own values (include_self).

Backward is PyTorch's (scatter_reduce_backward in FunctionsManual.cpp): amax/amin share the gradient
evenly among every value equal to the result; prod divides the result by each factor, with zeros
handled by recomputing the product without them (itself a scatter_reduce, so the formula has a second
derivative); with include_self=False the positions written by src give input no gradient.
"""
import numpy as np

from .. import _device
from ..autograd.function import Op
from .._tensor import Tensor, wrap
from .indexing import Gather, _check_index_tensor, along
from .shape import _wrap_dim

_REDUCES = ('sum', 'prod', 'mean', 'amax', 'amin')


def _ufunc_at(xp, name, out, idx, src):
    if xp is np:
        getattr(np, name).at(out, idx, src)
        return
    import cupyx
    if name == 'add':
        cupyx.scatter_add(out, idx, src)
    elif name == 'maximum':
        cupyx.scatter_max(out, idx, src)
    elif name == 'minimum':
        cupyx.scatter_min(out, idx, src)
    else:           # no scatter-multiply in CuPy: on the host
        host = out.get()
        np.multiply.at(host, tuple(i.get() if hasattr(i, 'get') else i for i in idx), src.get())
        out[...] = xp.asarray(host)


def _identity(reduce, dtype):
    if reduce in ('sum', 'mean'):
        return 0
    if reduce == 'prod':
        return 1
    big = np.inf if dtype.kind == 'f' else np.iinfo(dtype).max
    return -big if reduce == 'amax' else big


class ScatterReduce(Op):
    node_name = 'ScatterReduceBackward0'

    @staticmethod
    def forward(ctx, a, src, index=None, dim=0, reduce='sum', include_self=True):
        xp = _device.xp_of(a)
        pos = along(index, dim)
        s = src[tuple(slice(0, n) for n in index.shape)]
        out = a.copy()
        touched = xp.zeros(a.shape, dtype=bool)
        touched[pos] = True
        if not include_self:
            out[touched] = _identity(reduce, a.dtype)
        _ufunc_at(xp, {'sum': 'add', 'mean': 'add', 'prod': 'multiply', 'amax': 'maximum', 'amin': 'minimum'}[reduce],
                  out, pos, s)
        count = None
        if reduce == 'mean':
            count = xp.ones(a.shape, dtype=a.dtype) if include_self else xp.zeros(a.shape, dtype=a.dtype)
            _ufunc_at(xp, 'add', count, pos, xp.ones(s.shape, dtype=a.dtype))
            count[count == 0] = 1
            out = out / count if a.dtype.kind == 'f' else out // count
        ctx.index, ctx.dim, ctx.reduce, ctx.include_self = index, dim, reduce, include_self
        ctx.touched, ctx.count, ctx.src_shape = touched, count, src.shape
        ctx.save_for_backward(a, src, out)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        from .unary import where
        a, src, out = ctx.saved_tensors
        index, dim, reduce = ctx.index, ctx.dim, ctx.reduce
        idx = wrap(index)
        xp = _device.xp_of(g._data)
        sl = tuple(slice(0, n) for n in index.shape)
        if reduce == 'sum':
            g_self, g_src = g, Gather.apply(g, idx, dim=dim)
        elif reduce == 'mean':
            g_self = g / wrap(ctx.count)
            g_src = Gather.apply(g_self, idx, dim=dim)
        elif reduce in ('amax', 'amin'):
            value = Gather.apply(out, idx, dim=dim)
            self_is = (a._data == out._data).astype(g._data.dtype)
            src_is = (src._data[sl] == value._data).astype(g._data.dtype)
            n = self_is.copy()
            _ufunc_at(xp, 'add', n, along(index, dim), src_is)
            share = g / wrap(n)
            g_self = share * wrap(self_is)
            g_src = Gather.apply(share, idx, dim=dim) * wrap(src_is)
        else:
            masked_self = where(a == 0, 1.0, a)
            g_self = g * ScatterReduce.apply(masked_self, src, index=index, dim=dim, reduce='prod',
                                             include_self=ctx.include_self) / masked_self
            s = src[sl] if src._data.shape != index.shape else src
            zero = s._data == 0
            zeros_at = xp.zeros(a._data.shape, dtype=g._data.dtype)
            _ufunc_at(xp, 'add', zeros_at, along(index, dim), zero.astype(g._data.dtype))
            single = wrap(zero & (zeros_at[along(index, dim)] == 1))
            masked_src = where(single, 1.0, s)
            without = ScatterReduce.apply(a, masked_src, index=index, dim=dim, reduce='prod',
                                          include_self=ctx.include_self)
            g_src = where(single, Gather.apply(g * without, idx, dim=dim),
                          Gather.apply(g * out, idx, dim=dim) / where(wrap(zero), 1.0, s))
        if not ctx.include_self:
            g_self = g_self * wrap(~ctx.touched)
        if tuple(g_src._data.shape) != tuple(ctx.src_shape):     # src larger than index: the rest gets 0
            g_src = _pad_to(g_src, ctx.src_shape)
        return g_self, g_src


def _pad_to(t, shape):
    from .shape import cat
    for d, n in enumerate(shape):
        have = t._data.shape[d]
        if have < n:
            pad_shape = list(t._data.shape)
            pad_shape[d] = n - have
            t = cat([t, wrap(_device.xp_of(t._data).zeros(pad_shape, dtype=t._data.dtype))], d)
    return t


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    if reduce not in _REDUCES:
        raise RuntimeError(f'reduce argument must be either sum, prod, mean, amax or amin, got {reduce}')
    _check_index_tensor('scatter_reduce', index, input, dim)
    if not isinstance(src, Tensor) or src._data.dtype != input._data.dtype:
        raise RuntimeError('scatter(): Expected self.dtype to be equal to src.dtype')
    return ScatterReduce.apply(input, src, index=index._data, dim=_wrap_dim(dim, max(input._data.ndim, 1)),
                               reduce=reduce, include_self=include_self)


def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    from .inplace import apply_inplace
    return apply_inplace(self, lambda a, s: scatter_reduce(a, dim, index, s, reduce, include_self=include_self),
                         None, src)
