"""RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam (and Adam's remaining flags): one step worked by hand,
50 steps against PyTorch for every option combination, state layout, state-dict round trips, errors."""
import itertools
import math

import numpy as np
import pytest

import framework
from framework import nn, optim
from tests.conftest import torch_or_skip

SHAPES = [(4, 3), (3,), ()]          # () : NumPy turns 0-d arithmetic into scalars


def run_steps(T, name, kwargs, n_steps=50, seed=0, dtype=np.float32):
    """The same gradients applied to the same initial weights; the weights after each step."""
    rng = np.random.default_rng(seed)
    params = [T.nn.Parameter(T.tensor(rng.standard_normal(s).astype(dtype))) for s in SHAPES]
    opt = getattr(T.optim, name)(params, **kwargs)
    history = []
    for _ in range(n_steps):
        for p in params:
            p.grad = T.tensor(rng.standard_normal(tuple(p.shape)).astype(dtype))
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history, opt


def grid(**options):
    names = list(options)
    return [dict(zip(names, combo)) for combo in itertools.product(*options.values())]


CASES = (
    [('RMSprop', dict(lr=0.01, **o)) for o in grid(centered=(False, True), momentum=(0, 0.9),
                                                      weight_decay=(0, 0.1), maximize=(False, True))]
    + [('RMSprop', dict(lr=0.02, alpha=0.9, eps=1e-4, centered=True, momentum=0.5))]
    + [('Adagrad', dict(lr=0.1, **o)) for o in grid(lr_decay=(0, 0.05), initial_accumulator_value=(0, 0.5),
                                                      weight_decay=(0, 0.1), maximize=(False, True))]
    + [('Adadelta', dict(lr=0.5, **o)) for o in grid(rho=(0.9, 0.5), weight_decay=(0, 0.1),
                                                       maximize=(False, True))]
    + [('Adamax', dict(lr=0.02, **o)) for o in grid(betas=((0.9, 0.999), (0.5, 0.8)), weight_decay=(0, 0.1),
                                                      maximize=(False, True))]
    + [('NAdam', dict(lr=0.01, **o)) for o in grid(momentum_decay=(4e-3, 0.1), weight_decay=(0, 0.1),
                                                     decoupled_weight_decay=(False, True), maximize=(False, True))]
    + [('RAdam', dict(lr=0.01, **o)) for o in grid(betas=((0.9, 0.999), (0.8, 0.9)), weight_decay=(0, 0.1),
                                                     decoupled_weight_decay=(False, True), maximize=(False, True))]
    + [(name, dict(lr=0.01, **o)) for name in ('Adam', 'AdamW')
       for o in grid(amsgrad=(False, True), weight_decay=(0, 0.1), maximize=(False, True))]
    + [('SGD', dict(lr=0.01, **o)) for o in grid(momentum=(0, 0.9), dampening=(0, 0.3), nesterov=(False, True),
                                                   weight_decay=(0, 0.1), maximize=(False, True))
       if not (o['nesterov'] and (o['momentum'] == 0 or o['dampening'] != 0))]
    + [('SGD', dict(lr=0.01, momentum=0.9, foreach=True)), ('SGD', dict(lr=0.01, fused=False)),
       ('Adam', dict(lr=0.01, amsgrad=True, foreach=True)), ('Adam', dict(lr=0.01, fused=True)),
       ('AdamW', dict(lr=0.01, amsgrad=True, fused=True)), ('RMSprop', dict(lr=0.01, foreach=True)),
       ('Adagrad', dict(lr=0.1, fused=True)), ('NAdam', dict(lr=0.01, foreach=False))]
)


def assert_history(h1, h2, rtol=1e-5, atol=1e-6):
    for step, (a, b) in enumerate(zip(h1, h2)):
        for x, y in zip(a, b):
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=f'step {step + 1}')


