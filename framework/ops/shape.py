"""Shape ops. Most return views: they share memory, `_base` and the version counter with their input.

`sum_to` is the one helper that undoes broadcasting; the engine calls it when a gradient's shape
differs from its input's.
"""
import math
import weakref

import numpy as np

from ..autograd.function import Op, formula
from ..autograd.grad_mode import state as _grad_state
from .._tensor import _new_vc, wrap
from .._dtype import FROM_NP


def as_view(out, base, _ref=weakref.ref):
    """Mark `out` as a view of `base`: same base and version counter, as PyTorch's views.

    The version counter (a list) also keeps weak references to the views after its first item, so
    that an in-place op recorded on the base can give every live view its new history
    (`inplace.refresh_views`); dead references are pruned whenever the list doubles.
    """
    if out._data.base is None and out._data is not base._data:     # NumPy had to copy: not a view
        return out
    root = base._base if base._base is not None else base
    out._base = root
    vc = out._vc = base._vc if base._vc is not None else _new_vc(base)
    vc.append(_ref(out))
    n = len(vc)
    if n >= 64 and not n & (n - 1):
        vc[1:] = [r for r in vc[1:] if r() is not None]
    return out


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if s.__class__ is not int:          # NumPy integers, 0-d tensors
            return tuple(int(s) for s in shape)
    return shape


def _infer(shape, numel, input_shape):
    """Resolve one -1 and check the element count, with PyTorch's messages."""
    if shape.count(-1) > 1:
        raise RuntimeError('only one dimension can be inferred')
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f'invalid shape dimension {s}')
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class View(Op):
    node_name = 'ViewBackward0'

    @staticmethod
    def forward(ctx, a, shape=()):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @formula
    def backward(ctx, m, g):
        return m.reshape(g, ctx.in_shape)


class UnsafeView(View):
    """reshape that had to copy (non-contiguous input)."""
    node_name = 'UnsafeViewBackward0'


def reshape(input, *shape):
    return _reshape(input, _infer(_shape_arg(shape), input._data.size, input._data.shape))


def _reshape(input, shape):
    """reshape to a shape already checked against the input's size."""
    a = input._data
    if a.flags.c_contiguous or _viewable(a, shape):
        return as_view(View.apply(input, shape=shape), input)
    return UnsafeView.apply(input, shape=shape)         # a copy, as PyTorch's reshape of such a tensor


def _viewable(a, shape):
    """NumPy can reshape `a` without copying exactly when assigning the shape to a view succeeds."""
    try:
        a.view().shape = shape
        return True
    except AttributeError:
        return False


def view(input, *shape):
    if shape and not isinstance(shape[0], (int, tuple, list)) and len(shape) == 1:
        from .convert import view_as_dtype
        return view_as_dtype(input, shape[0])
    shape = _infer(_shape_arg(shape), input._data.size, input._data.shape)
    a = input._data
    if not a.flags.c_contiguous and a.size > 1 and shape != a.shape and not _viewable(a, shape):
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           'dimension spans across two contiguous subspaces). Use .reshape(...) instead.')
    return as_view(View.apply(input, shape=shape), input)


def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, 1)
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError('flatten() has invalid args: start_dim cannot come after end_dim')
    shp = input._data.shape
    new = shp[:s] + (math.prod(shp[s:e + 1]),) + shp[e + 1:]
    return _reshape(input, new)


class Unsqueeze(Op):
    @staticmethod
    def forward(ctx, a, dim=0):
        ctx.dim = dim
        return _expand_dims(a, dim)

    @formula
    def backward(ctx, m, g):
        return m.squeeze(g, ctx.dim)


def _expand_dims(a, dim):
    shape = a.shape[:dim] + (1,) + a.shape[dim:]
    return a.reshape(shape)


def _wrap_dim(dim, ndim):
    if not -ndim <= dim < ndim:
        raise IndexError(f'Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})')
    return dim % ndim


