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
from ..autograd.function import Op, formula
from ..autograd.grad_mode import state as _grad_state
from .promotion import broadcast_message, operands, shapes_error

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
        m = a.max(axis=dim, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)
        shifted = a - m
        out = xp.asarray(shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True)))   # 0-d: not a scalar
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @formula
    def backward(ctx, m, g, out):
        return g - m.exp(out) * m.sum(g, ctx.dim, keepdim=True)


class Softmax(Op):
    @staticmethod
    def forward(ctx, a, dim=-1):
        xp = _xp(a)
        m = a.max(axis=dim, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)
        e = xp.asarray(xp.exp(a - m))
        e /= e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(e)
        return e

    @formula
    def backward(ctx, m, g, out):
        return out * (g - m.sum(g * out, ctx.dim, keepdim=True))


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


def _softmax_input(x, dtype, kernel, dim):
    """PyTorch's softmax kernels have no integer loops: an integer input needs dtype= (empty: no kernel runs)."""
    _softmax_dim(x._data.ndim, dim, '')
    if dtype is None and x._data.dtype.kind != 'f' and x._data.size:
        from .unary import not_implemented_for
        not_implemented_for(x, kernel)
    return _float(x, dtype)


def _empty_integer(input, dtype):
    """An empty integer input runs no kernel in PyTorch: the result is an empty tensor of its dtype."""
    return dtype is None and input._data.dtype.kind != 'f' and not input._data.size


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if _empty_integer(input, dtype):
        _softmax_dim(input._data.ndim, dim, 'log_softmax')
        return wrap(input._data.copy())
    return LogSoftmax.apply(_softmax_input(input, dtype, 'log_softmax_lastdim_kernel_impl', dim),
                            dim=_softmax_dim(input._data.ndim, dim, 'log_softmax'))


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if _empty_integer(input, dtype):
        _softmax_dim(input._data.ndim, dim, 'softmax')
        return wrap(input._data.copy())
    return Softmax.apply(_softmax_input(input, dtype, 'softmax_lastdim_kernel_impl', dim),
                         dim=_softmax_dim(input._data.ndim, dim, 'softmax'))


# ---------------------------------------------------------------- regression losses
class MseLoss(Op):
    @staticmethod
    def forward(ctx, a, b, reduction='mean'):
        try:
            d = _device.as_array(a - b)         # a 0-d difference is a NumPy scalar
        except ValueError:
            from .promotion import shapes_error
            raise shapes_error(a, b) from None
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
            # reuses the difference forward computed; with a graph it is recomputed from a and b, so that the
            # gradient is a function of the inputs (double backward)
            ga = g._data
            if red == 'none':
                gd = 2 * d * ga
            else:
                gd = d * ((_mean_scale(d.size, 2) if red == 'mean' else 2) * ga)
            gd = wrap(gd.astype(d.dtype, copy=False))
            return (gd if need_a else None), (wrap(-gd._data) if need_b else None)
        dt = a - b
        if red == 'none':
            gd = dt * g * 2
        else:
            gd = dt * (g * (_mean_scale(d.size, 2) if red == 'mean' else 2))
        return (gd if need_a else None), (-gd if need_b else None)


def mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    if input._data.shape != target._data.shape:
        warnings.warn(f'Using a target size ({_size(target._data.shape)}) that is different to the input size '
                      f'({_size(input._data.shape)}). This will likely lead to incorrect results due to '
                      'broadcasting. Please ensure they have the same size.', stacklevel=2)
    a, b = operands(input, target)
    from .unary import not_implemented_for
    not_implemented_for(a, 'mse_cpu')
    if weight is not None:
        return _weighted((a - b) ** 2, weight, input, _reduction(reduction))
    return MseLoss.apply(a, b, reduction=_reduction(reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    reduction = _reduction(_legacy(size_average, reduce, reduction))
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
        scale = _mean_scale(ctx.n) if red == 'mean' else 1
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
        from .unary import sigmoid
        gs = g * scale if red != 'none' else g
        if w is not None:
            gs = gs * w
        sig = sigmoid(x)
        gx = gy = gw = gpw = None
        from .unary import LogSigmoid
        sp = -LogSigmoid.apply(x)       # softplus(-x), smooth at 0 (no |x| or relu kink for double backward)
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


def _mean_scale(n, k=1):
    """k/n for a 'mean' reduction; nan for an empty input (the mean is nan and so are its gradients)."""
    return k / n if n else float('nan')


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
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    if target._data.shape != input._data.shape:
        raise ValueError(f'Target size ({_size(target._data.shape)}) must be the same as input size '
                         f'({_size(input._data.shape)})')
    from .unary import not_implemented_for
    not_implemented_for(input, 'log_sigmoid_cpu')
    if pos_weight is not None and pos_weight._data.dtype.kind == 'b':
        from .promotion import SUB_BOOL
        raise RuntimeError(SUB_BOOL)
    if target._data.dtype.kind in 'biu':
        raise RuntimeError(f"result type {_scalar_name(input)} can't be cast to the desired output type "
                           f'{_scalar_name(target)}')
    for extra in (pos_weight, weight):
        if extra is not None:
            message = broadcast_message(extra._data.shape, input._data.shape)
            if message:
                raise RuntimeError(message)
            full = np.broadcast_shapes(extra._data.shape, input._data.shape)     # shapes only: no device work
            if full != input._data.shape:
                raise RuntimeError(f"output with shape {list(input._data.shape)} doesn't match the broadcast shape "
                                   f'{list(full)}')
    # PyTorch builds the loss in place on (1 - target): the result has the target's dtype
    dt = target.dtype
    input, weight, pos_weight = (None if v is None else v if v.dtype == dt else v.to(dt)
                                 for v in (input, weight, pos_weight))
    return BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction=_reduction(reduction))


class BinaryCrossEntropy(Op):
    """-w (y log x + (1 - y) log(1 - x)), each log clamped at -100 as in PyTorch."""

    @staticmethod
    def forward(ctx, x, y, weight=None, reduction='mean'):
        xp = _xp(x)
        # on the GPU the check would sync every step (PyTorch asserts there inside the kernel)
        if xp is np and x.size and ((x < 0).any() or (x > 1).any()):
            raise RuntimeError('all elements of input should be between 0 and 1')
        if xp is np and y.size and not ((y >= 0) & (y <= 1)).all():      # nan is out of range too
            raise RuntimeError('all elements of target should be between 0 and 1')
        with _device.errstate(xp):
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
        scale = _mean_scale(ctx.n) if red == 'mean' else 1
        gs = g * scale if red != 'none' else g
        if w is not None:
            gs = gs * w
        gx = gy = None
        if need[0]:
            xa = x._data
            denom = _device.as_array(xa * (1 - xa))
            from .unary import where
            safe = where(wrap(_device.as_array(denom < 1e-12)), 1e-12, x * (1 - x))
            gx = (x - y) / safe * gs
        if need[1]:
            from .unary import log
            gy = (log(1 - x) - log(x)) * gs
        if len(need) > 2 and need[2]:
            raise RuntimeError('the derivative of binary_cross_entropy with respect to weight is not implemented')
        return gx, gy, None


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction='mean'):
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    from .unary import not_implemented_for
    if target._data.dtype == input._data.dtype:
        not_implemented_for(input, 'binary_cross_entropy')
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
        loss = xp.where(valid, -picked * w, 0).astype(lp.dtype, copy=False)     # ignored rows: 0, even if nan
        ctx.shape, ctx.tc, ctx.w, ctx.reduction, ctx.one_d = lp.shape, tc, w, reduction, logp.ndim == 1
        ctx.valid = valid
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
        xp = _xp(w)
        if red == 'mean':
            # ignored targets get 0, not 0/0 (every target ignored: the loss is nan, its gradient 0, as PyTorch's);
            # a zero total weight of counted targets gives nan, as PyTorch's division does
            with np.errstate(divide='ignore', invalid='ignore'):
                w = xp.where(ctx.valid, w / ctx.total, 0).astype(w.dtype, copy=False)
        # d loss / d logp: -w at each target position, zero elsewhere; the loss is linear in logp
        m = xp.zeros(ctx.shape, dtype=w.dtype)
        xp.put_along_axis(m, xp.expand_dims(ctx.tc, 1), -xp.expand_dims(w, 1), axis=1)
        if red == 'none':
            gg = g.reshape(1) if ctx.one_d else g
            gg = gg.unsqueeze(1)
        else:
            gg = g
        out = wrap(m) * gg
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
    if nd >= 2 and input._data.shape[0] != (target._data.shape[0] if target._data.ndim else 0):
        raise ValueError(f'Expected input batch_size ({input._data.shape[0]}) to match target batch_size '
                         f'({target._data.shape[0] if target._data.ndim else 0}).')
    if nd == 2 and target._data.ndim != 1 or nd == 1 and target._data.ndim > 1:
        raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
    if nd >= 3 and target._data.shape[1:] != input._data.shape[2:]:
        raise RuntimeError(f'Expected target size {[input._data.shape[0]] + list(input._data.shape[2:])}, got '
                           f'{list(target._data.shape)}')


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'):
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    from .unary import not_implemented_for
    not_implemented_for(input, 'nll_loss_out_frame' if input._data.ndim < 3 else 'nll_loss2d_forward_out_frame')
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
    from .unary import not_implemented_for
    not_implemented_for(input, 'log_softmax_lastdim_kernel_impl' if cdim == nd - 1 else 'log_softmax_kernel_impl')
    logp = LogSoftmax.apply(_float(input, None), dim=cdim)
    C = input._data.shape[cdim]
    if target._data.dtype.kind == 'f':           # class probabilities
        if ignore_index != -100:
            raise RuntimeError('ignore_index is not supported for floating point target')
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
    from .unary import where
    smooth = where(keep > 0, smooth, smooth * 0)            # ignored rows take no part, even a nan one
    if reduction == 'mean':
        if weight is not None:
            denom = (weight._data[xp.where(ta != ignore_index, ta, 0)] * (ta != ignore_index)).sum()
        else:
            denom = (ta != ignore_index).sum()
        denom = xp.asarray(denom, dtype=logp._data.dtype)
        # every target ignored: the smoothing term is nan (0/0) but, as in PyTorch, passes no nan gradient back
        ret = smooth.sum() / wrap(xp.where(denom == 0, 1, denom)) + wrap(xp.where(denom == 0, xp.nan, 0).astype(
            logp._data.dtype))     # no host sync
    elif reduction == 'sum':
        ret = smooth.sum()
    else:
        ret = smooth
    return nll * (1 - label_smoothing) + ret * (label_smoothing / C)


class Huber(Op):
    """Elementwise huber loss of d = x - y: 0.5 d^2 inside |d| < delta, delta (|d| - delta/2) outside;
    the gradient clamp(d, -delta, delta), which stays finite for infinite d (no where() of an inf branch)."""

    @staticmethod
    def forward(ctx, x, y, delta=1.0):
        xp = _device.xp_of(x if hasattr(x, 'dtype') else y)
        try:
            d = _device.as_array(x - y)
        except ValueError:
            raise shapes_error(x, y) from None
        ctx.delta = delta
        ctx.save_for_backward(x, y)
        ad = xp.abs(d)
        with np.errstate(invalid='ignore', over='ignore'):
            return xp.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        from .unary import clamp
        x, y = ctx.saved_tensors
        gd = g * clamp(x - y, -ctx.delta, ctx.delta)
        need_x, need_y = ctx.needs_input_grad
        return (gd if need_x else None), (-gd if need_y else None)
