"""One check for ops written once against the PyTorch API: `fn(T, *inputs)` with T = framework or torch.

Values (and every float output's gradient under a random weighting) are compared with PyTorch when it
is importable; float64 gradcheck and gradgradcheck run either way.
"""
import numpy as np

import framework
from framework.autograd import gradcheck, gradgradcheck


def _outputs(o):
    return list(o) if isinstance(o, (tuple, list)) else [o]


def _weighted_loss(T, outs, weights):
    total = 0
    for o, w in zip(outs, weights):
        if o.dtype in (T.float32, T.float64):
            total = total + (o * T.tensor(w, dtype=o.dtype)).sum()
    return total


def check(fn, arrays, *, grad=True, gradgrad=True, numeric=True, rtol=1e-10, atol=1e-10):
    """numeric=False skips finite differences (at ties, where the function has a kink)."""
    arrays = [np.asarray(a) for a in arrays]
    rng = np.random.default_rng(1)
    ours = _outputs(fn(framework, *[framework.tensor(a) for a in arrays]))
    weights = [rng.standard_normal(tuple(o.shape)) for o in ours]
    grad = grad and any(o.dtype in (framework.float32, framework.float64) for o in ours)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        theirs = _outputs(fn(torch, *[torch.tensor(a) for a in arrays]))
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert tuple(a.shape) == tuple(b.shape)
            assert str(a.dtype).split('.')[-1] == str(b.dtype).split('.')[-1]
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)
        if grad:
            fa = [framework.tensor(a, requires_grad=True) for a in arrays if a.dtype.kind == 'f']
            ta = [torch.tensor(a, requires_grad=True) for a in arrays if a.dtype.kind == 'f']
            _call(fn, framework, arrays, fa, weights).backward()
            _call(fn, torch, arrays, ta, weights).backward()
            for a, b in zip(fa, ta):
                ga = a.grad.numpy() if a.grad is not None else np.zeros(tuple(a.shape))   # no path: no grad
                gb = b.grad.numpy() if b.grad is not None else np.zeros(tuple(b.shape))
                np.testing.assert_allclose(ga, gb, rtol=1e-7, atol=1e-9)
    if grad and numeric:
        def loss(*xs):
            return _call(fn, framework, arrays, xs, weights)
        inputs = [framework.tensor(a, requires_grad=True) for a in arrays if a.dtype.kind == 'f']
        assert gradcheck(loss, inputs)
        if gradgrad:
            assert gradgradcheck(loss, inputs)
    return ours


def _call(fn, T, arrays, float_inputs, weights):
    it = iter(float_inputs)
    args = [next(it) if a.dtype.kind == 'f' else T.tensor(a) for a in arrays]
    return _weighted_loss(T, _outputs(fn(T, *args)), weights)


def raises(fn, exc, message):
    """Ours raises `exc` with PyTorch's message; where torch is importable, it agrees."""
    import pytest
    with pytest.raises(exc) as ours:
        fn(framework)
    try:
        import torch
    except ImportError:
        assert message in str(ours.value)
        return
    with pytest.raises(Exception) as theirs:
        fn(torch)
    assert str(ours.value) == str(theirs.value), (str(ours.value), str(theirs.value))
    assert message in str(ours.value)
    assert issubclass(exc, RuntimeError) == isinstance(theirs.value, RuntimeError)
