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
