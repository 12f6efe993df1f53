"""Devices: creation with device=, transfers, mixing errors, gradients on the device.

Each test runs on a real GPU through CuPy when there is one, else on the fake device (fakecupy.py),
which also counts copies to the host.
"""
import numpy as np
import pytest

import framework
from framework import _device


def test_framework_works_without_cupy(monkeypatch):
    monkeypatch.setattr(_device, '_cupy', False)
    assert framework.cuda.is_available() is False
    assert framework.cuda.device_count() == 0
    framework.cuda.manual_seed_all(3)          # a no-op, not an error
    with pytest.raises(RuntimeError, match='Torch not compiled with CUDA enabled'):
        framework.zeros(2, device='cuda')
    with pytest.raises(RuntimeError, match='Torch not compiled with CUDA enabled'):
        framework.ones(2).cuda()


def test_device_objects():
    d = framework.device('cuda:1')
    assert (d.type, d.index, str(d)) == ('cuda', 1, 'cuda:1')
    assert repr(framework.device('cpu')) == "device(type='cpu')"
    assert framework.device('cuda', 0) == 'cuda:0'
    with pytest.raises(RuntimeError, match='Expected one of cpu, cuda device type at start of device string: gpu'):
        framework.device('gpu')


def test_availability(cuda):
    assert framework.cuda.is_available()
    assert framework.cuda.device_count() >= 1


@pytest.mark.parametrize('make', [
    lambda **k: framework.zeros(2, 3, **k),
    lambda **k: framework.ones(4, **k),
    lambda **k: framework.full((2, 2), 7.5, **k),
    lambda **k: framework.eye(3, **k),
    lambda **k: framework.arange(0, 5, **k),
    lambda **k: framework.linspace(-1, 1, 7, **k),
    lambda **k: framework.tensor([[1.5, 2.0], [3.0, 4.0]], **k),
])
def test_creation_takes_device(cuda, make):
    on_gpu, on_cpu = make(device='cuda'), make()
    assert on_gpu.device == framework.device('cuda', 0) and on_gpu.is_cuda
    assert on_cpu.device.type == 'cpu'
    np.testing.assert_array_equal(on_gpu.cpu().numpy(), on_cpu.numpy())
    assert on_gpu.dtype == on_cpu.dtype


def test_random_creation_is_reproducible_across_devices(cuda):
    framework.manual_seed(5)
    a = framework.randn(3, 4, device='cuda')
    framework.manual_seed(5)
    b = framework.randn(3, 4)
    assert a.is_cuda
    np.testing.assert_array_equal(a.cpu().numpy(), b.numpy())


def test_transfers_and_their_gradients(cuda):
    x = framework.tensor([1.0, 2.0, 3.0], requires_grad=True)
    g = x.cuda()
    assert g.is_cuda and g.requires_grad and g.grad_fn.name() == 'ToCopyBackward0'
    assert g.to('cuda') is g                     # already there: no copy
    back = (g * g).cpu()
    assert back.device.type == 'cpu'
    back.sum().backward()
    assert x.grad.device.type == 'cpu'           # the gradient came back to the leaf's device
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    y = x.detach().to('cuda', framework.float64)
    assert y.dtype == framework.float64 and y.is_cuda


def test_mixing_devices_raises_pytorch_error(cuda):
    a = framework.ones(3, device='cuda')
    b = framework.ones(3)
    msg = 'Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!'
    for fn in (lambda: a + b, lambda: b * a, lambda: a @ b, lambda: framework.cat([a, b])):
        with pytest.raises(RuntimeError) as e:
            fn()
        assert str(e.value) == msg
    # a 0-d CPU tensor may join a device op, as in PyTorch
    r = a * framework.tensor(2.0)
    assert r.is_cuda and r.tolist() == [2.0, 2.0, 2.0]


def test_host_copies_are_explicit(cuda):
    t = framework.tensor([[1.0, 2.0]], device='cuda')
    with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor to numpy\. Use Tensor\.cpu\(\)"):
        t.numpy()
    assert t.tolist() == [[1.0, 2.0]]
    assert t.sum().item() == 3.0
    assert t.cpu().numpy().tolist() == [[1.0, 2.0]]


def _chain(x, w):
    h = (x @ w).tanh() * 2 - x.sum(1, keepdim=True) / 3
    h = h.sigmoid() + (h * h).exp() * 0.1 - h.relu()
    return (h ** 2).mean() + h.abs().sum() * 0.01 + (x[1:, :2] - x[:-1, 1:3]).pow(3).sum()


