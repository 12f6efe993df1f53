"""A stand-in for CuPy's cuDNN bindings (cupyx.cudnn and cupy.cuda.cudnn, CuPy 13) over fakecupy's arrays.

Each function has the real one's signature (keyword-only arguments included) and its documented semantics,
computed by a direct NumPy reference written here (loops over kernel taps, einsum), not by framework's
kernels; it raises where the real one would fail - a non-device array, a dtype cuDNN lacks, a list where a
tuple is typed, an output array that is not C-contiguous or has the wrong shape for the geometry (cuDNN's
CUDNN_STATUS_BAD_PARAM), parameters in a dtype other than the one cuDNN derives - and records every call
in `calls` as (name, details), so tests can assert what framework asked cuDNN for.

Like cupyx's descriptors, max pooling does not propagate NaN (CUDNN_NOT_PROPAGATE_NAN).
"""
import types

import numpy as np

from . import fakecupy

calls = []

# cupy.cuda.cudnn: the constants framework reads, and the version
lib = types.SimpleNamespace(
    CUDNN_POOLING_MAX=0, CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING=1,
    CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING=2, CUDNN_POOLING_MAX_DETERMINISTIC=3,
    CUDNN_BATCHNORM_PER_ACTIVATION=0, CUDNN_BATCHNORM_SPATIAL=1, CUDNN_BATCHNORM_SPATIAL_PERSISTENT=2,
    CUDNN_BN_MIN_EPSILON=1e-5, CUDNN_TENSOR_NCHW=0,
    getVersion=lambda: 8907,
)


class BadParam(RuntimeError):
    """cuDNN's CUDNN_STATUS_BAD_PARAM, as CuPy raises it (a CuDNNError)."""


def _h(a):
    return a.view(np.ndarray)


def _dev(a):
    return np.ascontiguousarray(a).view(fakecupy.ndarray)


def _arrays(*arrays):
    for a in arrays:
        if a is not None and not isinstance(a, fakecupy.ndarray):
            raise TypeError(f"Argument must be cupy.ndarray, not {type(a).__name__}")
        if a is not None and a.dtype.char not in 'efd':
            raise TypeError(f'Dtype {a.dtype} is not supported in cuDNN')


def _tuples(**kw):
    for name, t in kw.items():
        if type(t) is not tuple or len(t) != 2 or not all(type(v) is int for v in t):
            raise TypeError(f'{name} must be a tuple of 2 ints, got {t!r}')


def _out(a):
    if not a.flags.c_contiguous:
        raise ValueError('cupyx.cudnn supports c-contiguous arrays only')


def _conv_shape(x_shape, w_shape, pad, stride, dilation, groups):
    n, c, h, wd = x_shape
    o, cg, kh, kw = w_shape
    if c != cg * groups or o % groups:
        raise BadParam(f'CUDNN_STATUS_BAD_PARAM: channels {c}, filter {w_shape}, groups {groups}')
    ho = (h + 2 * pad[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd + 2 * pad[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    if ho < 1 or wo < 1:
        raise BadParam('CUDNN_STATUS_BAD_PARAM: empty output')
    return (n, o, ho, wo)


def _tap(a, i, j, stride, dilation, out_hw):
    """a's elements under kernel tap (i, j) of every output position: (N, C, Ho, Wo)."""
    (s0, s1), (d0, d1), (ho, wo) = stride, dilation, out_hw
    return (slice(None), slice(None), slice(i * d0, i * d0 + s0 * (ho - 1) + 1, s0),
            slice(j * d1, j * d1 + s1 * (wo - 1) + 1, s1))


def _pad(a, pad, value=0.0):
    return np.pad(a, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])), constant_values=value)


def _record(name, **details):
    calls.append((name, details))


def _check_equal_dtypes(*arrays):
    if len({a.dtype for a in arrays}) != 1:
        raise BadParam('CUDNN_STATUS_BAD_PARAM: mixed dtypes ' + ', '.join(str(a.dtype) for a in arrays))


