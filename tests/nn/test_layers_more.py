"""Embedding, EmbeddingBag, LayerNorm, GroupNorm, RMSNorm, the remaining activations, distances, pixel
shuffle and losses: hand-worked values, PyTorch's values and gradients, float64 gradcheck/gradgradcheck,
parameter names, init, reprs and error messages."""
import math

import numpy as np
import pytest

import framework
from framework import nn
from framework.nn import functional as F
from framework.autograd import gradcheck, gradgradcheck
from tests.conftest import torch_or_none, torch_or_skip

R = np.random.default_rng(0)


def arr(*shape, lo=-1.0, hi=1.0, dtype=np.float64):
    return R.uniform(lo, hi, shape).astype(dtype)


def f64(*arrays):
    return [framework.tensor(a, requires_grad=a.dtype.kind == 'f') for a in arrays]


def vs_torch(fn, arrays, rtol=1e-5, atol=1e-6, name=None, dtype=np.float32):
    """fn(T, *tensors) under framework and torch: values and the gradients of every float input agree."""
    torch = torch_or_none()
    if torch is None:
        return
    outs = []
    for T in (framework, torch):
        ts = [T.tensor(a.astype(dtype) if a.dtype.kind == 'f' else a, requires_grad=a.dtype.kind == 'f')
              for a in arrays]
        y = fn(T, *ts)
        w = np.sin(np.arange(y.numel(), dtype=np.float64)).reshape(tuple(y.shape)).astype(dtype)
        (y * T.tensor(w)).sum().backward()
        outs.append((y, [t.grad for t in ts]))
    (y, gs), (ty, tgs) = outs
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    for g, tg in zip(gs, tgs):
        assert (g is None) == (tg is None)
        if g is not None:
            np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=rtol, atol=atol)
    if name:
        assert type(y.grad_fn).__name__ == type(ty.grad_fn).__name__ == name


def raises_like_torch(exc, message, fn):
    """fn(T) raises exc with exactly this message, under framework and (where installed) torch; framework
    names its own types (framework.Size) where PyTorch names torch's."""
    torch = torch_or_none()
    for T in (framework,) + ((torch,) if torch is not None else ()):
        with pytest.raises(exc) as e:
            fn(T)
        text = str(e.value)
        assert (text.replace('framework.Size', 'torch.Size') if T is framework else text) == message, T.__name__


# ---------------------------------------------------------------- Embedding
def test_embedding_by_hand():
    w = framework.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], requires_grad=True)
    idx = framework.tensor([[2, 0], [2, 2]])
    y = F.embedding(idx, w)
    assert y.tolist() == [[[4.0, 5.0], [0.0, 1.0]], [[4.0, 5.0], [4.0, 5.0]]]
    assert type(y.grad_fn).__name__ == 'EmbeddingBackward0'
    y.sum().backward()
    assert w.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]]
    # padding_idx rows get no gradient; scale_grad_by_freq divides by how often a row was looked up
    w.grad = None
    F.embedding(idx, w, padding_idx=0, scale_grad_by_freq=True).sum().backward()
    assert w.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]


@pytest.mark.parametrize('kw', [{}, {'padding_idx': 1}, {'padding_idx': -2}, {'scale_grad_by_freq': True},
                                {'padding_idx': 0, 'scale_grad_by_freq': True}], ids=str)
def test_embedding_vs_torch_and_gradgradcheck(kw):
    idx = np.array([[1, 2, 0, 2], [3, 3, 3, 4]])
    w = arr(5, 3)
    vs_torch(lambda T, w: T.nn.functional.embedding(T.tensor(idx), w, **kw), [w], name='EmbeddingBackward0')
    wt, = f64(w)
    if not kw:      # padding_idx and scale_grad_by_freq change the gradient on purpose: not a derivative
        assert gradcheck(lambda w: F.embedding(framework.tensor(idx), w, **kw), [wt])
    if not kw.get('scale_grad_by_freq'):     # PyTorch's own gradgradcheck fails there too: the scaling repeats
        assert gradgradcheck(lambda w: F.embedding(framework.tensor(idx), w, **kw) ** 2, [wt])
    torch = torch_or_none()
    if torch is not None:           # second derivatives as PyTorch's, whatever the options
        got = []
        for T in (framework, torch):
            w2 = T.tensor(w, requires_grad=True)
            y = T.nn.functional.embedding(T.tensor(idx), w2, **kw) ** 3
            g, = T.autograd.grad(y.sum(), w2, create_graph=True)
            gg, = T.autograd.grad((g * T.tensor(np.cos(np.arange(15.0)).reshape(5, 3))).sum(), w2)
            got.append(gg.numpy())
        np.testing.assert_allclose(got[0], got[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('n,size', [(10000, 8192), (65, 2048), (5, 3), (3, 1), (100, 50), (4, 0)], ids=str)
def test_index_add_rows_matches_add_at(n, size):
    """The scatter behind embedding gradients and bags: sorted or not, few or many repeats, same sums."""
    from framework.ops.embedding import index_add_rows
    rng = np.random.default_rng(n + size)
    idx = rng.integers(0, n, size)
    rows = rng.standard_normal((size, 3))
    want = np.zeros((n, 3))
    np.add.at(want, idx, rows)
    for order in (np.arange(size), np.argsort(idx, kind='stable')):
        got = np.ones((n, 3))
        index_add_rows(got, idx[order], rows[order])
        np.testing.assert_allclose(got, want + 1, rtol=1e-12, atol=1e-12)


def test_embedding_max_norm_renormalizes_in_place():
    w = framework.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    v = w._version
    y = F.embedding(framework.tensor([0, 1]), w, max_norm=1.0)
    assert np.allclose(w.numpy(), [[0.6, 0.8], [0.3, 0.4], [6.0, 8.0]], atol=1e-6)   # row 2 was not looked up
    assert np.allclose(y.numpy(), [[0.6, 0.8], [0.3, 0.4]], atol=1e-6) and w._version > v
    w = framework.tensor([[3.0, 4.0]])
    F.embedding(framework.tensor([0]), w, max_norm=2.0, norm_type=1.0)       # |3| + |4| = 7 → scaled to 2
    assert np.allclose(w.numpy(), [[6 / 7, 8 / 7]], atol=1e-6)
    torch = torch_or_none()
    if torch is not None:
        wa = arr(6, 4, lo=-2, hi=2, dtype=np.float32)
        idx = np.array([0, 2, 2, 5])
        ours, theirs = framework.tensor(wa), torch.tensor(wa)
        a = F.embedding(framework.tensor(idx), ours, max_norm=1.5, norm_type=3.0)
        b = torch.nn.functional.embedding(torch.tensor(idx), theirs, max_norm=1.5, norm_type=3.0)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)


def test_embedding_module():
    framework.manual_seed(0)
    e = nn.Embedding(10, 3, padding_idx=2)
    assert list(e.state_dict()) == ['weight'] and e.weight.shape == (10, 3)
    assert e.weight[2].tolist() == [0.0, 0.0, 0.0]
    big = nn.Embedding(1000, 50).weight.detach().numpy()
    assert abs(big.mean()) < 0.02 and abs(big.std() - 1) < 0.02             # init.normal_(0, 1)
    assert repr(e) == 'Embedding(10, 3, padding_idx=2)'
    assert repr(nn.Embedding(5, 2, padding_idx=-1, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)) == \
        'Embedding(5, 2, padding_idx=4, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)'
    out = e(framework.tensor([[2, 3]]))
    assert out.shape == (1, 2, 3) and out[0, 0].tolist() == [0.0, 0.0, 0.0]
    pre = framework.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = nn.Embedding.from_pretrained(pre)
    assert not frozen.weight.requires_grad and frozen(framework.tensor([1])).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(pre, freeze=False, padding_idx=0).weight.requires_grad
    torch = torch_or_none()
    if torch is not None:
        assert repr(torch.nn.Embedding(5, 2, padding_idx=-1, max_norm=1.0, norm_type=1.0,
                                       scale_grad_by_freq=True)) == \
            'Embedding(5, 2, padding_idx=4, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)'


def test_embedding_errors():
    w = lambda T: T.ones(5, 3)     # noqa: E731
    raises_like_torch(RuntimeError, "Expected tensor for argument #1 'indices' to have one of the following scalar "
                      'types: Long, Int; but got torch.FloatTensor instead (while checking arguments for embedding)',
                      lambda T: T.nn.functional.embedding(T.tensor([1.0]), w(T)))
    raises_like_torch(IndexError, 'index out of range in self',
                      lambda T: T.nn.functional.embedding(T.tensor([5]), w(T)))
    raises_like_torch(IndexError, 'index out of range in self',
                      lambda T: T.nn.functional.embedding(T.tensor([-1]), w(T)))
    raises_like_torch(AssertionError, 'Padding_idx must be within num_embeddings',
                      lambda T: T.nn.functional.embedding(T.tensor([1]), w(T), padding_idx=5))
    raises_like_torch(AssertionError, 'Padding_idx must be within num_embeddings',
                      lambda T: T.nn.Embedding(5, 3, padding_idx=-6))
    raises_like_torch(RuntimeError, "'weight' must be 2-D",
                      lambda T: T.nn.functional.embedding(T.tensor([1]), T.ones(5)))
    raises_like_torch(AssertionError, 'Embeddings parameter is expected to be 2-dimensional',
                      lambda T: T.nn.Embedding.from_pretrained(T.ones(5)))
    raises_like_torch(AssertionError, 'Shape of weight does not match num_embeddings and embedding_dim',
                      lambda T: T.nn.Embedding(5, 3, _weight=T.ones(4, 3)))
    with pytest.raises(NotImplementedError, match='sparse=False only'):
        nn.Embedding(3, 2, sparse=True)(framework.tensor([0]))


# ---------------------------------------------------------------- EmbeddingBag
def test_embedding_bag_by_hand():
    w = framework.tensor([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]], requires_grad=True)
    idx = framework.tensor([0, 2, 3, 1, 1])
    offsets = framework.tensor([0, 2, 2])             # bags [0, 2], [], [3, 1, 1]
    assert F.embedding_bag(idx, w, offsets, mode='sum').tolist() == [[4.0, 40.0], [0.0, 0.0], [8.0, 80.0]]
    assert np.allclose(F.embedding_bag(idx, w, offsets, mode='mean').tolist(), [[2.0, 20.0], [0.0, 0.0],
                                                                                 [8 / 3, 80 / 3]])
    assert F.embedding_bag(idx, w, offsets, mode='max').tolist() == [[3.0, 30.0], [0.0, 0.0], [4.0, 40.0]]
    F.embedding_bag(idx, w, offsets, mode='mean').sum().backward()
    assert np.allclose(w.grad.tolist(), [[0.5, 0.5], [2 / 3, 2 / 3], [0.5, 0.5], [1 / 3, 1 / 3]])
    # per_sample_weights scale each row of a sum; padding_idx entries leave their bag (and its count)
    psw = framework.tensor([1.0, 2.0, 0.5, 1.0, 1.0])
    assert F.embedding_bag(idx, w, offsets, mode='sum', per_sample_weights=psw).tolist() == \
        [[7.0, 70.0], [0.0, 0.0], [6.0, 60.0]]
    assert F.embedding_bag(idx, w, offsets, mode='mean', padding_idx=1).tolist() == \
        [[2.0, 20.0], [0.0, 0.0], [4.0, 40.0]]
    # 2-D input: fixed-length bags, one per row
    assert F.embedding_bag(framework.tensor([[0, 1], [2, 3]]), w, mode='sum').tolist() == \
        [[3.0, 30.0], [7.0, 70.0]]


