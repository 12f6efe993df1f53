"""Seed 004 (pytorch 自动求导): requires_grad defaults, freezing layers for transfer learning, gradients of
sum(2x), 2x (non-scalar error, then backward(gradient)), a*x, accumulation across backward calls and
grad.zero_(), and the case study: fitting sin(x) on [-pi, pi] with a + b x + c x^2 + d x^3 by a
Linear(3, 1) + Flatten(0, 1) trained with MSELoss(reduction='sum') and a manual update, lr 1e-6, 2000 steps.

Run: python examples/seed_004_requires_grad_and_sin_fit.py. The same fit from a config:
`python train.py --config configs/sin_cubic.yaml`. The seed's Linear starts from PyTorch's generator,
which framework does not reproduce, so its initial values are set to those PyTorch draws after
torch.manual_seed(0): the printed result is the seed's under torch.manual_seed(0). Where the seed uses a
pretrained resnet18 (not available offline) a small Sequential stands in; where it builds an integer
tensor with requires_grad (PyTorch raises), the error is printed.
"""
import math

import numpy as np

import framework as torch
from framework import nn, optim

_rng = np.random.default_rng(4)


def numpy_init_(module):
    """nn.Linear's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from NumPy."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Linear):
                bound = 1 / np.sqrt(m.in_features)
                m.weight.copy_(torch.tensor(_rng.uniform(-bound, bound, (m.out_features, m.in_features)),
                                            dtype=torch.float32))
                m.bias.copy_(torch.tensor(_rng.uniform(-bound, bound, m.out_features), dtype=torch.float32))


# requires_grad: False for a plain tensor, True for module parameters
inp = torch.tensor([1, 2, 3])
print(inp.requires_grad)
lin = nn.Linear(2, 1)
print(lin.weight.requires_grad, lin.bias.requires_grad)

# freezing: only the new last layer is trained
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
numpy_init_(model)
for param in model.parameters():
    param.requires_grad = False
model[2] = nn.Linear(8, 5)  # a new layer: its parameters require grad
numpy_init_(model[2])
optimizer = optim.SGD(model[2].parameters(), lr=1e-2, momentum=0.9)
out = model(torch.ones(2, 4)).sum()
out.backward()
optimizer.step()
print([p.grad is None for p in model.parameters()])
print(model[2].bias)

# y = sum(2x)
x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
y = torch.sum(x * 2)
y.backward()
print(x.grad)

# y = 2x: a non-scalar output needs a gradient argument
x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
y = x * 2
try:
    y.backward()
except RuntimeError as e:
    print('RuntimeError:', e)
y.backward(torch.tensor([1, 1, 1]))
print(x.grad)

x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
y = x * 2
y.backward(torch.tensor([1, 2, 2]))
print(x.grad)

# y = a x with an integer a: only floating point tensors can require gradients
try:
    a = torch.tensor(2, requires_grad=True)
except RuntimeError as e:
    print('RuntimeError:', e)
x = torch.tensor([-1.0, 0.0, 1.0])
a = torch.tensor(2.0, requires_grad=True)
y = torch.sum(x * a)
y.backward()
print(a.grad)

# gradients accumulate over backward calls...
x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
y = x * 2
y.backward(torch.tensor([1, 2, 2]), retain_graph=True)
y.backward(torch.tensor([1, 2, 2]), retain_graph=True)
print(x.grad)

# ...unless zeroed in between
x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
y = x * 2
y.backward(torch.tensor([1, 2, 2]), retain_graph=True)
x.grad.zero_()
y.backward(torch.tensor([1, 2, 2]), retain_graph=True)
print(x.grad)

# The case study: fit sin(x) with a third-order polynomial
x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)

p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)

model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
with torch.no_grad():  # PyTorch's initial values after torch.manual_seed(0)
    model[0].weight.copy_(torch.tensor([[-0.004322517663240433, 0.3097158372402191, -0.4751853346824646]]))
    model[0].bias.copy_(torch.tensor([-0.4248946011066437]))

loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
for t in range(2000):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