@pytest.mark.parametrize('name,kwargs', CASES, ids=[f'{n}-{k}' for n, k in CASES])
def test_fifty_steps_match_torch(name, kwargs):
    torch = torch_or_skip()
    ours, opt = run_steps(framework, name, kwargs)
    theirs, topt = run_steps(torch, name, kwargs)
    assert_history(ours, theirs)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert sd['param_groups'] == tsd['param_groups']
    assert list(sd['state']) == list(tsd['state'])
    for k, tstate in tsd['state'].items():
        assert list(sd['state'][k]) == list(tstate)              # PyTorch's names, in PyTorch's order
        for key, v in tstate.items():
            ours_v = sd['state'][k][key]
            assert ours_v.dtype.__repr__().split('.')[-1] == str(v.dtype).split('.')[-1], key
            assert tuple(ours_v.shape) == tuple(v.shape), key
            np.testing.assert_allclose(ours_v.numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize('name', ['RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'])
def test_float64_matches_torch(name):
    torch = torch_or_skip()
    kwargs = dict(lr=0.01, weight_decay=0.1)
    ours, _ = run_steps(framework, name, kwargs, dtype=np.float64)
    theirs, _ = run_steps(torch, name, kwargs, dtype=np.float64)
    assert_history(ours, theirs, rtol=1e-10, atol=1e-12)


def one_step(name, grad, p0=(1.0, -1.0), steps=1, **kwargs):
    p = nn.Parameter(framework.tensor(list(p0), dtype=framework.float64))
    opt = getattr(optim, name)([p], **kwargs)
    for _ in range(steps):
        p.grad = framework.tensor(list(grad), dtype=framework.float64)
        opt.step()
    return p.tolist(), opt.state[p]


def test_rmsprop_by_hand():
    # square_avg = (1 - alpha) g^2 = [0.04, 0.0025]; p -= lr g / (sqrt(square_avg) + eps) = lr * sign(g) * 10
    p, st = one_step('RMSprop', [2.0, 0.5], lr=0.1)
    assert p == pytest.approx([0.0, -2.0], abs=1e-6)
    assert st['square_avg'].tolist() == pytest.approx([0.04, 0.0025]) and st['step'].item() == 1.0
    # centered: grad_avg = 0.01 g, the variance estimate is square_avg - grad_avg^2
    p, st = one_step('RMSprop', [2.0, 0.5], lr=0.1, centered=True)
    assert p == pytest.approx([1 - 0.2 / math.sqrt(0.0396), -1 - 0.05 / math.sqrt(0.002475)], abs=1e-6)
    assert st['grad_avg'].tolist() == pytest.approx([0.02, 0.005])
    # momentum: buf = 0.9 buf + g / avg, p -= lr buf; two equal gradients: avg = sqrt(0.0199 g^2)
    p, st = one_step('RMSprop', [2.0, 0.5], lr=0.1, momentum=0.9, steps=2)
    second = 0.9 * 10 + 1 / math.sqrt(0.0199)
    assert p == pytest.approx([1 - 0.1 * (10 + second), -1 - 0.1 * (10 + second)], rel=1e-6)
    assert st['momentum_buffer'].tolist() == pytest.approx([second, second], rel=1e-6)


def test_adagrad_by_hand():
    # sum = g^2, p -= lr g / |g|; the state exists before the first step, as in PyTorch
    p = nn.Parameter(framework.tensor([1.0, -1.0], dtype=framework.float64))
    opt = optim.Adagrad([p], lr=0.1, lr_decay=0.5, initial_accumulator_value=0.25)
    assert opt.state[p]['step'].item() == 0.0 and opt.state[p]['sum'].tolist() == [0.25, 0.25]
    p.grad = framework.tensor([2.0, -0.5], dtype=framework.float64)
    opt.step()
    assert p.tolist() == pytest.approx([1 - 0.1 * 2 / math.sqrt(4.25), -1 + 0.1 * 0.5 / math.sqrt(0.5)])
    # second step: clr = lr / (1 + lr_decay)
    q, _ = one_step('Adagrad', [2.0, -0.5], lr=0.1, lr_decay=0.5, steps=2)
    assert q == pytest.approx([1 - 0.1 - 0.1 / 1.5 / math.sqrt(2), -1 + 0.1 + 0.1 / 1.5 / math.sqrt(2)])


def test_adadelta_by_hand():
    # square_avg = 0.1 g^2; delta = sqrt(0 + eps) / sqrt(square_avg + eps) * g; acc_delta = 0.1 delta^2
    p, st = one_step('Adadelta', [2.0, -0.5])
    d = [math.sqrt(1e-6) / math.sqrt(0.1 * g * g + 1e-6) * g for g in (2.0, -0.5)]
    assert p == pytest.approx([1 - d[0], -1 - d[1]])
    assert st['acc_delta'].tolist() == pytest.approx([0.1 * x * x for x in d])
    assert list(st) == ['step', 'square_avg', 'acc_delta']


def test_adamax_by_hand():
    # exp_avg = 0.1 g, exp_inf = |g| + eps, clr = lr / (1 - 0.9): p -= lr * g / (|g| + eps)
    p, st = one_step('Adamax', [2.0, -0.5], lr=0.1)
    assert p == pytest.approx([0.9, -0.9], abs=1e-7)
    assert st['exp_inf'].tolist() == pytest.approx([2.0, 0.5]) and list(st) == ['step', 'exp_avg', 'exp_inf']
    # the infinity norm decays by beta2 and takes the larger of that and the new |g|
    p, st = one_step('Adamax', [2.0, -0.5], lr=0.1, betas=(0.9, 0.5), steps=2)
    assert st['exp_inf'].tolist() == pytest.approx([2.0, 0.5])
    assert p == pytest.approx([0.9 - 0.1 / 0.19 * 0.19 / 2.0 * 2.0, -0.9 + 0.1], abs=1e-7)


def test_nadam_by_hand():
    # mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)); denom = sqrt(v / bc2) + eps = |g| + eps
    mu = 0.9 * (1 - 0.5 * 0.96 ** 0.004)
    mu_next = 0.9 * (1 - 0.5 * 0.96 ** 0.008)
    p, st = one_step('NAdam', [2.0, -0.5], lr=0.1)
    move = 0.1 + 0.1 * mu_next / (1 - mu * mu_next) * 0.1
    assert p == pytest.approx([1 - move, -1 + move], rel=1e-6)
    assert st['mu_product'].item() == pytest.approx(mu, rel=1e-6)
    assert list(st) == ['step', 'mu_product', 'exp_avg', 'exp_avg_sq'] and st['mu_product'].dtype == framework.float32
    # decoupled weight decay shrinks the weights first: p *= 1 - lr * wd
    q, _ = one_step('NAdam', [2.0, -0.5], lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    assert q == pytest.approx([0.95 - move, -0.95 + move], rel=1e-6)


def test_radam_by_hand():
    # step 1: rho_t = (2 / 0.001 - 1) - 2 * 0.999 / 0.001 = 1 <= 5: plain momentum step p -= lr * exp_avg / bc1
    p, _ = one_step('RAdam', [2.0, -0.5], lr=0.1)
    assert p == pytest.approx([0.8, -0.95])
    # betas (0.9, 0.5): rho_inf = 3, never above 5 → SGD with bias-corrected momentum for ever
    p, _ = one_step('RAdam', [2.0, -0.5], lr=0.1, betas=(0.9, 0.5), steps=3)
    assert p == pytest.approx([1 - 0.6, -1 + 0.15])
    # betas (0.9, 0.9): rho_inf = 19, rho_t = 19 - 2t 0.9^t / (1 - 0.9^t) first passes 5 at t = 6; with a constant
    # gradient exp_avg / bc1 = g and sqrt(bc2) / sqrt(exp_avg_sq) = 1 / |g|: five steps of lr g, then a rectified one
    p, _ = one_step('RAdam', [2.0], p0=(0.0,), lr=0.1, betas=(0.9, 0.9), steps=6)
    rho_inf, rho5, rho6 = 19.0, 19 - 10 * 0.9 ** 5 / (1 - 0.9 ** 5), 19 - 12 * 0.9 ** 6 / (1 - 0.9 ** 6)
    assert rho5 <= 5 < rho6
    rect = math.sqrt((rho6 - 4) * (rho6 - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho6))
    assert p[0] == pytest.approx(-1.0 - 0.1 * 2 / 2 * rect, rel=1e-7)


def test_adam_flags():
    """foreach/fused choose kernels and change no value; capturable needs a GPU and differentiable a non-leaf,
    with PyTorch's errors otherwise."""
    w = nn.Parameter(framework.ones(2))
    ref, _ = run_steps(framework, 'Adam', dict(lr=0.1, amsgrad=True), n_steps=5)
    for flags in (dict(foreach=True), dict(fused=True), dict(foreach=False, fused=False)):
        got, _ = run_steps(framework, 'Adam', dict(lr=0.1, amsgrad=True, **flags), n_steps=5)
        assert_history(got, ref, rtol=0, atol=0)
    with pytest.raises(RuntimeError, match='^`fused` and `foreach` cannot be `True` together.$'):
        optim.Adam([w], fused=True, foreach=True)
    with pytest.raises(RuntimeError, match='^`fused` does not support `differentiable`$'):
        optim.AdamW([w], fused=True, differentiable=True)
    with pytest.raises(RuntimeError, match='^`fused` and `foreach` cannot be `True` together.$'):
        optim.Adagrad([w], fused=True, foreach=True)
    with pytest.raises(RuntimeError, match='^`fused` does not support `differentiable`$'):
        optim.SGD([w], fused=True, differentiable=True)
    opt = optim.SGD([w], lr=0.1, differentiable=True)
    w.grad = framework.ones(2)
    with pytest.raises(RuntimeError, match='^a leaf Variable that requires grad is being used in an in-place '
                                           'operation.$'):
        opt.step()


@pytest.mark.parametrize('name', ['Adam', 'AdamW', 'RMSprop', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'])
def test_capturable_and_differentiable_errors_match_torch(name):
    messages = []
    torch = torch_or_skip()
    for T in (framework, torch):
        got = []
        for flag in ('capturable', 'differentiable'):
            p = T.nn.Parameter(T.ones(2))
            opt = getattr(T.optim, name)([p], lr=0.1, **{flag: True})
            p.grad = T.ones(2)
            with pytest.raises((AssertionError, RuntimeError)) as e:
                opt.step()
            got.append((e.type, str(e.value)))
        messages.append(got)
    assert messages[0] == messages[1]
    # differentiable accepts a parameter that is not a leaf, as PyTorch does
    base = nn.Parameter(framework.ones(2))
    p = base * 1
    p.retain_grad()
    opt = getattr(optim, name)([p], lr=0.1, differentiable=True)
    p.grad = framework.ones(2)
    opt.step()
    assert p.tolist() != [1.0, 1.0]


BAD = [
    ('RMSprop', dict(lr=-1), 'Invalid learning rate: -1'),
    ('RMSprop', dict(eps=-1e-3), 'Invalid epsilon value: -0.001'),
    ('RMSprop', dict(momentum=-0.5), 'Invalid momentum value: -0.5'),
    ('RMSprop', dict(weight_decay=-1), 'Invalid weight_decay value: -1'),
    ('RMSprop', dict(alpha=-0.5), 'Invalid alpha value: -0.5'),
    ('Adagrad', dict(lr=-1), 'Invalid learning rate: -1'),
    ('Adagrad', dict(lr_decay=-1), 'Invalid lr_decay value: -1'),
    ('Adagrad', dict(weight_decay=-1), 'Invalid weight_decay value: -1'),
    ('Adagrad', dict(initial_accumulator_value=-1), 'Invalid initial_accumulator_value value: -1'),
    ('Adagrad', dict(eps=-1), 'Invalid epsilon value: -1'),
    ('Adadelta', dict(lr=-1), 'Invalid learning rate: -1'),
    ('Adadelta', dict(rho=1.5), 'Invalid rho value: 1.5'),
    ('Adadelta', dict(eps=-1), 'Invalid epsilon value: -1'),
    ('Adadelta', dict(weight_decay=-1), 'Invalid weight_decay value: -1'),
    ('Adamax', dict(lr=-1), 'Invalid learning rate: -1'),
    ('Adamax', dict(betas=(1.0, 0.9)), 'Invalid beta parameter at index 0: 1.0'),
    ('Adamax', dict(betas=(0.9, -0.1)), 'Invalid beta parameter at index 1: -0.1'),
    ('Adamax', dict(eps=-1), 'Invalid epsilon value: -1'),
    ('Adamax', dict(weight_decay=-1), 'Invalid weight_decay value: -1'),
    ('NAdam', dict(lr=-1), 'Invalid learning rate: -1'),
    ('NAdam', dict(momentum_decay=-1), 'Invalid momentum_decay value: -1'),
    ('NAdam', dict(betas=(0.9, 1.0)), 'Invalid beta parameter at index 1: 1.0'),
    ('RAdam', dict(lr=-1), 'Invalid learning rate: -1'),
    ('RAdam', dict(eps=-1), 'Invalid epsilon value: -1'),
    ('RAdam', dict(weight_decay=-1), 'Invalid weight_decay value: -1'),
]


@pytest.mark.parametrize('name,kwargs,message', BAD, ids=[f'{n}-{m}' for n, _, m in BAD])
def test_bad_hyperparameters(name, kwargs, message):
    with pytest.raises(ValueError) as e:
        getattr(optim, name)([nn.Parameter(framework.ones(1))], **kwargs)
    assert str(e.value) == message
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(ValueError) as t:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))], **kwargs)
    assert str(t.value) == message


