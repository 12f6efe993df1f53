"""Sorting and order statistics: sort, argsort, msort, topk, kthvalue, median, mode, cummax, cummin,
unique, searchsorted, bucketize.

Each picks its indices on the raw arrays (no gradient flows through an order) and takes its values
with `gather`, so the gradient of the values is gather's: scattered back to the chosen positions, and
double backward comes from gather's own backward. The nodes carry PyTorch's names (SortBackward0, TopkBackward0, ...).

Ties: sort and argsort are stable here whatever `stable` says (PyTorch's CPU sort is too, but only
promises it with `stable=True`). topk and kthvalue take the stable order's first k; PyTorch leaves
their tie order unspecified. mode returns the smallest most frequent value and its last index, as
PyTorch's CPU kernel does; median's index among equal values is unspecified in PyTorch and here is
the stable order's. NaN sorts above every number (last ascending, first descending), and median,
cummax and cummin propagate it, as in PyTorch.
"""
import numpy as np

from .. import _device
from .._tensor import Tensor, wrap
from .indexing import Gather
from .reduction import return_types
from .reduction import _ReturnType
from .shape import _wrap_dim

for _n in ('cummax', 'cummin'):
    if not hasattr(return_types, _n):
        setattr(return_types, _n, type(_n, (_ReturnType,), {'__slots__': (), '_name': _n}))
del _n


def _dim(input, dim):
    return _wrap_dim(dim, max(input._data.ndim, 1))


def _order(a, axis, descending):
    """Stable argsort along `axis`; descending keeps equal elements in their original order."""
    xp = _device.xp_of(a)
    if not descending:
        return xp.argsort(a, axis=axis, kind='stable')
    n = a.shape[axis]
    rev = xp.flip(xp.argsort(xp.flip(a, axis), axis=axis, kind='stable'), axis)
    return (n - 1) - rev


_NODES = {name: type(f'{name}Gather', (Gather,), {'node_name': f'{name}Backward0'})
          for name in ('Sort', 'Topk', 'Kthvalue', 'Median', 'Mode', 'Cummax', 'Cummin')}


def _take(input, dim, idx, node='Sort'):
    """Values at `idx` (an int64 array) along dim: gather's forward and backward, under PyTorch's node name."""
    if input._data.ndim == 0:
        return input.clone()
    return _NODES[node].apply(input, wrap(idx), dim=dim)


def sort(input, dim=-1, descending=False, stable=False):
    if input._data.ndim == 0:
        return return_types.sort(input.clone(), wrap(_device.xp_of(input._data).zeros((), dtype='int64')))
    d = _dim(input, dim)
    idx = _order(input._data, d, descending).astype('int64', copy=False)
    return return_types.sort(_take(input, d, idx), wrap(idx))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable)[1]


def msort(input):
    return sort(input, 0)[0]


def topk(input, k, dim=-1, largest=True, sorted=True):
    xp = _device.xp_of(input._data)
    d = _dim(input, dim)
    n = input._data.shape[d] if input._data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError('selected index k out of range')
    if input._data.ndim == 0:
        return return_types.topk(input.clone(), wrap(xp.zeros((), dtype='int64')))
    idx = _order(input._data, d, largest)
    idx = xp.take(idx, xp.arange(k), axis=d).astype('int64', copy=False)
    return return_types.topk(_take(input, d, idx, 'Topk'), wrap(idx))


def _select(input, dim, keepdim, pos_fn, name):
    """The element at sorted position pos_fn(sorted values, order) along dim, with its index."""
    xp = _device.xp_of(input._data)
    if input._data.ndim == 0:
        return getattr(return_types, name)(input.clone(), wrap(xp.zeros((), dtype='int64')))
    d = _dim(input, dim)
    a = input._data
    order = _order(a, d, False)
    pos = pos_fn(xp.take_along_axis(a, order, axis=d), d)
    idx = xp.take_along_axis(order, pos, axis=d).astype('int64', copy=False)
    vals = _take(input, d, idx, name.capitalize())
    if not keepdim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    return getattr(return_types, name)(vals, wrap(idx))


def kthvalue(input, k, dim=-1, keepdim=False):
    d = _dim(input, dim)
    n = input._data.shape[d] if input._data.ndim else 1
    if n == 0:
        raise IndexError(f'kthvalue(): Expected reduction dim {d} to have non-zero size.')
    if not 1 <= k <= n:
        raise RuntimeError(f'kthvalue(): selected number k out of range for dimension {d}')

    def pos(s, axis):
        shape = list(s.shape)
        shape[axis] = 1
        return _device.xp_of(s).full(shape, k - 1, dtype='int64')
    return _select(input, d, keepdim, pos, 'kthvalue')


