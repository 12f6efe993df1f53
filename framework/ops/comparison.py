"""Comparisons (bool results, no gradient), all/any, isnan/isfinite, equal/allclose."""
import builtins
from .. import _device
from ..autograd.function import Op
from .._tensor import wrap
from .promotion import broadcast_message, operands, shapes_error


def _compare(name):
    class Compare(Op):
        @staticmethod
        def forward(ctx, a, b):
            try:
                return getattr(_device.xp_of(a if hasattr(a, 'dtype') else b), name)(a, b)
            except ValueError:
                raise shapes_error(a, b) from None
    Compare.__name__ = Compare.__qualname__ = name.capitalize()
    return lambda input, other: Compare.apply(*operands(input, other))


eq = _compare('equal')
ne = _compare('not_equal')
gt = _compare('greater')
ge = _compare('greater_equal')
lt = _compare('less')
le = _compare('less_equal')
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _tensor_other(name, other, position=2):
    """PyTorch's binding takes only a tensor as `other` for these functions."""
    from .._tensor import Tensor
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position {position}) must be Tensor, not {type(other).__name__}")
    return other._data


def _logical(name):
    def f(input, other):
        x, y = input._data, _tensor_other(name, other)
        try:
            return wrap(_device.as_array(getattr(_device.xp_of(x), name)(x, y)))
        except ValueError:
            raise shapes_error(x, y) from None
    f.__name__ = name
    return f


logical_and = _logical('logical_and')
logical_or = _logical('logical_or')
logical_xor = _logical('logical_xor')


def logical_not(input):
    return wrap(_device.as_array(_device.xp_of(input._data).logical_not(input._data)))


def _bool_reduce(input, dim, keepdim, name):
    from .reduction import _axes
    a = input._data
    if dim is not None and not isinstance(dim, int) and len(dim) == 0:
        out = a != 0                            # dim=(): no dim reduced
    else:
        axes = _axes(dim, a.ndim)
        out = getattr(a if a.ndim else a.reshape(()), name)(axis=axes, keepdims=keepdim)
    out = _device.as_array(out)
    return wrap(out.astype(a.dtype) if a.dtype.name == 'uint8' else out)


def all(input, dim=None, keepdim=False):
    return _bool_reduce(input, dim, keepdim, 'all')


def any(input, dim=None, keepdim=False):
    return _bool_reduce(input, dim, keepdim, 'any')


def isnan(input):
    return wrap(_device.as_array(_device.xp_of(input._data).isnan(input._data)))


def isinf(input):
    return wrap(_device.as_array(_device.xp_of(input._data).isinf(input._data)))


def isfinite(input):
    return wrap(_device.as_array(_device.xp_of(input._data).isfinite(input._data)))


def equal(input, other):
    x, y = input._data, _tensor_other('equal', other)
    return x.shape == y.shape and bool((x == y).all())       # values compared after promotion, as PyTorch


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    x, y = input._data, _tensor_other('isclose', other)
    if x.dtype != y.dtype:
        from .reduction import _type_word
        raise RuntimeError(f'{_type_word(input)} did not match {_type_word(other)}')
    xp = _device.xp_of(x)
    try:
        if x.dtype.kind == 'b':
            return wrap(xp.asarray(x == y))
        return wrap(xp.asarray(xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)))
    except ValueError:
        raise shapes_error(x, y) from None


_NAMES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half'}


def _bitwise(name):
    def f(input, other):
        a, b = operands(input, other)
        x = a._data if hasattr(a, '_data') else a
        y = b._data if hasattr(b, '_data') else b
        arr = x if hasattr(x, 'dtype') else y
        msg = broadcast_message(getattr(x, 'shape', ()), getattr(y, 'shape', ()))
        if msg:
            raise RuntimeError(msg)
        if arr.dtype.kind == 'f':
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_NAMES[str(arr.dtype)]}\'')
        try:
            return wrap(_device.as_array(getattr(_device.xp_of(arr), name)(x, y)))
        except ValueError:
            raise shapes_error(x, y) from None
    f.__name__ = name
    return f


bitwise_and = _bitwise('bitwise_and')
bitwise_or = _bitwise('bitwise_or')
bitwise_xor = _bitwise('bitwise_xor')


def bitwise_not(input):
    if input._data.dtype.kind == 'f':
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{_NAMES[str(input._data.dtype)]}\'')
    return wrap(_device.as_array(_device.xp_of(input._data).invert(input._data)))


def _r(fn):
    return lambda self, other: fn(other, self)


__rand__, __ror__, __rxor__ = _r(bitwise_and), _r(bitwise_or), _r(bitwise_xor)


def nonzero(input, *, as_tuple=False):
    xp = _device.xp_of(input._data)
    a = input._data
    idx = xp.nonzero(a) if a.ndim else xp.nonzero(a.reshape(1))
    if as_tuple:
        return tuple(wrap(i.astype(xp.int64)) for i in idx)
    if a.ndim == 0:                             # one row per nonzero element, no columns
        return wrap(xp.zeros((int(idx[0].size), 0), xp.int64))
    return wrap(xp.stack(idx, axis=1).astype(xp.int64))


def count_nonzero(input, dim=None, *more):
    from .reduction import _axes
    if more:                                    # count_nonzero(x, 0, 1): the dims as separate arguments
        if builtins.any(isinstance(d, bool) for d in more):
            raise TypeError('count_nonzero() received an invalid combination of arguments - got (Tensor, int, bool)')
        dim = (dim,) + more
    a = input._data
    xp = _device.xp_of(a)
    axes = _axes(dim, a.ndim)
    return wrap(_device.as_array((a != 0).sum(axis=axes)).astype(xp.int64))


def argwhere(input):
    return nonzero(input)