NAMES_KW = [('RMSprop', dict(lr=0.01, momentum=0.9, centered=True)), ('Adagrad', dict(lr=0.1, lr_decay=0.01)),
            ('Adadelta', dict()), ('Adamax', dict(lr=0.01)), ('NAdam', dict(lr=0.01, decoupled_weight_decay=True,
                                                                             weight_decay=0.1)),
            ('RAdam', dict(lr=0.01)), ('Adam', dict(lr=0.01, amsgrad=True)), ('AdamW', dict(amsgrad=True))]


@pytest.mark.parametrize('name,kwargs', NAMES_KW, ids=[n for n, _ in NAMES_KW])
def test_state_dict_round_trip(name, kwargs):
    """Stop after 20 steps, load the state into a fresh optimizer over copied weights: the next 30 steps are the
    same as those of an uninterrupted run; the loaded state is a copy."""
    full, _ = run_steps(framework, name, kwargs, n_steps=50)
    rng = np.random.default_rng(0)
    params = [nn.Parameter(framework.tensor(rng.standard_normal(s).astype(np.float32))) for s in SHAPES]
    opt = getattr(optim, name)(params, **kwargs)
    for _ in range(20):
        for p in params:
            p.grad = framework.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
        opt.step()
    copies = [nn.Parameter(p.detach().clone()) for p in params]
    opt2 = getattr(optim, name)(copies, **kwargs)
    opt2.load_state_dict(opt.state_dict())
    for st, st2 in zip(opt.state.values(), opt2.state.values()):
        assert list(st) == list(st2)
        for k in st:
            assert st[k]._data is not st2[k]._data and np.array_equal(st[k].numpy(), st2[k].numpy())
            assert st[k].dtype == st2[k].dtype
    del opt
    for step in range(20, 50):
        for p in copies:
            p.grad = framework.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
        opt2.step()
        for x, y in zip(full[step], copies):
            assert np.array_equal(x, y.detach().numpy())


