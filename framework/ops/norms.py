"""Layer, group and RMS normalization.

layer_norm is one op (PyTorch's native_layer_norm): the statistics and the affine map computed on
arrays in forward; backward written once with Tensor ops. Without a graph being recorded backward
reuses forward's normalized input and 1/std; under create_graph it recomputes them from the input
with Tensor ops, so that second derivatives see how they depend on it. group_norm is layer_norm over
(N, groups, rest) followed by the per-channel affine map; rms_norm is composed of Tensor ops, as
PyTorch composes it.
"""
import numpy as np

from .. import _device
from .._tensor import wrap
from ..autograd.function import Op
from ..autograd.grad_mode import state as _grad_state
from .unary import not_implemented_for


def _shape_text(shape):
    return '[' + ', '.join(str(s) for s in shape) + ']'


def _row_mean(a, k):
    """The mean over the last k axes (kept, as size 1): a matrix-vector product, several times faster than
    ndarray.mean for rows of a few hundred."""
    n = int(np.prod(a.shape[a.ndim - k:]))
    if n == 0 or a.size == 0:
        return a.mean(axis=tuple(range(a.ndim - k, a.ndim)), keepdims=True)
    m = a.reshape(-1, n) @ _device.xp_of(a).full(n, 1.0 / n, dtype=a.dtype)
    return m.reshape(a.shape[:a.ndim - k] + (1,) * k)


class NativeLayerNorm(Op):
    node_name = 'NativeLayerNormBackward0'

    @staticmethod
    def forward(ctx, x, w=None, b=None, k=1, eps=1e-5):
        xp = _device.xp_of(x)
        xhat = x - _row_mean(x, k)
        rstd = (1 / xp.sqrt(_row_mean(xhat * xhat, k) + eps)).astype(x.dtype, copy=False)
        xhat *= rstd
        if w is None and b is None:
            y = xhat.copy() if any(ctx.needs_input_grad) else xhat      # backward keeps xhat: not the output
        else:
            y = xhat * w if w is not None else xhat + b
            if w is not None and b is not None:
                y += b
        ctx.k, ctx.eps, ctx.xhat, ctx.rstd = k, eps, xhat, rstd
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        k = ctx.k
        axes = tuple(range(x.dim() - k, x.dim()))
        batch = tuple(range(x.dim() - k))
        if _grad_state.enabled:        # create_graph: the statistics as functions of x
            d = x - x.mean(axes, keepdim=True)
            rstd = ((d * d).mean(axes, keepdim=True) + ctx.eps).rsqrt()
            xhat = d * rstd
        else:                          # forward's normalized input, kept (saved inputs are version-checked)
            rstd, xhat = wrap(ctx.rstd), wrap(ctx.xhat)
        gx = gw = gb = None
        if need[0]:
            gx = LayerNormInputGrad.apply(g if w is None else g * w, xhat, rstd, k=k)
        if len(need) > 1 and need[1]:
            gw = g * xhat
            gw = gw.sum(batch) if batch else gw
        if len(need) > 2 and need[2]:
            gb = g.sum(batch) if batch else g
        return gx, gw, gb


class LayerNormInputGrad(Op):
    """layer_norm's input gradient, rstd (gh - mean(gh) - xhat mean(gh xhat)) with gh the output gradient
    times the weight, fused on arrays; its own gradients (double backward) written with Tensor ops. It is
    linear and self-adjoint in gh, so its gradient there is itself applied to the incoming gradient."""
    node_name = 'NativeLayerNormBackwardBackward0'

    @staticmethod
    def forward(ctx, gh, xhat, rstd, k=1):
        out = xhat * _row_mean(gh * xhat, k)
        out += _row_mean(gh, k)
        _device.xp_of(out).subtract(gh, out, out=out)
        out *= rstd
        ctx.k = k
        ctx.save_for_backward(gh, xhat, rstd)
        return out

    @staticmethod
    def backward(ctx, G):
        gh, xhat, rstd = ctx.saved_tensors
        need = ctx.needs_input_grad
        k = ctx.k
        axes = tuple(range(gh.dim() - k, gh.dim()))
        c2 = (gh * xhat).mean(axes, keepdim=True)
        g_gh = LayerNormInputGrad.apply(G, xhat, rstd, k=k) if need[0] else None
        g_xhat = -(G * c2 + gh * (G * xhat).mean(axes, keepdim=True)) * rstd if need[1] else None
        g_rstd = (G * (gh - gh.mean(axes, keepdim=True) - xhat * c2)).sum(axes, keepdim=True) if need[2] else None
        return g_gh, g_xhat, g_rstd


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    not_implemented_for(input, 'LayerNormKernelImpl')
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    xs = tuple(input.shape)
    if k == 0 or k > len(xs) or xs[len(xs) - k:] != shape:
        raise RuntimeError(f'Given normalized_shape={_shape_text(shape)}, expected input with shape '
                           f'[*, {_shape_text(shape)[1:]}, but got input of size{_shape_text(xs)}')
    for name, t in (('weight', weight), ('bias', bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f'Expected {name} to be of same shape as normalized_shape, but got {name} of shape '
                               f'{_shape_text(t.shape)} and normalized_shape = {_shape_text(shape)}')
    return NativeLayerNorm.apply(input, weight, bias, k=k, eps=eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    not_implemented_for(input, 'GroupNormKernelImpl')
    if input.dim() < 2:
        raise RuntimeError(f'Expected at least 2 dimensions for input tensor but received {input.dim()}')
    xs = tuple(input.shape)
    n, c = xs[:2]
    if c % num_groups != 0:
        raise RuntimeError('Expected number of channels in input to be divisible by num_groups, but got input of '
                           f'shape {_shape_text(xs)} and num_groups={num_groups}')
    per_group = [n * c // num_groups, num_groups] + list(xs[2:])
    if int(np.prod([per_group[0]] + per_group[2:])) == 1:
        raise ValueError(f'Expected more than 1 value per channel when training, got input size '
                         f'{_shape_text(per_group)}')
    for name, t in (('weight', weight), ('bias', bias)):
        if t is not None and (t.dim() != 1 or t.shape[0] != c):
            raise RuntimeError(f'Expected {name} to be a vector of size equal to the number of channels in input, '
                               f'but got {name} of shape {_shape_text(t.shape)} and input of shape {_shape_text(xs)}')
    y = NativeLayerNorm.apply(input.reshape(n, num_groups, -1), k=1, eps=eps).reshape(xs)
    channel = (1, c) + (1,) * (len(xs) - 2)
    if weight is not None:
        y = y * weight.reshape(channel)
    if bias is not None:
        y = y + bias.reshape(channel)
    return y


def rms_norm(input, normalized_shape, weight=None, eps=None):
    not_implemented_for(input, 'rms_norm')
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    xs = tuple(input.shape)
    if k == 0 or k > len(xs) or xs[len(xs) - k:] != shape:
        raise RuntimeError(f'Given normalized_shape={_shape_text(shape)}, expected input with shape '
                           f'[*{_shape_text(shape)[1:]}, but got input of size{_shape_text(xs)}')
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError('Expected weight to be of same shape as normalized_shape, but got weight of shape '
                           f'{_shape_text(weight.shape)} and normalized_shape = {_shape_text(shape)}')
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    axes = tuple(range(len(xs) - k, len(xs)))
    y = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight

