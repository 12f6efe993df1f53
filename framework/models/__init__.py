"""framework.models: model definitions with torchvision's names and state_dict keys (nothing is ever
downloaded: `weights` must be None; load a checkpoint's state_dict yourself), and models reachable from
configs (`model.class: framework.models:CharLM`)."""
from .resnet import ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50
from .lenet import LeNet, lenet
from .char_lm import CharLM

__all__ = ['ResNet', 'BasicBlock', 'Bottleneck', 'resnet18', 'resnet34', 'resnet50', 'LeNet', 'lenet', 'CharLM']