# ---------------------------------------------------------------- convolution
def convolution_forward(x, W, b, y, pad, stride, dilation, groups, *, auto_tune, tensor_core, d_layout=0,
                        w_layout=0):
    _arrays(x, W, b, y)
    _tuples(pad=pad, stride=stride, dilation=dilation)
    _out(y)
    _check_equal_dtypes(x, W, y)
    if y.shape != _conv_shape(x.shape, W.shape, pad, stride, dilation, groups):
        raise BadParam(f'CUDNN_STATUS_BAD_PARAM: y {y.shape} for x {x.shape}, W {W.shape}')
    _record('convolution_forward', x=x.shape, W=W.shape, y=y.shape, pad=pad, stride=stride, dilation=dilation,
            groups=groups, auto_tune=auto_tune, tensor_core=tensor_core, dtype=x.dtype, bias=b is not None)
    xn, wn = _pad(_h(x), pad), _h(W)
    og, cg = W.shape[0] // groups, W.shape[1]
    out = np.zeros(y.shape, x.dtype)
    for g in range(groups):
        xs, os_ = xn[:, g * cg:(g + 1) * cg], slice(g * og, (g + 1) * og)
        for i in range(W.shape[2]):
            for j in range(W.shape[3]):
                out[:, os_] += np.einsum('nchw,oc->nohw', xs[_tap(xs, i, j, stride, dilation, y.shape[2:])],
                                         wn[os_, :, i, j])
    if b is not None:
        out += _h(b).reshape(1, -1, 1, 1)
    _h(y)[...] = out


def convolution_backward_data(W, x, b, y, pad, stride, dilation, groups, *, deterministic, auto_tune,
                              tensor_core, d_layout=0, w_layout=0):
    """y = the gradient of a convolution of a y-shaped input with W, given x, the gradient at its output."""
    _arrays(W, x, b, y)
    _tuples(pad=pad, stride=stride, dilation=dilation)
    _out(y)
    _check_equal_dtypes(W, x, y)
    if x.shape != _conv_shape(y.shape, W.shape, pad, stride, dilation, groups):
        raise BadParam(f'CUDNN_STATUS_BAD_PARAM: dy {x.shape} for dx {y.shape}, W {W.shape}')
    _record('convolution_backward_data', W=W.shape, dy=x.shape, dx=y.shape, pad=pad, stride=stride,
            dilation=dilation, groups=groups, deterministic=deterministic, auto_tune=auto_tune, dtype=x.dtype)
    gy, wn = _h(x), _h(W)
    og, cg = W.shape[0] // groups, W.shape[1]
    n, c, h, wd = y.shape
    gx = np.zeros((n, c, h + 2 * pad[0], wd + 2 * pad[1]), y.dtype)
    for g in range(groups):
        gs, os_ = gx[:, g * cg:(g + 1) * cg], slice(g * og, (g + 1) * og)
        for i in range(W.shape[2]):
            for j in range(W.shape[3]):
                gs[_tap(gs, i, j, stride, dilation, x.shape[2:])] += np.einsum('nohw,oc->nchw', gy[:, os_],
                                                                                wn[os_, :, i, j])
    gx = gx[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + wd]
    if b is not None:
        gx = gx + _h(b).reshape(1, -1, 1, 1)
    _h(y)[...] = gx


def convolution_backward_filter(x, gy, gW, pad, stride, dilation, groups, *, deterministic, auto_tune,
                                tensor_core, d_layout=0, w_layout=0):
    _arrays(x, gy, gW)
    _tuples(pad=pad, stride=stride, dilation=dilation)
    _out(gW)
    _check_equal_dtypes(x, gy, gW)
    if gy.shape != _conv_shape(x.shape, gW.shape, pad, stride, dilation, groups):
        raise BadParam(f'CUDNN_STATUS_BAD_PARAM: dy {gy.shape} for x {x.shape}, dW {gW.shape}')
    _record('convolution_backward_filter', x=x.shape, dy=gy.shape, dW=gW.shape, pad=pad, stride=stride,
            dilation=dilation, groups=groups, deterministic=deterministic, auto_tune=auto_tune, dtype=x.dtype)
    xn, g_ = _pad(_h(x), pad), _h(gy)
    og, cg = gW.shape[0] // groups, gW.shape[1]
    out = np.zeros(gW.shape, gW.dtype)
    for g in range(groups):
        xs, os_ = xn[:, g * cg:(g + 1) * cg], slice(g * og, (g + 1) * og)
        for i in range(gW.shape[2]):
            for j in range(gW.shape[3]):
                out[os_, :, i, j] = np.einsum('nohw,nchw->oc', g_[:, os_],
                                              xs[_tap(xs, i, j, stride, dilation, gy.shape[2:])])
    _h(gW)[...] = out