BAG_CASES = [dict(mode=m, **kw) for m in ('sum', 'mean', 'max')
             for kw in ({}, {'padding_idx': 2}, {'include_last_offset': True},
                        {'include_last_offset': True, 'padding_idx': 3})]


@pytest.mark.parametrize('kw', BAG_CASES, ids=str)
@pytest.mark.parametrize('offsets', [[0, 3, 3, 5], [0, 8], [0, 0, 8]], ids=str)
def test_embedding_bag_vs_torch(kw, offsets):
    idx = np.array([1, 2, 0, 2, 3, 3, 3, 9])
    if kw.get('include_last_offset'):
        offsets = offsets + [8]     # the documented layout: the last offset is the input's length
    vs_torch(lambda T, w: T.nn.functional.embedding_bag(T.tensor(idx), w, T.tensor(offsets), **kw), [arr(10, 4)])


def test_embedding_bag_scale_grad_by_freq():
    """As F.embedding: a row looked up k times gets each of its k gradients divided by k. (PyTorch 2.13's CPU
    embedding_bag divides by the count of the previous distinct index instead: for these indices rows 3 and 9
    get 1.5 and 1/3, where F.embedding gives 1 and 1.)"""
    idx = framework.tensor([1, 2, 0, 2, 3, 3, 3, 9])
    w = framework.ones(10, 1, requires_grad=True)
    F.embedding_bag(idx, w, framework.tensor([0, 3, 3, 5]), mode='sum', scale_grad_by_freq=True).sum().backward()
    assert w.grad.flatten().tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    w2 = framework.ones(10, 1, requires_grad=True)
    F.embedding(idx, w2, scale_grad_by_freq=True).sum().backward()
    assert w2.grad.tolist() == w.grad.tolist()
    w.grad = None
    F.embedding_bag(idx, w, framework.tensor([0, 3]), mode='mean', scale_grad_by_freq=True,
                    padding_idx=2).sum().backward()
    # bag 0 = [1, (2), 0]: mean of 2 rows; bag 1 = [(2), 3, 3, 3, 9]: mean of 4; row 3: 3 * (1/4) / 3
    assert np.allclose(w.grad.flatten().tolist(), [0.5, 0.5, 0, 0.25, 0, 0, 0, 0, 0, 0.25])


def test_embedding_bag_per_sample_weights_and_2d_vs_torch():
    idx = np.array([[1, 2, 0], [3, 3, 9]])
    vs_torch(lambda T, w, p: T.nn.functional.embedding_bag(T.tensor(idx), w, mode='sum', per_sample_weights=p),
             [arr(10, 4), arr(2, 3)])
    for mode in ('mean', 'max'):
        vs_torch(lambda T, w: T.nn.functional.embedding_bag(T.tensor(idx), w, mode=mode), [arr(10, 4)])


def test_embedding_bag_gradgradcheck():
    idx = framework.tensor([1, 2, 0, 2, 3, 3])
    off = framework.tensor([0, 2, 2])
    w, p = f64(arr(5, 3), arr(6))
    for mode in ('sum', 'mean', 'max'):
        assert gradcheck(lambda w: F.embedding_bag(idx, w, off, mode=mode), [w])
        assert gradgradcheck(lambda w: F.embedding_bag(idx, w, off, mode=mode) ** 2, [w])
    assert gradgradcheck(lambda w, p: F.embedding_bag(idx, w, off, mode='sum', per_sample_weights=p) ** 2, [w, p])


