"""Indexing, read and write: ints, slices with steps, None, ..., integer tensors or lists (repeats
allowed: their gradients add up) and boolean masks.

Reading with basic indices gives a view. Writing (`t[idx] = v`) is an in-place op: the tensor's
history is rebased onto a `CopySlices` node whose backward sends `g` with the written region
zeroed to the old history and `g[idx]` to `v`.
"""
import numpy as np

from .. import _device
from ..autograd.function import Op, _edge, grad_of
from ..autograd.grad_mode import state as _grad_state
from .._tensor import Tensor, wrap
from .inplace import check_inplace, bump_version, on_view, refresh_views, VIEW_OF_LEAF_MESSAGE
from .shape import as_view

_BASIC = (int, slice, type(None), type(Ellipsis))


def convert_index(idx, xp=np):
    """Tensors in an index become arrays; lists of ints become integer arrays (advanced indexing)."""
    if isinstance(idx, tuple):
        return tuple(_convert_one(i, xp) for i in idx)
    return _convert_one(idx, xp)


def _convert_one(i, xp):
    if isinstance(i, Tensor):
        a = i._data
        if a.dtype.kind == 'f':
            raise IndexError('tensors used as indices must be long, int, byte or bool tensors')
        return a
    if isinstance(i, (list, tuple)) and not isinstance(i, Tensor):
        return xp.asarray([x.item() if isinstance(x, Tensor) else x for x in i]) if i else xp.asarray(i, dtype=np.int64)
    if isinstance(i, (bool, np.bool_)):
        return xp.asarray(i)
    if isinstance(i, np.integer):
        return int(i)
    if isinstance(i, float):
        raise IndexError('only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid '
                         f'indices (got {type(i).__name__})')
    return i


def _is_basic(idx):
    if isinstance(idx, tuple):
        return all(isinstance(i, _BASIC) and not isinstance(i, bool) for i in idx)
    return isinstance(idx, _BASIC) and not isinstance(idx, bool)


def _check_bounds(shape, idx):
    """PyTorch's IndexError text for an int out of range, or more indices than dimensions."""
    items = idx if isinstance(idx, tuple) else (idx,)
    dim = 0
    for i in items:
        if i is None:
            continue
        if i is Ellipsis:
            dim = len(shape) - sum(1 for j in items if j is not None and j is not Ellipsis) + dim
            continue
        if i.__class__ is slice and dim >= len(shape):
            raise IndexError('slice() cannot be applied to a 0-dim tensor.' if not shape else
                             f'too many indices for tensor of dimension {len(shape)}')
        if isinstance(i, int) and not isinstance(i, bool):
            if dim >= len(shape):
                raise IndexError(f'too many indices for tensor of dimension {len(shape)}')
            if not -shape[dim] <= i < shape[dim]:
                raise IndexError(f'index {i} is out of bounds for dimension {dim} with size {shape[dim]}')
        dim += 1


class Index(Op):
    node_name = 'IndexBackward0'

    @staticmethod
    def forward(ctx, a, idx=None):
        ctx.idx, ctx.shape = idx, a.shape
        return a[idx]

    @staticmethod
    def backward(ctx, g):
        if not _grad_state.enabled:         # no graph to record: scatter on arrays
            return grad_of(_index_grad(g._data, ctx.idx, ctx.shape))
        return IndexGrad.apply(g, idx=ctx.idx, shape=ctx.shape)


class Select(Index):
    node_name = 'SelectBackward0'


class Slice(Index):
    node_name = 'SliceBackward0'


class IndexGrad(Op):
    """Scatter-add `g` into zeros of `shape` at `idx`: the backward of indexing (and, in turn, its
    backward is indexing again)."""
    node_name = 'IndexPutBackward0'

    @staticmethod
    def forward(ctx, g, idx=None, shape=()):
        ctx.idx = idx
        return _index_grad(g, idx, shape)

    @staticmethod
    def backward(ctx, gg):
        return getitem(gg, ctx.idx)


def _index_grad(g, idx, shape):
    xp = _device.xp_of(g)
    out = xp.zeros(shape, dtype=g.dtype)
    if _is_basic(idx) or _only_bool(idx):
        out[idx] = g
    else:
        _scatter_add(xp, out, idx, g)
    return out


