"""Layers, activations and losses against hand-computed values and PyTorch; gradchecks of the fused ops."""
import math

import numpy as np
import pytest

import framework
from framework import nn
from framework.nn import functional as F
from framework.autograd import gradcheck, gradgradcheck
from tests.conftest import torch_or_skip, assert_close, libraries

R = np.random.default_rng(0)


def arr(*shape, lo=-1.0, hi=1.0, dtype=np.float32):
    return R.uniform(lo, hi, shape).astype(dtype)


def both(torch, *arrays, requires_grad=True):
    """The same data as framework tensors and torch tensors."""
    f = [framework.tensor(a, requires_grad=requires_grad and a.dtype.kind == 'f') for a in arrays]
    t = [torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == 'f') for a in arrays]
    return f, t


def check_vs_torch(torch, fn_f, fn_t, arrays, rtol=1e-5, atol=1e-6, grad=True, check_name=True):
    fs, ts = both(torch, *arrays)
    of, ot = fn_f(*fs), fn_t(*ts)
    assert_close(of, ot.detach().numpy(), rtol, atol)
    if check_name:
        assert type(of.grad_fn).__name__ == type(ot.grad_fn).__name__
    if grad:
        g = arr(*ot.shape)
        of.backward(framework.tensor(g))
        ot.backward(torch.tensor(g))
        for a, b in zip(fs, ts):
            if b.grad is not None:
                assert_close(a.grad, b.grad.numpy(), rtol, atol)


# ---------------------------------------------------------------- linear
def test_linear_hand_computed():
    lin = nn.Linear(2, 1)
    with framework.no_grad():
        lin.weight.copy_(framework.tensor([[2.0, -1.0]]))
        lin.bias.copy_(framework.tensor([0.5]))
    out = lin(framework.tensor([[1.0, 3.0], [0.0, 1.0]]))
    assert out.tolist() == [[-0.5], [-0.5]]
    assert type(out.grad_fn).__name__ == 'AddmmBackward0'


def test_linear_default_init_bounds():
    lin = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    w = lin.weight.detach().numpy()
    assert w.shape == (50, 100) and np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    framework.manual_seed(1)
    a = nn.Linear(3, 3).weight.detach().numpy().copy()
    framework.manual_seed(1)
    assert np.array_equal(a, nn.Linear(3, 3).weight.detach().numpy())
    assert nn.Linear(2, 2, dtype=framework.float64).weight.dtype == framework.float64
    assert nn.Linear(2, 2, bias=False).bias is None


@pytest.mark.parametrize('shape', [(5, 3), (3,), (2, 4, 3)])
@pytest.mark.parametrize('bias', [True, False])
def test_linear_vs_torch(shape, bias):
    torch = torch_or_skip()
    arrays = [arr(*shape), arr(4, 3)] + ([arr(4)] if bias else [])
    check_vs_torch(torch, F.linear, torch.nn.functional.linear, arrays)


@pytest.mark.parametrize('shape', [(3, 2), (2,), (2, 2, 2)])
def test_linear_gradcheck(shape):
    x = framework.tensor(arr(*shape, dtype=np.float64), requires_grad=True)
    w = framework.tensor(arr(3, 2, dtype=np.float64), requires_grad=True)
    b = framework.tensor(arr(3, dtype=np.float64), requires_grad=True)
    assert gradcheck(F.linear, (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.linear(x, w, b).tanh(), (x, w, b))
    assert gradcheck(lambda x, w: F.linear(x, w), (x, w))


def test_linear_errors():
    lin = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r'mat1 and mat2 shapes cannot be multiplied \(4x2 and 3x2\)'):
        lin(framework.zeros(4, 2))
    with pytest.raises(RuntimeError, match='^mat1 and mat2 must have the same dtype, but got Double and Float$'):
        lin(framework.zeros(4, 3, dtype=framework.float64))
    with pytest.raises(RuntimeError, match='^mat1 and mat2 must have the same dtype, but got Long and Float$'):
        lin(framework.zeros(4, 3, dtype=framework.int64))       # integer features, a common slip