def test_embedding_bag_module_and_errors():
    framework.manual_seed(0)
    bag = nn.EmbeddingBag(10, 3, mode='max', padding_idx=-9)
    assert repr(bag) == "EmbeddingBag(10, 3, mode='max', padding_idx=1)" and list(bag.state_dict()) == ['weight']
    assert bag.weight[1].tolist() == [0.0, 0.0, 0.0]
    assert repr(nn.EmbeddingBag(5, 2)) == "EmbeddingBag(5, 2, mode='mean')"
    out = bag(framework.tensor([0, 1, 2]), framework.tensor([0, 1]))
    assert out.shape == (2, 3)
    pre = nn.EmbeddingBag.from_pretrained(framework.ones(4, 2), mode='sum')
    assert not pre.weight.requires_grad and pre(framework.tensor([[0, 1, 2]])).tolist() == [[3.0, 3.0]]
    w = lambda T: T.ones(5, 3)      # noqa: E731
    eb = lambda T, *a, **k: T.nn.functional.embedding_bag(*a, **k)     # noqa: E731
    raises_like_torch(ValueError, 'offsets has to be a 1D Tensor but got None',
                      lambda T: eb(T, T.tensor([1, 2]), w(T)))
    raises_like_torch(ValueError, 'input has to be 1D or 2D Tensor, but got Tensor of dimension 3',
                      lambda T: eb(T, T.tensor([[[1, 2]]]), w(T)))
    raises_like_torch(ValueError, 'offsets has to be a 1D Tensor',
                      lambda T: eb(T, T.tensor([1, 2]), w(T), T.tensor([[0]])))
    raises_like_torch(NotImplementedError, "embedding_bag: per_sample_weights was not None. per_sample_weights is "
                      "only supported for mode='sum' (got mode='mean'). Please open a feature request on GitHub.",
                      lambda T: eb(T, T.tensor([1, 2]), w(T), T.tensor([0]), mode='mean',
                                   per_sample_weights=T.ones(2)))
    raises_like_torch(ValueError, 'mode has to be one of sum, mean or max',
                      lambda T: eb(T, T.tensor([1, 2]), w(T), T.tensor([0]), mode='foo'))
    raises_like_torch(RuntimeError, 'offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start '
                      'from position 0. However, got 1\n[ torch.LongTensor{} ]',
                      lambda T: eb(T, T.tensor([1, 2]), w(T), T.tensor([1])))
    raises_like_torch(RuntimeError, "offsets[-1] can not be greater than input's length 2 but got offsets[-1] of 3",
                      lambda T: eb(T, T.tensor([1, 2]), w(T), T.tensor([0, 3])))
    raises_like_torch(RuntimeError, 'Index 1 of input takes value 7 which is not in the valid range [0, 5)',
                      lambda T: eb(T, T.tensor([1, 7]), w(T), T.tensor([0])))
    raises_like_torch(ValueError, 'embedding_bag: If per_sample_weights (torch.Size([3])) is not None, then it must '
                      'have the same shape as the input (torch.Size([2]))',
                      lambda T: eb(T, T.tensor([1, 2]), w(T), T.tensor([0]), per_sample_weights=T.ones(3)))
    raises_like_torch(ValueError, 'max mode does not support scaling the gradient by the frequency',
                      lambda T: eb(T, T.tensor([1, 2]), w(T), T.tensor([0]), mode='max', scale_grad_by_freq=True))
    with pytest.raises(ValueError, match='^if input is 2D, then offsets has to be None'):
        F.embedding_bag(framework.tensor([[1, 2]]), framework.ones(5, 3), framework.tensor([0]))


# ---------------------------------------------------------------- normalization
def test_layer_norm_by_hand():
    x = framework.tensor([[1.0, 2.0, 3.0, 6.0]])
    y = F.layer_norm(x, (4,), eps=0.0)          # mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5
    assert y.tolist()[0] == pytest.approx([-2 / math.sqrt(3.5), -1 / math.sqrt(3.5), 0.0, 3 / math.sqrt(3.5)])
    w, b = framework.tensor([1.0, 2.0, 3.0, 4.0]), framework.tensor([0.5, 0.5, 0.5, 0.5])
    assert F.layer_norm(x, [4], w, b, eps=0.0).tolist()[0] == pytest.approx(
        [0.5 - 2 / math.sqrt(3.5), 0.5 - 2 / math.sqrt(3.5), 0.5, 0.5 + 12 / math.sqrt(3.5)])
    # rms_norm: x / sqrt(mean(x^2) + eps), mean(x^2) = 50 / 4
    assert F.rms_norm(x, (4,), eps=0.0).tolist()[0] == pytest.approx([v / math.sqrt(12.5) for v in (1, 2, 3, 6)])
    # group_norm with 2 groups of 2 channels: each group normalized alone
    g = F.group_norm(framework.tensor([[[1.0], [3.0], [10.0], [20.0]]]), 2, eps=0.0)
    assert g.flatten().tolist() == pytest.approx([-1.0, 1.0, -1.0, 1.0])


NORMS = [
    ('layer_norm', lambda T, x, w, b: T.nn.functional.layer_norm(x, (4,), w, b), [(2, 6, 4), (4,), (4,)],
     'NativeLayerNormBackward0'),
    ('layer_norm_2d', lambda T, x, w, b: T.nn.functional.layer_norm(x, (6, 4), w, b, eps=1e-3),
     [(2, 6, 4), (6, 4), (6, 4)], 'NativeLayerNormBackward0'),
    ('layer_norm_plain', lambda T, x: T.nn.functional.layer_norm(x, (4,)), [(3, 4)], 'NativeLayerNormBackward0'),
    ('layer_norm_weight_only', lambda T, x, w: T.nn.functional.layer_norm(x, (4,), w), [(3, 4), (4,)], None),
    ('group_norm', lambda T, x, w, b: T.nn.functional.group_norm(x, 3, w, b), [(2, 6, 5), (6,), (6,)], None),
    ('group_norm_4d', lambda T, x, w, b: T.nn.functional.group_norm(x, 2, w, b, eps=1e-2),
     [(2, 4, 3, 3), (4,), (4,)], None),
    ('group_norm_2d', lambda T, x: T.nn.functional.group_norm(x, 1), [(3, 4)], None),
    ('rms_norm', lambda T, x, w: T.nn.functional.rms_norm(x, (4,), w), [(2, 6, 4), (4,)], None),
    ('rms_norm_eps', lambda T, x: T.nn.functional.rms_norm(x, (6, 4), eps=1e-2), [(2, 6, 4)], None),
]


@pytest.mark.parametrize('name,fn,shapes,node', NORMS, ids=[n[0] for n in NORMS])
def test_norms_vs_torch_and_gradgradcheck(name, fn, shapes, node):
    arrays = [arr(*s) for s in shapes]
    vs_torch(fn, arrays, name=node)
    vs_torch(fn, arrays, dtype=np.float64, rtol=1e-10, atol=1e-12)
    ts = f64(*arrays)
    assert gradcheck(lambda *a: fn(framework, *a), ts)
    assert gradgradcheck(lambda *a: fn(framework, *a), ts)