def test_parameters_without_grad_and_added_groups():
    """A parameter without a gradient gets no state (Adagrad's is created up front); one added by
    add_param_group gets its own fresh state, under the group's options."""
    torch = torch_or_skip()
    for name in ('RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'):
        results = []
        for T in (framework, torch):
            rng = np.random.default_rng(3)
            ps = [T.nn.Parameter(T.tensor(rng.standard_normal(s).astype(np.float32))) for s in [(3,), (2,), (2, 2)]]
            opt = getattr(T.optim, name)([ps[0], ps[1]], lr=0.05)
            out = []
            for step in range(8):
                if step == 4:
                    opt.add_param_group({'params': [ps[2]], 'lr': 0.01, 'weight_decay': 0.2})
                for i, p in enumerate(ps):
                    p.grad = None if (i == 1 and step < 2) else T.tensor(rng.standard_normal(tuple(p.shape))
                                                                      .astype(np.float32))
                opt.step()
                out.append([p.detach().numpy().copy() for p in ps])
            results.append((out, sorted(opt.state_dict()['state']), opt.state_dict()['param_groups']))
        assert_history(results[0][0], results[1][0])
        assert results[0][1:] == results[1][1:], name


def test_repr_matches_torch():
    torch = torch_or_skip()
    for name, kwargs in NAMES_KW:
        ours = getattr(optim, name)([nn.Parameter(framework.ones(1))], **kwargs)
        theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))], **kwargs)
        assert repr(ours) == repr(theirs)


