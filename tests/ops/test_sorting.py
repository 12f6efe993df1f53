"""sort, argsort, msort, topk, kthvalue, median, mode, cummax, cummin, unique, searchsorted, bucketize.

Where PyTorch leaves the order of ties unspecified (topk, kthvalue, median's index), the tests use
distinct values against torch and check ties only for what is specified (values; an index that points
at the value). sort/argsort ties are checked with stable=True, mode's and cummax's with PyTorch's CPU
rule (last index).
"""
import numpy as np
import pytest

import framework

from ._compare import check, raises

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 5))
X3 = RNG.standard_normal((2, 3, 4))


def _lit(t):
    return t.numpy().tolist()


@pytest.mark.parametrize('dim', [-1, 0])
@pytest.mark.parametrize('descending', [False, True])
def test_sort_against_torch(dim, descending):
    check(lambda T, a: T.sort(a, dim=dim, descending=descending), [X])
    check(lambda T, a: T.sort(a, dim=dim, descending=descending, stable=True), [X3])
    check(lambda T, a: T.argsort(a, dim=dim, descending=descending), [X])


def test_sort_stable_ties_and_nan_literal():
    a = framework.tensor([2., 1., float('nan'), 2., 1.])
    v, i = framework.sort(a, stable=True)
    assert _lit(i) == [1, 4, 0, 3, 2]
    assert np.isnan(v.numpy()[-1])
    v, i = framework.sort(a, descending=True, stable=True)
    assert _lit(i) == [2, 0, 3, 1, 4]                  # NaN first, equal values keep their order
    assert _lit(framework.argsort(framework.tensor([3, 1, 2]))) == [1, 2, 0]
    assert _lit(framework.msort(framework.tensor([[2, 1], [1, 3]]))) == [[1, 1], [2, 3]]
    r = framework.sort(framework.tensor([[3, 1, 2]], dtype=framework.int32))
    assert r.values.dtype == framework.int32 and r.indices.dtype == framework.int64
    check(lambda T, a: T.sort(a, stable=True), [np.array([2., 1., np.nan, 2., 1.])], grad=False)


def test_sort_grad_literal():
    x = framework.tensor([3., 1., 2.], requires_grad=True)
    (framework.sort(x).values * framework.tensor([1., 10., 100.])).sum().backward()
    assert _lit(x.grad) == [100., 1., 10.]


@pytest.mark.parametrize('largest', [True, False])
def test_topk(largest):
    check(lambda T, a: T.topk(a, 3, largest=largest), [X])
    check(lambda T, a: T.topk(a, 2, dim=1, largest=largest), [X3])
    check(lambda T, a: a.topk(0), [X])
    v, i = framework.topk(framework.tensor([1., 5., 3., 5.]), 2)
    assert _lit(v) == [5., 5.] and sorted(_lit(i)) == [1, 3]     # tie order unspecified in PyTorch


def test_topk_errors():
    raises(lambda T: T.topk(T.ones(3), 4), RuntimeError, 'selected index k out of range')
    raises(lambda T: T.topk(T.ones(3), -1), RuntimeError, 'selected index k out of range')
    raises(lambda T: T.sort(T.ones(3), dim=2), IndexError, 'Dimension out of range')


def test_kthvalue_median_mode():
    check(lambda T, a: T.kthvalue(a, 2), [X])
    check(lambda T, a: T.kthvalue(a, 1, dim=0, keepdim=True), [X3])
    check(lambda T, a: T.median(a), [X])
    check(lambda T, a: T.median(a, dim=1), [X])          # odd length: the middle
    check(lambda T, a: T.median(a, dim=-1, keepdim=True), [X3])   # even: the lower of the two
    ints = np.array([[1, 2, 2, 3, 3], [4, 4, 1, 1, 0]])
    check(lambda T, a: T.mode(a), [ints], grad=False)
    check(lambda T, a: T.mode(a.double(), dim=0), [ints.astype(float)], grad=False)
    assert _lit(framework.kthvalue(framework.tensor([5., 1., 4.]), 2).values) == 4.
    assert framework.median(framework.tensor([4., 1., 3., 2.])).item() == 2.     # lower median
    r = framework.median(framework.tensor([[2., float('nan'), 1.], [4., 3., 2.]]), 1)
    assert np.isnan(r.values.numpy()[0]) and _lit(r.indices) == [1, 1]
    m = framework.mode(framework.tensor([2., 1., 2., 1.]))
    assert m.values.item() == 1. and m.indices.item() == 3        # smallest of the most frequent, last index
    raises(lambda T: T.kthvalue(T.ones(3), 4), RuntimeError, 'selected number k out of range for dimension 0')


