"""framework.linalg: values and gradients against torch.linalg, float64 gradcheck and gradgradcheck,
hand-worked values, and PyTorch's errors (LinAlgError for singular / non-positive-definite input).

Decompositions are compared through functions their sign and order conventions do not change
(squared entries of singular vectors and eigenvectors); Cholesky, eigh and eigvalsh read one triangle,
so their gradients are checked through A -> A A^T + 3I, as PyTorch's own tests do.
"""
import math

import numpy as np
import pytest

import framework
from framework import linalg

from ._compare import check, raises

RNG = np.random.default_rng(0)
SQ = RNG.standard_normal((3, 3))
BATCH = RNG.standard_normal((2, 3, 3))


def _spd(T, a):
    return a @ a.mT + 3 * T.eye(a.shape[-1], dtype=a.dtype)


def test_inv_solve_det_slogdet():
    check(lambda T, a: T.linalg.inv(a), [SQ])
    check(lambda T, a: T.linalg.inv(a), [BATCH])
    check(lambda T, a: T.inverse(a), [SQ])
    check(lambda T, a, b: T.linalg.solve(a, b), [SQ, RNG.standard_normal((3, 2))])
    check(lambda T, a, b: T.linalg.solve(a, b), [SQ, RNG.standard_normal(3)])
    check(lambda T, a, b: T.linalg.solve(a, b), [BATCH, RNG.standard_normal((2, 3))])
    check(lambda T, a, b: T.linalg.solve(a, b, left=False), [SQ, RNG.standard_normal((2, 3))])
    check(lambda T, a: T.linalg.det(a), [SQ])
    check(lambda T, a: a.det(), [BATCH])
    check(lambda T, a: T.linalg.slogdet(a), [BATCH])
    check(lambda T, a: T.logdet(_spd(T, a)), [SQ])


def test_literal_values():
    a = framework.tensor([[4., 7.], [2., 6.]], dtype=framework.float64)
    np.testing.assert_allclose(linalg.inv(a).numpy(), [[0.6, -0.7], [-0.2, 0.4]], rtol=1e-12)
    assert abs(linalg.det(a).item() - 10.) < 1e-12
    sign, logabs = linalg.slogdet(a)
    assert sign.item() == 1. and abs(logabs.item() - math.log(10.)) < 1e-12
    np.testing.assert_allclose(linalg.solve(a, framework.tensor([1., 0.], dtype=framework.float64)).numpy(),
                               [0.6, -0.2], rtol=1e-12)
    L = linalg.cholesky(framework.tensor([[4., 2.], [2., 2.]], dtype=framework.float64))
    np.testing.assert_allclose(L.numpy(), [[2., 0.], [1., 1.]], rtol=1e-12)
    assert linalg.vector_norm(framework.tensor([3., 4.])).item() == 5.
    assert linalg.vector_norm(framework.tensor([3., -4.]), ord=1).item() == 7.
    assert linalg.vector_norm(framework.tensor([3., -4.]), ord=float('inf')).item() == 4.
    assert linalg.matrix_norm(framework.tensor([[1., -2.], [3., 4.]]), ord=1).item() == 6.
    assert linalg.matrix_norm(framework.tensor([[1., -2.], [3., 4.]]), ord=float('inf')).item() == 7.
    w = linalg.eigvalsh(framework.tensor([[2., 1.], [1., 2.]], dtype=framework.float64))
    np.testing.assert_allclose(w.numpy(), [1., 3.], rtol=1e-12)
    np.testing.assert_allclose(linalg.svdvals(framework.tensor([[3., 0.], [0., -4.]])).numpy(), [4., 3.])


def test_det_grad_literal():
    a = framework.tensor([[4., 7.], [2., 6.]], dtype=framework.float64, requires_grad=True)
    linalg.det(a).backward()
    np.testing.assert_allclose(a.grad.numpy(), [[6., -2.], [-7., 4.]], rtol=1e-12)     # the cofactor matrix