def test_norm_modules_match_torch():
    cases = [('LayerNorm', (4,), {}), ('LayerNorm', ((3, 4),), {'elementwise_affine': False}),
             ('LayerNorm', (4,), {'bias': False, 'eps': 1e-3}), ('GroupNorm', (3, 6), {}),
             ('GroupNorm', (3, 6), {'affine': False}), ('GroupNorm', (2, 4), {'bias': False}),
             ('RMSNorm', (4,), {}), ('RMSNorm', ([3, 4],), {'eps': 1e-3, 'elementwise_affine': False})]
    expected = ['LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)',
                'LayerNorm((3, 4), eps=1e-05, elementwise_affine=False, bias=False)',
                'LayerNorm((4,), eps=0.001, elementwise_affine=True, bias=False)',
                'GroupNorm(3, 6, eps=1e-05, affine=True, bias=True)',
                'GroupNorm(3, 6, eps=1e-05, affine=False, bias=False)',
                'GroupNorm(2, 4, eps=1e-05, affine=True, bias=False)',
                'RMSNorm((4,), eps=None, elementwise_affine=True)',
                'RMSNorm((3, 4), eps=0.001, elementwise_affine=False)']
    keys = [['weight', 'bias'], [], ['weight'], ['weight', 'bias'], [], ['weight'], ['weight'], []]
    torch = torch_or_none()
    for (name, args, kw), rep, k in zip(cases, expected, keys):
        m = getattr(nn, name)(*args, **kw)
        assert repr(m) == rep and list(m.state_dict()) == k
        for p in m.parameters():
            assert set(p.detach().numpy().ravel().tolist()) <= {0.0, 1.0}
        if torch is not None:
            tm = getattr(torch.nn, name)(*args, **kw)
            assert repr(tm) == rep and list(tm.state_dict()) == k
    x = framework.tensor(arr(2, 6, 4).astype(np.float32))
    ln = nn.LayerNorm(4)
    assert np.allclose(ln(x).detach().numpy(), F.layer_norm(x, (4,)).detach().numpy())
    assert nn.GroupNorm(3, 6)(x).shape == (2, 6, 4) and nn.RMSNorm(4)(x).shape == (2, 6, 4)


def test_norm_errors():
    x = lambda T: T.ones(2, 6, 4)       # noqa: E731
    raises_like_torch(RuntimeError, 'Given normalized_shape=[5], expected input with shape [*, 5], but got input of '
                      'size[2, 6, 4]', lambda T: T.nn.functional.layer_norm(x(T), (5,)))
    raises_like_torch(RuntimeError, 'Given normalized_shape=[2, 6, 4, 1], expected input with shape '
                      '[*, 2, 6, 4, 1], but got input of size[2, 6, 4]',
                      lambda T: T.nn.functional.layer_norm(x(T), (2, 6, 4, 1)))
    raises_like_torch(RuntimeError, 'Expected weight to be of same shape as normalized_shape, but got weight of '
                      'shape [3] and normalized_shape = [4]',
                      lambda T: T.nn.functional.layer_norm(x(T), (4,), weight=T.ones(3)))
    raises_like_torch(RuntimeError, 'Expected bias to be of same shape as normalized_shape, but got bias of '
                      'shape [3] and normalized_shape = [4]',
                      lambda T: T.nn.functional.layer_norm(x(T), (4,), bias=T.ones(3)))
    raises_like_torch(RuntimeError, 'Expected number of channels in input to be divisible by num_groups, but got '
                      'input of shape [2, 6, 4] and num_groups=4', lambda T: T.nn.functional.group_norm(x(T), 4))
    raises_like_torch(RuntimeError, 'Expected weight to be a vector of size equal to the number of channels in '
                      'input, but got weight of shape [5] and input of shape [2, 6, 4]',
                      lambda T: T.nn.functional.group_norm(x(T), 3, weight=T.ones(5)))
    raises_like_torch(RuntimeError, 'Expected at least 2 dimensions for input tensor but received 1',
                      lambda T: T.nn.functional.group_norm(T.ones(6), 3))
    raises_like_torch(ValueError, 'Expected more than 1 value per channel when training, got input size [1, 3]',
                      lambda T: T.nn.functional.group_norm(T.ones(1, 3), 3))
    raises_like_torch(RuntimeError, 'Given normalized_shape=[5], expected input with shape [*5], but got input of '
                      'size[2, 6, 4]', lambda T: T.nn.functional.rms_norm(x(T), (5,)))
    raises_like_torch(ValueError, 'num_channels (6) must be divisible by num_groups (4)',
                      lambda T: T.nn.GroupNorm(4, 6))


# ---------------------------------------------------------------- activations
def test_activations_by_hand():
    x = framework.tensor([-4.0, -1.0, 0.0, 0.25, 1.0, 4.0])
    sp = [math.log1p(math.exp(v)) for v in (-4.0, -1.0, 0.0, 0.25, 1.0, 4.0)]
    assert F.mish(x).tolist() == pytest.approx([v * math.tanh(s) for v, s in zip(x.tolist(), sp)], rel=1e-6)
    assert F.hardswish(x).tolist() == pytest.approx([0.0, -1 / 3, 0.0, 0.25 * 3.25 / 6, 4 / 6, 4.0])
    assert F.hardsigmoid(x).tolist() == pytest.approx([0.0, 2 / 6, 0.5, 3.25 / 6, 4 / 6, 1.0])
    assert F.softsign(x).tolist() == pytest.approx([-0.8, -0.5, 0.0, 0.2, 0.5, 0.8])
    assert F.tanhshrink(x).tolist() == pytest.approx([v - math.tanh(v) for v in x.tolist()], abs=1e-7)
    assert F.softshrink(x, 0.5).tolist() == [-3.5, -0.5, 0.0, 0.0, 0.5, 3.5]
    assert F.hardshrink(x, 0.5).tolist() == [-4.0, -1.0, 0.0, 0.0, 1.0, 4.0]
    assert F.threshold(x, 0.1, 20.0).tolist() == [20.0, 20.0, 20.0, 0.25, 1.0, 4.0]
    assert F.celu(x, 2.0).tolist() == pytest.approx([2 * math.expm1(-2), 2 * math.expm1(-0.5), 0.0, 0.25, 1.0, 4.0])
    s, a = 1.0507009873554805, 1.6732632423543772
    assert F.selu(x).tolist() == pytest.approx([s * a * math.expm1(-4), s * a * math.expm1(-1), 0, s * 0.25, s, 4 * s])
    assert F.glu(framework.tensor([[1.0, 2.0, 0.0, 1.0]])).tolist()[0] == pytest.approx([0.5, 2 / (1 + math.exp(-1))])
    w = framework.tensor([0.1, 0.2])
    assert np.allclose(F.prelu(framework.tensor([[-1.0, -1.0], [2.0, -3.0]]), w).tolist(), [[-0.1, -0.2],
                                                                                            [2.0, -0.6]])
    # gradients at a few points: hardswish x / 3 + 1/2 inside [-3, 3]; shrink and threshold masks
    xg = framework.tensor([-4.0, -1.0, 1.0, 4.0], requires_grad=True)
    F.hardswish(xg).sum().backward()
    assert xg.grad.tolist() == pytest.approx([0.0, 1 / 6, 5 / 6, 1.0])
    xg.grad = None
    F.softshrink(xg, 2.0).sum().backward()
    assert xg.grad.tolist() == [1.0, 0.0, 0.0, 1.0]


ACTS = [
    ('mish', lambda T, x: T.nn.functional.mish(x), 'MishBackward0'),
    ('hardswish', lambda T, x: T.nn.functional.hardswish(x), 'HardswishBackward0'),
    ('hardsigmoid', lambda T, x: T.nn.functional.hardsigmoid(x), 'HardsigmoidBackward0'),
    ('softsign', lambda T, x: T.nn.functional.softsign(x), 'DivBackward0'),
    ('tanhshrink', lambda T, x: T.nn.functional.tanhshrink(x), 'SubBackward0'),
    ('softshrink', lambda T, x: T.nn.functional.softshrink(x, 0.3), 'SoftshrinkBackward0'),
    ('hardshrink', lambda T, x: T.nn.functional.hardshrink(x, 0.3), 'HardshrinkBackward0'),
    ('threshold', lambda T, x: T.nn.functional.threshold(x, 0.1, -2.0), 'ThresholdBackward0'),
    ('celu', lambda T, x: T.nn.functional.celu(x, 0.7), 'CeluBackward0'),
    ('selu', lambda T, x: T.nn.functional.selu(x), 'EluBackward0'),
    ('glu', lambda T, x: T.nn.functional.glu(x, 1), 'GluBackward0'),
    ('glu_last', lambda T, x: T.nn.functional.glu(x), 'GluBackward0'),
]