# ---------------------------------------------------------------- pooling
def _pool_shape(x, ksize, stride, pad):
    if x.ndim != 4:
        raise BadParam(f'CUDNN_STATUS_BAD_PARAM: a {x.ndim}-d tensor for 2-d pooling')
    n, c, h, w = x.shape
    return (n, c, (h + 2 * pad[0] - ksize[0]) // stride[0] + 1, (w + 2 * pad[1] - ksize[1]) // stride[1] + 1)


def _window_stack(a, ksize, stride, out_hw):
    return np.stack([a[_tap(a, i, j, stride, (1, 1), out_hw)] for i in range(ksize[0]) for j in range(ksize[1])])


def _avg_divisor(shape, ksize, stride, pad, mode):
    if mode == lib.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING:
        return ksize[0] * ksize[1]
    ones = _pad(np.ones((1, 1) + shape[2:]), pad)
    return _window_stack(ones, ksize, stride, _pool_shape(np.empty(shape), ksize, stride, pad)[2:]).sum(0)


def pooling_forward(x, y, ksize, stride, pad, mode):
    _arrays(x, y)
    _tuples(ksize=ksize, stride=stride, pad=pad)
    _out(y)
    _check_equal_dtypes(x, y)
    if y.shape != _pool_shape(x, ksize, stride, pad):
        raise BadParam(f'CUDNN_STATUS_BAD_PARAM: y {y.shape} for x {x.shape}')
    _record('pooling_forward', x=x.shape, y=y.shape, ksize=ksize, stride=stride, pad=pad, mode=mode, dtype=x.dtype)
    if mode == lib.CUDNN_POOLING_MAX:
        windows = _window_stack(_pad(_h(x), pad, -np.inf), ksize, stride, y.shape[2:])
        _h(y)[...] = np.fmax.reduce(windows, axis=0)            # NaN not propagated
    elif mode in (lib.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING, lib.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING):
        windows = _window_stack(_pad(_h(x), pad), ksize, stride, y.shape[2:])
        _h(y)[...] = windows.sum(0) / _avg_divisor(x.shape, ksize, stride, pad, mode)
    else:
        raise NotImplementedError(f'fake cuDNN pooling mode {mode}')
    return y


def pooling_backward(x, y, gy, ksize, stride, pad, mode):
    _arrays(x, y, gy)
    _tuples(ksize=ksize, stride=stride, pad=pad)
    _check_equal_dtypes(x, y, gy)
    if y.shape != _pool_shape(x, ksize, stride, pad) or gy.shape != y.shape:
        raise BadParam(f'CUDNN_STATUS_BAD_PARAM: y {y.shape}, dy {gy.shape} for x {x.shape}')
    if mode not in (lib.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING, lib.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING):
        raise NotImplementedError('the fake implements average pooling\'s backward only')
    _record('pooling_backward', x=x.shape, y=y.shape, ksize=ksize, stride=stride, pad=pad, mode=mode,
            dtype=x.dtype)
    n, c, h, w = x.shape
    gd = _h(gy) / _avg_divisor(x.shape, ksize, stride, pad, mode)
    gx = np.zeros((n, c, h + 2 * pad[0], w + 2 * pad[1]), x.dtype)
    for i in range(ksize[0]):
        for j in range(ksize[1]):
            gx[_tap(gx, i, j, stride, (1, 1), gy.shape[2:])] += gd
    return _dev(gx[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + w])


# ---------------------------------------------------------------- batch normalization
def _bn_setup(x, is_for_conv2d, cudnn_mode, eps):
    if not is_for_conv2d or x.ndim != 4 or cudnn_mode != lib.CUDNN_BATCHNORM_SPATIAL:
        raise NotImplementedError('the fake implements spatial batch norm of 4-d arrays only')
    if eps < lib.CUDNN_BN_MIN_EPSILON:
        raise BadParam(f'CUDNN_STATUS_BAD_PARAM: eps {eps} below CUDNN_BN_MIN_EPSILON')
    return np.dtype(np.float32) if x.dtype == np.float16 else x.dtype


def _as_param(pdt, gamma, *rest):
    """cupyx casts gamma, beta and the running statistics when gamma's dtype is not cuDNN's; when it is, the
    others are handed over as they are, and cuDNN would read any other dtype's memory as garbage."""
    if gamma.dtype != pdt:
        return [a.astype(pdt) for a in (gamma,) + rest]
    for a in rest:
        if a.dtype != pdt:
            raise TypeError(f'cuDNN reads {pdt} parameters; got {a.dtype} (garbage on a real device)')
    return [gamma, *rest]


def _axes_view(a):
    return _h(a).reshape(1, -1, 1, 1)


def batch_normalization_forward_training(x, gamma, beta, running_mean, running_var, mean, inv_std, eps, decay,
                                         is_for_conv2d, cudnn_mode, debug, d_layout=0):
    _arrays(x, gamma, beta, running_mean, running_var)
    pdt = _bn_setup(x, is_for_conv2d, cudnn_mode, eps)
    gamma, beta, rm, rv = _as_param(pdt, gamma, beta, running_mean, running_var)
    _record('batch_normalization_forward_training', x=x.shape, eps=eps, decay=decay, mode=cudnn_mode,
            dtype=x.dtype)
    xn = _h(x).astype(pdt)
    m = xn.mean((0, 2, 3))
    var = ((xn - m.reshape(1, -1, 1, 1)) ** 2).mean((0, 2, 3))
    count = x.size // x.shape[1]
    istd = 1 / np.sqrt(var + eps)
    y = (xn - m.reshape(1, -1, 1, 1)) * (istd * _h(gamma)).reshape(1, -1, 1, 1) + _axes_view(beta)
    factor = 1.0 - decay
    _h(rm)[...] = (1 - factor) * _h(rm) + factor * m
    _h(rv)[...] = (1 - factor) * _h(rv) + factor * var * count / (count - 1)
    if rm is not running_mean:
        _h(running_mean)[...] = _h(rm)
        _h(running_var)[...] = _h(rv)
    y = _dev(y.astype(x.dtype))
    return (y, _dev(m.astype(pdt)), _dev(istd.astype(pdt))) if mean is None else y


def batch_normalization_forward_inference(x, gamma, beta, mean, var, eps, is_for_conv2d, cudnn_mode, d_layout=0):
    _arrays(x, gamma, beta, mean, var)
    pdt = _bn_setup(x, is_for_conv2d, cudnn_mode, eps)
    gamma, beta, mean, var = _as_param(pdt, gamma, beta, mean, var)
    _record('batch_normalization_forward_inference', x=x.shape, eps=eps, mode=cudnn_mode, dtype=x.dtype)
    y = (_h(x) - _axes_view(mean)) * (_h(gamma) / np.sqrt(_h(var) + eps)).reshape(1, -1, 1, 1) + _axes_view(beta)
    return _dev(y.astype(x.dtype))


def batch_normalization_backward(x, gamma, gy, mean, inv_std, eps, is_for_conv2d, cudnn_mode, debug, d_layout=0,
                                 *, reserve_space=None):
    _arrays(x, gamma, gy, mean, inv_std)
    pdt = _bn_setup(x, is_for_conv2d, cudnn_mode, eps)
    if mean.dtype != pdt or inv_std.dtype != pdt:        # cupyx hands these over uncast
        raise TypeError(f'cuDNN reads {pdt} saved statistics; got {mean.dtype}, {inv_std.dtype}')
    need_cast = gamma.dtype != pdt
    gam = _h(gamma).astype(pdt)
    _check_equal_dtypes(x, gy)
    _record('batch_normalization_backward', x=x.shape, eps=eps, mode=cudnn_mode, dtype=x.dtype)
    xn, g = _h(x).astype(pdt), _h(gy).astype(pdt)
    count = x.size // x.shape[1]
    xhat = (xn - _axes_view(mean)) * _axes_view(inv_std)
    gbeta = g.sum((0, 2, 3))
    ggamma = (g * xhat).sum((0, 2, 3))
    gx = (g - (gbeta / count).reshape(1, -1, 1, 1) - xhat * (ggamma / count).reshape(1, -1, 1, 1)) * \
        (gam * _h(inv_std)).reshape(1, -1, 1, 1)
    out_dt = gamma.dtype if need_cast else pdt
    return _dev(gx.astype(x.dtype)), _dev(ggamma.astype(out_dt)), _dev(gbeta.astype(out_dt))