def unsqueeze(input, dim):
    return as_view(Unsqueeze.apply(input, dim=_wrap_dim(dim, input._data.ndim + 1)), input)


class Squeeze(Op):
    node_name = 'SqueezeBackward1'

    @staticmethod
    def forward(ctx, a, dims=()):
        ctx.in_shape = a.shape
        return a.reshape(tuple(s for i, s in enumerate(a.shape) if i not in dims))

    @formula
    def backward(ctx, m, g):
        return m.reshape(g, ctx.in_shape)


class SqueezeAll(Squeeze):
    node_name = 'SqueezeBackward0'


def squeeze(input, dim=None):
    shp = input._data.shape
    if dim is None:
        return as_view(SqueezeAll.apply(input, dims=tuple(i for i, s in enumerate(shp) if s == 1)), input)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    nd = max(len(shp), 1)
    wrapped = [_wrap_dim(d, nd) for d in dims]
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f'dim {next(d for d in wrapped if wrapped.count(d) > 1)} appears multiple times in the '
                           'list of dims')
    dims = tuple(d for d in wrapped if len(shp) and shp[d] == 1)
    return as_view(Squeeze.apply(input, dims=dims), input)


class Transpose(Op):
    @staticmethod
    def forward(ctx, a, d0=0, d1=1):
        ctx.d0, ctx.d1 = d0, d1
        return a.swapaxes(d0, d1)

    @formula
    def backward(ctx, m, g):
        return m.swapaxes(g, ctx.d0, ctx.d1)


class T(Op):
    @staticmethod
    def forward(ctx, a):
        return a.T

    @formula
    def backward(ctx, m, g):
        return g.T


def transpose(input, dim0, dim1):
    nd = max(input._data.ndim, 1)
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    if input._data.ndim == 0:
        return as_view(View.apply(input, shape=()), input)
    return as_view(Transpose.apply(input, d0=d0, d1=d1), input)


def t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f't() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D')
    return as_view(T.apply(input), input)


class Permute(Op):
    @staticmethod
    def forward(ctx, a, dims=()):
        ctx.dims = dims
        return a.transpose(dims)

    @formula
    def backward(ctx, m, g):
        return m.permute(g, tuple(sorted(range(len(ctx.dims)), key=ctx.dims.__getitem__)))   # the inverse


def strict_reshape(input, shape):
    """torch.reshape(input, shape): the function takes the shape as one sequence (the method takes either)."""
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"reshape(): argument 'shape' (position 2) must be tuple of ints, not {type(shape).__name__}")
    return reshape(input, shape)


def strict_permute(input, dims):
    """torch.permute(input, dims): the function takes the dims as one sequence (the method takes either)."""
    if not isinstance(dims, (tuple, list)):
        raise TypeError(f"permute(): argument 'dims' (position 2) must be tuple of ints, not {type(dims).__name__}")
    return permute(input, dims)


def permute(input, *dims):
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    dims = _shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f'permute(sparse_coo): number of dimensions in the tensor input does not match the length '
                           f'of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to '
                           f'len(dims) = {len(dims)}')
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError('permute(): duplicate dims are not allowed.')
    return as_view(Permute.apply(input, dims=dims), input)


class Expand(Op):
    @staticmethod
    def forward(ctx, a, shape=()):
        ctx.in_shape = a.shape
        from .. import _device
        xp = _device.xp_of(a)
        out = xp.broadcast_to(a, shape)
        if xp is np and a.flags.writeable:
            # NumPy's broadcast view is read-only; PyTorch's expand can be written (fill_, e[0] = v)
            out = np.lib.stride_tricks.as_strided(a, shape, out.strides)
        return out

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.in_shape)


