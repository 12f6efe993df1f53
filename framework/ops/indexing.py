"""Indexing, read and write: ints, slices with steps, None, ..., integer tensors or lists (repeats
allowed: their gradients add up) and boolean masks, read as PyTorch reads them (`parse`).

Every basic index (ints included) gives a view: NumPy's scalar for a full integer index is avoided
by ending the index in `...`, so `b[0].neg_()` writes into `b`. Ints select before the advanced
indices are applied (`Split`), which is where PyTorch puts the result dims and NumPy does not.
Writing (`t[idx] = v`) is an in-place op: the tensor's history is rebased onto a `CopySlices` node
whose backward sends `g` with the written region zeroed to the old history and `g[idx]` to `v`.
"""
import math

import numpy as np

from .. import _device
from ..autograd.function import Op, _edge, grad_of
from ..autograd.grad_mode import state as _grad_state
from .._dtype import scalar_name
from .._tensor import Tensor, wrap
from .inplace import check_inplace, check_overlap, bump_version, on_view, refresh_views, VIEW_OF_LEAF_MESSAGE
from .shape import as_view

_ONLY = ('only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices '
         '(got {})')
_INDEX_DTYPES = 'tensors used as indices must be long, int, byte or bool tensors'
_SEQUENCE_AS_TUPLE = ('Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in '
                      'pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as '
                      'tensor index, x[torch.tensor(seq)], which will result either in an error or a different result')


class Split(tuple):
    """(basic, advanced): an index applied in two steps, the basic part (ints, slices, None) first,
    giving a view, then the advanced part (integer arrays, masks) on that view.

    That is PyTorch's rule: an int selects before any advanced index is looked at, so it never
    counts as one (`zeros(3, 4, 5)[0, :, [0, 1]]` is (4, 2); NumPy, for which the int is an
    advanced index separated from the list by the slice, makes it (2, 4)).
    """
    __slots__ = ()


def read(a, idx):
    """`a[idx]` for an index made by `parse`."""
    if idx.__class__ is Split:
        return a[idx[0]][idx[1]]
    return a[idx]


def assign(a, idx, v):
    """`a[idx] = v` for an index made by `parse` (the basic step is a view, so this writes into `a`)."""
    if idx.__class__ is Split:
        a[idx[0]][idx[1]] = v
    else:
        a[idx] = v


def _scatter_add(xp, out, idx, g):
    if idx.__class__ is Split:
        out, idx = out[idx[0]], idx[1]
    if xp is np:
        np.add.at(out, idx, g)
    else:
        import cupyx
        cupyx.scatter_add(out, idx, g)


def _treat_as_tuple(idx):
    """NumPy's old heuristic, which PyTorch keeps: a short list holding sequences, slices, tensors,
    None or ... is a tuple of indices (`x[[[0, 1], [1, 2]]]` is `x[[0, 1], [1, 2]]`)."""
    if len(idx) >= 32:
        return False
    for i in idx:
        if isinstance(i, (Tensor, list, tuple, slice, np.ndarray)) or i is None or i is Ellipsis:
            return True
    return False


def _index_array(i, xp):
    """A list (or array) used as an index, as PyTorch's indexing tensor: bool stays bool, anything
    else becomes int64 (floats are truncated, as PyTorch does)."""
    if isinstance(i, (list, tuple)):
        i = [x.item() if isinstance(x, Tensor) else x for x in i] if any(isinstance(x, Tensor) for x in i) else i
        a = xp.asarray(i)
    else:
        a = i
    if a.dtype.kind == 'b':
        return a
    if a.dtype.kind in 'iuf' or not a.size:
        return a.astype(np.int64) if a.dtype != np.int64 else a
    raise IndexError(_INDEX_DTYPES)


