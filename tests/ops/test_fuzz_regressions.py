"""Regression tests for the classes of difference the differential fuzzer found (issue 17), where a
row of tests/ops/test_op_table.py cannot say it: gradients at degenerate points (one row, zero std,
empty inputs, nan, crossed bounds, zeros in a cumulative product), and framework-only crashes.

Each test states the expected numbers literally and checks them on framework and, when installed,
on PyTorch (`libraries()`), so the literal is PyTorch's.
"""
import math

import numpy as np
import pytest

import framework
from framework.autograd import gradcheck, gradgradcheck

from ..conftest import libraries, torch_or_skip

NAN = float('nan')


def _grad(T, fn, *values, dtype=None):
    """The gradients of fn(*inputs).sum() for inputs made from `values`, as lists."""
    xs = [T.tensor(v, dtype=dtype or T.float64, requires_grad=True) for v in values]
    fn(T, *xs).sum().backward()
    return [x.grad.tolist() for x in xs]


def _same(got, want):
    a, b = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


def _check(fn, values, want, dtype=None):
    for T in libraries():
        got = _grad(T, fn, *values, dtype=dtype)
        assert _same(got, want), f'{T.__name__}: {got} != {want}'


def test_var_std_backward_of_one_row_is_nan_not_zero_division():
    _check(lambda T, x: x.var(dim=0), [[[1.0, 2.0, 3.0]]], [[[NAN, NAN, NAN]]])
    _check(lambda T, x: x.std(dim=0), [[[1.0, 2.0]]], [[[NAN, NAN]]])


def test_std_backward_where_std_is_zero_is_zero():
    _check(lambda T, x: x.std(), [[2.0, 2.0, 2.0]], [[0.0, 0.0, 0.0]])
    _check(lambda T, x: x.std(dim=1, correction=0), [[[1.0, 1.0], [1.0, 3.0]]], [[[0.0, 0.0], [-0.5, 0.5]]])


