"""cuDNN through CuPy (cupyx.cudnn) for convolution, pooling and batch_norm on the GPU.

The array kernels of conv.py, pooling.py and normalization.py call the function of the same name here first;
it returns None unless the arrays are CuPy arrays of float16/32/64, CuPy's cuDNN bindings load and
`framework.backends.cudnn.enabled` is set, and the kernel then runs its own CuPy code (im2col, strided
slices). Each function returns exactly what the kernel it stands in for returns, for the same arguments,
so the ops around them do not change: their backward formulas are the ops themselves (Convolution's
backward is ConvTranspose and ConvWeight, and theirs are the others), so cuDNN serves forward, both
first-order products and, under create_graph, every higher order too. batch_norm's backward is the one
Tensor formula; its first order (no graph recorded) is cuDNN's fused backward.

cuDNN takes one padding per side; PyTorch's padding='same' with an even kernel pads one more at the end,
which is padded explicitly (and cropped from the input gradient). cupyx.cudnn's pooling descriptor does not
propagate NaN, which PyTorch's max pooling does: a second pooling of the NaN mask puts them back.

CuPy 14 removed its cuDNN bindings; CuPy 13 has them when libcudnn is installed
(`python -m cupyx.tools.install_library --library cudnn --cuda 12.x`).
"""
import importlib

import numpy as np

from .. import _device
from ..backends import cudnn as flags

_cache = [None, None]        # [the CuPy module the answer is for, (cupy.cuda.cudnn, cupyx.cudnn) or None]


def library():
    """(cupy.cuda.cudnn, cupyx.cudnn) when they load with the CuPy in use, else None; looked up once."""
    cp = _device._cupy
    if _cache[0] is not cp or cp is None:
        libs = None
        if cp:
            try:
                lib = importlib.import_module('cupy.cuda.cudnn')
                cx = importlib.import_module('cupyx.cudnn')
                lib.getVersion()         # loads libcudnn: an ImportError/RuntimeError here when it is missing
                libs = (lib, cx)
            except Exception:
                libs = None
        _cache[0], _cache[1] = cp, libs
    return _cache[1]


def wanted(a):
    """Whether an op on array a takes the cuDNN path."""
    return (a.__class__ is not np.ndarray and flags.enabled and a.dtype.char in 'efd' and a.size > 0
            and library() is not None)


def conv_wanted(a):
    if not wanted(a):
        return False
    if flags.allow_tf32 or a.dtype != np.float32:
        return True
    # TF32 exists from compute capability 8.0 on, and cupyx.cudnn lets cuDNN choose it for float32
    return int(_device._cupy.cuda.Device().compute_capability) < 80


def _ints(t):
    return tuple(int(v) for v in t)


def _split(pads):
    """((lo, hi), ...) as cuDNN's symmetric padding plus what is left over to pad explicitly."""
    sym = tuple(min(lo, hi) for lo, hi in pads)
    return sym, tuple((lo - s, hi - s) for (lo, hi), s in zip(pads, sym))


def _out_hw(hw, ksize, stride, pads, dilation):
    from .conv import out_size
    return tuple(out_size(n, k, s, lo, hi, d) for n, k, s, (lo, hi), d in zip(hw, ksize, stride, pads, dilation))


def _conv_args(stride, dilation, groups, backward):
    kw = dict(auto_tune=bool(flags.benchmark), tensor_core='auto')
    if backward:
        kw['deterministic'] = bool(flags.deterministic)
    return _ints(stride), _ints(dilation), int(groups), kw


# ---------------------------------------------------------------- convolution
def conv_forward(x, w, stride, pads, dilation, groups):
    """conv.conv_forward: x (N, C, H, W), w (O, C/groups, kh, kw) -> (N, O, Ho, Wo)."""
    if not conv_wanted(x) or w.size == 0:
        return None
    from .conv import pad_array
    cx = library()[1]
    sym, extra = _split(pads)
    ho, wo = _out_hw(x.shape[2:], w.shape[2:], stride, pads, dilation)
    x = pad_array(x, extra)
    y = _device._cupy.empty((x.shape[0], w.shape[0], ho, wo), x.dtype)
    stride, dilation, groups, kw = _conv_args(stride, dilation, groups, False)
    cx.convolution_forward(x, w, None, y, _ints(sym), stride, dilation, groups, **kw)
    return y


