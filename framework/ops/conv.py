"""Convolution: conv1d/conv2d, conv_transpose1d/2d, unfold/fold, on im2col + one batched BLAS matmul.

Three bilinear ops share the array kernels below, and each one's backward is written with the
other two, so every derivative order is again a convolution (as in PyTorch):

    Convolution(x, w)         y  = conv(x, w)
    ConvTranspose(x, w)       x' = conv_input_grad(x, w)       (the adjoint of conv in its input)
    ConvWeight(x, g)          w' = conv_weight_grad(x, g)      (the adjoint of conv in its weight)

1-D convolutions run as 2-D ones over a height of 1. Padding is held as ((top, bottom), (left,
right)) so that padding='same' with an even kernel pads more at the end, as PyTorch does.

The im2col matrix is one copy of a strided view of the padded input, laid out (C, kh, kw, N, Ho, Wo):
per group a (C/groups * kh * kw, N * Ho * Wo) matrix, so each convolution is one BLAS matmul per group
over the whole batch (per-sample batched matmuls measured 2-5x slower). col2im adds columns back with
kh * kw strided slice-adds. Nothing is kept for backward but the input and the weight: the weight
gradient rebuilds the columns, so a layer holds no more memory than in PyTorch.
"""
from .. import _device
from .._dtype import c_name
from ..autograd.function import Op
from . import _cudnn


def as_strided(xp, a, shape, strides):
    r = xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)
    return r if type(r) is type(a) else r.view(type(a))     # an ndarray subclass stays itself


def pad_array(x, pads, value=0):
    """x (..., H, W) padded by ((top, bottom), (left, right)) with a constant, as one new array."""
    (pt, pb), (pl, pr) = pads
    if not (pt or pb or pl or pr):
        return x
    xp = _device.xp_of(x)
    h, w = x.shape[-2:]
    out = xp.empty(x.shape[:-2] + (h + pt + pb, w + pl + pr), x.dtype)
    if value == 0:
        out[...] = 0
    else:
        out.fill(value)
    out[..., pt:pt + h, pl:pl + w] = x
    return out


def im2col(xp_, ksize, stride, dilation, out_hw, order=None):
    """(N, C, kh, kw, Ho, Wo), contiguous, from an already padded (N, C, Hp, Wp) array: one copy of a
    strided view. `order` permutes those axes first (the copy costs the same in any order)."""
    xp = _device.xp_of(xp_)
    x = xp.ascontiguousarray(xp_)
    n, c = x.shape[:2]
    sn, sc, sh, sw = x.strides
    view = as_strided(xp, x, (n, c, ksize[0], ksize[1], out_hw[0], out_hw[1]),
                      (sn, sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1]))
    if order is not None:
        view = view.transpose(order)
    return xp.ascontiguousarray(view)


def col2im(cols, padded_hw, stride, dilation, channels_first=False):
    """The adjoint of im2col: (N, C, kh, kw, Ho, Wo) summed back into a zero (N, C, Hp, Wp) array.
    With channels_first the sums go into a (C, N, Hp, Wp) array (returned as its (N, C, ...) view),
    for columns whose memory runs (C, kh, kw, N, Ho, Wo)."""
    xp = _device.xp_of(cols)
    n, c, kh, kw, ho, wo = cols.shape
    if channels_first:
        out = xp.zeros((c, n) + tuple(padded_hw), cols.dtype).transpose(1, 0, 2, 3)
    else:
        out = xp.zeros((n, c) + tuple(padded_hw), cols.dtype)
    sh, sw = stride
    dh, dw = dilation
    for i in range(kh):
        r = i * dh
        for j in range(kw):
            q = j * dw
            out[:, :, r:r + sh * (ho - 1) + 1:sh, q:q + sw * (wo - 1) + 1:sw] += cols[:, :, i, j]
    return out


def _crop(a, pads, hw):
    (pt, _), (pl, _) = pads
    if a.shape[2:] == tuple(hw):
        return a
    return a[:, :, pt:pt + hw[0], pl:pl + hw[1]]


