"""Comparisons (bool results, no gradient), all/any, isnan/isfinite, equal/allclose."""
from .. import _device
from ..autograd.function import Op
from .._tensor import wrap
from .promotion import operands, shapes_error


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


def logical_and(input, other):
    return wrap(_device.xp_of(input._data).logical_and(input._data, getattr(other, '_data', other)))


def logical_or(input, other):
    return wrap(_device.xp_of(input._data).logical_or(input._data, getattr(other, '_data', other)))


def logical_xor(input, other):
    return wrap(_device.xp_of(input._data).logical_xor(input._data, getattr(other, '_data', other)))


def logical_not(input):
    return wrap(_device.xp_of(input._data).logical_not(input._data))


def all(input, dim=None, keepdim=False):
    return wrap(_device.as_array(input._data.all(axis=dim, keepdims=keepdim)))


def any(input, dim=None, keepdim=False):
    return wrap(_device.as_array(input._data.any(axis=dim, keepdims=keepdim)))


def isnan(input):
    return wrap(_device.xp_of(input._data).isnan(input._data))


def isinf(input):
    return wrap(_device.xp_of(input._data).isinf(input._data))


def isfinite(input):
    return wrap(_device.xp_of(input._data).isfinite(input._data))


def equal(input, other):
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(_device.xp_of(input._data).allclose(input._data, other._data, rtol=rtol, atol=atol,
                                                    equal_nan=equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return wrap(_device.xp_of(input._data).isclose(input._data, getattr(other, '_data', other), rtol=rtol, atol=atol,
                                                   equal_nan=equal_nan))


_NAMES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half'}


def _bitwise(name):
    def f(input, other):
        a, b = operands(input, other)
        x = a._data if hasattr(a, '_data') else a
        y = b._data if hasattr(b, '_data') else b
        arr = x if hasattr(x, 'dtype') else y
        if arr.dtype.kind == 'f':
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_NAMES[str(arr.dtype)]}\'')
        return wrap(_device.as_array(getattr(_device.xp_of(arr), name)(x, y)))
    f.__name__ = name
    return f


bitwise_and = _bitwise('bitwise_and')
bitwise_or = _bitwise('bitwise_or')
bitwise_xor = _bitwise('bitwise_xor')


def bitwise_not(input):
    if input._data.dtype.kind == 'f':
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{_NAMES[str(input._data.dtype)]}\'')
    return wrap(_device.xp_of(input._data).invert(input._data))


def _r(fn):
    return lambda self, other: fn(other, self)


__rand__, __ror__, __rxor__ = _r(bitwise_and), _r(bitwise_or), _r(bitwise_xor)


def nonzero(input, *, as_tuple=False):
    xp = _device.xp_of(input._data)
    idx = xp.nonzero(input._data) if input._data.ndim else xp.nonzero(input._data.reshape(1))
    if as_tuple:
        return tuple(wrap(i.astype(xp.int64)) for i in idx)
    return wrap(xp.stack(idx, axis=1).astype(xp.int64) if idx else xp.zeros((0, 0), xp.int64))


def count_nonzero(input, dim=None):
    xp = _device.xp_of(input._data)
    return wrap(_device.as_array(xp.count_nonzero(input._data, axis=dim)).astype(xp.int64))


def argwhere(input):
    return nonzero(input)