def test_training_converges():
    # Adadelta at lr=1.0 oscillates about the optimum and lands on either side of 1e-2 by BLAS kernel
    # (OPENBLAS_CORETYPE=Haswell): lr=0.5 converges on every kernel set
    for name, kwargs in [('RMSprop', dict(lr=0.01)), ('Adagrad', dict(lr=0.3)), ('Adadelta', dict(lr=0.5, eps=1e-3)),
                         ('Adamax', dict(lr=0.05)), ('NAdam', dict(lr=0.05)), ('RAdam', dict(lr=0.05))]:
        framework.manual_seed(0)
        x = framework.randn(64, 3)
        y = x @ framework.tensor([[1.0], [-2.0], [0.5]]) + 0.3
        model = nn.Linear(3, 1)
        opt = getattr(optim, name)(model.parameters(), **kwargs)
        for _ in range(300):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
        assert loss.item() < 1e-2, name


def test_step_in_place_without_graph():
    for name, _ in NAMES_KW:
        p = nn.Parameter(framework.ones(3))
        data, version = p._data, p._version
        opt = getattr(optim, name)([p], lr=0.1)
        p.grad = framework.ones(3)
        opt.step()
        assert p._data is data and p._version == version + 1 and p.grad_fn is None and p.tolist() != [1, 1, 1]


