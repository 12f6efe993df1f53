"""Convolution, pooling, batch norm, padding, unfold/fold and interpolate, from one table like
test_op_table's: float64 gradcheck and gradgradcheck, then values and gradients against PyTorch
when it is importable. Hand-worked values and PyTorch's error messages follow the table.

A row is (id, fn(T, F, *inputs), input shapes, domain); `F` is T's nn.functional.
"""
import numpy as np
import pytest

import framework
import framework.nn.functional as FF
from framework.autograd import gradcheck, gradgradcheck

from ..conftest import torch_or_skip, same_error

ROWS = [
    # ---- conv2d: stride, padding incl. 'same'/'valid', dilation, groups incl. depthwise, non-square, batch 1
    ('conv2d', lambda T, F, x, w, b: F.conv2d(x, w, b), [(2, 2, 4, 4), (3, 2, 2, 2), (3,)], None),
    ('conv2d_stride_pad', lambda T, F, x, w: F.conv2d(x, w, stride=2, padding=1), [(1, 2, 5, 4), (2, 2, 3, 3)], None),
    ('conv2d_same_even', lambda T, F, x, w: F.conv2d(x, w, padding='same'), [(1, 1, 4, 5), (2, 1, 2, 3)], None),
    ('conv2d_same_dil', lambda T, F, x, w: F.conv2d(x, w, padding='same', dilation=2), [(1, 2, 5, 5), (1, 2, 2, 2)],
     None),
    ('conv2d_valid', lambda T, F, x, w: F.conv2d(x, w, padding='valid'), [(2, 1, 4, 3), (2, 1, 3, 2)], None),
    ('conv2d_dilation', lambda T, F, x, w: F.conv2d(x, w, dilation=(2, 1), padding=(1, 0)),
     [(1, 2, 5, 4), (2, 2, 2, 2)], None),
    ('conv2d_groups', lambda T, F, x, w, b: F.conv2d(x, w, b, groups=2, stride=(1, 2)),
     [(2, 4, 3, 5), (4, 2, 2, 2), (4,)], None),
    ('conv2d_depthwise', lambda T, F, x, w: F.conv2d(x, w, groups=3, padding=1), [(1, 3, 4, 4), (6, 1, 3, 3)], None),
    ('conv2d_nonsquare', lambda T, F, x, w: F.conv2d(x, w, stride=(2, 1), padding=(0, 2)), [(2, 1, 5, 3), (2, 1, 3, 1)],
     None),
    ('conv2d_unbatched', lambda T, F, x, w: F.conv2d(x, w, padding=1), [(2, 3, 3), (2, 2, 2, 2)], None),
    ('conv1d', lambda T, F, x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [(2, 2, 7), (3, 2, 3), (3,)], None),
    ('conv1d_groups_dil', lambda T, F, x, w: F.conv1d(x, w, groups=2, dilation=2, padding='same'),
     [(1, 4, 6), (2, 2, 3)], None),
    ('conv_transpose2d', lambda T, F, x, w, b: F.conv_transpose2d(x, w, b), [(2, 3, 3, 2), (3, 2, 2, 2), (2,)], None),
    ('conv_transpose2d_stride', lambda T, F, x, w: F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
     [(1, 2, 3, 3), (2, 2, 3, 3)], None),
    ('conv_transpose2d_groups', lambda T, F, x, w: F.conv_transpose2d(x, w, groups=2, dilation=(1, 2)),
     [(1, 4, 2, 3), (4, 1, 2, 2)], None),
    ('conv_transpose1d', lambda T, F, x, w: F.conv_transpose1d(x, w, stride=3), [(2, 2, 3), (2, 1, 2)], None),
    # ---- pooling ('distinct' inputs: no ties, so max-pooling is differentiable where checked)
    ('max_pool2d', lambda T, F, x: F.max_pool2d(x, 2), [(2, 2, 4, 4)], 'distinct'),
    ('max_pool2d_overlap', lambda T, F, x: F.max_pool2d(x, 3, 2, 1), [(1, 2, 5, 5)], 'distinct'),
    ('max_pool2d_ceil', lambda T, F, x: F.max_pool2d(x, (2, 3), (2, 2), ceil_mode=True), [(1, 2, 5, 6)], 'distinct'),
    ('max_pool2d_dilation', lambda T, F, x: F.max_pool2d(x, 2, 1, dilation=2), [(1, 1, 5, 4)], 'distinct'),
    ('max_pool2d_indices', lambda T, F, x: F.max_pool2d(x, 2, 1, 1, return_indices=True), [(1, 2, 3, 4)], 'distinct'),
    ('max_pool1d', lambda T, F, x: F.max_pool1d(x, 3, 2, 1, ceil_mode=True), [(2, 2, 8)], 'distinct'),
    ('max_pool1d_indices', lambda T, F, x: F.max_pool1d(x, 2, return_indices=True), [(1, 2, 7)], 'distinct'),
    ('avg_pool2d', lambda T, F, x: F.avg_pool2d(x, 2), [(2, 2, 4, 4)], None),
    ('avg_pool2d_pad', lambda T, F, x: F.avg_pool2d(x, 3, 2, 1), [(1, 2, 5, 6)], None),
    ('avg_pool2d_exclude_pad_ceil', lambda T, F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
     [(1, 2, 6, 6)], None),
    ('avg_pool2d_divisor', lambda T, F, x: F.avg_pool2d(x, (2, 1), divisor_override=3), [(1, 1, 4, 3)], None),
    ('avg_pool1d', lambda T, F, x: F.avg_pool1d(x, 3, 2, 1, count_include_pad=False), [(2, 2, 7)], None),
    ('adaptive_avg_pool2d', lambda T, F, x: F.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 7)], None),
    ('adaptive_avg_pool2d_1', lambda T, F, x: F.adaptive_avg_pool2d(x, 1), [(2, 2, 3, 3)], None),
    ('adaptive_avg_pool1d', lambda T, F, x: F.adaptive_avg_pool1d(x, 3), [(2, 2, 7)], None),
    ('adaptive_max_pool2d', lambda T, F, x: F.adaptive_max_pool2d(x, (2, 3)), [(1, 2, 5, 7)], 'distinct'),
    # ---- batch norm: training (batch statistics) and evaluation (running statistics)
    ('batch_norm_train', lambda T, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     [(3, 2, 2, 2), (2,), (2,)], None),
    ('batch_norm_train_1d', lambda T, F, x: F.batch_norm(x, None, None, training=True), [(5, 3)], None),
    ('batch_norm_eval', lambda T, F, x, w, b: F.batch_norm(
        x, T.tensor([0.1, -0.2], dtype=T.float64), T.tensor([1.5, 0.5], dtype=T.float64), w, b),
     [(2, 2, 3), (2,), (2,)], None),
    # ---- padding, unfold/fold, resampling, channel dropout at p=0
    ('pad_constant', lambda T, F, x: F.pad(x, (1, 2, 0, 1), value=0.5), [(1, 2, 3, 3)], None),
    ('pad_crop', lambda T, F, x: F.pad(x, (1, -1, -1, 2)), [(1, 1, 3, 4)], None),
    ('pad_reflect', lambda T, F, x: F.pad(x, (2, 1, 1, 2), mode='reflect'), [(1, 2, 3, 4)], None),
    ('pad_replicate', lambda T, F, x: F.pad(x, (2, 1, 1, 0), mode='replicate'), [(1, 1, 3, 3)], None),
    ('pad_circular', lambda T, F, x: F.pad(x, (1, 2), mode='circular'), [(2, 2, 4)], None),
    ('unfold', lambda T, F, x: F.unfold(x, (2, 3), padding=1, stride=(2, 1)), [(2, 2, 3, 4)], None),
    ('fold', lambda T, F, x: F.fold(x, (4, 5), 2, padding=1, stride=2), [(1, 8, 9)], None),
    ('interpolate_nearest', lambda T, F, x: F.interpolate(x, scale_factor=2), [(1, 2, 2, 3)], None),
    ('interpolate_bilinear', lambda T, F, x: F.interpolate(x, size=(4, 5), mode='bilinear'), [(1, 1, 3, 3)], None),
    ('interpolate_bilinear_corners', lambda T, F, x: F.interpolate(x, size=(5, 3), mode='bilinear',
                                                                   align_corners=True), [(1, 2, 3, 2)], None),
    ('interpolate_linear', lambda T, F, x: F.interpolate(x, scale_factor=1.5, mode='linear'), [(2, 1, 4)], None),
]
IDS = [r[0] for r in ROWS]


