"""In-place ops (`add_`, `mul_`, `+=`, `zero_`, `copy_`, ...) and the version counter.

Without autograd (grad mode off, or nothing requires grad) the array is updated in place by a
ufunc with `out=`: that is the optimizer's path, with no temporaries beyond the operand. With
autograd, the op is run out of place on a snapshot of the old value (so what its backward saved
is the value before the change), the result written back into the same memory, and the tensor's
history moved to the new node. Every in-place op bumps the version counter that the tensor shares
with its views and `detach()`, so a saved value that changed is caught at backward.
"""
import numpy as np

from .. import _device
from ..autograd.grad_mode import state as _grad_state
from .._tensor import Tensor, bump_version, wrap
from .arithmetic import add, sub, mul, div, pow, neg, float_power
from .promotion import SUB_BOOL, is_bool

LEAF_MESSAGE = 'a leaf Variable that requires grad is being used in an in-place operation.'


VIEW_OF_LEAF_MESSAGE = 'a view of a leaf Variable that requires grad is being used in an in-place operation.'


def check_inplace(t, grad):
    """True when `t` is a view whose in-place change must be recorded on its base (see on_view)."""
    if grad:
        if t.grad_fn is None and t._rg:
            raise RuntimeError(LEAF_MESSAGE)
        base = t._base
        if base is not None:
            if base.grad_fn is None and base._rg:
                raise RuntimeError(VIEW_OF_LEAF_MESSAGE)
            fn = t.grad_fn
            if fn is not None and _from_multi_view(fn):
                from ..autograd.function import _op_name
                raise RuntimeError(f'Output {t._out} of {_op_name(fn)} is a view and is being modified inplace. This '
                                   'view is the output of a function that returns multiple views. Such functions do '
                                   'not allow the output views to be modified inplace. You should replace the inplace '
                                   'operation by an out-of-place one.')
            return True
    return False


_VIEW_OPS = []


def _from_multi_view(node):
    """True when `node` made a view of an output of split/chunk/unbind, directly or through
    other view ops (PyTorch keeps that mark along a chain of views)."""
    if not _VIEW_OPS:
        from . import shape, indexing
        _VIEW_OPS.extend([shape.View, shape.Unsqueeze, shape.Squeeze, shape.SqueezeAll, shape.Transpose, shape.T,
                          shape.Permute, shape.Expand, indexing.Slice, indexing.Select])
    while node is not None:
        fn = node._fn
        if getattr(fn, 'multi_view', False):
            return True
        if fn not in _VIEW_OPS or not node.next_functions:
            return False
        node = node.next_functions[0][0]
    return False


def check_overlap(t):
    """PyTorch refuses to write (other than fill) a tensor whose elements share memory (an expand)."""
    if t._base is not None and t._data.size > 1:
        a = t._data
        for n, st in zip(a.shape, a.strides):
            if st == 0 and n > 1:
                raise RuntimeError('unsupported operation: more than one element of the written-to tensor refers to '
                                   'a single memory location. Please clone() the tensor before performing the '
                                   'operation.')