def test_det_grad_of_singular_matrix_is_zero_as_in_pytorch():
    a = framework.tensor([[1., 2.], [2., 4.]], requires_grad=True)
    linalg.det(a).backward()
    assert a.grad.numpy().tolist() == [[0., 0.], [0., 0.]]
    b = framework.tensor([[[1., 2.], [2., 4.]], [[4., 7.], [2., 6.]]], dtype=framework.float64, requires_grad=True)
    linalg.det(b).sum().backward()          # one singular matrix in the batch leaves the other's gradient exact
    np.testing.assert_allclose(b.grad.numpy(), [[[0., 0.], [0., 0.]], [[6., -2.], [-7., 4.]]], rtol=1e-12)


def test_cholesky_eigh():
    check(lambda T, a: T.linalg.cholesky(_spd(T, a)), [SQ])
    check(lambda T, a: T.linalg.cholesky(_spd(T, a), upper=True), [BATCH])
    check(lambda T, a: T.linalg.eigvalsh(_spd(T, a)), [SQ])
    check(lambda T, a: (lambda w, v: (w, v * v))(*T.linalg.eigh(_spd(T, a))), [SQ])
    check(lambda T, a: T.linalg.eigh(_spd(T, a), UPLO='U')[0], [BATCH])


@pytest.mark.parametrize('shape', [(4, 3), (3, 4), (3, 3), (2, 4, 3)])
def test_svd_qr(shape):
    x = RNG.standard_normal(shape)
    k = min(shape[-2:])
    check(lambda T, a: (lambda u, s, vh: (u * u, s, vh * vh))(*T.linalg.svd(a, full_matrices=False)), [x])
    check(lambda T, a: (lambda u, s, vh: (u[..., :k] ** 2, s, vh[..., :k, :] ** 2))(*T.linalg.svd(a)), [x])
    check(lambda T, a: T.linalg.svdvals(a), [x])
    check(lambda T, a: T.linalg.qr(a), [x])
    if shape[-2] <= shape[-1]:
        check(lambda T, a: T.linalg.qr(a, mode='complete'), [x])
    check(lambda T, a: T.linalg.qr(a, mode='r')[1], [x], grad=False)


def test_decomposition_shapes():
    x = framework.tensor(RNG.standard_normal((5, 3)))
    u, s, vh = linalg.svd(x)
    assert tuple(u.shape) == (5, 5) and tuple(s.shape) == (3,) and tuple(vh.shape) == (3, 3)
    q, r = linalg.qr(x, mode='complete')
    assert tuple(q.shape) == (5, 5) and tuple(r.shape) == (5, 3)
    res = linalg.qr(x)
    np.testing.assert_allclose((res.Q @ res.R).numpy(), x.numpy(), atol=1e-12)
    e = linalg.eigh(framework.tensor([[2., 1.], [1., 2.]]))
    assert tuple(e.eigenvectors.shape) == (2, 2) and tuple(e.eigenvalues.shape) == (2,)


@pytest.mark.parametrize('ord', [2, 1, 3, 0.5, float('inf'), -float('inf'), 0])
def test_vector_norm(ord):
    x = RNG.standard_normal((2, 3, 4))
    check(lambda T, a: T.linalg.vector_norm(a, ord), [x])
    check(lambda T, a: T.linalg.vector_norm(a, ord, dim=(0, 2), keepdim=True), [x])
    check(lambda T, a: T.linalg.vector_norm(a, ord, dim=-1), [x])


def test_vector_norm_zero_grad_and_dtype():
    x = framework.zeros(3, requires_grad=True)
    linalg.vector_norm(x).backward()
    assert x.grad.numpy().tolist() == [0., 0., 0.]
    check(lambda T, a: T.linalg.vector_norm(a, dtype=T.float64), [np.array([3., 4.], dtype=np.float32)],
          grad=False)


@pytest.mark.parametrize('ord', ['fro', 'nuc', 2, -2, 1, -1, float('inf'), -float('inf')])
def test_matrix_norm(ord):
    x = RNG.standard_normal((2, 3, 4))
    check(lambda T, a: T.linalg.matrix_norm(a, ord), [x])
    check(lambda T, a: T.linalg.matrix_norm(a, ord, dim=(0, 2), keepdim=True), [x])


