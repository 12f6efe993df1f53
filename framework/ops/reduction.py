"""Reductions over all elements or over `dim` (an int or a tuple, negative allowed), `keepdim`.

Backward of a reduction broadcasts the gradient back: `_unreduce` restores the reduced dims as
size 1, then `expand` stretches them to the input's shape.
"""
from .. import _dtype, _device
from ..autograd.function import Op
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
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f'Dimension out of range (expected to be in range of [{-max(ndim, 1)}, '
                             f'{max(ndim, 1) - 1}], but got {d})')
        out.append(d % max(ndim, 1))
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


class Sum(Op):
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, dtype=None):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return a.sum(axis=axes, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, g):
        return _unreduce(g, ctx.shape, ctx.axes, ctx.keepdim)


class SumDim(Sum):
    node_name = 'SumBackward1'


class Mean(Op):
    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, dtype=None):
        ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        out = a.mean(axis=axes, keepdims=keepdim, dtype=dtype)
        ctx.count = a.size // max(out.size, 1) if a.size else 0
        return out

    @staticmethod
    def backward(ctx, g):
        return _unreduce(g, ctx.shape, ctx.axes, ctx.keepdim) / max(ctx.count, 1)


class MeanDim(Mean):
    node_name = 'MeanBackward1'


def _sum_dtype(a, dtype):
    if dtype is not None:
        return _dtype.to_dtype(dtype).np
    k = a._data.dtype.kind
    return _dtype.int64.np if k in 'biu' else None


def sum(input, dim=None, keepdim=False, *, dtype=None):
    axes = _axes(dim, input._data.ndim)
    op = Sum if axes is None and not keepdim and dim in (None, ()) else SumDim
    return op.apply(input, axes=axes, keepdim=keepdim, dtype=_sum_dtype(input, dtype))


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dtype is None and input._data.dtype.kind not in 'fc':
        raise RuntimeError('mean(): could not infer output dtype. Input dtype must be either a floating point or '
                           f'complex dtype. Got: {_type_word(input)}')
    axes = _axes(dim, input._data.ndim)
    op = Mean if axes is None and not keepdim and dim in (None, ()) else MeanDim
    return op.apply(input, axes=axes, keepdim=keepdim, dtype=None if dtype is None else _dtype.to_dtype(dtype).np)


def _type_word(t):
    return {'int64': 'Long', 'int32': 'Int', 'bool': 'Bool', 'int16': 'Short', 'int8': 'Char',
            'uint8': 'Byte'}.get(t.dtype.name, t.dtype.name)


class Norm(Op):
    """The p-norm; p=2 by default, as torch.norm / linalg.vector_norm."""
    node_name = 'LinalgVectorNormBackward0'

    @staticmethod
    def forward(ctx, a, p=2.0, axes=None, keepdim=False):
        xp = _device.xp_of(a)
        ctx.p, ctx.axes, ctx.keepdim, ctx.shape = p, axes, keepdim, a.shape
        absa = xp.abs(a)
        if p == float('inf'):
            out = absa.max(axis=axes, keepdims=keepdim)
        elif p == 2:
            out = xp.sqrt((a * a).sum(axis=axes, keepdims=keepdim))
        elif p == 1:
            out = absa.sum(axis=axes, keepdims=keepdim)
        elif p == 0:
            out = (a != 0).sum(axis=axes, keepdims=keepdim).astype(a.dtype)
        else:
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
        if p == float('inf'):
            mask = (a.abs() == n)
            count = mask.sum(dim=ctx.axes, keepdim=True) if ctx.axes is not None else mask.sum()
            return g * sign(a) * mask / count
        safe = where(n == 0, n * 0 + 1, n)
        grad = g * sign(a) * a.abs() ** (p - 1) / safe ** (p - 1)
        return where(n == 0, grad * 0, grad)


def norm(input, p='fro', dim=None, keepdim=False, dtype=None):
    if p in ('fro', None):
        p = 2
    if not isinstance(input, Tensor) or input._data.dtype.kind not in 'fc':
        raise RuntimeError('linalg.vector_norm: Expected a floating point or complex tensor as input. Got '
                           + _type_word(input))
    return Norm.apply(input, p=float(p), axes=_axes(dim, input._data.ndim), keepdim=keepdim)
