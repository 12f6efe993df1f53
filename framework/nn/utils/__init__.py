"""nn.utils: gradient clipping, flattening parameters to a vector; rnn (padding and packing sequences)."""
import math

from ..._tensor import Tensor, wrap
from ... import _device
from ..._tensor import bump_version


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients in place so that their joint norm is at most max_norm; returns the norm."""
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        from ...creation import tensor
        return tensor(0.0)
    xp = _device.xp_of(grads[0]._data)
    if norm_type == math.inf:
        norms = [xp.abs(g._data).max() for g in grads]
        total = max(norms) if len(norms) > 1 else norms[0]
        total = xp.asarray(total)
    else:
        total = sum(float((xp.abs(g._data.astype(xp.float64)) ** norm_type).sum()) for g in grads) ** (1 / norm_type)
        total = xp.asarray(total, dtype=grads[0]._data.dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f'The total norm of order {norm_type} for gradients from `parameters` is non-finite, so '
                           'it cannot be clipped. To disable this error and scale the gradients by the non-finite '
                           'norm anyway, set `error_if_nonfinite=False`')
    coef = max_norm / (float(total) + 1e-6)
    if coef < 1:
        for g in grads:
            xp.multiply(g._data, g._data.dtype.type(coef), out=g._data)
            bump_version(g)
    return wrap(total)


def clip_grad_value_(parameters, clip_value, foreach=None):
    clip_value = float(clip_value)
    for g in _grads(parameters):
        _device.xp_of(g._data).clip(g._data, -clip_value, clip_value, out=g._data)
        bump_version(g)


def parameters_to_vector(parameters):
    from ...ops.shape import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    pointer = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[pointer:pointer + n].reshape(p.shape).detach().clone()._data
        pointer += n
from . import rnn  # noqa: E402,F401
