"""Embedding lookups: rows of a weight gathered by integer indices, and their adjoint, rows scattered
(added) back into a table.

The two ops are each other's backward: the gradient of `Gather` is a `Scatter` of the incoming
gradient into a zero table, and the gradient of `Scatter` is a `Gather`. A per-index `factor` (1/bag
size for mean bags, 0 at padding_idx, 1/count with scale_grad_by_freq) scales what a `Scatter` adds,
and so what flows back through a `Gather`. Scatter's own backward multiplies by `back`, its factor
unless told otherwise: PyTorch differentiates embedding's backward with the padding mask only, not
the frequency scaling, and so does this.
"""
import numpy as np

from .. import _device
from .._tensor import Tensor, wrap, Size
from ..autograd.function import Op
from .inplace import bump_version

_SAME = object()


class Gather(Op):
    """out[i, ...] = src[index[i], ...]; backward: a Scatter of g (times factor) into src's shape."""
    node_name = 'EmbeddingBackward0'

    @staticmethod
    def forward(ctx, src, index=None, factor=None, back=_SAME):
        ctx.index, ctx.factor, ctx.back, ctx.n = index, factor, back, src.shape[0]
        return _device.xp_of(src).take(src, index, axis=0)

    @staticmethod
    def backward(ctx, g):
        return Scatter.apply(g, index=ctx.index, factor=ctx.factor, n=ctx.n, back=ctx.back)


class Scatter(Op):
    """out = zeros(n, ...); out[index[i]] += factor[i] * x[i]; backward: a Gather of g, times `back`."""
    node_name = 'EmbeddingDenseBackward0'

    @staticmethod
    def forward(ctx, x, index=None, factor=None, n=0, back=_SAME):
        ctx.index, ctx.back = index, factor if back is _SAME else back
        xp = _device.xp_of(x)
        rows = x.reshape((index.size,) + x.shape[index.ndim:])
        if factor is not None:
            rows = rows * factor.reshape((-1,) + (1,) * (rows.ndim - 1)).astype(x.dtype, copy=False)
        out = xp.zeros((n,) + x.shape[index.ndim:], dtype=x.dtype)
        index_add_rows(out, index.reshape(-1), rows)
        return out

    @staticmethod
    def backward(ctx, g):
        out = Gather.apply(g, index=ctx.index)
        f = ctx.back
        if f is None:
            return out
        return out * wrap(f.reshape(f.shape + (1,) * (out.dim() - f.ndim)).astype(out._data.dtype, copy=False))


def index_add_rows(out, index, rows):
    """out[index[i]] += rows[i], repeated indices adding up.

    NumPy's np.add.at is slow on rows (tens of ms for 8k rows of 128), so on the CPU the indices are
    sorted: each distinct index then owns a contiguous run of rows, summed with np.add.reduceat, or,
    when no index repeats more than a few times, added run by run (the first of every run written at
    once, then the second, ...), which avoids reduceat's cost per run.
    """
    xp = _device.xp_of(out)
    if xp is not np:
        import cupyx
        cupyx.scatter_add(out, index, rows)
        return
    if index.size == 0:
        return
    if index.size > 1 and not (index[1:] >= index[:-1]).all():
        order = np.argsort(index, kind='stable')
        index, rows = index[order], rows[order]
    new_run = np.empty(index.size, dtype=bool)
    new_run[0] = True
    np.not_equal(index[1:], index[:-1], out=new_run[1:])
    starts = np.flatnonzero(new_run)
    longest = int(np.diff(np.append(starts, index.size)).max())
    if longest > 8:
        out[index[starts]] += np.add.reduceat(rows, starts, axis=0)
        return
    out[index[starts]] += rows[starts]
    rest = np.flatnonzero(~new_run)
    while rest.size:                     # the k-th repeat of every index, for k = 2, 3, ...
        idx = index[rest]
        first = np.empty(rest.size, dtype=bool)
        first[0] = True
        np.not_equal(idx[1:], idx[:-1], out=first[1:])
        out[idx[first]] += rows[rest[first]]
        rest = rest[~first]


def _check_indices(input, fn='embedding'):
    if not isinstance(input, Tensor) or input._data.dtype.kind not in 'iu':
        name = _type_name(input)
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f'Long, Int; but got {name} instead (while checking arguments for {fn})')
    return input._data


def _type_name(t):
    if not isinstance(t, Tensor):
        return type(t).__name__
    return 'torch.' + {'float32': 'FloatTensor', 'float64': 'DoubleTensor', 'float16': 'HalfTensor',
                       'bool': 'BoolTensor', 'uint8': 'ByteTensor'}.get(str(t._data.dtype), 'Tensor')


def _grad_factor(idx, n, padding_idx, scale_grad_by_freq):
    """(factor, back): each looked-up row's gradient is multiplied by factor, 0 at padding_idx and 1/count
    with scale_grad_by_freq; the gradient of that gradient by the padding mask alone."""
    xp = _device.xp_of(idx)
    mask = None if padding_idx is None else (idx != padding_idx).astype(np.float64)
    if not scale_grad_by_freq:
        return mask, _SAME
    f = 1.0 / xp.bincount(idx.reshape(-1), minlength=n)[idx]
    return (f if mask is None else f * mask), mask


def embedding_renorm_(weight, idx, max_norm, norm_type):
    """Rows of weight that idx refers to, and whose norm exceeds max_norm, scaled down to it in place
    (PyTorch's embedding_renorm_: no graph, the weight's version moves)."""
    w = weight._data
    xp = _device.xp_of(w)
    rows = xp.unique(idx.reshape(-1))
    sel = w[rows]
    if norm_type == float('inf'):
        norms = xp.abs(sel).max(axis=1)
    else:
        norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if bool(big.any()):
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sel[big] * scale[:, None]
        bump_version(weight)
    return weight


