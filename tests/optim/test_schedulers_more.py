"""OneCycleLR, CyclicLR, CosineAnnealingWarmRestarts, PolynomialLR, SequentialLR, ChainedScheduler and
ReduceLROnPlateau: hand-worked values, PyTorch's sequences (lr and momentum), state dicts, errors."""
import math
import warnings

import numpy as np
import pytest

import framework
from framework import nn, optim
from framework.optim import lr_scheduler as S
from tests.conftest import torch_or_skip


def make_opt(T, name='SGD'):
    groups = [{'params': [T.nn.Parameter(T.ones(1))]}, {'params': [T.nn.Parameter(T.ones(1))], 'lr': 0.5}]
    if name == 'SGD':
        return T.optim.SGD(groups, lr=0.1, momentum=0.9)
    return getattr(T.optim, name)(groups, lr=0.1)


def build(T, opt, name, kw):
    L = T.optim.lr_scheduler
    if name == 'SequentialLR':
        inner = [L.LinearLR(opt, start_factor=0.1, total_iters=3), L.ExponentialLR(opt, gamma=0.8),
                 L.CosineAnnealingLR(opt, T_max=4)]
        return L.SequentialLR(opt, inner, milestones=kw['milestones'])
    if name == 'ChainedScheduler':
        inner = [L.ConstantLR(opt, factor=0.5, total_iters=4), L.ExponentialLR(opt, gamma=0.9),
                 L.StepLR(opt, step_size=3, gamma=0.5)]
        return L.ChainedScheduler(inner, **kw)
    return getattr(L, name)(opt, **kw)


def momentum_of(group):
    return group['betas'][0] if 'betas' in group else group.get('momentum')


def sequence(T, name, kw, n=25, opt_name='SGD', opt=None, sched=None):
    opt = opt or make_opt(T, opt_name)
    sched = sched or build(T, opt, name, kw)
    seq = [(list(sched.get_last_lr()), [momentum_of(g) for g in opt.param_groups])]
    for _ in range(n):
        opt.step()
        sched.step()
        seq.append((list(sched.get_last_lr()), [momentum_of(g) for g in opt.param_groups]))
    return seq, sched, opt


CASES = [
    ('PolynomialLR', dict(total_iters=10, power=2.0), 'SGD'),
    ('PolynomialLR', dict(), 'SGD'),
    ('CosineAnnealingWarmRestarts', dict(T_0=4), 'SGD'),
    ('CosineAnnealingWarmRestarts', dict(T_0=3, T_mult=2, eta_min=0.01), 'SGD'),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.1, step_size_up=4), 'SGD'),
    ('CyclicLR', dict(base_lr=[0.01, 0.02], max_lr=[0.1, 1.0], step_size_up=3, step_size_down=5,
                      mode='triangular2'), 'SGD'),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.1, step_size_up=2, mode='exp_range', gamma=0.9), 'Adam'),
    ('CyclicLR', dict(base_lr=0.01, max_lr=0.1, step_size_up=3, cycle_momentum=False), 'Adagrad'),
    ('OneCycleLR', dict(max_lr=1.0, total_steps=25), 'SGD'),
    ('OneCycleLR', dict(max_lr=[1.0, 0.5], epochs=5, steps_per_epoch=5, pct_start=0.4, anneal_strategy='linear',
                        three_phase=True), 'AdamW'),
    ('OneCycleLR', dict(max_lr=0.3, total_steps=30, cycle_momentum=False, div_factor=10.0,
                        final_div_factor=100.0), 'RMSprop'),
    ('MultiplicativeLR', dict(lr_lambda=lambda e: 0.9 if e % 2 else 1.05), 'SGD'),
    ('SequentialLR', dict(milestones=[3, 8]), 'SGD'),
    ('ChainedScheduler', dict(), 'SGD'),
]
IDS = [f'{n}{i}' for i, (n, _, _) in enumerate(CASES)]


@pytest.mark.parametrize('name,kw,opt_name', CASES, ids=IDS)
def test_sequence_matches_torch(name, kw, opt_name):
    torch = torch_or_skip()
    ours, sched, opt = sequence(framework, name, kw, opt_name=opt_name)
    theirs, tsched, topt = sequence(torch, name, kw, opt_name=opt_name)
    np.testing.assert_allclose(np.array([s[0] for s in ours]), np.array([s[0] for s in theirs]), rtol=1e-12,
                               atol=1e-15)
    for (_, m), (_, tm) in zip(ours, theirs):
        assert m == tm if None in tm else m == pytest.approx(tm, rel=1e-12, abs=1e-15)
    assert [g['lr'] for g in opt.param_groups] == ours[-1][0]
    assert sched.state_dict().keys() == tsched.state_dict().keys()
    groups = [{k: v for k, v in g.items() if k != 'params'} for g in opt.param_groups]
    tgroups = [{k: v for k, v in g.items() if k != 'params'} for g in topt.param_groups]
    assert [sorted(g) for g in groups] == [sorted(g) for g in tgroups]


