"""The optimizers, layers and losses of issue 15 on the GPU (or the fake device): the same numbers as on
the CPU, state on the device, and no host copy in an optimizer step."""
import numpy as np
import pytest

import framework
from framework import nn
from framework.nn import functional as F
from .test_training_cuda import _host, _train_steps

OPTIMIZERS = [
    ('rmsprop', lambda p: framework.optim.RMSprop(p, lr=1e-2, momentum=0.9, centered=True, weight_decay=1e-2)),
    ('adagrad', lambda p: framework.optim.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    ('adadelta', lambda p: framework.optim.Adadelta(p, lr=1.0, weight_decay=1e-2, maximize=True)),
    ('adamax', lambda p: framework.optim.Adamax(p, lr=1e-2, weight_decay=1e-2)),
    ('nadam', lambda p: framework.optim.NAdam(p, lr=1e-2, weight_decay=1e-2, decoupled_weight_decay=True)),
    ('radam', lambda p: framework.optim.RAdam(p, lr=1e-2, weight_decay=1e-2)),
    ('adam_capturable', lambda p: framework.optim.Adam(p, lr=1e-2, capturable=True, foreach=True)),
]


@pytest.mark.parametrize('name,make_opt', OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_optimizer_steps_on_device(cuda, name, make_opt):
    ref, _ = _train_steps('cpu', make_opt, 8) if name != 'adam_capturable' else _train_steps(
        'cpu', lambda p: framework.optim.Adam(p, lr=1e-2), 8)
    net, opt = _train_steps('cuda', make_opt, 8, cuda)        # asserts no host copy in the steps
    for p, q in zip(net.parameters(), ref.parameters()):
        assert p.is_cuda
        np.testing.assert_allclose(_host(p), _host(q), rtol=1e-5, atol=1e-6)
    for st in opt.state.values():
        for k, v in st.items():
            if k not in ('step', 'mu_product'):     # PyTorch keeps these on the CPU too
                assert v.is_cuda, k


R = np.random.default_rng(0)
X = R.standard_normal((4, 6, 5))
IDX = np.array([[1, 2, 0, 2], [3, 3, 3, 4]])
IMG = R.standard_normal((2, 8, 3, 3))
LAYERS = [
    ('embedding', lambda dev: nn.Embedding(6, 5, padding_idx=0), lambda dev: framework.tensor(IDX, device=dev)),
    ('embedding_bag', lambda dev: nn.EmbeddingBag(6, 5, mode='max'), lambda dev: framework.tensor(IDX, device=dev)),
    ('layer_norm', lambda dev: nn.LayerNorm(5), None),
    ('group_norm', lambda dev: nn.GroupNorm(3, 6), None),
    ('rms_norm', lambda dev: nn.RMSNorm([6, 5]), None),
    ('prelu', lambda dev: nn.PReLU(6), None),
    ('mish', lambda dev: nn.Mish(), None),
    ('hardswish', lambda dev: nn.Hardswish(), None),
    ('selu', lambda dev: nn.SELU(), None),
    ('glu', lambda dev: nn.GLU(1), None),
    ('softshrink', lambda dev: nn.Softshrink(0.3), None),
    ('pixel_shuffle', lambda dev: nn.PixelShuffle(2), lambda dev: framework.tensor(IMG, device=dev,
                                                                             requires_grad=True)),
]


def _run(make, make_input, dev):
    framework.manual_seed(0)
    m = make(dev).to(dev)
    x = make_input(dev) if make_input else framework.tensor(X, dtype=framework.float32, device=dev,
                                                             requires_grad=True)
    y = m(x)
    (y * y).sum().backward()
    grads = [p.grad for p in m.parameters()] + ([x.grad] if x.requires_grad else [])
    return y, grads


@pytest.mark.parametrize('name,make,make_input', LAYERS, ids=[c[0] for c in LAYERS])
def test_layers_on_device(cuda, name, make, make_input):
    y0, g0 = _run(make, make_input, 'cpu')
    y1, g1 = _run(make, make_input, 'cuda')
    assert y1.is_cuda
    np.testing.assert_allclose(_host(y1), _host(y0), rtol=1e-5, atol=1e-5)
    for a, b in zip(g1, g0):
        assert a.is_cuda
        np.testing.assert_allclose(_host(a), _host(b), rtol=1e-4, atol=1e-5)


LOSSES = [
    ('kl_div', lambda a, b: F.kl_div(a, b.sigmoid(), reduction='batchmean')),
    ('cosine_embedding', lambda a, b: F.cosine_embedding_loss(a[0], b[0], framework.tensor(
        [1.0, -1.0, 1.0, -1.0, 1.0, -1.0], device=a.device))),
    ('triplet', lambda a, b: F.triplet_margin_loss(a, b, a.flip(0), swap=True)),
    ('poisson', lambda a, b: F.poisson_nll_loss(a, b.abs(), full=True)),
    ('gaussian', lambda a, b: F.gaussian_nll_loss(a, b, b.abs() + 0.1)),
    ('hinge', lambda a, b: F.hinge_embedding_loss(a, b.sign())),
    ('soft_margin', lambda a, b: F.soft_margin_loss(a, b.sign())),
    ('multilabel', lambda a, b: F.multilabel_soft_margin_loss(a, (b > 0).float())),
    ('cosine_similarity', lambda a, b: F.cosine_similarity(a, b).sum()),
]


@pytest.mark.parametrize('name,fn', LOSSES, ids=[c[0] for c in LOSSES])
def test_losses_on_device(cuda, name, fn):
    out = []
    for dev in ('cpu', 'cuda'):
        a = framework.tensor(X, device=dev, requires_grad=True)
        b = framework.tensor(X[::-1].copy(), device=dev, requires_grad=True)
        loss = fn(a, b)
        loss.backward()
        out.append((loss, a.grad, b.grad))
    for x, y in zip(*out):
        if x is not None:
            np.testing.assert_allclose(_host(y), _host(x), rtol=1e-6, atol=1e-8)