def _padding(padding_idx, n):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < n, 'Padding_idx must be within num_embeddings'
    elif padding_idx < 0:
        assert padding_idx >= -n, 'Padding_idx must be within num_embeddings'
        padding_idx = n + padding_idx
    return padding_idx


def _check_range(idx, n):
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise IndexError('index out of range in self')


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    idx = _check_indices(input)
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise NotImplementedError('framework has no sparse tensors: nn.Embedding supports sparse=False only')
    n = weight.shape[0]
    padding_idx = _padding(padding_idx, n)
    _check_range(idx, n)
    if max_norm is not None:
        embedding_renorm_(weight, idx, max_norm, norm_type)
    factor, back = _grad_factor(idx, n, padding_idx, scale_grad_by_freq)
    return Gather.apply(weight, index=idx, factor=factor, back=back)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode='mean',
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of embeddings, without building the (indices, dim) lookups for sum and
    mean: each bag is a Scatter of its rows' Gather."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f'embedding_bag: If per_sample_weights ({Size(per_sample_weights.shape)}) is not None, '
                         f'then it must have the same shape as the input ({Size(input.shape)})')
    if weight.dim() != 2:
        raise ValueError(f'weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}')
    idx = _check_indices(input, 'embedding_bag')
    xp = _device.xp_of(idx)
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError('if input is 2D, then offsets has to be None, as input is treated is a mini-batch of '
                             f'fixed length sequences. However, found offsets of type {type(offsets)}')
        off = xp.arange(0, idx.size, max(idx.shape[1], 1), dtype=np.int64)[:idx.shape[0]]
        include_last_offset = False
        idx = idx.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError('offsets has to be a 1D Tensor but got None')
        if offsets.dim() != 1:
            raise ValueError('offsets has to be a 1D Tensor')
        off = offsets._data.astype(np.int64)
    else:
        raise ValueError(f'input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}')
    if mode not in ('sum', 'mean', 'max'):
        raise ValueError('mode has to be one of sum, mean or max')
    if mode == 'max' and scale_grad_by_freq:
        raise ValueError('max mode does not support scaling the gradient by the frequency')
    if sparse:
        raise NotImplementedError('framework has no sparse tensors: nn.EmbeddingBag supports sparse=False only')
    n = weight.shape[0]
    if max_norm is not None:
        embedding_renorm_(weight, idx, max_norm, norm_type)
    if per_sample_weights is not None and mode != 'sum':
        raise NotImplementedError('embedding_bag: per_sample_weights was not None. per_sample_weights is only '
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  'GitHub.')
    if off.size and int(off[0]) != 0:
        raise RuntimeError('offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from '
                           f'position 0. However, got {int(off[0])}\n[ torch.LongTensor{{}} ]')
    if off.size and int(off[-1]) > idx.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size} but got offsets[-1] of "
                           f'{int(off[-1])}')
    bad = xp.flatnonzero((idx < 0) | (idx >= n))
    if bad.size:
        i = int(bad[0])
        raise RuntimeError(f'Index {i} of input takes value {int(idx[i])} which is not in the valid range [0, {n})')
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    # bag b holds input[bounds[b]:bounds[b + 1]]; with include_last_offset the last offset closes the last bag
    # (it should be the input's length: PyTorch's float32 kernel then ignores what follows, its float64 one
    # does not; this follows the documented meaning)
    bounds = off if include_last_offset else xp.concatenate([off, xp.asarray([idx.size], dtype=np.int64)])
    n_bags = bounds.size - 1
    bag = xp.searchsorted(bounds[1:], xp.arange(idx.size), side='right')      # the bag each index falls into
    keep = bag < n_bags
    if padding_idx is not None:
        keep &= idx != padding_idx
    if mode == 'max':
        return _bag_max(weight, idx, bag, keep, n_bags)
    counts = xp.bincount(bag[keep], minlength=n_bags)
    factor = keep.astype(np.float64)
    if mode == 'mean':
        factor = factor / xp.maximum(counts, 1)[xp.minimum(bag, max(n_bags - 1, 0))]
    if scale_grad_by_freq:
        freq = xp.bincount(idx, minlength=n)[idx]
        rows = Gather.apply(weight, index=idx, factor=1.0 / freq, back=None)
    else:
        rows = Gather.apply(weight, index=idx)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    return Scatter.apply(rows, index=xp.minimum(bag, max(n_bags - 1, 0)), factor=factor, n=n_bags)


def _bag_max(weight, idx, bag, keep, n_bags):
    """Each bag's rows laid out in a (bags, longest bag, dim) block, the gaps at -inf; an empty bag gives 0."""
    xp = _device.xp_of(idx)
    idx, bag = idx[keep], bag[keep]
    counts = xp.bincount(bag, minlength=n_bags)
    longest = int(counts.max()) if counts.size else 0
    starts = xp.concatenate([xp.zeros(1, dtype=np.int64), xp.cumsum(counts)[:-1]]) if n_bags else counts
    pos = xp.arange(idx.size) - starts[bag]
    slot = xp.full((n_bags, max(longest, 1)), -1, dtype=np.int64)
    slot[bag, pos] = idx
    gap = slot < 0
    rows = Gather.apply(weight, index=xp.where(gap, 0, slot))
    dt = weight._data.dtype
    rows = rows + wrap(xp.where(gap, -np.inf, 0).astype(dt)[..., None])
    best = rows.amax(1)
    empty = (counts == 0)[:, None]
    if bool(empty.any()):
        from .unary import where
        best = where(wrap(empty), wrap(xp.zeros((), dtype=dt)), best)
    return best
