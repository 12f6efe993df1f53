"""A custom model trained with framework's library, written as it would be for PyTorch.

Subclass nn.Module, feed a TensorDataset through a shuffling DataLoader, train with SGD
(momentum) and a StepLR schedule on a synthetic two-spirals classification task, then report
the accuracy on a held-out split. Runs in a few seconds on a CPU.

    python examples/custom_model.py
"""
import math

import framework as torch
from framework import nn
from framework.utils.data import DataLoader, TensorDataset, random_split


class SpiralNet(nn.Module):
    def __init__(self, hidden=64, classes=2):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.dropout = nn.Dropout(0.05)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.head(self.dropout(self.body(x)))


def two_spirals(n_per_class=300, noise=0.08):
    t = torch.rand(n_per_class) * 2 * math.pi + 0.5
    xs, ys = [], []
    for label, sign in ((0, 1.0), (1, -1.0)):
        x = torch.stack([sign * t * torch.cos(t), sign * t * torch.sin(t)], dim=1) / 10
        xs.append(x + torch.randn(n_per_class, 2) * noise)
        ys.append(torch.full((n_per_class,), label))
    return torch.cat(xs), torch.cat(ys)


def accuracy(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            pred = model(x).argmax(dim=1)
            correct += (pred == y).sum().item()
            total += len(y)
    model.train()
    return correct / total


def main():
    torch.manual_seed(0)
    x, y = two_spirals()
    train_set, test_set = random_split(TensorDataset(x, y), [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=128)

    model = SpiralNet()
    print(model)
    print('parameters:', sum(p.numel() for p in model.parameters()))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=80, gamma=0.5)

    for epoch in range(200):
        total = 0.0
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
        scheduler.step()
        if epoch % 25 == 24:
            print(f'epoch {epoch + 1:3d}  loss {total / len(train_set):.4f}  lr {scheduler.get_last_lr()[0]:.3f}')

    print(f'test accuracy: {accuracy(model, test_loader):.3f}')


if __name__ == '__main__':
    main()
