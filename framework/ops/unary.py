"""Elementwise functions of one tensor (and where/clamp/maximum/minimum, which select elementwise).

`xp` is the array module of the input (NumPy or CuPy), so one definition serves both devices.
"""
from .. import _device
from ..autograd.function import Op
from .._tensor import Tensor, wrap
from .promotion import operands


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

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out


class Log(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).log(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g / a


class Sin(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).sin(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * cos(a)


class Cos(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _xp(a).cos(a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return -g * sin(a)


class Tanh(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * (1 - out * out)


class Sigmoid(Op):
    @staticmethod
    def forward(ctx, a):
        xp = _xp(a)
        # exp of a non-positive number only: no overflow for large |a|
        e = xp.exp(-xp.abs(a))
        out = xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * out * (1 - out)


class Relu(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g * wrap((out._data > 0).astype(out._data.dtype))


class Sqrt(Op):
    @staticmethod
    def forward(ctx, a):
        out = _xp(a).sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        return g / (2 * out)


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
        return _xp(cond).where(cond, a, b)

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


def where(condition, input, other):
    a, b = operands(input, other)
    cond = condition._data if isinstance(condition, Tensor) else condition
    if cond.dtype.kind != 'b':
        raise RuntimeError(f'where expected condition to be a boolean tensor, but got a tensor with dtype '
                           f'{repr(condition.dtype).replace("framework.", "")}')
    return Where.apply(wrap(cond), a, b)


absolute = abs
