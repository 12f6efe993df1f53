"""Specs of the ops that landed after the fuzzer (issues 13 and 15): convolution, pooling, normalization,
padding, embedding, resampling, the newer activations, losses and distances, sorting and selection,
einsum, matrix products and determinants, and the newer pointwise and scatter ops.

Imported at the end of specs.py, so these specs follow the older ones in SPECS (trial numbers of the
older specs' seeds change, as they do whenever a spec joins). Shapes are kept small: a conv trial is
cheap, and the CI run stays under its time budget.
"""
import numpy as np

from .specs import Arr, D, _index_arr, g_act, g_pointwise_loss  # noqa: F401
from .specs import spec as _spec


# ops without open wrong values, dtypes/shapes or crashes (20,000 trials of these specs, seed 11, and at most
# 1% class or raise/no-raise differences): 'core', which the CI run asserts clean
CORE = {
    'adaptive_max_pool2d', 'addbmm', 'addmm', 'addmv', 'argsort', 'baddbmm', 'bucketize', 'celu',
    'cosine_embedding_loss', 'cosine_similarity', 'det', 'diag', 'diag_embed', 'diagonal', 'dropout2d', 'embedding',
    'gaussian_nll_loss', 'ger', 'hardshrink', 'hardswish', 'inverse', 'kron', 'kthvalue', 'logcumsumexp', 'logdet',
    'margin_ranking_loss', 'median', 'mish', 'mode', 'msort', 'nan_to_num', 'outer', 'pairwise_distance',
    'pixel_shuffle', 'pixel_unshuffle', 'rms_norm', 'roll', 'searchsorted', 'selu', 'slogdet', 'softshrink',
    'softsign', 'tanhshrink', 'threshold', 'topk', 'unfold',
}


def spec(name, gen, forms=('fn', 'method'), area=None, **kw):
    """The other specs' findings are counted apart ('new' area) until their open differences, listed in
    docs/FUZZING.md, are closed; then they join CORE."""
    return _spec(name, gen, forms, area=area or ('core' if name in CORE else 'new'), **kw)


def _fdt(g, p_other=0.06):
    """float32 mostly, float64 often, an int/bool dtype sometimes (invalid for most of these ops)."""
    if g.p(p_other):
        return g.dtype('ib')
    return 'float32' if g.p(0.65) else 'float64'


def _tup(g, nd, vals):
    return g.choice(vals) if g.p(0.5) else tuple(g.choice(vals) for _ in range(nd))


