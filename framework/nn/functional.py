"""nn.functional: the stateless forms of the layers and losses.

The fused ops (linear, softmax, the losses) live in framework/ops; the few activations that only
nn uses (leaky_relu, gelu) are small ops defined here.
"""
import math

import numpy as np

from .. import _device
from .._tensor import wrap
from ..autograd.function import Op
from ..autograd.grad_mode import state as _grad_state
from ..ops.linear import linear
from ..ops.loss import (log_softmax, softmax, mse_loss, l1_loss, binary_cross_entropy,  # noqa: F401
                        binary_cross_entropy_with_logits, nll_loss, cross_entropy, _legacy, _reduce, _reduction)
from ..ops.unary import relu as _relu, sigmoid, tanh, not_implemented_for  # noqa: F401
from ..ops.inplace import apply_inplace
from ..random import rng as _rng

__all__ = ['linear', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'log_softmax', 'gelu', 'silu', 'dropout',
           'mse_loss', 'l1_loss', 'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'cross_entropy',
           'nll_loss', 'smooth_l1_loss', 'huber_loss', 'one_hot', 'elu', 'softplus', 'logsigmoid', 'hardtanh',
           'relu6', 'softmin', 'normalize']


def relu(input, inplace=False):
    if inplace:
        return apply_inplace(input, _relu, None, nargs=1)
    return _relu(input)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


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
        return g * wrap(scale) if _grad_state.enabled else wrap(g._data * scale)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    not_implemented_for(input, 'leaky_relu_cpu')
    if inplace:
        return apply_inplace(input, lambda x: LeakyRelu.apply(x, slope=negative_slope), None, nargs=1)
    return LeakyRelu.apply(input, slope=negative_slope)


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
        return g * wrap(mask) if _grad_state.enabled else wrap(g._data * mask)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if input._data.dtype.kind == 'b':
        raise RuntimeError('Bool inputs not supported for hardtanh')
    if inplace:
        return apply_inplace(input, lambda x: Hardtanh.apply(x, lo=min_val, hi=max_val), None, nargs=1)
    return Hardtanh.apply(input, lo=min_val, hi=max_val)


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


def gelu(input, approximate='none'):
    if approximate not in ('none', 'tanh'):
        raise RuntimeError('approximate argument must be either none or tanh.')
    not_implemented_for(input, 'GeluKernelImpl')
    return Gelu.apply(input, approximate=approximate)


def silu(input, inplace=False):
    not_implemented_for(input, 'silu_cpu')
    if inplace:
        return apply_inplace(input, lambda x: x * sigmoid(x), None, nargs=1)
    return input * sigmoid(input)


def elu(input, alpha=1.0, inplace=False):
    from ..ops.unary import where, exp
    not_implemented_for(input, 'elu_cpu')

    def fn(x):
        # `x <= 0` picks the exponential branch, so a nan takes the identity's gradient (as PyTorch's kernel);
        # the exponential sees only x <= 0 (0 elsewhere), so its unused branch never makes inf * 0 or nan * 0
        neg = x <= 0
        return where(neg, (exp(where(neg, x, 0.0)) - 1) * alpha, x)
    return apply_inplace(input, fn, None, nargs=1) if inplace else fn(input)


def softplus(input, beta=1.0, threshold=20.0):
    not_implemented_for(input, 'softplus_cpu')
    from ..ops.unary import where, exp, log1p
    bx = input * beta
    # log1p(e^{-|bx|}) + max(bx, 0) with the sign and the mask as constants: no overflow, and the gradient is
    # sigmoid(bx) everywhere (|bx| and relu(bx) have a kink at 0, where their gradients give 0, not 1/2)
    pos = bx.detach() > 0
    soft = (log1p(exp(bx * (1 - 2 * pos.to(bx.dtype)))) + where(pos, bx, 0.0)) * (1 / beta)
    return where(bx > threshold, input, soft)