def _inputs(shapes, domain, seed):
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        n = int(np.prod(shape))
        x = (rng.permutation(n) - n / 2) * 0.1 + 0.013 if domain == 'distinct' else rng.standard_normal(n)
        out.append(x.reshape(shape))
    return out


def _ours(arrays):
    return [framework.tensor(x, dtype=framework.float64, requires_grad=True) for x in arrays]


def _first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize('name,fn,shapes,domain', ROWS, ids=IDS)
def test_gradcheck(name, fn, shapes, domain):
    assert gradcheck(lambda *xs: _first(fn(framework, FF, *xs)), _ours(_inputs(shapes, domain, 0)))


@pytest.mark.parametrize('name,fn,shapes,domain', ROWS, ids=IDS)
def test_gradgradcheck(name, fn, shapes, domain):
    assert gradgradcheck(lambda *xs: _first(fn(framework, FF, *xs)), _ours(_inputs(shapes, domain, 1)))


@pytest.mark.parametrize('name,fn,shapes,domain', ROWS, ids=IDS)
def test_against_torch(name, fn, shapes, domain):
    torch = torch_or_skip()
    arrays = _inputs(shapes, domain, 2)
    ours = _ours(arrays)
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in arrays]
    out_o, out_t = fn(framework, FF, *ours), fn(torch, torch.nn.functional, *theirs)
    out_o, out_t = (out_o if isinstance(out_o, tuple) else (out_o,)), (out_t if isinstance(out_t, tuple) else (out_t,))
    for o, t in zip(out_o, out_t):
        assert tuple(o.shape) == tuple(t.shape)
        assert o.dtype.name == str(t.dtype).replace('torch.', '')
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = np.random.default_rng(3).standard_normal(tuple(out_t[0].shape))
    (out_o[0] * framework.tensor(w)).sum().backward()
    (out_t[0] * torch.tensor(w)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_conv2d_float32_and_float64_against_torch(dtype):
    torch = torch_or_skip()
    rng = np.random.default_rng(4)
    x, w, b = (rng.standard_normal(s).astype(dtype) for s in [(4, 6, 9, 8), (8, 3, 3, 3), (8,)])
    ours = [framework.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    yo = FF.conv2d(*ours, stride=2, padding=1, groups=2)
    yt = torch.nn.functional.conv2d(*theirs, stride=2, padding=1, groups=2)
    assert yo.dtype.name == dtype
    tol = 1e-5 if dtype == 'float32' else 1e-10
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    yo.square().sum().backward()
    yt.square().sum().backward()
    for a, c in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), c.grad.numpy(), rtol=tol * 10, atol=tol * 10)


