"""LeNet-5-style CNN (conv-pool twice, three linear layers) for small grey images: 28x28 (MNIST)
by default, or 8x8 (scikit-learn's digits) with padding so the feature maps stay whole."""
from .. import nn


class LeNet(nn.Module):
    def __init__(self, num_classes=10, in_channels=1, image_size=28):
        super().__init__()
        pad = 2 if image_size < 28 else 0
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5, padding=pad), nn.ReLU(), nn.MaxPool2d(2))
        side = image_size // 2
        side = (side + 2 * pad - 4) // 2
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * side * side, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def lenet(num_classes=10, in_channels=1, image_size=28):
    return LeNet(num_classes, in_channels, image_size)