@pytest.mark.parametrize('name,fn,node', ACTS, ids=[a[0] for a in ACTS])
def test_activations_vs_torch_and_gradgradcheck(name, fn, node):
    x = arr(3, 4, 2, lo=-5, hi=5)
    x[np.abs(x) < 0.05] = 0.5            # keep finite differences away from kinks
    x[np.abs(np.abs(x) - 3) < 0.05] = 2.0
    x[np.abs(np.abs(x) - 0.3) < 0.05] = 1.0
    x[np.abs(x - 0.1) < 0.05] = 1.0
    vs_torch(fn, [x], name=node)
    # PyTorch's float64 hardsigmoid and celu gradients use float32 constants (1.0f / 6.0f, 1 / alpha): 1e-7 apart
    loose = name in ('hardsigmoid', 'celu')
    vs_torch(fn, [x], dtype=np.float64, rtol=2e-7 if loose else 1e-10, atol=1e-12)
    xt, = f64(x)
    assert gradcheck(lambda t: fn(framework, t), [xt])
    assert gradgradcheck(lambda t: fn(framework, t), [xt])


@pytest.mark.parametrize('shape,n', [((3, 4, 2), 4), ((3, 4), 1), ((5,), 1), ((2, 3, 2, 2), 3)], ids=str)
def test_prelu_vs_torch_and_gradgradcheck(shape, n):
    x = arr(*shape, lo=-2, hi=2)
    x[np.abs(x) < 0.05] = 0.5
    w = arr(n, lo=0, hi=0.5)
    vs_torch(lambda T, x, w: T.nn.functional.prelu(x, w), [x, w], name='PreluKernelBackward0')
    assert gradgradcheck(lambda x, w: F.prelu(x, w) ** 2, f64(x, w))


def test_activation_modules_and_inplace():
    cases = [(nn.Mish(), 'Mish()'), (nn.Mish(inplace=True), 'Mish(inplace=True)'), (nn.Hardswish(), 'Hardswish()'),
             (nn.Hardsigmoid(inplace=True), 'Hardsigmoid()'), (nn.PReLU(), 'PReLU(num_parameters=1)'),
             (nn.PReLU(3, 0.1), 'PReLU(num_parameters=3)'), (nn.Softsign(), 'Softsign()'),
             (nn.Tanhshrink(), 'Tanhshrink()'), (nn.Softshrink(), 'Softshrink(0.5)'),
             (nn.Hardshrink(0.3), 'Hardshrink(0.3)'), (nn.CELU(), 'CELU(alpha=1.0)'),
             (nn.CELU(2.0, inplace=True), 'CELU(alpha=2.0, inplace=True)'), (nn.SELU(True), 'SELU(inplace=True)'),
             (nn.GLU(), 'GLU(dim=-1)'), (nn.Threshold(0.1, 20), 'Threshold(threshold=0.1, value=20)'),
             (nn.Threshold(0.1, 20.0, True), 'Threshold(threshold=0.1, value=20.0, inplace=True)')]
    for m, rep in cases:
        assert repr(m) == rep
    p = nn.PReLU(3, 0.1)
    assert list(p.state_dict()) == ['weight'] and p.weight.tolist() == pytest.approx([0.1] * 3)
    assert nn.PReLU().weight.tolist() == [0.25]
    for m, fn in ((nn.Mish(inplace=True), F.mish), (nn.SELU(inplace=True), F.selu), (nn.Hardswish(True), F.hardswish),
                  (nn.CELU(0.5, True), lambda t: F.celu(t, 0.5)), (nn.Threshold(0.0, -1.0, True),
                                                                   lambda t: F.threshold(t, 0.0, -1.0))):
        x = framework.tensor(arr(4).astype(np.float32))
        want = fn(x).tolist()
        out = m(x)
        assert out is x and x.tolist() == want
    leaf = framework.tensor(arr(3), requires_grad=True)
    y = leaf * 1
    nn.Mish(inplace=True)(y).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), framework.autograd.grad(F.mish(leaf).sum(), leaf)[0].numpy())
    torch = torch_or_none()
    if torch is not None:
        for m, rep in cases:
            tm = getattr(torch.nn, type(m).__name__)
            assert type(m).__name__ in dir(torch.nn) and tm is not None


def test_activation_errors():
    x = lambda T: T.ones(2, 3)       # noqa: E731
    raises_like_torch(RuntimeError, 'lambda must be in range [0, 3.40282e+38] for input dtype Float, but found -1',
                      lambda T: T.nn.functional.softshrink(x(T), -1))
    raises_like_torch(RuntimeError, 'Halving dimension must be even, but dimension 1 is size 3',
                      lambda T: T.nn.functional.glu(x(T), 1))
    raises_like_torch(RuntimeError, 'glu does not support scalars because halving size must be even',
                      lambda T: T.nn.functional.glu(T.tensor(1.0)))
    raises_like_torch(RuntimeError, 'Mismatch of parameter numbers and input channel size. Found parameter numbers = '
                      '2 and channel size = 3.', lambda T: T.nn.functional.prelu(x(T), T.ones(2)))
    raises_like_torch(RuntimeError, 'Mismatch of parameter numbers and input channel size. Found parameter numbers = '
                      '3 and channel size = 1.', lambda T: T.nn.functional.prelu(T.ones(3), T.ones(3)))
    raises_like_torch(RuntimeError, 'ZeroDivisionError: alpha cannot be 0 for CELU',
                      lambda T: T.nn.functional.celu(x(T), 0.0))


# ---------------------------------------------------------------- distances, pixel shuffle
def test_distances_and_pixel_shuffle_by_hand():
    a, b = framework.tensor([[3.0, 4.0], [1.0, 0.0]]), framework.tensor([[4.0, 3.0], [0.0, 0.0]])
    assert F.cosine_similarity(a, b).tolist() == pytest.approx([24 / 25, 0.0])     # a zero vector: 0, not nan
    assert F.pairwise_distance(a, b, eps=0.0).tolist() == pytest.approx([math.sqrt(2), 1.0])
    assert F.pairwise_distance(a, b, p=1, eps=0.0, keepdim=True).tolist() == [[2.0], [1.0]]
    x = framework.arange(8.0).reshape(1, 4, 1, 2)       # 4 channels = 1 channel x 2 x 2
    y = F.pixel_shuffle(x, 2)
    assert y.tolist() == [[[[0.0, 2.0, 1.0, 3.0], [4.0, 6.0, 5.0, 7.0]]]]
    assert F.pixel_unshuffle(y, 2).tolist() == x.tolist()


DIST = [
    ('cosine', lambda T, a, b: T.nn.functional.cosine_similarity(a, b), [(4, 5), (4, 5)]),
    ('cosine_dim', lambda T, a, b: T.nn.functional.cosine_similarity(a, b, dim=-1, eps=0.1), [(2, 3, 4), (3, 4)]),
    ('pairwise', lambda T, a, b: T.nn.functional.pairwise_distance(a, b), [(4, 5), (4, 5)]),
    ('pairwise_p1', lambda T, a, b: T.nn.functional.pairwise_distance(a, b, p=1.5, keepdim=True), [(4, 5), (5,)]),
    ('shuffle', lambda T, x: T.nn.functional.pixel_shuffle(x, 2), [(2, 8, 3, 2)]),
    ('shuffle_3d', lambda T, x: T.nn.functional.pixel_shuffle(x, 3), [(9, 2, 2)]),
    ('unshuffle', lambda T, x: T.nn.functional.pixel_unshuffle(x, 2), [(2, 2, 4, 6)]),
    ('unshuffle_5d', lambda T, x: T.nn.functional.pixel_unshuffle(x, 2), [(2, 1, 3, 2, 4)]),
]