# ---------------------------------------------------------------- hand-worked values (no torch needed)
def test_conv2d_hand_worked():
    x = framework.arange(16.0).reshape(1, 1, 4, 4).requires_grad_()
    w = framework.tensor([[[[1.0, 0.0], [0.0, -1.0]]]], requires_grad=True)
    y = FF.conv2d(x, w, framework.tensor([0.5]), stride=2)
    # each window: top-left minus bottom-right = -5, plus the bias
    assert y.tolist() == [[[[-4.5, -4.5], [-4.5, -4.5]]]]
    y.sum().backward()
    assert x.grad.reshape(4, 4).tolist() == [[1, 0, 1, 0], [0, -1, 0, -1], [1, 0, 1, 0], [0, -1, 0, -1]]
    # dL/dw = the sum over windows of the input under each tap: top-left taps 0+2+8+10, bottom-right 5+7+13+15
    assert w.grad.tolist() == [[[[20.0, 24.0], [36.0, 40.0]]]]


def test_conv2d_same_padding_even_kernel_pads_the_end():
    x = framework.ones(1, 1, 3, 3)
    w = framework.ones(1, 1, 2, 2)
    y = FF.conv2d(x, w, padding='same')
    assert y.shape == (1, 1, 3, 3)
    assert y[0, 0].tolist() == [[4.0, 4.0, 2.0], [4.0, 4.0, 2.0], [2.0, 2.0, 1.0]]


def test_conv_transpose2d_hand_worked():
    x = framework.tensor([[[[1.0, 2.0]]]])
    w = framework.tensor([[[[1.0, 10.0]]]])
    assert FF.conv_transpose2d(x, w, stride=1).tolist() == [[[[1.0, 12.0, 20.0]]]]
    assert FF.conv_transpose2d(x, w, stride=3).tolist() == [[[[1.0, 10.0, 0.0, 2.0, 20.0]]]]


def test_max_pool_gradient_goes_to_the_first_maximum_on_ties():
    x = framework.tensor([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 0.0, 0.0]]]], requires_grad=True)
    y, idx = FF.max_pool2d(x, 2, return_indices=True)
    assert y.tolist() == [[[[3.0, 3.0]]]]
    assert idx.tolist() == [[[[1, 2]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]


def test_max_pool_ties_against_torch():
    torch = torch_or_skip()
    a = np.random.default_rng(5).integers(0, 3, (2, 3, 6, 6)).astype(np.float32)
    xo, xt = framework.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    yo, io = FF.max_pool2d(xo, 3, 2, 1, return_indices=True)
    yt, it = torch.nn.functional.max_pool2d(xt, 3, 2, 1, return_indices=True)
    assert io.tolist() == it.tolist()
    yo.sum().backward()
    yt.sum().backward()
    assert xo.grad.tolist() == xt.grad.tolist()


def test_avg_pool_count_include_pad_hand_worked():
    x = framework.ones(1, 1, 2, 2)
    assert FF.avg_pool2d(x, 2, 1, 1).tolist() == [[[[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]]]
    assert FF.avg_pool2d(x, 2, 1, 1, count_include_pad=False).tolist() == [[[[1.0] * 3] * 3]]


def test_batch_norm_hand_worked_and_running_stats():
    x = framework.tensor([[1.0], [3.0]])
    rm, rv = framework.zeros(1), framework.ones(1)
    y = FF.batch_norm(x, rm, rv, training=True, momentum=0.5, eps=0.0)
    assert y.tolist() == [[-1.0], [1.0]]
    assert rm.tolist() == [1.0]                  # 0.5 * 0 + 0.5 * 2
    assert rv.tolist() == [1.5]                  # 0.5 * 1 + 0.5 * 2 (unbiased variance of 1, 3)
    assert FF.batch_norm(x, rm, rv, eps=0.0).tolist() == [[0.0], [pytest.approx((3 - 1) / 1.5 ** 0.5, rel=1e-6)]]


def test_pad_reflect_and_replicate_hand_worked():
    x = framework.tensor([[[1.0, 2.0, 3.0]]])
    assert FF.pad(x, (2, 1), mode='reflect').tolist() == [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]]
    assert FF.pad(x, (2, 1), mode='replicate').tolist() == [[[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]]]
    assert FF.pad(x, (1, 1), mode='circular').tolist() == [[[3.0, 1.0, 2.0, 3.0, 1.0]]]


def test_unfold_then_fold_counts_overlaps():
    x = framework.ones(1, 1, 3, 3)
    cols = FF.unfold(x, 2)
    assert cols.shape == (1, 4, 4)
    assert FF.fold(cols, (3, 3), 2)[0, 0].tolist() == [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]


def test_interpolate_hand_worked():
    x = framework.tensor([[[0.0, 1.0]]])
    assert FF.interpolate(x, size=3, mode='linear', align_corners=True).tolist() == [[[0.0, 0.5, 1.0]]]
    assert FF.interpolate(x, scale_factor=2, mode='linear').tolist() == [[[0.0, 0.25, 0.75, 1.0]]]
    assert FF.interpolate(x, scale_factor=2).tolist() == [[[0.0, 0.0, 1.0, 1.0]]]


def test_dropout2d_zeroes_whole_channels():
    x = framework.ones(4, 8, 3, 3)
    y = FF.dropout2d(x, 0.5)
    per_channel = y.numpy().reshape(32, 9)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert all(len(set(row)) == 1 for row in per_channel)
    assert FF.dropout2d(x, 0.5, training=False) is x


def test_conv_double_backward_node_names():
    x = framework.randn(1, 1, 3, 3, requires_grad=True)
    w = framework.randn(1, 1, 2, 2, requires_grad=True)
    y = FF.conv2d(x, w)
    assert type(y.grad_fn).__name__ == 'ConvolutionBackward0'
    gx, = framework.autograd.grad(y.sum(), x, create_graph=True)
    assert type(gx.grad_fn).__name__ == 'ConvolutionBackward0'


def test_max_pool_second_backward_raises():
    x = framework.randn(1, 1, 4, 4, requires_grad=True)
    y = FF.max_pool2d(x, 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match='backward through the graph a second time'):
        y.backward()


# ---------------------------------------------------------------- PyTorch's errors
ERRORS = [
    ('conv_rank', lambda T: T.nn.functional.conv2d(T.ones(2, 3), T.ones(4, 3, 3, 3)), RuntimeError,
     'Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]'),
    ('conv1d_rank', lambda T: T.nn.functional.conv1d(T.ones(2, 3, 8, 8), T.ones(4, 3, 3)), RuntimeError,
     'Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [2, 3, 8, 8]'),
    ('conv_channels', lambda T: T.nn.functional.conv2d(T.ones(2, 5, 8, 8), T.ones(4, 3, 3, 3)), RuntimeError,
     'Given groups=1, weight of size [4, 3, 3, 3], expected input[2, 5, 8, 8] to have 3 channels, but got 5 '
     'channels instead'),
    ('conv_kernel_too_large', lambda T: T.nn.functional.conv2d(T.ones(2, 3, 2, 2), T.ones(4, 3, 3, 3)), RuntimeError,
     "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than "
     'actual input size'),
    ('conv_stride_zero', lambda T: T.nn.functional.conv2d(T.ones(2, 3, 8, 8), T.ones(4, 3, 3, 3), stride=0),
     RuntimeError, 'non-positive stride is not supported'),
    ('conv_stride_negative', lambda T: T.nn.functional.conv2d(T.ones(2, 3, 8, 8), T.ones(4, 3, 3, 3), stride=-1),
     RuntimeError, 'non-positive stride is not supported'),
    ('conv_groups', lambda T: T.nn.functional.conv2d(T.ones(2, 3, 8, 8), T.ones(4, 3, 3, 3), groups=3), RuntimeError,
     'Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size [[4, 3, 3, 3]] '
     'instead'),
    ('conv_negative_padding', lambda T: T.nn.functional.conv2d(T.ones(2, 3, 8, 8), T.ones(4, 3, 3, 3), padding=-1),
     RuntimeError, 'negative padding is not supported'),
    ('conv_same_strided', lambda T: T.nn.functional.conv2d(T.ones(1, 3, 8, 8), T.ones(4, 3, 3, 3), padding='same',
                                                           stride=2),
     RuntimeError, "padding='same' is not supported for strided convolutions"),
    ('conv_transpose_channels', lambda T: T.nn.functional.conv_transpose2d(T.ones(2, 5, 8, 8), T.ones(4, 3, 3, 3)),
     RuntimeError, 'Given transposed=1, weight of size [4, 3, 3, 3], expected input[2, 5, 8, 8] to have 4 channels, '
     'but got 5 channels instead'),
    ('conv_dtype', lambda T: T.nn.functional.conv2d(T.ones(1, 3, 5, 5, dtype=T.float64), T.ones(4, 3, 3, 3)),
     RuntimeError, 'expected scalar type Double but found Float'),
    ('conv_bias_dtype', lambda T: T.nn.functional.conv2d(T.ones(1, 3, 5, 5), T.ones(4, 3, 3, 3),
                                                         T.ones(4, dtype=T.float64)),
     RuntimeError, 'Input type (float) and bias type (double) should be the same'),
    ('conv_bias_size', lambda T: T.nn.functional.conv2d(T.ones(1, 3, 5, 5), T.ones(4, 3, 3, 3), T.ones(3)),
     RuntimeError, 'Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but got '
     'bias of size [3] instead'),
    ('conv_transpose_bias_size', lambda T: T.nn.functional.conv_transpose2d(T.ones(1, 3, 5, 5), T.ones(3, 3, 3, 3),
                                                                            T.ones(4)),
     RuntimeError, 'Given transposed=1, weight of size [3, 3, 3, 3], expected bias to be 1-dimensional with 3 '
     'elements, but got bias of size [4] instead'),
    ('conv_weight_rank', lambda T: T.nn.functional.conv1d(T.ones(1, 3, 5), T.ones(4, 3, 3, 3)), RuntimeError,
     'Expected 4-dimensional input for 4-dimensional weight [4, 3, 3, 3], but got 3-dimensional input of size '
     '[1, 3, 5] instead'),
    ('max_pool1d_rank', lambda T: T.nn.functional.max_pool1d(T.ones(2, 3, 4, 5), 2), RuntimeError,
     'max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but '
     'got:[2, 3, 4, 5]'),
    ('pad_reflect_too_large', lambda T: T.nn.functional.pad(T.ones(1, 1, 3), (3, 0), mode='reflect'), RuntimeError,
     'Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (3, 0) at '
     'dimension 2 of input [1, 1, 3]'),
    ('adaptive_rank', lambda T: T.nn.functional.adaptive_avg_pool2d(T.ones(3), 2), RuntimeError,
     'adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [3]'),
    ('pool_pad', lambda T: T.nn.functional.max_pool2d(T.ones(2, 3, 8, 8), 3, padding=2), RuntimeError,
     'pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1'),
    ('pool_too_small', lambda T: T.nn.functional.max_pool2d(T.ones(2, 3, 2, 2), 3), RuntimeError,
     'Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small'),
    ('avg_pool_too_small', lambda T: T.nn.functional.avg_pool2d(T.ones(2, 3, 2, 2), 3), RuntimeError,
     'Given input size: (3x2x2). Calculated output size: (3x0x0). Output size is too small'),
    ('pool_rank', lambda T: T.nn.functional.max_pool2d(T.ones(2, 3), 3), RuntimeError,
     'non-empty 3D or 4D (batch mode) tensor expected for input'),
    ('pool_stride_zero', lambda T: T.nn.functional.max_pool2d(T.ones(2, 3, 8, 8), 2, stride=0), RuntimeError,
     'stride should not be zero'),
    ('bn_one_value', lambda T: T.nn.functional.batch_norm(T.ones(1, 3), T.zeros(3), T.ones(3), training=True),
     ValueError, 'Expected more than 1 value per channel when training, got input size framework.Size([1, 3])'),
    ('bn_running_size', lambda T: T.nn.functional.batch_norm(T.ones(2, 4), T.zeros(3), T.ones(3), training=True),
     RuntimeError, 'running_mean should contain 4 elements not 3'),
]


@pytest.mark.parametrize('name,fn,exc,message', ERRORS, ids=[e[0] for e in ERRORS])
def test_error_messages(name, fn, exc, message):
    same_error(fn, message, exc)


def test_max_pool_nan_wins_as_in_torch():
    nan = float('nan')
    for requires_grad in (False, True):
        x = framework.tensor([[[[1.0, nan, 3.0, 5.0], [2.0, 4.0, 9.0, 1.0]]]], requires_grad=requires_grad)
        y = FF.max_pool2d(x, 2)
        assert np.isnan(y[0, 0, 0, 0].item()) and y[0, 0, 0, 1].item() == 9.0
        if requires_grad:
            y.sum().backward()
            assert x.grad.tolist() == [[[[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]]]


@pytest.mark.parametrize('nd,stride,dilation,output_padding,padding',
                         [(2, 1, 2, 1, 0), (2, 1, 2, 1, 1), (2, 1, 3, 2, 2), (1, 1, 2, 1, 0), (2, 2, 3, 2, 1)])
def test_conv_transpose_output_padding_past_the_stride(nd, stride, dilation, output_padding, padding):
    """output_padding below the dilation but not the stride adds rows no input reaches: the input's gradient
    (a convolution of the output's gradient) must leave them out, to every order."""
    f = getattr(framework.nn.functional, f'conv_transpose{nd}d')
    rng = np.random.default_rng(0)
    x = framework.tensor(rng.standard_normal((2, 2) + (3,) * nd), requires_grad=True)
    w = framework.tensor(rng.standard_normal((2, 3) + (3,) * nd), requires_grad=True)
    fn = lambda a, b: f(a, b, stride=stride, dilation=dilation, output_padding=output_padding, padding=padding)  # noqa: E731
    y = fn(x, w)
    size = (3 - 1) * stride - 2 * padding + dilation * 2 + output_padding + 1
    assert y.shape == (2, 3) + (size,) * nd
    y.sum().backward()
    assert x.grad.shape == x.shape and w.grad.shape == w.shape
    assert framework.autograd.gradcheck(fn, (x, w))
    assert framework.autograd.gradgradcheck(fn, (x, w))
