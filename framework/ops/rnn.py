"""The pointwise halves of the LSTM and GRU cells, each one op per time step.

A recurrent step is one matmul for all gates (done by the caller) and then a dozen elementwise
operations; recorded one by one they would cost a Python op and a graph node each, per step. Here
they are one node. The backward formula is written once over a small namespace of math functions
(`_ArrayMath` on bare arrays, `_TensorMath` on Tensors), so the same lines serve the plain backward
and create_graph. Backward recomputes the activations from the saved inputs instead of saving
them: saved intermediates would be constants to double backward.
"""
from .. import _device
from ..autograd.function import Op, grad_of
from ..autograd.grad_mode import state as _grad_state
from .shape import cat
from .unary import sigmoid as _sigmoid, tanh as _tanh


class _ArrayMath:
    def __init__(self, xp):
        self.xp = xp

    def sigmoid(self, a):
        # 1/(1+exp(-a)) overflows for very negative a only to inf, which gives the right 0
        xp = self.xp
        with _errstate(xp):
            return 1 / (1 + xp.exp(-a))

    def tanh(self, a):
        return self.xp.tanh(a)

    def cat(self, arrays):
        return self.xp.concatenate(arrays, axis=-1)


def _errstate(xp):
    import numpy as np
    return np.errstate(over='ignore') if xp is np else _NullContext()


class _NullContext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _TensorMath:
    sigmoid = staticmethod(_sigmoid)
    tanh = staticmethod(_tanh)

    @staticmethod
    def cat(tensors):
        return cat(tensors, -1)


_TENSOR_MATH = _TensorMath()


def _lstm_forward(m, gates, c):
    H = c.shape[-1]
    i = m.sigmoid(gates[..., :H])
    f = m.sigmoid(gates[..., H:2 * H])
    g = m.tanh(gates[..., 2 * H:3 * H])
    o = m.sigmoid(gates[..., 3 * H:])
    c2 = f * c + i * g
    return i, f, g, o, c2, m.tanh(c2)


def _lstm_backward(m, gh, gc, gates, c):
    i, f, g, o, _, tc = _lstm_forward(m, gates, c)
    dc = gc + gh * o * (1 - tc * tc)
    dgates = m.cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g), gh * tc * o * (1 - o)])
    return dgates, dc * f


class LSTMCellPointwise(Op):
    """(gates, c) -> (h, c'): gates are x W_ih^T + b_ih + h W_hh^T + b_hh in PyTorch's order i, f, g, o."""
    node_name = 'LSTMCellBackward0'

    @staticmethod
    def forward(ctx, gates, c):
        ctx.save_for_backward(gates, c)
        *_, o, c2, tc = _lstm_forward(_ArrayMath(_device.xp_of(gates)), gates, c)
        return o * tc, c2

    @staticmethod
    def backward(ctx, gh, gc):
        if _grad_state.enabled:
            return _lstm_backward(_TENSOR_MATH, gh, gc, *ctx.saved_tensors)
        gates, c = ctx.saved_arrays()
        dgates, dc = _lstm_backward(_ArrayMath(_device.xp_of(gates)), gh._data, gc._data, gates, c)
        return grad_of(dgates), grad_of(dc)


def _gru_forward(m, gi, gh, h):
    H = h.shape[-1]
    r = m.sigmoid(gi[..., :H] + gh[..., :H])
    z = m.sigmoid(gi[..., H:2 * H] + gh[..., H:2 * H])
    hn = gh[..., 2 * H:]
    n = m.tanh(gi[..., 2 * H:] + r * hn)
    return r, z, n, hn


def _gru_backward(m, g, gi, gh, h):
    r, z, n, hn = _gru_forward(m, gi, gh, h)
    dn = g * (1 - z) * (1 - n * n)
    dr = dn * hn * r * (1 - r)
    dz = g * (h - n) * z * (1 - z)
    return m.cat([dr, dz, dn]), m.cat([dr, dz, dn * r]), g * z


class GRUCellPointwise(Op):
    """(gi, gh, h) -> h': gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh in PyTorch's order r, z, n;
    n = tanh(gi_n + r * gh_n) and h' = (1 - z) n + z h, as PyTorch defines them."""
    node_name = 'GRUCellBackward0'

    @staticmethod
    def forward(ctx, gi, gh, h):
        ctx.save_for_backward(gi, gh, h)
        _, z, n, _ = _gru_forward(_ArrayMath(_device.xp_of(gi)), gi, gh, h)
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, g):
        if _grad_state.enabled:
            return _gru_backward(_TENSOR_MATH, g, *ctx.saved_tensors)
        gi, gh, h = ctx.saved_arrays()
        return tuple(grad_of(a) for a in _gru_backward(_ArrayMath(_device.xp_of(gi)), g._data, gi, gh, h))


def lstm_cell_pointwise(gates, c):
    return LSTMCellPointwise.apply(gates, c)


def gru_cell_pointwise(gi, gh, h):
    return GRUCellPointwise.apply(gi, gh, h)