def test_gradients_match_cpu_and_never_leave_the_device(cuda):
    rng = np.random.default_rng(0)
    xn, wn = rng.standard_normal((4, 3)), rng.standard_normal((3, 3))
    results = []
    for dev in ('cpu', 'cuda'):
        x = framework.tensor(xn, device=dev, requires_grad=True)
        w = framework.tensor(wn, device=dev, requires_grad=True)
        before = cuda.transfers()
        loss = _chain(x, w)
        loss.backward()
        if dev == 'cuda' and cuda.fake:
            assert cuda.transfers() == before, 'forward/backward copied to the host'
            assert x.grad.is_cuda and w.grad.is_cuda
        results.append((loss.item(), x.grad.cpu().numpy(), w.grad.cpu().numpy()))
    (l0, gx0, gw0), (l1, gx1, gw1) = results
    assert l0 == pytest.approx(l1, rel=1e-12)
    np.testing.assert_allclose(gx1, gx0, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gw1, gw0, rtol=1e-10, atol=1e-12)


def test_double_backward_on_device(cuda):
    x = framework.tensor([0.5, -1.0, 2.0], device='cuda', requires_grad=True)
    (g,) = framework.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (h,) = framework.autograd.grad(g.sum(), x)
    assert h.is_cuda
    np.testing.assert_allclose(h.cpu().numpy(), [3.0, -6.0, 12.0])


def test_inplace_and_setitem_on_device(cuda):
    m = framework.tensor([2.0, 3.0], device='cuda', requires_grad=True)
    n = framework.zeros(2, device='cuda')
    n[0] = m[0] ** 2
    n[1] = m[1] ** 3
    n.backward(framework.ones(2, device='cuda'))
    assert m.grad.is_cuda and m.grad.tolist() == [4.0, 27.0]
    with framework.no_grad():
        m.mul_(2)
    assert m.tolist() == [4.0, 6.0]


def test_seeding_reaches_cupy(cuda, monkeypatch):
    seeds = []
    monkeypatch.setattr(cuda.xp.random, 'seed', seeds.append)
    framework.cuda.manual_seed_all(2 ** 40 + 7)
    framework.cuda.manual_seed(3)
    assert seeds == [7, 3]


@pytest.mark.parametrize('make', [
    lambda **k: framework.empty(2, 3, **k),
    lambda **k: framework.rand(2, 3, **k),
    lambda **k: framework.randint(0, 5, (4,), **k),
    lambda **k: framework.randperm(5, **k),
    lambda **k: framework.logspace(0, 2, 3, **k),
    lambda **k: framework.as_tensor([1, 2], **k),
])
def test_more_creation_takes_device(cuda, make):
    framework.manual_seed(1)
    t = make(device='cuda')
    framework.manual_seed(1)
    c = make()
    assert t.is_cuda and t.dtype == c.dtype and t.shape == c.shape


@pytest.mark.parametrize('like', ['zeros_like', 'ones_like', 'empty_like', 'rand_like', 'randn_like'])
def test_like_functions_keep_the_device(cuda, like):
    src = framework.ones(2, 3, device='cuda')
    assert getattr(framework, like)(src).is_cuda
    assert not getattr(framework, like)(src, device='cpu').is_cuda
    assert framework.full_like(src, 3.0).tolist() == [[3.0] * 3] * 2


def test_cpu_scalar_tensor_joins_device_ops(cuda):
    # CuPy takes no host arrays, not even 0-d ones: the framework moves the 0-d operand, as PyTorch allows
    a = framework.ones(3, device='cuda')
    with framework.no_grad():
        a.mul_(framework.tensor(2.0))
    assert a.is_cuda and a.tolist() == [2.0] * 3
    x = framework.ones(3, device='cuda', requires_grad=True)
    y = framework.where(x > 0, x * framework.tensor(3.0), framework.tensor(0.0)) - framework.tensor(1.0)
    y.sum().backward()
    assert y.is_cuda and y.tolist() == [2.0] * 3 and x.grad.tolist() == [3.0] * 3


def test_cpu_scalar_leaf_keeps_its_gradient_on_the_cpu(cuda):
    # PyTorch: a 0-d CPU tensor that took part in a CUDA op gets its .grad on the CPU
    s = framework.tensor(2.0, requires_grad=True)
    x = framework.ones(3, device='cuda', requires_grad=True)
    ((x * s) + s).sum().backward()
    assert not s.grad.is_cuda and s.grad.item() == 6.0
    assert x.grad.is_cuda and x.grad.tolist() == [2.0] * 3


def test_inplace_and_where_mixing_devices_raise(cuda):
    msg = 'Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!'
    a = framework.ones(3, device='cuda')
    for fn in (lambda: a.add_(framework.ones(3)), lambda: framework.where(a > 0, a, framework.zeros(3))):
        with pytest.raises(RuntimeError) as e:
            fn()
        assert str(e.value) == msg


def test_implicit_host_conversion_raises_as_in_pytorch(cuda):
    t = framework.ones(2, device='cuda')
    with pytest.raises(TypeError, match=r"can't convert cuda:0 device type tensor to numpy"):
        np.asarray(t)
    assert repr(t) == "tensor([1., 1.], device='cuda:0')"
    before = cuda.transfers()
    assert t.numpy(force=True).tolist() == [1.0, 1.0] and float(t.sum()) == 2.0
    if cuda.fake:
        assert cuda.transfers() == before + 2     # each explicit conversion is one copy
