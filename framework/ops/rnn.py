"""The pointwise halves of the LSTM and GRU cells, each one op per time step.

A recurrent step is one matmul for all gates (done by the caller) and then a dozen elementwise
operations; recorded one by one they would cost a Python op and a graph node each, per step. Here
they are one node. The backward formula is written once over a small namespace of math functions
(autograd.function.formula: framework on Tensors, the array module on bare arrays), so the same lines
serve the plain backward and create_graph. Backward recomputes the activations from the saved inputs instead of saving
them: saved intermediates would be constants to double backward.
"""
from .. import _device
from ..autograd.function import Op, formula, grad_of, _array_math, _framework
from ..autograd.grad_mode import state as _grad_state


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
    dgates = m.cat([dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g), gh * tc * o * (1 - o)], -1)
    return dgates, dc * f


class LSTMCellPointwise(Op):
    """(gates, c) -> (h, c'): gates are x W_ih^T + b_ih + h W_hh^T + b_hh in PyTorch's order i, f, g, o."""
    node_name = 'LSTMCellBackward0'

    @staticmethod
    def forward(ctx, gates, c):
        ctx.save_for_backward(gates, c)
        *_, o, c2, tc = _lstm_forward(_array_math(gates), gates, c)
        return o * tc, c2

    @formula
    def backward(ctx, m, gh, gc, gates, c):
        return _lstm_backward(m, gh, gc, gates, c)


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
    return m.cat([dr, dz, dn], -1), m.cat([dr, dz, dn * r], -1), g * z


class GRUCellPointwise(Op):
    """(gi, gh, h) -> h': gi = x W_ih^T + b_ih and gh = h W_hh^T + b_hh in PyTorch's order r, z, n;
    n = tanh(gi_n + r * gh_n) and h' = (1 - z) n + z h, as PyTorch defines them."""
    node_name = 'GRUCellBackward0'

    @staticmethod
    def forward(ctx, gi, gh, h):
        ctx.save_for_backward(gi, gh, h)
        _, z, n, _ = _gru_forward(_array_math(gi), gi, gh, h)
        return n + z * (h - n)

    @formula
    def backward(ctx, m, g, gi, gh, h):
        return _gru_backward(m, g, gi, gh, h)


def lstm_cell_pointwise(gates, c):
    return LSTMCellPointwise.apply(gates, c)


def gru_cell_pointwise(gi, gh, h):
    return GRUCellPointwise.apply(gi, gh, h)



def _lstm_sequence_backward(m, g_hs, g_cs, xw, h0, c0, w_hh, hs, cs, reverse, gates=None):
    """Backpropagation through time for LSTMSequence, over the math namespace m. The gate activations
    are recomputed from the inputs unless given (the plain backward keeps forward's)."""
    T = xw.shape[0]
    order = range(T - 1, -1, -1) if reverse else range(T)
    prev = {}
    last_h, last_c = h0, c0
    for t in order:
        prev[t] = (last_h, last_c)
        last_h, last_c = hs[t], cs[t]
    dh = dc = None
    dgates = [None] * T
    for t in reversed(order):
        h_prev, c_prev = prev[t]
        H = c_prev.shape[-1]
        if gates is not None:
            a = gates[t]
            i, f, g, o = a[..., :H], a[..., H:2 * H], a[..., 2 * H:3 * H], a[..., 3 * H:]
        else:
            a = xw[t] + m.matmul(h_prev, m.t(w_hh))
            i = m.sigmoid(a[..., :H])
            f = m.sigmoid(a[..., H:2 * H])
            g = m.tanh(a[..., 2 * H:3 * H])
            o = m.sigmoid(a[..., 3 * H:])
        tc = m.tanh(cs[t])
        gh = g_hs[t] if dh is None else g_hs[t] + dh
        gc = g_cs[t] if dc is None else g_cs[t] + dc
        gc = gc + gh * o * (1 - tc * tc)
        dg = m.cat([gc * g * i * (1 - i), gc * c_prev * f * (1 - f), gc * i * (1 - g * g), gh * tc * o * (1 - o)], -1)
        dgates[t] = dg
        dh = m.matmul(dg, w_hh)
        dc = gc * f
    dxw = m.stack(dgates)
    h_prevs = m.stack([prev[t][0] for t in range(T)])
    N, G = dxw.shape[1], dxw.shape[2]
    dw = m.matmul(m.t(dxw.reshape(T * N, G)), h_prevs.reshape(T * N, h_prevs.shape[-1]))
    return dxw, dh, dc, dw


class LSTMSequence(Op):
    """A whole LSTM layer direction, (xw, h0, c0, W_hh) -> (h_t for all t, c_t for all t), where xw holds the
    input projections x_t W_ih^T + b_ih + b_hh of all steps (T, N, 4H). One node for the sequence: the
    time loop runs on arrays, and backward gathers W_hh's gradient over all steps in one matmul."""
    node_name = 'LSTMBackward0'

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, reverse=False):
        xp = _device.xp_of(xw)
        T = xw.shape[0]
        hs = xp.empty(xw.shape[:2] + (h0.shape[-1],), dtype=xw.dtype)
        cs = xp.empty_like(hs)
        gates = xp.empty_like(xw)
        h, c = h0, c0
        w_t = w_hh.T
        H = h0.shape[-1]
        with _device.errstate(xp, over='ignore'):
            for t in (range(T - 1, -1, -1) if reverse else range(T)):
                a = gates[t]              # pre-activations, turned into the activations i, f, g, o in place
                xp.matmul(h, w_t, out=a)
                a += xw[t]
                for s in (a[..., :2 * H], a[..., 3 * H:]):
                    xp.negative(s, out=s)
                    xp.exp(s, out=s)
                    s += 1
                    xp.reciprocal(s, out=s)
                xp.tanh(a[..., 2 * H:3 * H], out=a[..., 2 * H:3 * H])
                c = a[..., H:2 * H] * c
                c += a[..., :H] * a[..., 2 * H:3 * H]
                cs[t] = c
                h = hs[t] = a[..., 3 * H:] * xp.tanh(c)
        ctx.reverse = reverse
        ctx.gates = gates           # activations for the plain backward; create_graph recomputes them
        ctx.save_for_backward(xw, h0, c0, w_hh, hs, cs)
        return hs, cs

    @staticmethod
    def backward(ctx, g_hs, g_cs):
        # one formula, two inputs: the plain backward reuses forward's gate activations, create_graph
        # recomputes them from the saved inputs (saved activations would be constants to double backward)
        if _grad_state.enabled:
            return _lstm_sequence_backward(_framework(), g_hs, g_cs, *ctx.saved_tensors, ctx.reverse)
        arrays = ctx.saved_arrays()
        m = _array_math(arrays[0])
        out = _lstm_sequence_backward(m, g_hs._data, g_cs._data, *arrays, ctx.reverse, ctx.gates)
        ctx.gates = None
        return tuple(grad_of(a) for a in out)


def lstm_sequence(xw, h0, c0, w_hh, reverse=False):
    return LSTMSequence.apply(xw, h0, c0, w_hh, reverse=reverse)
