"""class Tensor: an array (NumPy or CuPy), the autograd flags, and operators that call ops.

A tensor's dtype and device are read off its array. Tensors made by ops go through `wrap`, which
skips the public constructor's argument handling: that is the hot path of every op.
"""
import numpy as np

from . import _dtype, _device
from ._hooks import RemovableHandle
from ._tensor_str import tensor_repr

_ndarray = np.ndarray
# the factories' wording (requires_grad=True); the setter and requires_grad_() word it differently
ONLY_FLOATING = 'Only Tensors of floating point and complex dtype can require gradients'
_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    'populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, '
    'use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access '
    'the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information.')


class Size(tuple):
    """torch.Size: a tuple of dimensions."""
    __slots__ = ()

    def __repr__(self):
        return f'framework.Size({list(self)})'

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r


class Tensor:
    __slots__ = ('_data', '_rg', '_grad', 'grad_fn', '_out', '_vc', '_base', '_acc', '_hooks', '__weakref__')
    # let NumPy defer to us in `ndarray * Tensor` and `np.float32(3) * Tensor`
    __array_priority__ = 1000

    def __new__(cls, *args, dtype=None, device=None, requires_grad=False):
        """Legacy constructor: `Tensor([2, 3])` (data, default float dtype) or `Tensor(2, 3)` (shape)."""
        d = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
        xp = _device.xp_for(_device.to_device(device))
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]
            if isinstance(data, Tensor):
                arr = data._data
            else:
                arr = xp.asarray(_to_numpy_data(data), dtype=d.np)
        else:
            if len(args) == 1 and isinstance(args[0], (tuple, list)):
                args = tuple(args[0])
            arr = xp.zeros(tuple(int(a) for a in args), dtype=d.np)
        t = wrap(arr, _cls=cls)
        if requires_grad:
            if arr.dtype.kind not in 'fc':
                raise RuntimeError(ONLY_FLOATING)
            t._rg = True
        return t

    def __init__(self, *args, **kwargs):       # __new__ built it
        pass

    # ---------------------------------------------------------------- attributes
    @property
    def data(self):
        """The same storage without history; unlike detach(), not tracked by the version counter."""
        return wrap(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else value

    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def dtype(self):
        return _dtype.FROM_NP[self._data.dtype]

    @property
    def device(self):
        return _device.of(self._data)

    @property
    def is_cuda(self):
        return self._data.__class__ is not _ndarray

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def grad(self):
        g = self._grad
        if g is None and self.grad_fn is not None and not self.retains_grad:
            import warnings
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f'assigned grad expected to be a Tensor or None but got grad of type '
                                f'{type(value).__name__}')
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor "
                                   f"of size '{list(self._data.shape)}'. Please ensure that the gradient and the "
                                   'tensor are the same size')
            if value._data.dtype != self._data.dtype:
                new, own = value._data.dtype.name, self._data.dtype.name
                raise RuntimeError(f"attempting to assign a gradient with dtype '{_dtype.c_name(new)}' to a tensor "
                                   f"with grad_dtype '{_dtype.scalar_name(own)}'. "
                                   "The gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). "
                                   "You can set the tensor's grad_dtype attribute with a specific dtype, or None to "
                                   'allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and '
                                   'its gradient may break downstream systems that assume they match.')
        self._grad = value

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError('you can only change requires_grad flags of leaf variables. If you want to use a '
                                   "computed variable in a subgraph that doesn't require differentiation use "
                                   'var_no_grad = var.detach().')
            return
        if value and self._data.dtype.kind not in 'fc':
            raise RuntimeError('only Tensors of floating point and complex dtype can require gradients')
        self._rg = value

    @property
    def _version(self):
        return self._vc[0] if self._vc is not None else 0

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    @property
    def retains_grad(self):
        fn = self.grad_fn
        return fn is not None and bool(fn._retained) and self._out in fn._retained

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[dim]

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == 'f'

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def get_device(self):
        return -1 if self._data.__class__ is _ndarray else self._data.device.id

    def data_ptr(self):
        return self._data.__array_interface__['data'][0] if self._data.__class__ is _ndarray else self._data.data.ptr

    # ---------------------------------------------------------------- conversion
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f'a Tensor with {self._data.size} elements cannot be converted to Scalar')
        return self._data.item() if self._data.__class__ is _ndarray else self._data.get().item()

    def tolist(self):
        return self._data.tolist() if self._data.__class__ is _ndarray else self._data.get().tolist()

    def numpy(self, force=False):
        if self._data.__class__ is not _ndarray:
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy "
                                'the tensor to host memory first.')
            return self._data.get()
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self._data if self._data.__class__ is _ndarray else self.numpy()    # a cuda tensor raises, as in PyTorch
        return a if dtype is None else a.astype(dtype, copy=False)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError('len() of a 0-d tensor')
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError('iteration over a 0-d tensor')
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError('Boolean value of Tensor with more than one value is ambiguous')
        return bool(self.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in 'iub' or self._data.size != 1:
            raise TypeError('only integer tensors of a single element can be converted to an index')
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return tensor_repr(self)

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec) if spec else repr(self)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self.cpu()._data, self._rg, str(self.device)))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError('Only Tensors created explicitly by the user (graph leaves) support the deepcopy '
                               'protocol at the moment.')
        new = wrap(self._data.copy(), _cls=type(self))
        new._rg = self._rg
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    # ---------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            if not inputs:
                raise RuntimeError('`inputs` argument to `backward()` cannot be empty.')
        _run_backward((self,), (gradient,), retain_graph, create_graph, inputs=inputs)

    def detach(self):
        t = wrap(self._data)
        t._vc = self._vc if self._vc is not None else _new_vc(self)
        return t

    def detach_(self):
        if self._base is not None and self._base._rg:
            raise RuntimeError('Can\'t detach views in-place. Use detach() instead.')
        self.grad_fn = None
        self._rg = False
        self._out = 0
        return self

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self._data.dtype.kind not in 'fc':
            # PyTorch words this one differently from the setter's and the factories' message
            raise RuntimeError('only Tensors of floating point dtype can require gradients')
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        fn = self.grad_fn
        if fn is None:
            return
        import weakref
        if fn._retained is None:
            fn._retained = {}
        fn._retained[self._out] = weakref.ref(self)

    def register_hook(self, hook):
        """hook(grad) -> Tensor or None, called when this tensor's gradient is computed."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        fn = self.grad_fn
        if fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return RemovableHandle(self._hooks, hook)
        if fn._tensor_hooks is None:
            fn._tensor_hooks = {}
        lst = fn._tensor_hooks.setdefault(self._out, [])
        lst.append(hook)
        return RemovableHandle(lst, hook)

    # ---------------------------------------------------------------- devices and dtypes
    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        for a in args:
            if isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif isinstance(a, (_device.device, int)) or (isinstance(a, str) and a.split(':')[0] in ('cpu', 'cuda')):
                device = a
            else:
                dtype = a
        from .ops.convert import to_copy
        return to_copy(self, None if dtype is None else _dtype.to_dtype(dtype),
                       None if device is None else _device.to_device(device), copy)

    def cpu(self):
        return self.to(device='cpu')

    def cuda(self, device=None, non_blocking=False):
        return self.to(device=_device.device('cuda', device if isinstance(device, int) else 0)
                       if not isinstance(device, (str, _device.device)) else device)

    def type(self, dtype=None):
        if dtype is None:
            names = {'float32': 'FloatTensor', 'float64': 'DoubleTensor', 'int64': 'LongTensor',
                     'int32': 'IntTensor', 'bool': 'BoolTensor', 'float16': 'HalfTensor'}
            return 'framework.' + names.get(self.dtype.name, 'Tensor')
        return self.to(dtype)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def long(self):
        return self.to(_dtype.int64)

    def int(self):
        return self.to(_dtype.int32)

    def bool(self):
        return self.to(_dtype.bool_)

    def type_as(self, other):
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from .creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def wrap(arr, _new=object.__new__, _cls=Tensor):
    """A Tensor (or a subclass's instance) around an array, with no history: how every tensor is made."""
    t = _new(_cls)
    t._data = arr
    t._rg = False
    t._grad = None
    t.grad_fn = None
    t._out = 0
    t._vc = None
    t._base = None
    t._acc = None
    t._hooks = None
    return t


def clear_grad(p, g, set_to_none):
    """zero_grad (Module's and Optimizer's) for one tensor whose .grad is `g` (not None)."""
    if set_to_none:
        p._grad = None
    else:
        if g.grad_fn is not None:
            g.detach_()
        else:
            g.requires_grad_(False)
        g.zero_()


# Version counters: a one-element list shared by a tensor, its views and detach(), created on first need
# (most tensors are never saved for backward nor changed in place, so most never get one).
def _new_vc(t):
    vc = t._vc = [0]
    return vc


def bump_version(t):
    """What every in-place change does: a saved value whose version moved raises in backward."""
    vc = t._vc
    if vc is None:
        t._vc = [1]
    else:
        vc[0] += 1


def _rebuild(arr, rg, dev):
    t = wrap(arr)
    if dev != 'cpu':
        t = t.to(dev)
    t._rg = rg
    return t


def _to_numpy_data(data):
    """Nested lists may hold Tensors (0-d or not): unwrap them for NumPy."""
    if isinstance(data, Tensor):
        return data._data if data._data.__class__ is _ndarray else data._data.get()
    if isinstance(data, (list, tuple)) and data and any(isinstance(x, (Tensor, list, tuple)) for x in data):
        return [_to_numpy_data(x) for x in data]
    return data


# ---------------------------------------------------------------- operators and methods
# Bound here, after the class, because the ops import Tensor. Each is the op function itself
# (no wrapper frame): `Tensor.__mul__ is ops.arithmetic.mul`.
from .ops import arithmetic as _ar, unary as _un, reduction as _red, linalg as _la, shape as _sh  # noqa: E402
from .ops import indexing as _ix, comparison as _cmp, inplace as _ip, convert as _cv  # noqa: E402
from .autograd.engine import run_backward as _run_backward  # noqa: E402


def _swap(fn):
    return lambda self, other: fn(other, self)


def _not_implemented_for(fn):
    """Reflected operators return NotImplemented for types we cannot take (so Python tries the other side)."""
    def op(self, other):
        if not isinstance(other, (Tensor, int, float, bool, np.ndarray, np.generic)) and \
                not hasattr(other, '__cuda_array_interface__'):
            return NotImplemented
        return fn(self, other)
    op.__name__ = fn.__name__
    return op


_methods = {
    '__add__': _ar.add, '__radd__': _ar.add, '__iadd__': _ip.add_,
    '__sub__': _ar.sub, '__rsub__': _ar.rsub, '__isub__': _ip.sub_,
    '__mul__': _ar.mul, '__rmul__': _ar.mul, '__imul__': _ip.mul_,
    '__truediv__': _ar.div, '__rtruediv__': _ar.rdiv, '__itruediv__': _ip.div_,
    '__pow__': _ar.pow, '__rpow__': _ar.rpow, '__ipow__': _ip.pow_,
    '__matmul__': _la.matmul, '__rmatmul__': _swap(_la.matmul),
    '__floordiv__': _un.floor_divide, '__rfloordiv__': _swap(_un.floor_divide),
    '__mod__': _un.remainder, '__rmod__': _swap(_un.remainder),
    '__neg__': _ar.neg, '__abs__': _un.abs, '__pos__': lambda self: self,
    '__eq__': _cmp.eq, '__ne__': _cmp.ne, '__lt__': _cmp.lt, '__le__': _cmp.le, '__gt__': _cmp.gt,
    '__ge__': _cmp.ge,
    '__and__': _cmp.bitwise_and, '__or__': _cmp.bitwise_or, '__xor__': _cmp.bitwise_xor,
    '__rand__': _cmp.__rand__, '__ror__': _cmp.__ror__, '__rxor__': _cmp.__rxor__, '__invert__': _cmp.bitwise_not,
    '__getitem__': _ix.getitem, '__setitem__': _ix.setitem,
    # arithmetic
    'add': _ar.add, 'sub': _ar.sub, 'mul': _ar.mul, 'div': _ar.div, 'pow': _ar.pow, 'neg': _ar.neg,
    'float_power': _ar.float_power, 'float_power_': _ip.float_power_,
    'subtract': _ar.sub, 'multiply': _ar.mul, 'divide': _ar.div, 'true_divide': _ar.div, 'negative': _ar.neg,
    'floor_divide': _un.floor_divide, 'remainder': _un.remainder, 'fmod': _un.fmod,
    'bitwise_and': _cmp.bitwise_and, 'bitwise_or': _cmp.bitwise_or, 'bitwise_xor': _cmp.bitwise_xor,
    'bitwise_not': _cmp.bitwise_not,
    # in place
    'add_': _ip.add_, 'sub_': _ip.sub_, 'mul_': _ip.mul_, 'div_': _ip.div_, 'pow_': _ip.pow_, 'neg_': _ip.neg_,
    'subtract_': _ip.sub_, 'multiply_': _ip.mul_, 'divide_': _ip.div_, 'negative_': _ip.neg_,
    'zero_': _ip.zero_, 'fill_': _ip.fill_, 'copy_': _ip.copy_, 'clamp_': _ip.clamp_, 'clip_': _ip.clamp_,
    'clamp_min_': _ip.clamp_min_, 'clamp_max_': _ip.clamp_max_, 'masked_fill_': _ip.masked_fill_,
    'exp_': _ip.exp_, 'log_': _ip.log_, 'sqrt_': _ip.sqrt_, 'abs_': _ip.abs_, 'sin_': _ip.sin_, 'cos_': _ip.cos_,
    'tanh_': _ip.tanh_, 'sigmoid_': _ip.sigmoid_, 'relu_': _ip.relu_, 'floor_': _ip.floor_, 'ceil_': _ip.ceil_,
    'trunc_': _ip.trunc_, 'round_': _ip.round_, 'reciprocal_': _ip.reciprocal_, 'rsqrt_': _ip.rsqrt_,
    'log1p_': _ip.log1p_, 'expm1_': _ip.expm1_, 'sign_': _ip.sign_, 'square_': _ip.square_,
    'addcmul_': _ip.addcmul_, 'addcdiv_': _ip.addcdiv_, 'lerp_': _ip.lerp_,
    'scatter_': _ip.scatter_, 'scatter_add_': _ip.scatter_add_, 'index_fill_': _ip.index_fill_,
    # elementwise
    'exp': _un.exp, 'log': _un.log, 'sin': _un.sin, 'cos': _un.cos, 'tan': _un.tan, 'tanh': _un.tanh,
    'atan': _un.atan, 'arctan': _un.atan,
    'sigmoid': _un.sigmoid, 'relu': _un.relu, 'sqrt': _un.sqrt, 'rsqrt': _un.rsqrt, 'abs': _un.abs,
    'absolute': _un.abs, 'sign': _un.sign, 'log1p': _un.log1p, 'expm1': _un.expm1, 'log2': _un.log2,
    'log10': _un.log10, 'square': _un.square, 'reciprocal': _un.reciprocal, 'floor': _un.floor, 'ceil': _un.ceil,
    'round': _un.round, 'trunc': _un.trunc, 'fix': _un.trunc, 'frac': _un.frac,
    'clamp': _un.clamp, 'clip': _un.clamp, 'clamp_min': _un.clamp_min, 'clamp_max': _un.clamp_max,
    'maximum': _un.maximum, 'minimum': _un.minimum, 'fmax': _un.maximum, 'fmin': _un.minimum,
    'where': lambda self, condition, y: _un.where(condition, self, y),
    'masked_fill': _ix.masked_fill, 'masked_select': _ix.masked_select,
    # reductions
    'sum': _red.sum, 'mean': _red.mean, 'norm': _red.norm, 'prod': _red.prod,
    'max': _red.max, 'min': _red.min, 'amax': _red.amax, 'amin': _red.amin, 'aminmax': _red.aminmax,
    'argmax': _red.argmax, 'argmin': _red.argmin, 'var': _red.var, 'std': _red.std,
    'logsumexp': _red.logsumexp, 'cumsum': _red.cumsum,
    'softmax': _red.softmax, 'log_softmax': _red.log_softmax,
    # matrix products
    'matmul': _la.matmul, 'mm': _la.mm, 'bmm': _la.bmm, 'dot': _la.dot, 'mv': _la.mv,
    # shapes
    'reshape': _sh.reshape, 'view': _sh.view, 'flatten': _sh.flatten, 'unflatten': _sh.unflatten,
    'ravel': _sh.ravel, 'unsqueeze': _sh.unsqueeze,
    'squeeze': _sh.squeeze, 'transpose': _sh.transpose, 'swapaxes': _sh.transpose, 'swapdims': _sh.transpose,
    't': _sh.t, 'permute': _sh.permute, 'movedim': _sh.movedim, 'moveaxis': _sh.movedim,
    'expand': _sh.expand, 'broadcast_to': _sh.expand,
    'sum_to_size': lambda self, *s: _sh.sum_to(self, _sh._shape_arg(s)),
    'split': _sh.split, 'chunk': _sh.chunk, 'tensor_split': _sh.tensor_split, 'unbind': _sh.unbind,
    'flip': _sh.flip, 'narrow': _sh.narrow, 'select': _sh.select, 'repeat': _sh.repeat, 'tile': _sh.tile,
    'tril': _sh.tril, 'triu': _sh.triu,
    # indexing
    'gather': _ix.gather, 'scatter': _ix.scatter, 'scatter_add': _ix.scatter_add, 'index_select': _ix.index_select,
    'take_along_dim': _ix.take_along_dim,
    # comparisons
    'eq': _cmp.eq, 'ne': _cmp.ne, 'lt': _cmp.lt, 'le': _cmp.le, 'gt': _cmp.gt, 'ge': _cmp.ge,
    'greater': _cmp.gt, 'greater_equal': _cmp.ge, 'less': _cmp.lt, 'less_equal': _cmp.le, 'not_equal': _cmp.ne,
    'all': _cmp.all, 'any': _cmp.any, 'isnan': _cmp.isnan, 'isinf': _cmp.isinf, 'isfinite': _cmp.isfinite,
    'equal': _cmp.equal, 'allclose': _cmp.allclose, 'isclose': _cmp.isclose,
    'logical_not': _cmp.logical_not, 'logical_and': _cmp.logical_and, 'logical_or': _cmp.logical_or,
    'logical_xor': _cmp.logical_xor, 'nonzero': _cmp.nonzero, 'count_nonzero': _cmp.count_nonzero,
    'argwhere': _cmp.argwhere,
    'clone': _cv.clone, 'contiguous': _cv.contiguous,
}
for _name, _fn in _methods.items():
    if _name.startswith('__r') or _name in ('__add__', '__sub__', '__mul__', '__truediv__', '__pow__', '__eq__',
                                             '__ne__', '__lt__', '__le__', '__gt__', '__ge__'):
        _fn = _not_implemented_for(_fn) if _name.startswith('__r') or _name in ('__eq__', '__ne__') else _fn
    setattr(Tensor, _name, _fn)
Tensor.T = property(lambda self: _sh.permute(self, *reversed(range(self._data.ndim))) if self._data.ndim != 2
                    else _sh.t(self))
Tensor.mT = property(lambda self: _sh.transpose(self, -2, -1))
Tensor.view_as = lambda self, other: _sh.view(self, other._data.shape)
Tensor.reshape_as = lambda self, other: _sh.reshape(self, other._data.shape)
Tensor.expand_as = lambda self, other: _sh.expand(self, other._data.shape)