def expand(input, *sizes):
    sizes = _shape_arg(sizes)
    shp = input._data.shape
    if len(sizes) < len(shp):
        raise RuntimeError(f'expand(torch.FloatTensor{{{list(shp)}}}, size={list(sizes)}): the number of sizes '
                           f'provided ({len(sizes)}) must be greater or equal to the number of dimensions in the '
                           f'tensor ({len(shp)})')
    lead = len(sizes) - len(shp)
    target = [0] * len(sizes)
    for i in reversed(range(len(sizes))):       # last dim first, as PyTorch checks (and words the first failure)
        s = sizes[i]
        cur = shp[i - lead] if i >= lead else 1
        if s == -1:
            if i < lead:
                raise RuntimeError(f'The expanded size of the tensor (-1) isn\'t allowed in a leading, '
                                   f'non-existing dimension {i}')
            s = cur
        elif cur != 1 and cur != s:
            raise RuntimeError(f'The expanded size of the tensor ({s}) must match the existing size ({cur}) at '
                               f'non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shp)}')
        target[i] = s
    target = tuple(target)
    if target == shp:
        return input if not input._rg else as_view(Expand.apply(input, shape=target), input)
    return as_view(Expand.apply(input, shape=target), input)


def _sum_to_array(a, shape):
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and a.shape[i + lead] != 1)
    out = a.sum(axis=axes, keepdims=True) if axes else a.copy()
    return out.reshape(shape)


class SumToSize(Op):
    """Sum a broadcast gradient back to a shape; its own backward expands again."""
    node_name = 'SumBackward1'

    @staticmethod
    def forward(ctx, a, shape=()):
        ctx.in_shape = a.shape
        return _sum_to_array(a, shape)

    @staticmethod
    def backward(ctx, g):
        return expand(g, ctx.in_shape)


def sum_to(input, shape):
    """Sum `input` down to `shape` (which it must broadcast from); ValueError if it cannot."""
    shp = input._data.shape
    if shp == tuple(shape):
        return input
    lead = len(shp) - len(shape)
    if lead < 0 or any(s != 1 and s != shp[i + lead] for i, s in enumerate(shape)):
        raise ValueError(f'cannot sum shape {shp} to {tuple(shape)}')
    if not _grad_state.enabled:            # the engine's common case: no graph to record
        return wrap(_sum_to_array(input._data, tuple(shape)))
    return SumToSize.apply(input, shape=tuple(shape))


def _dtype_name(t):
    return FROM_NP[t._data.dtype].name


class Cat(Op):
    @staticmethod
    def forward(ctx, *arrays, dim=0, skip=()):
        # `skip`: legacy empty tensors (shape (0,)) that take no part but are inputs, so requires_grad flows
        ctx.sizes, ctx.dim, ctx.skip = [None if i in skip else a.shape[dim] for i, a in enumerate(arrays)], dim, skip
        from .. import _device
        return _device.xp_of(arrays[0]).concatenate([a for i, a in enumerate(arrays) if i not in skip], axis=dim)

    @staticmethod
    def backward(ctx, g):
        out, start = [], 0
        for n in ctx.sizes:
            if n is None:
                out.append(g.new_zeros((0,)))
                continue
            idx = (slice(None),) * ctx.dim + (slice(start, start + n),)
            out.append(g[idx])
            start += n
        return tuple(out)


class Stack(Op):
    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        from .. import _device
        return _device.xp_of(arrays[0]).stack(arrays, axis=dim)

    @staticmethod
    def backward(ctx, g):
        n = g._data.shape[ctx.dim]
        return tuple(g[(slice(None),) * ctx.dim + (i,)] for i in range(n))


def _same_dtype(tensors):
    from .promotion import _cast
    from .._dtype import result_type
    tensors = list(tensors)
    if not tensors:
        raise ValueError('framework.cat(): expected a non-empty list of Tensors')
    target = result_type(*tensors)
    return [_cast(t, target) for t in tensors]