def logsigmoid(input):
    from ..ops.unary import LogSigmoid
    not_implemented_for(input, 'log_sigmoid_cpu')
    return LogSigmoid.apply(input)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if input._data.dtype.kind == 'b':       # softmin is softmax(-input)
        from ..ops.arithmetic import neg
        neg(input)
    if dim is not None:
        from ..ops.shape import _wrap_dim
        _wrap_dim(dim, max(input._data.ndim, 1))
    if dtype is None:
        not_implemented_for(input, 'softmax_lastdim_kernel_impl', 'iu')
    return softmax(-input, dim, dtype=dtype)


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
    if not training or p == 0.0:
        return input
    arr = input._data
    if p == 1.0:
        mask = np.zeros(arr.shape, dtype=arr.dtype)
    else:
        mask = (_rng().random(arr.shape, dtype=np.float32) >= p).astype(arr.dtype)
        mask *= arr.dtype.type(1 / (1 - p))
    if arr.__class__ is not np.ndarray:
        mask = _device.xp_of(arr).asarray(mask)
    if inplace:
        return input.mul_(wrap(mask))
    return input * wrap(mask)


class Huber(Op):
    """Elementwise huber loss of d = x - y: 0.5 d^2 inside |d| < delta, delta (|d| - delta/2) outside;
    the gradient clamp(d, -delta, delta), which stays finite for infinite d (no where() of an inf branch)."""

    @staticmethod
    def forward(ctx, x, y, delta=1.0):
        xp = _device.xp_of(x if hasattr(x, 'dtype') else y)
        try:
            d = _device.as_array(x - y)
        except ValueError:
            from ..ops.promotion import shapes_error
            raise shapes_error(x, y) from None
        ctx.delta = delta
        ctx.save_for_backward(x, y)
        ad = xp.abs(d)
        with np.errstate(invalid='ignore', over='ignore'):
            return xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        from ..ops.unary import clamp
        x, y = ctx.saved_tensors
        gd = g * clamp(x - y, -ctx.delta, ctx.delta)
        need_x, need_y = ctx.needs_input_grad
        return (gd if need_x else None), (-gd if need_y else None)


def _loss_pair(input, target):
    from ..ops.promotion import operands
    a, b = operands(input, target)
    not_implemented_for(a, 'smooth_l1_cpu')
    return a, b


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    if beta == 0:
        return _reduce((input - target).abs(), reduction)
    a, b = _loss_pair(input, target)
    return _reduce(Huber.apply(a, b, delta=beta) * (1 / beta), reduction)


def huber_loss(input, target, reduction='mean', delta=1.0, weight=None):
    from ..ops.promotion import broadcast_message
    message = broadcast_message(input._data.shape, target._data.shape)    # PyTorch broadcasts first
    if message:
        raise RuntimeError(message)
    reduction = _reduction(reduction)
    not_implemented_for(input, 'huber_cpu')
    dt = input.dtype      # PyTorch's huber_loss returns the input's dtype
    loss = Huber.apply(input, target if target.dtype == dt else target.to(dt), delta=delta)
    if weight is not None:
        # unlike mse_loss and l1_loss, PyTorch's weighted huber 'mean' divides by the element count
        if weight.shape != input.shape:
            raise ValueError('Weights and input must have the same size.')
        loss = loss * weight
    return _reduce(loss, reduction)


def one_hot(tensor, num_classes=-1):
    arr = tensor._data
    if arr.dtype != np.int64:
        raise RuntimeError('one_hot is only applicable to index tensor of type LongTensor.')
    if num_classes == -1 or not arr.size and num_classes <= 0:
        if not arr.size:
            raise RuntimeError('Can not infer total number of classes from empty tensor.')
        num_classes = int(arr.max()) + 1
    if arr.size:
        if int(arr.min()) < 0:
            raise RuntimeError('Class values must be non-negative.')
        if int(arr.max()) >= num_classes:
            raise RuntimeError('Class values must be smaller than num_classes.')
    xp = _device.xp_of(arr)
    return wrap((arr[..., None] == xp.arange(num_classes)).astype(np.int64))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    n = input.norm(p, dim, keepdim=True)
    from ..ops.unary import where
    return input / where(n < eps, eps, n)


