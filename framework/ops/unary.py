"""Elementwise functions of one tensor (and where/clamp/maximum/minimum, which select elementwise).

`xp` is the array module of the input (NumPy or CuPy), so one definition serves both devices.

Last-bit agreement with PyTorch: exp, log, sin, cos, tanh, sigmoid and the rest of the transcendental
functions run NumPy's kernels, PyTorch runs Sleef's; both are within about one ulp but neither is
correctly rounded, so float32 results differ in the last bit for a few percent of inputs, and NumPy's
choice of SIMD kernel by CPU changes which. sqrt is IEEE-exact here; PyTorch's AVX-512 sqrt is not.
Compare such results with a tolerance (tests/printout.py); `pow` (ops/arithmetic.py) is made exact.
"""
import numpy as np

from .. import _device
from ..autograd.function import Op, elementwise, grad_of
from ..autograd.grad_mode import state as _grad_state
from .._tensor import Tensor, wrap
from .promotion import operands, shapes_error


def _xp(a):
    return _device.xp_of(a)


def _float_input(x):
    """Unary math on an integer tensor gives the default float dtype, as in PyTorch."""
    if isinstance(x, Tensor) and x._data.dtype.kind not in 'fc':
        from .. import _dtype
        return x.to(_dtype.get_default_dtype())
    return x


class Exp(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).exp(a)
        ctx.save_for_backward(out)
        return out

    backward = elementwise(lambda g, out: g * out)


class Log(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).log(a)

    backward = elementwise(lambda g, a: g / a)


