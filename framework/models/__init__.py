"""framework.models: model definitions with torchvision's names and state_dict keys. Nothing is
ever downloaded: `weights` must be None; load a checkpoint's state_dict yourself."""
from .resnet import ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50
from .lenet import LeNet, lenet

__all__ = ['ResNet', 'BasicBlock', 'Bottleneck', 'resnet18', 'resnet34', 'resnet50', 'LeNet', 'lenet']
