"""BatchNorm1d, BatchNorm2d: PyTorch's parameters, buffers (running_mean, running_var,
num_batches_tracked), momentum=None as a cumulative average, train/eval and repr."""
from .. import _dtype
from ..creation import zeros, ones, tensor
from ..ops.normalization import batch_norm
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = dtype if dtype is not None else _dtype.get_default_dtype()
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype, device=device))
            self.bias = Parameter(zeros(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)
        if track_running_stats:
            self.register_buffer('running_mean', zeros(num_features, dtype=dtype, device=device))
            self.register_buffer('running_var', ones(num_features, dtype=dtype, device=device))
            self.register_buffer('num_batches_tracked', tensor(0, device=device))
        else:
            self.register_buffer('running_mean', None)
            self.register_buffer('running_var', None)
            self.register_buffer('num_batches_tracked', None)

    def reset_running_stats(self):
        if self.track_running_stats:
            from ..autograd.grad_mode import no_grad
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            from . import init
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            # checked before anything changes, so a bad batch leaves the counter and the statistics alone
            if bn_training:
                _check_batch(input)
            self.num_batches_tracked._data += 1
            factor = 1.0 / float(self.num_batches_tracked._data) if self.momentum is None else self.momentum
        track = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                          self.weight, self.bias, bn_training, factor, self.eps)

    def extra_repr(self):
        return (f'{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, '
                f'bias={self.affine}, track_running_stats={self.track_running_stats}')


def _check_batch(input):
    shape = input.shape
    prod = shape[0]
    for s in shape[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f'Expected more than 1 value per channel when training, got input size {shape}')


class BatchNorm1d(_BatchNorm):
    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f'expected 2D or 3D input (got {input.dim()}D input)')


class BatchNorm2d(_BatchNorm):
    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f'expected 4D input (got {input.dim()}D input)')