def _items(idx, xp):
    """The index as a tuple of ints, slices, None, ..., Python bools and arrays (int or bool)."""
    if idx.__class__ is not tuple:
        if isinstance(idx, list) and _treat_as_tuple(idx):
            import warnings
            warnings.warn(_SEQUENCE_AS_TUPLE, UserWarning, stacklevel=3)
            idx = tuple(idx)
        else:
            idx = (idx,)
    out = []
    for i in idx:
        c = i.__class__
        if c is int or c is slice or i is None or i is Ellipsis or c is bool:
            out.append(i)
        elif isinstance(i, Tensor):
            a = i._data
            k = a.dtype.kind
            if k == 'f' or k == 'c':
                raise IndexError(_INDEX_DTYPES)
            if a.ndim == 0:
                # a 0-d integer tensor selects like an int; a 0-d bool (or uint8) one acts as a Python bool
                out.append(bool(a) if k == 'b' or a.dtype == np.uint8 else int(a))
            else:
                out.append(a.astype(bool) if a.dtype == np.uint8 else a)
        elif isinstance(i, (np.integer,)):
            out.append(int(i))
        elif isinstance(i, np.bool_):
            out.append(bool(i))
        elif isinstance(i, (list, tuple)) or hasattr(i, 'dtype') and hasattr(i, 'ndim'):
            out.append(_index_array(i, xp))
        elif isinstance(i, float):
            raise IndexError(_ONLY.format(type(i).__name__))
        elif hasattr(i, '__index__'):
            out.append(i.__index__())
        else:
            raise IndexError(_ONLY.format(type(i).__name__))
    return out


def _check_step(s):
    if s.step is not None and s.step <= 0:
        raise ValueError('step must be greater than zero' if s.step else 'slice step cannot be zero')


def _too_many(ndim):
    return IndexError(f'too many indices for tensor of dimension {ndim}')


def parse(shape, idx, xp=np):
    """PyTorch's reading of an index on a tensor of `shape`, as an index for `read`/`assign`.

    Returns (index, is_view). Ints, slices, None and ... become one basic NumPy index, ending in
    `...` so that a full integer index still gives a 0-d view (NumPy would give a scalar copy).
    With advanced indices the result is a `Split`, or a plain tuple when no int or bool sits among
    them (then NumPy's placement of the result dims is PyTorch's). Errors are PyTorch's.
    """
    ndim = len(shape)
    if isinstance(idx, np.integer):
        idx = int(idx)
    if ndim == 0 and idx.__class__ is int:
        if idx:
            raise IndexError(f'index {idx} is out of bounds for dimension 0 with size 0')
        raise IndexError('invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ '
                         'to convert a 0-dim tensor to a number')
    if ndim == 0 and idx.__class__ is slice:
        _check_step(idx)
        raise IndexError('slice() cannot be applied to a 0-dim tensor.')
    items = _items(idx, xp)
    spec = 0
    for i in items:
        if i is None or i is Ellipsis or i.__class__ is bool:
            continue
        spec += i.ndim if getattr(i, 'dtype', None) is not None and i.dtype.kind == 'b' else 1
    if spec > ndim:
        raise _too_many(ndim)
    basic, adv, merged = [], [], []
    has_int = has_adv = has_bool = False
    d = 0                   # dimension of the input that the next item indexes
    for pos, i in enumerate(items):
        c = i.__class__
        if c is int:
            n = shape[d]
            if not -n <= i < n:         # PyTorch names the position in the index, not the dim
                raise IndexError(f'index {i} is out of bounds for dimension {pos} with size {n}')
            basic.append(i)
            merged.append(i)
            has_int = True
            d += 1
        elif c is slice:
            if i.step is not None:
                _check_step(i)
            basic.append(i)
            adv.append(slice(None))
            merged.append(i)
            d += 1
        elif i is None:
            basic.append(None)
            adv.append(slice(None))
            merged.append(None)
        elif i is Ellipsis:
            k = ndim - spec
            spec = ndim         # a second ... adds nothing (PyTorch accepts it)
            basic.extend([slice(None)] * k)
            adv.extend([slice(None)] * k)
            merged.extend([slice(None)] * k)
            d += k
        elif c is bool:     # unsqueeze, then pick the new dim (True) or none of it (False)
            basic.append(None)
            arr = xp.zeros(1 if i else 0, dtype=np.int64)
            adv.append(arr)
            merged.append(arr)
            has_adv = has_bool = True
        else:
            k = i.ndim if i.dtype.kind == 'b' else 1
            basic.extend([slice(None)] * k)
            adv.append(i)
            merged.append(i)
            has_adv = True
            d += k
    if not has_adv:
        basic.append(Ellipsis)
        return tuple(basic), True
    if has_int or has_bool:
        basic.append(Ellipsis)
        return Split((tuple(basic), tuple(adv))), False
    return tuple(merged), False


