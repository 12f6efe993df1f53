import numpy as np
import pytest

import framework


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts in grad mode with a fixed seed, whatever the previous one did."""
    framework.autograd.grad_mode.state.enabled = True
    framework.manual_seed(0)
    yield
    framework.autograd.grad_mode.state.enabled = True


def torch_or_skip():
    return pytest.importorskip('torch')


def assert_close(a, b, rtol=1e-6, atol=1e-6):
    a = a.detach().numpy() if hasattr(a, 'detach') else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, 'detach') else np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def torch_or_none():
    """PyTorch where importable, else None: tests assert literal expectations and compare with torch as well."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def libraries():
    """framework, then torch where installed."""
    torch = torch_or_none()
    return [framework] if torch is None else [framework, torch]


def _matches(got, want, rtol):
    """got == want, except that with rtol floats (at any depth of lists/tuples) need only be close."""
    if rtol is not None and isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)):
        return len(got) == len(want) and all(_matches(g, w, rtol) for g, w in zip(got, want))
    if rtol is not None and isinstance(want, float) and isinstance(got, (int, float)):
        return got == want or abs(got - want) <= rtol * max(abs(want), 1e-3)
    return got == want


def agree(run, expected, rtol=None):
    """run(T) returns expected (floats within rtol if given) for T = framework, and for torch where installed."""
    for T in libraries():
        got = run(T)
        assert _matches(got, expected, rtol), f'\n{T.__name__}: {got!r}\nexpected: {expected!r}'


def same_error(fn, msg, exc=RuntimeError):
    """fn(T) raises exc with PyTorch's message msg (module prefix normalized), for framework and torch."""
    for T in libraries():
        with pytest.raises(exc) as e:
            fn(T)
        text = str(e.value).replace('torch.', 'framework.')
        assert text == msg, f'\n{T.__name__}: {text}\nexpected: {msg}'
