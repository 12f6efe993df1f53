"""RNN, LSTM, GRU and their cells, with PyTorch's parameters, gate order, shapes and messages.

Per layer and direction the input projection of all time steps is one matmul (`x W_ih^T + b_ih`
over the whole sequence); each step then costs one matmul `h W_hh^T + b_hh` for all gates and one
fused pointwise op (ops/rnn.py). An LSTM layer on a padded batch without projection is one op for the
whole sequence (LSTMSequence): its time loop runs on arrays, with no graph node per step.
A PackedSequence is run in its own time-major layout: at step t
only the first batch_sizes[t] rows are live, so each sequence stops (or, in the reverse direction,
starts) at its own length, without padding.
"""
import math
import numbers
import warnings

from .. import _dtype
from ..creation import empty, zeros
from ..ops.linear import linear
from ..ops.rnn import gru_cell_pointwise, lstm_cell_pointwise, lstm_sequence
from ..ops.shape import cat, split, stack, unbind
from ..ops.unary import relu, tanh
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

__all__ = ['RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell']

_GATES = {'LSTM': 4, 'GRU': 3, 'RNN_TANH': 1, 'RNN_RELU': 1}


def _step(mode, x_proj, h, c, w_hh, b_hh, w_hr):
    """One time step given the input's projection x W_ih^T + b_ih: the new (h, c) (c is None but for LSTM)."""
    if mode == 'LSTM':
        h, c = lstm_cell_pointwise(x_proj + linear(h, w_hh, b_hh), c)
        return (h if w_hr is None else linear(h, w_hr)), c
    if mode == 'GRU':
        return gru_cell_pointwise(x_proj, linear(h, w_hh, b_hh), h), None
    pre = x_proj + linear(h, w_hh, b_hh)
    return (tanh(pre) if mode == 'RNN_TANH' else relu(pre)), None


def _run_direction(mode, steps, batch_sizes, h0, c0, w_hh, b_hh, w_hr, reverse):
    """Run one layer in one direction; returns the per-step outputs (in time order) and the final h, c.

    With batch_sizes (packed input), the forward direction sets finished rows aside as the batch
    shrinks; the reverse direction starts at the last step with the longest sequences only and
    brings in each shorter one, from its initial state, at its own last step."""
    T = len(steps)
    outs = [None] * T
    h, c = h0, c0
    finished = []
    live = h0.shape[0]
    if batch_sizes is not None and reverse and batch_sizes[-1] != live:
        live = batch_sizes[-1]
        h = h0[:live]
        c = c0[:live] if c0 is not None else None
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        if batch_sizes is not None and batch_sizes[t] != live:
            n = batch_sizes[t]
            if reverse:
                h = cat([h, h0[live:n]])
                c = cat([c, c0[live:n]]) if c is not None else None
            else:
                finished.append((h[n:], c[n:] if c is not None else None))
                h = h[:n]
                c = c[:n] if c is not None else None
            live = n
        h, c = _step(mode, steps[t], h, c, w_hh, b_hh, w_hr)
        outs[t] = h
    if finished:
        h = cat([h] + [f[0] for f in reversed(finished)])
        c = cat([c] + [f[1] for f in reversed(finished)]) if c is not None else None
    return outs, h, c


