"""The cuDNN path of convolution, pooling and batch_norm (framework/ops/_cudnn.py).

On a machine with a GPU and CuPy's cuDNN bindings every test runs on real cuDNN and compares it with the
im2col path (framework.backends.cudnn.enabled = False) and with NumPy; elsewhere cuDNN is the fake of
fakecudnn.py on the fake device, and the tests also assert which cuDNN functions were called, with which
geometry and output shapes.
"""
import sys

import numpy as np
import pytest

import framework
import framework.nn.functional as FF
from framework import nn
from framework.autograd import grad, gradcheck, gradgradcheck
from framework.backends import cudnn as cudnn_flags
from framework.ops import _cudnn

from . import fakecudnn
from .test_conv_cuda import _run
from .test_op_table_cuda import _OnCuda
from ..ops.test_conv import ROWS, IDS, _inputs


@pytest.fixture(autouse=True)
def _flags(monkeypatch):
    """Each test starts from PyTorch's defaults and leaves them so."""
    for name, value in (('enabled', True), ('benchmark', False), ('deterministic', False), ('allow_tf32', True)):
        monkeypatch.setattr(cudnn_flags, name, value)


@pytest.fixture
def cudnn(cuda, monkeypatch):
    """cuDNN as the ops will find it: the real one with a GPU (skipped without its bindings), else the fake."""
    if not cuda.fake:
        if not cudnn_flags.is_available():
            pytest.skip('CuPy without cuDNN bindings (CuPy 14 removed them; CuPy 13 needs libcudnn)')
        yield None
        return
    monkeypatch.setitem(sys.modules, 'cupyx.cudnn', fakecudnn)
    monkeypatch.setitem(sys.modules, 'cupy.cuda.cudnn', fakecudnn.lib)
    monkeypatch.setattr(_cudnn, '_cache', [None, None])
    fakecudnn.calls.clear()
    yield fakecudnn


def _names(fake):
    return [name for name, _ in fake.calls] if fake else None


def _t(a, device, grad=True):
    return framework.tensor(a, device=device, requires_grad=grad)


def _host(t):
    return None if t is None else t.detach().cpu().numpy()


def _close(got, want, rtol=1e-10, atol=1e-12, msg=''):
    np.testing.assert_allclose(_host(got), _host(want) if hasattr(want, 'detach') else want, rtol=rtol, atol=atol,
                               err_msg=msg)


# ---------------------------------------------------------------- the whole conv/pool/norm table on cuDNN
@pytest.mark.parametrize('name,fn,shapes,domain', ROWS, ids=IDS)
def test_conv_table_on_cudnn_matches_cpu(cuda, cudnn, name, fn, shapes, domain):
    """Values, gradients and second-order gradients (create_graph) on the cuDNN path equal the CPU's, with no
    copy to the host on the way."""
    arrays = _inputs(shapes, domain, 2)
    expected = _run(framework, fn, arrays, 'cpu')
    before = cuda.transfers()
    got = _run(_OnCuda(), fn, arrays, 'cuda')
    if cuda.fake:
        assert cuda.transfers() == before, f'{name}: forward or backward copied to the host'
    for part, (e, g) in enumerate(zip(expected, got)):
        assert len(e) == len(g)
        for a, b in zip(e, g):
            assert (a is None) == (b is None), f'{name}: part {part}'
            if b is not None:
                assert b.is_cuda and b.dtype == a.dtype and tuple(b.shape) == tuple(a.shape)
                _close(b, a, msg=f'{name}: part {part}')
    if cudnn and name.startswith('conv'):
        names = set(_names(cudnn))
        assert {'convolution_forward', 'convolution_backward_data', 'convolution_backward_filter'} <= names, name


POOL_ROWS = [r for r in ROWS if 'pool' in r[0] and 'adaptive' not in r[0]]


