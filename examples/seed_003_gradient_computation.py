"""Seed 003 (pytorch的梯度计算): four ways to make a tensor that requires grad, float32 vs int64 from
Tensor/tensor, how requires_grad propagates through results, backward with retain_graph, and
backward(gradient=...) on a vector built by index assignment (m.grad == [4, 27]).

Run: python examples/seed_003_gradient_computation.py. torch.randn is replaced by NumPy-drawn values so
that framework and PyTorch print the same numbers. The seed's `np.array(2,3)` is a typo (NumPy raises
TypeError); `np.array([2, 3])` is used.
"""
import numpy as np

import framework as torch
import framework as t
from framework.autograd import Variable
from framework.autograd import Variable as v
from framework.autograd import Variable as V

_rng = np.random.default_rng(3)


def randn(*size, requires_grad=False):
    """torch.randn with NumPy's numbers: the same values under framework and PyTorch."""
    return torch.tensor(_rng.standard_normal(size), dtype=torch.float32, requires_grad=requires_grad)


# four ways to create a tensor that requires grad
x = randn(2, 2, requires_grad=True)
print(x)
x = torch.autograd.Variable(torch.Tensor([2, 3]), requires_grad=True)
print(x)
x = torch.tensor([2, 3], requires_grad=True, dtype=torch.float64)
print(x)
x = np.array([1, 2, 3], dtype=np.float64)
x = torch.from_numpy(x)
x.requires_grad = True  # or x.requires_grad_(True)
print(x)

# only floating point tensors have gradients: Tensor gives float32, tensor infers int64
a = torch.Tensor([2, 3])
print(a.dtype)
b = torch.tensor([2, 3])
print(b.dtype)
c = np.array([2, 3])
print(c.dtype)

# requires_grad of a result follows its inputs (i)
x = Variable(randn(2, 2))
y = Variable(randn(2, 2))
z = Variable(randn(2, 2), requires_grad=True)
a = x + y
b = a + z
print(x.requires_grad, y.requires_grad, z.requires_grad)
print(a.requires_grad, b.requires_grad)

# (ii)
x = Variable(randn(2, 2))
y = Variable(randn(2, 2), requires_grad=True)
z = Variable(randn(2, 2))
a = x + y
b = a + z
print(x.requires_grad, y.requires_grad, z.requires_grad)
print(a.requires_grad, b.requires_grad)

# backward of a scalar; retain_graph keeps the graph for a second backward
a = v(t.FloatTensor([2, 3]), requires_grad=True)
b = a + 3
c = b * b * 3
out = c.mean()
out.backward(retain_graph=True)
print(a.grad)  # tensor([15., 18.])

# a vector output needs backward(gradient=...); the vector is built by index assignment
m = V(t.FloatTensor([2, 3]), requires_grad=True)
n = V(t.zeros(2))
n[0] = m[0] ** 2
n[1] = m[1] ** 3
n.backward(gradient=t.Tensor([1, 1]))
print(m.grad)  # tensor([ 4., 27.])

try:
    n = V(t.zeros(2))
    n[0] = m[0] ** 2
    n[1] = m[1] ** 3
    n.backward()
except RuntimeError as e:
    print('RuntimeError:', e)