def test_flatten_identity_unflatten():
    x = framework.randn(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Flatten(0, -1)(x).shape == (24,)
    assert nn.Identity(3, k=2)(x) is x
    assert nn.Unflatten(1, (3, 1))(nn.Flatten()(x)[:, :3]).shape == (2, 3, 1)
    # the default start_dim=1 needs a batch dimension: a 1-D input is an error, as in PyTorch
    with pytest.raises(IndexError, match=r'^Dimension out of range \(expected to be in range of \[-1, 0\], but got 1'):
        nn.Flatten()(framework.ones(3))
    with pytest.raises(IndexError, match='but got 3'):
        nn.Flatten(0, 3)(x)


# ---------------------------------------------------------------- activations
ACTS = [
    ('relu', lambda T: T.nn.ReLU()),
    ('leaky', lambda T: T.nn.LeakyReLU(0.2)),
    ('sigmoid', lambda T: T.nn.Sigmoid()),
    ('tanh', lambda T: T.nn.Tanh()),
    ('softmax', lambda T: T.nn.Softmax(dim=1)),
    ('softmax0', lambda T: T.nn.Softmax(dim=0)),
    ('log_softmax', lambda T: T.nn.LogSoftmax(dim=-1)),
    ('gelu', lambda T: T.nn.GELU()),
    ('gelu_tanh', lambda T: T.nn.GELU(approximate='tanh')),
    ('silu', lambda T: T.nn.SiLU()),
    ('elu', lambda T: T.nn.ELU()),
    ('softplus', lambda T: T.nn.Softplus()),
    ('hardtanh', lambda T: T.nn.Hardtanh()),
    ('logsigmoid', lambda T: T.nn.LogSigmoid()),
]


@pytest.mark.parametrize('name,make', ACTS, ids=[a[0] for a in ACTS])
def test_activation_vs_torch(name, make):
    torch = torch_or_skip()
    x = arr(4, 5, lo=-3, hi=3)
    composed = name in ('silu', 'elu', 'softplus', 'logsigmoid')     # built from other ops here
    check_vs_torch(torch, make(framework), make(torch), [x], check_name=not composed)


@pytest.mark.parametrize('name', ['leaky_relu', 'softmax', 'log_softmax', 'gelu', 'gelu_tanh'])
def test_activation_gradcheck(name):
    fn = {'leaky_relu': lambda x: F.leaky_relu(x, 0.1), 'softmax': lambda x: F.softmax(x, 1),
          'log_softmax': lambda x: F.log_softmax(x, 0), 'gelu': F.gelu,
          'gelu_tanh': lambda x: F.gelu(x, approximate='tanh')}[name]
    x = framework.tensor(arr(3, 4, lo=-2, hi=2, dtype=np.float64), requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize('make', [lambda T: T.nn.ReLU(inplace=True), lambda T: T.nn.LeakyReLU(0.2, inplace=True),
                                  lambda T: T.nn.SiLU(inplace=True), lambda T: T.nn.ELU(0.5, inplace=True),
                                  lambda T: T.nn.Hardtanh(-0.5, 0.5, inplace=True)],
                         ids=['relu', 'leaky', 'silu', 'elu', 'hardtanh'])
def test_inplace_activations_write_into_their_input(make):
    torch = torch_or_skip()
    x = arr(3, 4, lo=-3, hi=3)
    f, t = framework.tensor(x), torch.tensor(x)
    assert make(framework)(f) is f and make(torch)(t) is t
    assert_close(f, t.numpy())
    leaf, tleaf = framework.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    g = arr(3, 4)
    out, tout = make(framework)(leaf * 1), make(torch)(tleaf * 1)     # in place on a non-leaf is recorded
    out.backward(framework.tensor(g))
    tout.backward(torch.tensor(g))
    assert_close(leaf.grad, tleaf.grad.numpy())


def test_activation_hand_values():
    x = framework.tensor([-2.0, 0.0, 3.0])
    assert F.relu(x).tolist() == [0.0, 0.0, 3.0]
    assert F.leaky_relu(x, 0.5).tolist() == [-1.0, 0.0, 3.0]
    np.testing.assert_allclose(F.softmax(framework.tensor([0.0, math.log(3.0)]), 0).numpy(), [0.25, 0.75])
    big = F.log_softmax(framework.tensor([1000.0, 0.0]), 0)
    assert np.isfinite(big.numpy()).all() and big[0].item() == 0.0
    y = framework.tensor([1.0, -1.0])
    F.relu(y, inplace=True)
    assert y.tolist() == [1.0, 0.0]


def test_dropout():
    x = framework.ones(2000)
    d = nn.Dropout(0.25)
    out = d(x).numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.05
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    d.eval()
    assert d(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert (F.dropout(x, 1.0).numpy() == 0).all()
    with pytest.raises(ValueError, match='dropout probability has to be between 0 and 1, but got 1.5'):
        nn.Dropout(1.5)
    xr = framework.ones(10, requires_grad=True)
    y = F.dropout(xr, 0.5)
    y.sum().backward()
    np.testing.assert_allclose(xr.grad.numpy(), y.detach().numpy())
    framework.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    framework.manual_seed(3)
    assert np.array_equal(a, F.dropout(x, 0.5).numpy())


# ---------------------------------------------------------------- losses
REDS = ['mean', 'sum', 'none']


@pytest.mark.parametrize('reduction', REDS)
def test_mse_l1_vs_torch(reduction):
    torch = torch_or_skip()
    a, b = arr(4, 3), arr(4, 3)
    check_vs_torch(torch, lambda x, y: nn.MSELoss(reduction=reduction)(x, y),
                   lambda x, y: torch.nn.MSELoss(reduction=reduction)(x, y), [a, b])
    check_vs_torch(torch, lambda x, y: nn.L1Loss(reduction=reduction)(x, y),
                   lambda x, y: torch.nn.L1Loss(reduction=reduction)(x, y), [a, b])


@pytest.mark.parametrize('reduction', REDS)
def test_smooth_l1_and_huber_vs_torch(reduction):
    torch = torch_or_skip()
    a, b = arr(4, 3, lo=-3, hi=3), arr(4, 3)
    for name, kw in (('SmoothL1Loss', {}), ('SmoothL1Loss', {'beta': 0.5}), ('HuberLoss', {}),
                     ('HuberLoss', {'delta': 0.4})):
        check_vs_torch(torch, lambda x, y: getattr(nn, name)(reduction=reduction, **kw)(x, y),
                       lambda x, y: getattr(torch.nn, name)(reduction=reduction, **kw)(x, y), [a, b],
                       check_name=False)       # composed here, one fused op in PyTorch


@pytest.mark.parametrize('reduction', REDS)
@pytest.mark.parametrize('name', ['mse_loss', 'l1_loss', 'huber_loss'])
def test_weighted_regression_losses_vs_torch(name, reduction):
    torch = torch_or_skip()
    a, b, w = arr(4, 3, lo=-3, hi=3), arr(4, 3), arr(4, 3, lo=0.1, hi=2)
    check_vs_torch(torch, lambda x, y, v: getattr(F, name)(x, y, reduction=reduction, weight=v),
                   lambda x, y, v: getattr(torch.nn.functional, name)(x, y, reduction=reduction, weight=v),
                   [a, b, w], check_name=False)
    with pytest.raises(ValueError, match='^Weights and input must have the same size.$'):
        getattr(F, name)(framework.tensor(a), framework.tensor(b), weight=framework.ones(3))


def test_class_weight_must_cover_every_class():
    x, t = arr(4, 3), np.array([0, 1, 2, 0])
    for T in libraries():
        calls = [lambda: T.nn.functional.nll_loss(T.tensor(x), T.tensor(t), weight=T.ones(2)),
                 lambda: T.nn.CrossEntropyLoss(weight=T.ones(2, 3))(T.tensor(x), T.tensor(t)),
                 lambda: T.nn.CrossEntropyLoss(weight=T.ones(2), label_smoothing=0.1)(T.tensor(x), T.tensor(t)),
                 lambda: T.nn.functional.cross_entropy(T.tensor(x), T.tensor(x).softmax(1), weight=T.ones(2))]
        messages = []
        for call in calls:
            with pytest.raises(RuntimeError) as e:
                call()
            messages.append(str(e.value))
        if T is framework:
            ours = messages
    assert ours == messages         # torch's, where installed
    assert ours[0] == 'weight tensor should be defined either for all 3 classes or no classes but got weight tensor ' \
                      'of shape: [2]'


def test_mse_hand_values():
    x = framework.tensor([1.0, 2.0, 4.0], requires_grad=True)
    y = framework.tensor([1.0, 0.0, 1.0])
    loss = F.mse_loss(x, y)
    assert loss.item() == pytest.approx(13 / 3)
    assert type(loss.grad_fn).__name__ == 'MseLossBackward0'
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 4 / 3, 2.0], rtol=1e-6)
    assert F.mse_loss(x, y, reduction='sum').item() == 13.0
    assert F.l1_loss(x, y, reduction='sum').item() == 5.0
    with pytest.raises(ValueError, match='is not a valid value for reduction'):
        F.mse_loss(x, y, reduction='avg')


@pytest.mark.parametrize('reduction', REDS)
@pytest.mark.parametrize('opts', ['plain', 'weight', 'pos_weight', 'both'])
def test_bce_with_logits_vs_torch(reduction, opts):
    torch = torch_or_skip()
    x, y = arr(4, 3, lo=-5, hi=5), arr(4, 3, lo=0, hi=1)
    w = arr(3, lo=0.5, hi=2) if opts in ('weight', 'both') else None
    pw = arr(3, lo=0.5, hi=3) if opts in ('pos_weight', 'both') else None

    def make(T):
        kw = {}
        if w is not None:
            kw['weight'] = T.tensor(w)
        if pw is not None:
            kw['pos_weight'] = T.tensor(pw)
        return lambda a, b: T.nn.BCEWithLogitsLoss(reduction=reduction, **kw)(a, b)
    check_vs_torch(torch, make(framework), make(torch), [x, y])


def test_bce_with_logits_stable_and_hand_values():
    x = framework.tensor([0.0, 100.0, -100.0], requires_grad=True)
    y = framework.tensor([1.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction='none')
    np.testing.assert_allclose(loss.detach().numpy(), [math.log(2), 0.0, 0.0], atol=1e-7)
    loss = F.binary_cross_entropy_with_logits(x, framework.tensor([0.0, 0.0, 1.0]), reduction='none')
    np.testing.assert_allclose(loss.detach().numpy(), [math.log(2), 100.0, 100.0], rtol=1e-6)
    F.binary_cross_entropy_with_logits(x, y).backward()
    np.testing.assert_allclose(x.grad.numpy(), [-0.5 / 3, 0.0, 0.0], atol=1e-7)
    with pytest.raises(ValueError, match='must be the same as input size'):
        F.binary_cross_entropy_with_logits(x, framework.zeros(2))


@pytest.mark.parametrize('reduction', REDS)
@pytest.mark.parametrize('weighted', [False, True])
def test_bce_vs_torch(reduction, weighted):
    torch = torch_or_skip()
    p, y = arr(4, 3, lo=0.02, hi=0.98), arr(4, 3, lo=0, hi=1)
    w = arr(4, 3, lo=0.5, hi=2) if weighted else None

    def make(T):
        return lambda a, b: T.nn.BCELoss(weight=None if w is None else T.tensor(w), reduction=reduction)(a, b)
    check_vs_torch(torch, make(framework), make(torch), [p, y])


def test_bce_clamps_log_and_checks_range():
    p = framework.tensor([0.0, 1.0])
    y = framework.tensor([1.0, 0.0])
    assert F.binary_cross_entropy(p, y, reduction='none').tolist() == [100.0, 100.0]
    with pytest.raises(RuntimeError, match='all elements of input should be between 0 and 1'):
        F.binary_cross_entropy(framework.tensor([1.5]), framework.tensor([1.0]))


CE_CASES = [
    dict(),
    dict(weight=True),
    dict(ignore_index=1),
    dict(label_smoothing=0.1),
    dict(label_smoothing=0.2, weight=True, ignore_index=0),
]


@pytest.mark.parametrize('reduction', REDS)
@pytest.mark.parametrize('case', range(len(CE_CASES)))
@pytest.mark.parametrize('shape', [(5, 4), (2, 4, 3), (4,)])
def test_cross_entropy_vs_torch(reduction, case, shape):
    torch = torch_or_skip()
    opts = dict(CE_CASES[case])
    x = arr(*shape, lo=-3, hi=3)
    tshape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    t = R.integers(0, 4, tshape).astype(np.int64)
    w = arr(4, lo=0.5, hi=2)

    def make(T):
        kw = dict(opts)
        if kw.pop('weight', False):
            kw['weight'] = T.tensor(w)
        return lambda a, b: T.nn.CrossEntropyLoss(reduction=reduction, **kw)(a, b)
    check_vs_torch(torch, make(framework), make(torch), [x, t], rtol=1e-5, atol=1e-6)

    def make_nll(T):
        kw = {k: v for k, v in opts.items() if k != 'label_smoothing'}
        if kw.pop('weight', False):
            kw['weight'] = T.tensor(w)
        return lambda a, b: T.nn.NLLLoss(reduction=reduction, **kw)(a.log_softmax(0 if a.dim() == 1 else 1), b)
    check_vs_torch(torch, make_nll(framework), make_nll(torch), [x, t], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('smoothing', [0.0, 0.3])
@pytest.mark.parametrize('reduction', REDS)
def test_cross_entropy_probability_targets_vs_torch(smoothing, reduction):
    torch = torch_or_skip()
    x = arr(3, 4, lo=-2, hi=2)
    p = R.dirichlet(np.ones(4), 3).astype(np.float32)
    check_vs_torch(torch, lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
                   lambda a, b: torch.nn.functional.cross_entropy(a, b, reduction=reduction,
                                                                   label_smoothing=smoothing), [x, p],
                   check_name=reduction != 'mean')    # torch divides by a number with DivBackward1


def test_cross_entropy_hand_values_and_errors():
    x = framework.tensor([[0.0, 0.0], [math.log(3.0), 0.0]], requires_grad=True)
    t = framework.tensor([0, 1])
    loss = F.cross_entropy(x, t)
    assert loss.item() == pytest.approx((math.log(2) + math.log(4)) / 2)
    assert type(loss.grad_fn).__name__ == 'NllLossBackward0'
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-0.25, 0.25], [0.375, -0.375]], rtol=1e-6)
    assert F.cross_entropy(framework.tensor([[1e4, 0.0]]), framework.tensor([0])).item() == 0.0
    with pytest.raises(IndexError, match='Target 5 is out of bounds.'):
        F.cross_entropy(framework.zeros(2, 3), framework.tensor([0, 5]))
    with pytest.raises(ValueError, match=r'Expected input batch_size \(2\) to match target batch_size \(3\)'):
        F.cross_entropy(framework.zeros(2, 3), framework.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match='expected target dtype to be Long or Byte, but got Float'):
        F.nll_loss(framework.zeros(2, 3), framework.tensor([0.0, 1.0]))