@pytest.mark.parametrize('name,fn,shapes,domain', POOL_ROWS, ids=[r[0] for r in POOL_ROWS])
def test_pool_rows_without_grad_on_cudnn(cudnn, name, fn, shapes, domain):
    """The table's pooling rows in inference (no index kept: max pooling on cuDNN where it can express it)."""
    arrays = _inputs(shapes, domain, 2)
    with framework.no_grad():
        want = fn(framework, FF, *[framework.tensor(a) for a in arrays])
        got = fn(_OnCuda(), FF, *[framework.tensor(a, device='cuda') for a in arrays])
    for a, b in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
        assert a.is_cuda and a.dtype == b.dtype and tuple(a.shape) == tuple(b.shape)
        _close(a, b, msg=name)
    if cudnn and name in ('max_pool2d', 'max_pool2d_overlap', 'avg_pool2d', 'avg_pool2d_pad', 'avg_pool1d'):
        assert cudnn.calls, name
    if cudnn and name in ('max_pool2d_ceil', 'max_pool2d_dilation', 'max_pool2d_indices', 'avg_pool2d_divisor'):
        assert cudnn.calls == [], name


# ---------------------------------------------------------------- convolution: what cuDNN is asked for
def _conv_case(device, dtype=np.float64, **kw):
    kw.setdefault('groups', 2)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 7, 6)).astype(dtype)
    w = rng.standard_normal((6, 2, 3, 2)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    xs, ws, bs = _t(x, device), _t(w, device), _t(b, device)
    y = FF.conv2d(xs, ws, bs, **kw)
    g = framework.tensor(rng.standard_normal(tuple(y.shape)).astype(dtype), device=device)
    (y * g).sum().backward()
    return y, xs.grad, ws.grad, bs.grad


def test_conv2d_geometry_reaches_cudnn(cudnn):
    kw = dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    got = _conv_case('cuda', **kw)
    for a, b in zip(got, _conv_case('cpu', **kw)):
        _close(a, b)
    if cudnn:
        (fwd, f), (data, d), (filt, w) = [c for c in cudnn.calls]
        assert (fwd, data, filt) == ('convolution_forward', 'convolution_backward_data', 'convolution_backward_filter')
        geometry = dict(pad=(1, 2), stride=(2, 1), dilation=(1, 2), groups=2)
        for call in (f, d, w):
            assert {k: call[k] for k in geometry} == geometry
        assert f['x'] == (3, 4, 7, 6) and f['W'] == (6, 2, 3, 2) and f['y'] == tuple(got[0].shape) == (3, 6, 4, 8)
        assert d['dy'] == (3, 6, 4, 8) and d['dx'] == (3, 4, 7, 6)
        assert w['dy'] == (3, 6, 4, 8) and w['dW'] == (6, 2, 3, 2)
        assert f['auto_tune'] is False and d['deterministic'] is False and f['tensor_core'] == 'auto'


def test_benchmark_and_deterministic_flags_reach_cudnn(cudnn, monkeypatch):
    monkeypatch.setattr(cudnn_flags, 'benchmark', True)
    monkeypatch.setattr(cudnn_flags, 'deterministic', True)
    got = _conv_case('cuda', padding=1)
    for a, b in zip(got, _conv_case('cpu', padding=1)):
        _close(a, b)
    if cudnn:
        calls = dict(cudnn.calls)
        assert calls['convolution_forward']['auto_tune'] is True
        assert calls['convolution_backward_data']['deterministic'] is True
        assert calls['convolution_backward_filter']['deterministic'] is True
        assert calls['convolution_backward_filter']['auto_tune'] is True


def test_same_padding_with_an_even_kernel_pads_the_extra_row_explicitly(cudnn):
    """padding='same', kernel 2x4: PyTorch pads (0, 1) rows and (1, 2) columns; cuDNN gets (0, 1) and the
    input padded by one more row and column at the end, and the input gradient is cropped back."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((4, 3, 2, 4))
    outs = {}
    for dev in ('cpu', 'cuda'):
        xs, ws = _t(x, dev), _t(w, dev)
        y = FF.conv2d(xs, ws, padding='same')
        gx, gw = grad((y * y).sum(), (xs, ws))
        outs[dev] = (y, gx, gw)
    for a, b in zip(outs['cuda'], outs['cpu']):
        _close(a, b)
    assert tuple(outs['cuda'][1].shape) == (2, 3, 5, 6)
    if cudnn:
        calls = dict(cudnn.calls)
        assert calls['convolution_forward']['pad'] == (0, 1) and calls['convolution_forward']['x'] == (2, 3, 6, 7)
        assert calls['convolution_backward_data']['dx'] == (2, 3, 6, 7)
        assert calls['convolution_backward_filter']['x'] == (2, 3, 6, 7)


def test_conv1d_runs_as_2d_on_cudnn(cudnn):
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 2, 3))
    outs = {}
    for dev in ('cpu', 'cuda'):
        xs, ws = _t(x, dev), _t(w, dev)
        y = FF.conv1d(xs, ws, stride=2, padding=1, dilation=2, groups=2)
        outs[dev] = (y,) + grad((y * y).sum(), (xs, ws))
    for a, b in zip(outs['cuda'], outs['cpu']):
        _close(a, b)
    if cudnn:
        f = dict(cudnn.calls)['convolution_forward']
        assert f['x'] == (2, 4, 1, 9) and f['W'] == (6, 2, 1, 3) and f['pad'] == (0, 1) and f['stride'] == (1, 2)
        assert f['dilation'] == (1, 2) and f['groups'] == 2 and f['y'] == (2, 6, 1, 4)


def test_conv_transpose2d_is_cudnn_backward_data(cudnn):
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 4, 3, 4)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(6)
    outs = {}
    for dev in ('cpu', 'cuda'):
        xs, ws, bs = _t(x, dev), _t(w, dev), _t(b, dev)
        y = FF.conv_transpose2d(xs, ws, bs, stride=2, padding=1, output_padding=1, groups=2)
        outs[dev] = (y,) + grad((y * y).sum(), (xs, ws, bs))
    for a, c in zip(outs['cuda'], outs['cpu']):
        _close(a, c)
    assert tuple(outs['cuda'][0].shape) == (2, 6, 6, 8)
    if cudnn:
        names = _names(cudnn)
        assert names[0] == 'convolution_backward_data'
        d = cudnn.calls[0][1]
        assert d['dy'] == (2, 4, 3, 4) and d['dx'] == (2, 6, 6, 8) and d['W'] == (4, 3, 3, 3) and d['groups'] == 2
        assert d['pad'] == (1, 1) and d['stride'] == (2, 2)
        assert 'convolution_forward' in names and 'convolution_backward_filter' in names


def test_conv_transpose_output_padding_past_the_stride_stays_off_cudnn(cudnn):
    """output_padding 1 with stride 1 (allowed under dilation 2): the output is one row and column longer than
    any convolution of it maps back to the input, which cuDNN's backward data cannot describe."""
    rng = np.random.default_rng(12)
    x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 3, 3, 3))
    kw = dict(stride=1, dilation=2, output_padding=1)
    got = FF.conv_transpose2d(framework.tensor(x, device='cuda'), framework.tensor(w, device='cuda'), **kw)
    want = FF.conv_transpose2d(framework.tensor(x), framework.tensor(w), **kw)
    assert tuple(got.shape) == (1, 3, 8, 8)
    _close(got, want)
    if cudnn:
        assert cudnn.calls == []