@pytest.mark.parametrize('name,kw,opt_name', CASES, ids=IDS)
def test_state_dict_resumes_the_sequence(name, kw, opt_name):
    """Stopped after 9 steps, the optimizer's and scheduler's states loaded into new ones continue exactly."""
    n = 24
    full, _, _ = sequence(framework, name, kw, n=n, opt_name=opt_name)
    first, sched, opt = sequence(framework, name, kw, n=9, opt_name=opt_name)
    _, sched2, opt2 = sequence(framework, name, kw, n=0, opt_name=opt_name)
    opt2.load_state_dict(opt.state_dict())
    sched2.load_state_dict(sched.state_dict())
    rest, _, _ = sequence(framework, name, kw, n=n - 9, opt=opt2, sched=sched2)
    assert first + rest[1:] == full


def lrs(sched, n):
    out = [sched.get_last_lr()[0]]
    for _ in range(n):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


def sgd(lr=1.0, momentum=0.9):
    return optim.SGD([nn.Parameter(framework.ones(1))], lr=lr, momentum=momentum)


def test_polynomial_by_hand():
    # base_lr * (1 - t / total_iters) ** power, constant after total_iters
    got = lrs(S.PolynomialLR(sgd(), total_iters=4, power=2.0), 6)
    assert got == pytest.approx([1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0, 0.0])


def test_warm_restarts_by_hand():
    # T_0 = 2, T_mult = 2: periods 2, 4, 8; within one, eta_min + (base - eta_min)(1 + cos(pi T_cur / T_i)) / 2
    got = lrs(S.CosineAnnealingWarmRestarts(sgd(), T_0=2, T_mult=2), 7)
    c = math.cos
    assert got == pytest.approx([1.0, 0.5, 1.0, (1 + c(math.pi / 4)) / 2, 0.5, (1 + c(3 * math.pi / 4)) / 2, 1.0,
                                 (1 + c(math.pi / 8)) / 2])
    s = S.CosineAnnealingWarmRestarts(sgd(), T_0=2, T_mult=2)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        s.step(4.5)                  # fractional epochs: 2 + 2.5 into the 4-long second period
    assert s.T_i == 4 and s.T_cur == 2.5 and s.last_epoch == 4
    assert s.get_last_lr()[0] == pytest.approx((1 + c(math.pi * 2.5 / 4)) / 2)
    with pytest.raises(ValueError, match='^Expected non-negative epoch, but got -1$'):
        s.step(-1)


def test_cyclic_by_hand():
    # triangular: 0.1 → 1.0 over 3 steps and back; the momentum goes 0.9 → 0.8 and back against it
    opt = sgd(lr=123.0)
    s = S.CyclicLR(opt, base_lr=0.1, max_lr=1.0, step_size_up=3)
    seq = [(opt.param_groups[0]['lr'], opt.param_groups[0]['momentum'])]
    for _ in range(7):
        opt.step()
        s.step()
        seq.append((opt.param_groups[0]['lr'], opt.param_groups[0]['momentum']))
    assert [x for x, _ in seq] == pytest.approx([0.1, 0.4, 0.7, 1.0, 0.7, 0.4, 0.1, 0.4])
    assert [m for _, m in seq] == pytest.approx([0.9, 0.9 - 0.1 / 3, 0.9 - 0.2 / 3, 0.8, 0.9 - 0.2 / 3,
                                                 0.9 - 0.1 / 3, 0.9, 0.9 - 0.1 / 3])
    assert opt.param_groups[0]['max_momentum'] == 0.9 and opt.param_groups[0]['base_momentum'] == 0.8
    # triangular2 halves the amplitude each cycle
    got = lrs(S.CyclicLR(sgd(), base_lr=0.0, max_lr=1.0, step_size_up=1, mode='triangular2'), 6)
    assert got == pytest.approx([0.0, 1.0, 0.0, 0.5, 0.0, 0.25, 0.0])
    # Adam's beta1 is cycled in place of momentum
    a = optim.Adam([nn.Parameter(framework.ones(1))], betas=(0.5, 0.99))
    S.CyclicLR(a, base_lr=0.1, max_lr=1.0, step_size_up=3)
    assert a.param_groups[0]['betas'] == (0.9, 0.99)


