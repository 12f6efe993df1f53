"""Optimizers step by step against PyTorch's formulas and PyTorch itself; state dicts; schedulers."""
import itertools
import math

import numpy as np
import pytest

import framework
from framework import nn, optim
from tests.conftest import torch_or_skip

SHAPES = [(4, 3), (3,), ()]          # () : NumPy turns 0-d arithmetic into scalars


def run_steps(T, opt_cls, kwargs, n_steps=6, seed=0, none_grad_at=None):
    """Apply the same gradients to the same initial weights; returns the weights after each step."""
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    params = [T.nn.Parameter(T.tensor(a)) for a in init]
    opt = opt_cls(params, **kwargs)
    history = []
    for step in range(n_steps):
        for i, p in enumerate(params):
            g = rng.standard_normal(p.shape).astype(np.float32)
            p.grad = None if (none_grad_at == (step, i)) else T.tensor(g)
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history, opt


def sgd_reference(kwargs, n_steps=6, seed=0):
    """PyTorch's documented SGD update, written out in float64."""
    lr, mom = kwargs['lr'], kwargs.get('momentum', 0)
    damp, wd = kwargs.get('dampening', 0), kwargs.get('weight_decay', 0)
    nest, maxi = kwargs.get('nesterov', False), kwargs.get('maximize', False)
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(np.float64) for s in SHAPES]
    bufs = [None] * len(params)
    history = []
    for _ in range(n_steps):
        for i, p in enumerate(params):
            g = rng.standard_normal(p.shape).astype(np.float32).astype(np.float64)
            if maxi:
                g = -g
            if wd:
                g = g + wd * p
            if mom:
                bufs[i] = g.copy() if bufs[i] is None else mom * bufs[i] + (1 - damp) * g
                g = g + mom * bufs[i] if nest else bufs[i]
            params[i] = p - lr * g
        history.append([p.copy() for p in params])
    return history


def adam_reference(kwargs, decoupled, n_steps=6, seed=0):
    lr, (b1, b2) = kwargs['lr'], kwargs.get('betas', (0.9, 0.999))
    eps, wd = kwargs.get('eps', 1e-8), kwargs.get('weight_decay', 1e-2 if decoupled else 0)
    ams, maxi = kwargs.get('amsgrad', False), kwargs.get('maximize', False)
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(np.float64) for s in SHAPES]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    vmax = [np.zeros_like(p) for p in params]
    history = []
    for t in range(1, n_steps + 1):
        for i, p in enumerate(params):
            g = rng.standard_normal(p.shape).astype(np.float32).astype(np.float64)
            if maxi:
                g = -g
            if wd:
                if decoupled:
                    p = p * (1 - lr * wd)
                else:
                    g = g + wd * p
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            vmax[i] = np.maximum(vmax[i], v[i])
            vh = (vmax[i] if ams else v[i]) / (1 - b2 ** t)
            params[i] = p - lr * (m[i] / (1 - b1 ** t)) / (np.sqrt(vh) + eps)
        history.append([p.copy() for p in params])
    return history


SGD_OPTIONS = [dict(zip(('momentum', 'dampening', 'weight_decay', 'nesterov', 'maximize'), combo))
               for combo in itertools.product((0, 0.9), (0, 0.3), (0, 0.1), (False, True), (False, True))
               if not (combo[3] and (combo[0] == 0 or combo[1] != 0))]
ADAM_OPTIONS = [dict(zip(('weight_decay', 'amsgrad', 'maximize'), combo))
                for combo in itertools.product((0, 0.1), (False, True), (False, True))]


def assert_history(h1, h2, rtol=2e-5, atol=2e-6):
    assert len(h1) == len(h2), f'{len(h1)} steps against {len(h2)}'
    for a, b in zip(h1, h2):
        assert len(a) == len(b), f'{len(a)} parameters against {len(b)}'
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


