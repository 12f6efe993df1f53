"""Softmax, log-softmax and the fused losses: each one node with one backward.

mse_loss (MseLossBackward0), binary_cross_entropy_with_logits (numerically stable,
BinaryCrossEntropyWithLogitsBackward0), binary_cross_entropy, nll_loss (NllLossBackward0) and
cross_entropy = nll_loss(log_softmax(x)). Without `create_graph` the backwards run on raw arrays;
with it, the same formulas are written with Tensor ops, so higher derivatives are recorded.
"""
import warnings

import numpy as np

from .. import _device
from .._dtype import scalar_name
from .._tensor import wrap
from ..autograd.function import Op
from ..autograd.grad_mode import state as _grad_state
from .promotion import broadcast_message, operands

_REDUCTIONS = ('none', 'mean', 'sum')


def _reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f'{reduction} is not a valid value for reduction')
    return reduction


def _xp(a):
    return _device.xp_of(a)


def _reduce(loss, reduction):
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    return loss


def _size(shape):
    from .._tensor import Size
    return repr(Size(shape))


# ---------------------------------------------------------------- softmax family
class LogSoftmax(Op):
    @staticmethod
    def forward(ctx, a, dim=-1):
        xp = _xp(a)
        m = a.max(axis=dim, keepdims=True) if a.size else a
        shifted = a - m
        out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        dim = ctx.dim
        if not _grad_state.enabled:
            ga, oa = g._data, out._data
            xp = _xp(ga)
            return wrap(ga - xp.exp(oa) * ga.sum(axis=dim, keepdims=True))
        return g - out.exp() * g.sum(dim, keepdim=True)


class Softmax(Op):
    @staticmethod
    def forward(ctx, a, dim=-1):
        xp = _xp(a)
        m = a.max(axis=dim, keepdims=True) if a.size else a
        e = xp.exp(a - m)
        e /= e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(e)
        return e

    @staticmethod
    def backward(ctx, g):
        out, = ctx.saved_tensors
        dim = ctx.dim
        if not _grad_state.enabled:
            ga, oa = g._data, out._data
            return wrap(oa * (ga - (ga * oa).sum(axis=dim, keepdims=True)))
        return out * (g - (g * out).sum(dim, keepdim=True))


def _softmax_dim(ndim, dim, name):
    if dim is None:
        warnings.warn(f'Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X '
                      'as an argument.', stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f'Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})')
    return dim % n if ndim else None


def _float(x, dtype):
    if dtype is not None:
        return x.to(dtype)
    if x._data.dtype.kind != 'f':
        from .. import _dtype
        return x.to(_dtype.get_default_dtype())
    return x


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return LogSoftmax.apply(_float(input, dtype), dim=_softmax_dim(input._data.ndim, dim, 'log_softmax'))


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return Softmax.apply(_float(input, dtype), dim=_softmax_dim(input._data.ndim, dim, 'softmax'))


# ---------------------------------------------------------------- regression losses
class MseLoss(Op):
    @staticmethod
    def forward(ctx, a, b, reduction='mean'):
        d = a - b
        ctx.diff, ctx.reduction = d, reduction
        ctx.save_for_backward(a, b)
        if reduction == 'none':
            return d * d
        s = _xp(d).vdot(d.ravel(), d.ravel()) if d.dtype.kind == 'f' else (d * d).sum()
        return s / d.size if reduction == 'mean' else s

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        red = ctx.reduction
        d = ctx.diff
        if not _grad_state.enabled:
            ga = g._data
            if red == 'none':
                gd = 2 * d * ga
            else:
                gd = d * ((2 / d.size if red == 'mean' else 2) * ga)
            gd = wrap(gd.astype(d.dtype, copy=False))
            return (gd if need_a else None), (wrap(-gd._data) if need_b else None)
        dt = a - b
        if red == 'none':
            gd = dt * g * 2
        else:
            gd = dt * (g * (2 / d.size if red == 'mean' else 2))
        return (gd if need_a else None), (-gd if need_b else None)


def mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    reduction = _legacy(size_average, reduce, reduction)
    if input._data.shape != target._data.shape:
        warnings.warn(f'Using a target size ({_size(target._data.shape)}) that is different to the input size '
                      f'({_size(input._data.shape)}). This will likely lead to incorrect results due to '
                      'broadcasting. Please ensure they have the same size.', stacklevel=2)
    a, b = operands(input, target)
    if weight is not None:
        return _weighted((a - b) ** 2, weight, input, _reduction(reduction))
    return MseLoss.apply(a, b, reduction=_reduction(reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    reduction = _legacy(size_average, reduce, reduction)
    if input._data.shape != target._data.shape:
        warnings.warn(f'Using a target size ({_size(target._data.shape)}) that is different to the input size '
                      f'({_size(input._data.shape)}). This will likely lead to incorrect results due to '
                      'broadcasting. Please ensure they have the same size.', stacklevel=2)
    if weight is not None:
        return _weighted((input - target).abs(), weight, input, _reduction(reduction))
    return _reduce((input - target).abs(), _reduction(reduction))


def _weighted(loss, weight, input, reduction):
    """mse_loss and l1_loss with weight=: PyTorch's 'mean' divides by the sum of the weights."""
    if weight._data.shape != input._data.shape:
        raise ValueError('Weights and input must have the same size.')
    loss = loss * weight
    return loss.sum() / weight.sum() if reduction == 'mean' else _reduce(loss, reduction)


def _legacy(size_average, reduce, reduction):
    """PyTorch's deprecated size_average/reduce arguments, mapped onto `reduction`."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return ('mean' if size_average else 'sum') if reduce else 'none'


# ---------------------------------------------------------------- binary cross-entropy
class BinaryCrossEntropyWithLogits(Op):
    """loss = (1 - y) x + (1 + (pw - 1) y) softplus(-x), times weight; softplus(-x) computed as
    log1p(exp(-|x|)) + max(-x, 0), which never overflows."""

    @staticmethod
    def forward(ctx, x, y, weight=None, pos_weight=None, reduction='mean'):
        xp = _xp(x)
        sp = xp.log1p(xp.exp(-xp.abs(x)))
        sp += xp.maximum(-x, 0)                       # softplus(-x)
        if pos_weight is None:
            loss = (1 - y) * x + sp
        else:
            loss = (1 - y) * x + ((pos_weight - 1) * y + 1) * sp
        if weight is not None:
            loss = loss * weight
        loss = loss.astype(x.dtype, copy=False)
        ctx.reduction, ctx.n = reduction, loss.size
        ctx.save_for_backward(x, y, weight, pos_weight)
        if reduction == 'none':
            return loss
        s = loss.sum()
        return s / loss.size if reduction == 'mean' else s

    @staticmethod
    def backward(ctx, g):
        x, y, w, pw = ctx.saved_tensors
        need = ctx.needs_input_grad
        red = ctx.reduction
        scale = 1 / ctx.n if red == 'mean' else 1
        if not _grad_state.enabled:
            xa, ya, ga = x._data, y._data, g._data
            xp = _xp(xa)
            gs = ga * scale if red != 'none' else ga
            if w is not None:
                gs = gs * w._data
            sig = _sigmoid(xp, xa)
            gx = gy = gw = gpw = None
            if need[0]:
                if pw is None:
                    gx = (sig - ya) * gs
                else:
                    lw = (pw._data - 1) * ya + 1
                    gx = (lw * sig - pw._data * ya) * gs
                gx = wrap(gx.astype(xa.dtype, copy=False))
            if need[1] or (len(need) > 3 and need[3]):
                sp = xp.log1p(xp.exp(-xp.abs(xa))) + xp.maximum(-xa, 0)
                if need[1]:
                    gy = -xa if pw is None else (pw._data - 1) * sp - xa
                    gy = wrap((gy * gs).astype(ya.dtype, copy=False))
                if len(need) > 3 and need[3]:
                    gpw = wrap(ya * sp * gs)
            if len(need) > 2 and need[2]:
                gw = wrap(_bce_logits_raw(xp, xa, ya, None if pw is None else pw._data) *
                          (ga * scale if red != 'none' else ga))
            return gx, gy, gw, gpw
        from .unary import sigmoid, abs as tabs, exp, log, relu
        gs = g * scale if red != 'none' else g
        if w is not None:
            gs = gs * w
        sig = sigmoid(x)
        gx = gy = gw = gpw = None
        sp = log(exp(-tabs(x)) + 1) + relu(-x)
        if need[0]:
            gx = ((sig - y) if pw is None else (((pw - 1) * y + 1) * sig - pw * y)) * gs
        if need[1]:
            gy = (-x if pw is None else (pw - 1) * sp - x) * gs
        if len(need) > 3 and need[3]:
            gpw = y * sp * gs
        if len(need) > 2 and need[2]:
            lw = 1 if pw is None else (pw - 1) * y + 1
            gw = ((1 - y) * x + lw * sp) * (g * scale if red != 'none' else g)
        return gx, gy, gw, gpw


def _sigmoid(xp, a):
    e = xp.exp(-xp.abs(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def _bce_logits_raw(xp, x, y, pw):
    sp = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)
    return (1 - y) * x + (sp if pw is None else ((pw - 1) * y + 1) * sp)


def _scalar_name(t):
    return scalar_name(t._data.dtype)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction='mean', pos_weight=None):
    reduction = _legacy(size_average, reduce, reduction)
    if target._data.shape != input._data.shape:
        raise ValueError(f'Target size ({_size(target._data.shape)}) must be the same as input size '
                         f'({_size(input._data.shape)})')
    if target._data.dtype.kind in 'biu':
        raise RuntimeError(f"result type {_scalar_name(input)} can't be cast to the desired output type "
                           f'{_scalar_name(target)}')
    if pos_weight is not None and pos_weight._data.shape != input._data.shape[-1:]:
        message = broadcast_message(pos_weight._data.shape, input._data.shape)
        if message:
            raise RuntimeError(message)
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction=_reduction(reduction))


class BinaryCrossEntropy(Op):
    """-w (y log x + (1 - y) log(1 - x)), each log clamped at -100 as in PyTorch."""

    @staticmethod
    def forward(ctx, x, y, weight=None, reduction='mean'):
        xp = _xp(x)
        # on the GPU the check would sync every step (PyTorch asserts there inside the kernel)
        if xp is np and x.size and ((x < 0).any() or (x > 1).any()):
            raise RuntimeError('all elements of input should be between 0 and 1')
        with _errstate(xp):
            loss = -(y * xp.maximum(xp.log(x), -100) + (1 - y) * xp.maximum(xp.log1p(-x), -100))
        if weight is not None:
            loss = loss * weight
        loss = loss.astype(x.dtype, copy=False)
        ctx.reduction, ctx.n = reduction, loss.size
        ctx.save_for_backward(x, y, weight)
        if reduction == 'none':
            return loss
        s = loss.sum()
        return s / loss.size if reduction == 'mean' else s

    @staticmethod
    def backward(ctx, g):
        x, y, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        red = ctx.reduction
        scale = 1 / ctx.n if red == 'mean' else 1
        gs = g * scale if red != 'none' else g
        if w is not None:
            gs = gs * w
        gx = gy = None
        if need[0]:
            xa = x._data
            denom = xa * (1 - xa)
            from .unary import where
            safe = where(wrap(denom < 1e-12), 1e-12, x * (1 - x))
            gx = (x - y) / safe * gs
        if need[1]:
            from .unary import log
            gy = (log(1 - x) - log(x)) * gs
        if len(need) > 2 and need[2]:
            raise RuntimeError('the derivative of binary_cross_entropy with respect to weight is not implemented')
        return gx, gy, None


class _errstate:
    def __init__(self, xp):
        self.np = xp if hasattr(xp, 'errstate') else None

    def __enter__(self):
        if self.np is not None:
            self.ctx = self.np.errstate(divide='ignore', invalid='ignore')
            self.ctx.__enter__()

    def __exit__(self, *exc):
        if self.np is not None:
            self.ctx.__exit__(*exc)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction='mean'):
    reduction = _legacy(size_average, reduce, reduction)
    if target._data.shape != input._data.shape:
        raise ValueError(f'Using a target size ({_size(target._data.shape)}) that is different to the input size '
                         f'({_size(input._data.shape)}) is deprecated. Please ensure they have the same size.')
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f'Found dtype {_scalar_name(target)} but expected {_scalar_name(input)}')
    if weight is not None and weight._data.shape != input._data.shape:
        weight = weight.expand(input._data.shape)
    return BinaryCrossEntropy.apply(input, target, weight, reduction=_reduction(reduction))


# ---------------------------------------------------------------- negative log-likelihood
class NllLoss(Op):
    """input (N, C, *) or (C,) of log-probabilities; target (N, *) or () of class indices."""

    @staticmethod
    def forward(ctx, logp, target, weight=None, reduction='mean', ignore_index=-100):
        xp = _xp(logp)
        if logp.ndim == 1:
            lp, t = logp[None], target.reshape(1)
        else:
            lp, t = logp, target
        C = lp.shape[1]
        valid = t != ignore_index
        tc = xp.where(valid, t, 0)
        if xp is np and tc.size and (tc.min() < 0 or tc.max() >= C):     # no host sync on the GPU, as above
            bad = t[valid & ((t < 0) | (t >= C))]
            raise IndexError(f'Target {int(bad.ravel()[0])} is out of bounds.')
        picked = xp.take_along_axis(lp, xp.expand_dims(tc, 1), axis=1).squeeze(1)
        w = valid.astype(lp.dtype) if weight is None else weight[tc] * valid
        loss = -picked * w
        ctx.shape, ctx.tc, ctx.w, ctx.reduction, ctx.one_d = lp.shape, tc, w, reduction, logp.ndim == 1
        if reduction == 'none':
            return loss[0] if logp.ndim == 1 else loss
        s = loss.sum()
        if reduction == 'sum':
            return s
        ctx.total = total = w.sum()
        return s / total

    @staticmethod
    def backward(ctx, g):
        red = ctx.reduction
        w = ctx.w
        if red == 'mean':
            w = w / ctx.total
        xp = _xp(w)
        # d loss / d logp: -w at each target position, zero elsewhere; the loss is linear in logp
        m = xp.zeros(ctx.shape, dtype=w.dtype)
        xp.put_along_axis(m, xp.expand_dims(ctx.tc, 1), -xp.expand_dims(w, 1), axis=1)
        if red == 'none':
            gg = g.reshape(1) if ctx.one_d else g
            gg = gg.unsqueeze(1)
        else:
            gg = g
        out = wrap(m) * gg if _grad_state.enabled else wrap(m * gg._data)
        if ctx.one_d:
            out = out.reshape(ctx.shape[1:])
        return out, None, None


class NllLoss2d(NllLoss):
    """The same op for inputs with spatial dims (N, C, d1, ...), under PyTorch's name for them."""
    node_name = 'NllLoss2DBackward0'


def _nll(logp, target, weight, reduction, ignore_index):
    nd = logp._data.ndim
    out = (NllLoss2d if nd >= 3 else NllLoss).apply(logp, wrap(target._data), None if weight is None else weight._data,
                                                    reduction=reduction, ignore_index=ignore_index)
    if nd >= 3 and nd != 4 and reduction == 'none':
        out = out.view(out._data.shape)          # PyTorch runs these through a 4-D view
    return out


def _check_weight(input, weight, prefix=''):
    C = input._data.shape[0 if input._data.ndim == 1 else 1]
    if weight is not None and weight._data.shape != (C,):
        raise RuntimeError(f'{prefix}weight tensor should be defined either for all {C} classes or no classes but '
                           f'got weight tensor of shape: {list(weight._data.shape)}')


def _check_nll(input, target):
    if target._data.dtype.kind not in 'iu':
        name = {'float32': 'Float', 'float64': 'Double', 'bool': 'Bool'}.get(str(target._data.dtype), 'Float')
        raise RuntimeError(f'expected target dtype to be Long or Byte, but got {name}')
    nd = input._data.ndim
    if nd < 1:
        raise ValueError(f'Expected 1 or more dimensions (got {nd})')
    if nd >= 2 and input._data.shape[0] != (target._data.shape[0] if target._data.ndim else 1):
        raise ValueError(f'Expected input batch_size ({input._data.shape[0]}) to match target batch_size '
                         f'({target._data.shape[0] if target._data.ndim else 1}).')


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'):
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    _check_nll(input, target)
    _check_weight(input, weight)
    return _nll(input, target, weight, reduction, ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction='mean', label_smoothing=0.0):
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f'label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}')
    nd = input._data.ndim
    cdim = 0 if nd == 1 else 1
    logp = LogSoftmax.apply(_float(input, None), dim=cdim)
    C = input._data.shape[cdim]
    if target._data.dtype.kind == 'f':           # class probabilities
        _check_weight(input, weight, 'cross_entropy: ')
        if target._data.shape != input._data.shape:
            raise RuntimeError(f'Expected target size {list(input._data.shape)}, got {list(target._data.shape)}')
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / C
        prod = logp * target
        if weight is not None:
            prod = prod * weight.reshape((C,) + (1,) * (nd - 2) if nd > 1 else (C,))
        if reduction == 'none' or nd == 1:
            return -prod.sum(cdim)
        if reduction == 'sum':
            return -prod.sum()
        return -prod.sum() / (input._data.size // C if C else 1)
    _check_nll(input, target)
    _check_weight(input, weight)
    nll = _nll(logp, target, weight, reduction, ignore_index)
    if label_smoothing <= 0:
        return nll
    ta = target._data
    xp = _xp(ta)
    keep = wrap(xp.asarray(ta != ignore_index, dtype=logp._data.dtype))
    if weight is not None:
        smooth = -(logp * weight.reshape((C,) + (1,) * (nd - 2) if nd > 1 else (C,))).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    smooth = smooth * keep
    if reduction == 'mean':
        if weight is not None:
            denom = (weight._data[xp.where(ta != ignore_index, ta, 0)] * (ta != ignore_index)).sum()
        else:
            denom = (ta != ignore_index).sum()
        ret = smooth.sum() / wrap(xp.asarray(denom, dtype=logp._data.dtype))     # no host sync
    elif reduction == 'sum':
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / C)