# ---- embeddings, normalization, activations, distances, losses (framework/ops/embedding.py, norms.py,
# activation.py, distance.py, margin_loss.py, likelihood_loss.py)
from ..ops.embedding import embedding, embedding_bag  # noqa: E402
from ..ops.norms import layer_norm, group_norm, rms_norm  # noqa: E402

from ..ops.activation import (mish, hardswish, hardsigmoid, softsign, tanhshrink, softshrink,  # noqa: E402
                              hardshrink, threshold, celu, selu, glu, prelu)

from ..ops.distance import cosine_similarity, pairwise_distance, pixel_shuffle, pixel_unshuffle  # noqa: E402
from ..ops.margin_loss import (cosine_embedding_loss, margin_ranking_loss, triplet_margin_loss,  # noqa: E402
                               hinge_embedding_loss, soft_margin_loss, multilabel_soft_margin_loss)
from ..ops.likelihood_loss import kl_div, poisson_nll_loss, gaussian_nll_loss  # noqa: E402

__all__ += ['embedding', 'embedding_bag', 'layer_norm', 'group_norm', 'rms_norm', 'mish', 'hardswish', 'hardsigmoid',
            'softsign', 'tanhshrink', 'softshrink', 'hardshrink', 'threshold', 'celu', 'selu', 'glu', 'prelu',
            'cosine_similarity', 'pairwise_distance', 'pixel_shuffle', 'pixel_unshuffle', 'cosine_embedding_loss',
            'margin_ranking_loss', 'triplet_margin_loss', 'hinge_embedding_loss', 'soft_margin_loss',
            'multilabel_soft_margin_loss', 'kl_div', 'poisson_nll_loss', 'gaussian_nll_loss']


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def identity(input):
    return input


__all__ += ['hardtanh', 'flatten', 'identity']


# ---- convolution, pooling, normalization, padding, resampling (framework/ops/conv.py, pooling.py, ...)
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, unfold, fold  # noqa: E402
from ..ops.pooling import (max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d,  # noqa: E402
                           adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d)
from ..ops.normalization import batch_norm  # noqa: E402
from ..ops.padding import pad  # noqa: E402
from .upsampling import interpolate, upsample  # noqa: E402


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout: one Bernoulli draw per (sample, channel), broadcast over the plane."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
    nd = input.dim()
    if nd not in (3, 4):
        import warnings
        warnings.warn(f'dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result in an '
                      'error in a future release. To retain the behavior and silence this warning, please use '
                      'dropout instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 '
                      'spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D '
                      'inputs).')
    if not training or p == 0.0:
        return input
    arr = input._data
    shape = arr.shape[:-2] + (1, 1) if nd >= 3 else arr.shape
    if p == 1.0:
        mask = np.zeros(shape, dtype=arr.dtype)
    else:
        mask = (_rng().random(shape, dtype=np.float32) >= p).astype(arr.dtype)
        mask *= arr.dtype.type(1 / (1 - p))
    if arr.__class__ is not np.ndarray:
        mask = _device.xp_of(arr).asarray(mask)
    if inplace:
        return input.mul_(wrap(mask))
    return input * wrap(mask)


__all__ += ['conv1d', 'conv2d', 'conv_transpose1d', 'conv_transpose2d', 'unfold', 'fold', 'max_pool1d', 'max_pool2d',
            'avg_pool1d', 'avg_pool2d', 'adaptive_avg_pool1d', 'adaptive_avg_pool2d', 'adaptive_max_pool1d',
            'adaptive_max_pool2d', 'batch_norm', 'pad', 'interpolate', 'upsample', 'dropout2d']
