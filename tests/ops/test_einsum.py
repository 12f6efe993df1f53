"""einsum: explicit and implicit output, ellipsis, repeated indices (diagonals), sums, broadcasting;
backward and double backward (EinsumCore's backward is an einsum), PyTorch's messages."""
import numpy as np
import pytest

import framework

from ._compare import check, raises

RNG = np.random.default_rng(0)

CASES = [
    ('ij,jk->ik', [(2, 3), (3, 4)]),
    ('ij,jk', [(2, 3), (3, 4)]),                       # implicit: letters seen once, alphabetical
    ('ba,cb', [(3, 2), (4, 3)]),
    ('ii->i', [(3, 3)]),
    ('ii', [(3, 3)]),
    ('iij->j', [(2, 2, 3)]),
    ('iji->j', [(2, 3, 2)]),
    ('...ij,...jk->...ik', [(5, 2, 3), (3, 4)]),
    ('...ij,...jk', [(5, 2, 3), (3, 4)]),
    ('i...->...', [(2, 3, 4)]),
    ('bij,bjk->bik', [(2, 2, 3), (1, 3, 4)]),       # size-1 batch broadcasts
    ('i,j->ij', [(3,), (4,)]),
    ('ij->', [(2, 3)]),
    ('ijk->kji', [(2, 3, 4)]),
    ('i,i->', [(3,), (3,)]),
    ('ab,bc,cd->ad', [(2, 3), (3, 4), (4, 5)]),
    ('ij,kl->', [(2, 3), (1, 4)]),
    ('bhqd,bhkd->bhqk', [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ('Ab,bA->A', [(2, 3), (3, 2)]),
    ('i j , j k -> i k', [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize('eq,shapes', CASES, ids=[c[0] for c in CASES])
def test_einsum_against_torch(eq, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    check(lambda T, *xs: T.einsum(eq, *xs), arrays)


def test_einsum_literal():
    a = framework.tensor([[1., 2.], [3., 4.]])
    b = framework.tensor([[5., 6.], [7., 8.]])
    assert framework.einsum('ij,jk->ik', a, b).numpy().tolist() == [[19., 22.], [43., 50.]]
    assert framework.einsum('ii', a).item() == 5.
    assert framework.einsum('ij->ji', a).numpy().tolist() == [[1., 3.], [2., 4.]]
    assert framework.einsum('ij,ij->i', [a, b]).numpy().tolist() == [17., 53.]     # operands as a list
    assert framework.einsum('i,j', framework.tensor([1, 2]), framework.tensor([3, 4])).numpy().tolist() == \
        [[3, 4], [6, 8]]


def test_einsum_double_backward_literal():
    x = framework.tensor([1., 2.], requires_grad=True)
    y = framework.einsum('i,i->', x, x)                  # |x|^2
    g, = framework.autograd.grad(y, x, create_graph=True)
    assert g.detach().numpy().tolist() == [2., 4.]
    gg, = framework.autograd.grad(g.sum(), x)
    assert gg.numpy().tolist() == [2., 2.]


@pytest.mark.parametrize('fn,message', [
    (lambda T: T.einsum('ij,jk->ik', T.ones(2, 3), T.ones(4, 5)),
     'subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3'),
    (lambda T: T.einsum('ij,jk', T.ones(2, 3)), 'fewer operands were provided than specified in the equation'),
    (lambda T: T.einsum('ij', T.ones(2, 3), T.ones(2)), 'more operands were provided than specified'),
    (lambda T: T.einsum('ij->ii', T.ones(2, 2)), 'output subscript i appears more than once in the output'),
    (lambda T: T.einsum('ij->k', T.ones(2, 2)), 'output subscript k does not appear in the equation'),
    (lambda T: T.einsum('ijk->ij', T.ones(2, 2)), 'the number of subscripts in the equation (3) does not match'),
    (lambda T: T.einsum('i1->', T.ones(2, 3)), 'invalid subscript given at index 1 in the equation string'),
    (lambda T: T.einsum('ii->i', T.ones(2, 3)), "subscript i is repeated for operand 0 but the sizes don't match"),
    (lambda T: T.einsum('i,i->', T.ones(2), T.ones(2, dtype=T.float64)), 'expected scalar type Float but found Double'),
])
def test_einsum_errors(fn, message):
    raises(fn, RuntimeError, message)


def test_einsum_sublist_form():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))
    check(lambda T, x, y: T.einsum(x, [0, 1], y, [1, 2], [0, 2]), [a, b])
    check(lambda T, x, y: T.einsum(x, [0, 1], y, [1, 2]), [a, b])
    check(lambda T, x: T.einsum(x, [Ellipsis, 1], [1]), [a])