def out_size(size, k, s, lo, hi, d):
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def conv_forward(x, w, stride, pads, dilation, groups):
    """y = conv(x, w) on arrays: x (N, C, H, W), w (O, C/groups, kh, kw) -> (N, O, Ho, Wo)."""
    y = _cudnn.conv_forward(x, w, stride, pads, dilation, groups)
    if y is not None:
        return y
    xp = _device.xp_of(x)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    ho = out_size(h, kh, stride[0], *pads[0], dilation[0])
    wo = out_size(wd, kw, stride[1], *pads[1], dilation[1])
    if n == 1:      # one sample: the natural layout is already (C, kh, kw, Ho, Wo), no transposes
        cols = im2col(pad_array(x, pads), (kh, kw), stride, dilation, (ho, wo))
        y = xp.matmul(w.reshape(groups, o // groups, cg * kh * kw), cols.reshape(groups, cg * kh * kw, ho * wo))
        return y.reshape(1, o, ho, wo)
    # one matmul per group over the batch and positions together: (O/G, CgKK) @ (CgKK, N*Ho*Wo); the
    # im2col copy itself lays the columns out as (C, kh, kw, N, Ho, Wo)
    cols = im2col(pad_array(x, pads), (kh, kw), stride, dilation, (ho, wo), (1, 2, 3, 0, 4, 5))
    y = xp.matmul(w.reshape(groups, o // groups, cg * kh * kw), cols.reshape(groups, cg * kh * kw, n * ho * wo))
    y = y.reshape(o, n, ho, wo).transpose(1, 0, 2, 3)
    return xp.ascontiguousarray(y)


def channel_major(g):
    """g (N, O, Ho, Wo) copied as (O, N, Ho, Wo): the layout both gradient matmuls read."""
    return _device.xp_of(g).ascontiguousarray(g.transpose(1, 0, 2, 3))


def conv_input_grad(g, w, in_hw, stride, pads, dilation, groups, g_cf=None):
    """The adjoint of conv in its input (conv_transpose): g (N, O, Ho, Wo) -> (N, C, H, W). g_cf: g
    already laid out by channel_major."""
    gx = _cudnn.conv_input_grad(g, w, in_hw, stride, pads, dilation, groups)
    if gx is not None:
        return gx
    xp = _device.xp_of(g)
    n, o, ho, wo = g.shape
    _, cg, kh, kw = w.shape
    wm = w.reshape(groups, o // groups, cg * kh * kw).transpose(0, 2, 1)
    padded = (in_hw[0] + pads[0][0] + pads[0][1], in_hw[1] + pads[1][0] + pads[1][1])
    # columns (C, kh, kw, N, Ho, Wo) from one matmul per group, summed into a (C, N, Hp, Wp) image
    gm = g if n == 1 else g_cf if g_cf is not None else channel_major(g)
    cols = xp.matmul(wm, gm.reshape(groups, o // groups, n * ho * wo))
    cols = cols.reshape(groups * cg, kh, kw, n, ho, wo).transpose(3, 0, 1, 2, 4, 5)
    img = col2im(cols, padded, stride, dilation, channels_first=n > 1)
    return xp.ascontiguousarray(_crop(img, pads, in_hw))


def conv_weight_grad(x, g, ksize, stride, pads, dilation, groups, g_cf=None):
    """The adjoint of conv in its weight: x (N, C, H, W), g (N, O, Ho, Wo) -> (O, C/groups, kh, kw)."""
    gw = _cudnn.conv_weight_grad(x, g, ksize, stride, pads, dilation, groups)
    if gw is not None:
        return gw
    xp = _device.xp_of(x)
    n, c = x.shape[:2]
    o, ho, wo = g.shape[1:]
    cg = c // groups
    kk = cg * ksize[0] * ksize[1]
    if n == 1:
        cols = im2col(pad_array(x, pads), ksize, stride, dilation, (ho, wo)).reshape(groups, kk, ho * wo)
        gm = g.reshape(groups, o // groups, ho * wo)
    else:
        # one matmul per group over batch and positions together, (O/G, N*HoWo) @ (N*HoWo, CgKK)
        cols = im2col(pad_array(x, pads), ksize, stride, dilation, (ho, wo), (1, 2, 3, 0, 4, 5))
        cols = cols.reshape(groups, kk, n * ho * wo)
        gm = (g_cf if g_cf is not None else channel_major(g)).reshape(groups, o // groups, n * ho * wo)
    gm = gm.reshape(groups, o // groups, -1)
    if kk < o // groups:
        return xp.matmul(gm, cols.transpose(0, 2, 1)).reshape(o, cg, ksize[0], ksize[1])
    # the longer side as the rows of the product: OpenBLAS spreads a long-and-thin product's rows over its
    # threads far better (measured 2-8x faster on 2 threads, the same on 1), then one small transpose
    gw = xp.matmul(cols, gm.transpose(0, 2, 1)).transpose(0, 2, 1)
    return xp.ascontiguousarray(gw).reshape(o, cg, ksize[0], ksize[1])


class _Geometry:
    """What the three ops share: stride, padding, dilation, groups and the input's spatial size."""
    __slots__ = ('stride', 'pads', 'dilation', 'groups', 'in_hw', 'ksize')

    def __init__(self, stride, pads, dilation, groups, in_hw, ksize):
        self.stride, self.pads, self.dilation, self.groups = stride, pads, dilation, groups
        self.in_hw, self.ksize = tuple(in_hw), tuple(ksize)


def _bias_grad(g):
    return g.sum((0, 2, 3))


class Convolution(Op):
    @staticmethod
    def forward(ctx, x, w, b=None, geo=None, out_hw=None):
        ctx.geo = geo
        need = ctx.needs_input_grad
        if need:
            ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        y = conv_forward(x, w, geo.stride, geo.pads, geo.dilation, geo.groups)
        if out_hw is not None and y.shape[2:] != out_hw:
            # the adjoint of a transposed convolution whose output_padding added rows no input reaches
            # (stride 1, dilation > 1): those rows' positions are not part of the input's gradient
            y = y[:, :, :out_hw[0], :out_hw[1]]
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        geo = ctx.geo
        # both gradients read g as (O, N, Ho, Wo): laid out once for the two
        g_cf = (channel_major(g._data) if need[0] and need[1] and g._data.shape[0] > 1
                and not _cudnn.conv_wanted(g._data) else None)      # cuDNN reads g as it is
        gx = ConvTranspose.apply(g, w, geo=geo, g_cf=g_cf) if need[0] else None
        gw = ConvWeight.apply(x, g, geo=geo, g_cf=g_cf) if need[1] else None
        gb = _bias_grad(g) if len(need) > 2 and need[2] else None
        return gx, gw, gb


class ConvTranspose(Op):
    """conv_input_grad(x, w) (+ bias): geo describes the convolution this one is the adjoint of."""
    node_name = 'ConvolutionBackward0'

    @staticmethod
    def forward(ctx, x, w, b=None, geo=None, g_cf=None):
        ctx.geo = geo
        need = ctx.needs_input_grad
        if need:
            ctx.save_for_backward(x if need[1] else None, w if need[0] else None)
        ctx.x_hw = x.shape[2:]
        y = conv_input_grad(x, w, geo.in_hw, geo.stride, geo.pads, geo.dilation, geo.groups, g_cf)
        if b is not None:
            y += b.reshape(1, -1, 1, 1)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        geo = ctx.geo
        gx = Convolution.apply(g, w, geo=geo, out_hw=ctx.x_hw) if need[0] else None
        gw = ConvWeight.apply(g, x, geo=geo) if need[1] else None
        gb = _bias_grad(g) if len(need) > 2 and need[2] else None
        return gx, gw, gb


class ConvWeight(Op):
    node_name = 'ConvolutionBackwardBackward0'

    @staticmethod
    def forward(ctx, x, g, geo=None, g_cf=None):
        ctx.geo = geo
        need = ctx.needs_input_grad
        if need:
            ctx.save_for_backward(x if need[1] else None, g if need[0] else None)
        ctx.g_hw = g.shape[2:]
        return conv_weight_grad(x, g, geo.ksize, geo.stride, geo.pads, geo.dilation, geo.groups, g_cf)

    @staticmethod
    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        geo = ctx.geo
        gx = ConvTranspose.apply(g, gw, geo=geo) if need[0] else None
        gg = Convolution.apply(x, gw, geo=geo, out_hw=ctx.g_hw) if need[1] else None
        return gx, gg


# ---------------------------------------------------------------- argument checks, as PyTorch words them
def _int(a, name):
    if a is None or isinstance(a, str):
        # PyTorch's argument parser: a string or None in a tuple of ints is a type error
        raise TypeError(f'{name or "argument"} must be tuple of ints, but found element of type '
                        f'{type(a).__name__}')
    return int(a)


def ntuple(v, n, name=None):
    if isinstance(v, (tuple, list)):
        if len(v) == 1 and n > 1:
            return tuple(v) * n
        return tuple(_int(a, name) for a in v)
    return (_int(v, name),) * n


def _size(shape):
    return '[' + ', '.join(str(s) for s in shape) + ']'


def _check_common(stride, padding, dilation):
    if any(s <= 0 for s in stride):
        raise RuntimeError('non-positive stride is not supported')
    if not isinstance(padding, str) and any(p < 0 for p in padding):
        raise RuntimeError('negative padding is not supported')
    if any(d <= 0 for d in dilation):
        raise RuntimeError('non-positive dilation is not supported')


_TYPE_NAMES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half'}


def _check_tensors(x, w, bias, nd, stride, transposed, groups=1):
    """Weight rank, dtypes and bias size, as PyTorch words them."""
    if w.ndim != nd + 2:
        if w.ndim == x.ndim + 1 or w.ndim > x.ndim:
            raise RuntimeError(f'Expected {w.ndim}-dimensional input for {w.ndim}-dimensional weight {_size(w.shape)}, '
                               f'but got {x.ndim}-dimensional input of size {_size(x.shape)} instead')
        raise RuntimeError(f'expected stride to be a single integer value or a list of {w.ndim - 2} values to match '
                           f'the convolution dimensions, but got stride={list(stride)}')
    if x.dtype != w.dtype:
        raise RuntimeError(f'expected scalar type {_TYPE_NAMES.get(str(x.dtype), x.dtype)} but found '
                           f'{_TYPE_NAMES.get(str(w.dtype), w.dtype)}')
    if bias is not None:
        b = bias._data
        if b.dtype != x.dtype:
            raise RuntimeError(f'Input type ({c_name(x.dtype)}) and bias type '
                               f'({c_name(b.dtype)}) should be the same')
        out_channels = w.shape[1] * groups if transposed else w.shape[0]
        if b.ndim != 1 or b.shape[0] != out_channels:
            which = 'Given transposed=1, weight' if transposed else 'Given weight'
            raise RuntimeError(f'{which} of size {_size(w.shape)}, expected bias to be 1-dimensional with '
                               f'{out_channels} elements, but got bias of size {_size(b.shape)} instead')


def same_pads(ksize, dilation):
    """padding='same': total d*(k-1) per dim, the odd one more at the end."""
    out = []
    for k, d in zip(ksize, dilation):
        total = d * (k - 1)
        out.append((total // 2, total - total // 2))
    return tuple(out)


def _conv_nd(input, weight, bias, stride, padding, dilation, groups, nd):
    name = f'conv{nd}d'
    x = input._data
    w = weight._data
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f'Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of '
                           f'size: {_size(x.shape)}')
    if isinstance(padding, str):
        if padding not in ('same', 'valid'):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    stride, dilation = ntuple(stride, nd), ntuple(dilation, nd)
    pad = padding if isinstance(padding, str) else ntuple(padding, nd)
    _check_tensors(x, w, bias, nd, stride, False)
    _check_common(stride, pad, dilation)
    if pad == 'same' and any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    unbatched = x.ndim == nd + 1
    if w.shape[0] % groups:
        raise RuntimeError(f'Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but '
                           f'got weight of size [{_size(w.shape)}] instead')
    shape = x.shape if not unbatched else (1,) + x.shape
    if shape[1] != w.shape[1] * groups:
        raise RuntimeError(f'Given groups={groups}, weight of size {_size(w.shape)}, expected input{_size(shape)} to '
                           f'have {w.shape[1] * groups} channels, but got {shape[1]} channels instead')
    ksize = w.shape[2:]
    if pad == 'same':
        pads = same_pads(ksize, dilation)
    elif pad == 'valid':
        pads = ((0, 0),) * nd
    else:
        pads = tuple((p, p) for p in pad)
    spatial = shape[2:]
    padded = [s + lo + hi for s, (lo, hi) in zip(spatial, pads)]
    eff = [d * (k - 1) + 1 for k, d in zip(ksize, dilation)]
    if any(p < e for p, e in zip(padded, eff)):
        raise RuntimeError(f'Calculated padded input size per channel: ({" x ".join(str(p) for p in padded)}). '
                           f'Kernel size: ({" x ".join(str(k) for k in eff)}). Kernel size can\'t be greater than '
                           'actual input size')
    if unbatched:
        input = input.unsqueeze(0)
    if nd == 1:
        input, weight = input.unsqueeze(2), weight.unsqueeze(2)
        stride, dilation, pads, ksize = (1,) + stride, (1,) + dilation, ((0, 0),) + pads, (1,) + tuple(ksize)
        spatial = (1,) + tuple(spatial)
    geo = _Geometry(stride, pads, dilation, groups, spatial, ksize)
    args = (input, weight) if bias is None else (input, weight, bias)
    if _device._cupy:
        _device.check_same_device(args)
    y = Convolution.apply(*args, geo=geo)
    if nd == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv_nd(input, weight, bias, stride, padding, dilation, groups, 1)


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, nd):
    name = f'conv_transpose{nd}d'
    x = input._data
    w = weight._data
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f'Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of '
                           f'size: {_size(x.shape)}')
    stride, dilation = ntuple(stride, nd), ntuple(dilation, nd)
    pad, opad = ntuple(padding, nd), ntuple(output_padding, nd)
    _check_tensors(x, w, bias, nd, stride, True, groups)
    _check_common(stride, pad, dilation)
    unbatched = x.ndim == nd + 1
    shape = x.shape if not unbatched else (1,) + x.shape
    if w.shape[0] % groups:
        raise RuntimeError(f'Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but '
                           f'got weight of size [{_size(w.shape)}] instead')
    if shape[1] != w.shape[0]:
        raise RuntimeError(f'Given transposed=1, weight of size {_size(w.shape)}, expected input{_size(shape)} to '
                           f'have {w.shape[0]} channels, but got {shape[1]} channels instead')
    for op, s, d in zip(opad, stride, dilation):
        if op >= s and op >= d:
            raise RuntimeError('output padding must be smaller than either stride or dilation, but got '
                               f'output_padding: {", ".join(map(str, opad))}, stride: {", ".join(map(str, stride))}, '
                               f'dilation: {", ".join(map(str, dilation))}')
    ksize = w.shape[2:]
    spatial = shape[2:]
    out_hw = tuple((s - 1) * st - 2 * p + d * (k - 1) + op + 1
                   for s, st, p, d, k, op in zip(spatial, stride, pad, dilation, ksize, opad))
    if any(o <= 0 for o in out_hw):
        raise RuntimeError(f'Given input size per channel: ({" x ".join(map(str, spatial))}). Calculated output size '
                           f'per channel: ({" x ".join(map(str, out_hw))}). Output size is too small')
    pads = tuple((p, p) for p in pad)
    if unbatched:
        input = input.unsqueeze(0)
    if nd == 1:
        input, weight = input.unsqueeze(2), weight.unsqueeze(2)
        stride, dilation, pads, ksize = (1,) + stride, (1,) + dilation, ((0, 0),) + pads, (1,) + tuple(ksize)
        out_hw = (1,) + out_hw
    geo = _Geometry(stride, pads, dilation, groups, out_hw, ksize)
    args = (input, weight) if bias is None else (input, weight, bias)
    if _device._cupy:
        _device.check_same_device(args)
    y = ConvTranspose.apply(*args, geo=geo)
    if nd == 1:
        y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 1)


# ---------------------------------------------------------------- unfold / fold: im2col itself as an op
class Im2Col(Op):
    @staticmethod
    def forward(ctx, x, geo=None):
        ctx.geo = geo
        xp = _device.xp_of(x)
        n, c = x.shape[:2]
        kh, kw = geo.ksize
        ho = out_size(x.shape[2], kh, geo.stride[0], *geo.pads[0], geo.dilation[0])
        wo = out_size(x.shape[3], kw, geo.stride[1], *geo.pads[1], geo.dilation[1])
        ctx.out_hw = (ho, wo)
        cols = im2col(pad_array(x, geo.pads), geo.ksize, geo.stride, geo.dilation, (ho, wo))
        return xp.ascontiguousarray(cols.reshape(n, c * kh * kw, ho * wo))

    @staticmethod
    def backward(ctx, g):
        return Col2Im.apply(g, geo=ctx.geo, out_hw=ctx.out_hw)


class Col2Im(Op):
    @staticmethod
    def forward(ctx, cols, geo=None, out_hw=None):
        ctx.geo = geo
        n = cols.shape[0]
        kh, kw = geo.ksize
        c = cols.shape[1] // (kh * kw)
        c6 = cols.reshape(n, c, kh, kw, out_hw[0], out_hw[1])
        padded = (geo.in_hw[0] + sum(geo.pads[0]), geo.in_hw[1] + sum(geo.pads[1]))
        xp = _device.xp_of(cols)
        return xp.ascontiguousarray(_crop(col2im(c6, padded, geo.stride, geo.dilation), geo.pads, geo.in_hw))

    @staticmethod
    def backward(ctx, g):
        return Im2Col.apply(g, geo=ctx.geo)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    x = input._data
    if x.ndim not in (3, 4):
        raise NotImplementedError(f'Input Error: Only 3D or 4D input Tensors are supported (got {x.ndim}D)')
    k, d, p, s = ntuple(kernel_size, 2), ntuple(dilation, 2), ntuple(padding, 2), ntuple(stride, 2)
    unbatched = x.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    hw = input._data.shape[2:]
    pads = tuple((q, q) for q in p)
    outs = [out_size(hw[i], k[i], s[i], p[i], p[i], d[i]) for i in range(2)]
    if any(o <= 0 for o in outs):
        raise RuntimeError(f'Given input with spatial size ({hw[0]}, {hw[1]}), kernel_size=({k[0]}, {k[1]}), '
                           f'dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array of '
                           f'sliding blocks as ({outs[0]}, {outs[1]}), but its components must be at least one.')
    y = Im2Col.apply(input, geo=_Geometry(s, pads, d, 1, hw, k))
    return y.squeeze(0) if unbatched else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    x = input._data
    if x.ndim not in (2, 3):
        raise NotImplementedError(f'Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported '
                                  f'(got {x.ndim}D)')
    o, k, d, p, s = (ntuple(output_size, 2), ntuple(kernel_size, 2), ntuple(dilation, 2), ntuple(padding, 2),
                     ntuple(stride, 2))
    unbatched = x.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
    outs = [out_size(o[i], k[i], s[i], p[i], p[i], d[i]) for i in range(2)]
    shape = input._data.shape
    if shape[1] % (k[0] * k[1]):
        raise RuntimeError(f'Expected size of input\'s dimension 1 to be divisible by the product of kernel_size, '
                           f'but got input.size(1)={shape[1]} and kernel_size=({k[0]}, {k[1]})')
    if shape[2] != outs[0] * outs[1]:
        raise RuntimeError(f'Given output_size=({o[0]}, {o[1]}), kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, '
                           f'{d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of input\'s '
                           f'dimension 2 to match the calculated number of sliding blocks {outs[0]} * {outs[1]} = '
                           f'{outs[0] * outs[1]}, but got input.size(2)={shape[2]}.')
    y = Col2Im.apply(input, geo=_Geometry(s, tuple((q, q) for q in p), d, 1, o, k), out_hw=tuple(outs))
    return y.squeeze(0) if unbatched else y


__all__ = ['conv1d', 'conv2d', 'conv_transpose1d', 'conv_transpose2d', 'unfold', 'fold']
