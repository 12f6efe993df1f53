"""Seed 001 (自动求导机制): z = 3(x+2)^2, out = z.mean() and its gradient 4.5; then a vector-valued y whose
backward(v) equals backward of the scalar (v * y).sum().

Run: python examples/seed_001_vector_jacobian.py. torch.randn is replaced by NumPy-drawn values so that
framework and PyTorch print the same numbers (the seed's own numbers came from an unseeded generator).
"""
import numpy as np

import framework as torch

_rng = np.random.default_rng(1)


def randn(*size, requires_grad=False):
    """torch.randn with NumPy's numbers: the same values under framework and PyTorch."""
    return torch.tensor(_rng.standard_normal(size), dtype=torch.float32, requires_grad=requires_grad)


x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()
print(z, out)

out.backward()  # the same as out.backward(torch.tensor(1.)), i.e. d_out = 1
print(x.grad)

# y is a vector: backward needs the vector v of the vector-Jacobian product
x = randn(3, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2

print(y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)

# the same gradient from the scalar loss = 0.1*y[0] + 1.0*y[1] + 0.0001*y[2]
x.grad = None
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
loss = (v * y).sum()
loss.backward()
print(x.grad)
