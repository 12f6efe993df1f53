"""Seeds 003/004's transfer-learning program: freeze a resnet18 and train only a new `fc` head.

The seed starts from `torchvision.models.resnet18(pretrained=True)`; framework never downloads
weights, so the model is built with `framework.models.resnet18()` (torchvision's architecture and
state_dict keys: a checkpoint's state_dict loads with `model.load_state_dict`). Everything after
that line is the seed's code. Run: python examples/freeze_resnet18.py
"""
import framework as torch
from framework import nn, optim
from framework.models import resnet18

torch.manual_seed(0)
model = resnet18()
for param in model.parameters():
    param.requires_grad = False

# a new fc layer replaces the old one; its parameters require grad by default
model.fc = nn.Linear(512, 100)

# only the fc layer's parameters are updated
optimizer = optim.SGD(model.fc.parameters(), lr=1e-2, momentum=0.9)

# a few steps on a small batch of random "images" with random labels
images = torch.randn(8, 3, 64, 64)
labels = torch.randint(0, 100, (8,))
frozen_before = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
fc_before = model.fc.weight.detach().clone()
model.train()
for step in range(5):
    loss = nn.functional.cross_entropy(model(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f'step {step}: loss {loss.item():.4f}')

trainable = [n for n, p in model.named_parameters() if p.requires_grad]
unchanged = all(torch.equal(p, frozen_before[n]) for n, p in model.named_parameters() if not p.requires_grad)
print('trainable parameters:', trainable)
print('frozen parameters unchanged:', unchanged, f'({len(frozen_before)} tensors)')
print('frozen parameters have no grad:', all(p.grad is None for p in model.parameters() if not p.requires_grad))
print('fc changed:', not torch.equal(model.fc.weight, fc_before))