def check_advanced(shape, idx, xp):
    """PyTorch's checks of the advanced indices of a parsed index on a tensor of `shape`: mask
    shapes and broadcasting, then bounds (`dimension` counted among the indexed dims, as PyTorch's
    index kernel counts it), all against the tensor the basic step leaves. Returns the index, with
    out-of-range entries zeroed when the result is empty (PyTorch reads nothing then, and does not
    check; NumPy would raise)."""
    split = idx.__class__ is Split
    shape, adv = (_basic_shape(shape, idx[0]), idx[1]) if split else _sliced(shape, idx)
    d = 0
    k = 0
    shapes = []
    bounds = []
    indexed = []        # the sizes of the dims the advanced indices take
    rest = 1            # the size of the dims no advanced index takes
    for pos, i in enumerate(adv):
        if i.__class__ is slice:
            rest *= shape[d]
            d += 1
            continue
        if i.dtype.kind == 'b':
            for j, s in enumerate(i.shape):
                if shape[d + j] != s:
                    raise IndexError(f'The shape of the mask [{", ".join(map(str, i.shape))}] at index {j} does not '
                                     f'match the shape of the indexed tensor [{", ".join(map(str, shape))}] '
                                     f'at index {d + j}')
            n = int(i.sum()) if xp is np else None
            shapes.extend([(n,)] * i.ndim)
            indexed.extend(i.shape)
            d += i.ndim
            k += i.ndim
        else:
            shapes.append(i.shape)
            indexed.append(shape[d])
            bounds.append((pos, i, shape[d], k))
            d += 1
            k += 1
    if xp is not np:
        return idx
    try:
        bshape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError('shape mismatch: indexing tensors could not be broadcast together with shapes ' +
                         ', '.join(f'[{", ".join(map(str, s))}]' for s in shapes)) from None
    size = math.prod(bshape) * rest * math.prod(shape[d:])
    if 0 in indexed and 0 not in bshape:
        raise IndexError('index is out of bounds for dimension with size 0')
    for pos, i, n, k in bounds:
        if i.size:
            bad = (i < -n) | (i >= n)
            if bad.any():
                if size:
                    raise IndexError(f'index {int(i[bad].flat[0])} is out of bounds for dimension {k} with size {n}')
                adv = adv[:pos] + (np.where(bad, 0, i),) + adv[pos + 1:]
                if split:
                    idx = Split((idx[0], adv))
                else:
                    idx = tuple(adv[p] if idx[p].__class__ is not slice and idx[p] is not None else idx[p]
                                for p in range(len(idx)))
    return idx


def _sliced(shape, merged):
    """The shape a one-step index's slices and None leave, and its advanced part on that shape."""
    out, adv = [], []
    d = 0
    for i in merged:
        if i is None:
            out.append(1)
            adv.append(slice(None))
        elif i.__class__ is slice:
            out.append(len(range(*i.indices(shape[d]))))
            adv.append(slice(None))
            d += 1
        else:
            k = i.ndim if i.dtype.kind == 'b' else 1
            out.extend(shape[d:d + k])
            adv.append(i)
            d += k
    out.extend(shape[d:])
    return tuple(out), tuple(adv)


def _basic_shape(shape, basic):
    out = []
    d = 0
    for i in basic:
        if i is None:
            out.append(1)
        elif i is Ellipsis:
            out.extend(shape[d:])
            break
        elif i.__class__ is int:
            d += 1
        else:
            out.append(len(range(*i.indices(shape[d]))))
            d += 1
    return tuple(out)


class Index(Op):
    node_name = 'IndexBackward0'

    @staticmethod
    def forward(ctx, a, idx=None):
        ctx.idx, ctx.shape = idx, a.shape
        return a[idx[0]][idx[1]] if idx.__class__ is Split else a[idx]

    @staticmethod
    def backward(ctx, g):
        if not _grad_state.enabled:         # no graph to record: scatter on arrays
            return grad_of(_index_grad(g._data, ctx.idx, ctx.shape))
        return IndexGrad.apply(g, idx=ctx.idx, shape=ctx.shape)


class Select(Index):
    node_name = 'SelectBackward0'

    @staticmethod
    def forward(ctx, a, idx=None):          # a basic index: never a Split
        ctx.idx, ctx.shape = idx, a.shape
        return a[idx]


class Slice(Select):
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
        return Index.apply(gg, idx=ctx.idx)


def _index_grad(g, idx, shape):
    xp = _device.xp_of(g)
    out = xp.zeros(shape, dtype=g.dtype)
    if _no_repeats(idx):
        assign(out, idx, g)
    else:
        _scatter_add(xp, out, idx, g)
    return out


