"""lerp, roll, flip, repeat_interleave, nan_to_num, logcumsumexp, addcmul/addcdiv, index_add, and a check
of the indexing ops the issue names (masked_select, index_select, take_along_dim, nonzero, isnan...)."""
import numpy as np
import pytest

import framework

from ._compare import check, raises

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))


def test_lerp():
    check(lambda T, a, b: T.lerp(a, b, 0.3), [A, B])
    check(lambda T, a, b: T.lerp(a, b, 0.8), [A, B])
    check(lambda T, a, b, w: T.lerp(a, b, w), [A, B, RNG.uniform(0, 1, (4,))])
    check(lambda T, a, b: a.lerp(b, 1.0), [A, B])
    assert framework.lerp(framework.tensor([0., 10.]), framework.tensor([10., 20.]), 0.25).numpy().tolist() == \
        [2.5, 12.5]
    raises(lambda T: T.lerp(T.ones(2), T.ones(2, dtype=T.float64), 0.5), RuntimeError,
           'expected dtype float for `end` but got dtype double')
    raises(lambda T: T.lerp(T.ones(2), T.ones(3), 0.5), RuntimeError, 'The size of tensor a (2) must match')
    raises(lambda T: T.lerp(T.ones(2, dtype=T.long), T.ones(2, dtype=T.long), 0.5), NotImplementedError,
           '"lerp_kernel_scalar" not implemented for \'Long\'')


def test_roll_flip():
    check(lambda T, a: T.roll(a, 1), [A])
    check(lambda T, a: T.roll(a, (1, -2), (0, 1)), [A])
    check(lambda T, a: a.roll(5, -1), [A])
    check(lambda T, a: T.flip(a, (0, 1)), [A])
    assert framework.roll(framework.arange(6).reshape(2, 3), 1).numpy().tolist() == [[5, 0, 1], [2, 3, 4]]
    raises(lambda T: T.roll(T.ones(2, 3), (1, 2), (0,)), RuntimeError, 'shifts and dimensions must align')


def test_repeat_interleave():
    check(lambda T, a: T.repeat_interleave(a, 2), [A])
    check(lambda T, a: T.repeat_interleave(a, 3, dim=1), [A])
    check(lambda T, a, r: a.repeat_interleave(r, dim=0), [A, np.array([1, 0, 2])])
    check(lambda T, r: T.repeat_interleave(r), [np.array([1, 2, 0, 3])], grad=False)
    assert framework.repeat_interleave(framework.tensor([1, 2]), 2).numpy().tolist() == [1, 1, 2, 2]
    raises(lambda T: T.repeat_interleave(T.ones(3), T.tensor([1, 2])), RuntimeError,
           'repeats must have the same size as input along dim, but got repeats.size(0) = 2 and input.size(0) = 3')
    raises(lambda T: T.repeat_interleave(T.ones(3), T.tensor([1, -2, 1])), RuntimeError, 'repeats can not be negative')


def test_nan_to_num():
    x = np.array([1., np.nan, np.inf, -np.inf, -2.])
    check(lambda T, a: T.nan_to_num(a), [x], grad=False)
    check(lambda T, a: T.nan_to_num(a, nan=1.5, posinf=9., neginf=-9.), [x], grad=False)
    check(lambda T, a: T.nan_to_num(a * 1, 0.5), [A])
    t = framework.tensor(x, requires_grad=True)
    framework.nan_to_num(t).sum().backward()
    assert t.grad.numpy().tolist() == [1., 0., 0., 0., 1.]
    y = framework.tensor([float('nan'), 2.])
    y.nan_to_num_(nan=-1.)
    assert y.numpy().tolist() == [-1., 2.]


def test_logcumsumexp():
    check(lambda T, a: T.logcumsumexp(a, 1), [A])
    check(lambda T, a: T.logcumsumexp(a, 0), [A * 50])
    r = framework.logcumsumexp(framework.tensor([0., 0., 1000.], dtype=framework.float64), 0).numpy()
    np.testing.assert_allclose(r, [0., np.log(2.), 1000.], rtol=1e-12)
    raises(lambda T: T.logcumsumexp(T.tensor([1, 2]), 0), NotImplementedError,
           '"logcumsumexp_out_cpu" not implemented for \'Long\'')