def _median_pos(s, axis):
    """Lower median's sorted position; where a NaN is present, the first NaN's (NaNs sort last)."""
    xp = _device.xp_of(s)
    n = s.shape[axis]
    nans = xp.isnan(s).sum(axis=axis, keepdims=True) if s.dtype.kind == 'f' else xp.zeros(
        tuple(1 if i == axis % s.ndim else k for i, k in enumerate(s.shape)), dtype='int64')
    return xp.where(nans > 0, n - nans, (n - 1) // 2).astype('int64')


def median(input, dim=None, keepdim=False):
    if dim is None:
        flat = input.reshape(-1)
        if flat._data.size == 0:
            if flat._data.dtype.kind == 'f':
                return flat.sum() + float('nan')          # in the graph: requires grad as PyTorch's
            return wrap(_device.xp_of(input._data).full((), float('nan'), dtype=input._data.dtype))
        return _select(flat, 0, False, _median_pos, 'median')[0]
    d = _dim(input, dim)
    if input._data.ndim and input._data.shape[d] == 0:
        raise IndexError(f'median(): Expected reduction dim {d} to have non-zero size.')
    return _select(input, d, keepdim, _median_pos, 'median')


def mode(input, dim=-1, keepdim=False):
    xp = _device.xp_of(input._data)
    if input._data.ndim == 0:
        return return_types.mode(input.clone(), wrap(xp.zeros((), dtype='int64')))
    d = _dim(input, dim)
    a = xp.moveaxis(input._data, d, -1)
    n = a.shape[-1]
    if n == 0:
        raise IndexError(f'mode(): Expected reduction dim {d} to have non-zero size.')
    order = xp.argsort(a, axis=-1, kind='stable')
    s = xp.take_along_axis(a, order, axis=-1)
    # run lengths over the sorted values: the longest run (first among equals, so the smallest value)
    new_run = xp.ones(s.shape, dtype=bool)
    new_run[..., 1:] = s[..., 1:] != s[..., :-1]
    pos = xp.broadcast_to(xp.arange(n), s.shape)
    run_start = xp.maximum.accumulate(xp.where(new_run, pos, 0), axis=-1)
    run_len = pos - run_start + 1
    end = xp.argmax(run_len, axis=-1)[..., None]            # the run's last element: the value's last index
    idx = xp.take_along_axis(order, end, axis=-1)
    idx = xp.moveaxis(idx, -1, d).astype('int64', copy=False)
    vals = _take(input, d, idx, 'Mode')
    if not keepdim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    return return_types.mode(vals, wrap(idx))


def _cum_extreme(input, dim, is_max, name):
    xp = _device.xp_of(input._data)
    if input._data.ndim == 0:
        return getattr(return_types, name)(input.clone(), wrap(xp.zeros((), dtype='int64')))
    d = _dim(input, dim)
    a = input._data
    run = (xp.maximum if is_max else xp.minimum).accumulate(a, axis=d)
    # a position takes over when it equals the running extreme (ties go to the later index) or is NaN
    hit = a == run
    if a.dtype.kind == 'f':
        hit |= xp.isnan(a)
    shape = [1] * a.ndim
    shape[d] = a.shape[d]
    pos = xp.broadcast_to(xp.arange(a.shape[d]).reshape(shape), a.shape)
    idx = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=d).astype('int64', copy=False)
    return getattr(return_types, name)(_take(input, d, idx, name.capitalize()), wrap(idx))


def cummax(input, dim):
    return _cum_extreme(input, dim, True, 'cummax')


def cummin(input, dim):
    return _cum_extreme(input, dim, False, 'cummin')


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    xp = _device.xp_of(input._data)
    a = input._data
    if dim is None:
        vals, inv, counts = xp.unique(a.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(a.shape)
    else:
        if a.ndim == 0:
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        d = _dim(input, dim)
        vals, inv, counts = xp.unique(a, return_inverse=True, return_counts=True, axis=d)
        inv = inv.reshape(-1)
    out = [wrap(vals)]
    if return_inverse:
        out.append(wrap(inv.astype('int64', copy=False)))
    if return_counts:
        out.append(wrap(counts.astype('int64', copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


def _side(right, side):
    if side is not None:
        if side not in ('left', 'right'):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == 'left':
            raise RuntimeError('torch.searchsorted(): side and right can\'t be set to opposites, got side of left '
                               'while right was True')
        return side
    return 'right' if right else 'left'


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    side = _side(right, side)
    seq = sorted_sequence._data
    xp = _device.xp_of(seq)
    scalar = not isinstance(input, Tensor)
    v = xp.asarray(input) if scalar else input._data
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim == 1:
        out = xp.searchsorted(seq, v, side=side)
    else:
        if seq.shape[:-1] != v.shape[:-1]:
            raise RuntimeError(
                'torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of '
                'boundaries tensor and input value tensor must match, but we got boundaries tensor '
                f'{list(seq.shape)} and input value tensor {list(v.shape)}')
        rows = int(np.prod(seq.shape[:-1], dtype=np.int64))       # not -1: ambiguous when a size is 0
        rows_s, rows_v = seq.reshape(rows, seq.shape[-1]), v.reshape(rows, v.shape[-1])
        out = xp.stack([xp.searchsorted(s, r, side=side) for s, r in zip(rows_s, rows_v)]).reshape(v.shape) \
            if rows else xp.zeros(v.shape, dtype='int64')
    return wrap(xp.asarray(out).astype('int32' if out_int32 else 'int64'))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    if boundaries._data.ndim != 1:
        raise RuntimeError(f'boundaries tensor must be 1 dimension, but got dim({boundaries._data.ndim})')
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