@pytest.mark.parametrize('opts', SGD_OPTIONS, ids=str)
def test_sgd_matches_formula_and_torch(opts):
    kwargs = dict(lr=0.1, **opts)
    ours, _ = run_steps(framework, optim.SGD, kwargs)
    assert_history(ours, sgd_reference(kwargs))
    try:
        import torch
    except ImportError:
        return
    theirs, _ = run_steps(torch, torch.optim.SGD, kwargs)
    assert_history(ours, theirs, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize('opts', ADAM_OPTIONS, ids=str)
@pytest.mark.parametrize('cls', ['Adam', 'AdamW'])
def test_adam_matches_formula_and_torch(opts, cls):
    kwargs = dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, **opts)
    ours, opt = run_steps(framework, getattr(optim, cls), kwargs)
    assert_history(ours, adam_reference(kwargs, cls == 'AdamW'))
    try:
        import torch
    except ImportError:
        return
    theirs, topt = run_steps(torch, getattr(torch.optim, cls), kwargs)
    assert_history(ours, theirs, rtol=1e-6, atol=1e-6)
    assert opt.param_groups[0].keys() == topt.param_groups[0].keys()
    s_ours, s_theirs = opt.state_dict(), topt.state_dict()
    assert s_ours['param_groups'] == s_theirs['param_groups']
    for k in s_theirs['state']:
        assert s_ours['state'][k].keys() == s_theirs['state'][k].keys()
        for name, v in s_theirs['state'][k].items():
            np.testing.assert_allclose(s_ours['state'][k][name].numpy(), v.numpy(), rtol=1e-5, atol=1e-7)


def test_none_grads_are_skipped():
    p = nn.Parameter(framework.ones(2))
    opt = optim.SGD([p], lr=1.0, momentum=0.9)
    opt.step()
    assert p.tolist() == [1.0, 1.0] and len(opt.state) == 0
    torch = torch_or_skip()
    for cls, kw in ((optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.Adam, dict(lr=0.1))):
        ours, opt = run_steps(framework, cls, kw, none_grad_at=(0, 1))
        theirs, topt = run_steps(torch, getattr(torch.optim, cls.__name__), kw, none_grad_at=(0, 1))
        assert_history(ours, theirs, rtol=1e-6, atol=1e-6)


def test_sgd_state_layout_matches_torch():
    p = nn.Parameter(framework.ones(2))
    opt = optim.SGD([p], lr=0.5, momentum=0.9)
    p.grad = framework.tensor([1.0, 2.0])
    opt.step()
    buf = opt.state[p]['momentum_buffer']
    assert buf.tolist() == [1.0, 2.0] and buf._data is not p.grad._data     # first buffer = clone of the grad
    sd = opt.state_dict()
    assert sd['param_groups'] == [{'lr': 0.5, 'momentum': 0.9, 'dampening': 0, 'weight_decay': 0,
                                   'nesterov': False, 'maximize': False, 'foreach': None,
                                   'differentiable': False, 'fused': None, 'params': [0]}]
    assert list(sd['state']) == [0] and list(sd['state'][0]) == ['momentum_buffer']
    assert optim.SGD([p], lr=0.1).state_dict()['state'] == {}


def test_update_in_place_and_version_bumped():
    p = nn.Parameter(framework.ones(3))
    data = p._data
    v = p._version
    opt = optim.Adam([p], lr=0.1)
    p.grad = framework.ones(3)
    opt.step()
    assert p._data is data and p._version == v + 1 and p.grad_fn is None and p.requires_grad
    # a graph that saved p before the step notices the change, as in PyTorch
    q = nn.Parameter(framework.ones(2))
    y = (q * q).sum()
    q.grad = framework.ones(2)
    optim.SGD([q], lr=0.1).step()
    with pytest.raises(RuntimeError, match='modified by an inplace operation'):
        y.backward()