def test_fused_loss_gradchecks():
    d = np.float64
    x = framework.tensor(arr(3, 4, lo=-2, hi=2, dtype=d), requires_grad=True)
    y = framework.tensor(arr(3, 4, lo=0, hi=1, dtype=d), requires_grad=True)
    pw = framework.tensor(arr(4, lo=0.5, hi=2, dtype=d), requires_grad=True)
    w = framework.tensor(arr(4, lo=0.5, hi=2, dtype=d), requires_grad=True)
    t = framework.tensor(R.integers(0, 4, 3))
    cw = framework.tensor(arr(4, lo=0.5, hi=2, dtype=d))
    cases = [
        (lambda a, b: F.mse_loss(a, b), (x, y)),
        (lambda a, b: F.mse_loss(a, b, reduction='none'), (x, y)),
        (lambda a, b: F.mse_loss(a, b, reduction='sum'), (x, y)),
        (lambda a, b: F.binary_cross_entropy_with_logits(a, b), (x, y)),
        (lambda a, b, c, e: F.binary_cross_entropy_with_logits(a, b, weight=e, pos_weight=c, reduction='sum'),
         (x, y, pw, w)),
        (lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction='none'), (x, y)),
        (lambda a: F.cross_entropy(a, t), (x,)),
        (lambda a: F.cross_entropy(a, t, label_smoothing=0.1, reduction='sum'), (x,)),
        (lambda a: F.cross_entropy(a, t, weight=cw, reduction='none'), (x,)),
        (lambda a, b: F.cross_entropy(a, b.softmax(1)), (x, y)),
        (lambda a: F.nll_loss(a, t, ignore_index=2), (x,)),
    ]
    for fn, inputs in cases:
        assert gradcheck(fn, inputs)
        assert gradgradcheck(fn, inputs)
    p = framework.tensor(arr(3, 4, lo=0.1, hi=0.9, dtype=d), requires_grad=True)
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b), (p, y))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction='sum'), (p, y))


