"""nn, losses, optimizers, the DataLoader and config-driven training on the GPU: the same numbers as on
the CPU, and (on the fake device) no copy to the host anywhere in a training step."""
import copy
import os

import numpy as np
import pytest

import framework
from framework import nn
from framework.nn import functional as F
from framework.utils.data import DataLoader, Dataset, TensorDataset
from framework.training import checkpoint as ckpt, train

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _host(t):
    return t.detach().cpu().numpy()


def _no_host_copies(cuda, before, what):
    if cuda.fake:
        assert cuda.transfers() == before, f'{what} copied to the host'


def _mlp(seed=0):
    framework.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))


def test_module_moves_in_place(cuda):
    net = _mlp()
    params = list(net.parameters())
    w = net[0].weight
    w.grad = framework.ones_like(w)
    assert net.cuda() is net and list(net.parameters()) == params     # the same Parameter objects
    assert all(p.is_cuda for p in net.parameters()) and w.grad.is_cuda
    assert isinstance(w, nn.Parameter) and w.requires_grad
    assert next(net.to('cpu').parameters()).device.type == 'cpu' and not w.grad.is_cuda
    net.to(framework.device('cuda'))
    assert all(p.is_cuda for p in net.parameters())
    net.cpu()
    assert not any(p.is_cuda for p in net.parameters())


def _loss_cases():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    logits, labels = rng.standard_normal((6, 4)), np.array([0, 3, 1, 1, 2, 0])
    probs = 1 / (1 + np.exp(-x))
    w = framework.tensor(rng.uniform(0.5, 2.0, 4))
    return [
        ('mse', nn.MSELoss(), x, y),
        ('mse_sum', nn.MSELoss(reduction='sum'), x, y),
        ('l1', nn.L1Loss(), x, y),
        ('smooth_l1', nn.SmoothL1Loss(beta=0.5), x, y),
        ('huber', nn.HuberLoss(delta=0.7), x, y),
        ('bce', nn.BCELoss(), probs, (y > 0).astype(np.float64)),
        ('bce_logits', nn.BCEWithLogitsLoss(pos_weight=w), x, (y > 0).astype(np.float64)),
        ('nll', nn.NLLLoss(), logits, labels),
        ('cross_entropy', nn.CrossEntropyLoss(), logits, labels),
        ('cross_entropy_weight', nn.CrossEntropyLoss(weight=w), logits, labels),
        ('cross_entropy_ignore', nn.CrossEntropyLoss(ignore_index=1, reduction='sum'), logits, labels),
        ('cross_entropy_smoothing', nn.CrossEntropyLoss(label_smoothing=0.1), logits, labels),
        ('cross_entropy_smoothing_weight', nn.CrossEntropyLoss(weight=w, label_smoothing=0.2), logits, labels),
        ('cross_entropy_probs', nn.CrossEntropyLoss(), logits, np.exp(y) / np.exp(y).sum(1, keepdims=True)),
    ]


@pytest.mark.parametrize('case', _loss_cases(), ids=lambda c: c[0])
def test_losses_on_device(cuda, case):
    name, loss_fn, x, target = case
    results = []
    for dev in ('cpu', 'cuda'):
        fn = loss_fn.to(dev)
        inp = framework.tensor(x, device=dev, requires_grad=True)
        tgt = framework.tensor(target, device=dev)
        before = cuda.transfers()
        loss = fn(inp, tgt)
        loss.backward()
        if dev == 'cuda':
            _no_host_copies(cuda, before, name)
            assert loss.is_cuda and inp.grad.is_cuda
        results.append((_host(loss), _host(inp.grad)))
    (l0, g0), (l1, g1) = results
    np.testing.assert_allclose(l1, l0, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g1, g0, rtol=1e-10, atol=1e-12)


def test_loss_mixing_devices_raises(cuda):
    msg = 'Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!'
    a = framework.ones(2, 3, device='cuda')
    for fn in (lambda: F.mse_loss(a, framework.ones(2, 3)),
               lambda: F.cross_entropy(a, framework.tensor([0, 2])),
               lambda: nn.Linear(3, 4)(a)):
        with pytest.raises(RuntimeError) as e:
            fn()
        assert str(e.value) == msg


