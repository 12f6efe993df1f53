"""The remaining activations: mish, hardswish, hardsigmoid, prelu, softshrink, hardshrink, threshold,
celu, selu, glu (softsign and tanhshrink are compositions, as in PyTorch), and leaky_relu's, hardtanh's
and gelu's ops (erf).

Each op computes forward on arrays and writes its backward once with Tensor ops (where-masks are
constants of the input, so they take no part in higher derivatives), under PyTorch's node names.
"""
import math

import numpy as np

from .. import _device
from .._tensor import wrap
from ..autograd.function import Op, elementwise
from .inplace import apply_inplace
from .unary import exp, not_implemented_for, sigmoid, softplus, tanh, where

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _mask(cond, like):
    """A 0/1 tensor of like's dtype: a constant factor in a backward formula."""
    return wrap(cond.astype(like.dtype))


class Mish(Op):
    @staticmethod
    def forward(ctx, a):
        xp = _device.xp_of(a)
        ctx.save_for_backward(a)
        sp = xp.maximum(a, 0) + xp.log1p(xp.exp(-xp.abs(a)))
        return (a * xp.tanh(sp)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        t = tanh(softplus(x))
        return g * (t + x * sigmoid(x) * (1 - t * t))


class Hardswish(Op):
    @staticmethod
    def forward(ctx, a):
        xp = _device.xp_of(a)
        ctx.save_for_backward(a)
        return (a * xp.clip(a + 3, 0, 6) / 6).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        a = x._data
        # PyTorch's kernel: 0 below -3, x / 3 + 1/2 on [-3, 3], 1 above
        mid, high = _mask((a >= -3) & (a <= 3), a), _mask(a > 3, a)
        return g * (mid * (x * (1 / 3) + 0.5) + high)


class Hardsigmoid(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return (_device.xp_of(a).clip(a + 3, 0, 6) / 6).astype(a.dtype, copy=False)

    backward = elementwise(lambda g, x: g * (((x > -3) * (x < 3)) * (1 / 6)))


class Softshrink(Op):
    @staticmethod
    def forward(ctx, a, lambd=0.5):
        xp = _device.xp_of(a)
        ctx.lambd = lambd
        ctx.save_for_backward(a)
        # nan passes through, as in PyTorch
        return xp.where(a > lambd, a - lambd, xp.where(a < -lambd, a + lambd, a * 0)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        a = x._data
        return g * _mask((a > ctx.lambd) | (a < -ctx.lambd), a)


class Hardshrink(Op):
    @staticmethod
    def forward(ctx, a, lambd=0.5):
        xp = _device.xp_of(a)
        ctx.lambd = lambd
        ctx.save_for_backward(a)
        # PyTorch's `-lambd <= x <= lambd ? 0 : x`: nan passes through
        return xp.where(~((a >= -lambd) & (a <= lambd)), a, 0).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        a = x._data
        return g * _mask(~((a >= -ctx.lambd) & (a <= ctx.lambd)), a)


class Threshold(Op):
    @staticmethod
    def forward(ctx, a, threshold=0.0, value=0.0):
        ctx.threshold = threshold
        ctx.save_for_backward(a)
        # PyTorch's `x <= threshold ? value : x`: nan passes through, and its gradient is 1
        return _device.xp_of(a).where(~(a <= threshold), a, value).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * _mask(~(x._data <= ctx.threshold), x._data)


class Celu(Op):
    @staticmethod
    def forward(ctx, a, alpha=1.0):
        xp = _device.xp_of(a)
        ctx.alpha = alpha
        ctx.save_for_backward(a)
        return xp.where(a > 0, a, alpha * xp.expm1(xp.minimum(a, 0) / alpha)).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        pos = _device.xp_of(x._data).asarray(x._data > 0)     # an array also for a 0-d input
        # the exponential sees only the non-positive side, so its unused branch never overflows
        return g * where(wrap(pos), 1.0, exp(where(wrap(pos), 0.0, x) * (1 / ctx.alpha)))


class Selu(Op):
    node_name = 'EluBackward0'

    @staticmethod
    def forward(ctx, a):
        xp = _device.xp_of(a)
        ctx.save_for_backward(a)
        return (SELU_SCALE * xp.where(a > 0, a, SELU_ALPHA * xp.expm1(xp.minimum(a, 0)))).astype(a.dtype,
                                                                                                  copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        pos = wrap(_device.xp_of(x._data).asarray(x._data > 0))     # an array also for a 0-d input
        return g * where(pos, SELU_SCALE, exp(where(pos, 0.0, x)) * (SELU_SCALE * SELU_ALPHA))


class Glu(Op):
    @staticmethod
    def forward(ctx, a, dim=-1):
        xp = _device.xp_of(a)
        ctx.dim = dim
        ctx.save_for_backward(a)
        first, second = xp.split(a, 2, axis=dim)
        return (first / (1 + xp.exp(-second))).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        first, second = x.chunk(2, ctx.dim)
        s = sigmoid(second)
        from .shape import cat
        return cat([g * s, g * first * s * (1 - s)], ctx.dim)


class PreluKernel(Op):
    @staticmethod
    def forward(ctx, a, w):
        ctx.save_for_backward(a, w)
        wb = w.reshape((1, -1) + (1,) * (a.ndim - 2)) if a.ndim >= 2 else w.reshape(w.shape[:a.ndim])
        return _device.xp_of(a).where(a > 0, a, wb * a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        a = x._data
        pos = _mask(a > 0, a)
        neg = 1 - pos                 # PyTorch's `x > 0 ? g : w g`: nan takes the weight's side
        nd = x.dim()
        wb = w.reshape((1, -1) + (1,) * (nd - 2)) if nd >= 2 else w.reshape(tuple(w.shape[:nd]))
        gx = g * (pos + neg * wb)
        gw = g * x * neg
        if w.shape[0] == 1:
            gw = gw.sum().reshape(1)
        else:
            gw = gw.sum(tuple(d for d in range(nd) if d != 1))
        return gx, gw


def _inplace(input, fn, inplace):
    return apply_inplace(input, fn, None, nargs=1) if inplace else fn(input)


def mish(input, inplace=False):
    not_implemented_for(input, 'mish_cpu')
    return _inplace(input, Mish.apply, inplace)


def hardswish(input, inplace=False):
    not_implemented_for(input, 'hardswish_cpu')
    return _inplace(input, Hardswish.apply, inplace)


def hardsigmoid(input, inplace=False):
    not_implemented_for(input, 'hardsigmoid_cpu')
    return _inplace(input, Hardsigmoid.apply, inplace)


def softsign(input):
    return input / (input.abs() + 1)


def tanhshrink(input):
    return input - tanh(input)


def softshrink(input, lambd=0.5):
    not_implemented_for(input, 'softshrink_check')
    if lambd < 0:
        dt = input._data.dtype
        kind = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half'}.get(str(dt), str(dt))
        raise RuntimeError(f'lambda must be in range [0, {float(np.finfo(dt).max):g}] for input dtype {kind}, but '
                           f'found {lambd:g}')
    return Softshrink.apply(input, lambd=lambd)


def hardshrink(input, lambd=0.5):
    not_implemented_for(input, 'hardshrink_cpu')
    return Hardshrink.apply(input, lambd=lambd)


def threshold(input, threshold, value, inplace=False):
    not_implemented_for(input, 'threshold_cpu', 'b')
    return _inplace(input, lambda x: Threshold.apply(x, threshold=threshold, value=value), inplace)


def celu(input, alpha=1.0, inplace=False):
    not_implemented_for(input, 'elu_cpu')
    if alpha == 0:
        raise RuntimeError('ZeroDivisionError: alpha cannot be 0 for CELU')
    return _inplace(input, lambda x: Celu.apply(x, alpha=alpha), inplace)


def selu(input, inplace=False):
    not_implemented_for(input, 'elu_cpu')
    return _inplace(input, Selu.apply, inplace)


def glu(input, dim=-1):
    not_implemented_for(input, 'glu_cpu')
    if input.dim() == 0:
        raise RuntimeError('glu does not support scalars because halving size must be even')
    d = dim + input.dim() if dim < 0 else dim
    if input.shape[d] % 2:
        raise RuntimeError(f'Halving dimension must be even, but dimension {d} is size {input.shape[d]}')
    return Glu.apply(input, dim=d)


def prelu(input, weight):
    if input._data.dtype != weight._data.dtype:
        words = {'int64': 'Long', 'int32': 'Int', 'bool': 'Bool', 'float32': 'Float', 'float64': 'Double'}
        raise RuntimeError(f'prelu: Type promoting not supported. Got {words.get(input._data.dtype.name)} and '
                           f'{words.get(weight._data.dtype.name)}')
    channels = input.shape[1] if input.dim() >= 2 else 1
    n = weight.numel()
    if n != 1 and n != channels:
        raise RuntimeError('Mismatch of parameter numbers and input channel size. Found parameter numbers = '
                           f'{n} and channel size = {channels}.')
    return PreluKernel.apply(input, weight.reshape(-1))


__all__ = ['mish', 'hardswish', 'hardsigmoid', 'softsign', 'tanhshrink', 'softshrink', 'hardshrink', 'threshold',
           'celu', 'selu', 'glu', 'prelu']


class LeakyRelu(Op):
    @staticmethod
    def forward(ctx, a, slope=0.01):
        ctx.slope = slope
        ctx.save_for_backward(a)
        return _device.xp_of(a).where(a > 0, a, a * slope).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        ad = a._data
        scale = _device.xp_of(ad).where(ad > 0, 1, ctx.slope).astype(ad.dtype)
        return g * wrap(scale)


class Hardtanh(Op):
    @staticmethod
    def forward(ctx, a, lo=-1.0, hi=1.0):
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        return _device.xp_of(a).clip(a, lo, hi).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        ad = a._data
        mask = (~((ad <= ctx.lo) | (ad >= ctx.hi))).astype(ad.dtype)     # a nan passes, as in PyTorch
        return g * wrap(mask)


_math_erf = np.frompyfunc(math.erf, 1, 1)


def _erf(xp, x):
    """erf of an array: SciPy's (CuPy's) when there; else a Chebyshev fit good to 1.2e-7 for float32
    and, for float64 on the CPU, the C library's erf element by element (the fit is not float64-exact)."""
    try:
        if xp is np:
            from scipy.special import erf
        else:
            from cupyx.scipy.special import erf
        return erf(x).astype(x.dtype, copy=False)
    except ImportError:
        if xp is np and x.dtype == np.float64:
            return np.asarray(_math_erf(x), dtype=np.float64)
        return _erf_poly(xp, x)


def _erf_poly(xp, x):
    # Numerical Recipes erfc Chebyshev fit: fractional error < 1.2e-7 everywhere
    z = xp.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + 0.5 * z)
    r = t * xp.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    return (xp.sign(x) * (1.0 - r)).astype(x.dtype)


class Erf(Op):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _erf(_device.xp_of(a), a)

    @staticmethod
    def backward(ctx, g):
        a, = ctx.saved_tensors
        return g * (a * a * -1).exp() * (2 / math.sqrt(math.pi))


class Gelu(Op):
    @staticmethod
    def forward(ctx, a, approximate='none'):
        xp = _device.xp_of(a)
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        if approximate == 'tanh':
            return (0.5 * a * (1 + xp.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))).astype(a.dtype)
        return (0.5 * a * (1 + _erf(xp, a / math.sqrt(2)))).astype(a.dtype)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        if ctx.approximate == 'tanh':
            k = math.sqrt(2 / math.pi)
            inner = (x + x * x * x * 0.044715) * k
            th = inner.tanh()
            d = (th + 1) * 0.5 + x * 0.5 * (1 - th * th) * k * (x * x * 0.134145 + 1)
            return g * d
        cdf = (Erf.apply(x * (1 / math.sqrt(2))) + 1) * 0.5
        pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
        return g * (cdf + x * pdf)