def cat(tensors, dim=0):
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f'zero-dimensional tensor (at position {i}) cannot be concatenated')
    everything = _same_dtype(tensors)
    skip = tuple(i for i, t in enumerate(everything) if t._data.ndim == 1 and t._data.shape[0] == 0)
    if len(skip) == len(everything):              # only legacy empty tensors: PyTorch checks no dim
        return Cat.apply(*everything[:1], dim=0)
    tensors = [t for i, t in enumerate(everything) if i not in skip]
    nd = tensors[0]._data.ndim
    d = _wrap_dim(dim, nd)
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        s = t._data.shape
        if len(s) != nd:
            raise RuntimeError(f'Tensors must have same number of dimensions: got {nd} and {len(s)}')
        for k in range(nd):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(f'Sizes of tensors must match except in dimension {d}. Expected size {ref[k]} but '
                                   f'got size {s[k]} for tensor number {i} in the list.')
    if skip and any(everything[i]._rg for i in skip):
        return Cat.apply(*everything, dim=d, skip=skip)
    return Cat.apply(*tensors, dim=d)


def stack(tensors, dim=0):
    if not len(tensors):
        raise RuntimeError('stack expects a non-empty TensorList')
    tensors = _same_dtype(tensors)
    ref = tensors[0]._data.shape
    d = _wrap_dim(dim, len(ref) + 1)
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != ref:
            raise RuntimeError(f'stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and '
                               f'{list(t._data.shape)} at entry {i}')
    return Stack.apply(*tensors, dim=d)


concat = concatenate = cat


# ---------------------------------------------------------------- split, chunk, unbind
class Split(Op):
    """Several views along `dim`; the backward concatenates the gradients (zeros where none came).
    PyTorch forbids in-place changes to the views of such an op while recording (`multi_view`)."""
    node_name = 'SplitWithSizesBackward0'
    multi_view = True

    @staticmethod
    def forward(ctx, a, sizes=(), dim=0):
        ctx.dim = dim
        out, start = [], 0
        for n in sizes:
            out.append(a[(slice(None),) * dim + (slice(start, start + n),)])
            start += n
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return cat(grads, ctx.dim)


class SplitEqual(Split):
    node_name = 'SplitBackward0'


