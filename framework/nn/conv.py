"""Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d: PyTorch's parameters, init, padding modes and repr."""
import math

from .. import _dtype
from ..creation import empty
from ..ops import conv as _conv
from ..ops.padding import pad as _pad
from . import init
from .module import Module
from .parameter import Parameter

_PADDING_MODES = {'zeros', 'reflect', 'replicate', 'circular'}


class _ConvNd(Module):
    _nd = 2
    transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode='zeros', device=None, dtype=None, output_padding=0):
        super().__init__()
        nd = self._nd
        if groups <= 0:
            raise ValueError('groups must be a positive integer')
        if in_channels % groups != 0:
            raise ValueError('in_channels must be divisible by groups')
        if out_channels % groups != 0:
            raise ValueError('out_channels must be divisible by groups')
        if isinstance(padding, str):
            if padding not in ('same', 'valid'):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == 'same' and any(s != 1 for s in _conv.ntuple(stride, nd)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _conv.ntuple(kernel_size, nd)
        self.stride = _conv.ntuple(stride, nd)
        self.padding = padding if isinstance(padding, str) else _conv.ntuple(padding, nd)
        self.dilation = _conv.ntuple(dilation, nd)
        self.output_padding = _conv.ntuple(output_padding, nd)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's order (last dimension first), each side: what non-zeros padding modes pad by
        if padding == 'same':
            pads = _conv.same_pads(self.kernel_size, self.dilation)
        elif padding == 'valid':
            pads = ((0, 0),) * nd
        else:
            pads = tuple((p, p) for p in self.padding)
        self._reversed_padding_repeated_twice = [p for lo_hi in reversed(pads) for p in lo_hi]
        dtype = dtype if dtype is not None else _dtype.get_default_dtype()
        shape = ((in_channels, out_channels // groups) if self.transposed else
                 (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        # kaiming_uniform_(a=sqrt(5)): bound 1/sqrt(fan_in), as PyTorch (see its issue #15314)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        nd = self._nd
        s = f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}'
        padding = self.padding if isinstance(self.padding, str) else tuple(self.padding)
        if padding != (0,) * nd:
            s += f', padding={padding}'
        if self.dilation != (1,) * nd:
            s += f', dilation={self.dilation}'
        if self.output_padding != (0,) * nd:
            s += f', output_padding={self.output_padding}'
        if self.groups != 1:
            s += f', groups={self.groups}'
        if self.bias is None:
            s += ', bias=False'
        if self.padding_mode != 'zeros':
            s += f', padding_mode={self.padding_mode}'
        return s


class Conv1d(_ConvNd):
    _nd = 1

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != 'zeros':
            return _conv.conv1d(_pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), weight,
                                bias, self.stride, 0, self.dilation, self.groups)
        return _conv.conv1d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        p = self._parameters
        return self._conv_forward(input, p['weight'], p['bias'])


class Conv2d(_ConvNd):
    _nd = 2

    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != 'zeros':
            return _conv.conv2d(_pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), weight,
                                bias, self.stride, 0, self.dilation, self.groups)
        return _conv.conv2d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        p = self._parameters
        return self._conv_forward(input, p['weight'], p['bias'])


class _ConvTransposeNd(_ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode='zeros', device=None, dtype=None):
        if padding_mode != 'zeros':
            raise ValueError(f'Only "zeros" padding mode is supported for {self.__class__.__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, output_padding)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        nd = self._nd
        output_size = list(output_size)[-nd:]
        spatial = input.shape[-nd:]
        out = []
        for d in range(nd):
            smallest = ((spatial[d] - 1) * self.stride[d] - 2 * self.padding[d] +
                        self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            largest = smallest + self.stride[d] - 1
            if not smallest <= output_size[d] <= largest:
                raise ValueError(f'requested an output size of {output_size}, but valid sizes range from '
                                 f'{[smallest]} to {[largest]} (for an input of {list(spatial)})')
            out.append(output_size[d] - smallest)
        return tuple(out)

    def forward(self, input, output_size=None):
        fn = _conv.conv_transpose2d if self._nd == 2 else _conv.conv_transpose1d
        p = self._parameters
        return fn(input, p['weight'], p['bias'], self.stride, self.padding, self._output_padding(input, output_size),
                  self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    _nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    _nd = 2