class Sin(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).sin(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        if not _grad_state.enabled:
            return grad_of(g._data * _xp(a._data).cos(a._data))
        return g * cos(a)


class Cos(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).cos(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        if not _grad_state.enabled:
            return grad_of(-g._data * _xp(a._data).sin(a._data))
        return -g * sin(a)


class Tanh(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).tanh(a)
        ctx.save_for_backward(out)
        return out

    backward = elementwise(lambda g, out: g * (1 - out * out))


class Sigmoid(Op):
    @staticmethod
    def forward(ctx, a):
        xp = _xp(a)
        # exp of a non-positive number only: no overflow for large |a|
        e = xp.exp(-xp.abs(a))
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    backward = elementwise(lambda g, out: g * out * (1 - out))


_zeros = {}


def _zero(a):
    """0 as a read-only 0-d array of `a`'s dtype: NumPy compares with it about a microsecond faster
    than with a Python 0 (CuPy takes the number)."""
    if a.__class__ is not np.ndarray:
        return 0
    z = _zeros.get(a.dtype)
    if z is None:
        z = _zeros[a.dtype] = np.zeros((), a.dtype)
        z.flags.writeable = False
    return z


class Relu(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).maximum(a, _zero(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        if not _grad_state.enabled:
            o, = ctx.saved_arrays()
            return grad_of(g._data * (o > _zero(o)))
        o = ctx.saved_tensors[0]._data
        return g * wrap((o > _zero(o)).astype(o.dtype))


class Sqrt(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).sqrt(a)
        ctx.save_for_backward(out)
        return out

    backward = elementwise(lambda g, out: g / (2 * out))


class Abs(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).abs(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * sign(a)


class Sign(Op):
    @staticmethod
    def forward(ctx, a):
        return _xp(a).sign(a)

    @staticmethod
    def backward(ctx, g):
        return g * 0


class Where(Op):
    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        try:
            return _xp(cond).where(cond, a, b)
        except ValueError:
            raise shapes_error(cond, a, b) from None

    @staticmethod
    def backward(ctx, g):
        zero = g * 0
        c = wrap(ctx.cond)
        need_c, need_a, need_b = ctx.needs_input_grad
        return None, (where(c, g, zero) if need_a else None), (where(c, zero, g) if need_b else None)


def exp(input):
    return Exp.apply(_float_input(input))


def log(input):
    return Log.apply(_float_input(input))


def sin(input):
    return Sin.apply(_float_input(input))


def cos(input):
    return Cos.apply(_float_input(input))


def tanh(input):
    return Tanh.apply(_float_input(input))


def sigmoid(input):
    return Sigmoid.apply(_float_input(input))


def relu(input):
    return Relu.apply(input)


def sqrt(input):
    return Sqrt.apply(_float_input(input))


def abs(input):
    return Abs.apply(input)


def sign(input):
    return Sign.apply(input)


def where(condition, input=None, other=None):
    if input is None and other is None:
        from .comparison import nonzero
        return nonzero(condition, as_tuple=True)
    a, b = operands(input, other)
    cond = condition._data if isinstance(condition, Tensor) else condition
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        from .. import _dtype
        dt = _dtype.result_type(a, b).np
        a = wrap(_xp(cond).asarray(a, dtype=dt))
    if cond.dtype.kind != 'b':
        from .reduction import _type_word
        raise RuntimeError(f'where expected condition to be a boolean tensor, but got a tensor with dtype '
                           f'{_type_word(wrap(cond))}')
    return Where.apply(wrap(cond), a, b)


absolute = abs


# ---------------------------------------------------------------- more elementwise math
def _mask(cond, like):
    """A constant 0/1 tensor of `like`'s dtype: the derivative of a piecewise-linear op."""
    return wrap(cond.astype(like.dtype, copy=False))


class Log1p(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).log1p(a)

    backward = elementwise(lambda g, a: g / (a + 1))


class Expm1(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).expm1(a)
        ctx.save_for_backward(out)
        return out

    backward = elementwise(lambda g, out: g * (out + 1))


class Log2(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).log2(a)

    backward = elementwise(lambda g, a: g / (a * 0.6931471805599453))


class Log10(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).log10(a)

    backward = elementwise(lambda g, a: g / (a * 2.302585092994046))


class Rsqrt(Op):
    @staticmethod
    def forward(ctx, a):
        out = 1 / _xp(a).sqrt(a)
        ctx.save_for_backward(out)
        return out

    backward = elementwise(lambda g, out: g * -0.5 * out * out * out)


class Reciprocal(Op):
    @staticmethod
    def forward(ctx, a):
        out = 1 / a
        ctx.save_for_backward(out)
        return out

    backward = elementwise(lambda g, out: -g * out * out)


class Tan(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).tan(a)
        ctx.save_for_backward(out)
        return out

    backward = elementwise(lambda g, out: g * (1 + out * out))


class Atan(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).arctan(a)

    backward = elementwise(lambda g, a: g / (a * a + 1))


class _Rounding(Op):
    """floor, ceil, round, trunc: piecewise constant, zero gradient."""

    @staticmethod
    def backward(ctx, g):
        return g * 0


def _rounding(fname, node):
    cls = type(fname.capitalize(), (_Rounding,), {
        'node_name': node,
        'forward': staticmethod(lambda ctx, a: getattr(_xp(a), fname)(a))})

    def f(input):
        if input._data.dtype.kind != 'f':
            return input.clone()
        return cls.apply(input)
    f.__name__ = fname
    return f


floor = _rounding('floor', 'FloorBackward0')
ceil = _rounding('ceil', 'CeilBackward0')
trunc = _rounding('trunc', 'TruncBackward0')
fix = trunc


class Round(_Rounding):
    @staticmethod
    def forward(ctx, a, decimals=0):
        return _xp(a).round(a, decimals)


def round(input, *, decimals=0):
    if input._data.dtype.kind != 'f':
        return input.clone()
    return Round.apply(input, decimals=decimals)


def frac(input):
    return input - trunc(input)


class Softplus(Op):
    @staticmethod
    def forward(ctx, a, beta=1.0, threshold=20.0):
        xp = _xp(a)
        ctx.save_for_backward(a)
        ctx.beta, ctx.threshold = beta, threshold
        z = a * beta
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        return xp.where(z > threshold, a, soft).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        z = a * ctx.beta
        lin = _mask(z._data > ctx.threshold, z._data)
        return g * (lin + (1 - lin) * sigmoid(z))


def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(input, beta=beta, threshold=threshold)


def log1p(input):
    return Log1p.apply(_float_input(input))


def expm1(input):
    return Expm1.apply(_float_input(input))


def log2(input):
    return Log2.apply(_float_input(input))


def log10(input):
    return Log10.apply(_float_input(input))


def rsqrt(input):
    return Rsqrt.apply(_float_input(input))


def reciprocal(input):
    return Reciprocal.apply(_float_input(input))


def tan(input):
    return Tan.apply(_float_input(input))


def atan(input):
    return Atan.apply(_float_input(input))


def square(input):
    from .arithmetic import pow
    return pow(input, 2)


# ---------------------------------------------------------------- clamp, maximum, minimum
class Clamp(Op):
    """clamp with number bounds; the gradient passes where min <= x <= max."""
    node_name = 'ClampBackward1'

    @staticmethod
    def forward(ctx, a, lo=None, hi=None):
        xp = _xp(a)
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        out = a
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        return out.astype(a.dtype, copy=False) if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        x = a._data
        keep = None
        if ctx.lo is not None:
            keep = x >= ctx.lo
        if ctx.hi is not None:
            keep = (x <= ctx.hi) if keep is None else keep & (x <= ctx.hi)
        return g * _mask(keep, g._data)


class ClampMin(Clamp):
    node_name = 'ClampMinBackward0'


class ClampMax(Clamp):
    node_name = 'ClampMaxBackward0'


class ClampTensor(Op):
    """clamp with tensor bounds (either may be None)."""
    node_name = 'ClampBackward0'

    @staticmethod
    def forward(ctx, a, lo, hi):
        xp = _xp(a)
        ctx.save_for_backward(a, lo, hi)
        out = a
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        a, lo, hi = ctx.saved_tensors
        x = a._data
        keep = True
        ga = glo = ghi = None
        need_a, need_lo, need_hi = ctx.needs_input_grad
        if lo is not None:
            keep = x >= lo._data
            if need_lo:
                glo = g * _mask(x < lo._data, g._data)
        if hi is not None:
            keep = keep & (x <= hi._data)
            if need_hi:
                ghi = g * _mask(x > hi._data, g._data)
        if need_a:
            ga = g * _mask(_xp(x).asarray(keep), g._data)
        return ga, glo, ghi


def _bound(v):
    if isinstance(v, Tensor):
        return v
    if v is None or v.__class__ in (int, float, bool):
        return v
    return v.item() if hasattr(v, 'item') else v


def clamp(input, min=None, max=None):
    lo, hi = _bound(min), _bound(max)
    if lo is None and hi is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        from .. import _dtype
        target = _dtype.result_type(*(x for x in (input, lo, hi) if x is not None))
        cast = [None if x is None else (x if isinstance(x, Tensor) else wrap(_xp(input._data).asarray(x)))
                for x in (input, lo, hi)]
        cast = [None if x is None else (x if x._data.dtype == target.np else x.to(target)) for x in cast]
        return ClampTensor.apply(*cast)
    if input._data.dtype.kind != 'f' and (isinstance(lo, float) or isinstance(hi, float)):
        from .. import _dtype
        input = input.to(_dtype.get_default_dtype())
    op = Clamp if lo is not None and hi is not None else ClampMin if lo is not None else ClampMax
    return op.apply(input, lo=lo, hi=hi)


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


clip = clamp


class Maximum(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return _xp(a if hasattr(a, 'dtype') else b).maximum(a, b)
        except ValueError:
            raise shapes_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _select_grads(ctx, g, a, b, True)


class Minimum(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return _xp(a if hasattr(a, 'dtype') else b).minimum(a, b)
        except ValueError:
            raise shapes_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _select_grads(ctx, g, a, b, False)


def _select_grads(ctx, g, a, b, is_max):
    """PyTorch's rule: the larger (smaller) input takes the gradient; ties split it in halves."""
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    ga = gb = None
    w = _xp(g._data)
    tie = w.asarray(x == y)
    win = w.asarray(x > y if is_max else x < y)
    need_a, need_b = ctx.needs_input_grad
    half = tie.astype(g._data.dtype) * 0.5
    if need_a:
        ga = g * wrap(win.astype(g._data.dtype) + half)
    if need_b:
        gb = g * wrap((~(win | tie)).astype(g._data.dtype) + half)
    return ga, gb


def maximum(input, other):
    return Maximum.apply(*operands(input, other))


def minimum(input, other):
    return Minimum.apply(*operands(input, other))


fmax, fmin = maximum, minimum


def floor_divide_rounding(input, other, rounding_mode):
    """div(..., rounding_mode='floor'/'trunc'): piecewise constant, so no gradient flows."""
    from .arithmetic import div
    if rounding_mode not in ('floor', 'trunc'):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    a, b = operands(input, other)
    if isinstance(a, Tensor) and a._data.dtype.kind != 'f' and (not isinstance(b, Tensor) or b._data.dtype.kind != 'f'):
        xa = a._data
        xb = b._data if isinstance(b, Tensor) else b
        xp = _xp(xa)
        if rounding_mode == 'floor':
            return wrap(xp.asarray(xp.floor_divide(xa, xb)))
        q = xp.floor_divide(xp.abs(xa), xp.abs(xb)) * xp.sign(xa) * xp.sign(xb)
        return wrap(xp.asarray(q).astype(xa.dtype, copy=False))
    q = div(a, b)
    return floor(q) if rounding_mode == 'floor' else trunc(q)


def floor_divide(input, other):
    return floor_divide_rounding(input, other, 'floor')


class Remainder(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return _xp(a if hasattr(a, 'dtype') else b).remainder(a, b)
        except ValueError:
            raise shapes_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            gb = -g * floor_divide(a.detach() if isinstance(a, Tensor) else a, b.detach())
        return (g if need_a else None), gb


def remainder(input, other):
    return Remainder.apply(*operands(input, other))


def fmod(input, other):
    return _fmod(*operands(input, other))


def _fmod(a, b):
    from .arithmetic import div
    if isinstance(a, Tensor) and a._data.dtype.kind != 'f':
        xb = b._data if isinstance(b, Tensor) else b
        return wrap(_xp(a._data).asarray(_xp(a._data).fmod(a._data, xb)))
    return a - trunc(div(a.detach() if isinstance(a, Tensor) else a, b.detach() if isinstance(b, Tensor) else b)) * b


arctan = atan
