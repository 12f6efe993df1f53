"""The whole op table of tests/ops/test_op_table.py on the GPU: values, gradients and second-order
gradients equal to the CPU's, to the tolerances of the PyTorch comparison there.

On real CuPy when a GPU is present; elsewhere on the fake device, which also asserts that forward,
backward and double backward never copy to the host.
"""
import functools

import numpy as np
import pytest

import framework
from framework.autograd import grad

from ..ops.test_op_table import IDS, OPS, _as_tuple, _inputs

# PyTorch's prod backward checks the input for zeros on the host too: one sync per backward pass
_SYNCS_IN_PYTORCH_TOO = ('prod', 'prod_dim', 'prod_dim_keep')
_CREATORS = ('tensor', 'zeros', 'ones', 'full', 'eye', 'arange', 'linspace', 'empty', 'rand', 'randn', 'randint')


class _OnCuda:
    """framework with tensors made inside a row created on the GPU, as a PyTorch test would pass device=."""

    def __getattr__(self, name):
        attr = getattr(framework, name)
        return functools.partial(attr, device='cuda') if name in _CREATORS else attr


def _run(T, fn, arrays, device):
    """Outputs, gradients of a weighted sum of them, and gradients of a weighted sum of those."""
    xs = [framework.tensor(x, dtype=framework.float64, device=device, requires_grad=True) for x in arrays]
    outs = _as_tuple(fn(T, *xs))
    rng = np.random.default_rng(3)
    loss = sum((o * framework.tensor(rng.standard_normal(tuple(o.shape)), device=device)).sum() for o in outs)
    grads = grad(loss, xs, create_graph=True, allow_unused=True)
    live = [(g, framework.tensor(rng.standard_normal(tuple(g.shape)), device=device))
            for g in grads if g is not None and g.requires_grad]
    grads2 = grad(sum((g * v).sum() for g, v in live), xs, allow_unused=True) if live else ()
    return outs, grads, grads2


def _host(ts):
    return [None if t is None else t.detach().cpu().numpy() for t in ts]


@pytest.mark.parametrize('name,fn,shapes,domain', OPS, ids=IDS)
def test_op_on_cuda_matches_cpu(cuda, name, fn, shapes, domain):
    arrays = _inputs(shapes, domain, 2)
    expected = _run(framework, fn, arrays, 'cpu')
    before = cuda.transfers()
    got = _run(_OnCuda(), fn, arrays, 'cuda')
    if cuda.fake and name not in _SYNCS_IN_PYTORCH_TOO:
        assert cuda.transfers() == before, f'{name}: forward or backward copied to the host'
    for part, (e, g) in enumerate(zip(expected, got)):
        assert len(e) == len(g)
        for a, b in zip(e, g):
            assert (a is None) == (b is None), f'{name}: part {part}'
            if b is not None:
                assert b.is_cuda and b.dtype == a.dtype and tuple(b.shape) == tuple(a.shape)
        for a, b in zip(_host(e), _host(g)):
            if a is not None:
                np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12, err_msg=f'{name}: part {part}')
