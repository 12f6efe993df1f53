"""Binary arithmetic: + - * / ** with broadcasting and PyTorch's dtype promotion.

Each op's backward returns gradients in the broadcast (output) shape; the engine sums them back
to each input's shape in one place (`sum_to`), so no op repeats that logic.
"""
import math

from .. import _device
from ..autograd.function import Op, formula
from .._tensor import Tensor
from .promotion import SUB_BOOL, is_bool, operands, shapes_error


class Add(Op):
    @staticmethod
    def forward(ctx, a, b):
        try:
            return a + b
        except ValueError:
            raise shapes_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Op):
    @staticmethod
    def forward(ctx, a, b):
        try:
            return a - b
        except ValueError:
            raise shapes_error(a, b) from None
        except TypeError:           # NumPy refuses bool - bool with its own words
            raise RuntimeError('Subtraction, the `-` operator, with two bool tensors is not supported. '
                               'Use the `^` or `logical_xor()` operator instead.') from None

    @formula
    def backward(ctx, m, g):
        return g, -g


class Rsub(Op):
    """`other - self` for two tensors, PyTorch's RsubBackward0."""
    node_name = 'RsubBackward0'

    @staticmethod
    def forward(ctx, a, b):
        try:
            return b - a
        except ValueError:
            raise shapes_error(a, b) from None
        except TypeError:           # NumPy refuses bool - bool with its own words
            raise RuntimeError('Subtraction, the `-` operator, with two bool tensors is not supported. '
                               'Use the `^` or `logical_xor()` operator instead.') from None

    @staticmethod
    def backward(ctx, g):
        return -g, g


class RsubScalar(Op):
    """`number - tensor`: PyTorch's RsubBackward1, with one edge (the number takes no part in the graph)."""
    node_name = 'RsubBackward1'

    @staticmethod
    def forward(ctx, a, other=0):
        return other - a

    @staticmethod
    def backward(ctx, g):
        return -g


class Mul(Op):
    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        if need:                # keep only what the wanted gradients use (as PyTorch: fewer false alarms)
            ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
        try:
            return a * b
        except ValueError:
            raise shapes_error(a, b) from None

    @formula
    def backward(ctx, m, g, a, b):
        need_a, need_b = ctx.needs_input_grad
        return (g * b if need_a else None), (g * a if need_b else None)


class Div(Op):
    @staticmethod
    def forward(ctx, a, b):
        need = ctx.needs_input_grad
        if need:
            ctx.save_for_backward(a if need[1] else None, b)
        try:
            return a / b
        except ValueError:
            raise shapes_error(a, b) from None

    @formula
    def backward(ctx, m, g, a, b):
        need_a, need_b = ctx.needs_input_grad
        return (g / b if need_a else None), (-g * a / (b * b) if need_b else None)


class Neg(Op):
    @staticmethod
    def forward(ctx, a):
        try:
            return -a
        except TypeError:           # bool
            raise RuntimeError('Negation, the `-` operator, on a bool tensor is not supported. If you are trying '
                               'to invert a mask, use the `~` or `logical_not()` operator instead.') from None

    @formula
    def backward(ctx, m, g):
        return -g


def _power(a, b):
    """a ** b elementwise as PyTorch's CPU kernel computes it, so results agree bit for bit where
    the arithmetic is exact-rounded. NumPy's float32 `power` is a SIMD kernel chosen by CPU
    features and is not correctly rounded on every CPU; PyTorch's is (to within its 1-ulp Sleef
    bound), so float16/32 powers are taken in float64 and rounded once: correct rounding for the
    small integer exponents the seeds use (a float32 square is exact in float64). Other exponents
    may still differ from torch's vectorized kernel in the last bit; float64 powers use NumPy's."""
    if a.dtype.kind == 'f' and a.dtype.itemsize < 8:
        return (a.astype('float64') ** b).astype(a.dtype)
    return a ** b


def _power_scalar(a, p):
    """tensor ** number with PyTorch's special cases (aten/native/cpu/PowKernel.cpp): 0 and 1
    copy, 2 and 3 multiply (so `x ** 3` is `x * x * x`, rounded twice, exactly as torch),
    -2, -1, ±0.5 use reciprocal and sqrt; only other exponents go through `_power`."""
    if a.dtype.kind != 'f':
        return a ** p
    if p == 2:
        return a * a
    if p == 3:
        return a * a * a
    if p == 1:
        return a.copy()
    if p == 0:
        return a ** 0
    xp = _device.xp_of(a)
    if p == 0.5:
        return xp.sqrt(a)
    if p == -0.5:
        return 1 / xp.sqrt(a)
    if p == -1:
        return 1 / a
    if p == -2:
        return 1 / (a * a)
    return _power(a, p)


class PowScalar(Op):
    """tensor ** number."""
    node_name = 'PowBackward0'

    @staticmethod
    def forward(ctx, a, p=2):
        ctx.save_for_backward(a)
        ctx.p = p
        return _power_scalar(a, p)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return g * 0
        return g * (p * a ** (p - 1))      # torch's pow_backward, in its order of rounding


