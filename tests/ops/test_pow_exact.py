"""`pow` gives PyTorch's float32 values for integer-valued exponents on every CPU.

NumPy's float32 `power` is a SIMD kernel picked by CPU features and is not correctly rounded everywhere
(on an AVX-512 machine x*x came out one ulp off). framework computes `x ** 2` and `x ** 3` by
multiplication, as PyTorch's kernel does, and tensor exponents in float64 rounded once. These tests
compare bits, which is sound here: IEEE multiplication and a single rounding are exact by construction
on every CPU, and the float64 power is checked to be far enough from a float32 rounding boundary
(`test_cubes_are_correctly_rounded`) that no CPU's float64 `pow` can round differently.
"""
import math
from fractions import Fraction

import numpy as np
import pytest

import framework
from tests.conftest import torch_or_none

X = framework.linspace(-math.pi, math.pi, 2000)


def bits(t):
    return t.detach().numpy().view(np.uint32)


def correctly_rounded(values):
    return np.array([float(v) for v in values], dtype=np.float64).astype(np.float32)


def test_squares_are_correctly_rounded():
    x = X.numpy().astype(np.float64)
    want = (x * x).astype(np.float32)            # a float32 square is exact in float64: one rounding
    assert np.array_equal(bits(X ** 2), want.view(np.uint32))
    assert np.array_equal(bits(X.unsqueeze(-1).pow(framework.tensor([1, 2, 3]))[:, 1]), want.view(np.uint32))
    assert np.array_equal(bits(framework.pow(X, 2.0)), want.view(np.uint32))


def test_cube_by_a_scalar_is_two_float32_products_as_in_torch():
    x = X.numpy()
    assert np.array_equal(bits(X ** 3), (x * x * x).view(np.uint32))


def test_cubes_are_correctly_rounded():
    """A tensor exponent goes through float64: each exact cube is rounded once to float32. The margin
    check makes the claim CPU-independent: every exact cube lies further than 2**-50 (relative) from a
    float32 rounding boundary, so a float64 pow within one ulp (2**-52) rounds the same way anywhere."""
    exact = [Fraction(float(v)) ** 3 for v in X.numpy()]
    want = correctly_rounded(exact)
    got = X.unsqueeze(-1).pow(framework.tensor([1., 2., 3.]))[:, 2]
    assert np.array_equal(bits(got), want.view(np.uint32))
    for e, w in zip(exact, want):
        if e == 0:
            continue
        ulp = Fraction(float(np.spacing(np.float32(abs(w)))))
        nearest_midpoint = min(abs(e - (Fraction(float(w)) + s * ulp / 2)) for s in (-1, 1))
        assert nearest_midpoint > abs(e) * Fraction(1, 2 ** 50)


def test_special_exponents_follow_torchs_kernel():
    x = X.abs().numpy() + np.float32(0.5)
    t = framework.tensor(x)
    assert np.array_equal(bits(t ** -1), (np.float32(1) / x).view(np.uint32))
    assert np.array_equal(bits(t ** -2), (np.float32(1) / (x * x)).view(np.uint32))
    assert np.array_equal(bits(t ** 0.5), np.sqrt(x).view(np.uint32))
    assert np.array_equal(bits(t ** -0.5), (np.float32(1) / np.sqrt(x)).view(np.uint32))
    assert np.array_equal(bits(t ** 1), x.view(np.uint32))
    assert (t ** 0).tolist() == [1.0] * 2000


def test_gradient_of_a_cube_in_torchs_order_of_rounding():
    """torch's pow_backward is grad * (3 * x.pow(2)): three float32 products, done here in the same order."""
    x = X.clone().requires_grad_()
    g = framework.linspace(0.5, 2.0, 2000)
    (x ** 3).backward(g)
    a, gn = X.numpy(), g.numpy()
    assert np.array_equal(bits(x.grad), (gn * (np.float32(3) * (a * a))).view(np.uint32))


def test_float_power_is_pow_in_double():
    t = framework.tensor([1.5, -2.0, 3.0])
    r = framework.float_power(t, 2)
    assert r.dtype == framework.float64 and r.tolist() == [2.25, 4.0, 9.0]
    assert framework.float_power(2, framework.tensor([1, 3])).tolist() == [2.0, 8.0]
    assert t.double().float_power_(framework.tensor([1, 2, 3])).tolist() == [1.5, 4.0, 27.0]
    with pytest.raises(RuntimeError, match="the base given to float_power_ has dtype Float but the operation's "
                                           "result requires dtype Double"):
        t.float_power_(2)
    x = framework.tensor([1.5, 2.5], dtype=framework.float64, requires_grad=True)
    assert framework.autograd.gradcheck(lambda a: framework.float_power(a, 3), (x,))


@pytest.mark.skipif(torch_or_none() is None, reason='compares with torch')
@pytest.mark.parametrize('case', ['x**2', 'x**3', 'pow([1,2,3])', 'pow([1.,2.,3.])', 'x**-1', 'x**-2',
                                  'x**-0.5', 'grad x**3', 'grad pow([1,2,3])'])
def test_pow_agrees_with_torch_bit_for_bit(case):
    torch = torch_or_none()

    def run(T):
        x = T.linspace(-math.pi, math.pi, 2000)
        if case.startswith('grad'):
            x.requires_grad_()
        pos = x.abs() + 0.5
        out = {'x**2': lambda: x ** 2, 'x**3': lambda: x ** 3, 'x**-1': lambda: pos ** -1, 'x**-2': lambda: pos ** -2,
               'x**-0.5': lambda: pos ** -0.5,
               'pow([1,2,3])': lambda: x.unsqueeze(-1).pow(T.tensor([1, 2, 3])),
               'pow([1.,2.,3.])': lambda: x.unsqueeze(-1).pow(T.tensor([1., 2., 3.])),
               'grad x**3': lambda: x ** 3,
               'grad pow([1,2,3])': lambda: x.unsqueeze(-1).pow(T.tensor([1, 2, 3]))}[case]()
        if case.startswith('grad'):
            out.backward(T.ones_like(out))
            out = x.grad
        return out.detach().numpy().view(np.uint32)

    assert np.array_equal(run(framework), run(torch))