def _dim_text(t):
    return f'{t.ndim}-D'


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool)):
            raise ValueError('dropout should be a number in range [0, 1] representing the probability of an '
                             'element being zeroed')
        if dropout > 0 and num_layers == 1:
            warnings.warn('dropout option adds dropout after all but last recurrent layer, so non-zero dropout '
                          f'expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}')
        if not isinstance(hidden_size, int):
            raise TypeError(f'hidden_size should be of type int, got: {type(hidden_size).__name__}')
        if hidden_size <= 0:
            raise ValueError('hidden_size must be greater than zero')
        if num_layers <= 0:
            raise ValueError('num_layers must be greater than zero')
        if proj_size < 0:
            raise ValueError('proj_size should be a positive integer or zero to disable projections')
        if proj_size >= hidden_size:
            raise ValueError('proj_size has to be smaller than hidden_size')
        if mode not in _GATES:
            raise ValueError(f'Unrecognized RNN mode: {mode}')
        gate_size = _GATES[mode] * hidden_size
        dtype = dtype if dtype is not None else _dtype.get_default_dtype()
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = '_reverse' if direction == 1 else ''
                shapes = [('weight_ih', (gate_size, layer_input)), ('weight_hh', (gate_size, real_hidden))]
                if bias:
                    shapes += [('bias_ih', (gate_size,)), ('bias_hh', (gate_size,))]
                if proj_size > 0:
                    shapes.append(('weight_hr', (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    name = f'{base}_l{layer}{suffix}'
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype, device=device)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self):
        """cuDNN's packed weight buffer has no counterpart here: nothing to do, as on CPU in PyTorch."""

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    def _layer_weights(self, layer, direction):
        suffix = f'_l{layer}' + ('_reverse' if direction == 1 else '')
        p = self._parameters
        return (p['weight_ih' + suffix], p['weight_hh' + suffix], p.get('bias_ih' + suffix),
                p.get('bias_hh' + suffix), p.get('weight_hr' + suffix))

    def _check_input(self, input, batch_sizes):
        expected = 2 if batch_sizes is not None else 3
        if input.ndim != expected and batch_sizes is not None:
            raise RuntimeError(f'input must have {expected} dimensions, got {input.ndim}')
        if self.input_size != input.shape[-1]:
            raise RuntimeError(f'input.size(-1) must be equal to input_size. Expected {self.input_size}, '
                               f'got {input.shape[-1]}')
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f'RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). '
                             f'Convert input: input.to({weight.dtype}), or convert model: model.to({input.dtype})')

    def _hidden_shape(self, batch):
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        return (self.num_layers * (2 if self.bidirectional else 1), batch, real_hidden)

    @staticmethod
    def _check_size(hx, expected, msg):
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def _run(self, x, batch_sizes, hx, cx):
        """All layers over x (time-major (T, N, I), or packed data (S, I) with batch_sizes)."""
        mode = self.mode
        D = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(layer, direction)
                k = layer * D + direction
                if mode == 'LSTM' and w_hr is None and batch_sizes is None:
                    # the whole sequence in one op; both biases folded into the input projection
                    bias = b_ih + b_hh if b_ih is not None else None
                    hs, cs = lstm_sequence(linear(layer_input, w_ih, bias), hx[k], cx[k], w_hh, reverse=direction == 1)
                    last = 0 if direction == 1 else -1
                    outputs.append(hs)
                    h_n.append(hs[last])
                    c_n.append(cs[last])
                    continue
                proj = linear(layer_input, w_ih, b_ih)
                steps = unbind(proj, 0) if batch_sizes is None else split(proj, batch_sizes, 0)
                outs, h, c = _run_direction(mode, steps, batch_sizes, hx[k], cx[k] if cx is not None else None,
                                            w_hh, b_hh, w_hr, direction == 1)
                outputs.append(stack(outs, 0) if batch_sizes is None else cat(outs, 0))
                h_n.append(h)
                c_n.append(c)
            layer_input = outputs[0] if D == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, stack(h_n, 0), (stack(c_n, 0) if cx is not None else None)

    def forward(self, input, hx=None):
        is_lstm = self.mode == 'LSTM'
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = [int(b) for b in batch_sizes_t.tolist()]
            N = batch_sizes[0]
            batched = True
        else:
            batch_sizes = sorted_indices = unsorted_indices = None
            if input.ndim not in (2, 3):
                raise ValueError(f'{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D instead')
            batched = input.ndim == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
            N = x.shape[1]
        self._check_input(x, batch_sizes)
        h_shape = self._hidden_shape(N)
        c_shape = h_shape[:2] + (self.hidden_size,)
        if hx is None:
            h0 = zeros(*h_shape, dtype=x.dtype, device=x.device)
            c0 = zeros(*c_shape, dtype=x.dtype, device=x.device) if is_lstm else None
        else:
            h0, c0 = hx if is_lstm else (hx, None)
            want = 3 if batched else 2
            if is_lstm:
                if h0.ndim != want or c0.ndim != want:
                    kind = 'batched 3-D' if batched else 'unbatched 2-D'
                    raise RuntimeError(f'For {kind} input, hx and cx should also be {want}-D but got '
                                       f'({_dim_text(h0)}, {_dim_text(c0)}) tensors')
            elif h0.ndim != want:
                kind = 'batched 3-D' if batched else 'unbatched 2-D'
                raise RuntimeError(f'For {kind} input, hx should also be {want}-D but got {_dim_text(h0)} tensor')
            if not batched:
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            if sorted_indices is not None:
                h0 = h0.index_select(1, sorted_indices)
                c0 = c0.index_select(1, sorted_indices) if c0 is not None else None
            if is_lstm:
                self._check_size(h0, h_shape, 'Expected hidden[0] size {}, got {}')
                self._check_size(c0, c_shape, 'Expected hidden[1] size {}, got {}')
            else:
                self._check_size(h0, h_shape, 'Expected hidden size {}, got {}')
        output, h_n, c_n = self._run(x, batch_sizes, h0, c0)
        if packed:
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                c_n = c_n.index_select(1, unsorted_indices) if c_n is not None else None
            output = PackedSequence(output, batch_sizes_t, sorted_indices, unsorted_indices)
        elif not batched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, ((h_n, c_n) if is_lstm else h_n)

    def extra_repr(self):
        s = f'{self.input_size}, {self.hidden_size}'
        if self.proj_size != 0:
            s += f', proj_size={self.proj_size}'
        if self.num_layers != 1:
            s += f', num_layers={self.num_layers}'
        if self.bias is not True:
            s += f', bias={self.bias}'
        if self.batch_first is not False:
            s += f', batch_first={self.batch_first}'
        if self.dropout != 0:
            s += f', dropout={self.dropout}'
        if self.bidirectional is not False:
            s += f', bidirectional={self.bidirectional}'
        return s