def test_norm_dispatch():
    x = RNG.standard_normal((3, 4))
    check(lambda T, a: T.linalg.norm(a), [x])
    check(lambda T, a: T.linalg.norm(a, 'nuc'), [x])
    check(lambda T, a: T.linalg.norm(a, 1), [x])
    check(lambda T, a: T.linalg.norm(a[0], 3), [x])
    check(lambda T, a: T.linalg.norm(a, dim=1), [x])
    check(lambda T, a: T.linalg.norm(a, 2, dim=(0, 1)), [x])


@pytest.mark.parametrize('fn,exc,message', [
    (lambda T: T.linalg.inv(T.ones(2, 3)), RuntimeError, 'linalg.inv: A must be batches of square matrices, but they '
     'are 2 by 3 matrices'),
    (lambda T: T.linalg.inv(T.ones(2, 2)), linalg.LinAlgError, 'linalg.inv: The diagonal element 2 is zero'),
    (lambda T: T.linalg.inv(T.ones(3, 2, 2)), linalg.LinAlgError, '(Batch element 0): The diagonal element 2'),
    (lambda T: T.linalg.inv(T.ones(2)), RuntimeError, 'The input tensor A must have at least 2 dimensions.'),
    (lambda T: T.linalg.inv(T.ones(2, 2, dtype=T.long)), RuntimeError, 'Expected a floating point or complex tensor'),
    (lambda T: T.linalg.det(T.ones(2, 3)), RuntimeError, 'linalg.det: A must be batches of square matrices'),
    (lambda T: T.linalg.cholesky(T.tensor([[1., 2], [2, 1]])), linalg.LinAlgError,
     'the leading minor of order 2 is not positive-definite'),
    (lambda T: T.linalg.cholesky(T.tensor([[[1., 2], [2, 1]]] * 2)), linalg.LinAlgError, '(Batch element 0)'),
    (lambda T: T.linalg.solve(T.eye(2), T.ones(3)), RuntimeError, 'Incompatible shapes of A and B for the equation'),
    (lambda T: T.linalg.solve(T.ones(2, 2), T.ones(2)), linalg.LinAlgError, 'The solver failed because the input'),
    (lambda T: T.linalg.eigh(T.ones(2, 3)), RuntimeError, 'linalg.eigh: A must be batches of square matrices'),
    (lambda T: T.linalg.svd(T.ones(3)), RuntimeError, 'linalg.svd: The input tensor A must have at least 2'),
    (lambda T: T.linalg.qr(T.ones(3, 3), mode='x'), RuntimeError, "qr received unrecognized mode 'x'"),
    (lambda T: T.linalg.vector_norm(T.ones(3, dtype=T.long)), RuntimeError, 'linalg.vector_norm: Expected a floating'),
    (lambda T: T.linalg.matrix_norm(T.ones(3)), RuntimeError, 'linalg.matrix_norm: The input tensor A must have'),
    (lambda T: T.linalg.matrix_norm(T.ones(3, 3), ord=3), RuntimeError, 'linalg.matrix_norm: Order 3 not supported.'),
    (lambda T: T.linalg.norm(T.ones(3, 3, 3), ord=2), RuntimeError, 'If dim is not specified but ord is, the input '
     'must be 1D or 2D. Got 3D.'),
])
def test_errors(fn, exc, message):
    raises(fn, exc, message)


def test_qr_complete_tall_not_differentiable():
    x = framework.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    q, r = linalg.qr(x, mode='complete')
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        q.sum().backward()


def test_qr_mode_r_not_differentiable():
    x = framework.tensor(RNG.standard_normal((3, 3)), requires_grad=True)
    q, r = linalg.qr(x, mode='r')
    assert tuple(q.shape) == (0,)
    with pytest.raises(RuntimeError, match="depends on Q, which is not computed when mode='r'"):
        r.sum().backward()