def test_reflect_padding_pads_then_convolves_unpadded(cudnn):
    outs = {}
    for dev in ('cpu', 'cuda'):
        framework.manual_seed(0)
        conv = nn.Conv2d(2, 3, 3, padding=1, padding_mode='reflect').double().to(dev)
        x = _t(np.random.default_rng(4).standard_normal((2, 2, 5, 5)), dev)
        y = conv(x)
        (y * y).sum().backward()
        outs[dev] = (y, x.grad, conv.weight.grad, conv.bias.grad)
    for a, b in zip(outs['cuda'], outs['cpu']):
        _close(a, b)
    if cudnn:
        f = dict(cudnn.calls)['convolution_forward']
        assert f['pad'] == (0, 0) and f['x'] == (2, 2, 7, 7)


def test_enabled_false_routes_to_im2col(cudnn, monkeypatch):
    on = _conv_case('cuda', padding=1)
    if cudnn:
        assert cudnn.calls
        cudnn.calls.clear()
    monkeypatch.setattr(cudnn_flags, 'enabled', False)
    off = _conv_case('cuda', padding=1)
    if cudnn:
        assert cudnn.calls == []
    for a, b in zip(off, on):
        _close(a, b)
    with cudnn_flags.flags(enabled=True):
        assert cudnn_flags.enabled is True
    assert cudnn_flags.enabled is False