def _no_repeats(idx):
    """True when no element can be picked twice: basic indices, or one mask and nothing else advanced."""
    if idx.__class__ is Split:
        idx = idx[1]
    elif idx.__class__ is not tuple:
        idx = (idx,)
    n = 0
    for i in idx:
        if i is None or i.__class__ is slice or i.__class__ is int or i is Ellipsis:
            continue
        if i.dtype.kind != 'b' or n:
            return False
        n += 1
    return True


def _all_slices(idx, ndim):
    if not 0 < len(idx) <= ndim:
        return False
    for i in idx:
        if i.__class__ is not slice or (i.step is not None and i.step <= 0):
            return False
    return True


def _ints_in_range(idx, shape):
    if not 0 < len(idx) <= len(shape):
        return False
    for i, n in zip(idx, shape):
        if i.__class__ is not int or not -n <= i < n:
            return False
    return True


def _one_int_array(idx, c, xp, shape):
    """The index as one array when NumPy reads it as PyTorch does, range errors aside: an
    integer tensor or list of ints, or a mask of the tensor's leading shape (None otherwise: the
    general path then reads it)."""
    if c is Tensor:
        arr = idx._data
        if arr.ndim and arr.dtype.kind == 'i':      # (uint8 is a mask)
            return arr
        if arr.dtype.kind == 'b' and arr.ndim and arr.shape == shape[:arr.ndim]:
            return arr                              # one mask of the right shape
        return None
    for i in idx:
        if i.__class__ is not int:
            return None
    return xp.asarray(idx, dtype=np.int64)


def getitem(input, idx):
    a = input._data
    c = idx.__class__
    if (c is slice and (idx.step is None or idx.step > 0) and a.ndim) or (c is tuple and _all_slices(idx, a.ndim)):
        return as_view(Slice.apply(input, idx=idx), input)      # x[a:b], x[:, :k]: nothing to convert or check
    if c is int and a.ndim and -a.shape[0] <= idx < a.shape[0]:
        return as_view(Select.apply(input, idx=(idx, Ellipsis)), input)     # a 0-d view, never a NumPy scalar
    if c is tuple and _ints_in_range(idx, a.shape):
        return as_view(Select.apply(input, idx=idx + (Ellipsis,)), input)
    xp = _device.xp_of(a)
    if (c is Tensor or c is list) and a.ndim:      # x[batch_indices]: one integer array along dim 0
        arr = _one_int_array(idx, c, xp, a.shape)
        if arr is not None:
            try:
                return Index.apply(input, idx=arr)
            except IndexError:      # out of range (or an empty result PyTorch allows): the general path
                pass
    idx, is_view = parse(a.shape, idx, xp)
    if is_view:
        op = Select if all(i.__class__ is int or i is Ellipsis for i in idx) else Slice
        return as_view(op.apply(input, idx=idx), input)
    return Index.apply(input, idx=check_advanced(a.shape, idx, xp))


class CopySlices(Op):
    """`t[idx] = v` on a tensor with history."""
    node_name = 'CopySlices'

    @staticmethod
    def backward(ctx, g):
        need_old, need_v = ctx.needs_input_grad
        g_old = MaskRegion.apply(g, idx=ctx.idx) if need_old else None
        g_v = Index.apply(g, idx=ctx.idx) if need_v else None
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
        assign(out, idx, 0)
        return out

    @staticmethod
    def backward(ctx, gg):
        return MaskRegion.apply(gg, idx=ctx.idx)


def write(self, idx, value, node_cls=CopySlices, whole=True):
    """In-place `self[idx] = value` for an index made by `parse` (or `...`), recorded in the graph
    when either side requires grad. `whole`: the write goes to the tensor itself, not through a
    view of it (PyTorch's two messages for a leaf that requires grad)."""
    v_is_tensor = isinstance(value, Tensor)
    grad = _grad_state.enabled and (self._rg or (v_is_tensor and value._rg))
    if grad and self._rg and self.grad_fn is None and not whole:
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
        assign(self._data, idx, varr)
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
    vs = getattr(varr, 'shape', ())
    if idx is Ellipsis:
        from .promotion import broadcast_message
        return broadcast_message(arr.shape, vs) or str(e)
    try:
        target = read(arr, idx).shape
    except Exception:
        return str(e)
    if idx.__class__ is tuple and not any(hasattr(i, 'dtype') for i in idx):    # basic: PyTorch's copy_to
        from .shape import expand
        try:
            expand(wrap(np.empty(vs)), target)
        except RuntimeError as err:
            return str(err)
    return (f'shape mismatch: value tensor of shape [{", ".join(map(str, vs))}] cannot be broadcast to indexing '
            f'result of shape [{", ".join(map(str, target))}]')


