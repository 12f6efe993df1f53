"""framework.nn.parallel: DistributedDataParallel (one process per replica, gradients averaged)."""
from .distributed import DistributedDataParallel

__all__ = ['DistributedDataParallel']