def test_flags_context_restores_and_is_acceptable(cudnn):
    t64 = framework.zeros(2, 3, device='cuda', dtype=framework.float64)
    assert cudnn_flags.is_acceptable(t64)
    assert not cudnn_flags.is_acceptable(framework.zeros(2, 3, device='cuda', dtype=framework.int64))
    assert not cudnn_flags.is_acceptable(framework.zeros(2, 3))
    with cudnn_flags.flags():                       # PyTorch's defaults for flags(): cuDNN off
        assert cudnn_flags.enabled is False and not cudnn_flags.is_acceptable(t64)
        with cudnn_flags.flags(enabled=True, benchmark=True, deterministic=True, allow_tf32=False):
            assert (cudnn_flags.benchmark, cudnn_flags.deterministic, cudnn_flags.allow_tf32) == (True, True, False)
        assert cudnn_flags.benchmark is False and cudnn_flags.allow_tf32 is True
    assert cudnn_flags.enabled is True
    assert isinstance(cudnn_flags.version(), int)


def test_missing_cudnn_falls_back_to_im2col(cuda, monkeypatch):
    """The fake device without cuDNN bindings (as CuPy 14, or CuPy 13 without libcudnn): same values."""
    if not cuda.fake:
        pytest.skip('the fake device only: a real CuPy has its bindings or not')
    monkeypatch.setattr(_cudnn, '_cache', [None, None])
    fakecudnn.calls.clear()
    assert not cudnn_flags.is_available() and cudnn_flags.version() is None
    got = _conv_case('cuda', padding=1)
    assert fakecudnn.calls == []
    for a, b in zip(got, _conv_case('cpu', padding=1)):
        _close(a, b)


def test_allow_tf32_false_keeps_float32_convolutions_off_cudnn(cudnn, monkeypatch):
    monkeypatch.setattr(cudnn_flags, 'allow_tf32', False)
    got = _conv_case('cuda', np.float32, padding=1)
    for a, b in zip(got, _conv_case('cpu', np.float32, padding=1)):
        _close(a, b, rtol=1e-4, atol=1e-4)
    if cudnn:                                       # the fake device is compute capability 9.0: TF32 there
        assert not [n for n in _names(cudnn) if n.startswith('convolution')]
        _conv_case('cuda', np.float64, padding=1)
        assert 'convolution_forward' in _names(cudnn)


# float32 within TF32's precision (a 10-bit mantissa): cuDNN uses it on Ampere and later, as PyTorch allows
@pytest.mark.parametrize('dtype,tol', [(np.float32, 2e-3), (np.float16, 2e-2)])
def test_half_and_single_precision_on_cudnn(cudnn, dtype, tol):
    got = _conv_case('cuda', dtype, padding=1, stride=2)
    want = _conv_case('cpu', np.float64, padding=1, stride=2)
    for a, b in zip(got, want):
        assert a.dtype == getattr(framework, np.dtype(dtype).name)
        scale = np.abs(_host(b)).max()
        np.testing.assert_allclose(_host(a).astype(np.float64), _host(b), rtol=tol, atol=tol * scale)
    if cudnn:
        assert dict(cudnn.calls)['convolution_forward']['dtype'] == dtype


# ---------------------------------------------------------------- pooling
def test_max_pool_without_grad_is_cudnn_with_nan_propagated(cudnn):
    x = np.random.default_rng(5).standard_normal((2, 3, 6, 5))
    x[0, 1, 2, 3] = np.nan
    with framework.no_grad():
        got = FF.max_pool2d(framework.tensor(x, device='cuda'), 3, 2, 1)
    want = FF.max_pool2d(framework.tensor(x), 3, 2, 1)
    _close(got, want)
    assert np.isnan(_host(got)).sum() == np.isnan(_host(want)).sum() > 0
    if cudnn:
        (n1, a), (n2, _) = cudnn.calls
        assert n1 == n2 == 'pooling_forward' and a['mode'] == cudnn.lib.CUDNN_POOLING_MAX
        assert a['x'] == (6, 1, 6, 5) and a['y'] == (6, 1, 3, 3) and a['ksize'] == (3, 3) and a['pad'] == (1, 1)


