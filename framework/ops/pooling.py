"""Pooling: max and average pooling over fixed windows (1-D as 2-D over a height of 1), adaptive
average and max pooling.

Windows are read as kh * kw strided slices of the padded input, never copied into columns. Max
pooling keeps, per output, which window element won (the first maximum, as PyTorch: a later equal
value does not replace it); its gradient scatters through those choices. The scatter and the
gather at the same choices are each other's adjoints, which gives every higher derivative.
Average pooling is linear: its backward is its adjoint, whose backward is average pooling again.
"""
import math

import numpy as np

from .. import _device
from .._tensor import wrap
from ..autograd.function import Op
from .conv import pad_array, ntuple
from . import _cudnn
from .shape import stack
from .unary import not_implemented_for
from ..autograd.grad_mode import is_grad_enabled


class _Windows:
    """Kernel, stride, dilation, padding ((top, bottom), (left, right)) incl. ceil_mode's extra, sizes."""
    __slots__ = ('ksize', 'stride', 'dilation', 'pads', 'in_hw', 'out_hw')

    def __init__(self, ksize, stride, dilation, pads, in_hw, out_hw):
        self.ksize, self.stride, self.dilation = ksize, stride, dilation
        self.pads, self.in_hw, self.out_hw = pads, tuple(in_hw), tuple(out_hw)

    def slices(self):
        """((i, j), index of window row and column) for each kernel element, in row-major order."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        ho, wo = self.out_hw
        for i in range(self.ksize[0]):
            for j in range(self.ksize[1]):
                yield i * self.ksize[1] + j, (Ellipsis, slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
                                              slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))

    def padded_hw(self):
        return tuple(s + lo + hi for s, (lo, hi) in zip(self.in_hw, self.pads))


def _crop(a, win):
    (pt, _), (pl, _) = win.pads
    h, w = win.in_hw
    return a[..., pt:pt + h, pl:pl + w]


def _index_dtype(n):
    return np.int8 if n < 127 else np.int16 if n < 32767 else np.int32


# ---------------------------------------------------------------- max pooling
def max_windows(x, win, need_index):
    """Max over each window of x (padded with -inf) and, if asked, which window element won."""
    xp = _device.xp_of(x)
    low = -math.inf if x.dtype.kind == 'f' else int(np.iinfo(x.dtype).min)     # integer inputs pad with their min
    xpad = pad_array(x, win.pads, low) if any(lo or hi for lo, hi in win.pads) else x
    m = idx = None
    for k, sl in win.slices():
        v = xpad[sl]
        if m is None:
            m = v.copy()
            if need_index:
                idx = xp.zeros(m.shape, _index_dtype(win.ksize[0] * win.ksize[1]))
        elif need_index:
            upd = xp.greater(v, m)
            upd |= xp.isnan(v)                # a NaN wins, and then stays
            xp.copyto(m, v, where=upd)
            xp.copyto(idx, k, where=upd)
        else:
            xp.maximum(m, v, out=m)
    return m, idx


class MaxPool2d(Op):
    node_name = 'MaxPool2DWithIndicesBackward0'

    @staticmethod
    def forward(ctx, x, win=None, want_index=False):
        need = bool(ctx.needs_input_grad) and ctx.needs_input_grad[0]
        m = None if need or want_index else _cudnn.max_pool(x, win)     # cuDNN: the maxima only, no index
        if m is None:
            m, idx = max_windows(x, win, need or want_index)
        ctx.win = win
        if need:
            ctx.save_for_backward(idx)
        return (m, idx) if want_index else m

    @staticmethod
    def backward(ctx, g, *unused):
        idx, = ctx.saved_arrays()
        return MaxPoolScatter.apply(g, idx=idx, win=ctx.win)


class MaxPoolScatter(Op):
    """g (N, C, Ho, Wo) added into the input's shape at each window's chosen element."""
    node_name = 'MaxPool2DWithIndicesBackwardBackward0'

    @staticmethod
    def forward(ctx, g, idx=None, win=None):
        ctx.idx, ctx.win = idx, win
        xp = _device.xp_of(g)
        out = xp.zeros(g.shape[:-2] + win.padded_hw(), g.dtype)
        overlap = any(s < d * (k - 1) + 1 for s, d, k in zip(win.stride, win.dilation, win.ksize))
        for k, sl in win.slices():
            chosen = xp.where(idx == k, g, 0)
            if overlap:
                out[sl] += chosen
            else:
                out[sl] = chosen
        return xp.ascontiguousarray(_crop(out, win))

    @staticmethod
    def backward(ctx, gg):
        return MaxPoolGather.apply(gg, idx=ctx.idx, win=ctx.win)


class MaxPoolGather(Op):
    """x's element at each window's chosen position: the adjoint of MaxPoolScatter."""
    node_name = 'MaxPool2DWithIndicesBackwardBackward0'

    @staticmethod
    def forward(ctx, x, idx=None, win=None):
        ctx.idx, ctx.win = idx, win
        xp = _device.xp_of(x)
        xpad = pad_array(x, win.pads) if any(lo or hi for lo, hi in win.pads) else x
        out = xp.zeros(idx.shape, x.dtype)
        for k, sl in win.slices():
            xp.copyto(out, xpad[sl], where=idx == k)
        return out

    @staticmethod
    def backward(ctx, g):
        return MaxPoolScatter.apply(g, idx=ctx.idx, win=ctx.win)


# ---------------------------------------------------------------- average pooling
def _divisor(win, count_include_pad, divisor_override, padding, xp, dtype):
    if divisor_override:
        return dtype.type(divisor_override)
    sizes = []
    for d in range(2):
        n, k, s, p = win.in_hw[d], win.ksize[d], win.stride[d], padding[d]
        start = np.arange(win.out_hw[d]) * s - p
        end = np.minimum(start + k, n + p)
        full = end - start
        inside = np.minimum(end, n) - np.maximum(start, 0)
        sizes.append(full if count_include_pad else inside)
    div = (sizes[0][:, None] * sizes[1][None, :]).astype(dtype)
    return div if xp is np else xp.asarray(div)


class AvgPool2d(Op):
    node_name = 'AvgPool2DBackward0'

    @staticmethod
    def forward(ctx, x, win=None, div=None, include_pad=None):
        ctx.win, ctx.div, ctx.include_pad = win, div, include_pad
        out = _cudnn.avg_pool(x, win, include_pad)
        if out is not None:
            return out
        xpad = pad_array(x, win.pads) if any(lo or hi for lo, hi in win.pads) else x
        out = None
        for _, sl in win.slices():
            out = xpad[sl].copy() if out is None else out.__iadd__(xpad[sl])
        out /= div
        return out

    @staticmethod
    def backward(ctx, g):
        return AvgPoolAdjoint.apply(g, win=ctx.win, div=ctx.div, include_pad=ctx.include_pad)


class AvgPoolAdjoint(Op):
    node_name = 'AvgPool2DBackwardBackward0'

    @staticmethod
    def forward(ctx, g, win=None, div=None, include_pad=None):
        ctx.win, ctx.div, ctx.include_pad = win, div, include_pad
        out = _cudnn.avg_pool_adjoint(g, win, include_pad)
        if out is not None:
            return out
        xp = _device.xp_of(g)
        gd = g / div
        out = xp.zeros(g.shape[:-2] + win.padded_hw(), g.dtype)
        for _, sl in win.slices():
            out[sl] += gd
        return xp.ascontiguousarray(_crop(out, win))

    @staticmethod
    def backward(ctx, gg):
        return AvgPool2d.apply(gg, win=ctx.win, div=ctx.div, include_pad=ctx.include_pad)


# ---------------------------------------------------------------- argument checks and sizes
def _pool_size(n, k, s, p, d, ceil_mode):
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _windows(x_shape, kernel_size, stride, padding, dilation, ceil_mode, nd, name):
    k = ntuple(kernel_size, nd)
    s = ntuple(stride, nd) if stride is not None and stride != [] and stride != () else k
    p, d = ntuple(padding, nd), ntuple(dilation, nd)
    if any(v == 0 for v in s):
        raise RuntimeError('stride should not be zero')
    if any(v <= 0 for v in s):
        raise RuntimeError(f'stride must be greater than zero, but got {s}')
    if any(v <= 0 for v in k):
        raise RuntimeError(f'kernel size should be greater than zero, but got kH: {k[0]} kW: {k[-1]}')
    if any(v <= 0 for v in d):
        raise RuntimeError(f'dilation should be greater than zero, but got dilationH: {d[0]} dilationW: {d[-1]}')
    for kk, pp, dd in zip(k, p, d):
        if pp > ((kk - 1) * dd + 1) // 2 or pp < 0:
            raise RuntimeError(f'pad should be at most half of effective kernel size, but got pad={pp}, '
                               f'kernel_size={kk} and dilation={dd}')
    spatial = x_shape[-nd:]
    outs = [_pool_size(n, kk, ss, pp, dd, ceil_mode) for n, kk, ss, pp, dd in zip(spatial, k, s, p, d)]
    if any(o < 1 for o in outs):
        c = x_shape[-nd - 1]
        raise RuntimeError(f'Given input size: ({"x".join(str(v) for v in (c,) + tuple(spatial))}). Calculated output '
                           f'size: ({"x".join(str(v) for v in [c] + outs)}). Output size is too small')
    pads = tuple((pp, max(0, (o - 1) * ss + dd * (kk - 1) + 1 - n - pp))
                 for n, kk, ss, pp, dd, o in zip(spatial, k, s, p, d, outs))
    if nd == 1:
        k, s, d, pads, spatial, outs = (1,) + k, (1,) + s, (1,) + d, ((0, 0),) + pads, (1,) + tuple(spatial), [1] + outs
        p = (0,) + p
    return _Windows(k, s, d, pads, spatial, outs), p


def _as_batched_2d(input, nd, name):
    x = input._data
    if x.ndim not in (nd + 1, nd + 2) or x.size == 0:
        if nd == 2:
            raise RuntimeError('non-empty 3D or 4D (batch mode) tensor expected for input')
        raise RuntimeError(f'{name}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for '
                           f'input, but got:{list(x.shape)}')
    return input.unsqueeze(-2) if nd == 1 else input


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd):
    if nd == 2 or return_indices or input.requires_grad and is_grad_enabled():
        not_implemented_for(input, 'max_pool2d', 'b')           # PyTorch's max_pool2d kernel takes integers
    else:
        not_implemented_for(input, 'max_pool1d_impl')           # its max_pool1d fast path does not
    x4 = _as_batched_2d(input, nd, f'max_pool{nd}d')
    win, _ = _windows(input.shape, kernel_size, stride, padding, dilation, ceil_mode, nd, 'max_pool')
    if not return_indices:
        out = MaxPool2d.apply(x4, win=win)
        return out.squeeze(-2) if nd == 1 else out
    out, idx = MaxPool2d.apply(x4, win=win, want_index=True)
    # flat positions in the unpadded input plane, as PyTorch returns them
    xp = _device.xp_of(x4._data)
    kw = win.ksize[1]
    idx = idx._data.astype(np.int64)
    ki, kj = idx // kw, idx % kw
    rows = xp.arange(win.out_hw[0]).reshape(-1, 1) * win.stride[0] - win.pads[0][0] + ki * win.dilation[0]
    cols = xp.arange(win.out_hw[1]) * win.stride[1] - win.pads[1][0] + kj * win.dilation[1]
    flat = wrap((rows * win.in_hw[1] + cols).astype(np.int64) if nd == 2 else cols.astype(np.int64))
    if nd == 1:
        out, flat = out.squeeze(-2), flat.squeeze(-2)
    return out, flat


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nd):
    x4 = _as_batched_2d(input, nd, f'avg_pool{nd}d')
    not_implemented_for(input, 'avg_pool2d')
    win, p = _windows(input.shape, kernel_size, stride, padding, 1, ceil_mode, nd, 'avg_pool')
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError('divisor must be not zero')
    arr = x4._data
    div = _divisor(win, count_include_pad, divisor_override, p, _device.xp_of(arr), arr.dtype)
    # count_include_pad picks cuDNN's averaging mode; a divisor_override has none
    out = AvgPool2d.apply(x4, win=win, div=div, include_pad=count_include_pad if divisor_override is None else None)
    return out.squeeze(-2) if nd == 1 else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


# ---------------------------------------------------------------- adaptive pooling
def _bounds(n, out):
    """PyTorch's adaptive windows: [floor(i n / out), ceil((i + 1) n / out))."""
    return [((i * n) // out, -(-((i + 1) * n) // out)) for i in range(out)]


def _out_size(output_size, spatial):
    if isinstance(output_size, (tuple, list)):
        sizes = tuple(output_size) * len(spatial) if len(output_size) == 1 else tuple(output_size)
    else:
        sizes = (output_size,) * len(spatial)
    # None keeps the input's size there
    return tuple(s if o is None else int(o) for o, s in zip(sizes, spatial))


def _averaging_matrix(n, out, like):
    a = np.zeros((out, n))
    for i, (lo, hi) in enumerate(_bounds(n, out)):
        a[i, lo:hi] = 1.0 / (hi - lo)
    xp = _device.xp_of(like)
    return wrap(xp.asarray(a.astype(like.dtype)))


def _check_out_size(sizes, name='adaptive_avg_pool2d'):
    if any(o < 0 for o in sizes):
        pair = tuple(sizes) * 2 if len(sizes) == 1 else tuple(sizes)
        raise RuntimeError(f'{name}: elements of output_size must be greater than or equal to 0 but received '
                           '{' + ', '.join(str(o) for o in pair) + '}')


def _check_adaptive(input, nd, name):
    x = input._data
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f'{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(x.shape)}')
    for i in range(1, x.ndim):
        if x.shape[i] == 0:
            raise RuntimeError(f'{name}(): Expected input to have non-zero size for non-batch dimensions, but input '
                               f'has sizes {list(x.shape)} with dimension {i} being empty')


def _window_means(x, dim, n, out):
    """The adaptive windows' means along one dim, one mean per window. Not a matmul with an averaging
    matrix: its zeros would turn an infinity outside a window into nan inside it."""
    if out == n:
        return x
    if out == 1:
        return x.mean(dim, keepdim=True)
    return stack([x.narrow(dim, lo, hi - lo).mean(dim) for lo, hi in _bounds(n, out)], dim)


def adaptive_avg_pool2d(input, output_size):
    _check_adaptive(input, 2, 'adaptive_avg_pool2d')
    not_implemented_for(input, 'adaptive_avg_pool2d')
    h, w = input.shape[-2:]
    oh, ow = _out_size(output_size, (h, w))
    _check_out_size((oh, ow))
    if (oh, ow) == (1, 1):
        return input.mean((-2, -1), keepdim=True)
    out = _window_means(_window_means(input, -2, h, oh), -1, w, ow)
    return out if out is not input else input * 1


def adaptive_avg_pool1d(input, output_size):
    _check_adaptive(input, 1, 'adaptive_avg_pool1d')
    not_implemented_for(input, 'adaptive_avg_pool2d')
    n = input.shape[-1]
    (o,) = _out_size(output_size, (n,))
    _check_out_size((o,))
    out = _window_means(input, -1, n, o)
    return out if out is not input else input * 1


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The window maxima found on arrays, then gathered: the gradient goes to the first maximum."""
    _check_adaptive(input, 2, 'adaptive_max_pool2d')
    x = input._data
    xp = _device.xp_of(x)
    h, w = x.shape[-2:]
    oh, ow = _out_size(output_size, (h, w))
    if min(oh, ow) < 0:
        raise RuntimeError(f'Trying to create tensor with negative dimension {min(oh, ow)}: '
                           f'{list(x.shape[:-2]) + [oh, ow]}')
    not_implemented_for(input, 'adaptive_max_pool2d')
    idx = xp.empty(x.shape[:-2] + (oh, ow), np.int64)
    for i, (r0, r1) in enumerate(_bounds(h, oh)):
        for j, (c0, c1) in enumerate(_bounds(w, ow)):
            block = x[..., r0:r1, c0:c1].reshape(x.shape[:-2] + (-1,))
            k = block.argmax(-1)
            idx[..., i, j] = (r0 + k // (c1 - c0)) * w + c0 + k % (c1 - c0)
    flat = input.flatten(-2)
    index = wrap(idx.reshape(idx.shape[:-2] + (-1,)))
    out = flat.gather(-1, index).reshape(idx.shape)
    return (out, wrap(idx)) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, ntuple(output_size, 1)[0]), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)