_LEGACY = {'float32': 'FloatTensor', 'float64': 'DoubleTensor', 'float16': 'HalfTensor', 'int64': 'LongTensor',
           'int32': 'IntTensor', 'int16': 'ShortTensor', 'int8': 'CharTensor', 'uint8': 'ByteTensor',
           'bool': 'BoolTensor'}


def _whole(shape, idx):
    """True when the basic part of a parsed index takes all of the tensor as it is (PyTorch then
    writes into the tensor itself rather than into a view of it)."""
    if idx.__class__ is Split:
        idx = idx[0]
    d = 0
    for i in idx:
        if i is Ellipsis:
            return True
        if i.__class__ is slice:
            if i.indices(shape[d]) != (0, shape[d], 1):
                return False
            d += 1
        elif hasattr(i, 'dtype'):
            d += i.ndim if i.dtype.kind == 'b' else 1
        else:
            return False
    return True


def _one_mask(idx):
    """One mask and no other advanced index: PyTorch writes a 1-element value by masked_fill, which casts."""
    adv = [i for i in (idx[1] if idx.__class__ is Split else idx) if hasattr(i, 'dtype')]
    return len(adv) == 1 and adv[0].dtype.kind == 'b'


def _byte_mask(idx):
    return any(isinstance(i, Tensor) and i._data.dtype == np.uint8 and i._data.ndim
               for i in (idx if isinstance(idx, (tuple, list)) else (idx,)))


def setitem(self, idx, value):
    a = self._data
    if not isinstance(value, (Tensor, int, float, complex, np.generic)):
        t = type(value)
        name = t.__name__ if t.__module__ == 'builtins' else f'{t.__module__}.{t.__name__}'
        raise TypeError(f"can't assign a {name} to a torch.{_LEGACY.get(a.dtype.name, 'Tensor')}")
    if idx is False:            # PyTorch's shortcut: nothing to write, nothing checked
        return
    xp = _device.xp_of(a)
    given = idx
    idx, is_view = parse(a.shape, (None, Ellipsis) if idx is True else idx, xp)
    if not is_view:
        idx = check_advanced(a.shape, idx, xp)
        if (not isinstance(value, Tensor) or value._data.size == 1) and _one_mask(idx) and _byte_mask(given):
            raise RuntimeError('masked_fill_ only supports boolean masks, but got mask with dtype unsigned char')
    if isinstance(value, Tensor):
        s = value._data.shape
        if s and s[0] == 1:                 # PyTorch drops leading 1s of the value before broadcasting
            k = 0
            while k < len(s) and s[k] == 1:
                k += 1
            value = value.reshape(s[k:])
        if not is_view and value._data.dtype != a.dtype and not (value._data.size == 1 and _one_mask(idx)):
            raise RuntimeError(f'Index put requires the source and destination dtypes match, got '
                               f'{scalar_name(a.dtype.name)} for the destination and '
                               f'{scalar_name(value._data.dtype.name)} for the source.')
    whole = _whole(a.shape, idx)
    if whole and is_view:
        check_overlap(self)
    write(self, idx, value, whole=whole)


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


def _wrap_dim_scalar(dim, ndim):
    """PyTorch's dim check where a 0-d tensor has no dim 0 (take_along_dim, unbind)."""
    from .shape import _wrap_dim
    d = _wrap_dim(dim, max(ndim, 1))
    if ndim == 0:
        raise IndexError(f'Dimension specified as {d} but tensor has no dimensions')
    return d