@pytest.mark.parametrize('cls,kw', [(optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
                                    (optim.Adam, dict(lr=0.01, amsgrad=True)),
                                    (optim.AdamW, dict(lr=0.01))])
def test_optimizer_state_dict_round_trip(cls, kw):
    a = [nn.Parameter(framework.randn(3, 2)), nn.Parameter(framework.randn(2))]
    b = [nn.Parameter(p.detach().clone()) for p in a]
    oa, ob = cls(a, **kw), cls(b, **kw)
    for p in a:
        p.grad = framework.ones(p.shape)
    oa.step()
    sd = oa.state_dict()
    ob.load_state_dict(sd)
    for pa, pb in zip(a, b):
        with framework.no_grad():
            pb.copy_(pa)
    for _ in range(3):
        for p, q in zip(a, b):
            g = framework.randn(p.shape)
            p.grad, q.grad = g, g.clone()
        oa.step()
        ob.step()
    for pa, pb in zip(a, b):
        assert np.array_equal(pa.detach().numpy(), pb.detach().numpy())   # exact: same steps, one process
    # loaded state is a copy, not shared
    first = next(iter(oa.state.values()))
    second = next(iter(ob.state.values()))
    for k in first:
        if hasattr(first[k], '_data'):
            assert first[k]._data is not second[k]._data
    with pytest.raises(ValueError, match='different number of parameter groups'):
        ob.load_state_dict({'state': {}, 'param_groups': []})


def test_param_groups_and_errors():
    w, b = nn.Parameter(framework.ones(2)), nn.Parameter(framework.ones(1))
    opt = optim.SGD([{'params': [w]}, {'params': b, 'lr': 0.5}], lr=0.1, momentum=0.9)
    assert [g['lr'] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]['momentum'] == 0.9
    extra = nn.Parameter(framework.ones(1))
    opt.add_param_group({'params': [extra], 'lr': 0.01})
    assert len(opt.param_groups) == 3
    with pytest.raises(ValueError, match='some parameters appear in more than one parameter group'):
        opt.add_param_group({'params': [w]})
    with pytest.raises(ValueError, match='Invalid learning rate: -1'):
        optim.SGD([w], lr=-1)
    with pytest.raises(ValueError, match='Invalid momentum value: -0.5'):
        optim.SGD([w], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match='Nesterov momentum requires a momentum and zero dampening'):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match='Invalid beta parameter at index 1: 1.0'):
        optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match='Invalid epsilon value: -1'):
        optim.Adam([w], eps=-1)
    with pytest.raises(ValueError, match='optimizer got an empty parameter list'):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match='iterable of Tensors or dicts, but got torch.FloatTensor'):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([w * 2], lr=0.1)


@pytest.mark.parametrize('name', ['SGD', 'Adam', 'AdamW'])
def test_param_groups_and_add_param_group_vs_torch(name):
    """Per-group options override the defaults; a group added mid-training starts with its own fresh state."""
    torch = torch_or_skip()
    extra = {'SGD': dict(momentum=0.5, nesterov=True), 'Adam': dict(betas=(0.5, 0.9), amsgrad=True),
             'AdamW': dict(weight_decay=0.3, eps=1e-3)}[name]

    def run(T):
        rng = np.random.default_rng(1)
        ps = [T.nn.Parameter(T.tensor(rng.standard_normal(s).astype(np.float32))) for s in [(3, 2), (2,), (4,)]]
        opt = getattr(T.optim, name)([{'params': [ps[0]]}, {'params': [ps[1]], 'lr': 0.3, **extra}], lr=0.05,
                                     **({'momentum': 0.9} if name == 'SGD' else {}))
        out = []
        for step in range(6):
            if step == 3:
                opt.add_param_group({'params': ps[2], 'lr': 0.2})
            for p in ps:
                p.grad = T.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
            opt.step()
            out.append([p.detach().numpy().copy() for p in ps])
        groups = [{k: v for k, v in g.items() if k != 'params'} for g in opt.param_groups]
        return out, groups, opt.state_dict()['param_groups']
    ours, theirs = run(framework), run(torch)
    assert_history(ours[0], theirs[0], rtol=1e-6, atol=1e-6)
    assert ours[1] == theirs[1] and ours[2] == theirs[2]


def test_zero_grad_and_closure_and_repr():
    w = nn.Parameter(framework.ones(2))
    opt = optim.SGD([w], lr=0.1)
    w.grad = framework.ones(2)
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert loss.item() == 2.0 and w.tolist() == pytest.approx([0.8, 0.8])
    torch = torch_or_skip()
    assert repr(optim.Adam([w], lr=0.1)) == repr(torch.optim.Adam([torch.nn.Parameter(torch.ones(2))], lr=0.1))


def test_training_converges_with_each_optimizer():
    for cls, kw in ((optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.Adam, dict(lr=0.05)),
                    (optim.AdamW, dict(lr=0.05))):
        framework.manual_seed(0)
        x = framework.randn(64, 3)
        y = x @ framework.tensor([[1.0], [-2.0], [0.5]]) + 0.3
        model = nn.Linear(3, 1)
        opt = cls(model.parameters(), **kw)
        for _ in range(150):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
        assert loss.item() < 1e-2, cls


