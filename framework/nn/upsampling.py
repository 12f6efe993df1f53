"""Upsample and F.interpolate (nearest; linear/bilinear with or without align_corners).

Each resized dimension is a fixed (out, in) matrix applied by matmul: resampling is linear, so its
gradients of every order come from matmul's.
"""
import math

import numpy as np

from .. import _device
from .._tensor import wrap
from .module import Module

_MODES = ('nearest', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', 'nearest-exact')


def _matrix(n_in, n_out, mode, align_corners, scale):
    a = np.zeros((n_out, n_in))
    dst = np.arange(n_out)
    if mode == 'nearest':
        ratio = (1.0 / scale) if scale else n_in / n_out
        src = np.minimum(np.floor(dst * ratio).astype(np.int64), n_in - 1)
        a[dst, src] = 1.0
        return a
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        ratio = (1.0 / scale) if scale else n_in / n_out
        src = np.maximum((dst + 0.5) * ratio - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    lam = src - lo
    np.add.at(a, (dst, lo), 1 - lam)      # a handful of rows: the (out, in) matrix is built once per call
    np.add.at(a, (dst, hi), lam)
    return a


def interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None,
                antialias=False):
    if mode not in _MODES:
        raise NotImplementedError(f'Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for '
                                  f'the modes: nearest | linear | bilinear | bicubic | trilinear | area | '
                                  f'nearest-exact (got {mode})')
    if mode in ('bicubic', 'trilinear', 'area', 'nearest-exact'):
        raise NotImplementedError(f'interpolate: mode {mode!r} is not implemented in framework')
    if align_corners is not None and mode == 'nearest':
        raise ValueError('align_corners option can only be set with the interpolating modes: '
                         'linear | bilinear | bicubic | trilinear')
    nd = input.dim() - 2
    if (mode == 'linear' and nd != 1) or (mode == 'bilinear' and nd != 2):
        want = {'linear': '3D', 'bilinear': '4D'}[mode]
        raise NotImplementedError(f'Got {input.dim()}D input, but {mode} mode needs {want} input')
    if (size is None) == (scale_factor is None):
        raise ValueError('only one of size or scale_factor should be defined' if size is not None else
                         'either size or scale_factor should be defined')
    spatial = input.shape[2:]
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nd
        scales = (None,) * nd
    else:
        scales = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * nd
        sizes = tuple(int(math.floor(s * f)) for s, f in zip(spatial, scales))
        if recompute_scale_factor:
            scales = (None,) * nd
    if any(s <= 0 for s in sizes):
        names = ('D', 'H', 'W')[-nd:]

        def dims(v):
            return ', '.join(f'{k}: {n}' for k, n in zip(names, v))
        raise RuntimeError(f'Input and output sizes should be greater than 0, but got input ({dims(spatial)}) '
                           + ('and ' if nd == 1 else '') + f'output ({dims(sizes)})')
    mode1 = 'nearest' if mode == 'nearest' else 'linear'
    x = input._data
    xp = _device.xp_of(x)
    out = input
    for d in range(nd):
        if sizes[d] == spatial[d] and scales[d] in (None, 1, 1.0):
            continue
        a = _matrix(spatial[d], sizes[d], mode1, bool(align_corners), scales[d]).astype(x.dtype)
        m = wrap(a if xp is np else xp.asarray(a))
        dim = 2 + d
        if dim == input.dim() - 1:
            out = out.matmul(m.t())
        else:
            out = m.matmul(out.transpose(dim, -2)).transpose(dim, -2) if dim != input.dim() - 2 else m.matmul(out)
    return out if out is not input else input * 1


def upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


class Upsample(Module):
    def __init__(self, size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) else scale_factor
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        info = f'scale_factor={self.scale_factor!r}' if self.scale_factor is not None else f'size={self.size!r}'
        return info + f', mode={self.mode!r}'


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode='nearest')


class UpsamplingBilinear2d(Upsample):
    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode='bilinear', align_corners=True)