# ---------------------------------------------------------------- convolution
def g_conv(nd, transpose=False):
    def gen(g):
        groups = g.choice([1, 1, 1, 2])
        cin, cout = groups * g.int(1, 2), groups * g.int(1, 2)
        batched = g.p(0.85)
        spatial = tuple(0 if g.p(0.03) else g.int(1, 5) for _ in range(nd))
        k = tuple(g.int(1, 3) for _ in range(nd))
        xs = ((g.int(0 if g.p(0.1) else 1, 2),) if batched else ()) + (cin,) + spatial
        ws = ((cin, cout // groups) if transpose else (cout, cin // groups)) + k
        if g.p(0.05):
            ws = (ws[0], ws[1] + 1) + ws[2:]                       # channel mismatch
        if g.p(0.03):
            xs = xs[1:]                                             # wrong rank
        dt = _fdt(g)
        x = g.t(xs, dt)
        w = g.t(ws, dt if g.p(0.95) else _fdt(g, 0.0))
        kw = {}
        if g.p(0.5):
            kw['bias'] = g.t((cout + (1 if g.p(0.05) else 0),), dt) if g.p(0.9) else None
        if g.p(0.5):
            kw['stride'] = _tup(g, nd, [1, 1, 2, 3]) if g.p(0.95) else 0
        if g.p(0.5):
            pads = [0, 1, 2] + ([] if transpose else ['same', 'valid'])
            kw['padding'] = _tup(g, nd, pads) if g.p(0.95) else -1
        if g.p(0.4):
            kw['dilation'] = _tup(g, nd, [1, 2]) if g.p(0.95) else 0
        if transpose and g.p(0.3):
            kw['output_padding'] = _tup(g, nd, [0, 1])
        if groups > 1 or g.p(0.05):
            kw['groups'] = groups if g.p(0.95) else 3
        if kw.get('padding') == 'same' and kw.get('stride', 1) not in (1, (1,) * nd):
            kw['stride'] = 1 if g.p(0.9) else kw['stride']              # mostly valid: 'same' needs stride 1
        return [x, w], kw
    return gen


spec('conv1d', g_conv(1), ('F',))
spec('conv2d', g_conv(2), ('F',))
spec('conv_transpose1d', g_conv(1, True), ('F',))
spec('conv_transpose2d', g_conv(2, True), ('F',))


# ---------------------------------------------------------------- pooling
def _pool_input(g, nd, kinds=None):
    batched = g.p(0.8)
    s = ((g.int(1, 2),) if batched else ()) + (g.int(1, 2),) + tuple(0 if g.p(0.03) else g.int(1, 6)
                                                                       for _ in range(nd))
    if g.p(0.03):
        s = s[1:] if len(s) > nd else s + (2,)
    return g.t(s, _fdt(g), special=0.0 if kinds == 'nospecial' else 0.08)


def g_max_pool(nd):
    def gen(g):
        x = _pool_input(g, nd)
        k = _tup(g, nd, [1, 2, 3]) if g.p(0.97) else 0
        kw = g.kw(stride=lambda: _tup(g, nd, [1, 2, 3]) if g.p(0.97) else 0,
                  padding=lambda: _tup(g, nd, [0, 1]) if g.p(0.95) else 2,
                  dilation=lambda: _tup(g, nd, [1, 2]),
                  ceil_mode=lambda: g.p(0.5), return_indices=lambda: g.p(0.5))
        return [x, k], kw
    return gen


def g_avg_pool(nd):
    def gen(g):
        x = _pool_input(g, nd)
        k = _tup(g, nd, [1, 2, 3]) if g.p(0.97) else 0
        kw = g.kw(stride=lambda: _tup(g, nd, [1, 2, 3]) if g.p(0.97) else 0,
                  padding=lambda: _tup(g, nd, [0, 1]) if g.p(0.95) else 2,
                  ceil_mode=lambda: g.p(0.5), count_include_pad=lambda: g.p(0.5))
        if nd == 2 and g.p(0.15):
            kw['divisor_override'] = g.choice([1, 3, 0])
        return [x, k], kw
    return gen


def g_adaptive(nd, indices=False):
    def gen(g):
        x = _pool_input(g, nd)
        opts = [1, 2, 3, 5] + ([None] if nd == 2 else [])
        out = g.choice(opts[:4]) if g.p(0.4) else tuple(g.choice(opts) for _ in range(nd))
        if g.p(0.03):
            out = -1
        kw = g.kw(return_indices=lambda: g.p(0.5)) if indices else {}
        return [x, out], kw
    return gen


spec('max_pool1d', g_max_pool(1), ('F',))
spec('max_pool2d', g_max_pool(2), ('F',))
spec('avg_pool1d', g_avg_pool(1), ('F',))
spec('avg_pool2d', g_avg_pool(2), ('F',))
spec('adaptive_avg_pool1d', g_adaptive(1), ('F',))
spec('adaptive_avg_pool2d', g_adaptive(2), ('F',))
spec('adaptive_max_pool1d', g_adaptive(1, True), ('F',))
spec('adaptive_max_pool2d', g_adaptive(2, True), ('F',))


# ---------------------------------------------------------------- normalization
def _finite(x):
    """Infinities replaced: PyTorch's batch/layer/group norm of an infinite element gives nan (its variance is
    nan) where framework's gives +-inf or a different nan pattern; listed in docs/FUZZING.md."""
    if x.a.dtype.kind == 'f':
        x.a[np.isinf(x.a)] = 2.5
    return x


def g_batch_norm(g):
    c = g.int(1, 3)
    nd = g.choice([2, 2, 3, 4])
    shape = (g.int(1 if g.p(0.9) else 0, 3), c) + tuple(g.int(1, 3) for _ in range(nd - 2))
    dt = _fdt(g, 0.04)
    x = _finite(g.t(shape, dt))
    training = g.p(0.5)
    cc = c if g.p(0.95) else c + 1
    rm = Arr(g.values((cc,), 'float32' if dt not in ('float64',) else dt)) if g.p(0.85) or not training else None
    rv = Arr(np.abs(g.values((cc,), 'float32' if dt != 'float64' else dt, special=0.0)) + 0.5) \
        if rm is not None else None
    kw = {'training': training}
    if g.p(0.6):
        kw['weight'] = g.t((c,), dt if dt in ('float32', 'float64') else 'float32')
    if g.p(0.6):
        kw['bias'] = g.t((c,), dt if dt in ('float32', 'float64') else 'float32')
    kw.update(g.kw(momentum=lambda: g.choice([0.1, 0.5]), eps=lambda: g.choice([1e-5, 0.1])))
    return [x, rm, rv], kw


spec('batch_norm', g_batch_norm, ('F',))


def g_layer_norm(g):
    dt = _fdt(g, 0.04)
    x = _finite(g.t(g.shape(lo=1, hi=4), dt))
    k = g.int(1, x.a.ndim)
    ns = list(x.a.shape[-k:])
    if g.p(0.05):
        ns[0] += 1
    kw = {}
    fdt = dt if dt in ('float32', 'float64') else 'float32'
    if g.p(0.6):
        kw['weight'] = g.t(ns, fdt)
    if g.p(0.5):
        kw['bias'] = g.t(ns, fdt)
    kw.update(g.kw(eps=lambda: g.choice([1e-5, 0.1])))
    return [x, ns if g.p(0.5) else tuple(ns)], kw


spec('layer_norm', g_layer_norm, ('F',))


def g_rms_norm(g):
    (x, ns), kw = g_layer_norm(g)
    kw.pop('bias', None)
    if 'eps' in kw and g.p(0.3):
        kw['eps'] = None
    return [x, ns], kw


spec('rms_norm', g_rms_norm, ('F',))


def g_group_norm(g):
    groups = g.int(1, 3)
    c = groups * g.int(1, 2)
    shape = (g.int(1, 2), c) + tuple(g.int(1, 3) for _ in range(g.int(0, 2)))
    dt = _fdt(g, 0.04)
    x = _finite(g.t(shape, dt))
    ng = groups if g.p(0.93) else c + 1
    fdt = dt if dt in ('float32', 'float64') else 'float32'
    kw = {}
    if g.p(0.6):
        kw['weight'] = g.t((c,), fdt)
    if g.p(0.5):
        kw['bias'] = g.t((c,), fdt)
    kw.update(g.kw(eps=lambda: g.choice([1e-5, 0.1])))
    return [x, ng], kw


spec('group_norm', g_group_norm, ('F',))


# ---------------------------------------------------------------- padding, resampling, folding
def g_pad(g):
    mode = g.choice(['constant', 'constant', 'reflect', 'replicate', 'circular'] + (['bad'] if g.p(0.1) else []))
    if mode == 'constant':
        x = g.t(g.shape(hi=4))
        npad = 2 * g.int(0, min(x.a.ndim, 3)) + (1 if g.p(0.03) else 0)
        pad = tuple(g.int(-1, 2) for _ in range(npad))
        kw = {'value': g.choice([0.0, 1.5, -2])} if g.p(0.4) else {}
        return [x, pad], dict(kw, mode=mode) if g.p(0.5) else kw
    nsp = g.int(1, 2)
    s = (g.int(1, 2),) * g.int(1, 2) + tuple(g.int(1, 4) for _ in range(nsp))
    x = g.t(s, _fdt(g, 0.04))
    pad = tuple(g.int(0, 3) if g.p(0.95) else -1 for _ in range(2 * g.int(1, nsp)))
    if mode == 'circular':
        # no negative sides: PyTorch 2.13 returns uninitialized memory when the other side wraps past the
        # cropped length (tests/ops/test_fuzz_regressions.py checks the valid cases)
        pad = tuple(max(p, 0) for p in pad)
    return [x, pad], {'mode': mode}


spec('pad', g_pad, ('F',))


def g_interpolate(g):
    nsp = g.choice([1, 2, 2, 3])
    mode = g.choice({1: ['nearest', 'linear', 'nearest-exact', 'area'],
                     2: ['nearest', 'bilinear', 'bicubic', 'nearest-exact', 'area'],
                     3: ['nearest', 'trilinear', 'area']}[nsp] + (['bilinear'] if g.p(0.05) else []))
    x = g.t((g.int(1, 2), g.int(1, 2)) + tuple(g.int(1, 4) for _ in range(nsp)), _fdt(g, 0.03))
    kw = {'mode': mode} if mode != 'nearest' or g.p(0.5) else {}
    if g.p(0.5):
        kw['size'] = g.int(1, 6) if g.p(0.4) else tuple(g.int(1, 6) for _ in range(nsp))
    else:
        kw['scale_factor'] = g.choice([2, 0.5, 1.5, 3.0, 1.0]) if g.p(0.5) else tuple(
            g.choice([2.0, 0.5, 1.7]) for _ in range(nsp))
        if g.p(0.3):
            kw['recompute_scale_factor'] = g.p(0.5)
    if g.p(0.04):
        kw['size'] = 3                                    # size and scale_factor both, or neither
        kw.pop('scale_factor', None) if g.p(0.5) else kw.setdefault('scale_factor', 2.0)
    if mode in ('linear', 'bilinear', 'bicubic', 'trilinear') and g.p(0.5):
        kw['align_corners'] = g.p(0.5)
    return [x], kw


spec('interpolate', g_interpolate, ('F',))
spec('upsample', g_interpolate, ('F',))


def g_unfold(g):
    x = g.t((g.int(1, 2), g.int(1, 2), g.int(1, 5), g.int(1, 5))[0 if g.p(0.8) else 1:], _fdt(g, 0.03))
    return [x, _tup(g, 2, [1, 2, 3])], g.kw(dilation=lambda: _tup(g, 2, [1, 2]), padding=lambda: _tup(g, 2, [0, 1]),
                                             stride=lambda: _tup(g, 2, [1, 2]))


spec('unfold', g_unfold, ('F',))


def g_fold(g):
    k = (g.int(1, 2), g.int(1, 2))
    out = (g.int(2, 4), g.int(2, 4))
    stride = _tup(g, 2, [1, 2]) if g.p(0.5) else 1
    st = (stride, stride) if isinstance(stride, int) else stride
    blocks = int(np.prod([(o - kk) // s + 1 for o, kk, s in zip(out, k, st)]))
    c = g.int(1, 2)
    L = blocks if g.p(0.93) else blocks + 1
    s = ((g.int(1, 2),) if g.p(0.8) else ()) + (c * k[0] * k[1], L)
    kw = {'stride': stride} if stride != 1 or g.p(0.3) else {}
    return [g.t(s, _fdt(g, 0.03)), out, k], kw


spec('fold', g_fold, ('F',))


def g_pixel_shuffle(g):
    r = g.int(1, 2)
    c = g.int(1, 2) * r * r
    x = g.t(((g.int(1, 2),) if g.p(0.6) else ()) + (c + (1 if g.p(0.05) else 0), g.int(1, 3), g.int(1, 3)))
    return [x, r if g.p(0.97) else 0], {}


def g_pixel_unshuffle(g):
    r = g.int(1, 2)
    x = g.t(((g.int(1, 2),) if g.p(0.6) else ()) + (g.int(1, 2), r * g.int(1, 2), r * g.int(1, 2)
                                                    + (1 if g.p(0.05) else 0)))
    return [x, r if g.p(0.97) else 0], {}


spec('pixel_shuffle', g_pixel_shuffle, ('F',))
spec('pixel_unshuffle', g_pixel_unshuffle, ('F',))


# ---------------------------------------------------------------- embedding
def g_embedding(g):
    n, d = g.int(1, 5), g.int(1, 3)
    w = g.t((n, d), 'float32' if g.p(0.7) else 'float64')
    idx = _index_arr(g, n, g.shape(hi=3), 0.04)
    if g.p(0.05):
        idx = Arr(idx.a.astype('int32' if g.p(0.5) else 'float32'))
    return [idx, w], g.kw(padding_idx=lambda: g.choice([0, -1, n - 1, n + 2]),
                          scale_grad_by_freq=lambda: g.p(0.5))


spec('embedding', g_embedding, ('F',))


def g_embedding_bag(g):
    # valid indices and offsets only: PyTorch 2.13's embedding_bag crashes the process (segmentation fault)
    # on some invalid ones (out-of-range or negative indices, offsets past the input), so none are drawn
    n, d = g.int(1, 5), g.int(1, 3)
    w = g.t((n, d), 'float32' if g.p(0.7) else 'float64')
    mode = g.choice(['mean', 'sum', 'max'])
    kw = {'mode': mode} if g.p(0.8) else {}
    if g.p(0.5):
        idx = Arr(g.r.integers(0, n, (g.int(1, 3), g.int(1, 3))).astype(np.int64))
    else:
        L = g.int(0, 6)
        idx = Arr(g.r.integers(0, n, L).astype(np.int64))
        cuts = sorted(int(v) for v in g.r.integers(0, L + 1, g.int(1, 3)))
        cuts[0] = 0
        if g.p(0.3):
            kw['include_last_offset'] = True          # its last offset is the input's length
            cuts.append(L)
        kw['offsets'] = Arr(np.array(cuts, np.int64))
    if mode == 'sum' and g.p(0.3):
        kw['per_sample_weights'] = g.t(idx.a.shape, w.a.dtype.name)
    if g.p(0.2):
        kw['padding_idx'] = g.choice([0, n - 1])
    return [idx, w], kw


spec('embedding_bag', g_embedding_bag, ('F',))


# ---------------------------------------------------------------- activations
# celu and selu run on PyTorch's elu kernel: no nan inputs, as for elu (gradient at nan unspecified, specs.py)
spec('celu', g_act(_special=0.0, alpha=[1.0, 0.5, 2.0, 0.0]), ('F',))
spec('selu', g_act(_special=0.0), ('F',))
spec('mish', g_act(), ('F',))
spec('softsign', g_act(), ('F',))
spec('tanhshrink', g_act(), ('F',))
spec('hardsigmoid', g_act(_special=0.0), ('F',))
spec('hardswish', g_act(_special=0.0), ('F',))
# PyTorch's hardshrink/softshrink gradient at nan is 1 for a short tensor and 0 from the vectorized kernel
# (40 elements): unspecified, so no nan inputs (the forward's nan is tested in tests/ops/test_fuzz_regressions.py)
spec('hardshrink', g_act(_special=0.0, lambd=[0.5, 1.0, 0.0]), ('F',))
spec('softshrink', g_act(_special=0.0, lambd=[0.5, 1.0, 0.0, -1.0]), ('F',))
spec('threshold', lambda g: ([g.t(kinds='f' if g.p(0.85) else 'fib'), g.choice([0.5, 0.0, -1.0]),
                              g.choice([0.0, 2.0, -3.5])], {}), ('F',))


def g_glu(g):
    x = g.t(tuple(2 * g.int(1, 2) if g.p(0.85) else g.int(1, 3) for _ in range(g.int(0, 3))), _fdt(g, 0.04))
    return [x], g.kw(dim=lambda: g.dim(x.a.ndim))


spec('glu', g_glu, ('F',))


def g_prelu(g):
    # no nan: PyTorch's weight gradient at nan is nan for a short tensor and 0 from its vectorized kernel
    x = g.t(g.shape(hi=4), _fdt(g, 0.04), special=0.0 if g.p(0.7) else 0.08)
    if x.a.dtype.kind == 'f':
        x.a[np.isnan(x.a)] = 1.5
    c = x.a.shape[1] if x.a.ndim >= 2 else 1
    w = g.t((c if g.p(0.5) else 1,) if g.p(0.95) else (c + 1,), x.a.dtype.name if x.a.dtype.kind == 'f'
            else 'float32')
    return [x, w], {}


spec('prelu', g_prelu, ('F',))
spec('dropout2d', lambda g: ([g.t(g.shape(lo=2, hi=4), 'float32')], {'p': g.choice([0.0, 0.5, 1.0, 1.5]),
                                                                   'training': g.p(0.3)}), ('F',), values=False)


# ---------------------------------------------------------------- losses and distances
def _red(g):
    return g.kw(reduction=lambda: g.choice(['mean', 'sum', 'none', 'bad']))


def _sign_target(g, shape, dt):
    return Arr(np.where(g.r.random(int(np.prod(shape, dtype=np.int64))) < 0.5, -1, 1).reshape(shape).astype(dt))


# no infinities: PyTorch's gradient of log(1 + exp(-y x)) at x = -y inf is inf/inf = nan, framework's
# (a stable sigmoid) the limit, 1 (docs/FUZZING.md)
def g_soft_margin(g):
    x = g.t(kinds='f', special=0.0)
    return [x, _sign_target(g, x.a.shape if g.p(0.95) else (7,), x.a.dtype.name)], _red(g)


spec('soft_margin_loss', g_soft_margin, ('F',))
spec('hinge_embedding_loss', lambda g: (lambda x: ([x, _sign_target(g, x.a.shape, x.a.dtype.name)], dict(
    _red(g), **g.kw(margin=lambda: g.choice([1.0, 0.5, 0.0])))))(g.t(kinds='f')), ('F',))
spec('kl_div', g_pointwise_loss('prob', extra=lambda g, x: dict(
    g.kw(log_target=lambda: g.p(0.5)), **({'reduction': 'batchmean'} if g.p(0.15) else {}))), ('F',))
spec('poisson_nll_loss', g_pointwise_loss('pos', extra=lambda g, x: g.kw(
    log_input=lambda: g.p(0.5), full=lambda: g.p(0.5), eps=lambda: g.choice([1e-8, 0.1]))), ('F',))


def g_gaussian_nll(g):
    (x, y), kw = g_pointwise_loss()(g)
    vs = x.a.shape if g.p(0.6) else (x.a.shape[:-1] + (1,) if x.a.ndim else ())
    var = g.t(vs, x.a.dtype.name if x.a.dtype.kind == 'f' else 'float32', domain='pos', special=0.0)
    if g.p(0.05):
        var.a = -var.a
    kw.update(g.kw(full=lambda: g.p(0.5), eps=lambda: g.choice([1e-6, 0.1])))
    return [x, y, var], kw


spec('gaussian_nll_loss', g_gaussian_nll, ('F',))


def g_multilabel_soft_margin(g):
    x = g.t((g.int(0, 3), g.int(1, 4)) if g.p(0.9) else g.shape(hi=3), _fdt(g, 0.03))
    y = g.t(x.a.shape, x.a.dtype.name if x.a.dtype.kind == 'f' else 'float32', domain='prob', rg=False)
    kw = _red(g)
    if g.p(0.3) and x.a.ndim:
        kw['weight'] = g.t(x.a.shape[-1:], y.a.dtype.name, rg=False)
    return [x, y], kw


spec('multilabel_soft_margin_loss', g_multilabel_soft_margin, ('F',))


def g_margin_ranking(g):
    x1 = g.t(g.shape(hi=2), _fdt(g, 0.03))
    x2 = g.t(g.bshape(x1.a.shape), x1.a.dtype.name)
    y = _sign_target(g, x1.a.shape, x1.a.dtype.name if x1.a.dtype.kind == 'f' else 'float32')
    return [x1, x2, y], dict(_red(g), **g.kw(margin=lambda: g.choice([0.0, 0.5])))


spec('margin_ranking_loss', g_margin_ranking, ('F',))


def g_cosine_embedding(g):
    n, d = g.int(1, 3), g.int(1, 4)
    batched = g.p(0.85)
    s = (n, d) if batched else (d,)
    x1 = g.t(s, _fdt(g, 0.03))
    x2 = g.t(s if g.p(0.95) else (n + 1, d), x1.a.dtype.name)
    y = _sign_target(g, s[:1] if batched else (), 'int64' if g.p(0.5) else 'float32')
    return [x1, x2, y], dict(_red(g), **g.kw(margin=lambda: g.choice([0.0, 0.5, -0.2])))


spec('cosine_embedding_loss', g_cosine_embedding, ('F',))


def g_triplet(g):
    s = (g.int(1, 3), g.int(1, 4)) if g.p(0.85) else (g.int(1, 4),)
    dt = _fdt(g, 0.03)
    a, p, n = g.t(s, dt), g.t(s, dt), g.t(s if g.p(0.95) else s[::-1] + (2,), dt)
    return [a, p, n], dict(_red(g), **g.kw(margin=lambda: g.choice([1.0, 0.0, 2.0]), p=lambda: g.choice([2, 1, 3]),
                                          swap=lambda: g.p(0.5), eps=lambda: g.choice([1e-6, 0.1])))


spec('triplet_margin_loss', g_triplet, ('F',))


def g_cosine_similarity(g):
    x1 = g.t(g.shape(lo=1, hi=3), _fdt(g, 0.03))
    x2 = g.t(g.bshape(x1.a.shape), x1.a.dtype.name)
    return [x1, x2], g.kw(dim=lambda: g.dim(x1.a.ndim), eps=lambda: g.choice([1e-8, 0.5]))


spec('cosine_similarity', g_cosine_similarity, ('F',))


def g_pairwise_distance(g):
    x1 = g.t(g.shape(lo=1, hi=2), _fdt(g, 0.03))
    x2 = g.t(g.bshape(x1.a.shape), x1.a.dtype.name)
    return [x1, x2], g.kw(p=lambda: g.choice([2.0, 1.0, 3.0, float('inf')]), eps=lambda: g.choice([1e-6, 0.5]),
                          keepdim=lambda: g.p(0.5))


spec('pairwise_distance', g_pairwise_distance, ('F',))


def g_cdist(g):
    b = (g.int(1, 2),) if g.p(0.3) else ()
    d = g.int(1, 3)
    x1 = g.t(b + (g.int(0 if g.p(0.05) else 1, 3), d), _fdt(g, 0.03))
    x2 = g.t(b + (g.int(1, 3), d if g.p(0.95) else d + 1), x1.a.dtype.name)
    return [x1, x2], g.kw(p=lambda: g.choice([2.0, 1.0, 3.0, 0.0, float('inf')]))


spec('cdist', g_cdist, ('fn',))


# ---------------------------------------------------------------- sorting and selection
def _distinct(g, shape=None, kinds='fi'):
    """A tensor without ties: which of equal elements PyTorch returns the index of is unspecified."""
    shape = g.shape(hi=3) if shape is None else shape
    n = int(np.prod(shape, dtype=np.int64))
    dt = g.dtype(kinds)
    v = g.r.permutation(n).astype(np.float64) - n // 2
    if dt in ('float32', 'float64'):
        v = v * 0.75 + 0.1
    return Arr(v.astype(dt).reshape(shape), dt in ('float32', 'float64') and g.p(0.5))


def g_sort(g):
    x = g.t() if g.p(0.4) else _distinct(g)
    kw = g.kw(dim=lambda: g.dim(x.a.ndim), descending=lambda: g.p(0.5))
    kw['stable'] = True          # ties: indices are specified only for a stable sort
    return [x], kw


spec('sort', g_sort)
spec('argsort', g_sort)
spec('msort', lambda g: ([_distinct(g)], {}))


def g_topk(g):
    x = _distinct(g)
    d = g.dim(x.a.ndim)
    n = x.a.shape[d] if -x.a.ndim <= d < x.a.ndim else 1
    n = n if x.a.ndim else 1
    k = g.int(0, n) if g.p(0.93) else n + 1
    kw = g.kw(dim=lambda: d, largest=lambda: g.p(0.5), sorted=lambda: True)
    return [x, k], kw


spec('topk', g_topk)


def g_kthvalue(g):
    x = _distinct(g)
    d = g.dim(x.a.ndim)
    n = x.a.shape[d] if -x.a.ndim <= d < x.a.ndim else 1
    n = n if x.a.ndim else 1
    k = g.int(1, max(n, 1)) if g.p(0.93) else g.choice([0, n + 1])
    return [x, k], dict(g.kw(keepdim=lambda: g.p(0.5)), dim=d)


spec('kthvalue', g_kthvalue)


def g_median(g):
    x = _distinct(g)
    if g.p(0.4):
        return [x], {}
    return [x], dict(g.kw(keepdim=lambda: g.p(0.5)), dim=g.dim(x.a.ndim))


spec('median', g_median)


def g_mode(g):
    x = g.t(kinds='i') if g.p(0.5) else _distinct(g)
    return [x], g.kw(dim=lambda: g.dim(x.a.ndim), keepdim=lambda: g.p(0.5))


spec('mode', g_mode)


def g_unique(g):
    x = g.t(kinds='ib' if g.p(0.6) else 'fib', rg=False)
    kw = g.kw(return_inverse=lambda: g.p(0.5), return_counts=lambda: g.p(0.5))
    if g.p(0.3):
        kw['dim'] = g.dim(x.a.ndim)
    return [x], kw


spec('unique', g_unique, grad=False)


def g_cumext(g):
    x = g.t()
    return [x, g.dim(x.a.ndim)], {}


spec('cummax', g_cumext)
spec('cummin', g_cumext)


def g_searchsorted(g):
    dt = g.dtype('fi')
    b = g.shape(nd=g.int(0, 1))
    seq = np.sort(g.values(b + (g.int(0 if g.p(0.05) else 1, 5),), dt, special=0.0), axis=-1)
    vshape = b + (g.int(0, 3),) if g.p(0.8) else ()
    vals = g.t(vshape if b or g.p(0.5) else g.shape(hi=2), dt if g.p(0.9) else None, rg=False)
    kw = g.kw(right=lambda: g.p(0.5), out_int32=lambda: g.p(0.3))
    if g.p(0.2):
        kw['side'] = g.choice(['left', 'right'])
    return [Arr(seq), vals], kw


spec('searchsorted', g_searchsorted, ('fn',), grad=False)


def g_bucketize(g):
    dt = g.dtype('fi')
    bounds = np.sort(g.values((g.int(0, 5),), dt, special=0.0))
    return [g.t(g.shape(hi=3), dt if g.p(0.9) else None, rg=False), Arr(bounds)], g.kw(
        right=lambda: g.p(0.5), out_int32=lambda: g.p(0.3))


spec('bucketize', g_bucketize, ('fn',), grad=False)


# ---------------------------------------------------------------- einsum
_EINSUM = [
    ('ij,jk->ik', ['ij', 'jk']), ('ij->ji', ['ij']), ('ii->i', ['ii']), ('ii', ['ii']), ('ij->', ['ij']),
    ('i,i->', ['i', 'i']), ('i,j->ij', ['i', 'j']), ('bij,bjk->bik', ['bij', 'bjk']), ('...ij->...ji', ['bij']),
    ('ij,ij->ij', ['ij', 'ij']), ('ijk->kj', ['ijk']), ('i,i', ['i', 'i']), ('ij,kj', ['ij', 'kj']),
    ('...j,j->...', ['bij', 'j']), ('ijk,ikl->ijl', ['ijk', 'ikl']),
]


def g_einsum(g):
    eq, subs = g.choice(_EINSUM)
    sizes = {c: g.int(0 if g.p(0.05) else 1, 3) for c in 'bijkl'}
    dt = _fdt(g, 0.05)
    ops = [g.t(tuple(sizes[c] for c in s), dt if g.p(0.95) else _fdt(g, 0.0)) for s in subs]
    if g.p(0.05):
        ops = ops[:-1] if len(ops) > 1 else ops + [g.t((2,), dt)]          # operand count mismatch
    if g.p(0.04):
        ops[0] = g.t(g.shape(hi=3), dt)                                      # subscript/rank mismatch
    if g.p(0.3):
        return [eq, ops], {}
    return [eq, *ops], {}


spec('einsum', g_einsum, ('fn',))


# ---------------------------------------------------------------- matrix ops
def g_diag(g):
    x = g.t(g.shape(nd=g.choice([1, 2, 2, 0, 3]), hi=3))
    return [x], g.kw(diagonal=lambda: g.int(-3, 3))


spec('diag', g_diag)


def g_diagonal(g):
    x = g.t(g.shape(lo=2 if g.p(0.95) else 0, hi=4))
    return [x], g.kw(offset=lambda: g.int(-2, 2), dim1=lambda: g.dim(x.a.ndim), dim2=lambda: g.dim(x.a.ndim))


spec('diagonal', g_diagonal)


def g_diag_embed(g):
    x = g.t(g.shape(lo=1 if g.p(0.95) else 0, hi=3))
    return [x], g.kw(offset=lambda: g.int(-2, 2), dim1=lambda: g.dim(x.a.ndim + 1), dim2=lambda: g.dim(x.a.ndim + 1))


spec('diag_embed', g_diag_embed)
spec('trace', lambda g: ([g.t(g.shape(nd=2 if g.p(0.93) else g.choice([0, 1, 3]), hi=3))], {}))


def g_vecpair(g):
    a = g.t(g.shape(nd=1 if g.p(0.93) else 2))
    return [a, g.t(g.shape(nd=1), a.a.dtype.name if g.p(0.85) else None)], {}


spec('outer', g_vecpair)
spec('ger', g_vecpair)


def g_cross(g):
    s = list(g.shape(lo=1, hi=3))
    d = g.int(0, len(s) - 1)
    s[d] = 3 if g.p(0.93) else 2
    a = g.t(tuple(s), _fdt(g, 0.1))
    b = g.t(g.bshape(tuple(s), 0.04), a.a.dtype.name if g.p(0.9) else None)
    return [a, b], ({'dim': d if g.p(0.9) else g.dim(len(s))} if g.p(0.7) else {})


spec('cross', g_cross)
spec('kron', lambda g: ([g.t(g.shape(hi=3)), g.t(g.shape(hi=3))], {}))


def _beta_alpha(g):
    return g.kw(beta=lambda: g.choice([1, 0.5, 0, 2]), alpha=lambda: g.choice([1, -1.5, 0, 2]))


def g_addmm(kind):
    def gen(g):
        n, k, m, b = g.int(0, 3), g.int(0, 3), g.int(0, 3), g.int(1, 2)
        dt = _fdt(g, 0.08)
        if kind == 'addmm':
            a1, a2, out = (n, k), (k, m), (n, m)
        elif kind == 'addmv':
            a1, a2, out = (n, k), (k,), (n,)
        elif kind == 'addr':
            a1, a2, out = (n,), (m,), (n, m)
        elif kind == 'baddbmm':
            a1, a2, out = (b, n, k), (b, k, m), (b, n, m)
        else:                                                  # addbmm
            a1, a2, out = (b, n, k), (b, k, m), (n, m)
        if g.p(0.05):
            a2 = tuple(v + 1 for v in a2)
        # an input that broadcasts, unless the product is empty: PyTorch then returns the input's shape
        # (a deprecated resize of its output, with a warning), e.g. addmv(tensor(1.), ones(0, 3), ones(3)) is 0-d
        empty = 0 in (n, k, m)
        inp = g.t(out if empty or g.p(0.6) else tuple(1 if g.p(0.5) else v for v in out)[g.int(0, len(out)):], dt)
        return [inp, g.t(a1, dt), g.t(a2, dt if g.p(0.95) else _fdt(g, 0.0))], _beta_alpha(g)
    return gen


for _n in ('addmm', 'addmv', 'addr', 'baddbmm', 'addbmm'):
    spec(_n, g_addmm(_n))


def g_square(g):
    n = g.int(0 if g.p(0.05) else 1, 3)
    s = g.shape(nd=g.int(0, 1)) + (n, n if g.p(0.95) else n + 1)
    # no nan/inf/zero specials: gradients of singular or non-finite matrices differ between LAPACK paths
    # (inf, -inf or nan by the factorization's pivoting), and the sign of a singular one too
    return [g.t(s, _fdt(g, 0.04), special=0.0)], {}


for _n in ('det', 'slogdet', 'inverse', 'logdet'):
    spec(_n, g_square)


# ---------------------------------------------------------------- pointwise and scatter ops
def g_lerp(g):
    x = g.t(kinds='f' if g.p(0.93) else 'fi')
    end = g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.9) else None)
    w = g.scalar('f') if g.p(0.5) else g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.9) else None)
    return [x, end, w], {}


spec('lerp', g_lerp)


def g_roll(g):
    x = g.t()
    if g.p(0.3):
        return [x, g.int(-3, 3)], {}
    dims = g.dims(x.a.ndim)
    shifts = tuple(g.int(-3, 3) for _ in dims) if g.p(0.95) else (1,)
    return [x, shifts if len(shifts) > 1 or g.p(0.5) else shifts[0], dims if len(dims) > 1 or g.p(0.5)
            else dims[0]], {}


spec('roll', g_roll)


def g_repeat_interleave(g):
    x = g.t(g.shape(hi=3))
    if g.p(0.5) or not x.a.ndim:
        kw = {'dim': g.dim(x.a.ndim)} if g.p(0.5) else {}
        return [x, g.int(0, 3) if g.p(0.95) else -1], kw
    d = g.dim(x.a.ndim)
    n = x.a.shape[d] if -x.a.ndim <= d < x.a.ndim else 1
    reps = Arr(g.r.integers(0, 3, n if g.p(0.93) else n + 1).astype(np.int64))
    return [x, reps], {'dim': d}


spec('repeat_interleave', g_repeat_interleave)
spec('nan_to_num', lambda g: ([g.t(special=0.3)], g.kw(nan=lambda: g.choice([0.0, 1.5]), posinf=lambda: g.choice(
    [None, 100.0]), neginf=lambda: g.choice([None, -7.0]))), ('fn', 'method', 'inplace'))
spec('logcumsumexp', lambda g: (lambda x: ([x, g.dim(x.a.ndim)], {}))(g.t(kinds='f' if g.p(0.93) else 'fi')))


def g_addc(g):
    x = g.t(kinds='f' if g.p(0.85) else 'fib')
    t1 = g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.9) else None)
    t2 = g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.9) else None)
    return [x, t1, t2], g.kw(value=lambda: g.choice([0.5, 2, -1]))


