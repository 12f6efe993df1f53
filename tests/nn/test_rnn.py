"""RNN, LSTM, GRU and their cells; pad/pack utilities: PyTorch's values, final states and gradients after
loading torch's state_dict, float64 gradcheck/gradgradcheck of the fused steps, names, reprs, errors."""
import warnings

import numpy as np
import pytest

import framework
from framework import nn
from framework.autograd import gradcheck, gradgradcheck
from framework.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence, pack_sequence
from framework.ops.rnn import gru_cell_pointwise, lstm_cell_pointwise, lstm_sequence
from tests.conftest import torch_or_skip

R = np.random.default_rng(0)


def t64(*shape, grad=True):
    return framework.tensor(R.standard_normal(shape), requires_grad=grad)


def load_from_torch(ours, theirs):
    ours.load_state_dict({k: framework.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def both(name, *args, dtype='float64', **kw):
    torch = torch_or_skip()
    t = getattr(torch.nn, name)(*args, dtype=getattr(torch, dtype), **kw)
    o = getattr(nn, name)(*args, dtype=getattr(framework, dtype), **kw)
    assert list(o.state_dict()) == list(t.state_dict())
    assert [tuple(v.shape) for v in o.state_dict().values()] == [tuple(v.shape) for v in t.state_dict().values()]
    load_from_torch(o, t)
    return torch, t, o


def leaves(torch, *arrays):
    return [torch.tensor(a, requires_grad=True) for a in arrays], [framework.tensor(a, requires_grad=True)
                                                                     for a in arrays]


def close(a, b, tol):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def states(h):
    return list(h) if isinstance(h, tuple) else [h]


CONFIGS = [
    ('LSTM', dict(num_layers=2, bidirectional=True, batch_first=True)),
    ('LSTM', dict(proj_size=3, num_layers=2, bidirectional=True)),
    ('LSTM', dict(bias=False)),
    ('GRU', dict(num_layers=2, bidirectional=True)),
    ('GRU', dict(batch_first=True, bias=False)),
    ('RNN', dict(nonlinearity='relu', num_layers=2, bidirectional=True)),
    ('RNN', dict(num_layers=3, batch_first=True)),
]


@pytest.mark.parametrize('name,kw', CONFIGS)
@pytest.mark.parametrize('dtype,tol,with_h0', [('float64', 1e-10, True), ('float32', 2e-5, False)])
def test_matches_torch(name, kw, dtype, tol, with_h0):
    torch, t, o = both(name, 4, 5, dtype=dtype, **kw)
    npdt = np.float64 if dtype == 'float64' else np.float32
    x = R.standard_normal((3, 6, 4)).astype(npdt)
    D = 2 if kw.get('bidirectional') else 1
    L = kw.get('num_layers', 1)
    hs = [R.standard_normal((L * D, 3 if kw.get('batch_first') else 6, kw.get('proj_size') or 5)).astype(npdt)]
    if name == 'LSTM':
        hs.append(R.standard_normal((L * D, hs[0].shape[1], 5)).astype(npdt))
    (tx, *th0), (ox, *oh0) = leaves(torch, x, *hs)
    if with_h0:
        to, th = t(tx, tuple(th0) if name == 'LSTM' else th0[0])
        oo, oh = o(ox, tuple(oh0) if name == 'LSTM' else oh0[0])
    else:
        to, th = t(tx)
        oo, oh = o(ox)
    close(oo, to, tol)
    for a, b in zip(states(oh), states(th)):
        close(a, b, tol)
    w = R.standard_normal(to.shape).astype(npdt)
    (to * torch.tensor(w)).sum().add(sum(s.square().sum() for s in states(th))).backward()
    (oo * framework.tensor(w)).sum().add(sum(s.square().sum() for s in states(oh))).backward()
    close(ox.grad, tx.grad, tol * 10)
    if with_h0:
        for a, b in zip(oh0, th0):
            close(a.grad, b.grad, tol * 10)
    for (n, p), (m, q) in zip(o.named_parameters(), t.named_parameters()):
        assert n == m
        close(p.grad, q.grad, tol * 10)


@pytest.mark.parametrize('name', ['LSTM', 'GRU', 'RNN'])
def test_unbatched_input(name):
    torch, t, o = both(name, 3, 4, num_layers=2)
    x = R.standard_normal((5, 3))
    h = R.standard_normal((2, 4))
    hx_t = (torch.tensor(h), torch.tensor(h * 0.5)) if name == 'LSTM' else torch.tensor(h)
    hx_o = (framework.tensor(h), framework.tensor(h * 0.5)) if name == 'LSTM' else framework.tensor(h)
    to, th = t(torch.tensor(x), hx_t)
    oo, oh = o(framework.tensor(x), hx_o)
    assert tuple(oo.shape) == (5, 4)
    close(oo, to, 1e-10)
    for a, b in zip(states(oh), states(th)):
        assert a.shape == (2, 4)
        close(a, b, 1e-10)


def test_gate_order_by_hand():
    # one step, zero state, scalar sizes: every gate sees 1*x; LSTM h = o*tanh(i*g) with PyTorch's i, f, g, o rows
    lstm = nn.LSTM(1, 1, bias=False, dtype=framework.float64)
    with framework.no_grad():
        lstm.weight_ih_l0.copy_(framework.tensor([[1.0], [2.0], [3.0], [4.0]], dtype=framework.float64))
        lstm.weight_hh_l0.zero_()
    out, (h, c) = lstm(framework.tensor([[[0.5]]], dtype=framework.float64))
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    c_exp = sig(0.5) * np.tanh(1.5)
    np.testing.assert_allclose(c.item(), c_exp, rtol=1e-12)
    np.testing.assert_allclose(h.item(), sig(2.0) * np.tanh(c_exp), rtol=1e-12)
    # GRU with h0 = 1: n = tanh(W_in x + r * (W_hn h + b_hn)), h' = (1 - z) n + z h
    gru = nn.GRU(1, 1, dtype=framework.float64)
    with framework.no_grad():
        gru.weight_ih_l0.copy_(framework.tensor([[1.0], [2.0], [3.0]], dtype=framework.float64))
        gru.weight_hh_l0.copy_(framework.tensor([[0.5], [0.25], [2.0]], dtype=framework.float64))
        gru.bias_ih_l0.zero_()
        gru.bias_hh_l0.copy_(framework.tensor([0.0, 0.0, 1.0], dtype=framework.float64))
    x, h0 = 0.5, 1.0
    _, h = gru(framework.tensor([[[x]]], dtype=framework.float64), framework.tensor([[[h0]]], dtype=framework.float64))
    r, z = sig(1.0 * x + 0.5 * h0), sig(2.0 * x + 0.25 * h0)
    n = np.tanh(3.0 * x + r * (2.0 * h0 + 1.0))
    np.testing.assert_allclose(h.item(), (1 - z) * n + z * h0, rtol=1e-12)


def test_fused_steps_gradcheck_and_gradgradcheck():
    gates, c = t64(2, 12), t64(2, 3)
    assert gradcheck(lambda a, b: lstm_cell_pointwise(a, b), (gates, c))
    assert gradgradcheck(lambda a, b: lstm_cell_pointwise(a, b), (gates, c))
    gi, gh, h = t64(2, 9), t64(2, 9), t64(2, 3)
    assert gradcheck(gru_cell_pointwise, (gi, gh, h))
    assert gradgradcheck(gru_cell_pointwise, (gi, gh, h))
    out = lstm_cell_pointwise(gates, c)
    assert out[0].grad_fn.name() == 'LSTMCellBackward0'


@pytest.mark.parametrize('reverse', [False, True])
def test_lstm_sequence_op(reverse):
    xw, h0, c0, w = t64(3, 2, 8), t64(2, 2), t64(2, 2), t64(8, 2)

    def f(*a):
        return lstm_sequence(*a, reverse=reverse)
    assert gradcheck(f, (xw, h0, c0, w))
    assert gradgradcheck(f, (xw, h0, c0, w))
    hs, cs = f(xw, h0, c0, w)
    assert hs.grad_fn.name() == 'LSTMBackward0'
    # the same values as the per-step fused cell
    h, c = h0, c0
    for t in (range(2, -1, -1) if reverse else range(3)):
        h, c = lstm_cell_pointwise(xw[t] + h.matmul(w.t()), c)
        np.testing.assert_allclose(hs[t].detach().numpy(), h.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(cs[t].detach().numpy(), c.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize('name', ['LSTM', 'GRU'])
def test_layer_gradcheck(name):
    m = getattr(nn, name)(2, 3, num_layers=2, bidirectional=True, dtype=framework.float64)
    x = t64(2, 2, 2)
    assert gradcheck(lambda x: m(x)[0], (x,))
    assert gradgradcheck(lambda x: m(x)[0], (x,))


@pytest.mark.parametrize('name,kw', [('LSTM', dict(bidirectional=True, num_layers=2)),
                                     ('GRU', dict(bidirectional=True)), ('RNN', dict(batch_first=True))])
@pytest.mark.parametrize('enforce_sorted', [True, False])
def test_packed_sequence_matches_torch(name, kw, enforce_sorted):
    torch, t, o = both(name, 3, 4, **kw)
    lengths = [5, 3, 2] if enforce_sorted else [3, 5, 2]
    bf = kw.get('batch_first', False)
    x = R.standard_normal((3, 5, 3) if bf else (5, 3, 3))
    (tx,), (ox,) = leaves(torch, x)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=bf, enforce_sorted=enforce_sorted)
    op = pack_padded_sequence(ox, lengths, batch_first=bf, enforce_sorted=enforce_sorted)
    close(op.data, tp.data, 1e-12)
    assert op.batch_sizes.tolist() == tp.batch_sizes.tolist()
    if enforce_sorted:
        assert op.sorted_indices is None and op.unsorted_indices is None
    else:
        assert op.sorted_indices.tolist() == tp.sorted_indices.tolist()
        assert op.unsorted_indices.tolist() == tp.unsorted_indices.tolist()
    h = R.standard_normal((len(states(t(tp)[1])[0]), 3, 4))
    hx_t = (torch.tensor(h), torch.tensor(-h)) if name == 'LSTM' else torch.tensor(h)
    hx_o = (framework.tensor(h), framework.tensor(-h)) if name == 'LSTM' else framework.tensor(h)
    tout, th = t(tp, hx_t)
    oout, oh = o(op, hx_o)
    assert isinstance(oout, nn.utils.rnn.PackedSequence)
    close(oout.data, tout.data, 1e-10)
    for a, b in zip(states(oh), states(th)):
        close(a, b, 1e-10)
    tpad, tlen = torch.nn.utils.rnn.pad_packed_sequence(tout, batch_first=bf, padding_value=-7.0, total_length=6)
    opad, olen = pad_packed_sequence(oout, batch_first=bf, padding_value=-7.0, total_length=6)
    close(opad, tpad, 1e-10)
    assert olen.tolist() == tlen.tolist() and olen.dtype == framework.int64
    tpad.square().sum().add(sum(s.sum() for s in states(th))).backward()
    opad.square().sum().add(sum(s.sum() for s in states(oh))).backward()
    close(ox.grad, tx.grad, 1e-9)
    for p, q in zip(o.parameters(), t.parameters()):
        close(p.grad, q.grad, 1e-9)


def test_pad_sequence_and_pack_sequence():
    torch = torch_or_skip()
    seqs = [R.standard_normal((n, 2)) for n in (2, 4, 3)]
    for bf in (False, True):
        for side in ('right', 'left'):
            ours = pad_sequence([framework.tensor(s) for s in seqs], batch_first=bf, padding_value=1.5,
                                padding_side=side)
            theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=bf,
                                                     padding_value=1.5, padding_side=side)
            close(ours, theirs, 0)
    ours = pack_sequence([framework.tensor(s) for s in seqs], enforce_sorted=False)
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    close(ours.data, theirs.data, 0)
    assert ours.batch_sizes.tolist() == [3, 3, 2, 1]
    # hand-worked: right padding with 0 puts each sequence first along time
    p = pad_sequence([framework.tensor([1.0, 2.0]), framework.tensor([3.0])])
    assert p.tolist() == [[1.0, 3.0], [2.0, 0.0]]
    with pytest.raises(ValueError, match='Expected padding_side to be one of left or right, but got up.'):
        pad_sequence([framework.tensor([1.0])], padding_side='up')


def test_pack_errors():
    x = framework.zeros(3, 2, 4)
    with pytest.raises(RuntimeError, match='`lengths` array must be sorted in decreasing order when `enforce_sorted`'):
        pack_padded_sequence(x, [2, 3])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0, but found an element"):
        pack_padded_sequence(x, [3, 0])


def test_cells_match_torch():
    for name, kw in [('LSTMCell', {}), ('GRUCell', {}), ('RNNCell', dict(nonlinearity='relu')),
                     ('GRUCell', dict(bias=False))]:
        torch, t, o = both(name, 3, 4, **kw)
        x, h, c = R.standard_normal((2, 3)), R.standard_normal((2, 4)), R.standard_normal((2, 4))
        (tx, th, tc), (ox, oh, oc) = leaves(torch, x, h, c)
        if name == 'LSTMCell':
            tout, oout = t(tx, (th, tc)), o(ox, (oh, oc))
        else:
            tout, oout = t(tx, th), o(ox, oh)
        tout, oout = states(tout), states(oout)
        for a, b in zip(oout, tout):
            close(a, b, 1e-12)
        sum(s.square().sum() for s in tout).backward()
        sum(s.square().sum() for s in oout).backward()
        for a, b in zip([ox, oh] + ([oc] if name == 'LSTMCell' else []), [tx, th] + ([tc] if name == 'LSTMCell'
                                                                                    else [])):
            close(a.grad, b.grad, 1e-10)
        for p, q in zip(o.parameters(), t.parameters()):
            close(p.grad, q.grad, 1e-10)
        # unbatched input, no state
        assert tuple(states(o(framework.tensor(x[0])))[0].shape) == (4,)
        close(states(o(framework.tensor(x[0])))[0], states(t(torch.tensor(x[0])))[0], 1e-12)


def test_reprs_names_and_init():
    assert repr(nn.LSTM(10, 20, num_layers=2, batch_first=True)) == 'LSTM(10, 20, num_layers=2, batch_first=True)'
    assert repr(nn.GRU(3, 4, num_layers=2, bias=False, dropout=0.5, bidirectional=True)) == \
        'GRU(3, 4, num_layers=2, bias=False, dropout=0.5, bidirectional=True)'
    assert repr(nn.RNN(3, 4)) == 'RNN(3, 4)'
    assert repr(nn.LSTM(3, 4, proj_size=2)) == 'LSTM(3, 4, proj_size=2)'
    assert repr(nn.LSTMCell(3, 4)) == 'LSTMCell(3, 4)'
    assert repr(nn.GRUCell(3, 4, bias=False)) == 'GRUCell(3, 4, bias=False)'
    assert repr(nn.RNNCell(3, 4, nonlinearity='relu')) == 'RNNCell(3, 4, nonlinearity=relu)'
    m = nn.LSTM(3, 100, bidirectional=True)
    assert list(m.state_dict()) == ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
                                    'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse',
                                    'bias_hh_l0_reverse']
    assert tuple(m.weight_ih_l0.shape) == (400, 3)
    for p in m.parameters():
        a = p.detach().numpy()
        assert np.abs(a).max() <= 0.1 and np.abs(a).max() > 0.09 and abs(a.mean()) < 0.01


def test_dropout_between_layers():
    m = nn.LSTM(2, 3, num_layers=2, dropout=0.5, dtype=framework.float64)
    x = t64(4, 2, 2, grad=False)
    m.eval()
    a, b = m(x)[0], m(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    m.train()
    framework.manual_seed(0)
    c = m(x)[0]
    assert not np.allclose(c.detach().numpy(), a.detach().numpy())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        nn.LSTM(3, 4, dropout=0.5)
    assert 'non-zero dropout expects num_layers greater than 1' in str(w[0].message)


def test_errors_as_torch():
    m = nn.LSTM(10, 20, num_layers=2, batch_first=True)
    with pytest.raises(ValueError, match='LSTM: Expected input to be 2D or 3D, got 5D instead'):
        m(framework.zeros(2, 3, 4, 5, 6))
    with pytest.raises(RuntimeError, match='input.size\\(-1\\) must be equal to input_size. Expected 10, got 5'):
        m(framework.zeros(2, 3, 5))
    with pytest.raises(RuntimeError, match=r'Expected hidden\[0\] size \(2, 2, 20\), got \[1, 2, 20\]'):
        m(framework.zeros(2, 3, 10), (framework.zeros(1, 2, 20), framework.zeros(2, 2, 20)))
    with pytest.raises(RuntimeError, match=r'Expected hidden\[1\] size \(2, 2, 20\), got \[2, 3, 20\]'):
        m(framework.zeros(2, 3, 10), (framework.zeros(2, 2, 20), framework.zeros(2, 3, 20)))
    with pytest.raises(RuntimeError, match=r'For unbatched 2-D input, hx and cx should also be 2-D but got '
                                           r'\(3-D, 3-D\) tensors'):
        m(framework.zeros(3, 10), (framework.zeros(2, 2, 20), framework.zeros(2, 2, 20)))
    with pytest.raises(RuntimeError, match=r'Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]'):
        nn.GRU(3, 4)(framework.zeros(5, 2, 3), framework.zeros(1, 3, 4))
    with pytest.raises(ValueError, match='RNN input dtype'):
        m(framework.zeros(2, 3, 10, dtype=framework.float64))
    with pytest.raises(ValueError, match="Unknown nonlinearity 'foo'. Select from 'tanh' or 'relu'."):
        nn.RNN(3, 4, nonlinearity='foo')
    with pytest.raises(RuntimeError, match='input has inconsistent input_size: got 5 expected 3'):
        nn.LSTMCell(3, 4)(framework.zeros(2, 5))
    with pytest.raises(ValueError, match='LSTMCell: Expected input to be 1D or 2D, got 3D instead'):
        nn.LSTMCell(3, 4)(framework.zeros(2, 2, 3))
    with pytest.raises(RuntimeError, match="Input batch size 2 doesn't match hidden0 batch size 3"):
        nn.LSTMCell(3, 4)(framework.zeros(2, 3), (framework.zeros(3, 4), framework.zeros(3, 4)))
    with pytest.raises(ValueError, match='proj_size argument is only supported for LSTM, not RNN or GRU'):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match='proj_size has to be smaller than hidden_size'):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match='dropout should be a number in range'):
        nn.LSTM(3, 4, dropout=1.5)