def test_one_cycle_by_hand():
    # total 10, pct_start 0.3: up over steps 0..2 (end_step 2), cos down over 2..9 to initial_lr / 1e4
    opt = sgd()
    s = S.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.3, anneal_strategy='linear')
    g = opt.param_groups[0]
    assert (g['initial_lr'], g['max_lr'], g['min_lr']) == (0.04, 1.0, 0.04 / 1e4)
    got = [g['lr']]
    moms = [g['momentum']]
    for _ in range(9):
        opt.step()
        s.step()
        got.append(g['lr'])
        moms.append(g['momentum'])
    up = [0.04 + 0.96 * t / 2 for t in range(3)]
    down = [1.0 + (4e-6 - 1.0) * (t - 2) / 7 for t in range(3, 10)]
    assert got == pytest.approx(up + down)
    assert moms[0] == 0.95 and moms[2] == pytest.approx(0.85) and moms[9] == pytest.approx(0.95)
    opt.step()
    s.step()      # step 10 == total_steps is allowed, as in PyTorch; one more is not
    opt.step()
    with pytest.raises(ValueError, match='^Tried to step 11 times. The specified number of total steps is 10$'):
        s.step()


def test_sequential_and_chained_by_hand():
    opt = sgd()
    a = S.ConstantLR(opt, factor=0.5, total_iters=2)
    b = S.ExponentialLR(opt, gamma=0.5)
    s = S.SequentialLR(opt, [a, b], milestones=[3])
    # ConstantLR for steps 0..2 (0.5, 0.5, 1.0), then ExponentialLR restarted at its own step 0
    assert lrs(s, 5) == pytest.approx([0.5, 0.5, 1.0, 1.0, 0.5, 0.25])
    opt = sgd()
    c = S.ChainedScheduler([S.ConstantLR(opt, factor=0.5, total_iters=2), S.ExponentialLR(opt, gamma=0.5)])
    assert lrs(c, 3) == pytest.approx([0.5, 0.25, 0.25, 0.125])
    sd = c.state_dict()
    assert len(sd['_schedulers']) == 2 and 'optimizer' not in sd and sd['_schedulers'][1]['gamma'] == 0.5


def test_reduce_on_plateau_by_hand_and_vs_torch():
    opt = sgd()
    s = S.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1, min_lr=0.2)
    seen = []
    for metric in [5, 4, 4, 4, 4, 4, 4, 4, 4]:
        s.step(metric)
        seen.append(s.get_last_lr()[0])
    assert seen == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    with pytest.raises(ValueError, match='^expected 1 min_lrs, got 2$'):
        S.ReduceLROnPlateau(sgd(), min_lr=[0.1, 0.2])
    s2 = S.ReduceLROnPlateau(sgd(), min_lr=[0.1], patience=0)
    s2.optimizer.add_param_group({'params': [nn.Parameter(framework.ones(1))]})
    s2.step(1.0)
    with pytest.raises(RuntimeError, match=r'^The number of param groups in the `optimizer` \(2\) differs'):
        s2.step(2.0)
    torch = torch_or_skip()
    metrics = [3, 2, 2.5, 2.4, 2.3, 2.2, 2.2, 2.2, 1.0, 1.1, 1.2, 1.3, 1.4]
    for kw in (dict(patience=2), dict(mode='max', threshold_mode='abs', threshold=0.05, patience=0, cooldown=2),
               dict(factor=0.3, min_lr=[0.05, 0.1], patience=1)):
        res = []
        for T in (framework, torch):
            o = make_opt(T)
            sc = T.optim.lr_scheduler.ReduceLROnPlateau(o, **kw)
            out = []
            for m in metrics:
                o.step()
                sc.step(m)
                out.append(sc.get_last_lr())
            res.append((out, sorted(sc.state_dict())))
        np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
        assert res[0][1] == res[1][1]


ERRORS = [
    (lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=0), 'Expected positive integer T_0, but got 0'),
    (lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0), 'Expected integer T_mult >= 1, but got 0'),
    (lambda S, o: S.OneCycleLR(o, max_lr=1.0), 'You must define either total_steps OR (epochs AND steps_per_epoch)'),
    (lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=0), 'Expected positive integer total_steps, but got 0'),
    (lambda S, o: S.OneCycleLR(o, max_lr=1.0, epochs=2, steps_per_epoch=0),
     'Expected positive integer steps_per_epoch, but got 0'),
    (lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=5, pct_start=1.5),
     'Expected float between 0 and 1 pct_start, but got 1.5'),
    (lambda S, o: S.OneCycleLR(o, max_lr=1.0, total_steps=5, anneal_strategy='exp'),
     "anneal_strategy must be one of 'cos' or 'linear', instead got exp"),
    (lambda S, o: S.OneCycleLR(o, max_lr=[1.0, 2.0], total_steps=5),
     'max_lr must have the same length as optimizer.param_groups. max_lr has 2 values, param_groups has 1.'),
    (lambda S, o: S.CyclicLR(o, 0.1, 1.0, mode='sine'), 'mode is invalid and scale_fn is None'),
    (lambda S, o: S.SequentialLR(o, [S.StepLR(o, 2)], milestones=[1]),
     'Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone '
     'points, but got number of schedulers 1 and the number of milestones to be equal to 1'),
    (lambda S, o: S.SequentialLR(o, [], milestones=[]), 'SequentialLR expects at least one scheduler, but got no '
     'scheduler.'),
    (lambda S, o: S.ChainedScheduler([S.StepLR(o, 2), S.ReduceLROnPlateau(o)]),
     'ChainedScheduler does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be '
     'specified when calling `step`, but got one at index 1 in the given schedulers sequence.'),
]