def test_init_functions():
    w = framework.empty(300, 200)
    nn.init.kaiming_uniform_(w, nonlinearity='relu')
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 200)
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 500)
    nn.init.kaiming_normal_(w)
    assert abs(w.numpy().std() - math.sqrt(2 / (1 + 0.01 ** 2)) / math.sqrt(200)) < 0.005
    nn.init.xavier_normal_(w, gain=2.0)
    assert abs(w.numpy().std() - 2 * math.sqrt(2 / 500)) < 0.005
    nn.init.normal_(w, 1.0, 0.1)
    assert abs(w.numpy().mean() - 1.0) < 0.01
    nn.init.uniform_(w, 2, 3)
    assert w.numpy().min() >= 2 and w.numpy().max() <= 3
    nn.init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    nn.init.zeros_(w)
    assert (w.numpy() == 0).all()
    nn.init.ones_(w)
    assert (w.numpy() == 1).all()
    assert nn.init.calculate_gain('relu') == math.sqrt(2)
    assert nn.init.calculate_gain('tanh') == 5 / 3
    assert nn.init.calculate_gain('leaky_relu', 0.2) == math.sqrt(2 / 1.04)
    assert nn.init._calculate_fan_in_and_fan_out(framework.empty(4, 3, 5)) == (15, 20)
    with pytest.raises(ValueError, match='Unsupported nonlinearity foo'):
        nn.init.calculate_gain('foo')
    with pytest.raises(ValueError, match='fewer than 2 dimensions'):
        nn.init.xavier_uniform_(framework.empty(3))
    with pytest.raises(ValueError, match=r"^Mode fan not supported, please use one of \['fan_in', 'fan_out'\]$"):
        nn.init.kaiming_uniform_(w, mode='fan')
    p = nn.Parameter(framework.zeros(2, 2))
    v = p._version
    nn.init.ones_(p)
    assert p.requires_grad and p.grad_fn is None and p._version == v + 1


def test_clip_grad_norm_vs_torch():
    torch = torch_or_skip()
    g1, g2 = arr(3, 4) * 5, arr(5) * 5
    fs = [framework.nn.Parameter(framework.zeros(3, 4)), framework.nn.Parameter(framework.zeros(5))]
    ts = [torch.nn.Parameter(torch.zeros(3, 4)), torch.nn.Parameter(torch.zeros(5))]
    for p, g in zip(fs, (g1, g2)):
        p.grad = framework.tensor(g)
    for p, g in zip(ts, (g1, g2)):
        p.grad = torch.tensor(g)
    nf = nn.utils.clip_grad_norm_(fs, 1.0)
    nt = torch.nn.utils.clip_grad_norm_(ts, 1.0)
    assert nf.item() == pytest.approx(nt.item(), rel=1e-6)
    for a, b in zip(fs, ts):
        assert_close(a.grad, b.grad.numpy())