def test_max_pool_with_grad_keeps_first_maximum_routing(cudnn):
    """The gradient needs the winners' index, which cuDNN does not give: the strided-slice kernel runs."""
    x = np.zeros((1, 1, 4, 4))          # all ties: the gradient goes to each window's first element
    xs = _t(x, 'cuda')
    FF.max_pool2d(xs, 2).sum().backward()
    want = np.zeros((4, 4))
    want[::2, ::2] = 1
    _close(xs.grad[0, 0], want)
    if cudnn:
        assert cudnn.calls == []


@pytest.mark.parametrize('include', [True, False])
def test_avg_pool_modes_forward_and_adjoint_on_cudnn(cudnn, include):
    x = np.random.default_rng(6).standard_normal((2, 3, 7, 6))
    outs = {}
    for dev in ('cpu', 'cuda'):
        xs = _t(x, dev)
        y = FF.avg_pool2d(xs, 3, 2, 1, count_include_pad=include)
        gx, = grad((y * y).sum(), (xs,), create_graph=True)
        ggx, = grad((gx * gx).sum(), (xs,))
        outs[dev] = (y, gx, ggx)
    for a, b in zip(outs['cuda'], outs['cpu']):
        _close(a, b)
    if cudnn:
        mode = (cudnn.lib.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING if include
                else cudnn.lib.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING)
        assert {n for n, _ in cudnn.calls} == {'pooling_forward', 'pooling_backward'}
        assert all(c['mode'] == mode and c['pad'] == (1, 1) and c['stride'] == (2, 2) for _, c in cudnn.calls)
        assert cudnn.calls[0][1]['x'] == (6, 1, 7, 6) and cudnn.calls[0][1]['y'] == (6, 1, 4, 3)


def test_avg_pool1d_on_cudnn(cudnn):
    x = np.random.default_rng(7).standard_normal((2, 3, 9))
    outs = {}
    for dev in ('cpu', 'cuda'):
        xs = _t(x, dev)
        y = FF.avg_pool1d(xs, 3, 2, 1, count_include_pad=False)
        outs[dev] = (y,) + grad((y * y).sum(), (xs,))
    for a, b in zip(outs['cuda'], outs['cpu']):
        _close(a, b)
    if cudnn:
        assert cudnn.calls[0][1]['ksize'] == (1, 3) and cudnn.calls[0][1]['pad'] == (0, 1)


@pytest.mark.parametrize('k,kw', [(2, dict(divisor_override=2)), (3, dict(ceil_mode=True))], ids=['divisor', 'ceil'])
def test_avg_pool_cases_cudnn_cannot_express_stay_off_it(cudnn, k, kw):
    """A divisor_override, and ceil_mode's extra window (6 + 2 - 3 rows: 3 windows floor, 4 ceil)."""
    x = np.random.default_rng(8).standard_normal((1, 2, 6, 6))
    got = FF.avg_pool2d(_t(x, 'cuda'), k, 2, 1, **kw)
    _close(got, FF.avg_pool2d(_t(x, 'cpu'), k, 2, 1, **kw))
    if cudnn:
        assert cudnn.calls == []
    if 'ceil_mode' in kw:
        assert tuple(got.shape[-2:]) == (4, 4)


# ---------------------------------------------------------------- batch norm
def _bn_step(device, shape, dtype=np.float64, create_graph=False, train=True):
    framework.manual_seed(0)
    bn = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(shape[1])
    bn = bn.to(device).to(getattr(framework, np.dtype(dtype).name))
    bn.running_mean.data.copy_(framework.tensor(np.linspace(-1, 1, shape[1]), device=device))
    bn.running_var.data.copy_(framework.tensor(np.linspace(0.5, 2, shape[1]), device=device))
    with framework.no_grad():
        bn.weight.copy_(framework.tensor(np.linspace(0.5, 1.5, shape[1]), device=device))
        bn.bias.copy_(framework.tensor(np.linspace(-0.3, 0.3, shape[1]), device=device))
    bn.train(train)
    rng = np.random.default_rng(9)
    x = _t((rng.standard_normal(shape) * 2 + 1).astype(dtype), device)
    y = bn(x)
    g = framework.tensor(rng.standard_normal(shape).astype(dtype), device=device)
    grads = grad((y * g).sum(), (x, bn.weight, bn.bias), create_graph=create_graph)
    out = [y, *grads, bn.running_mean, bn.running_var]
    if create_graph:
        out += list(grad(sum((q * q).sum() for q in grads), (x, bn.weight)))
    return out