class RNN(RNNBase):
    """Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError('proj_size argument is only supported for LSTM, not RNN or GRU')
        if nonlinearity == 'tanh':
            mode = 'RNN_TANH'
        elif nonlinearity == 'relu':
            mode = 'RNN_RELU'
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """LSTM with PyTorch's gate order (i, f, g, o) and optional projection of h (proj_size)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__('LSTM', input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """GRU with PyTorch's gate order (r, z, n) and n = tanh(W_in x + b_in + r * (W_hn h + b_hn))."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError('proj_size argument is only supported for LSTM, not RNN or GRU')
        super().__init__('GRU', input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        dtype = dtype if dtype is not None else _dtype.get_default_dtype()
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter('bias_ih', None)
            self.register_parameter('bias_hh', None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f'{self.input_size}, {self.hidden_size}'
        if self.bias is not True:
            s += f', bias={self.bias}'
        nonlinearity = getattr(self, 'nonlinearity', 'tanh')
        if nonlinearity != 'tanh':
            s += f', nonlinearity={nonlinearity}'
        return s

    def _prepare(self, input, hx, n_states):
        """Checks; the input as 2-D, the states (zeros when not given) as 2-D, and whether input was 1-D."""
        if input.ndim not in (1, 2):
            raise ValueError(f'{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead')
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f'input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}')
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            states = [zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device) for _ in range(n_states)]
        else:
            states = list(hx) if n_states == 2 else [hx]
            if not batched:
                states = [s.unsqueeze(0) for s in states]
            for i, s in enumerate(states):
                if s.shape[0] != x.shape[0]:
                    raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{i} batch size "
                                       f'{s.shape[0]}')
                if s.shape[-1] != self.hidden_size:
                    raise RuntimeError(f'hidden{i} has inconsistent hidden_size: got {s.shape[-1]}, expected '
                                       f'{self.hidden_size}')
        return x, states, batched


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        mode = {'tanh': 'RNN_TANH', 'relu': 'RNN_RELU'}.get(self.nonlinearity)
        if mode is None:
            raise RuntimeError(f'Unknown nonlinearity: {self.nonlinearity}')
        h, _ = _step(mode, linear(x, self.weight_ih, self.bias_ih), h, None, self.weight_hh, self.bias_hh, None)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        x, (h, c), batched = self._prepare(input, hx, 2)
        h, c = _step('LSTM', linear(x, self.weight_ih, self.bias_ih), h, c, self.weight_hh, self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._prepare(input, hx, 1)
        h, _ = _step('GRU', linear(x, self.weight_ih, self.bias_ih), h, None, self.weight_hh, self.bias_hh, None)
        return h if batched else h.squeeze(0)