spec('addcmul', g_addc)
spec('addcdiv', g_addc)


def g_index_add(g):
    x = g.t(g.shape(lo=1, hi=3))
    d = g.dim(x.a.ndim)
    n = x.a.shape[d] if -x.a.ndim <= d < x.a.ndim else 1
    k = g.int(0, 4)
    idx = _index_arr(g, n, (k,), 0.04)
    src_shape = list(x.a.shape)
    if -x.a.ndim <= d < x.a.ndim:
        src_shape[d] = k
    src = g.t(tuple(src_shape), x.a.dtype.name if g.p(0.9) else None)
    return [x, d, idx, src], g.kw(alpha=lambda: g.choice([1, 2, -0.5]))


spec('index_add', g_index_add, ('fn', 'method', 'inplace'), area='indexing')


def g_scatter_reduce(g):
    x = g.t(g.shape(lo=1, hi=3))
    d = g.dim(x.a.ndim)
    n = x.a.shape[d] if -x.a.ndim <= d < x.a.ndim else 1
    s = tuple(g.int(0, v) for v in x.a.shape)
    idx = _index_arr(g, n, s, 0.04)
    src = g.t(tuple(v + (1 if g.p(0.3) else 0) for v in s), x.a.dtype.name if g.p(0.9) else None)
    return [x, d, idx, src, g.choice(['sum', 'prod', 'mean', 'amax', 'amin'] + (['bad'] if g.p(0.05) else []))], \
        g.kw(include_self=lambda: g.p(0.5))


spec('scatter_reduce', g_scatter_reduce, ('fn', 'method', 'inplace'), area='indexing')
