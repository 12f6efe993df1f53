"""Batch normalization as one op (PyTorch's native_batch_norm): forward fused on arrays, backward
written with Tensor ops.

In training the op has three outputs, y and the batch's mean and 1/std (PyTorch's save_mean and
save_invstd). Backward reads the last two as this op's own outputs, so under create_graph their
dependence on x comes back through this op, with the gradients that reach them: that makes the
one backward formula right for second and higher derivatives too.

On CuPy arrays cuDNN (ops/_cudnn.py) computes forward and, when no graph is being recorded, the
first-order backward; under create_graph the formula runs, so higher orders are unchanged.
"""
import numpy as np

from .. import _device
from .._tensor import wrap
from ..autograd.function import Op
from ..autograd.grad_mode import state as _grad_state
from . import _cudnn
from .unary import not_implemented_for


def _channel_view(a, ndim):
    return a.reshape((1, -1) + (1,) * (ndim - 2))


def _axes(ndim):
    return (0,) + tuple(range(2, ndim))


class BatchNorm(Op):
    node_name = 'NativeBatchNormBackward0'

    @staticmethod
    def forward(ctx, x, w=None, b=None, training=True, eps=1e-5, running=None, sink=None):
        xp = _device.xp_of(x)
        n, c = x.shape[:2]
        x3 = x.reshape(n, c, int(np.prod(x.shape[2:], dtype=np.int64)))     # -1 is ambiguous for a size-0 batch
        ctx.training, ctx.count = training, x.size // c
        ctx.eps = eps
        fused = _cudnn.batch_norm(x, w, b, training, eps, running)
        if fused is not None:
            y, mean, invstd, var = fused
            if sink is not None:
                sink += [mean, var]
            if ctx.needs_input_grad:
                ctx.set_materialize_grads(False)
                ctx.save_for_backward(x, w, mean, invstd)
            return (y, mean, invstd) if training else y
        if training:
            mean = x3.sum(2).sum(0) / ctx.count
            d = x3 - mean[:, None]
            var = xp.einsum('ncl,ncl->c', d, d) / ctx.count
            invstd = 1 / xp.sqrt(var + eps)
            mean, invstd = mean.astype(x.dtype, copy=False), invstd.astype(x.dtype, copy=False)
            if sink is not None:
                sink += [mean, var]
        else:
            rm, rv = running
            mean = rm.astype(x.dtype, copy=False)
            invstd = (1 / xp.sqrt(rv + eps)).astype(x.dtype, copy=False)
            d = x3 - mean[:, None]
        scale = invstd if w is None else invstd * w
        d *= scale[:, None]
        if b is not None:
            d += b[:, None]
        y = d.reshape(x.shape)
        if ctx.needs_input_grad:
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(x, w, mean, invstd)
        return (y, mean, invstd) if training else y

    @staticmethod
    def backward(ctx, g, gmean=None, ginvstd=None):
        x, w, mean, invstd = ctx.saved_tensors
        need = ctx.needs_input_grad
        if ctx.training and g is not None and gmean is None and ginvstd is None and not _grad_state.enabled:
            # first order only (no graph recorded): cuDNN's fused backward; create_graph takes the formula below
            fused = _cudnn.batch_norm_backward(x._data, None if w is None else w._data, g._data, mean._data,
                                               invstd._data, ctx.eps)
            if fused is not None:
                return tuple(wrap(r) if i < len(need) and need[i] else None for i, r in enumerate(fused))
        nd = x.dim()
        axes = _axes(nd)
        m = ctx.count
        inv_m = 1 / m if m else 0.0          # an empty batch: gx is empty, no division by its size
        gx = gw = gb = None
        if g is not None:
            xhat = (x - _channel_view(mean, nd)) * _channel_view(invstd, nd)
            scale = invstd if w is None else invstd * w
            if len(need) > 2 and need[2] or ctx.training and need[0]:
                gb = g.sum(axes)
            if len(need) > 1 and need[1] or ctx.training and need[0]:
                gw = (g * xhat).sum(axes)
            if need[0]:
                if ctx.training:
                    gx = (g - _channel_view(gb * inv_m, nd) - xhat * _channel_view(gw * inv_m, nd)) * \
                        _channel_view(scale, nd)
                else:
                    gx = g * _channel_view(scale, nd)
        if need[0] and (gmean is not None or ginvstd is not None):
            extra = 0
            if gmean is not None:
                extra = _channel_view(gmean * inv_m, nd)
            if ginvstd is not None:
                extra = extra - (x - _channel_view(mean, nd)) * _channel_view(ginvstd * invstd ** 3 * inv_m, nd)
            gx = extra if gx is None else gx + extra
        if not (len(need) > 1 and need[1]):
            gw = None
        if not (len(need) > 2 and need[2]):
            gb = None
        return gx, gw, gb


def _size(shape):
    from .._tensor import Size
    return Size(shape)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    not_implemented_for(input, 'batch_norm')
    x = input._data
    if training:
        prod = x.shape[0]
        for s in x.shape[2:]:
            prod *= s
        if prod == 1:
            raise ValueError(f'Expected more than 1 value per channel when training, got input size {_size(x.shape)}')
    c = x.shape[1] if x.ndim > 1 else 0
    for name, t in (('running_mean', running_mean), ('running_var', running_var), ('weight', weight),
                    ('bias', bias)):
        if t is not None and t._data.size != c:
            raise RuntimeError(f'{name} should contain {c} elements not {t._data.size}')
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError('running_mean and running_var must be defined in evaluation mode')
    if _device._cupy:
        _device.check_same_device([t for t in (input, running_mean, running_var, weight, bias) if t is not None])
    if training:
        sink = []
        y, _, _ = BatchNorm.apply(input, weight, bias, training=True, eps=eps, sink=sink)
        _update_running(running_mean, running_var, momentum, sink[0], sink[1], x.size // c)
        return y
    return BatchNorm.apply(input, weight, bias, training=False, eps=eps,
                           running=(running_mean._data, running_var._data))


def _update_running(running_mean, running_var, momentum, mean, var, count):
    """running = (1 - momentum) running + momentum batch (unbiased variance), in place, in float64 as
    PyTorch's CPU kernel accumulates."""
    from .inplace import bump_version
    m = 0.0 if momentum is None else float(momentum)
    if running_mean is not None:
        rm = running_mean._data
        rm[...] = (m * mean.astype('float64') + (1 - m) * rm).astype(rm.dtype)
        bump_version(running_mean)
    if running_var is not None:
        rv = running_var._data
        unbiased = var.astype('float64') * (count / (count - 1))
        rv[...] = (m * unbiased + (1 - m) * rv).astype(rv.dtype)
        bump_version(running_var)


__all__ = ['batch_norm']