@pytest.mark.parametrize('make,message', ERRORS, ids=[m[:30] for _, m in ERRORS])
def test_errors(make, message):
    with pytest.raises(ValueError) as e:
        make(S, sgd())
    assert str(e.value) == message


def test_cycle_momentum_needs_momentum():
    opt = optim.Adagrad([nn.Parameter(framework.ones(1))])
    for make in (lambda: S.CyclicLR(opt, 0.1, 1.0), lambda: S.OneCycleLR(opt, 1.0, total_steps=4)):
        with pytest.raises(ValueError, match='^optimizer must support momentum or beta1 with `cycle_momentum` '
                                             'option enabled$'):
            make()


def test_errors_match_torch():
    torch = torch_or_skip()
    for make, message in ERRORS:
        o = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0, momentum=0.9)
        with pytest.raises(ValueError) as e:
            make(torch.optim.lr_scheduler, o)
        assert str(e.value) == message


def test_configs_can_name_them():
    from framework.training import registry as R
    table = R.schedulers()
    for name in ('OneCycleLR', 'CyclicLR', 'CosineAnnealingWarmRestarts', 'PolynomialLR'):
        assert table[name] is getattr(S, name)
    opt = sgd()
    s = R.construct(table['OneCycleLR'], 'scheduler', kwargs={'max_lr': 0.5, 'total_steps': 100}, leading=(opt,),
                    skip=1)
    assert s.total_steps == 100 and opt.param_groups[0]['lr'] == pytest.approx(0.02)
    with pytest.raises(R.ConfigError, match='^scheduler.T_0: expected a positive integer, got 0$'):
        R.construct(table['CosineAnnealingWarmRestarts'], 'scheduler', kwargs={'T_0': 0}, leading=(opt,), skip=1)
    with pytest.raises(R.ConfigError, match="^scheduler.total_steps: expected an integer, got 'x'$"):
        R.construct(table['OneCycleLR'], 'scheduler', kwargs={'max_lr': 1, 'total_steps': 'x'}, leading=(opt,),
                    skip=1)


@pytest.mark.parametrize('opt_spec,sched_spec', [
    ({'name': 'NAdam', 'lr': 0.05, 'decoupled_weight_decay': True, 'weight_decay': 0.01},
     {'name': 'OneCycleLR', 'max_lr': 0.1, 'total_steps': 120, 'interval': 'step'}),
    ({'name': 'RMSprop', 'lr': 0.01, 'momentum': 0.5, 'centered': True},
     {'name': 'CosineAnnealingWarmRestarts', 'T_0': 30, 'T_mult': 2, 'interval': 'step'}),
    ({'name': 'Adagrad', 'lr': 0.5}, {'name': 'CyclicLR', 'base_lr': 0.05, 'max_lr': 0.5, 'step_size_up': 20,
                                      'cycle_momentum': False, 'interval': 'step'}),
])
def test_a_config_trains_and_resumes_with_them(opt_spec, sched_spec, tmp_path):
    """Named in a config, they train; a run stopped and resumed from its checkpoint (optimizer state with
    `mu_product`, `square_avg`, ...; scheduler state) ends bit-identical to an uninterrupted one."""
    import os
    from framework.training import train
    from framework.training.config import safe_load
    from tests.training.helpers import config_path
    with open(config_path('sin_cubic_fast')) as f:
        cfg = safe_load(f.read())
    cfg.update(optimizer=opt_spec, scheduler=sched_spec)
    cfg['train'] = {'steps': 120, 'log_every': 20}
    quiet = dict(progress=False, out=open(os.devnull, 'w'))
    full = train(dict(cfg), overrides=[f'output.dir={tmp_path / "a"}'], **quiet)
    assert full.history[-1]['loss'] < full.history[0]['loss']
    part = train(dict(cfg), overrides=[f'output.dir={tmp_path / "b"}'], stop_after=50, **quiet)
    resumed = train(None, resume=part.run_dir, **quiet)
    for (k, a), (_, b) in zip(sorted(full.model.state_dict().items()), sorted(resumed.model.state_dict().items())):
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes(), k
    assert resumed.scheduler.get_last_lr() == full.scheduler.get_last_lr()