def conv_input_grad(g, w, in_hw, stride, pads, dilation, groups):
    """conv.conv_input_grad (cuDNN's backward data): g (N, O, Ho, Wo) -> (N, C, H, W)."""
    if not conv_wanted(g) or w.size == 0 or _out_hw(in_hw, w.shape[2:], stride, pads, dilation) != g.shape[2:]:
        return None         # conv_transpose's output_padding beyond the stride (dilated): not a plain adjoint
    cx = library()[1]
    sym, extra = _split(pads)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(in_hw, extra))
    gx = _device._cupy.empty((g.shape[0], w.shape[1] * groups) + padded, g.dtype)
    stride, dilation, groups, kw = _conv_args(stride, dilation, groups, True)
    cx.convolution_backward_data(w, g, None, gx, _ints(sym), stride, dilation, groups, **kw)
    if padded != tuple(in_hw):
        (t, _), (lft, _) = extra
        gx = _device._cupy.ascontiguousarray(gx[:, :, t:t + in_hw[0], lft:lft + in_hw[1]])
    return gx


def conv_weight_grad(x, g, ksize, stride, pads, dilation, groups):
    """conv.conv_weight_grad (cuDNN's backward filter): -> (O, C/groups, kh, kw)."""
    if not conv_wanted(x) or g.size == 0 or _out_hw(x.shape[2:], ksize, stride, pads, dilation) != g.shape[2:]:
        return None
    from .conv import pad_array
    cx = library()[1]
    sym, extra = _split(pads)
    x = pad_array(x, extra)
    gw = _device._cupy.empty((g.shape[1], x.shape[1] // groups) + tuple(ksize), x.dtype)
    stride, dilation, groups, kw = _conv_args(stride, dilation, groups, True)
    cx.convolution_backward_filter(x, g, gw, _ints(sym), stride, dilation, groups, **kw)
    return gw


# ---------------------------------------------------------------- pooling
def _pool_wanted(x, win):
    """cuDNN pools undilated windows with the same padding on both sides, and as many as fit (floor): not
    ceil_mode's extra windows. win.pads[d][0] is the padding asked for."""
    return (wanted(x) and tuple(win.dilation) == (1, 1)
            and all(o == (n + 2 * lo - k) // s + 1
                    for o, n, (lo, _), k, s in zip(win.out_hw, win.in_hw, win.pads, win.ksize, win.stride)))


def _planes(a):
    """(..., H, W) as (P, 1, H, W): cuDNN's 2-D pooling wants 4-D arrays, and pools each plane alone."""
    return a.reshape((-1, 1) + a.shape[-2:])


def _pool_args(win):
    return _ints(win.ksize), _ints(win.stride), tuple(int(lo) for lo, _ in win.pads)


def max_pool(x, win):
    """The window maxima of pooling.max_windows (without the winners' index, which cuDNN does not give)."""
    if not _pool_wanted(x, win):
        return None
    lib, cx = library()
    xp = _device._cupy
    x4 = _planes(x)
    args = _pool_args(win)
    y = xp.empty(x4.shape[:2] + tuple(win.out_hw), x.dtype)
    cx.pooling_forward(x4, y, *args, lib.CUDNN_POOLING_MAX)
    nan = xp.empty_like(y)
    cx.pooling_forward(xp.isnan(x4).astype(x.dtype), nan, *args, lib.CUDNN_POOLING_MAX)
    xp.copyto(y, x.dtype.type(np.nan), where=nan > 0)
    return y.reshape(x.shape[:-2] + tuple(win.out_hw))


def _avg_mode(lib, include_pad):
    return (lib.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING if include_pad
            else lib.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING)


def avg_pool(x, win, include_pad):
    """pooling.AvgPool2d's forward. include_pad: count_include_pad, None with a divisor_override (no cuDNN).
    Without ceil_mode's extra padding no window passes the padded input's end, so PyTorch's divisors are
    cuDNN's: the whole window, or its part inside the input."""
    if include_pad is None or not _pool_wanted(x, win):
        return None
    lib, cx = library()
    x4 = _planes(x)
    y = _device._cupy.empty(x4.shape[:2] + tuple(win.out_hw), x.dtype)
    cx.pooling_forward(x4, y, *_pool_args(win), _avg_mode(lib, include_pad))
    return y.reshape(x.shape[:-2] + tuple(win.out_hw))


def avg_pool_adjoint(g, win, include_pad):
    """pooling.AvgPoolAdjoint's forward (cuDNN's pooling backward): average pooling's gradient reads neither
    its input nor its output, so a zero input of the right shape stands in for the input."""
    if include_pad is None or not _pool_wanted(g, win):
        return None
    lib, cx = library()
    g4 = _planes(g)
    x4 = _device._cupy.zeros(g4.shape[:2] + tuple(win.in_hw), g.dtype)
    gx = cx.pooling_backward(x4, g4, g4, *_pool_args(win), _avg_mode(lib, include_pad))
    return gx.reshape(g.shape[:-2] + tuple(win.in_hw))


# ---------------------------------------------------------------- batch normalization
def _bn_wanted(x, eps):
    return wanted(x) and x.ndim >= 2 and eps >= getattr(library()[0], 'CUDNN_BN_MIN_EPSILON', 1e-5)


def _bn_params(x, w, b):
    """(N, C, L, 1) view of x (BatchNorm1d's inputs too: cuDNN's spatial mode takes 4-D arrays), the parameters'
    dtype (float32 for float16 data, as cuDNN derives it) and weight and bias in it."""
    xp = _device._cupy
    n, c = x.shape[:2]
    pdt = np.dtype(np.float32) if x.dtype == np.float16 else x.dtype
    gamma = xp.ones(c, pdt) if w is None else w.astype(pdt, copy=False)
    beta = xp.zeros(c, pdt) if b is None else b.astype(pdt, copy=False)
    return x.reshape(n, c, -1, 1), pdt, gamma, beta


def batch_norm(x, w, b, training, eps, running):
    """normalization.BatchNorm's forward: (y, mean, invstd, biased batch variance or None)."""
    if not _bn_wanted(x, eps):
        return None
    lib, cx = library()
    xp = _device._cupy
    x4, pdt, gamma, beta = _bn_params(x, w, b)
    mode = lib.CUDNN_BATCHNORM_SPATIAL
    if training:
        # scratch running statistics with a factor of 1 (decay 0): cuDNN leaves the batch's mean and unbiased
        # variance in them; the caller updates the module's buffers as the NumPy path does (float64, momentum)
        c = x.shape[1]
        rm, rv = xp.zeros(c, pdt), xp.zeros(c, pdt)
        y, mean, invstd = cx.batch_normalization_forward_training(x4, gamma, beta, rm, rv, None, None, float(eps),
                                                                  0.0, True, mode, False)
        count = x.size // c
        var = rv * ((count - 1) / count)
    else:
        rm, rv = running
        y = cx.batch_normalization_forward_inference(x4, gamma, beta, rm.astype(pdt, copy=False),
                                                     rv.astype(pdt, copy=False), float(eps), True, mode)
        mean, invstd, var = rm, 1 / xp.sqrt(rv + eps), None
    return y.reshape(x.shape), mean.astype(x.dtype, copy=False), invstd.astype(x.dtype, copy=False), var


def batch_norm_backward(x, w, g, mean, invstd, eps):
    """Training-mode batch_norm's first-order gradients (x, weight, bias) by cuDNN's fused backward."""
    if not _bn_wanted(g, eps):
        return None
    lib, cx = library()
    x4, pdt, gamma, _ = _bn_params(x, w, None)
    n, c = x.shape[:2]
    gx, gw, gb = cx.batch_normalization_backward(x4, gamma, g.reshape(n, c, -1, 1), mean.astype(pdt, copy=False),
                                                 invstd.astype(pdt, copy=False), float(eps), True,
                                                 lib.CUDNN_BATCHNORM_SPATIAL, False)
    return gx.reshape(x.shape), gw.astype(x.dtype, copy=False), gb.astype(x.dtype, copy=False)
