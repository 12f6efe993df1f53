"""More pointwise and running ops: lerp, addcmul, addcdiv, nan_to_num, logcumsumexp, roll,
repeat_interleave, index_add.

lerp follows PyTorch's two-sided formula (from the nearer end, so weight 1 gives `end` exactly);
logcumsumexp's backward is PyTorch's, written with logcumsumexp itself, so it has a second derivative.
"""
import numpy as np

from .. import _device
from ..autograd.function import Op
from .._tensor import Tensor, wrap
from .._dtype import FROM_NP
from .shape import _wrap_dim

_NAMES = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'int64': 'long int', 'int32': 'int',
          'int16': 'short int', 'int8': 'signed char', 'uint8': 'unsigned char', 'bool': 'bool'}
_TYPE = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long', 'int32': 'Int',
         'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}


class Lerp(Op):
    node_name = 'LerpBackward1'

    @staticmethod
    def forward(ctx, start, end, weight):
        xp = _device.xp_of(start)
        ctx.save_for_backward(start, end, weight)
        diff = end - start
        near_start = xp.abs(weight) < 0.5
        out = xp.where(near_start, start + weight * diff, end - diff * (1 - weight))
        return out.astype(start.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        start, end, weight = ctx.saved_tensors
        need_s, need_e, need_w = ctx.needs_input_grad
        return (g * (1 - weight) if need_s else None, g * weight if need_e else None,
                g * (end - start) if need_w else None)


class LerpScalar(Op):
    node_name = 'LerpBackward0'

    @staticmethod
    def forward(ctx, start, end, weight=0.5):
        ctx.weight = weight
        diff = end - start
        out = start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
        return out.astype(start.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        w = ctx.weight
        return g * (1 - w), g * w


def lerp(input, end, weight):
    for name, t in (('end', end), ('weight', weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f'expected dtype {_NAMES[str(input._data.dtype)]} for `{name}` but got dtype '
                               f'{_NAMES[str(t._data.dtype)]}')
    if input._data.dtype.kind != 'f':
        kind = 'tensor' if isinstance(weight, Tensor) else 'scalar'
        raise NotImplementedError(f'"lerp_kernel_{kind}" not implemented for \'{_TYPE[str(input._data.dtype)]}\'')
    _check_broadcast(input, end, weight)
    if isinstance(weight, Tensor):
        return Lerp.apply(input, end, weight)
    return LerpScalar.apply(input, end, weight=float(weight))


def _check_broadcast(*ts):
    from .promotion import shapes_error
    import numpy as np
    arrs = [t._data for t in ts if isinstance(t, Tensor)]
    try:
        np.broadcast_shapes(*(a.shape for a in arrs))
    except ValueError:
        for a in arrs[1:]:
            try:
                np.broadcast_shapes(arrs[0].shape, a.shape)
            except ValueError:
                raise shapes_error(arrs[0], a) from None
        raise shapes_error(arrs[1], arrs[2]) from None


def addcmul(input, tensor1, tensor2, *, value=1):
    if all(t._data.dtype.kind in 'biu' for t in (input, tensor1, tensor2)):
        value = int(value)            # an integral result: PyTorch converts the scalar to the integral type
    prod = tensor1 * tensor2
    return input + (prod if value == 1 else prod * value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    if tensor1._data.dtype.kind in 'biu' and tensor2._data.dtype.kind in 'biu':
        raise RuntimeError('Integer division with addcdiv is no longer supported, and in a future  release addcdiv '
                           'will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can '
                           'be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for '
                           'integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future '
                           'addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), '
                           'for all dtypes.')
    q = tensor1 / tensor2
    return input + (q if value == 1 else q * value)


class NanToNum(Op):
    @staticmethod
    def forward(ctx, a, nan=0.0, posinf=None, neginf=None):
        xp = _device.xp_of(a)
        if a.dtype.kind != 'f':
            return a.copy()
        ctx.finite = xp.asarray(xp.isfinite(a))          # an array also for a 0-d input
        return xp.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        return g * wrap(ctx.finite)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return NanToNum.apply(input, nan=nan, posinf=posinf, neginf=neginf)


class Logcumsumexp(Op):
    @staticmethod
    def forward(ctx, a, dim=0):
        xp = _device.xp_of(a)
        ctx.dim = dim
        out = xp.logaddexp.accumulate(a, axis=dim) if a.ndim else a.copy()
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .unary import where
        a, out = ctx.saved_tensors
        d = ctx.dim
        if a._data.ndim == 0:
            return g
        lowest = float(_device.xp_of(g._data).finfo(g._data.dtype).min)
        log_abs = where(g != 0, g, 1.0).abs().log()       # log|g|, without log(0) where g is 0
        pos = where(g > 0, log_abs, lowest)
        neg = where(g < 0, log_abs, lowest)

        def rev(x):
            return Logcumsumexp.apply(x.flip(d), dim=d).flip(d)
        # `lowest` stands for log 0; sums of two of them overflow to -inf, whose exp is the 0 meant
        with np.errstate(over='ignore'):
            return (rev(pos - out) + a).exp() - (rev(neg - out) + a).exp()


def logcumsumexp(input, dim):
    if input._data.dtype.kind != 'f':
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for \'{_TYPE[str(input._data.dtype)]}\'')
    return Logcumsumexp.apply(input, dim=_wrap_dim(dim, max(input._data.ndim, 1)))


class Roll(Op):
    @staticmethod
    def forward(ctx, a, shifts=(), dims=()):
        ctx.shifts, ctx.dims = shifts, dims
        return _device.xp_of(a).roll(a, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        return Roll.apply(g, shifts=tuple(-s for s in ctx.shifts), dims=ctx.dims)


def roll(input, shifts, dims=None):
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f'shifts and dimensions must align. shifts: {len(shifts)}, dims:0')
        return Roll.apply(input.flatten(), shifts=shifts, dims=(0,)).reshape(input._data.shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f'shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}')
    if input._data.ndim == 0 and dims:
        raise IndexError(f'Dimension specified as {dims[0]} but tensor has no dimensions')
    nd = max(input._data.ndim, 1)
    return Roll.apply(input, shifts=shifts, dims=tuple(_wrap_dim(d, nd) for d in dims))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    from .indexing import index_select
    xp = _device.xp_of(input._data)
    if repeats is None:             # repeat_interleave(repeats): indices 0..n-1, each repeats[i] times
        reps = input._data
        if reps.ndim != 1:
            raise RuntimeError('repeat_interleave only accept 1D vector as repeat')
        if reps.dtype.kind not in 'iu':
            raise RuntimeError('repeats has to be Long or Int tensor')
        if (reps < 0).any():
            raise RuntimeError('repeats can not be negative')
        return wrap(xp.repeat(xp.arange(reps.shape[0], dtype=reps.dtype), reps))
    if dim is None:
        input = input.flatten()
        dim = 0
    d = _wrap_dim(dim, max(input._data.ndim, 1))
    n = input._data.shape[d] if input._data.ndim else 1
    if isinstance(repeats, Tensor):
        reps = repeats._data
        if reps.ndim > 1:
            raise RuntimeError('repeat_interleave only accept 1D vector as repeat')
        if reps.ndim == 1 and reps.shape[0] != n:
            raise RuntimeError(f'repeats must have the same size as input along dim, but got repeats.size(0) = '
                               f'{reps.shape[0]} and input.size(0) = {n}')
        reps = reps.reshape(-1)
    else:
        reps = repeats
    if (xp.asarray(reps) < 0).any():
        raise RuntimeError('repeats can not be negative')
    index = xp.repeat(xp.arange(n), reps)
    if input._data.ndim == 0:
        input = input.reshape(1)
    return index_select(input, d, wrap(index.astype('int64', copy=False)))


def index_add(input, dim, index, source, *, alpha=1):
    from .indexing import ScatterAddZeros
    d = _wrap_dim(dim, max(input._data.ndim, 1))
    idx = index._data
    if idx.ndim > 1:
        raise IndexError('index_add_(): Index is supposed to be a vector')
    if idx.dtype.kind not in 'iu':
        raise RuntimeError('index_add_(): Expected dtype int32/int64 for index')
    if FROM_NP[source._data.dtype] is not FROM_NP[input._data.dtype]:
        raise RuntimeError(f'index_add_(): self ({_TYPE[str(input._data.dtype)]}) and source '
                           f'({_TYPE[str(source._data.dtype)]}) must have the same scalar type')
    src = source if source._data.ndim else source.reshape(1)
    shape = [1] * src._data.ndim
    shape[d] = -1
    xp = _device.xp_of(idx)
    full = xp.broadcast_to(idx.reshape(shape), src._data.shape).astype('int64')
    src = src if alpha == 1 else src * alpha
    added = ScatterAddZeros.apply(src, index=full, dim=d, shape=input._data.shape)
    return input + added


def index_add_(self, dim, index, source, *, alpha=1):
    from .inplace import apply_inplace
    return apply_inplace(self, lambda a, s: index_add(a, dim, index, s, alpha=alpha), None, source)
