"""Padding modules over F.pad: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad (1-D and 2-D)."""
from ..ops.padding import pad
from .module import Module


class _PadNd(Module):
    _nd = 2
    mode = 'constant'

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = tuple(padding) if isinstance(padding, (tuple, list)) else (int(padding),) * (2 * self._nd)
        self.value = value

    def forward(self, input):
        if self.mode == 'constant':
            return pad(input, self.padding, 'constant', self.value)
        return pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f'padding={self.padding}, value={self.value}' if self.mode == 'constant' else f'{self.padding}'


class ConstantPad1d(_PadNd):
    _nd = 1


class ConstantPad2d(_PadNd):
    _nd = 2


class ZeroPad1d(_PadNd):
    _nd = 1

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f'{self.padding}'


class ZeroPad2d(ZeroPad1d):
    _nd = 2


class ReflectionPad1d(_PadNd):
    _nd, mode = 1, 'reflect'


class ReflectionPad2d(_PadNd):
    _nd, mode = 2, 'reflect'


class ReplicationPad1d(_PadNd):
    _nd, mode = 1, 'replicate'


class ReplicationPad2d(_PadNd):
    _nd, mode = 2, 'replicate'
