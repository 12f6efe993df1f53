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
from ..autograd.function import Op, elementwise, formula
from .._tensor import Tensor, wrap
from .promotion import operands, shapes_error


def _xp(a):
    return _device.xp_of(a)


_TYPE_WORDS = {'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool',
               'float32': 'Float', 'float64': 'Double', 'float16': 'Half'}


def not_implemented_for(input, kernel, kinds='biu'):
    """PyTorch's refusal of a dtype its kernel has no loop for: NotImplementedError naming the kernel."""
    dt = input._data.dtype
    if dt.kind in kinds:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_TYPE_WORDS.get(dt.name, dt.name)}\'')


def _zeros_like(g):
    """A constant zero gradient: PyTorch's zeros_like(grad), not grad * 0 (which is nan where grad is inf)."""
    return wrap(_xp(g._data).zeros_like(g._data))


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

    @formula
    def backward(ctx, m, g, a):
        return g * m.cos(a)


class Cos(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).cos(a)

    @formula
    def backward(ctx, m, g, a):
        return -g * m.sin(a)


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


class Relu(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @formula
    def backward(ctx, m, g, out):
        return g * ~(out <= 0)      # `not (out <= 0)`: a nan passes the gradient, as PyTorch's threshold_backward


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
        xp = _xp(a)
        if a.dtype.kind == 'b':                 # a bool tensor is its own sign
            return a.copy()
        out = xp.sign(a)
        if a.dtype.kind == 'f':                 # PyTorch: sign(nan) is 0
            out = xp.where(xp.isnan(a), xp.zeros((), a.dtype), out)
        return out

    @staticmethod
    def backward(ctx, g):
        return _zeros_like(g)


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
        zero = _zeros_like(g)
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
    if input._data.dtype.kind == 'b':
        raise RuntimeError('Boolean inputs not supported for relu')
    return Relu.apply(input)


def sqrt(input):
    return Sqrt.apply(_float_input(input))


def abs(input):
    not_implemented_for(input, 'abs_cpu', 'b')
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
        return _zeros_like(g)


def _rounding(fname, node):
    cls = type(fname.capitalize(), (_Rounding,), {
        'node_name': node,
        'forward': staticmethod(lambda ctx, a: getattr(_xp(a), fname)(a))})

    def f(input):
        if input._data.dtype.kind != 'f':
            not_implemented_for(input, f'{fname}_vml_cpu', 'b')
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


def round(input, *, decimals=None):
    # an explicit decimals= (even 0) selects PyTorch's round.decimals kernel, which has no integer loop
    if input._data.dtype.kind != 'f':
        not_implemented_for(input, 'round_vml_cpu' if decimals is None else 'round_cpu',
                            'b' if decimals is None else 'biu')
        return input.clone()
    return Round.apply(input, decimals=decimals or 0)


def frac(input):
    not_implemented_for(input, 'frac_cpu')
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


class LogSigmoid(Op):
    """log(sigmoid(x)) = -(log1p(exp(-|x|)) + max(-x, 0)); the gradient sigmoid(-x), also at x = 0."""

    @staticmethod
    def forward(ctx, a):
        xp = _xp(a)
        ctx.save_for_backward(a)
        return (-(xp.log1p(xp.exp(-xp.abs(a))) + xp.maximum(-a, 0))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * sigmoid(-a)


def softplus(input, beta=1.0, threshold=20.0):
    not_implemented_for(input, 'softplus_cpu')
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
    if input._data.dtype.kind == 'b':
        from .. import _dtype
        input = input.to(_dtype.int64)          # PyTorch: square of bool is int64
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
        try:
            if lo is not None:
                out = xp.maximum(out, lo)
            if hi is not None:
                out = xp.minimum(out, hi)
        except ValueError:
            raise shapes_error(*(v for v in (a, lo, hi) if v is not None)) from None
        return out if out is not a else a.copy()

    @staticmethod
    def backward(ctx, g):
        # PyTorch's rule, including crossed bounds (min > max: the result is max, which takes the gradient)
        a, lo, hi = ctx.saved_tensors
        x = a._data
        xp = _xp(x)
        ga = glo = ghi = None
        need_a, need_lo, need_hi = ctx.needs_input_grad
        lo_d = None if lo is None else lo._data
        hi_d = None if hi is None else hi._data
        if need_a:
            keep = xp.ones(x.shape, bool)
            if lo_d is not None:
                keep = keep & (x >= lo_d)
            if hi_d is not None:
                keep = keep & (x <= hi_d)
            ga = g * _mask(xp.asarray(keep), g._data)
        if need_lo:
            take = (x < lo_d) if hi_d is None else (x < lo_d) & (lo_d < hi_d)
            glo = g * _mask(xp.asarray(take), g._data)
        if need_hi:
            take = (x > hi_d) if lo_d is None else (x > hi_d) | (lo_d > hi_d)
            ghi = g * _mask(xp.asarray(take), g._data)
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
    if isinstance(lo, Tensor) != isinstance(hi, Tensor) and lo is not None and hi is not None:
        # PyTorch's binding reads a 0-d tensor that needs no gradient as a Number
        lo, hi = (v.item() if isinstance(v, Tensor) and v._data.ndim == 0 and not v._rg else v for v in (lo, hi))
    if (isinstance(lo, Tensor) or isinstance(hi, Tensor)) and not all(isinstance(v, Tensor) or v is None
                                                                          for v in (lo, hi)):
        got = ', '.join(['Tensor'] + [type(v).__name__ if not isinstance(v, Tensor) else 'Tensor' for v in (lo, hi)])
        raise TypeError(f'clamp() received an invalid combination of arguments - got ({got}), but expected one of:\n'
                        ' * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n'
                        ' * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n')
    if isinstance(lo, Tensor) or isinstance(hi, Tensor):
        from .. import _dtype
        target = _dtype.result_type(*(x for x in (input, lo, hi) if x is not None))
        cast = [None if x is None else (x if isinstance(x, Tensor) else wrap(_xp(input._data).asarray(x)))
                for x in (input, lo, hi)]
        cast = [None if x is None else (x if x._data.dtype == target.np else x.to(target)) for x in cast]
        return ClampTensor.apply(*cast)
    kind = input._data.dtype.kind
    if kind != 'f' and (isinstance(lo, float) or isinstance(hi, float)):
        from .. import _dtype
        input = input.to(_dtype.get_default_dtype())
    elif kind == 'b' and any(v.__class__ is int for v in (lo, hi)):
        from .. import _dtype
        input = input.to(_dtype.int64)          # bool with an int bound: PyTorch's result type is int64
    op = Clamp if lo is not None and hi is not None else ClampMin if lo is not None else ClampMax
    if input._data.dtype.kind == 'b':
        not_implemented_for(input, {Clamp: 'clamp_scalar_cpu', ClampMin: 'clamp_min_scalar_cpu',
                                    ClampMax: 'clamp_max_scalar_cpu'}[op], 'b')
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
    """PyTorch's rule: the larger (smaller) input takes the gradient, ties split it in halves, and where
    either is nan both take it (no comparison holds)."""
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    ga = gb = None
    w = _xp(g._data)
    dt = g._data.dtype
    share = w.where(w.asarray(x == y), dt.type(0.5), dt.type(1))
    need_a, need_b = ctx.needs_input_grad
    if need_a:
        ga = g * wrap((share * ~w.asarray(x < y if is_max else x > y)).astype(dt, copy=False))
    if need_b:
        gb = g * wrap((share * ~w.asarray(x > y if is_max else x < y)).astype(dt, copy=False))
    return ga, gb


def _binary_tensors(name, input, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return operands(input, other)


def maximum(input, other):
    return Maximum.apply(*_binary_tensors('maximum', input, other))


def minimum(input, other):
    return Minimum.apply(*_binary_tensors('minimum', input, other))


class Fmax(Op):
    """fmax/fmin: the non-nan operand wins; the gradient goes to the winner (self on ties)."""

    @staticmethod
    def forward(ctx, a, b, is_max=True):
        ctx.save_for_backward(a, b)
        ctx.is_max = is_max
        try:
            return (_xp(a).fmax if is_max else _xp(a).fmin)(a, b)
        except ValueError:
            raise shapes_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        x, y = a._data, b._data
        xp = _xp(x)
        first = xp.asarray(((x >= y) if ctx.is_max else (x <= y)) | xp.isnan(y))
        need_a, need_b = ctx.needs_input_grad
        return (g * _mask(first, g._data) if need_a else None), (g * _mask(~first, g._data) if need_b else None)


class Fmin(Fmax):
    pass


def fmax(input, other):
    return Fmax.apply(*_binary_tensors('fmax', input, other), is_max=True)


def fmin(input, other):
    return Fmin.apply(*_binary_tensors('fmin', input, other), is_max=False)


_ZERO_DIVISION = 'ZeroDivisionError'


def _int_divisor_check(xb, xa=None):
    """Integer division by zero raises in PyTorch (its kernels check; NumPy returns 0), when there is work."""
    if xa is not None and getattr(xa, 'size', 1) == 0 or getattr(xb, 'size', 1) == 0:
        return
    if (xb == 0).any() if hasattr(xb, 'any') else xb == 0:
        raise RuntimeError(_ZERO_DIVISION)


def _floor_div_arrays(xa, xb):
    """PyTorch's div_floor: integers floor; floats by fmod, so that e.g. 1 // 0.1 is 9 and inf // 2 is nan."""
    xp = _xp(xa if hasattr(xa, 'dtype') else xb)
    if not (getattr(xa, 'dtype', None) is not None and xa.dtype.kind == 'f'
            or getattr(xb, 'dtype', None) is not None and xb.dtype.kind == 'f' or isinstance(xb, float)):
        _int_divisor_check(xb, xa)
        return xp.asarray(xp.floor_divide(xa, xb))
    with np.errstate(divide='ignore', invalid='ignore'):
        mod = xp.fmod(xa, xb)
        div = (xa - mod) / xb
        div = xp.where((mod != 0) & ((xb < 0) != (mod < 0)), div - 1, div)
        fl = xp.floor(div)
        fl = xp.where(div - fl > 0.5, fl + 1, fl)
        fl = xp.where(div == 0, xp.copysign(xp.zeros_like(fl), xa / xb), fl)
        return xp.asarray(xp.where(xb == 0, xa / xb, fl)).astype(div.dtype, copy=False)


class DivRounding(Op):
    """div(..., rounding_mode='floor'/'trunc'): piecewise constant, so a zero gradient flows."""
    node_name = 'DivBackward3'

    @staticmethod
    def forward(ctx, a, b, mode='floor'):
        try:
            xp = _xp(a if hasattr(a, 'dtype') else b)
            np.broadcast_shapes(getattr(a, 'shape', ()), getattr(b, 'shape', ()))
        except ValueError:
            raise shapes_error(a, b) from None
        if mode == 'floor':
            return _floor_div_arrays(a, b)
        x = a if hasattr(a, 'dtype') else b
        if x.dtype.kind == 'b':
            raise NotImplementedError('"div_trunc_cpu" not implemented for \'Bool\'')
        if x.dtype.kind != 'f':
            _int_divisor_check(b, a)
            b = int(b) if b.__class__ is bool else b
            q = xp.floor_divide(xp.abs(a), xp.abs(b)) * xp.sign(a) * xp.sign(b)
            return xp.asarray(q).astype(x.dtype, copy=False)
        with np.errstate(divide='ignore', invalid='ignore'):
            return xp.asarray(xp.trunc(a / b)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return _zeros_like(g), _zeros_like(g)


class FloorDivide(DivRounding):
    """floor_divide (and `//`): PyTorch defines no derivative for it, and says so in backward."""
    node_name = 'FloorDivideBackward0'

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError('derivative for aten::floor_divide is not implemented')


def _no_bool(a, b, kernel):
    try:                                        # shapes are checked before dtypes, as PyTorch
        np.broadcast_shapes(getattr(getattr(a, '_data', a), 'shape', ()), getattr(getattr(b, '_data', b), 'shape', ()))
    except ValueError:
        raise shapes_error(getattr(a, '_data', a), getattr(b, '_data', b)) from None
    x = a if isinstance(a, Tensor) else b
    if isinstance(x, Tensor) and x._data.dtype.kind == 'b':
        not_implemented_for(x, kernel, 'b')


def floor_divide_rounding(input, other, rounding_mode):
    if rounding_mode not in ('floor', 'trunc'):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    a, b = operands(input, other)
    _no_bool(a, b, 'div_floor_cpu' if rounding_mode == 'floor' else 'div_trunc_cpu')
    return DivRounding.apply(a, b, mode=rounding_mode)


def floor_divide(input, other):
    a, b = operands(input, other)
    _no_bool(a, b, 'div_floor_cpu')
    return FloorDivide.apply(a, b, mode='floor')


class Remainder(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        xp = _xp(a if hasattr(a, 'dtype') else b)
        x = a if hasattr(a, 'dtype') else b
        try:
            np.broadcast_shapes(getattr(a, 'shape', ()), getattr(b, 'shape', ()))
        except ValueError:
            raise shapes_error(a, b) from None
        if x.dtype.kind != 'f' and not isinstance(b, float) and not isinstance(a, float):
            _int_divisor_check(b, a)
            return xp.asarray(xp.remainder(a, b))
        with np.errstate(divide='ignore', invalid='ignore'):     # PyTorch's: fmod, moved to the divisor's sign
            mod = xp.fmod(a, b)
            return xp.asarray(xp.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)).astype(
                mod.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            gb = -g * floor_divide_rounding(a.detach() if isinstance(a, Tensor) else a, b.detach(), 'floor')
        return (g if need_a else None), gb


def remainder(input, other):
    a, b = operands(input, other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError('remainder(): argument \'input\' must be Tensor')
    _no_bool(a, b, 'remainder_cpu')
    return Remainder.apply(a, b)


class Fmod(Op):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        x = a if hasattr(a, 'dtype') else b
        xp = _xp(x)
        try:
            np.broadcast_shapes(getattr(a, 'shape', ()), getattr(b, 'shape', ()))
        except ValueError:
            raise shapes_error(a, b) from None
        if x.dtype.kind != 'f':
            _int_divisor_check(b, a)
        with np.errstate(divide='ignore', invalid='ignore'):
            return xp.asarray(xp.fmod(a, b))

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        gb = None
        if need_b:
            gb = -g * floor_divide_rounding(a.detach() if isinstance(a, Tensor) else a, b.detach(), 'trunc')
        return (g if need_a else None), gb


def fmod(input, other):
    a, b = operands(input, other)
    _no_bool(a, b, 'fmod_cpu')
    return Fmod.apply(a, b)


arctan = atan


class Atan2(Op):
    """atan2(y, x), the angle of (x, y): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return _xp(a).arctan2(a, b)
        except ValueError:
            raise shapes_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        r = g / (a * a + b * b)
        return (r * b if need_a else None), (-r * a if need_b else None)


def atan2(input, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"atan2(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return Atan2.apply(*operands(input, other, true_divide=True))


arctan2 = atan2