OPTIMIZERS = [
    ('sgd', lambda p: framework.optim.SGD(p, lr=0.1)),
    ('sgd_momentum', lambda p: framework.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-2)),
    ('sgd_nesterov', lambda p: framework.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ('sgd_dampening', lambda p: framework.optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.3)),
    ('adam', lambda p: framework.optim.Adam(p, lr=1e-2)),
    ('adam_amsgrad', lambda p: framework.optim.Adam(p, lr=1e-2, weight_decay=1e-2, amsgrad=True)),
    ('adamw', lambda p: framework.optim.AdamW(p, lr=1e-2)),
]


def _train_steps(device, make_opt, steps, cuda=None):
    """`steps` full training steps of a small MLP; asserts no host copy on the fake device."""
    net = _mlp().to(device)
    opt = make_opt(net.parameters())
    rng = np.random.default_rng(1)
    X = framework.tensor(rng.standard_normal((10, 5)), dtype=framework.float32, device=device)
    Y = framework.tensor(rng.integers(0, 3, 10), device=device)
    loss_fn = nn.CrossEntropyLoss()
    before = cuda.transfers() if cuda is not None else None
    for _ in range(steps):
        loss = loss_fn(net(X), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    if cuda is not None:
        _no_host_copies(cuda, before, 'a training step')
    return net, opt


@pytest.mark.parametrize('name,make_opt', OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_optimizer_steps_on_device(cuda, name, make_opt):
    ref, _ = _train_steps('cpu', make_opt, 4)
    net, opt = _train_steps('cuda', make_opt, 4, cuda)
    for p, q in zip(net.parameters(), ref.parameters()):
        assert p.is_cuda and p.grad.is_cuda
        np.testing.assert_allclose(_host(p), _host(q), rtol=1e-5, atol=1e-6)
    for st in opt.state.values():
        for k, v in st.items():
            if k != 'step':           # as in PyTorch, the step count stays a CPU scalar
                assert v.is_cuda, k


def test_optimizer_state_dict_crosses_devices(cuda):
    make = OPTIMIZERS[5][1]
    net, opt = _train_steps('cuda', make, 2)
    cpu_net = _mlp(seed=1)
    cpu_opt = make(cpu_net.parameters())
    cpu_net.load_state_dict(net.state_dict())
    cpu_opt.load_state_dict(opt.state_dict())
    assert not any(v.is_cuda for st in cpu_opt.state.values() for v in st.values())
    back_net = _mlp(seed=2).cuda()
    back_opt = make(back_net.parameters())
    back_net.load_state_dict(cpu_net.state_dict())
    back_opt.load_state_dict(cpu_opt.state_dict())
    for a, b in zip(back_opt.state.values(), opt.state.values()):
        assert a.keys() == b.keys()
        for k in a:
            assert a[k].device == b[k].device, k
            np.testing.assert_array_equal(_host(a[k]), _host(b[k]))
    for p, q in zip(back_net.parameters(), net.parameters()):
        assert p.is_cuda
        np.testing.assert_array_equal(_host(p), _host(q))


class _Samples(Dataset):
    """Samples as (tensor, int label) pairs on the GPU: collated by stacking, one by one."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


@pytest.mark.parametrize('kind', ['tensor_dataset', 'samples'])
def test_dataloader_batches_stay_on_device(cuda, kind):
    rng = np.random.default_rng(2)
    xn, yn = rng.standard_normal((7, 3)).astype(np.float32), rng.integers(0, 4, 7)
    batches = {}
    for dev in ('cpu', 'cuda'):
        x, y = framework.tensor(xn, device=dev), framework.tensor(yn, device=dev)
        ds = TensorDataset(x, y) if kind == 'tensor_dataset' else _Samples(x, y)
        loader = DataLoader(ds, batch_size=3, shuffle=True, generator=framework.Generator().manual_seed(4))
        before = cuda.transfers()
        batches[dev] = list(loader)
        if dev == 'cuda':
            _no_host_copies(cuda, before, 'the DataLoader')
    assert len(batches['cuda']) == 3
    for (xc, yc), (xg, yg) in zip(batches['cpu'], batches['cuda']):
        assert xg.is_cuda and yg.is_cuda and xg.dtype == xc.dtype and yg.dtype == yc.dtype
        np.testing.assert_array_equal(_host(xg), _host(xc))
        np.testing.assert_array_equal(_host(yg), _host(yc))


def test_training_loop_with_loader_never_leaves_the_device(cuda):
    rng = np.random.default_rng(3)
    X = framework.tensor(rng.standard_normal((32, 5)), dtype=framework.float32, device='cuda')
    Y = framework.tensor(rng.integers(0, 3, 32), device='cuda')
    net = _mlp().cuda()
    opt = framework.optim.AdamW(net.parameters(), lr=1e-2)
    sched = framework.optim.lr_scheduler.StepLR(opt, step_size=2)
    loader = DataLoader(TensorDataset(X, Y), batch_size=8, shuffle=True, drop_last=True)
    loss_fn = nn.CrossEntropyLoss()
    before = cuda.transfers()
    for _ in range(2):
        for xb, yb in loader:
            loss = loss_fn(net(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        sched.step()
    _no_host_copies(cuda, before, 'the loop')
    assert loss.is_cuda and np.isfinite(loss.item())


def _quiet(config, overrides, tmp, **kw):
    with open(os.devnull, 'w') as devnull:
        return train(os.path.join(ROOT, 'configs', f'{config}.yaml') if config else None,
                     overrides=list(overrides) + ([f'output.dir={tmp}'] if tmp else []), progress=False, out=devnull,
                     **kw)


@pytest.mark.parametrize('device', ['cuda', 'auto'])
def test_config_device_cuda(cuda, tmp_path, device):
    over = ['train.epochs=2', 'train.log_every=10', 'train.checkpoint_every=10']
    on_cpu = _quiet('classify', over + ['device=cpu'], tmp_path / 'cpu')
    on_gpu = _quiet('classify', over + [f'device={device}'], tmp_path / 'gpu')
    assert all(p.is_cuda for p in on_gpu.model.parameters())
    assert [r['step'] for r in on_gpu.history] == [r['step'] for r in on_cpu.history]
    np.testing.assert_allclose([r['loss'] for r in on_gpu.history], [r['loss'] for r in on_cpu.history],
                               rtol=1e-4)


def test_checkpoint_saved_on_gpu_resumes_on_gpu_like_an_uninterrupted_run(cuda, tmp_path):
    over = ['device=cuda', 'train.epochs=3', 'train.log_every=5', 'train.checkpoint_every=7', 'optimizer=Adam']
    full = _quiet('classify', over, tmp_path / 'a')
    part = _quiet('classify', over, tmp_path / 'b', stop_after=31)
    arrays, _ = ckpt.load(part.run_dir)
    assert all(a.__class__ is np.ndarray for a in arrays.values())     # a checkpoint holds host arrays
    resumed = _quiet(None, [], None, resume=part.run_dir)
    assert all(p.is_cuda for p in resumed.model.parameters())
    assert all(not v.is_cuda if k == 'step' else v.is_cuda
               for st in resumed.optimizer.state.values() for k, v in st.items())
    assert resumed.history == full.history
    for p, q in zip(resumed.model.parameters(), full.model.parameters()):
        np.testing.assert_array_equal(_host(p), _host(q))


def test_checkpoint_saved_on_gpu_loads_on_cpu_and_back(cuda, tmp_path):
    r = _quiet('classify', ['device=cuda', 'train.epochs=1'], tmp_path)
    arrays, _ = ckpt.load(r.run_dir)
    for device in ('cpu', 'cuda'):
        model = copy.deepcopy(r.model).to(device)
        with framework.no_grad():
            for p in model.parameters():
                p.zero_()
        ckpt.load_model_arrays(model, arrays, framework.device(device))
        assert all(p.device.type == device for p in model.parameters())
        for k, v in model.state_dict().items():
            np.testing.assert_array_equal(_host(v), arrays[f'model/{k}'])


def test_config_device_cuda_without_a_gpu(monkeypatch, tmp_path):
    from framework import _device
    from framework.training import ConfigError
    monkeypatch.setattr(_device, '_cupy', False)
    with pytest.raises(ConfigError, match=r"device: 'cuda' requested but framework\.cuda\.is_available\(\) is False"):
        _quiet('sin_cubic_fast', ['device=cuda', 'train.steps=2'], tmp_path)
    r = _quiet('sin_cubic_fast', ['device=auto', 'train.steps=2'], tmp_path)
    assert not any(p.is_cuda for p in r.model.parameters())
