"""diag, diagonal, diag_embed, trace, outer, cross, kron, tril/triu, cdist, baddbmm/addbmm/addmm/addmv/addr."""
import numpy as np
import pytest

import framework

from ._compare import check, raises

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B3 = RNG.standard_normal((2, 3, 4))
V = RNG.standard_normal(3)
W = RNG.standard_normal(4)


@pytest.mark.parametrize('offset', [0, 1, -2])
def test_diag_family(offset):
    check(lambda T, a: T.diag(a, offset), [V])
    check(lambda T, a: T.diag(a, offset), [A])
    check(lambda T, a: T.diagonal(a, offset), [A])
    check(lambda T, a: T.diagonal(a, offset, 2, 0), [B3])
    check(lambda T, a: T.diag_embed(a, offset), [A])
    check(lambda T, a: T.diag_embed(a, offset, 0, 2), [A])


def test_diag_literal():
    m = framework.tensor([[1., 2., 3.], [4., 5., 6.]])
    assert framework.diag(m).numpy().tolist() == [1., 5.]
    assert framework.diag(m, 1).numpy().tolist() == [2., 6.]
    assert framework.diag(framework.tensor([1, 2]), -1).numpy().tolist() == [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    assert framework.trace(m).item() == 6.
    assert m.diagonal(offset=-1).numpy().tolist() == [4.]
    assert framework.diag_embed(framework.tensor([[1., 2.]])).numpy().tolist() == [[[1., 0.], [0., 2.]]]


def test_trace_outer_kron_cross():
    check(lambda T, a: T.trace(a), [A])
    check(lambda T, a, b: T.outer(a, b), [V, W])
    check(lambda T, a, b: a.ger(b), [V, W])
    check(lambda T, a, b: T.kron(a, b), [A[:2, :2], V])
    check(lambda T, a, b: T.kron(a, b), [B3[:, :2, :2], A[:2]])
    check(lambda T, a, b: T.cross(a, b, dim=1), [RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3))])
    check(lambda T, a, b: T.linalg.cross(a, b), [RNG.standard_normal((2, 3)), RNG.standard_normal((1, 3))])
    assert framework.outer(framework.tensor([1, 2]), framework.tensor([3, 4, 5])).numpy().tolist() == \
        [[3, 4, 5], [6, 8, 10]]
    assert framework.cross(framework.tensor([1., 0., 0.]), framework.tensor([0., 1., 0.]), dim=0).numpy().tolist() \
        == [0., 0., 1.]
    assert framework.kron(framework.tensor([[1, 2]]), framework.tensor([[1], [10]])).numpy().tolist() == \
        [[1, 2], [10, 20]]


def test_tril_triu_against_torch():
    for k in (-1, 0, 2):
        check(lambda T, a: T.tril(a, k), [A])
        check(lambda T, a: T.triu(a, k), [B3])


@pytest.mark.parametrize('p', [2.0, 1.0, 3.0, 0.5, float('inf'), 0.0])
def test_cdist(p):
    x1, x2 = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((2, 5, 3))
    check(lambda T, a, b: T.cdist(a, b, p=p), [x1, x2], rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize('mode', ['use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist',
                                  'donot_use_mm_for_euclid_dist'])
def test_cdist_matmul_path(mode):
    x1, x2 = RNG.standard_normal((30, 3)), RNG.standard_normal((4, 3))      # 30 rows: PyTorch's matmul form
    check(lambda T, a, b: T.cdist(a, b, compute_mode=mode), [x1, x2], rtol=1e-7, atol=1e-9)


def test_cdist_literal_and_zero_distance_grad():
    x1 = framework.tensor([[0., 0.], [3., 4.]], requires_grad=True)
    d = framework.cdist(x1, framework.tensor([[0., 0.]]))
    assert d.detach().numpy().tolist() == [[0.], [5.]]
    d.sum().backward()
    np.testing.assert_allclose(x1.grad.numpy(), [[0., 0.], [0.6, 0.8]], rtol=1e-6)   # no NaN at distance 0


def test_cdist_errors():
    raises(lambda T: T.cdist(T.ones(2, 3), T.ones(2, 4)), RuntimeError,
           'X1 and X2 must have the same number of columns')
    raises(lambda T: T.cdist(T.ones(3), T.ones(2, 3)), RuntimeError, 'cdist only supports at least 2D tensors, X1 got')
    raises(lambda T: T.cdist(T.ones(2, 3), T.ones(2, 3), p=-1), RuntimeError, 'cdist only supports non-negative p')


def test_add_products():
    check(lambda T, i, a, b: T.baddbmm(i, a, b, beta=0.5, alpha=2), [RNG.standard_normal((2, 3, 5)), B3,
                                                                   RNG.standard_normal((2, 4, 5))])
    check(lambda T, i, a, b: T.addbmm(i, a, b), [RNG.standard_normal((3, 5)), B3, RNG.standard_normal((2, 4, 5))])
    check(lambda T, i, a, b: T.addmm(i, a, b, alpha=3), [RNG.standard_normal(5), A, RNG.standard_normal((4, 5))])
    check(lambda T, i, a, b: T.addmv(i, a, b, beta=2), [V, A, W])
    check(lambda T, i, a, b: T.addr(i, a, b), [A, V, W])
    check(lambda T, i, a, b: i.addmm(a, b, beta=0), [RNG.standard_normal((3, 5)), A, RNG.standard_normal((4, 5))])


@pytest.mark.parametrize('fn,exc,message', [
    (lambda T: T.trace(T.ones(3)), RuntimeError, 'trace: expected a matrix, but got tensor with dim 1'),
    (lambda T: T.diag(T.ones(2, 2, 2)), RuntimeError, 'diag(): Supports 1D or 2D tensors. Got 3D'),
    (lambda T: T.diagonal(T.ones(2, 2), 0, 0, 0), RuntimeError, 'diagonal dimensions cannot be identical 0, 0'),
    (lambda T: T.outer(T.ones(2, 2), T.ones(2)), RuntimeError, 'outer: Expected 1-D argument self, but got 2-D'),
    (lambda T: T.cross(T.ones(2, 2), T.ones(2, 2), dim=1), RuntimeError,
     'linalg.cross: inputs dimension 1 must have length 3. Got 2 and 2'),
])
def test_errors(fn, exc, message):
    raises(fn, exc, message)


def test_diagonal_is_a_view():
    x = framework.zeros(3, 3)
    x.diagonal().fill_(1.)
    assert x.numpy().tolist() == np.eye(3).tolist()
    x.diagonal(1).add_(2.)
    assert x[0, 1].item() == 2. and x[1, 2].item() == 2.
    d = framework.diag(x)
    d.fill_(7.)
    assert x[0, 0].item() == 1.                       # diag copies

    def fn(T, a, b):
        y = a * 1
        y.diagonal().add_(b)
        return y * y
    check(fn, [RNG.standard_normal((3, 3)), RNG.standard_normal(3)])
