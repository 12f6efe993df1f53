"""Losses of probabilistic models: kl_div, poisson_nll_loss, gaussian_nll_loss, composed of Tensor ops
with PyTorch's formulas, options and checks."""
import math
import warnings

from .. import _device
from .._tensor import wrap
from .loss import _legacy, _reduce, _reduction
from .unary import exp, log, where


def kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False):
    """Pointwise target (log target - input), input being log-probabilities; 'batchmean' divides the sum by the
    batch size (the KL divergence proper), 'mean' by the element count."""
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction)
    elif reduction == 'mean':
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if log_target:
        loss = exp(target) * (target - input)
    else:
        pos = target > 0
        # xlogy(t, t): 0 where t is 0, and log never sees a non-positive value
        loss = where(pos, target * log(where(pos, target, 1.0)), 0.0) - target * input
    if reduction == 'batchmean':
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, _reduction(reduction))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction='mean'):
    """exp(input) - target input (log_input), else input - target log(input + eps); full adds Stirling's
    approximation of log(target!) where target > 1."""
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction)
    reduction = _reduction(reduction)
    if log_input:
        loss = exp(input) - target * input
    else:
        loss = input - target * log(input + eps)
    if full:
        big = target > 1
        safe = where(big, target, 1.0)
        loss = loss + where(big, safe * log(safe) - safe + 0.5 * log(safe * (2 * math.pi)), 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean'):
    """0.5 (log var + (input - target)^2 / var), var raised to eps where smaller (the gradient passes the
    clamp unchanged, as in PyTorch); a var one dimension short, or broadcastable with one mismatched
    dimension, is shared across it."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError('var has negative entry/entries')
        var = input * 0 + var
    elif bool((var._data < 0).any()):
        raise ValueError('var has negative entry/entries')
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim() and
                  sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1):
            raise ValueError('var is of incorrect size')
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(reduction + ' is not valid')
    v = var._data
    var = var + wrap(_device.xp_of(v).maximum(v, eps).astype(v.dtype, copy=False) - v)
    loss = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