@pytest.mark.parametrize('loss', ['mse_loss', 'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'l1_loss'])
def test_losses_of_empty_tensors_backward(loss):
    for T in libraries():
        x = T.zeros(0, 3, dtype=T.float64, requires_grad=True)
        out = getattr(T.nn.functional, loss)(x, T.zeros(0, 3, dtype=T.float64))
        assert math.isnan(out.item())
        out.backward()
        assert tuple(x.grad.shape) == (0, 3)


def test_cumprod_gradient_with_zeros_as_pytorch():
    rows = [[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 2.0], [2.0, -1.0, 0.5, 0.0]]
    # e.g. row 0 along dim 1: d/dx1 (x0 + x0 x1 + x0 x1 x2 + x0 x1 x2 x3) = x0 + x0 x2 + x0 x2 x3 = 1.5 + 3 - 3
    want = {0: [[1.0, 1.0, 5.5, 3.0], [4.5, 0.0, 3.0, -1.0], [0.0, 0.0, 6.0, -2.0]],
            1: [[1.0, 1.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [-0.5, 3.0, -2.0, -1.0]]}
    for dim, grads in want.items():
        _check(lambda T, x: x.cumprod(dim), [rows], [grads])
        x = framework.tensor(rows, dtype=framework.float64, requires_grad=True)
        assert gradcheck(lambda t: framework.cumprod(t, dim), (x,))
        assert gradgradcheck(lambda t: framework.cumprod(t, dim), (x,))


def test_cumprod_gradient_with_zeros_against_torch_random():
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 5))
    x[rng.random(x.shape) < 0.3] = 0.0
    w = rng.standard_normal(x.shape)
    for dim in range(3):
        a = framework.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        (framework.cumprod(a, dim) * framework.tensor(w)).sum().backward()
        (torch.cumprod(b, dim) * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_cat_keeps_requires_grad_of_a_legacy_empty_input():
    for T in libraries():
        e = T.zeros(0, requires_grad=True)
        y = T.cat([e, T.ones(2, 3)])
        assert y.requires_grad and tuple(y.shape) == (2, 3)
        y.sum().backward()
        assert e.grad.tolist() == []


def test_nan_gradients_as_pytorch_kernels():
    # relu, hardtanh, elu pass the gradient at nan (no comparison holds); sign(nan) is 0, so l1's is 0
    _check(lambda T, x: T.relu(x), [[NAN, -1.0, 2.0]], [[1.0, 0.0, 1.0]])
    _check(lambda T, x: T.nn.functional.hardtanh(x), [[NAN, 0.5, 2.0]], [[1.0, 1.0, 0.0]])
    _check(lambda T, x: T.nn.functional.elu(x), [[NAN, math.inf, 0.0]], [[1.0, 1.0, 1.0]])
    _check(lambda T, x: T.nn.functional.l1_loss(x, T.zeros(2, dtype=T.float64), reduction='sum'), [[NAN, -3.0]],
           [[0.0, -1.0]])
    # max() sends the gradient to the nan element; maximum gives it to both operands where one is nan
    _check(lambda T, x: x.max(), [[1.0, NAN, 3.0]], [[0.0, 1.0, 0.0]])
    _check(lambda T, x, y: T.maximum(x, y), [[NAN, 1.0, 2.0], [0.0, 1.0, 1.0]], [[1.0, 0.5, 1.0], [1.0, 0.5, 0.0]])


def test_logsigmoid_gradient_at_zero():
    _check(lambda T, x: T.nn.functional.logsigmoid(x), [[0.0, -0.0, 2.0]], [[0.5, 0.5, 1 / (1 + math.exp(2.0))]])


def test_huber_and_smooth_l1_gradients_stay_finite_for_infinite_differences():
    _check(lambda T, x: T.nn.functional.huber_loss(x, T.zeros(2, dtype=T.float64), reduction='sum', delta=0.5),
           [[-math.inf, 0.25]], [[-0.5, 0.25]])
    _check(lambda T, x: T.nn.functional.smooth_l1_loss(x, T.zeros(2, dtype=T.float64), reduction='sum', beta=0.5),
           [[math.inf, 0.25]], [[1.0, 0.5]])


def test_clamp_with_tensor_bounds_gradients_include_crossed_bounds():
    # x, min, max per element: inside; below; above; min > max (the result is max); x == min == max
    x, lo, hi = [0.5, 0.0, 2.0, 1.0, 1.0], [0.0, 1.0, 0.0, 2.0, 1.0], [1.0, 2.0, 1.0, 0.0, 1.0]
    _check(lambda T, a, b, c: T.clamp(a, b, c), [x, lo, hi],
           [[1.0, 0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0, 0.0]])


def test_nll_loss_gradient_when_every_target_is_ignored_is_zero():
    for T in libraries():
        x = T.tensor([[-1.0, -2.0], [-0.5, -3.0]], requires_grad=True)
        out = T.nn.functional.nll_loss(x, T.tensor([0, 0]), ignore_index=0)
        assert math.isnan(out.item())
        out.backward()
        assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_floor_divide_has_no_derivative_but_div_floor_is_zero():
    for T in libraries():
        x = T.tensor([3.5, -2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match='derivative for aten::floor_divide is not implemented'):
            T.floor_divide(x, 2).sum().backward()
        x.grad = None
        x.div(2, rounding_mode='floor').sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]


def test_div_in_place_with_rounding_mode_on_floats():
    for T in libraries():
        x = T.tensor([2.5, -2.5])
        x.div_(T.tensor([1.0, 1.0]) * 2, rounding_mode='floor')
        assert x.tolist() == [1.0, -2.0]
        y = T.tensor([2.5, -2.5])
        y.div_(2, rounding_mode='trunc')
        assert y.tolist() == [1.0, -1.0]


def test_gelu_is_float64_exact():
    torch = torch_or_skip()
    x = np.linspace(-6, 6, 101)
    ours = framework.nn.functional.gelu(framework.tensor(x)).numpy()
    theirs = torch.nn.functional.gelu(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-15)


def test_linear_with_empty_batch_backward():
    for T in libraries():
        x = T.zeros(0, 2, 0, requires_grad=True)
        w = T.zeros(3, 0, requires_grad=True)
        y = T.nn.functional.linear(x, w)
        assert tuple(y.shape) == (0, 2, 3)
        y.sum().backward()
        assert tuple(x.grad.shape) == (0, 2, 0) and tuple(w.grad.shape) == (3, 0)


def test_zero_dim_log_softmax_with_dtype_backward():
    for T in libraries():
        x = T.tensor(0.7, requires_grad=True)
        T.nn.functional.log_softmax(x, dim=-1, dtype=T.float64).backward()
        assert x.grad.tolist() == 0.0


def test_bce_with_logits_gradient_comes_back_in_the_input_dtype():
    for T in libraries():
        x = T.zeros(2, requires_grad=True)
        out = T.nn.functional.binary_cross_entropy_with_logits(x, T.tensor([0.0, 1.0], dtype=T.float64))
        assert out.dtype == T.float64
        out.backward()
        assert x.grad.dtype == T.float32 and x.grad.tolist() == [0.25, -0.25]


@pytest.mark.parametrize('call', [lambda T: T.ones(2).max(dim=None), lambda T: T.min(T.ones(2), dim=None),
                                  lambda T: T.logsumexp(T.ones(2), None), lambda T: T.prod(T.ones(2), dim=None)],
                         ids=['max', 'min', 'logsumexp', 'prod'])
def test_an_explicit_dim_none_is_refused_where_pytorch_refuses_it(call):
    for T in libraries():
        with pytest.raises(TypeError):
            call(T)
    assert framework.ones(2, 3).max().item() == 1.0 and framework.ones(2).prod().item() == 1.0   # no dim: all dims


# ---------------------------------------------------------------- ops fuzzed since issues 13/15 landed
def _F(T):
    return T.nn.functional


def test_softplus_gradient_at_zero_is_one_half():
    # the |x| and relu(x) of the stable formula have a kink at 0, where their gradient summed to 0
    _check(lambda T, x: _F(T).softplus(x), [[0.0, -0.0, 1.0, -30.0, float('inf'), float('-inf')]],
           [[0.5, 0.5, 0.7310585786300049, 9.3576229688393e-14, 1.0, 0.0]])


def test_adaptive_avg_pool_keeps_infinities_inside_their_window():
    # an averaging matmul multiplied the inf by the zeros of the other windows: nan everywhere
    for T in libraries():
        x = T.tensor([[[1.0, 3.0, float('inf'), 5.0]]])
        assert _F(T).adaptive_avg_pool1d(x, 2).tolist() == [[[2.0, float('inf')]]]
        y = _F(T).adaptive_avg_pool2d(T.tensor([[[[1.0, float('inf')], [3.0, 5.0]]]]), (2, 1))
        assert y.tolist() == [[[[float('inf')], [4.0]]]]
        # None keeps the input's size
        assert tuple(_F(T).adaptive_avg_pool2d(T.zeros(1, 2, 3, 5), (None, 2)).shape) == (1, 2, 3, 2)
        assert tuple(_F(T).adaptive_max_pool2d(T.zeros(1, 2, 3, 5), (2, None)).shape) == (1, 2, 2, 5)


def test_nan_passes_through_hardshrink_and_takes_the_weight_side_in_prelu():
    for T in libraries():
        x = T.tensor([NAN, 0.3, -2.0])
        assert _same(_F(T).hardshrink(x).tolist(), [NAN, 0.0, -2.0])
        assert _same(_F(T).softshrink(x).tolist(), [NAN, 0.0, -1.5])
        assert _same(_F(T).threshold(x, 0.5, 7.0).tolist(), [NAN, 7.0, 7.0])
    _check(lambda T, x: _F(T).threshold(x, 0.5, 7.0), [[NAN, 0.3, 2.0]], [[1.0, 0.0, 1.0]])
    for T in libraries():
        gx, gw = _grad(T, lambda T, x, w: _F(T).prelu(x, w), [NAN, -1.0, 2.0], [0.25])
        assert _same(gx, [0.25, 0.25, 1.0]) and _same(gw, [NAN]), f'{T.__name__}: {gx} {gw}'


def test_margin_ranking_gradient_at_nan_is_zero():
    _check(lambda T, a, b: _F(T).margin_ranking_loss(a, b, T.tensor([1.0]), reduction='none'), [[0.5], [NAN]],
           [[0.0], [0.0]])


def test_zero_dim_inputs_of_celu_selu_nan_to_num():
    # 0-d comparisons gave NumPy scalars, which `where` and `wrap` could not take
    _check(lambda T, x: _F(T).celu(x), [-1.0], [math.exp(-1.0)])
    _check(lambda T, x: _F(T).selu(x), [2.0], [1.0507009873554805])
    _check(lambda T, x: T.nan_to_num(x), [3.0], [1.0])


@pytest.mark.parametrize('call, exc, words', [
    (lambda T: _F(T).adaptive_avg_pool2d(T.zeros(1, 2, 3, 3), (2, -1)), RuntimeError,
     'elements of output_size must be greater than or equal to 0'),
    (lambda T: _F(T).adaptive_max_pool2d(T.zeros(1, 2, 3, 3), -1), RuntimeError, 'negative dimension -1'),
    (lambda T: _F(T).conv2d(T.zeros(1, 1, 3, 3), T.zeros(1, 1, 1, 1), padding=('same', 1)), TypeError, ''),
    (lambda T: _F(T).avg_pool1d(T.zeros(1, 2, 3, dtype=T.int32), 1), NotImplementedError,
     '"avg_pool2d" not implemented for \'Int\''),
    (lambda T: _F(T).adaptive_max_pool1d(T.zeros(1, 2, 3, dtype=T.int64), 2), NotImplementedError,
     '"adaptive_max_pool2d" not implemented for \'Long\''),
    (lambda T: _F(T).batch_norm(T.zeros(2, 3, dtype=T.int32), None, None, training=True), NotImplementedError,
     '"batch_norm" not implemented for \'Int\''),
    (lambda T: _F(T).rms_norm(T.zeros(2, 3, dtype=T.bool), [3]), NotImplementedError,
     '"rms_norm" not implemented for \'Bool\''),
    (lambda T: _F(T).mish(T.zeros(2, dtype=T.int64)), NotImplementedError, '"mish_cpu" not implemented for \'Long\''),
    (lambda T: _F(T).celu(T.zeros(2, dtype=T.bool)), NotImplementedError, '"elu_cpu" not implemented for \'Bool\''),
    (lambda T: _F(T).pixel_shuffle(T.zeros(1, 2, 3, 3), 0), RuntimeError, 'expects a positive upscale_factor'),
    (lambda T: _F(T).pixel_unshuffle(T.zeros(1, 2, 3, 3), 0), RuntimeError, 'expects a positive downscale_factor'),
    (lambda T: T.zeros(2, 0).kthvalue(1, dim=1), IndexError, 'kthvalue(): Expected reduction dim 1 to have non-zero'),
    (lambda T: T.zeros(2, 0).mode(dim=1), IndexError, 'mode(): Expected reduction dim 1 to have non-zero size'),
    (lambda T: T.roll(T.tensor(3.0), 1, -1), IndexError, 'Dimension specified as -1 but tensor has no dimensions'),
    (lambda T: T.unique(T.tensor(3), dim=0), IndexError, 'Dimension specified as 0 but tensor has no dimensions'),
    (lambda T: T.cross(T.zeros(4, 1, 3), T.zeros(3, 4), dim=-1), RuntimeError,
     'linalg.cross: inputs must have the same number of dimensions.'),
    (lambda T: T.cross(T.zeros(2, 3), T.zeros(2, 3, dtype=T.float64), dim=1), RuntimeError,
     'expected scalar type Float but found Double'),
    (lambda T: T.cross(T.zeros(2, 3), T.zeros(4, 3), dim=1), RuntimeError,
     'The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0'),
    (lambda T: T.cross(T.zeros(2, 3, dtype=T.bool), T.zeros(2, 3, dtype=T.bool), dim=1), NotImplementedError,
     '"cross" not implemented for \'Bool\''),
    (lambda T: _F(T).interpolate(T.zeros(1, 1, 1, 3), scale_factor=0.5), RuntimeError,
     'Input and output sizes should be greater than 0, but got input (H: 1, W: 3) output (H: 0, W: 1)'),
    (lambda T: _F(T).max_pool2d(T.zeros(1, 2, 2, dtype=T.bool), 2), NotImplementedError,
     '"max_pool2d" not implemented for \'Bool\''),
    (lambda T: _F(T).max_pool1d(T.zeros(1, 2, 2, dtype=T.int64), 2), NotImplementedError,
     '"max_pool1d_impl" not implemented for \'Long\''),
    (lambda T: _F(T).layer_norm(T.zeros(2, 3, dtype=T.int32), [3]), NotImplementedError,
     '"LayerNormKernelImpl" not implemented for \'Int\''),
    (lambda T: _F(T).prelu(T.zeros(2, dtype=T.int64), T.ones(1)), RuntimeError,
     'prelu: Type promoting not supported. Got Long and Float'),
])
def test_new_ops_refuse_as_pytorch_does(call, exc, words):
    for T in libraries():
        with pytest.raises(exc) as e:
            call(T)
        assert words in str(e.value), f'{T.__name__}: {e.value}'


def test_empty_and_integer_inputs_that_crashed():
    for T in libraries():
        F = _F(T)
        assert tuple(F.batch_norm(T.zeros(0, 2, 3), T.zeros(2), T.ones(2)).shape) == (0, 2, 3)
        assert tuple(F.batch_norm(T.zeros(0, 2, 3), T.zeros(2), T.ones(2), training=True).shape) == (0, 2, 3)
        assert T.searchsorted(T.zeros(0, 3), T.zeros(0, 2)).shape == (0, 2)
        assert T.tensor([[3, 1, 2], [5, 4, 6]]).median(dim=1).values.tolist() == [2, 5]
        assert T.tensor([[3, 1, 2], [5, 4, 6]]).median(dim=1).indices.tolist() == [2, 0]


def test_addmm_family_dtypes_and_zero_scalars():
    for T in libraries():
        i32 = T.int32
        # the batch sum of addbmm does not widen an integral result; integral results truncate the scalars
        y = T.addbmm(T.ones(2, 2, dtype=i32), T.ones(3, 2, 1, dtype=i32), T.ones(3, 1, 2, dtype=i32), beta=2)
        assert y.dtype == i32 and y.tolist() == [[5, 5], [5, 5]]
        assert T.addmm(T.ones(1, 1, dtype=T.int64), T.ones(1, 1, dtype=T.int64), T.ones(1, 1, dtype=T.int64),
                       beta=0.5, alpha=1.7).tolist() == [[1]]
        with pytest.raises(RuntimeError, match='argument alpha must not be a floating point number'):
            T.addr(T.ones(2, 2, dtype=T.int64), T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64), alpha=0.5)
        # beta = 0: input's nan is ignored, but the result still requires grad through it
        x = T.tensor([[NAN]], requires_grad=True)
        y = T.addmm(x, T.ones(1, 2), T.ones(2, 1), beta=0)
        assert y.tolist() == [[2.0]] and y.requires_grad
        y.sum().backward()
        assert x.grad.tolist() == [[0.0]]
        # alpha = 0 skips addmv's product (its inf), while baddbmm multiplies it by 0
        assert T.addmv(T.ones(1), T.ones(1, 1), T.tensor([float('inf')]), alpha=0).tolist() == [1.0]
        assert _same(T.baddbmm(T.ones(1, 1, 1), T.ones(1, 1, 1), T.tensor([[[float('inf')]]]), alpha=0).tolist(),
                     [[[NAN]]])


def test_integer_max_pool_pads_with_the_minimum_and_empty_batch_norm_backward():
    for T in libraries():
        x = T.tensor([[[[-5, -7], [-6, -8]]]])
        assert _F(T).max_pool2d(x, 2, padding=1).tolist() == [[[[-5, -7], [-6, -8]]]]
        y = T.zeros(0, 2, 3, requires_grad=True)
        out = _F(T).batch_norm(y, None, None, T.ones(2, requires_grad=True), training=True)
        out.sum().backward()
        assert tuple(y.grad.shape) == (0, 2, 3)


def test_prelu_and_slogdet_keep_pytorch_shapes_and_graph():
    for T in libraries():
        assert tuple(_F(T).prelu(T.tensor(-2.0), T.tensor([0.25])).shape) == ()
        sign, logabs = T.linalg.slogdet(T.tensor([[2.0, 0.0], [0.0, -3.0]], requires_grad=True))
        assert sign.requires_grad and sign.tolist() == -1.0
        assert math.isclose(logabs.item(), math.log(6.0), rel_tol=1e-6)
        assert T.tensor([], requires_grad=True).median().requires_grad


def test_addcmul_of_integers_keeps_their_dtype():
    for T in libraries():
        a = T.tensor([1, 2], dtype=T.int32)
        y = T.addcmul(a, a, a, value=0.5)
        assert y.dtype == T.int32 and y.tolist() == [1, 2]
        assert T.addcmul(a, a, a, value=2).tolist() == [3, 10]


def test_circular_pad_with_a_negative_side_wraps_the_cropped_tensor():
    want = {(-1, 1): [1.0, 2.0, 3.0, 4.0, 1.0], (1, -1): [3.0, 0.0, 1.0, 2.0, 3.0],
            (2, -1): [2.0, 3.0, 0.0, 1.0, 2.0, 3.0], (-2, 2): [2.0, 3.0, 4.0, 2.0, 3.0]}
    for T in libraries():
        x = T.arange(5.0).reshape(1, 1, 5)
        for p, w in want.items():
            assert _F(T).pad(x, p, mode='circular').tolist() == [[w]], (T.__name__, p)
