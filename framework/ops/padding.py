"""F.pad: constant padding as one op (its adjoint is the same op with the pads negated, i.e. a crop),
and reflect/replicate/circular padding as index_select along each padded dimension, so their
gradients (and higher ones) come from index_select's.
"""
from .. import _device
from ..autograd.function import Op


class ConstantPadNd(Op):
    @staticmethod
    def forward(ctx, x, pads=None, value=0):
        """pads: ((lo, hi), ...) for the last len(pads) dims; negative values crop."""
        ctx.pads = pads
        xp = _device.xp_of(x)
        lead = x.ndim - len(pads)
        shape = x.shape[:lead] + tuple(s + lo + hi for s, (lo, hi) in zip(x.shape[lead:], pads))
        if any(s < 0 for s in shape):
            raise RuntimeError(f'The input size {x.shape[lead]}, plus negative padding {pads[0][0]} and '
                               f'{pads[0][1]} resulted in a negative output size, which is invalid. Check dimension '
                               f'{lead} of your input.')
        out = xp.full(shape, value, dtype=x.dtype)
        dst = [slice(None)] * lead
        src = [slice(None)] * lead
        for s, (lo, hi) in zip(x.shape[lead:], pads):
            dst.append(slice(max(lo, 0), max(lo, 0) + s + min(lo, 0) + min(hi, 0)))
            src.append(slice(max(-lo, 0), s - max(-hi, 0)))
        out[tuple(dst)] = x[tuple(src)]
        return out

    @staticmethod
    def backward(ctx, g):
        return ConstantPadNd.apply(g, pads=tuple((-lo, -hi) for lo, hi in ctx.pads), value=0)


def _indices(xp, size, lo, hi, mode):
    import numpy as np
    i = np.arange(-lo, size + hi)
    if mode == 'reflect':
        period = 2 * (size - 1)
        i = np.abs(i) % period if period else np.zeros_like(i)
        i = np.where(i >= size, period - i, i)
    elif mode == 'replicate':
        i = np.clip(i, 0, size - 1)
    else:
        # PyTorch crops a negative pad first and wraps around what is left
        c0, m = max(-lo, 0), size - max(-lo, 0) - max(-hi, 0)
        i = c0 + (i - c0) % m if m > 0 else i % size
    return i


def pad(input, pad, mode='constant', value=None):
    from .._tensor import wrap
    if len(pad) % 2:
        raise RuntimeError('Padding length must be divisible by 2')
    nd = len(pad) // 2
    if nd > input.dim():
        raise RuntimeError('Padding length should be less than or equal to two times the input dimension but got '
                           f'padding length {len(pad)} and input of dimension {input.dim()}')
    # F.pad's list runs from the last dimension backwards: (left, right, top, bottom, ...)
    pads = tuple((int(pad[2 * k]), int(pad[2 * k + 1])) for k in range(nd))[::-1]
    if mode == 'constant':
        return ConstantPadNd.apply(input, pads=pads, value=0 if value is None else value)
    if mode not in ('reflect', 'replicate', 'circular'):
        raise NotImplementedError(f'Unrecognised padding mode {mode}')
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument.')
    shape = input.shape
    if mode == 'reflect':
        for k, (lo, hi) in enumerate(pads):
            d = input.dim() - nd + k
            if lo >= shape[d] or hi >= shape[d]:
                raise RuntimeError(f'Argument #4: Padding size should be less than the corresponding input dimension, '
                                   f'but got: padding ({lo}, {hi}) at dimension {d} of input {list(shape)}')
    if mode == 'circular':
        for k, (lo, hi) in enumerate(pads):
            d = input.dim() - nd + k
            if lo > shape[d] or hi > shape[d]:
                raise RuntimeError('Padding value causes wrapping around more than once.')
    out = input
    xp = _device.xp_of(input._data)
    for k, (lo, hi) in enumerate(pads):
        if lo == 0 and hi == 0:
            continue
        d = input.dim() - nd + k
        idx = _indices(xp, shape[d], lo, hi, mode)
        idx = wrap(idx if xp.__name__ == 'numpy' else xp.asarray(idx))
        out = out.index_select(d, idx)
    return out
