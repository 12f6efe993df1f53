"""framework.autograd.graph: the node type, as torch.autograd.graph.Node."""
from .function import Node

__all__ = ['Node']