@pytest.mark.parametrize('name,fn,shapes', DIST, ids=[d[0] for d in DIST])
def test_distances_vs_torch_and_gradgradcheck(name, fn, shapes):
    arrays = [arr(*s) for s in shapes]
    vs_torch(fn, arrays)
    ts = f64(*arrays)
    assert gradcheck(lambda *a: fn(framework, *a), ts)
    assert gradgradcheck(lambda *a: fn(framework, *a), ts)


def test_distance_modules_and_errors():
    assert repr(nn.CosineSimilarity()) == 'CosineSimilarity()' and nn.CosineSimilarity().eps == 1e-8
    d = nn.PairwiseDistance()
    assert repr(d) == 'PairwiseDistance()' and (d.norm, d.eps, d.keepdim) == (2.0, 1e-6, False)
    assert repr(nn.PixelShuffle(2)) == 'PixelShuffle(upscale_factor=2)'
    assert repr(nn.PixelUnshuffle(3)) == 'PixelUnshuffle(downscale_factor=3)'
    assert nn.PixelShuffle(2)(framework.ones(1, 4, 2, 2)).shape == (1, 1, 4, 4)
    raises_like_torch(RuntimeError, 'pixel_shuffle expects input to have at least 3 dimensions, but got input with '
                      '2 dimension(s)', lambda T: T.nn.functional.pixel_shuffle(T.ones(2, 3), 2))
    raises_like_torch(RuntimeError, "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                      'square of upscale_factor, but input.size(-3)=3 is not divisible by 4',
                      lambda T: T.nn.functional.pixel_shuffle(T.ones(1, 3, 2, 2), 2))
    raises_like_torch(RuntimeError, 'pixel_unshuffle expects height to be divisible by downscale_factor, but '
                      'input.size(-2)=3 is not divisible by 2',
                      lambda T: T.nn.functional.pixel_unshuffle(T.ones(1, 3, 3, 2), 2))
    raises_like_torch(RuntimeError, 'pixel_unshuffle expects width to be divisible by downscale_factor, but '
                      'input.size(-1)=3 is not divisible by 2',
                      lambda T: T.nn.functional.pixel_unshuffle(T.ones(1, 3, 2, 3), 2))
    raises_like_torch(RuntimeError, 'The size of tensor a (4) must match the size of tensor b (5) at non-singleton '
                      'dimension 1', lambda T: T.nn.functional.cosine_similarity(T.ones(3, 4), T.ones(3, 5)))


# ---------------------------------------------------------------- losses
def test_losses_by_hand():
    x1, x2 = framework.tensor([[1.0, 0.0], [1.0, 1.0]]), framework.tensor([[0.0, 1.0], [1.0, 1.0]])
    y = framework.tensor([1.0, -1.0])
    # cos = [0, 1]: target 1 → 1 - 0; target -1 → max(0, 1 - 0.5)
    assert F.cosine_embedding_loss(x1, x2, y, margin=0.5, reduction='none').tolist() == pytest.approx([1.0, 0.5])
    assert F.margin_ranking_loss(framework.tensor([1.0, 2.0]), framework.tensor([2.0, 0.0]), y,
                                 margin=0.5).item() == pytest.approx((1.5 + 2.5) / 2)
    a, p, n = framework.tensor([[0.0, 0.0]]), framework.tensor([[3.0, 4.0]]), framework.tensor([[0.0, 1.0]])
    assert F.triplet_margin_loss(a, p, n, eps=0.0).item() == pytest.approx(1 + 5 - 1)
    # swap: d(p, n) = sqrt(9 + 9) > d(a, n) = 1, so d(a, n) stays
    assert F.triplet_margin_loss(a, p, n, eps=0.0, swap=True).item() == pytest.approx(5.0)
    assert F.hinge_embedding_loss(framework.tensor([0.3, 2.0]), y, reduction='sum').item() == pytest.approx(0.3)
    assert F.soft_margin_loss(framework.tensor([0.0, 1.0]), y).item() == pytest.approx(
        (math.log(2) + math.log1p(math.e)) / 2)
    # multilabel: mean over classes of the binary cross-entropy with logits
    ml = F.multilabel_soft_margin_loss(framework.tensor([[0.0, 0.0]]), framework.tensor([[1.0, 0.0]]),
                                       reduction='none')
    assert ml.tolist() == pytest.approx([math.log(2)])
    lp = framework.tensor([[math.log(0.25), math.log(0.75)]])
    q = framework.tensor([[0.5, 0.5]])
    kl = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    assert F.kl_div(lp, q, reduction='batchmean').item() == pytest.approx(kl)
    assert F.kl_div(lp, q.log(), reduction='sum', log_target=True).item() == pytest.approx(kl)
    assert F.kl_div(lp, framework.tensor([[0.0, 1.0]]), reduction='sum').item() == pytest.approx(-math.log(0.75))
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        assert F.kl_div(lp, q).item() == pytest.approx(kl / 2)
    # poisson: exp(x) - t x; full adds t log t - t + log(2 pi t) / 2 where t > 1
    assert F.poisson_nll_loss(framework.tensor([0.0, 1.0]), framework.tensor([1.0, 3.0]),
                              reduction='sum').item() == pytest.approx(1 + math.e - 3)
    assert F.poisson_nll_loss(framework.tensor([0.0]), framework.tensor([3.0]), full=True).item() == \
        pytest.approx(1 + 3 * math.log(3) - 3 + 0.5 * math.log(2 * math.pi * 3))
    assert F.poisson_nll_loss(framework.tensor([2.0]), framework.tensor([3.0]), log_input=False, eps=0.0).item() == \
        pytest.approx(2 - 3 * math.log(2))
    # gaussian: (log var + (x - t)^2 / var) / 2, var clamped to eps
    g = F.gaussian_nll_loss(framework.tensor([1.0, 2.0]), framework.tensor([0.0, 0.0]), framework.tensor([4.0, 0.0]),
                            reduction='none', eps=1e-2)
    assert g.tolist() == pytest.approx([0.5 * (math.log(4) + 0.25), 0.5 * (math.log(1e-2) + 400)], rel=1e-5)


