"""framework.optim: optimizers and learning-rate schedulers (torch.optim's API)."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from . import lr_scheduler
