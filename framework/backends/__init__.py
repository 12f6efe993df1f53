"""framework.backends: switches for the vendor libraries behind some ops, under PyTorch's names."""
from . import cudnn