def split(tensor, split_size_or_sections, dim=0):
    nd = tensor._data.ndim
    if nd == 0:
        raise RuntimeError('split expects at least a 1-dimensional tensor')
    if isinstance(split_size_or_sections, int) or (hasattr(split_size_or_sections, '__index__') and
                                                   not isinstance(split_size_or_sections, (list, tuple))):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f'split expects split_size be non-negative, but got split_size={size}')
        d = _wrap_dim(dim, nd)
        n = tensor._data.shape[d]
        if size == 0 and n != 0:
            raise RuntimeError(f'split_size can only be 0 if dimension size is 0, but got dimension size of {n}')
        count = max(-(-n // size), 1) if size else 1         # at least one piece, as PyTorch
        sizes = [size] * (count - 1) + [n - size * (count - 1)]
        op = SplitEqual
    else:
        if not isinstance(split_size_or_sections, (list, tuple)) or \
                not all(isinstance(s, int) or hasattr(s, '__index__') for s in split_size_or_sections):
            raise TypeError(f"split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, not "
                            f'{type(split_size_or_sections).__name__}')
        sizes = [int(s) for s in split_size_or_sections]
        d = _wrap_dim(dim, nd)
        n = tensor._data.shape[d]
        if any(s < 0 for s in sizes):
            raise RuntimeError(f'split_with_sizes expects split_sizes have only non-negative entries, but got '
                               f'split_sizes={sizes}')
        if sum(sizes) != n:
            raise RuntimeError(f'split_with_sizes expects split_sizes to sum exactly to {n} (input tensor\'s size at '
                               f'dimension {d}), but got split_sizes={sizes}')
        op = Split
    outs = op.apply(tensor, sizes=tuple(sizes), dim=d)
    return tuple(as_view(o, tensor) for o in outs)


def chunk(input, chunks, dim=0):
    if not isinstance(chunks, int):
        raise TypeError(f"chunk(): argument 'chunks' (position 1) must be int, not {type(chunks).__name__}")
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError('chunk expects at least a 1-dimensional tensor')
    if chunks <= 0:
        raise RuntimeError('chunk expects `chunks` to be greater than 0, got: ' + str(chunks))
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    if n == 0:              # `chunks` empty pieces: split would give one
        return tuple(as_view(o, input) for o in Split.apply(input, sizes=(0,) * chunks, dim=d))
    return split(input, -(-n // chunks), d)


def tensor_split(input, indices_or_sections, dim=0):
    """Each piece is its own slice (PyTorch's too: they may be changed in place)."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError('tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims')
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    ios = indices_or_sections
    if hasattr(ios, '_data'):
        if ios._data.dtype.kind not in 'iu':
            raise RuntimeError(f'tensor_split expected tensor_indices_or_sections to have integer dtype, but got '
                               f'{FROM_NP[ios._data.dtype]}'.replace('framework.', 'torch.'))
        if ios._data.ndim > 1:
            raise RuntimeError(f'tensor_split expected tensor_indices_or_sections to be a zero-dimensional or '
                               f'one-dimensional tensor, but got a tensor with {ios._data.ndim} dims')
        ios = int(ios.item()) if ios._data.ndim == 0 else [int(i) for i in ios.tolist()]
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f'number of sections must be larger than 0, got {ios}')
        bounds, start = [], 0
        for k in range(ios):
            size = n // ios + (1 if k < n % ios else 0)
            bounds.append((start, start + size))
            start += size
    else:
        cuts = [int(i) for i in ios]
        bounds = list(zip([0] + cuts, cuts + [n]))
    pre = (slice(None),) * d
    from .indexing import getitem
    return tuple(getitem(input, pre + (slice(a, b),)) for a, b in bounds)


class Unbind(Op):
    multi_view = True

    @staticmethod
    def forward(ctx, a, dim=0):
        ctx.dim = dim
        return tuple(a[(slice(None),) * dim + (i, Ellipsis)] for i in range(a.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim)


def unbind(input, dim=0):
    d = _wrap_dim(dim, max(input._data.ndim, 1))
    if input._data.ndim == 0:
        raise IndexError(f'Dimension specified as {d} but tensor has no dimensions')
    return tuple(as_view(o, input) for o in Unbind.apply(input, dim=d))


def select(input, dim, index):
    nd = input._data.ndim
    if nd == 0:
        raise IndexError('select() cannot be applied to a 0-dim tensor.')
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f'select(): index {index} out of range for tensor of size {list(input._data.shape)} at '
                         f'dimension {d}')
    from .indexing import getitem
    return getitem(input, (slice(None),) * d + (index,))


# ---------------------------------------------------------------- flip, narrow, movedim, repeat, tril/triu
class Flip(Op):
    @staticmethod
    def forward(ctx, a, dims=()):
        ctx.dims = dims
        from .. import _device
        return _device.xp_of(a).flip(a, dims).copy() if dims else a.copy()

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, dims=ctx.dims)


def flip(input, *dims):
    dims = _shape_arg(dims)
    nd = max(input._data.ndim, 1)
    wrapped = [_wrap_dim(d, nd) for d in dims]
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f'dim {wrapped[0]} appears multiple times in the list of dims')
    return Flip.apply(input, dims=tuple(_wrap_dim(d, nd) for d in dims) if input._data.ndim else ())


def narrow(input, dim, start, length):
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError('narrow() cannot be applied to a 0-dim tensor.')
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError('narrow(): length must be non-negative.')
    d = _wrap_dim(dim, nd)
    n = input._data.shape[d]
    if not -n <= start <= n:
        raise IndexError(f'start out of range (expected to be in range of [{-n}, {n}], but got {start})')
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f'start ({start}) + length ({length}) exceeds dimension size ({n}).')
    from .indexing import getitem
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def movedim(input, source, destination):
    nd = input._data.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f'movedim: Invalid source or destination dims: source ({list(src)} dims) should contain '
                           f'the same number of dims as destination ({list(dst)} dims)')
    src = [_wrap_dim(s, max(nd, 1)) for s in src]
    dst = [_wrap_dim(s, max(nd, 1)) for s in dst]
    for name, ds in (('source', src), ('destination', dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f'movedim: repeated dim in `{name}` ({ds})')
    if not nd:
        return input
    order = [i for i in range(nd) if i not in src]
    perm = [None] * nd
    for s, t in zip(src, dst):
        perm[t] = s
    it = iter(order)
    perm = [p if p is not None else next(it) for p in perm]
    return permute(input, *perm) if nd else input


moveaxis = movedim
swapaxes = swapdims = transpose


class Repeat(Op):
    @staticmethod
    def forward(ctx, a, reps=()):
        from .. import _device
        lead = len(reps) - a.ndim
        ctx.in_shape, ctx.reps = a.shape, reps
        a2 = a.reshape((1,) * lead + a.shape)
        ctx.mid = a2.shape
        return _device.xp_of(a).tile(a2, reps)

    @staticmethod
    def backward(ctx, g):
        # split every dim k into (reps[k], size[k]) and sum over the repetitions
        inter = []
        for r, s in zip(ctx.reps, ctx.mid):
            inter += [r, s]
        g = g.reshape(tuple(inter))
        g = g.sum(dim=tuple(range(0, len(inter), 2)))
        return g.reshape(ctx.in_shape)


def repeat(input, *sizes):
    reps = _shape_arg(sizes)
    if len(reps) < input._data.ndim:
        raise RuntimeError('Number of dimensions of repeat dims can not be smaller than number of dimensions of '
                           'tensor')
    return Repeat.apply(input, reps=reps)


def tile(input, dims):
    dims = tuple(dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


class Tril(Op):
    @staticmethod
    def forward(ctx, a, k=0, upper=False):
        from .. import _device
        ctx.k, ctx.upper = k, upper
        xp = _device.xp_of(a)
        return xp.triu(a, k) if upper else xp.tril(a, k)

    @staticmethod
    def backward(ctx, g):
        return Tril.apply(g, k=ctx.k, upper=ctx.upper)


class Triu(Tril):
    pass


def _tri_check(input, name):
    if input._data.ndim < 2:
        raise RuntimeError(f'{name}: input tensor must have at least 2 dimensions')


def tril(input, diagonal=0):
    _tri_check(input, 'tril')
    return Tril.apply(input, k=diagonal, upper=False)


def triu(input, diagonal=0):
    _tri_check(input, 'triu')
    return Triu.apply(input, k=diagonal, upper=True)


def unflatten(input, dim, sizes):
    nd = input._data.ndim
    d = _wrap_dim(dim, max(nd, 1))
    shp = input._data.shape
    inner = _infer(tuple(sizes), shp[d], shp)
    return reshape(input, shp[:d] + tuple(inner) + shp[d + 1:])


def atleast_1d(input):
    return reshape(input, 1) if input._data.ndim == 0 else input


def broadcast_to(input, size):
    return expand(input, size)


def broadcast_tensors(*tensors):
    import numpy as np
    from .promotion import shapes_error
    try:
        shape = np.broadcast_shapes(*(t._data.shape for t in tensors))
    except ValueError:
        raise shapes_error(*(t._data for t in tensors)) from None
    return tuple(expand(t, shape) for t in tensors)


def sum_to_size(input, *size):
    """Tensor.sum_to_size: PyTorch's error names the sizes the other way round (an expand check)."""
    size = _shape_arg(size)
    shp = input._data.shape
    lead = len(shp) - len(size)
    if lead < 0 or any(s != 1 and s != shp[i + lead] for i, s in enumerate(size)):
        raise RuntimeError(f'size {{{list(size)}}} is not expandable to size {{{list(shp)}}}.')
    return sum_to(input, size)


def ravel(input):
    return reshape(input, -1)


def hstack(tensors):
    tensors = [t if t._data.ndim else reshape(t, 1) for t in tensors]     # atleast_1d, as PyTorch
    return cat(tensors, 0 if tensors and tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat([t if t._data.ndim > 1 else reshape(t, 1, t._data.size) for t in tensors], 0)
