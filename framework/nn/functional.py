"""nn.functional: the stateless forms of the layers and losses, over the ops in framework/ops.
Module-level helpers are underscored so that dir(F) lists PyTorch's names only."""
import numpy as _np

from .. import _device
from .._tensor import wrap as _wrap
from ..ops.activation import LeakyRelu as _LeakyRelu, Hardtanh as _Hardtanh, Gelu as _Gelu
from ..ops.linear import linear
from ..ops.loss import (log_softmax, softmax, mse_loss, l1_loss, binary_cross_entropy,  # noqa: F401
                        binary_cross_entropy_with_logits, nll_loss, cross_entropy, _legacy, _reduce, _reduction)
from ..ops.loss import Huber as _Huber
from ..ops.unary import relu as _relu, sigmoid, tanh, not_implemented_for as _not_implemented_for  # noqa: F401
from ..ops.inplace import apply_inplace as _apply_inplace
from ..random import rng as _rng

__all__ = ['linear', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'log_softmax', 'gelu', 'silu', 'dropout',
           'mse_loss', 'l1_loss', 'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'cross_entropy',
           'nll_loss', 'smooth_l1_loss', 'huber_loss', 'one_hot', 'elu', 'softplus', 'logsigmoid', 'hardtanh',
           'relu6', 'softmin', 'normalize']


def relu(input, inplace=False):
    if inplace:
        return _apply_inplace(input, _relu, None, nargs=1)
    return _relu(input)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    _not_implemented_for(input, 'leaky_relu_cpu')
    if inplace:
        return _apply_inplace(input, lambda x: _LeakyRelu.apply(x, slope=negative_slope), None, nargs=1)
    return _LeakyRelu.apply(input, slope=negative_slope)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if input._data.dtype.kind == 'b':
        raise RuntimeError('Bool inputs not supported for hardtanh')
    if inplace:
        return _apply_inplace(input, lambda x: _Hardtanh.apply(x, lo=min_val, hi=max_val), None, nargs=1)
    return _Hardtanh.apply(input, lo=min_val, hi=max_val)


def gelu(input, approximate='none'):
    if approximate not in ('none', 'tanh'):
        raise RuntimeError('approximate argument must be either none or tanh.')
    _not_implemented_for(input, 'GeluKernelImpl')
    return _Gelu.apply(input, approximate=approximate)


def silu(input, inplace=False):
    _not_implemented_for(input, 'silu_cpu')
    if inplace:
        return _apply_inplace(input, lambda x: x * sigmoid(x), None, nargs=1)
    return input * sigmoid(input)


def elu(input, alpha=1.0, inplace=False):
    from ..ops.unary import where, exp
    _not_implemented_for(input, 'elu_cpu')

    def fn(x):
        # `x <= 0` picks the exponential branch, so a nan takes the identity's gradient (as PyTorch's kernel);
        # the exponential sees only x <= 0 (0 elsewhere), so its unused branch never makes inf * 0 or nan * 0
        neg = x <= 0
        return where(neg, (exp(where(neg, x, 0.0)) - 1) * alpha, x)
    return _apply_inplace(input, fn, None, nargs=1) if inplace else fn(input)


def softplus(input, beta=1.0, threshold=20.0):
    _not_implemented_for(input, 'softplus_cpu')
    from ..ops.unary import where, exp, log1p
    bx = input * beta
    # log1p(e^{-|bx|}) + max(bx, 0) with the sign and the mask as constants: no overflow, and the gradient is
    # sigmoid(bx) everywhere (|bx| and relu(bx) have a kink at 0, where their gradients give 0, not 1/2)
    pos = bx.detach() > 0
    soft = (log1p(exp(bx * (1 - 2 * pos.to(bx.dtype)))) + where(pos, bx, 0.0)) * (1 / beta)
    return where(bx > threshold, input, soft)


def logsigmoid(input):
    from ..ops.unary import LogSigmoid
    _not_implemented_for(input, 'log_sigmoid_cpu')
    return LogSigmoid.apply(input)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if input._data.dtype.kind == 'b':       # softmin is softmax(-input)
        from ..ops.arithmetic import neg
        neg(input)
    if dim is not None:
        from ..ops.shape import _wrap_dim
        _wrap_dim(dim, max(input._data.ndim, 1))
    if dtype is None:
        _not_implemented_for(input, 'softmax_lastdim_kernel_impl', 'iu')
    return softmax(-input, dim, dtype=dtype)


def dropout(input, p=0.5, training=True, inplace=False):
    if p < 0.0 or p > 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
    if not training or p == 0.0:
        return input
    arr = input._data
    if p == 1.0:
        mask = _np.zeros(arr.shape, dtype=arr.dtype)
    else:
        mask = (_rng().random(arr.shape, dtype=_np.float32) >= p).astype(arr.dtype)
        mask *= arr.dtype.type(1 / (1 - p))
    if arr.__class__ is not _np.ndarray:
        mask = _device.xp_of(arr).asarray(mask)
    if inplace:
        return input.mul_(_wrap(mask))
    return input * _wrap(mask)


def _loss_pair(input, target):
    from ..ops.promotion import operands
    a, b = operands(input, target)
    _not_implemented_for(a, 'smooth_l1_cpu')
    return a, b


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    if beta == 0:
        return _reduce((input - target).abs(), reduction)
    a, b = _loss_pair(input, target)
    return _reduce(_Huber.apply(a, b, delta=beta) * (1 / beta), reduction)


def huber_loss(input, target, reduction='mean', delta=1.0, weight=None):
    from ..ops.promotion import broadcast_message
    message = broadcast_message(input._data.shape, target._data.shape)    # PyTorch broadcasts first
    if message:
        raise RuntimeError(message)
    reduction = _reduction(reduction)
    _not_implemented_for(input, 'huber_cpu')
    dt = input.dtype      # PyTorch's huber_loss returns the input's dtype
    loss = _Huber.apply(input, target if target.dtype == dt else target.to(dt), delta=delta)
    if weight is not None:
        # unlike mse_loss and l1_loss, PyTorch's weighted huber 'mean' divides by the element count
        if weight.shape != input.shape:
            raise ValueError('Weights and input must have the same size.')
        loss = loss * weight
    return _reduce(loss, reduction)


def one_hot(tensor, num_classes=-1):
    arr = tensor._data
    if arr.dtype != _np.int64:
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
    return _wrap((arr[..., None] == xp.arange(num_classes)).astype(_np.int64))


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


__all__ += ['hardtanh']


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
        mask = _np.zeros(shape, dtype=arr.dtype)
    else:
        mask = (_rng().random(shape, dtype=_np.float32) >= p).astype(arr.dtype)
        mask *= arr.dtype.type(1 / (1 - p))
    if arr.__class__ is not _np.ndarray:
        mask = _device.xp_of(arr).asarray(mask)
    if inplace:
        return input.mul_(_wrap(mask))
    return input * _wrap(mask)


__all__ += ['conv1d', 'conv2d', 'conv_transpose1d', 'conv_transpose2d', 'unfold', 'fold', 'max_pool1d', 'max_pool2d',
            'avg_pool1d', 'avg_pool2d', 'adaptive_avg_pool1d', 'adaptive_avg_pool2d', 'adaptive_max_pool1d',
            'adaptive_max_pool2d', 'batch_norm', 'pad', 'interpolate', 'upsample', 'dropout2d']
from .attention import scaled_dot_product_attention, multi_head_attention_forward  # noqa: E402,F401
