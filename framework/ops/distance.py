"""cosine_similarity, pairwise_distance and pixel_shuffle/pixel_unshuffle, composed of Tensor ops as
PyTorch composes them (so gradients and double backward come from those ops)."""
from .._tensor import wrap
from .promotion import broadcast_message
from .shape import broadcast_tensors


def _clamped(norm, eps):
    """norm with its values raised to eps, the gradient passed through unchanged: PyTorch clamps a clone
    of the norm in place under no_grad."""
    arr = norm._data
    return norm + wrap(_xp_max(arr, eps) - arr)


def _xp_max(arr, eps):
    from .. import _device
    return _device.xp_of(arr).maximum(arr, eps).astype(arr.dtype, copy=False)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1 / max(|x1|, eps), x2 / max(|x2|, eps)> along dim (PyTorch's form: never above 1 in magnitude)."""
    message = broadcast_message(x1.shape, x2.shape)
    if message:
        raise RuntimeError(message)
    x1, x2 = broadcast_tensors(x1, x2)
    n1 = _clamped(x1.norm(2, dim, keepdim=True), eps)
    n2 = _clamped(x2.norm(2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps over the last dimension."""
    last = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, max(last, 0), keepdim=keepdim)


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) → (*, C, H r, W r)."""
    nd = input.dim()
    if nd < 3:
        raise RuntimeError(f'pixel_shuffle expects input to have at least 3 dimensions, but got input with {nd} '
                           'dimension(s)')
    r = upscale_factor
    if r <= 0:
        raise RuntimeError(f'pixel_shuffle expects a positive upscale_factor, but got {r}')
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f'upscale_factor, but input.size(-3)={c} is not divisible by {r * r}')
    b = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) → (*, C r^2, H, W)."""
    nd = input.dim()
    if nd < 3:
        raise RuntimeError(f'pixel_unshuffle expects input to have at least 3 dimensions, but got input with {nd} '
                           'dimension(s)')
    r = downscale_factor
    if r <= 0:
        raise RuntimeError(f'pixel_unshuffle expects a positive downscale_factor, but got {r}')
    *batch, c, h, w = input.shape
    if h % r:
        raise RuntimeError('pixel_unshuffle expects height to be divisible by downscale_factor, but '
                           f'input.size(-2)={h} is not divisible by {r}')
    if w % r:
        raise RuntimeError('pixel_unshuffle expects width to be divisible by downscale_factor, but '
                           f'input.size(-1)={w} is not divisible by {r}')
    b = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)
