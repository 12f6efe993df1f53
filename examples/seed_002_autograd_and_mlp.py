"""Seed 002 (Pytorch的自动微分算法 auto_grad): backward and autograd.grad on scalars and 2x2 tensors, the
one-layer network with binary_cross_entropy_with_logits, no_grad and detach, then an MLP 8-12-4 whose
parameters and gradients are inspected during one epoch over a fake data set (DataLoader, batches of 10).

Run: python examples/seed_002_autograd_and_mlp.py. The seed draws with torch.randn, initialises nn.Linear
from torch's generator and shuffles with it; those generators differ between PyTorch and framework, so
here the random values come from NumPy (the same for both), Linear keeps PyTorch's init distribution
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) drawn by NumPy, and the epoch's shuffled order is a NumPy permutation.
"""
import numpy as np

import framework as torch
from framework import nn

_rng = np.random.default_rng(2)


def randn(*size, requires_grad=False):
    """torch.randn with NumPy's numbers: the same values under framework and PyTorch."""
    return torch.tensor(_rng.standard_normal(size), dtype=torch.float32, requires_grad=requires_grad)


def numpy_init_(module):
    """nn.Linear's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn from NumPy."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Linear):
                bound = 1 / np.sqrt(m.in_features)
                m.weight.copy_(torch.tensor(_rng.uniform(-bound, bound, (m.out_features, m.in_features)),
                                            dtype=torch.float32))
                m.bias.copy_(torch.tensor(_rng.uniform(-bound, bound, m.out_features), dtype=torch.float32))


# In [2]: backward on a scalar
x_1 = torch.tensor(2.0, requires_grad=True)
b_1 = torch.tensor(1.0, requires_grad=True)
y_1 = x_1 ** 3 + b_1
y_1.backward()
print(y_1, x_1.grad, b_1.grad)

# In [3]: torch.autograd.grad returns the gradients, shaped like the inputs
x_2 = torch.tensor(2.0, requires_grad=True)
b_2 = torch.tensor(1.0, requires_grad=True)
y_2 = x_2 ** 3 + b_2
grads = torch.autograd.grad(y_2, inputs=[x_2, b_2])
print(grads)

# In [4]: tensors in and out: grad_outputs
a = torch.tensor([[2.0, 3.0], [4.0, 5.0]], requires_grad=True)
b = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)  # 2x2
z = a ** 2 + a * b + b ** 2
grads = torch.autograd.grad(z, inputs=[a, b], grad_outputs=torch.ones_like(z))
print(grads)
print(grads[0].shape, grads[1].shape)

# In [5]-[7]: a one-layer network
x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = randn(5, 3, requires_grad=True)
b = randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print('Gradient function for z =', z.grad_fn)
print('Gradient function for loss =', loss.grad_fn)
loss.backward()
print(w.grad)
print(b.grad)

# In [8]-[9]: no_grad and detach
z = torch.matmul(x, w) + b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)


# In [10]-[13]: an MLP
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(8, 12)  # Hidden layer
        self.act = nn.ReLU()
        self.output = nn.Linear(12, 4)  # Output layer

    def forward(self, x):
        a = self.act(self.hidden(x))
        return self.output(a)


net = MLP()
numpy_init_(net)

w1 = net.hidden.weight
b1 = net.hidden.bias
print(w1.shape, b1.shape)

for name, param in net.named_parameters():
    print(name, param.shape)

w1_grad = net.hidden.weight.grad
b1_grad = net.hidden.bias.grad
print(w1_grad, b1_grad)

print(net.hidden.weight.requires_grad)
print(net.hidden.bias.requires_grad)

# In [14]: a fake data set, 30 samples of 8 features and 4 labels, one epoch in batches of 10
data = randn(30, 8)
label = randn(30, 4)
order = torch.tensor(_rng.permutation(30))  # the seed's shuffle=True, drawn from NumPy

dataset = torch.utils.data.TensorDataset(data[order], label[order])
dataloder = torch.utils.data.DataLoader(dataset, batch_size=10, shuffle=False)

net.train()
if torch.cuda.is_available():  # optional, if there is a GPU
    net.cuda()

for index, (data, label) in enumerate(dataloder):
    if torch.cuda.is_available():
        data = data.cuda()
        label = label.cuda()
    out = net(data)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(out, label)
    loss.backward()
    print(f"step: {index}, loss: {loss}, weight grad for hidden layer: {net.hidden.weight.grad}")