LOSSES = [
    ('kl_div', lambda T, x, t: T.nn.functional.kl_div(x, t, reduction='batchmean'), [(3, 4), (3, 4)], (0.0, 1.0)),
    ('kl_div_log', lambda T, x, t: T.nn.functional.kl_div(x, t, reduction='none', log_target=True),
     [(3, 4), (3, 4)], None),
    ('cosine_embedding', lambda T, a, b: T.nn.functional.cosine_embedding_loss(
        a, b, T.tensor([1.0, -1.0, 1.0, -1.0]), margin=-0.2), [(4, 5), (4, 5)], None),
    ('cosine_embedding_1d', lambda T, a, b: T.nn.functional.cosine_embedding_loss(
        a, b, T.tensor(1.0), reduction='sum'), [(5,), (5,)], None),
    ('margin_ranking', lambda T, a, b: T.nn.functional.margin_ranking_loss(
        a, b, T.tensor([1.0, -1.0, 1.0, -1.0]), margin=0.3), [(4,), (4,)], None),
    ('triplet', lambda T, a, p, n: T.nn.functional.triplet_margin_loss(a, p, n, margin=2.0), [(4, 3)] * 3, None),
    ('triplet_swap', lambda T, a, p, n: T.nn.functional.triplet_margin_loss(a, p, n, p=1, swap=True, margin=3.0,
                                                                           reduction='none'), [(4, 3)] * 3, None),
    ('poisson', lambda T, x, t: T.nn.functional.poisson_nll_loss(x, t), [(3, 4), (3, 4)], (0.0, 4.0)),
    ('poisson_full', lambda T, x, t: T.nn.functional.poisson_nll_loss(x, t, log_input=False, full=True,
                                                                      reduction='sum'), [(3, 4), (3, 4)], (0.0, 4.0)),
    ('gaussian', lambda T, x, t, v: T.nn.functional.gaussian_nll_loss(x, t, v), [(3, 4), (3, 4), (3, 4)],
     (0.1, 2.0)),
    ('gaussian_homo', lambda T, x, t, v: T.nn.functional.gaussian_nll_loss(x, t, v, full=True, reduction='none'),
     [(3, 4), (3, 4), (3,)], (0.1, 2.0)),
    ('hinge', lambda T, x: T.nn.functional.hinge_embedding_loss(x, T.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]]),
                                                                margin=0.5), [(2, 3)], None),
    ('soft_margin', lambda T, x: T.nn.functional.soft_margin_loss(x, T.tensor([[1.0, -1.0, 1.0], [-1.0, 1.0, 1.0]])),
     [(2, 3)], None),
    ('multilabel', lambda T, x, t: T.nn.functional.multilabel_soft_margin_loss(x, t), [(3, 4), (3, 4)], (0.0, 1.0)),
    ('multilabel_w', lambda T, x, t: T.nn.functional.multilabel_soft_margin_loss(
        x, t, weight=T.tensor([1.0, 2.0, 0.5, 1.0]), reduction='none'), [(3, 4), (3, 4)], (0.0, 1.0)),
]


@pytest.mark.parametrize('name,fn,shapes,last_range', LOSSES, ids=[loss[0] for loss in LOSSES])
def test_losses_vs_torch_and_gradgradcheck(name, fn, shapes, last_range):
    arrays = [arr(*s, lo=-2, hi=2) for s in shapes]
    if last_range is not None:          # targets / variances from their own range
        arrays[-1] = arr(*shapes[-1], lo=last_range[0], hi=last_range[1])
        if name.startswith('poisson_full'):
            arrays[0] = arr(*shapes[0], lo=0.5, hi=3.0)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        vs_torch(fn, arrays)
        vs_torch(fn, arrays, dtype=np.float64, rtol=1e-10, atol=1e-12)
    ts = f64(*arrays)
    assert gradcheck(lambda *a: fn(framework, *a), ts)
    assert gradgradcheck(lambda *a: fn(framework, *a), ts)


def test_loss_modules():
    cases = [(nn.KLDivLoss(), 'KLDivLoss()', {'reduction': 'mean', 'log_target': False}),
             (nn.KLDivLoss(reduction='batchmean', log_target=True), 'KLDivLoss()',
              {'reduction': 'batchmean', 'log_target': True}),
             (nn.CosineEmbeddingLoss(margin=0.5), 'CosineEmbeddingLoss()', {'reduction': 'mean', 'margin': 0.5}),
             (nn.MarginRankingLoss(), 'MarginRankingLoss()', {'reduction': 'mean', 'margin': 0.0}),
             (nn.TripletMarginLoss(), 'TripletMarginLoss()', {'reduction': 'mean', 'margin': 1.0, 'p': 2.0,
                                                             'eps': 1e-6, 'swap': False}),
             (nn.PoissonNLLLoss(), 'PoissonNLLLoss()', {'reduction': 'mean', 'log_input': True, 'full': False,
                                                       'eps': 1e-8}),
             (nn.GaussianNLLLoss(), 'GaussianNLLLoss()', {'reduction': 'mean', 'full': False, 'eps': 1e-6}),
             (nn.HingeEmbeddingLoss(), 'HingeEmbeddingLoss()', {'reduction': 'mean', 'margin': 1.0}),
             (nn.SoftMarginLoss(reduction='sum'), 'SoftMarginLoss()', {'reduction': 'sum'}),
             (nn.MultiLabelSoftMarginLoss(weight=framework.ones(3)), 'MultiLabelSoftMarginLoss()',
              {'reduction': 'mean'})]
    for m, rep, attrs in cases:
        assert repr(m) == rep
        for k, v in attrs.items():
            assert getattr(m, k) == v, (rep, k)
    assert list(nn.MultiLabelSoftMarginLoss(weight=framework.ones(3)).state_dict()) == ['weight']
    assert nn.MultiLabelSoftMarginLoss().weight is None
    x, t = framework.tensor(arr(3, 4)), framework.tensor(arr(3, 4, lo=0, hi=1))
    assert nn.MultiLabelSoftMarginLoss(reduction='none')(x, t).tolist() == \
        F.multilabel_soft_margin_loss(x, t, reduction='none').tolist()
    assert nn.GaussianNLLLoss(full=True)(x, t, framework.ones(3, 4)).item() == \
        F.gaussian_nll_loss(x, t, framework.ones(3, 4), full=True).item()
    assert nn.TripletMarginLoss(swap=True)(x, x, t).item() == F.triplet_margin_loss(x, x, t, swap=True).item()
    assert nn.MarginRankingLoss(margin=1.0, reduction='none')(x[0], x[1], t[0]).shape == (4,)
    with pytest.raises(TypeError):
        nn.GaussianNLLLoss(True)            # keyword-only, as in PyTorch
    torch = torch_or_none()
    if torch is not None:
        for m, rep, attrs in cases:
            tm = getattr(torch.nn, type(m).__name__)(**{k: v for k, v in attrs.items() if k != 'reduction'},
                                                     reduction=attrs['reduction'])
            assert repr(tm) == rep


def test_loss_errors():
    x = lambda T, *s: T.ones(*s)       # noqa: E731
    raises_like_torch(RuntimeError, '1D target tensor expects 2D input tensors, but found inputs with sizes '
                      '[2, 3, 4] and [2, 3, 4].', lambda T: T.nn.functional.cosine_embedding_loss(
                          x(T, 2, 3, 4), x(T, 2, 3, 4), x(T, 2)))
    raises_like_torch(RuntimeError, '0D or 1D target tensor expected, multi-target not supported',
                      lambda T: T.nn.functional.cosine_embedding_loss(x(T, 3, 4), x(T, 3, 4), x(T, 3, 1)))
    raises_like_torch(RuntimeError, 'margin_ranking_loss : All input tensors should have same dimension but got '
                      'sizes: input1: torch.Size([3]), input2: torch.Size([3]), target: torch.Size([2, 3]) ',
                      lambda T: T.nn.functional.margin_ranking_loss(x(T, 3), x(T, 3), x(T, 2, 3)))
    raises_like_torch(RuntimeError, 'The anchor, positive, and negative tensors are expected to have the same number '
                      'of dimensions, but got: anchor 2D, positive 2D, and negative 1D inputs',
                      lambda T: T.nn.functional.triplet_margin_loss(x(T, 3, 4), x(T, 3, 4), x(T, 4)))
    raises_like_torch(ValueError, 'margin must be greater than 0, got 0',
                      lambda T: T.nn.functional.triplet_margin_loss(x(T, 3, 4), x(T, 3, 4), x(T, 3, 4), margin=0))
    raises_like_torch(ValueError, 'TripletMarginLoss: expected margin to be greater than 0, got 0 instead',
                      lambda T: T.nn.TripletMarginLoss(margin=0))
    raises_like_torch(ValueError, 'bad is not a valid value for reduction',
                      lambda T: T.nn.functional.kl_div(x(T, 3), x(T, 3), reduction='bad'))
    raises_like_torch(ValueError, 'bad is not a valid value for reduction',
                      lambda T: T.nn.functional.poisson_nll_loss(x(T, 3), x(T, 3), reduction='bad'))
    raises_like_torch(ValueError, 'var is of incorrect size',
                      lambda T: T.nn.functional.gaussian_nll_loss(x(T, 3, 4), x(T, 3, 4), x(T, 3, 2)))
    raises_like_torch(ValueError, 'var has negative entry/entries',
                      lambda T: T.nn.functional.gaussian_nll_loss(x(T, 3, 4), x(T, 3, 4), -x(T, 3, 4)))
    raises_like_torch(ValueError, 'var has negative entry/entries',
                      lambda T: T.nn.functional.gaussian_nll_loss(x(T, 3, 4), x(T, 3, 4), -1.0))
    raises_like_torch(ValueError, 'bad is not valid',
                      lambda T: T.nn.functional.gaussian_nll_loss(x(T, 3, 4), x(T, 3, 4), x(T, 3, 4), reduction='bad'))
    raises_like_torch(ValueError, 'bad is not valid',
                      lambda T: T.nn.functional.multilabel_soft_margin_loss(x(T, 3, 4), x(T, 3, 4), reduction='bad'))


