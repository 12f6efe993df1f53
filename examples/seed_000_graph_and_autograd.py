"""Seed 000 (PyTorch 自动微分): a computational graph, then the `autograd` tour (requires_grad, grad_fn,
backward, requires_grad_, a vector-Jacobian product, no_grad, detach).

Run: python examples/seed_000_graph_and_autograd.py. The seed draws with torch.randn; PyTorch's and
framework's generators differ, so the random inputs are drawn from NumPy and both libraries print the
same numbers (replace the import by `import torch` to check).
"""
import numpy as np

import framework as torch

_rng = np.random.default_rng(0)


def randn(*size, requires_grad=False):
    """torch.randn with NumPy's numbers: the same values under framework and PyTorch."""
    return torch.tensor(_rng.standard_normal(size), dtype=torch.float32, requires_grad=requires_grad)


# --- the computational graph: y = (w + x) * (w + 1)
x = torch.tensor([2.], requires_grad=True)
w = torch.tensor([1.], requires_grad=True)

a = torch.add(w, x)
b = torch.add(w, 1)

y = torch.mul(a, b)

y.backward()
print(w.grad)

# --- create a Tensor with requires_grad=True to track the forward computation
x = torch.ones(2, 2, requires_grad=True)
print("x:", x)

y = x + 2
print("y:", y)
print("y.grad_fn:", y.grad_fn)

z = y * y * 3
print("z:", z)
print("z.grad_fn", z.grad_fn)

out = z.mean()
print("out:", out)
print("out.grad_fn:", out.grad_fn)
out.backward()
print("x.grad:", x.grad)

# --- .requires_grad_() changes the flag of an existing Tensor
a = randn(2, 2)
a = ((a * 3) / (a - 1))
print("a.requires_grad", a.requires_grad)
a.requires_grad_(True)
print("a.requires_grad:", a.requires_grad)
b = (a * a).sum()
print("b.grad_fn", b.grad_fn)

# --- gradient of a vector output: a vector-Jacobian product
x = randn(3, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)

# --- .requires_grad
print(x.requires_grad)
print((x ** 2).requires_grad)

with torch.no_grad():
    print((x ** 2).requires_grad)

# --- .detach()
print(x.requires_grad)
y = x.detach()
print(y.requires_grad)
print(x.eq(y).all())