def test_median_ties_index_points_at_value():
    a = framework.tensor([[1., 2., 2., 2., 3.]])
    v, i = framework.median(a, 1)
    assert v.item() == 2. and a[0, i.item()].item() == 2.


def test_cummax_cummin():
    check(lambda T, a: T.cummax(a, 1), [X])
    check(lambda T, a: T.cummin(a, 0), [X3])
    a = [1., 3., 3., 2., float('nan'), 5., float('nan')]
    check(lambda T, a: T.cummax(a, 0), [np.array(a)], grad=False)
    r = framework.cummax(framework.tensor(a), 0)
    assert _lit(r.indices) == [0, 1, 2, 2, 4, 4, 6]
    r = framework.cummin(framework.tensor([1., 0., 0., 2.]), 0)
    assert _lit(r.values) == [1., 0., 0., 0.] and _lit(r.indices) == [0, 1, 2, 2]


def test_unique():
    a = np.array([3, 1, 3, 2, 1, 1])
    u, inv, cnt = framework.unique(framework.tensor(a), return_inverse=True, return_counts=True)
    assert _lit(u) == [1, 2, 3] and _lit(inv) == [2, 0, 2, 1, 0, 0] and _lit(cnt) == [3, 1, 2]
    check(lambda T, a: T.unique(a, return_inverse=True, return_counts=True), [a.reshape(2, 3)], grad=False)
    check(lambda T, a: T.unique(a, dim=0, return_inverse=True), [np.array([[1, 2], [0, 1], [1, 2]])], grad=False)
    check(lambda T, a: a.unique(), [np.array([2.5, -1., 2.5])], grad=False)


def test_searchsorted_bucketize():
    seq = np.array([1, 3, 5, 7])
    vals = np.array([[3, 6, 9], [0, 1, 7]])
    for right in (False, True):
        check(lambda T, s, v: T.searchsorted(s, v, right=right), [seq, vals], grad=False)
        check(lambda T, v, s: T.bucketize(v, s, right=right), [vals, seq], grad=False)
    check(lambda T, s, v: T.searchsorted(s, v, side='right', out_int32=True), [seq, vals], grad=False)
    check(lambda T, s, v: T.searchsorted(s, v), [np.array([[1, 3, 5], [2, 4, 6]]), vals], grad=False)
    assert _lit(framework.bucketize(framework.tensor([3, 6]), framework.tensor([1, 3, 5]))) == [1, 3]
    assert _lit(framework.searchsorted(framework.tensor([1, 3, 5]), framework.tensor([3, 6]), right=True)) == [2, 3]
    raises(lambda T: T.searchsorted(T.tensor([1, 3]), T.tensor([1]), side='left', right=True), RuntimeError,
           "side and right can't be set to opposites")
    raises(lambda T: T.searchsorted(T.tensor([[1, 3, 5]]), T.tensor([3, 6])), RuntimeError,
           'boundaries tensor should be 1 dimension')
    raises(lambda T: T.bucketize(T.tensor([3, 6]), T.tensor([[1, 3, 5]])), RuntimeError,
           'boundaries tensor must be 1 dimension, but got dim(2)')


def test_methods():
    a = framework.tensor([[3., 1., 2.]])
    assert _lit(a.sort().indices) == [[1, 2, 0]] and _lit(a.argsort(descending=True)) == [[0, 2, 1]]
    assert _lit(a.topk(1).values) == [[3.]] and a.median().item() == 2.