def test_addcmul_addcdiv():
    c = RNG.uniform(1, 2, (3, 4))
    check(lambda T, a, b, d: T.addcmul(a, b, d, value=0.5), [A, B, c])
    check(lambda T, a, b, d: a.addcdiv(b, d, value=-2), [A, B, c])
    assert framework.addcmul(framework.tensor([1.]), framework.tensor([2.]), framework.tensor([3.])).item() == 7.
    raises(lambda T: T.addcdiv(T.ones(2), T.ones(2, dtype=T.long), T.ones(2, dtype=T.long)), RuntimeError,
           'Integer division with addcdiv is no longer supported')


def test_index_add():
    idx = np.array([0, 2, 0])
    check(lambda T, a, i, s: T.index_add(a, 0, i, s, alpha=2), [A, idx, RNG.standard_normal((3, 4))])
    check(lambda T, a, i, s: a.index_add(1, i, s), [A, idx, RNG.standard_normal((3, 3))])
    x = framework.zeros(3)
    x.index_add_(0, framework.tensor([0, 2, 0]), framework.tensor([1., 2., 3.]))
    assert x.numpy().tolist() == [4., 0., 2.]


@pytest.mark.parametrize('name', ['masked_select', 'index_select', 'take_along_dim', 'nonzero', 'isnan'])
def test_existing_indexing_ops_against_torch(name):
    x = np.array([[1., np.nan, -2.], [0., np.inf, 3.]])
    if name == 'masked_select':
        check(lambda T, a: T.masked_select(a * 1, a > 0), [A], rtol=0, atol=0)
    elif name == 'index_select':
        check(lambda T, a, i: T.index_select(a, 1, i), [A, np.array([3, 0, 3])])
    elif name == 'take_along_dim':
        check(lambda T, a, i: T.take_along_dim(a, i, 1), [A, np.array([[0], [3], [1]])])
    elif name == 'nonzero':
        check(lambda T, a: T.nonzero(a), [x], grad=False)
    else:
        check(lambda T, a: (T.isnan(a), T.isinf(a), T.isfinite(a)), [x], grad=False)


@pytest.mark.parametrize('reduce', ['sum', 'prod', 'mean', 'amax', 'amin'])
@pytest.mark.parametrize('include_self', [True, False])
def test_scatter_reduce(reduce, include_self):
    idx = np.array([[0, 1, 0, 1], [2, 2, 0, 0]])
    src = RNG.standard_normal((2, 4))
    check(lambda T, a, i, s: T.scatter_reduce(a, 0, i, s, reduce, include_self=include_self), [A, idx, src])
    check(lambda T, a, i, s: a.scatter_reduce(1, i, s, reduce, include_self=include_self),
          [A, idx % 3, RNG.standard_normal((2, 4))])


def test_scatter_reduce_ties_zeros_and_literal():
    # amax: the gradient is shared among equal values; prod: zeros in input and src
    a = np.array([1., 3., 0.])
    check(lambda T, x, i, s: T.scatter_reduce(x, 0, i, s, 'amax'), [a, np.array([1, 1, 0]), np.array([3., 2., 5.])],
          numeric=False)
    check(lambda T, x, i, s: T.scatter_reduce(x, 0, i, s, 'prod'), [a, np.array([0, 2, 2, 1]),
                                                                     np.array([0., 2., 4., 0.])], gradgrad=False)
    r = framework.tensor([1., 2.]).scatter_reduce(0, framework.tensor([0, 0, 1]), framework.tensor([5., 1., 7.]),
                                                  'mean', include_self=False)
    assert r.numpy().tolist() == [3., 7.]
    x = framework.tensor([1, 2])
    x.scatter_reduce_(0, framework.tensor([1, 1]), framework.tensor([5, 1]), 'amax')
    assert x.numpy().tolist() == [1, 5]
    raises(lambda T: T.scatter_reduce(T.ones(2), 0, T.tensor([0]), T.ones(1), 'foo'), RuntimeError,
           'reduce argument must be either sum, prod, mean, amax or amin, got foo')
