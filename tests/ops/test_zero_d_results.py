"""Ops on 0-d tensors give 0-d arrays, not NumPy scalars (which later ops cannot take): a relu's
double backward on a 0-d input once crashed in `~(out <= 0)`."""
import numpy as np
import pytest

import framework


@pytest.mark.parametrize('fn', [lambda t, b: ~b, lambda t, b: framework.logical_not(b), lambda t, b: t.isnan(),
                                lambda t, b: t.isinf(), lambda t, b: t.isfinite(), lambda t, b: b & b,
                                lambda t, b: b | b, lambda t, b: b ^ b, lambda t, b: framework.logical_and(b, b)])
def test_zero_d_logical_results_are_arrays(fn):
    r = fn(framework.tensor(1.0), framework.tensor(True))
    assert r._data.__class__ is np.ndarray and r.shape == () and r.dtype == framework.bool
    assert (framework.tensor(2.0) * r).dtype == framework.float32


def test_relu_double_backward_on_a_zero_d_input():
    x = framework.tensor(1.5, dtype=framework.float64, requires_grad=True)
    assert framework.autograd.gradgradcheck(lambda a: framework.relu(a) * a, (x,))
