"""Reductions over all elements or over `dim` (an int or a tuple, negative allowed), `keepdim`.

Backward of a reduction broadcasts the gradient back: `_unreduce` restores the reduced dims as
size 1, then `expand` stretches them to the input's shape.

Float sums (and mean, var, norm, softmax's denominators) are summed in the order NumPy picks (pairwise,
unrolled by the CPU's SIMD width); PyTorch sums in its own vectorized order, so a float32 sum may differ
from PyTorch's in the last bit or two, and between CPUs.
"""
import builtins as _b
import math as _math

import numpy as np

from .. import _dtype, _device
from ..autograd.function import Op, grad_of
from ..autograd.grad_mode import state as _grad_state
from .._tensor import Tensor


def _axes(dim, ndim):
    """Normalize `dim` to a sorted tuple of non-negative axes (None: all)."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return None
    out = []
    for d in dims:
        if not -_b.max(ndim, 1) <= d < _b.max(ndim, 1):
            raise IndexError(f'Dimension out of range (expected to be in range of [{-_b.max(ndim, 1)}, '
                             f'{_b.max(ndim, 1) - 1}], but got {d})')
        out.append(d % _b.max(ndim, 1))
    if len(set(out)) != len(out):
        raise RuntimeError(f'dim {out[0]} appears multiple times in the list of dims')
    return tuple(sorted(out)) if ndim else None


def _unreduce(g, shape, axes, keepdim):
    """Bring a reduced gradient back to `shape`."""
    if axes is not None and not keepdim:
        kept = list(shape)
        for a in axes:
            kept[a] = 1
        g = g.reshape(tuple(kept))
    elif axes is None and not keepdim:
        g = g.reshape((1,) * len(shape))
    return g.expand(shape)


def _spread(g, x, shape):
    """`x` (a reduced gradient) broadcast to `shape`: copied out when small, where NumPy's
    broadcast_to costs several times the copy, and a read-only view otherwise."""
    xp = _device.xp_of(g)
    if _math.prod(shape) > 16384:
        return xp.broadcast_to(x, shape)
    out = xp.empty(shape, dtype=g.dtype)
    out[...] = x
    return out


class Sum(Op):
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, dtype=None):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return a.sum(axis=axes, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        if not _grad_state.enabled:
            # on arrays a small gradient is spread by a copy, cheaper than NumPy's broadcast view (_spread)
            x = _unreduce_array(g._data, ctx.shape, ctx.axes, ctx.keepdim)
            return grad_of(_spread(g._data, x, ctx.shape))
        return _unreduce(g, ctx.shape, ctx.axes, ctx.keepdim)


class SumDim(Sum):
    node_name = 'SumBackward1'


class Mean(Op):
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, dtype=None):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        out = a.mean(axis=axes, keepdims=keepdim, dtype=dtype)
        ctx.count = a.size // _b.max(out.size, 1) if a.size else 0
        return out

    @staticmethod
    def backward(ctx, g):
        if not _grad_state.enabled:         # as Sum's: spread by a copy when small
            x = _unreduce_array(g._data, ctx.shape, ctx.axes, ctx.keepdim) / _b.max(ctx.count, 1)
            return grad_of(_spread(g._data, x, ctx.shape))
        return _unreduce(g, ctx.shape, ctx.axes, ctx.keepdim) / _b.max(ctx.count, 1)


class MeanDim(Mean):
    node_name = 'MeanBackward1'


def _sum_dtype(a, dtype):
    if dtype is not None:
        return _dtype.to_dtype(dtype).np
    k = a._data.dtype.kind
    return _dtype.int64.np if k in 'biu' else None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None and input._rg and not _dtype.to_dtype(dtype).is_floating_point:
        from ..autograd.grad_mode import state
        if state.enabled:
            raise RuntimeError(f'Autograd not support dtype: {_SCALAR.get(_dtype.to_dtype(dtype).np.name)}')
    axes = _axes(dim, input._data.ndim)
    op = Sum if axes is None and not keepdim and dim in (None, ()) else SumDim
    return op.apply(input, axes=axes, keepdim=keepdim, dtype=_sum_dtype(input, dtype))


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is None and input._data.dtype.kind not in 'fc':
        raise RuntimeError('mean(): could not infer output dtype. Input dtype must be either a floating point or '
                           f'complex dtype. Got: {_type_word(input)}')
    if dtype is not None and not _dtype.to_dtype(dtype).is_floating_point:
        raise RuntimeError('mean(): could not infer output dtype. Optional dtype must be either a floating point or '
                           f'complex dtype. Got: {_SCALAR.get(_dtype.to_dtype(dtype).np.name)}')
    axes = _axes(dim, input._data.ndim)
    op = Mean if axes is None and not keepdim and dim in (None, ()) else MeanDim
    return op.apply(input, axes=axes, keepdim=keepdim, dtype=None if dtype is None else _dtype.to_dtype(dtype).np)


_SCALAR = {'int64': 'Long', 'int32': 'Int', 'bool': 'Bool', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
           'float32': 'Float', 'float64': 'Double', 'float16': 'Half'}


def _type_word(t):
    return {'int64': 'Long', 'int32': 'Int', 'bool': 'Bool', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
            'float32': 'Float', 'float64': 'Double', 'float16': 'Half'}.get(t.dtype.name, t.dtype.name)


class Norm(Op):
    """The p-norm; p=2 by default, as torch.norm / linalg.vector_norm."""
    node_name = 'LinalgVectorNormBackward0'

    @staticmethod
    def forward(ctx, a, p=2.0, axes=None, keepdim=False):
        xp = _device.xp_of(a)
        ctx.p, ctx.axes, ctx.keepdim, ctx.shape = p, axes, keepdim, a.shape
        absa = xp.abs(a)
        if p in (float('inf'), float('-inf')):
            # max/min have no identity: the callers reject empty reductions first (as PyTorch)
            out = absa.max(axis=axes, keepdims=keepdim) if p > 0 else absa.min(axis=axes, keepdims=keepdim)
        elif p == 2:
            out = xp.sqrt((a * a).sum(axis=axes, keepdims=keepdim))
        elif p == 1:
            out = absa.sum(axis=axes, keepdims=keepdim)
        elif p == 0:
            out = (a != 0).sum(axis=axes, keepdims=keepdim).astype(a.dtype)
        else:
            with _device.errstate(xp):
                out = (absa ** p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)
        out = xp.asarray(out, dtype=a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .unary import sign, where
        a, out = ctx.saved_tensors
        p = ctx.p
        g = _unreduce(g, ctx.shape, ctx.axes, ctx.keepdim)
        n = _unreduce(out, ctx.shape, ctx.axes, ctx.keepdim)
        if p == 2:
            safe = where(n == 0, n * 0 + 1, n)
            grad = g * a / safe
            return where(n == 0, grad * 0, grad)
        if p == 1:
            return g * sign(a)
        if p == 0:
            return g * 0
        if p in (float('inf'), float('-inf')):
            mask = (a.abs() == n)
            count = mask.sum(dim=ctx.axes, keepdim=True) if ctx.axes is not None else mask.sum()
            # a nan norm matches no element: PyTorch's gradient is 0 there, not 0/0
            return g * sign(a) * mask / where(count == 0, count * 0 + 1, count)
        safe = where(n == 0, n * 0 + 1, n)
        grad = g * sign(a) * a.abs() ** (p - 1) / safe ** (p - 1)
        return where(n == 0, grad * 0, grad)


def norm(input, p='fro', dim=None, keepdim=False, dtype=None):
    if p == 'fro' and dim is not None and not isinstance(dim, int) and len(dim) > 2:
        raise RuntimeError(f'linalg.matrix_norm: dim must be a 2-tuple. Got {" ".join(str(d) for d in dim)}')
    if p in ('fro', None):
        p = 2
    if p == 'nuc':
        dims = tuple(range(input._data.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) != 2:
            raise RuntimeError(f'linalg.matrix_norm: dim must be a 2-tuple. Got {" ".join(str(d) for d in dims)}')
        raise NotImplementedError('framework: the nuclear norm (p=\'nuc\') is not implemented')
    if not isinstance(input, Tensor) or input._data.dtype.kind not in 'fc':
        raise RuntimeError('linalg.vector_norm: Expected a floating point or complex tensor as input. Got '
                           + _type_word(input))
    p = float(p)
    axes = _axes(dim, input._data.ndim)
    if abs(p) == float('inf') and input._data.size == 0:
        which = 'inf' if p > 0 else '-inf'
        shape = input._data.shape
        if axes is None:
            raise RuntimeError(f'linalg.vector_norm cannot compute the {which} norm on an empty tensor because the '
                               'operation does not have an identity')
        empty = [d for d in axes if shape[d] == 0]
        if empty:
            raise RuntimeError(f'linalg.vector_norm cannot compute the {which} norm on the dimension {empty[0]}'
                               'because this dimension is empty and the operation does not have an identity')
    return Norm.apply(input, p=p, axes=axes, keepdim=keepdim)


# ---------------------------------------------------------------- max, min, amax, amin, argmax, argmin
class _ReturnType(tuple):
    """torch.return_types.*: a tuple `(values, indices)` with named fields."""
    __slots__ = ()
    _name = ''

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return f'framework.return_types.{self._name}(\nvalues={self[0]!r},\nindices={self[1]!r})'

    def __reduce__(self):
        return (type(self), (self[0], self[1]))


class return_types:
    """Namespace of the named tuples that max/min/sort/topk/... return, as torch.return_types."""


for _n in ('max', 'min', 'sort', 'topk', 'kthvalue', 'median', 'mode', 'aminmax'):
    setattr(return_types, _n, type(_n, (_ReturnType,), {'__slots__': (), '_name': _n}))
return_types.aminmax.min = property(lambda self: self[0])
return_types.aminmax.max = property(lambda self: self[1])
del _n


class Amax(Op):
    """amax/amin and full max()/min(): the gradient is shared evenly by the tied extremes."""

    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, is_max=True, nan_shared=False):
        # max()/min() share a nan extreme among the nan elements (PyTorch's evenly_distribute_backward);
        # amax/amin compare with ==, so a nan extreme gives nan gradients, as PyTorch's do
        ctx.nan_extreme_shared = nan_shared
        out = a.max(axis=axes, keepdims=keepdim) if is_max else a.min(axis=axes, keepdims=keepdim)
        out = _device.as_array(out)
        ctx.save_for_backward(a, out)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        xp = _device.xp_of(a._data)
        ext = _unreduce_array(out._data, ctx.shape, ctx.axes, ctx.keepdim)
        hit = a._data == ext
        if ctx.nan_extreme_shared and a._data.dtype.kind == 'f':
            hit = hit | (xp.isnan(a._data) & xp.isnan(ext))
        count = hit.sum(axis=ctx.axes, keepdims=True)
        w = _wrap((hit / count).astype(g._data.dtype, copy=False))
        return _unreduce(g, ctx.shape, ctx.axes, ctx.keepdim) * w


class Amin(Amax):
    pass


class MaxAll(Amax):
    node_name = 'MaxBackward1'


class MinAll(Amax):
    node_name = 'MinBackward1'


def _wrap(arr):
    from .._tensor import wrap
    return wrap(arr)


def _unreduce_array(x, shape, axes, keepdim):
    if not keepdim:
        kept = list(shape)
        for a in (range(len(shape)) if axes is None else axes):
            kept[a] = 1
        x = x.reshape(kept)
    return x


def _empty_check(input, name, axes):
    """max/min have no identity: an empty reduced dim is an error (IndexError when dims were named)."""
    if input._data.size == 0:
        if axes is None:
            raise RuntimeError(f'{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify '
                               'the reduction dim with the \'dim\' argument.')
        empty = [d for d in axes if input._data.shape[d] == 0]
        if empty:
            raise IndexError(f'{name}(): Expected reduction dim {empty[0]} to have non-zero size.')


def amax(input, dim=(), keepdim=False):
    axes = _axes(dim, input._data.ndim)
    _empty_check(input, 'amax', axes)
    return Amax.apply(input, axes=axes, keepdim=keepdim, is_max=True)


def amin(input, dim=(), keepdim=False):
    axes = _axes(dim, input._data.ndim)
    _empty_check(input, 'amin', axes)
    return Amin.apply(input, axes=axes, keepdim=keepdim, is_max=False)


class MaxDim(Op):
    """max(dim) / min(dim): values and the index of the (first) extreme; the gradient goes there."""
    node_name = 'MaxBackward0'

    @staticmethod
    def forward(ctx, a, dim=0, keepdim=False, is_max=True):
        xp = _device.xp_of(a)
        if a.ndim == 0:
            idx = xp.zeros((), dtype=xp.int64)
            ctx.dim, ctx.keepdim, ctx.shape, ctx.idx = None, keepdim, a.shape, idx
            return a.copy(), idx
        idx = (xp.argmax if is_max else xp.argmin)(a, axis=dim, keepdims=True)
        vals = xp.take_along_axis(a, idx, axis=dim)
        ctx.dim, ctx.keepdim, ctx.shape, ctx.idx = dim, keepdim, a.shape, idx
        if not keepdim:
            vals, idx = vals.squeeze(dim), idx.squeeze(dim)
        return vals, idx.astype(xp.int64, copy=False)

    @staticmethod
    def backward(ctx, g, g_idx):
        from .indexing import ScatterAddZeros
        if ctx.dim is None:
            return g
        if not ctx.keepdim:
            g = g.unsqueeze(ctx.dim)
        return ScatterAddZeros.apply(g, index=ctx.idx, dim=ctx.dim, shape=ctx.shape)


class MinDim(MaxDim):
    node_name = 'MinBackward0'


def _extreme(input, dim, keepdim, other, is_max):
    name = 'max' if is_max else 'min'
    if isinstance(dim, Tensor) or other is not None:
        from .unary import maximum, minimum
        return (maximum if is_max else minimum)(input, dim if other is None else other)
    if dim is None:
        if keepdim:
            raise TypeError(f'{name}() received an invalid combination of arguments - got (keepdim=bool)')
        _empty_check(input, name, None)
        return (MaxAll if is_max else MinAll).apply(input, axes=None, keepdim=False, is_max=is_max, nan_shared=True)
    if not isinstance(dim, int):
        raise TypeError(f'{name}(): argument \'dim\' must be int, not {type(dim).__name__}')
    nd = input._data.ndim
    axes = _axes(dim, nd)
    d = axes[0] if axes is not None else 0
    if nd and input._data.shape[d] == 0:
        raise IndexError(f'{name}(): Expected reduction dim {d} to have non-zero size.')
    vals, idx = (MaxDim if is_max else MinDim).apply(input, dim=d, keepdim=keepdim, is_max=is_max)
    return getattr(return_types, name)(vals, idx)


class _AllDims:
    """The default of max/min/prod's dim: PyTorch's binding refuses an explicit dim=None."""

    def __repr__(self):
        return 'all dims'


_ALL = _AllDims()


def _dim_or_all(name, dim):
    if dim is None:
        raise TypeError(f'{name}() received an invalid combination of arguments - got (Tensor, dim=NoneType)')
    return None if dim is _ALL else dim


def max(input, dim=_ALL, keepdim=False, *, other=None, out=None):
    return _extreme(input, _dim_or_all('max', dim), keepdim, other, True)


def min(input, dim=_ALL, keepdim=False, *, other=None, out=None):
    return _extreme(input, _dim_or_all('min', dim), keepdim, other, False)


def _arg(input, dim, keepdim, is_max):
    from .._tensor import wrap
    a = input._data
    xp = _device.xp_of(a)
    f = xp.argmax if is_max else xp.argmin
    name = 'argmax' if is_max else 'argmin'
    if a.dtype.kind == 'b':
        raise RuntimeError(f'{name}(): does not support bool input')
    if dim is not None:
        axes = _axes(dim, a.ndim)
        if axes is not None and a.shape[axes[0]] == 0:
            raise IndexError(f'{name}(): Expected reduction dim {axes[0]} to have non-zero size.')
    if dim is None:
        if a.size == 0:
            raise IndexError(f'{"argmax" if is_max else "argmin"}(): Expected reduction dim to be specified '
                               'for input.numel() == 0.')
        r = xp.asarray(f(a.reshape(-1)))
        if keepdim:
            r = r.reshape((1,) * a.ndim)
        return wrap(r.astype(xp.int64, copy=False))
    axes = _axes(dim, a.ndim)
    if axes is None:
        return wrap(xp.zeros((), dtype=xp.int64))
    return wrap(xp.asarray(f(a, axis=axes[0], keepdims=keepdim)).astype(xp.int64, copy=False))


def argmax(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, True)


def argmin(input, dim=None, keepdim=False):
    return _arg(input, dim, keepdim, False)


def aminmax(input, *, dim=None, keepdim=False):
    return return_types.aminmax(amin(input, () if dim is None else dim, keepdim),
                                amax(input, () if dim is None else dim, keepdim))


# ---------------------------------------------------------------- var, std
class Var(Op):
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, correction=1):
        xp = _device.xp_of(a)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        n = a.size if axes is None else _math.prod(a.shape[i] for i in axes)
        ctx.denom = n - correction
        with _device.errstate(xp):
            out = _device.as_array(a.var(axis=axes, keepdims=keepdim, ddof=correction))
        ctx.save_for_backward(a)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return _var_backward(_unreduce(g, ctx.shape, ctx.axes, ctx.keepdim), a, ctx)


def _var_backward(g, a, ctx):
    """PyTorch's var_backward, with `g` already brought back to the input's shape."""
    if ctx.denom > 0:
        return (2.0 / ctx.denom) * g * (a - a.mean(dim=ctx.axes, keepdim=True))
    if ctx.axes is None or not ctx.shape:
        # n <= correction over the whole tensor: inf * 0 = nan where a equals its mean, else inf; PyTorch
        # writes it as a where() on a constant, so it has no second derivative
        from .unary import where
        d = a.detach()
        return g * where(d == d.mean(), float('nan'), float('inf'))
    return float('inf') * g * (a - a.mean(dim=ctx.axes, keepdim=True))


class Std(Op):
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, correction=1):
        xp = _device.xp_of(a)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        n = a.size if axes is None else _math.prod(a.shape[i] for i in axes)
        ctx.denom = n - correction
        with _device.errstate(xp):
            out = _device.as_array(a.std(axis=axes, keepdims=keepdim, ddof=correction)).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .unary import where
        a, out = ctx.saved_tensors
        # PyTorch's std_backward: var's gradient of g / (2 std), masked to 0 where the std is 0 (all equal)
        scale = where(out == 0, out * 0, g / (out * 2))
        return _var_backward(_unreduce(scale, ctx.shape, ctx.axes, ctx.keepdim), a, ctx)


def _var_args(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):                   # var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and not isinstance(unbiased, bool):
        raise TypeError(f'{name}() received an invalid combination of arguments - got (Tensor, unbiased='
                        f'{type(unbiased).__name__}), but expected one of:\n'
                        ' * (Tensor input, tuple of ints dim, bool unbiased = True, bool keepdim = False)\n'
                        ' * (Tensor input, tuple of ints dim = None, *, Number correction = None, bool keepdim = '
                        'False)\n')
    if correction is not None and unbiased is not None:
        raise TypeError(f'{name}() received an invalid combination of arguments - got both unbiased and correction')
    if input._data.dtype.kind not in 'fc':
        raise RuntimeError('std and var only support floating point and complex dtypes')
    if correction is None:
        correction = 0 if unbiased is False else 1
    return _axes(dim, input._data.ndim), correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    axes, c = _var_args('var', input, dim, unbiased, keepdim, correction)
    return Var.apply(input, axes=axes, keepdim=keepdim, correction=c)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    axes, c = _var_args('std', input, dim, unbiased, keepdim, correction)
    return Std.apply(input, axes=axes, keepdim=keepdim, correction=c)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


# ---------------------------------------------------------------- prod, logsumexp, cumsum
class Prod(Op):
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, dtype=None):
        out = _device.as_array(a.prod(axis=axes, keepdims=keepdim, dtype=dtype))
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .._tensor import wrap
        from ..autograd.grad_mode import state
        a, out = ctx.saved_tensors
        x = a._data
        if x.ndim == 0:                         # the product of one number is the number itself
            return g
        g = _unreduce(g, ctx.shape, ctx.axes, ctx.keepdim)
        if not (x == 0).any():
            return g * _unreduce(out, ctx.shape, ctx.axes, ctx.keepdim) / a
        if state.enabled:
            raise RuntimeError('framework: double backward of prod() over inputs containing zeros is not supported')
        # the product of the other elements, by exclusive cumulative products from both ends
        xp = _device.xp_of(x)
        axes = tuple(range(x.ndim)) if ctx.axes is None else ctx.axes
        moved = xp.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
        flat = moved.reshape(moved.shape[:x.ndim - len(axes)] + (-1,))
        ones = xp.ones(flat.shape[:-1] + (1,), dtype=x.dtype)
        left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = xp.cumprod(xp.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (left * right).reshape(moved.shape)
        others = xp.moveaxis(others, tuple(range(x.ndim - len(axes), x.ndim)), axes)
        return g * wrap(xp.ascontiguousarray(others))


class ProdDim(Prod):
    node_name = 'ProdBackward1'


def prod(input, dim=_ALL, keepdim=False, *, dtype=None):
    if dim is None:
        raise TypeError("prod(): argument 'dim' must be int, not NoneType")
    if dim is _ALL:
        dim = None
    else:
        _axes(int(dim), input._data.ndim)
    if dtype is not None and input._rg and not _dtype.to_dtype(dtype).is_floating_point:
        from ..autograd.grad_mode import state
        if state.enabled:
            raise RuntimeError(f'Autograd not support dtype: {_SCALAR.get(_dtype.to_dtype(dtype).np.name)}')
    axes = None if dim is None else _axes(int(dim), input._data.ndim)
    op = Prod if dim is None else ProdDim
    if axes is None and dim is not None:        # a 0-d tensor
        op = ProdDim
    return op.apply(input, axes=axes, keepdim=keepdim, dtype=_sum_dtype(input, dtype))


class Logsumexp(Op):
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False):
        xp = _device.xp_of(a)
        m = a.max(axis=axes, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)
        m = xp.where(xp.isfinite(m), m, 0)
        with _device.errstate(xp):
            out = xp.log(xp.exp(a - m).sum(axis=axes, keepdims=True)) + m
        if not keepdim:
            out = out.reshape([s for i, s in enumerate(a.shape) if axes is not None and i not in axes])
        out = _device.as_array(out).astype(a.dtype, copy=False)
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .unary import exp
        a, out = ctx.saved_tensors
        return _unreduce(g, ctx.shape, ctx.axes, ctx.keepdim) * exp(a - _unreduce(out, ctx.shape, ctx.axes,
                                                                                    ctx.keepdim))


def logsumexp(input, dim, keepdim=False):
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' (position 2) must be tuple of ints, not NoneType")
    if input._data.dtype.kind not in 'fc':
        input = input.to(_dtype.get_default_dtype())
    return Logsumexp.apply(input, axes=_axes(dim, input._data.ndim), keepdim=keepdim)


class Cumsum(Op):
    @staticmethod
    def forward(ctx, a, dim=0, dtype=None):
        ctx.dim = dim
        return _device.as_array(a.cumsum(axis=dim, dtype=dtype)) if a.ndim else a.astype(dtype or a.dtype)

    @staticmethod
    def backward(ctx, g):
        if g._data.ndim == 0:
            return g
        return g.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim)


def cumsum(input, dim, *, dtype=None):
    from .shape import _wrap_dim
    if dtype is not None and input._rg and not _dtype.to_dtype(dtype).is_floating_point:
        from ..autograd.grad_mode import state
        if state.enabled:
            raise RuntimeError(f'Autograd not support dtype: {_SCALAR.get(_dtype.to_dtype(dtype).np.name)}')
    return Cumsum.apply(input, dim=_wrap_dim(dim, _b.max(input._data.ndim, 1)), dtype=_sum_dtype(input, dtype))


class Cumprod(Op):
    """Cumulative product. The gradient of out_j = prod_{k<=j} x_k for x_i is sum_{j>=i} g_j prod_{k<=j, k!=i} x_k:
    without zeros that is reverse_cumsum(g * out) / x; with a zero in x (where that divides 0 by 0) it is
    computed exactly, from the cumulative products of x with x_i replaced by 1 (an n x n table per row)."""

    @staticmethod
    def forward(ctx, a, dim=0, dtype=None):
        ctx.dim = dim
        out = _device.as_array(a.cumprod(axis=dim, dtype=dtype)) if a.ndim else a.astype(dtype or a.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .unary import where
        from .._tensor import wrap
        a, out = ctx.saved_tensors
        if g._data.ndim == 0:
            return g
        d = ctx.dim
        xp = _device.xp_of(a._data)
        # the zero test would wait for the GPU: there the exact form always runs (as costly in memory as n^2)
        if xp is np and not (a._data == 0).any():
            return (g * out).flip(d).cumsum(d).flip(d) / a
        x = a.movedim(d, -1)
        n = x._data.shape[-1]
        xu = x.unsqueeze(-2)
        others = where(wrap(xp.eye(n, dtype=bool)), xu * 0 + 1, xu)           # row i: x with x_i := 1
        upper = wrap(xp.triu(xp.ones((n, n), dtype=a._data.dtype)))               # j >= i
        grad = (cumprod(others, -1) * upper * g.movedim(d, -1).unsqueeze(-2)).sum(-1)
        return grad.movedim(-1, d)


def cumprod(input, dim, *, dtype=None):
    from .shape import _wrap_dim
    if dtype is not None and input._rg and not _dtype.to_dtype(dtype).is_floating_point:
        from ..autograd.grad_mode import state
        if state.enabled:
            raise RuntimeError(f'Autograd not support dtype: {_SCALAR.get(_dtype.to_dtype(dtype).np.name)}')
    return Cumprod.apply(input, dim=_wrap_dim(dim, _b.max(input._data.ndim, 1)), dtype=_sum_dtype(input, dtype))


# ---------------------------------------------------------------- softmax, log_softmax (defined in loss.py)
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    from .loss import softmax as f             # one implementation (empty inputs, dtype checks) for both names
    return f(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    from .loss import log_softmax as f
    return f(input, dim, dtype=dtype)