def _only_bool(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    adv = [i for i in items if not isinstance(i, _BASIC)]
    return len(adv) == 1 and getattr(adv[0], 'dtype', None) is not None and adv[0].dtype.kind == 'b'


def _scatter_add(xp, out, idx, g):
    if xp is np:
        np.add.at(out, idx, g)
    else:
        import cupyx
        cupyx.scatter_add(out, idx, g)


def _all_slices(idx, ndim):
    if not 0 < len(idx) <= ndim:
        return False
    for i in idx:
        if i.__class__ is not slice:
            return False
    return True


def getitem(input, idx):
    if (idx.__class__ is slice and input._data.ndim) or (idx.__class__ is tuple and _all_slices(idx, input._data.ndim)):
        return as_view(Slice.apply(input, idx=idx), input)      # x[a:b], x[:, :k]: nothing to convert or check
    xp = _device.xp_of(input._data)
    idx = convert_index(idx, xp)
    if _is_basic(idx):
        _check_bounds(input._data.shape, idx)
        items = idx if isinstance(idx, tuple) else (idx,)
        op = Select if all(isinstance(i, int) for i in items) else Slice
        return as_view(op.apply(input, idx=idx), input)
    if _only_bool(idx):
        mask = next(i for i in (idx if isinstance(idx, tuple) else (idx,)) if not isinstance(i, _BASIC))
        _check_mask(input._data.shape, idx, mask)
    try:
        return Index.apply(input, idx=idx)
    except IndexError as e:
        raise IndexError(str(e).replace(' axis ', ' dimension ')) from None


def _check_mask(shape, idx, mask):
    items = idx if isinstance(idx, tuple) else (idx,)
    start = 0
    for i in items:
        if i is mask:
            break
        start += 0 if i is None else 1
    for k, s in enumerate(mask.shape):
        if start + k < len(shape) and shape[start + k] != s:
            raise IndexError(f'The shape of the mask [{", ".join(map(str, mask.shape))}] at index {k} does not '
                             f'match the shape of the indexed tensor [{", ".join(map(str, shape))}] '
                             f'at index {start + k}')


class CopySlices(Op):
    """`t[idx] = v` on a tensor with history."""
    node_name = 'CopySlices'

    @staticmethod
    def backward(ctx, g):
        need_old, need_v = ctx.needs_input_grad
        g_old = MaskRegion.apply(g, idx=ctx.idx) if need_old else None
        g_v = getitem(g, ctx.idx) if need_v else None
        return g_old, g_v


class CopyBackwards(CopySlices):
    node_name = 'CopyBackwards'


class FillBackward(CopySlices):
    node_name = 'FillBackward2'


class FillTensorBackward(CopySlices):
    node_name = 'FillBackward3'


class ZeroBackward(CopySlices):
    node_name = 'ZeroBackward0'


class MaskRegion(Op):
    """A copy of `g` with `idx` set to zero; linear, so its backward is itself."""
    node_name = 'IndexFillBackward0'

    @staticmethod
    def forward(ctx, g, idx=None):
        ctx.idx = idx
        out = g.copy()
        out[idx] = 0
        return out

    @staticmethod
    def backward(ctx, gg):
        return MaskRegion.apply(gg, idx=ctx.idx)


def write(self, idx, value, node_cls=CopySlices):
    """In-place `self[idx] = value`, recorded in the graph when either side requires grad."""
    v_is_tensor = isinstance(value, Tensor)
    grad = _grad_state.enabled and (self._rg or (v_is_tensor and value._rg))
    if grad and self._rg and self.grad_fn is None and idx is not Ellipsis:
        raise RuntimeError(VIEW_OF_LEAF_MESSAGE)      # t[idx] = v writes through the view t[idx]
    if check_inplace(self, grad):
        def written(v):
            v = v.clone()
            write(v, idx, value, node_cls)
            return v
        return on_view(self, written)
    if v_is_tensor:
        varr = value._data
        if _device._cupy and varr.__class__ is not self._data.__class__:
            if varr.ndim:
                _device.check_same_device((self, value))
            varr = _device.move(varr, self.device)
    elif isinstance(value, (np.ndarray, np.generic)):
        varr = value
    else:
        varr = value
    if grad:
        node = node_cls._Node()
        node.idx = idx
        node.needs_input_grad = (self._rg, v_is_tensor and value._rg)
        node.next_functions = (_edge(self), _edge(value))
        node._meta = ((self._data.shape, self._data.dtype) if self._rg else None,
                      (value._data.shape, value._data.dtype) if v_is_tensor and value._rg else None)
        node._n_out = 1
        node._saved = ()
    try:
        self._data[idx] = varr
    except ValueError as e:
        raise RuntimeError(_broadcast_message(self._data, idx, varr, e)) from None
    bump_version(self)
    if grad:
        self.grad_fn = node
        self._rg = True
        self._out = 0
        if len(self._vc) > 1:
            refresh_views(self)
    return self


def _broadcast_message(arr, idx, varr, e):
    try:
        target = arr[idx].shape
    except Exception:
        return str(e)
    vs = getattr(varr, 'shape', ())
    if _is_basic(idx) or idx is Ellipsis:
        from .shape import expand
        from .promotion import broadcast_message
        if idx is Ellipsis:
            return broadcast_message(arr.shape, vs) or str(e)
        try:
            expand(wrap(np.empty(vs)), target)
        except RuntimeError as err:
            return str(err)
    return (f'shape mismatch: value tensor of shape [{", ".join(map(str, vs))}] cannot be broadcast to indexing '
            f'result of shape [{", ".join(map(str, target))}]')


def setitem(self, idx, value):
    xp = _device.xp_of(self._data)
    idx = convert_index(idx, xp)
    if _is_basic(idx):
        _check_bounds(self._data.shape, idx)
    write(self, idx, value)


# ---------------------------------------------------------------- gather / scatter along a dim
def along(index, dim):
    """The advanced-index tuple that picks `index[..]` along `dim` and the same position elsewhere."""
    xp = _device.xp_of(index)
    nd = index.ndim
    out = []
    for k, n in enumerate(index.shape):
        if k == dim:
            out.append(index)
        else:
            shape = [1] * nd
            shape[k] = n
            out.append(xp.arange(n).reshape(shape))
    return tuple(out)


class Gather(Op):
    @staticmethod
    def forward(ctx, a, index, dim=0):
        ctx.dim, ctx.index, ctx.shape = dim, index, a.shape
        return a[along(index, dim)]

    @staticmethod
    def backward(ctx, g):
        return ScatterAddZeros.apply(g, index=ctx.index, dim=ctx.dim, shape=ctx.shape), None


class ScatterAddZeros(Op):
    """zeros(shape).scatter_add_(dim, index, src): the backward of gather (its own is gather)."""
    node_name = 'ScatterAddBackward0'

    @staticmethod
    def forward(ctx, src, index=None, dim=0, shape=()):
        ctx.dim, ctx.index = dim, index
        xp = _device.xp_of(src)
        out = xp.zeros(shape, dtype=src.dtype)
        _scatter_add(xp, out, along(index, dim), src[tuple(slice(0, n) for n in index.shape)])
        return out

    @staticmethod
    def backward(ctx, gg):
        return Gather.apply(gg, wrap_index(ctx.index), dim=ctx.dim)


def wrap_index(arr):
    return wrap(arr)


def _check_index_tensor(name, index, input, dim):
    if not isinstance(index, Tensor) or index._data.dtype.kind not in 'iu':
        raise RuntimeError(f'{name}(): Expected dtype int64 for index')
    if index._data.ndim != input._data.ndim and not (index._data.ndim <= 1 and input._data.ndim <= 1):
        raise RuntimeError('Index tensor must have the same number of dimensions as input tensor')


def gather(input, dim, index, *, sparse_grad=False):
    from .shape import _wrap_dim
    _check_index_tensor('gather', index, input, dim)
    d = _wrap_dim(dim, max(input._data.ndim, 1))
    return Gather.apply(input, index, dim=d)


class ScatterAdd(Op):
    @staticmethod
    def forward(ctx, a, index, src, dim=0):
        ctx.dim, ctx.index = dim, index
        out = a.copy()
        _scatter_add(_device.xp_of(a), out, along(index, dim), src[tuple(slice(0, n) for n in index.shape)])
        return out

    @staticmethod
    def backward(ctx, g):
        need_a, _, need_src = ctx.needs_input_grad
        gs = Gather.apply(g, wrap_index(ctx.index), dim=ctx.dim) if need_src else None
        return (g if need_a else None), None, gs


def scatter_add(input, dim, index, src):
    from .shape import _wrap_dim
    _check_index_tensor('scatter_add', index, input, dim)
    return ScatterAdd.apply(input, index, src, dim=_wrap_dim(dim, max(input._data.ndim, 1)))


class Scatter(Op):
    @staticmethod
    def forward(ctx, a, index, src, dim=0):
        ctx.dim, ctx.index = dim, index
        out = a.copy()
        pos = along(index, dim)
        if hasattr(src, 'shape') and src.ndim:
            out[pos] = src[tuple(slice(0, n) for n in index.shape)]
        else:
            out[pos] = src
        return out

    @staticmethod
    def backward(ctx, g):
        need_a, _, need_src = ctx.needs_input_grad
        idx = wrap_index(ctx.index)
        ga = Scatter.apply(g, idx, 0.0, dim=ctx.dim) if need_a else None
        gs = Gather.apply(g, idx, dim=ctx.dim) if need_src else None
        return ga, None, gs


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    from .shape import _wrap_dim
    if reduce is not None:
        raise RuntimeError('scatter(reduce=...) is not supported by framework; use scatter_add')
    _check_index_tensor('scatter', index, input, dim)
    if src is None:
        src = value
    return Scatter.apply(input, index, src, dim=_wrap_dim(dim, max(input._data.ndim, 1)))


def index_select(input, dim, index):
    from .shape import _wrap_dim
    d = _wrap_dim(dim, max(input._data.ndim, 1))
    if index._data.ndim > 1:
        raise IndexError('index_select(): Index is supposed to be a vector')
    return getitem(input, (slice(None),) * d + (index.reshape(-1),))


def masked_fill(input, mask, value):
    from .unary import where
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != 'b':
        raise RuntimeError(f'masked_fill_ only supports boolean masks, but got mask with dtype '
                           f'{getattr(mask, "dtype", type(mask).__name__)}')
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f'masked_fill_ only supports a 0-dimensional value tensor, but got tensor with '
                               f'{value._data.ndim} dimension(s).')
        value = value.to(input.dtype)
    else:
        value = input.new_tensor(value)
    return where(mask, value, input)


def masked_select(input, mask):
    from .shape import expand
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    return getitem(expand(input, shape), expand(mask, shape))


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    return gather(input, dim, indices)