def test_configs_can_name_them():
    from framework.training import registry as R
    table = R.optimizers()
    for name in ('RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'):
        assert table[name] is getattr(optim, name)
    one = ([nn.Parameter(framework.ones(1))],)
    opt = R.construct(table['RMSprop'], 'optimizer', kwargs={'lr': 0.01, 'momentum': 0.9, 'centered': True},
                      leading=one, skip=1)
    assert opt.param_groups[0]['centered'] is True
    with pytest.raises(R.ConfigError, match='^optimizer: Adagrad: Invalid lr_decay value: -1$'):
        R.construct(table['Adagrad'], 'optimizer', kwargs={'lr_decay': -1}, leading=one, skip=1)
    with pytest.raises(R.ConfigError, match="^optimizer.centered: expected true or false, got 'yes'$"):
        R.construct(table['RMSprop'], 'optimizer', kwargs={'centered': 'yes'}, leading=one, skip=1)


def test_signatures_match_torch():
    """Same parameter names, order, kinds and defaults as torch.optim's, so keyword and positional calls port."""
    import inspect
    torch = torch_or_skip()
    for name in ('SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'RAdam'):
        ours = inspect.signature(getattr(optim, name)).parameters
        theirs = inspect.signature(getattr(torch.optim, name)).parameters
        assert [(p.name, p.kind) for p in ours.values()] == [(p.name, p.kind) for p in theirs.values()], name
        for k, p in theirs.items():
            if k != 'params':
                assert ours[k].default == p.default, (name, k)
    from framework.optim import lr_scheduler as S
    for name in ('OneCycleLR', 'CyclicLR', 'CosineAnnealingWarmRestarts', 'PolynomialLR', 'SequentialLR',
                 'ChainedScheduler', 'ReduceLROnPlateau', 'LinearLR', 'ConstantLR', 'MultiplicativeLR'):
        ours = inspect.signature(getattr(S, name)).parameters
        theirs = inspect.signature(getattr(torch.optim.lr_scheduler, name)).parameters
        assert [(p.name, p.kind, p.default) for p in ours.values()] == \
            [(p.name, p.kind, p.default) for p in theirs.values()], name