def view_positions(view, root):
    """Where each element of `view` lies in `root` (C-contiguous), as flat indices shaped like the view."""
    ra, va = root._data, view._data
    xp = _device.xp_of(ra)
    isz = ra.itemsize
    ptr = (lambda a: a.__array_interface__['data'][0]) if xp is np else (lambda a: a.data.ptr)
    pos = _offsets(xp, va, (ptr(va) - ptr(ra)) // isz, isz)
    if ra.flags.c_contiguous:
        return pos
    # any other layout: find each view element's memory offset among the base's, in logical order
    flat = _offsets(xp, ra, 0, isz).reshape(-1)
    order = xp.argsort(flat, kind='stable')
    return order[xp.searchsorted(flat[order], pos)]


def view_index(view, root):
    """An advanced index that reads `view`'s elements out of `root`, shaped like the view."""
    xp = _device.xp_of(root._data)
    pos = view_positions(view, root)
    if root._data.ndim == 0:        # no dim to index: go through root[None]
        from .indexing import Split
        return Split(((None, Ellipsis), (xp.zeros(pos.shape, dtype=np.int64),)))
    return tuple(xp.unravel_index(pos, root._data.shape))


def _offsets(xp, a, start, isz):
    """Memory offset (in elements) of every element of `a`, shaped like `a`."""
    pos = xp.asarray(start, dtype=np.int64)
    for k, (n, st) in enumerate(zip(a.shape, a.strides)):
        shape = [1] * a.ndim
        shape[k] = n
        pos = pos + xp.arange(n, dtype=np.int64).reshape(shape) * (st // isz)
    return pos


def on_view(view, fn):
    """An in-place op on a view, recorded on its base as PyTorch's CopySlices does.

    The base's old value (with its history) is read at the view's positions, `fn` computes the
    view's new value out of place, and the result is written back into the base: the base's history
    moves to the write, and the view's to a read of the new base at the same positions.
    """
    from .indexing import write, Index
    root = view._base
    xp = _device.xp_of(root._data)
    check_overlap(view)
    idx = view_index(view, root)
    old = wrap(root._data.copy())
    old._rg, old.grad_fn, old._out = root._rg, root.grad_fn, root._out
    new_value = fn(Index.apply(old, idx=idx))
    new_root = write(old, idx, new_value)       # `old` is a private copy: write it, then copy into the base
    xp.copyto(root._data, new_root._data, casting='unsafe')
    bump_version(root)
    root.grad_fn, root._out, root._rg = new_root.grad_fn, new_root._out, True
    v = Index.apply(root, idx=idx)
    view.grad_fn, view._out, view._rg = v.grad_fn, v._out, True
    refresh_views(root, view)
    return view


def refresh_views(root, skip=None):
    """After `root`'s history moved to an in-place op, every live view of it reads from the new
    history (PyTorch regenerates a view's grad_fn the same way), so none keeps a stale one."""
    from .indexing import Index
    vc = root._vc
    if vc is None or len(vc) == 1:
        return
    for ref in vc[1:]:
        v = ref()
        if v is None or v is skip or v._base is not root:
            continue
        n = Index.apply(root, idx=view_index(v, root))
        v.grad_fn, v._out, v._rg = n.grad_fn, n._out, n._rg


def _cast_error(self, result_dtype):
    from .. import _dtype
    names = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long', 'int32': 'Int',
             'bool': 'Bool', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte'}
    r = names.get(_dtype.FROM_NP[np.dtype(result_dtype)].name)
    s = names.get(self.dtype.name)
    return RuntimeError(f"result type {r} can't be cast to the desired output type {s}")


def apply_inplace(self, out_of_place, ufunc_name, other=None, *, nargs=2):
    """Run `out_of_place(self, other)` in place on self (see module docstring)."""
    grad = _grad_state.enabled and (self._rg or (isinstance(other, Tensor) and other._rg))
    if grad and check_inplace(self, grad):
        return on_view(self, (lambda v: out_of_place(v, other)) if nargs == 2 else out_of_place)
    if self._base is not None:
        check_overlap(self)
    arr = self._data
    if not grad:
        if ufunc_name is not None:
            xp = _device.xp_of(arr)
            o = other._data if isinstance(other, Tensor) else other
            if _device._cupy and isinstance(other, Tensor):
                o = _device.on_one_device((self, other), (arr, o))[1]
            try:
                if nargs == 2:          # (casting='same_kind' is the ufuncs' default)
                    getattr(xp, ufunc_name)(arr, o, out=arr)
                else:
                    getattr(xp, ufunc_name)(arr, out=arr)
            except TypeError:          # NumPy's casting error: e.g. a float result into an int tensor
                from .._dtype import result_type
                raise _cast_error(self, result_type(self, other).np if nargs == 2 else arr.dtype) from None
            except ValueError as e:
                raise RuntimeError(_broadcast_error(self, other, e)) from None
        else:
            r = out_of_place(wrap(arr), other) if nargs == 2 else out_of_place(wrap(arr))
            _write_back(self, r._data)
        bump_version(self)
        return self
    # autograd: a snapshot of the old value carries the old history into the new node
    old = wrap(arr.copy())
    old._rg, old.grad_fn, old._out = self._rg, self.grad_fn, self._out
    r = out_of_place(old, other) if nargs == 2 else out_of_place(old)
    _write_back(self, r._data)
    bump_version(self)
    node = r.grad_fn
    self.grad_fn, self._out, self._rg = node, r._out, r._rg
    if len(self._vc) > 1:
        refresh_views(self)
    if node is not None and node._saved:
        # what the node saved of its output must now be checked against this tensor's version
        vc = self._vc
        node._saved = tuple((k, (arr, o[1]), vc, vc[0]) if k == 1 and o[0] is r._data else (k, o, c, v)
                            for k, o, c, v in node._saved)
    return self


def _write_back(self, result):
    arr = self._data
    if result.shape != arr.shape:
        try:
            b = np.broadcast_shapes(result.shape, arr.shape)
        except ValueError:
            b = result.shape
        if b != arr.shape:
            raise RuntimeError(f"output with shape [{', '.join(map(str, arr.shape))}] doesn't match the broadcast "
                               f"shape [{', '.join(map(str, b))}]")
    if result.dtype != arr.dtype and not np.can_cast(result.dtype, arr.dtype, casting='same_kind'):
        raise _cast_error(self, result.dtype)
    _device.xp_of(arr).copyto(arr, result, casting='unsafe')


def _broadcast_error(self, other, e):
    from .promotion import broadcast_message
    arr = self._data
    o = getattr(other, '_data', other)
    try:
        b = np.broadcast_shapes(arr.shape, getattr(o, 'shape', ()))
    except ValueError:
        return broadcast_message(arr.shape, getattr(o, 'shape', ())) or str(e)
    return (f"output with shape [{', '.join(map(str, arr.shape))}] doesn't match the broadcast shape "
            f"[{', '.join(map(str, b))}]")


# ---------------------------------------------------------------- the in-place methods
def add_(self, other, *, alpha=1):
    if alpha != 1:
        other = other * alpha
    return apply_inplace(self, add, 'add', other)


def sub_(self, other, *, alpha=1):
    if is_bool(other) or self._data.dtype.kind == 'b':
        raise RuntimeError(SUB_BOOL)
    if alpha != 1:
        other = other * alpha
    return apply_inplace(self, sub, 'subtract', other)


def mul_(self, other):
    return apply_inplace(self, mul, 'multiply', other)


def div_(self, other, *, rounding_mode=None):
    if self._data.dtype.kind != 'f':
        return apply_inplace(self, lambda a, b: div(a, b, rounding_mode=rounding_mode), None, other)
    return apply_inplace(self, div, 'true_divide', other)


def pow_(self, exponent):
    return apply_inplace(self, pow, None, exponent)


def float_power_(self, exponent):
    if self._data.dtype.name != 'float64':
        from .._dtype import scalar_name
        raise RuntimeError(f"the base given to float_power_ has dtype {scalar_name(self._data.dtype)} but the "
                           f"operation's result requires dtype Double")
    return apply_inplace(self, float_power, None, exponent)


def neg_(self):
    if self._data.dtype.kind == 'b':        # (the ufunc's casting error would hide Neg's message)
        return apply_inplace(self, neg, None, nargs=1)
    return apply_inplace(self, neg, 'negative', nargs=1)


def zero_(self):
    from .indexing import write, ZeroBackward
    return write(self, Ellipsis, 0, ZeroBackward)


def fill_(self, value):
    from .indexing import write, FillBackward, FillTensorBackward
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f'fill_ only supports 0-dimension value tensor but got tensor with '
                               f'{value._data.ndim} dimensions.')
        return write(self, Ellipsis, value, FillTensorBackward)
    return write(self, Ellipsis, value, FillBackward)


def copy_(self, src, non_blocking=False):
    from .indexing import write, CopyBackwards
    if isinstance(src, Tensor) and src._data.__class__ is not self._data.__class__:
        src = src.to(self.device)
    check_overlap(self)
    return write(self, Ellipsis, src, CopyBackwards)


def clamp_(self, min=None, max=None):
    from .unary import clamp
    return apply_inplace(self, lambda a: clamp(a, min, max), None, nargs=1)


def clamp_min_(self, min):
    return clamp_(self, min=min)


def clamp_max_(self, max):
    return clamp_(self, max=max)


def masked_fill_(self, mask, value):
    from .indexing import masked_fill
    return apply_inplace(self, lambda a, v: masked_fill(a, mask, v), None, value)


def _unary_inplace(name):
    def method(self):
        from . import unary
        return apply_inplace(self, getattr(unary, name), None, nargs=1)
    method.__name__ = name + '_'
    return method


exp_, log_, sqrt_, abs_, sin_, cos_, tanh_, sigmoid_, relu_, floor_, ceil_, trunc_, reciprocal_, rsqrt_, \
    log1p_, expm1_, sign_, square_ = (_unary_inplace(n) for n in (
        'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'floor', 'ceil', 'trunc',
        'reciprocal', 'rsqrt', 'log1p', 'expm1', 'sign', 'square'))


def round_(self, *, decimals=0):
    from .unary import round
    return apply_inplace(self, lambda a: round(a, decimals=decimals), None, nargs=1)


def addcmul_(self, tensor1, tensor2, *, value=1):
    return add_(self, tensor1 * tensor2 * value) if value != 1 else add_(self, tensor1 * tensor2)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    return add_(self, tensor1 / tensor2 * value) if value != 1 else add_(self, tensor1 / tensor2)


def lerp_(self, end, weight):
    return add_(self, (end - self) * weight)


def scatter_add_(self, dim, index, src):
    from .indexing import scatter_add
    return apply_inplace(self, lambda a, s: scatter_add(a, dim, index, s), None, src)


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    from .indexing import scatter
    return apply_inplace(self, lambda a, s: scatter(a, dim, index, s, reduce=reduce), None,
                         src if src is not None else value)


def index_fill_(self, dim, index, value):
    from .indexing import setitem
    from .shape import _wrap_dim
    d = _wrap_dim(dim, max(self._data.ndim, 1))
    setitem(self, (slice(None),) * d + (index,), value)
    return self