def test_configs_can_name_them():
    from framework.training import registry as R
    layers, losses = R.layers(), R.losses()
    for name in ('Embedding', 'EmbeddingBag', 'LayerNorm', 'GroupNorm', 'RMSNorm', 'Mish', 'PReLU', 'GLU',
                 'PixelShuffle', 'CosineSimilarity'):
        assert layers[name] is getattr(nn, name)
    for name in ('KLDivLoss', 'PoissonNLLLoss', 'SoftMarginLoss', 'MultiLabelSoftMarginLoss', 'HingeEmbeddingLoss'):
        assert losses[name] is getattr(nn, name)
    for name in ('TripletMarginLoss', 'CosineEmbeddingLoss', 'MarginRankingLoss', 'GaussianNLLLoss'):
        assert name not in losses           # three inputs: not callable as loss(output, target)
    ln = R.construct(layers['LayerNorm'], 'model.layers.1', args=[[4]], kwargs={'eps': 1e-3})
    assert repr(ln) == 'LayerNorm((4,), eps=0.001, elementwise_affine=True, bias=True)'
    with pytest.raises(R.ConfigError, match="^model.layers.0.embedding_dim: expected an integer, got 'x'$"):
        R.construct(layers['Embedding'], 'model.layers.0', args=[10, 'x'])
    with pytest.raises(R.ConfigError, match=r'^model.layers.2: GroupNorm: num_channels \(6\) must be divisible by '
                                            r'num_groups \(4\)$'):
        R.construct(layers['GroupNorm'], 'model.layers.2', args=[4, 6])


def test_a_config_trains_with_the_new_layers(tmp_path):
    """classify.yaml with LayerNorm, Mish, RMSNorm, PReLU and Hardswish in its MLP: it learns the spirals, and
    the run resumes bit-identically from a checkpoint."""
    import os
    from framework.training import train
    from tests.training.helpers import config_path
    over = ['model.layers=[{Linear: [2, 64]}, {LayerNorm: [64]}, Mish, {Linear: [64, 64]}, {RMSNorm: [64]},'
            ' {PReLU: [64]}, Hardswish, {Linear: [64, 3]}]', 'train.epochs=6',
            'train.log_every=19', 'train.checkpoint_every=19']
    quiet = dict(progress=False, out=open(os.devnull, 'w'))
    full = train(config_path('classify'), overrides=over + [f'output.dir={tmp_path / "a"}'], **quiet)
    assert full.history[-1]['loss'] < 0.8 * full.history[0]['loss']
    part = train(config_path('classify'), overrides=over + [f'output.dir={tmp_path / "b"}'], stop_after=40, **quiet)
    resumed = train(None, resume=part.run_dir, **quiet)
    for (k, a), (_, b) in zip(sorted(full.model.state_dict().items()), sorted(resumed.model.state_dict().items())):
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes(), k
    assert [k for k in full.model.state_dict() if k.startswith('1.') or k.startswith('4.') or k.startswith('5.')] == \
        ['1.weight', '1.bias', '4.weight', '5.weight']


def test_signatures_match_torch():
    """The modules' and functions' parameters as PyTorch's: names, order, kinds and defaults."""
    import inspect
    torch = torch_or_skip()
    modules = ['Embedding', 'EmbeddingBag', 'LayerNorm', 'GroupNorm', 'RMSNorm', 'Mish', 'Hardswish', 'Hardsigmoid',
               'PReLU', 'Softsign', 'Tanhshrink', 'Softshrink', 'Hardshrink', 'CELU', 'SELU', 'GLU', 'Threshold',
               'CosineSimilarity', 'PairwiseDistance', 'PixelShuffle', 'PixelUnshuffle', 'KLDivLoss',
               'CosineEmbeddingLoss', 'MarginRankingLoss', 'TripletMarginLoss', 'PoissonNLLLoss', 'GaussianNLLLoss',
               'HingeEmbeddingLoss', 'SoftMarginLoss', 'MultiLabelSoftMarginLoss']
    for name in modules:
        for attr in ('__init__', 'forward'):
            ours = inspect.signature(getattr(getattr(nn, name), attr)).parameters
            theirs = inspect.signature(getattr(getattr(torch.nn, name), attr)).parameters
            assert [(p.name, p.kind, p.default) for p in ours.values()] == \
                [(p.name, p.kind, p.default) for p in theirs.values()], (name, attr)
    functions = ['embedding', 'embedding_bag', 'layer_norm', 'group_norm', 'rms_norm', 'mish', 'hardswish',
                 'hardsigmoid', 'softsign', 'tanhshrink', 'softshrink', 'hardshrink', 'threshold', 'celu', 'selu',
                 'glu', 'prelu', 'cosine_similarity', 'pairwise_distance', 'pixel_shuffle', 'pixel_unshuffle',
                 'kl_div', 'cosine_embedding_loss', 'margin_ranking_loss', 'triplet_margin_loss', 'poisson_nll_loss',
                 'gaussian_nll_loss', 'hinge_embedding_loss', 'soft_margin_loss', 'multilabel_soft_margin_loss']
    for name in functions:
        try:
            theirs = inspect.signature(getattr(torch.nn.functional, name)).parameters
        except ValueError:          # a C++ builtin without a Python signature
            continue
        ours = inspect.signature(getattr(F, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()], name


def test_layer_norm_input_grad_op():
    """The fused input gradient against its formula, and its own first and second derivatives (third-order
    derivatives of layer_norm)."""
    from framework.ops.norms import LayerNormInputGrad
    gh, xhat, rstd = arr(3, 2, 4), arr(3, 2, 4), arr(3, 1, 1, lo=0.5, hi=2)
    out = LayerNormInputGrad.apply(*f64(gh, xhat, rstd), k=2).detach().numpy()
    m = lambda a: a.mean(axis=(1, 2), keepdims=True)       # noqa: E731
    np.testing.assert_allclose(out, rstd * (gh - m(gh) - xhat * m(gh * xhat)), rtol=1e-12, atol=1e-12)
    ts = f64(gh, xhat, rstd)
    fn = lambda a, b, c: LayerNormInputGrad.apply(a, b, c, k=2)        # noqa: E731
    assert gradcheck(fn, ts) and gradgradcheck(fn, ts)
    x, w, b = f64(arr(2, 5), arr(5), arr(5))
    g, = framework.autograd.grad(F.layer_norm(x, (5,), w, b).pow(3).sum(), x, create_graph=True)
    assert type(g.grad_fn).__name__ == 'NativeLayerNormBackwardBackward0'