# ---------------------------------------------------------------- schedulers
SCHEDULERS = [
    ('StepLR', dict(step_size=3, gamma=0.5)),
    ('MultiStepLR', dict(milestones=[2, 5, 5, 8], gamma=0.3)),
    ('ExponentialLR', dict(gamma=0.9)),
    ('CosineAnnealingLR', dict(T_max=4, eta_min=0.01)),
    ('CosineAnnealingLR', dict(T_max=5)),
    ('LambdaLR', dict(lr_lambda=lambda e: 1 / (e + 1))),
    ('LinearLR', dict(start_factor=0.25, total_iters=4)),
    ('ConstantLR', dict(factor=0.5, total_iters=3)),
]


def lr_sequence(T, name, kw, n=14):
    p = T.nn.Parameter(T.ones(1))
    opt = T.optim.SGD([{'params': [p]}, {'params': [T.nn.Parameter(T.ones(1))], 'lr': 0.5}], lr=0.1, momentum=0.9)
    sched = getattr(T.optim.lr_scheduler, name)(opt, **kw)
    seq = [sched.get_last_lr()]
    for _ in range(n):
        opt.step()
        sched.step()
        seq.append(sched.get_last_lr())
    return seq, sched, opt


@pytest.mark.parametrize('name,kw', SCHEDULERS, ids=[f'{n}{i}' for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_sequence_vs_torch(name, kw):
    torch = torch_or_skip()
    ours, sched, opt = lr_sequence(framework, name, kw)
    theirs, tsched, _ = lr_sequence(torch, name, kw)
    np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-12, atol=1e-15)
    assert [g['lr'] for g in opt.param_groups] == ours[-1]
    assert sched.state_dict().keys() == tsched.state_dict().keys()


def test_scheduler_hand_values_and_state_dict():
    w = nn.Parameter(framework.ones(1))
    opt = optim.SGD([w], lr=1.0)
    s = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        s.step()
    assert lrs == pytest.approx([1, 1, 0.1, 0.1, 0.01])
    sd = s.state_dict()
    assert sd['last_epoch'] == 5 and 'optimizer' not in sd
    opt2 = optim.SGD([nn.Parameter(framework.ones(1))], lr=1.0)
    s2 = optim.lr_scheduler.StepLR(opt2, step_size=2, gamma=0.1)
    s2.load_state_dict(sd)
    assert s2.last_epoch == 5 and s2.get_last_lr() == s.get_last_lr()
    c = optim.lr_scheduler.CosineAnnealingLR(optim.SGD([w], lr=1.0), T_max=10)
    for _ in range(5):
        c.optimizer.step()
        c.step()
    assert c.get_last_lr()[0] == pytest.approx(0.5 * (1 + math.cos(math.pi * 5 / 10)))
    with pytest.raises(TypeError, match='is not an Optimizer'):
        optim.lr_scheduler.StepLR(object(), 1)


@pytest.mark.parametrize('name,kw', SCHEDULERS, ids=[f'{n}{i}' for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_state_dict_resumes_the_sequence(name, kw):
    """Stopping after 5 steps and loading the optimizer and scheduler states into new ones continues the
    same learning rates as an uninterrupted run (what a training checkpoint relies on)."""
    full, _, _ = lr_sequence(framework, name, kw)
    first, sched, opt = lr_sequence(framework, name, kw, n=5)
    _, sched2, opt2 = lr_sequence(framework, name, kw, n=0)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    rest = []
    for _ in range(len(full) - len(first)):
        opt2.step()
        sched2.step()
        rest.append(sched2.get_last_lr())
    assert first + rest == full


def test_scheduler_resume_without_initial_lr_message_matches_torch():
    torch = torch_or_skip()
    messages = []
    for T in (framework, torch):
        with pytest.raises(KeyError) as e:
            T.optim.lr_scheduler.StepLR(T.optim.SGD([T.nn.Parameter(T.ones(1))], lr=0.1), 2, last_epoch=3)
        messages.append(str(e.value))
    assert messages[0] == messages[1]


def test_lambda_lr_state_dict_skips_functions():
    opt = optim.SGD([nn.Parameter(framework.ones(1))], lr=1.0)
    s = optim.lr_scheduler.LambdaLR(opt, lambda e: 0.5 ** e)
    assert s.state_dict()['lr_lambdas'] == [None]