@pytest.mark.parametrize('shape', [(4, 3, 5, 2), (6, 3), (4, 3, 5)], ids=['2d', '1d', '1d_seq'])
def test_batch_norm_training_on_cudnn(cudnn, shape):
    for a, b in zip(_bn_step('cuda', shape), _bn_step('cpu', shape)):
        _close(a, b)
    if cudnn:
        names = _names(cudnn)
        assert names == ['batch_normalization_forward_training', 'batch_normalization_backward']
        f = cudnn.calls[0][1]
        n, c = shape[:2]
        assert f['x'] == (n, c, int(np.prod(shape[2:])), 1) and f['decay'] == 0.0
        assert f['mode'] == cudnn.lib.CUDNN_BATCHNORM_SPATIAL


def test_batch_norm_double_backward_takes_the_formula(cudnn):
    for a, b in zip(_bn_step('cuda', (4, 3, 3, 3), create_graph=True), _bn_step('cpu', (4, 3, 3, 3),
                                                                                  create_graph=True)):
        _close(a, b)
    if cudnn:
        assert 'batch_normalization_backward' not in _names(cudnn)
        assert 'batch_normalization_forward_training' in _names(cudnn)


def test_batch_norm_eval_on_cudnn(cudnn):
    for a, b in zip(_bn_step('cuda', (4, 3, 3, 3), train=False), _bn_step('cpu', (4, 3, 3, 3), train=False)):
        _close(a, b)
    if cudnn:
        assert _names(cudnn) == ['batch_normalization_forward_inference']


def test_batch_norm_float16_parameters_in_float32_for_cudnn(cudnn):
    got = _bn_step('cuda', (4, 3, 3, 3), np.float16)
    want = _bn_step('cpu', (4, 3, 3, 3), np.float32)
    for a, b in zip(got, want):
        np.testing.assert_allclose(_host(a).astype(np.float32), _host(b), rtol=2e-2, atol=2e-2)
    if cudnn:
        assert dict(cudnn.calls)['batch_normalization_forward_training']['dtype'] == np.float16


def test_batch_norm_eps_below_cudnn_minimum_falls_back(cudnn):
    if not cudnn:
        pytest.skip('the fake sets CUDNN_BN_MIN_EPSILON to 1e-5 (cuDNN 7); cuDNN 8 and later allow 0')
    x = np.random.default_rng(10).standard_normal((4, 3, 2, 2))
    got = FF.batch_norm(_t(x, 'cuda'), None, None, training=True, eps=1e-6)
    _close(got, FF.batch_norm(_t(x, 'cpu'), None, None, training=True, eps=1e-6))
    assert cudnn.calls == []


# ---------------------------------------------------------------- float64 gradcheck through cuDNN
def _on_cuda(fn):
    """fn run on the GPU for CPU inputs: gradcheck perturbs on the host, the ops (and cuDNN) run on the device,
    and the moves between the two are differentiable."""
    return lambda *xs: fn(*[x.to('cuda') for x in xs]).to('cpu')


GRADCHECKS = [
    ('conv2d', lambda x, w, b: FF.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
     [(2, 4, 5, 5), (4, 2, 2, 2), (4,)]),
    ('conv2d_same_even', lambda x, w: FF.conv2d(x, w, padding='same'), [(1, 2, 4, 5), (2, 2, 2, 3)]),
    ('conv_transpose2d', lambda x, w: FF.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
     [(1, 2, 3, 3), (2, 3, 3, 3)]),
    ('avg_pool2d', lambda x: FF.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 5, 6)]),
    ('batch_norm', lambda x, w, b: FF.batch_norm(x, None, None, w, b, training=True), [(3, 2, 2, 3), (2,), (2,)]),
]


@pytest.mark.parametrize('name,fn,shapes', GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck_through_cudnn(cudnn, name, fn, shapes):
    rng = np.random.default_rng(11)
    xs = [_t(rng.standard_normal(s), 'cpu') for s in shapes]
    assert gradcheck(_on_cuda(fn), xs, eps=1e-6, atol=1e-5)
    assert gradgradcheck(_on_cuda(fn), xs, eps=1e-6, atol=1e-5)
    if cudnn:
        assert cudnn.calls
