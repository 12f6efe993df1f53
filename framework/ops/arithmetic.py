"""Binary arithmetic: + - * / ** with broadcasting and PyTorch's dtype promotion.

Each op's backward returns gradients in the broadcast (output) shape; the engine sums them back
to each input's shape in one place (`sum_to`), so no op repeats that logic.
"""
from ..autograd.function import Op
from .._tensor import Tensor
from .promotion import operands, shapes_error


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

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Rsub(Op):
    """`other - self`, PyTorch's RsubBackward1."""
    node_name = 'RsubBackward1'

    @staticmethod
    def forward(ctx, a, b):
        try:
            return b - a
        except ValueError:
            raise shapes_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        return -g, g


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

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
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

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g / b if need_a else None
        gb = -g * a / (b * b) if need_b else None
        return ga, gb


class Neg(Op):
    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class PowScalar(Op):
    """tensor ** number."""
    node_name = 'PowBackward0'

    @staticmethod
    def forward(ctx, a, p=2):
        ctx.save_for_backward(a)
        ctx.p = p
        return a ** p

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return g * 0
        return g * p * a ** (p - 1)


class Pow(Op):
    """tensor ** tensor and number ** tensor."""
    node_name = 'PowBackward1'

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = a ** b
        except ValueError:
            raise shapes_error(a, b) from None
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        from .unary import log, where
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = g * b * a ** (b - 1) if need_a else None
        gb = None
        if need_b:
            # d/db a**b = a**b * log(a), taken as 0 where a == 0 and b >= 0 (PyTorch's convention)
            a_t = a if isinstance(a, Tensor) else out.new_full((), a)
            gb = g * where((a_t == 0) & (b >= 0), out * 0, out * log(a_t))
        return ga, gb


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    return Add.apply(*operands(input, other))


def sub(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(*operands(input, other))


def rsub(input, other, *, alpha=1):
    if alpha != 1:
        input = mul(input, alpha)
    return Rsub.apply(*operands(input, other))


def mul(input, other, *, out=None):
    return Mul.apply(*operands(input, other))


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is not None:
        from .unary import floor_divide_rounding
        return floor_divide_rounding(input, other, rounding_mode)
    return Div.apply(*operands(input, other, true_divide=True))


def rdiv(input, other):
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
    return Pow.apply(*operands(input, exponent))


def rpow(input, other):
    return Pow.apply(*operands(other, input))


# PyTorch's aliases
subtract = sub
multiply = mul
divide = true_divide = div
negative = neg