class Pow(Op):
    """tensor ** tensor and number ** tensor."""
    node_name = 'PowBackward1'

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = _power(a, b)
        except ValueError:
            raise shapes_error(a, b) from None
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .unary import log, where
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # d/da a**b = b * a**(b-1), taken as 0 where b == 0 (PyTorch's convention: 0**0 is constant 1)
        ga = g * where(b == 0, 0.0, b * a ** (b - 1)) if need_a else None
        gb = None
        if need_b:
            # d/db a**b = a**b * log(a), taken as 0 where a == 0 and b >= 0 (PyTorch's convention)
            a_t = a if isinstance(a, Tensor) else out.new_full((), a)
            gb = g * where((a_t == 0) & (b >= 0), out * 0, out * log(a_t))
        return ga, gb


class PowScalarBase(Op):
    """number ** tensor: PyTorch's PowBackward2, with one edge."""
    node_name = 'PowBackward2'

    @staticmethod
    def forward(ctx, b, base=2):
        out = _power(_device.xp_of(b).asarray(base, dtype=b.dtype), b) if b.dtype.kind == 'f' else base ** b
        ctx.save_for_backward(b, out)
        ctx.base = base
        return out

    @staticmethod
    def backward(ctx, g):
        from .unary import where
        b, out = ctx.saved_tensors
        base = ctx.base
        if base == 0:               # d/db 0**b taken as 0 where b >= 0 (PyTorch's convention)
            return g * where(b >= 0, 0.0, out * float('-inf'))
        return g * (out * (math.log(base) if base > 0 else float('nan')))   # torch's order of rounding


def _times_alpha(input, other, alpha):
    """`other * alpha` for add/sub; a float alpha with an integral result is PyTorch's error."""
    if alpha.__class__ is bool and not all(x.__class__ is bool or isinstance(x, Tensor) and x._data.dtype.kind == 'b'
                                           for x in (input, other)):
        raise RuntimeError('Boolean alpha only supported for Boolean results.')
    if isinstance(alpha, float) and not any(
            x.__class__ is float or isinstance(x, Tensor) and x._data.dtype.kind in 'fc' for x in (input, other)):
        raise RuntimeError('For integral input tensors, argument alpha must not be a floating point number.')
    if not isinstance(other, Tensor):
        return other * alpha                    # a number stays a (weak) number
    if isinstance(input, Tensor):               # scale in the result dtype, so that alpha cannot change it
        from .._dtype import result_type
        target = result_type(input, other)
        if other._data.dtype != target.np:
            other = other.to(target)
    return mul(other, alpha)


def add(input, other, *, alpha=1, out=None):
    if alpha != 1 or alpha.__class__ is bool:
        other = _times_alpha(input, other, alpha)
    return Add.apply(*operands(input, other))


def sub(input, other, *, alpha=1, out=None):
    if (is_bool(input) or is_bool(other)) and not (is_bool(input) and is_bool(other)):
        raise RuntimeError(SUB_BOOL)        # (two bools fail in Sub, in their own words)
    if alpha != 1 or alpha.__class__ is bool:
        other = _times_alpha(input, other, alpha)
    return Sub.apply(*operands(input, other, subtract=True))


def rsub(input, other, *, alpha=1):
    if (is_bool(input) or is_bool(other)) and not (is_bool(input) and is_bool(other)):
        raise RuntimeError(SUB_BOOL)        # (two bools fail in Sub, in their own words)
    if alpha != 1 or alpha.__class__ is bool:
        input = _times_alpha(other, input, alpha)
    a, b = operands(input, other, subtract=True)
    if isinstance(b, Tensor):
        return Rsub.apply(a, b)
    return RsubScalar.apply(a, other=b)


def mul(input, other, *, out=None):
    return Mul.apply(*operands(input, other))


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is not None:
        from .unary import floor_divide_rounding
        return floor_divide_rounding(input, other, rounding_mode)
    return Div.apply(*operands(input, other, true_divide=True))


def rdiv(input, other):
    if other.__class__ in (int, float):     # as PyTorch: `2 / x` is `x.reciprocal() * 2`
        from .unary import reciprocal
        return mul(reciprocal(input), other)
    return Div.apply(*operands(other, input, true_divide=True))


def neg(input):
    return Neg.apply(input)


def pow(input, exponent):
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)):
            exponent = float(exponent) if hasattr(exponent, 'dtype') and exponent.dtype.kind == 'f' else int(exponent)
        if isinstance(exponent, float) and input._data.dtype.kind != 'f':
            input, _ = operands(input, exponent)
        elif isinstance(exponent, int) and exponent < 0 and input._data.dtype.kind != 'f':
            raise RuntimeError('Integers to negative integer powers are not allowed.')
        return PowScalar.apply(input, p=exponent)
    if not isinstance(input, Tensor):
        return rpow(exponent, input)
    return Pow.apply(*operands(input, exponent))


def float_power(input, exponent):
    """pow in double precision: both sides are cast to float64 first, as PyTorch does."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError('float_power() received an invalid combination of arguments: at least one of input '
                        'and exponent must be a Tensor')
    input = input.double() if isinstance(input, Tensor) else float(input)
    exponent = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(input, exponent)


def rpow(input, other):
    base, b = operands(other, input)
    if isinstance(base, Tensor):
        return Pow.apply(base, b)
    return PowScalarBase.apply(b, base=base)


# PyTorch's aliases
subtract = sub
multiply = mul
divide = true_divide = div
negative = neg
