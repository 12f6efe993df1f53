"""The convolution/pooling/batch-norm table of tests/ops/test_conv.py on the GPU: values, gradients and
second-order gradients equal to the CPU's. On real CuPy when a GPU is present; elsewhere on the fake
device, which also asserts that forward, backward and double backward never copy to the host."""
import numpy as np
import pytest

import framework
import framework.nn.functional as FF
from framework import nn
from framework.autograd import grad

from ..ops.test_conv import ROWS, IDS, _inputs
from .test_op_table_cuda import _OnCuda


def _run(T, fn, arrays, device):
    xs = [framework.tensor(x, dtype=framework.float64, device=device, requires_grad=True) for x in arrays]
    out = fn(T, FF, *xs)
    outs = out if isinstance(out, tuple) else (out,)
    outs = tuple(o for o in outs if o.dtype.is_floating_point)
    rng = np.random.default_rng(3)
    loss = sum((o * framework.tensor(rng.standard_normal(tuple(o.shape)), device=device)).sum() for o in outs)
    grads = grad(loss, xs, create_graph=True, allow_unused=True)
    live = [(g, framework.tensor(rng.standard_normal(tuple(g.shape)), device=device))
            for g in grads if g is not None and g.requires_grad]
    grads2 = grad(sum((g * v).sum() for g, v in live), xs, allow_unused=True) if live else ()
    return outs, grads, grads2


@pytest.mark.parametrize('name,fn,shapes,domain', ROWS, ids=IDS)
def test_conv_op_on_cuda_matches_cpu(cuda, name, fn, shapes, domain):
    arrays = _inputs(shapes, domain, 2)
    expected = _run(framework, fn, arrays, 'cpu')
    before = cuda.transfers()
    got = _run(_OnCuda(), fn, arrays, 'cuda')
    if cuda.fake:
        assert cuda.transfers() == before, f'{name}: forward or backward copied to the host'
    for part, (e, g) in enumerate(zip(expected, got)):
        assert len(e) == len(g)
        for a, b in zip(e, g):
            assert (a is None) == (b is None), f'{name}: part {part}'
            if b is not None:
                assert b.is_cuda and b.dtype == a.dtype and tuple(b.shape) == tuple(a.shape)
                np.testing.assert_allclose(b.detach().cpu().numpy(), a.detach().cpu().numpy(), rtol=1e-10,
                                           atol=1e-12, err_msg=f'{name}: part {part}')


def test_small_cnn_step_on_cuda_matches_cpu(cuda):
    def step(device):
        framework.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(16, 3)).to(device)
        x = framework.tensor(np.random.default_rng(0).standard_normal((5, 1, 4, 4)).astype(np.float32), device=device)
        loss = FF.cross_entropy(net(x), framework.tensor([0, 1, 2, 0, 1], device=device))
        loss.backward()
        return [loss] + [p.grad for p in net.parameters()] + [net[1].running_mean, net[1].running_var]
    cpu, gpu = step('cpu'), step('cuda')
    for a, b in zip(cpu, gpu):
        assert b.is_cuda
        np.testing.assert_allclose(b.detach().cpu().numpy(), a.detach().numpy(), rtol=1e-5, atol=1e-6)