def gather(input, dim, index, *, sparse_grad=False):
    from .shape import _wrap_dim
    a = input._data
    d = _wrap_dim(dim, max(a.ndim, 1))
    if isinstance(index, Tensor) and index._data.size == 0:       # PyTorch checks nothing more then
        from .shape import reshape
        return reshape(getitem(reshape(input, -1), slice(0, 0)), index._data.shape)
    if not isinstance(index, Tensor) or index._data.dtype not in (np.int64, np.int32):
        raise RuntimeError('gather(): Expected dtype int32/int64 for index')
    ia = index._data
    if ia.ndim != a.ndim and not (ia.ndim <= 1 and a.ndim <= 1):
        raise RuntimeError('Index tensor must have the same number of dimensions as input tensor')
    ishape, ashape = ia.shape or (1,), a.shape or (1,)
    for k, (i, s) in enumerate(zip(ishape, ashape)):
        if k != d and i > s and ia.size:
            raise RuntimeError(f'Size does not match at dimension {k} expected index {list(ishape)} to be no larger '
                               f'than self {list(ashape)} apart from dimension {d}')
    n = ashape[d]
    if ia.size and _device.xp_of(ia) is np:
        bad = (ia < 0) | (ia >= n)
        if bad.any():
            raise RuntimeError(f'index {int(ia[bad].flat[0])} is out of bounds for dimension {d} with size {n}')
    if a.ndim == 0 or ia.ndim == 0:       # PyTorch treats 0-d operands as 1-element vectors here
        from .shape import reshape
        flat = reshape(input, 1) if a.ndim == 0 else input
        return reshape(Gather.apply(flat, reshape(index, -1), dim=0), ia.shape)
    return Gather.apply(input, index, dim=d)


def index_select(input, dim, index):
    from .shape import _wrap_dim
    a = input._data
    d = _wrap_dim(dim, max(a.ndim, 1))
    if not isinstance(index, Tensor):
        raise TypeError(f"index_select(): argument 'index' (position 3) must be Tensor, not {type(index).__name__}")
    ia = index._data
    if ia.ndim > 1:
        raise IndexError('index_select(): Index is supposed to be a vector')
    if a.ndim == 0 and ia.size != 1:
        raise RuntimeError(f'index_select(): Index to scalar can have only 1 value, got {ia.size} value(s)')
    if ia.dtype not in (np.int64, np.int32):
        raise RuntimeError('index_select(): Expected dtype int32 or int64 for index')
    n = a.shape[d] if a.ndim else 1
    if ia.size:
        if a.ndim > 1 and n == 0:
            raise RuntimeError('index_select(): self indexing axis dim should be positive')
        if _device.xp_of(ia) is np and (ia.min() < 0 or ia.max() >= n):
            if d == 1:      # PyTorch's CPU kernel for dim 1 words it differently
                bad = ia.reshape(-1)[((ia < 0) | (ia >= n)).reshape(-1)][0]
                raise RuntimeError(f'INDICES element is out of DATA bounds, id={int(bad)} axis_dim={n}')
            raise IndexError('index out of range in self')
    if a.ndim == 0:
        from .shape import reshape
        return reshape(getitem(reshape(input, 1), index.reshape(-1)), ())
    return getitem(input, (slice(None),) * d + (index.reshape(-1),))


def take_along_dim(input, indices, dim=None):
    """gather after broadcasting input and indices against each other in every dim but `dim`."""
    from .shape import expand, reshape
    if not isinstance(indices, Tensor):
        raise TypeError(f"take_along_dim(): argument 'indices' (position 2) must be Tensor, not "
                        f'{type(indices).__name__}')
    if dim is None:
        return gather(reshape(input, -1), 0, reshape(indices, -1))
    a, ia = input._data, indices._data
    if a.ndim != ia.ndim:
        raise RuntimeError(f'torch.take_along_dim(): input and indices should have the same number of dimensions, '
                           f'but got {a.ndim} dimensions for input, and {ia.ndim} dimensions for indices')
    if ia.dtype != np.int64:
        raise RuntimeError(f'torch.take_along_dim(): dtype of indices should be Long but got '
                           f'{scalar_name(ia.dtype.name)}')
    d = _wrap_dim_scalar(dim, a.ndim)
    s = list(a.shape)
    s[d] = ia.shape[d]
    for k in reversed(range(len(s))):       # PyTorch's infer_size names the last mismatch
        if s[k] != ia.shape[k] and s[k] != 1 and ia.shape[k] != 1:
            raise RuntimeError(f'The size of tensor a ({s[k]}) must match the size of tensor b ({ia.shape[k]}) at '
                               f'non-singleton dimension {k}')
    ishape = np.broadcast_shapes(tuple(s), ia.shape)
    s = list(ia.shape)
    s[d] = a.shape[d]
    ashape = np.broadcast_shapes(tuple(s), a.shape)
    if a.shape[d]:          # PyTorch 2.13 takes indices modulo the size here (gather would raise)
        indices = wrap(_device.xp_of(ia).remainder(ia, a.shape[d]))
    elif ia.size:
        raise RuntimeError('ZeroDivisionError')     # (that modulo, by a size of 0)
    return gather(expand(input, ashape), d, expand(indices, ishape))


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
