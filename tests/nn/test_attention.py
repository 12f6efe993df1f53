"""F.scaled_dot_product_attention and nn.MultiheadAttention: PyTorch's values and gradients (after loading
torch's state_dict), hand-worked values, gradcheck, parameter layout, init and error messages."""
import math

import numpy as np
import pytest

import framework
from framework import nn
from framework.nn import functional as F
from framework.autograd import gradcheck, gradgradcheck
from tests.conftest import torch_or_skip

R = np.random.default_rng(1)


def close(a, b, tol=1e-10):
    if a is None or b is None:
        assert a is None and b is None
        return
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def masks():
    bm = R.random((4, 5)) > 0.3
    bm[1] = False                       # a query with no key left: zeros, as PyTorch's math kernel gives
    return [{}, dict(attn_mask=bm), dict(attn_mask=R.standard_normal((4, 5))), dict(is_causal=True),
            dict(scale=0.3), dict(attn_mask=R.standard_normal((2, 1, 4, 5)), scale=0.7)]


@pytest.mark.parametrize('kw', masks())
def test_sdpa_matches_torch(kw):
    torch = torch_or_skip()
    arrays = R.standard_normal((2, 3, 4, 8)), R.standard_normal((2, 3, 5, 8)), R.standard_normal((2, 3, 5, 6))
    T = [torch.tensor(a, requires_grad=True) for a in arrays]
    O = [framework.tensor(a, requires_grad=True) for a in arrays]
    tk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    ok = {k: framework.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    a = torch.nn.functional.scaled_dot_product_attention(*T, **tk)
    b = F.scaled_dot_product_attention(*O, **ok)
    close(b, a)
    w = R.standard_normal(a.shape)
    (a * torch.tensor(w)).sum().backward()
    (b * framework.tensor(w)).sum().backward()
    for x, y in zip(O, T):
        close(x.grad, y.grad)


def test_sdpa_by_hand_and_gradcheck():
    # one query, two keys with scores 0 and 1 (scale 1): weights softmax([0, 1])
    q = framework.tensor([[[1.0]]], dtype=framework.float64)
    k = framework.tensor([[[0.0], [1.0]]], dtype=framework.float64)
    v = framework.tensor([[[10.0], [20.0]]], dtype=framework.float64)
    e = math.e / (1 + math.e)
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, scale=1.0).item(), 10 * (1 - e) + 20 * e)
    # the causal mask keeps key 0 only for query 0
    q2 = framework.tensor([[[1.0], [1.0]]], dtype=framework.float64)
    out = F.scaled_dot_product_attention(q2, k, v, is_causal=True, scale=1.0)
    np.testing.assert_allclose(out[0, 0, 0].item(), 10.0)
    qa, ka, va = (framework.tensor(R.standard_normal(s), requires_grad=True) for s in [(2, 3, 4), (2, 5, 4), (2, 5, 3)])
    mask = framework.tensor(R.random((3, 5)) > 0.4)
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=mask), (qa, ka, va))
    assert gradgradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True), (qa, ka, va))


def test_sdpa_gqa_and_errors():
    torch = torch_or_skip()
    q, k = R.standard_normal((1, 4, 3, 2)), R.standard_normal((1, 2, 3, 2))
    a = torch.nn.functional.scaled_dot_product_attention(torch.tensor(q), torch.tensor(k), torch.tensor(k),
                                                         enable_gqa=True)
    b = F.scaled_dot_product_attention(framework.tensor(q), framework.tensor(k), framework.tensor(k), enable_gqa=True)
    close(b, a)
    x = framework.zeros(1, 2, 3)
    with pytest.raises(RuntimeError, match='Explicit attn_mask should not be set when is_causal=True'):
        F.scaled_dot_product_attention(x, x, x, attn_mask=framework.ones(2, 2, dtype=framework.bool),
                                       is_causal=True)
    with pytest.raises(RuntimeError, match='Expected query, key, and value to have the same dtype, but got '
                                           'query.dtype: float key.dtype: double and value.dtype: float instead.'):
        F.scaled_dot_product_attention(x, x.double(), x)


def both(*args, **kw):
    torch = torch_or_skip()
    t = torch.nn.MultiheadAttention(*args, dtype=torch.float64, **kw)
    o = nn.MultiheadAttention(*args, dtype=framework.float64, **kw)
    assert list(o.state_dict()) == list(t.state_dict())
    o.load_state_dict({k: framework.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return torch, t, o


MHA_CASES = [
    (dict(), dict()),
    (dict(), dict(need_weights=False)),
    (dict(batch_first=True), dict(key_padding_mask='kpm')),
    (dict(), dict(attn_mask='float', need_weights=False, key_padding_mask='kpm')),
    (dict(), dict(attn_mask='bool', key_padding_mask='kpm', average_attn_weights=False)),
    (dict(), dict(attn_mask='bool3d')),
    (dict(), dict(attn_mask='causal', is_causal=True, need_weights=False)),
    (dict(kdim=3, vdim=5, add_bias_kv=True), dict(key_padding_mask='kpm', attn_mask='bool')),
    (dict(bias=False, add_zero_attn=True), dict(attn_mask='float')),
]


@pytest.mark.parametrize('ctor,call', MHA_CASES)
def test_multihead_attention_matches_torch(ctor, call):
    torch, t, o = both(8, 2, **ctor)
    L, N = 4, 3
    shape = (N, L) if ctor.get('batch_first') else (L, N)
    self_attn = 'kdim' not in ctor
    arrays = [R.standard_normal(shape + (8,))] if self_attn else [R.standard_normal(shape + (d,)) for d in (8, 3, 5)]
    T = [torch.tensor(a, requires_grad=True) for a in arrays]
    O = [framework.tensor(a, requires_grad=True) for a in arrays]
    kpm = np.zeros((N, L), bool)
    kpm[0, 1] = kpm[2, 0] = True
    values = {'kpm': kpm, 'float': R.standard_normal((L, L)), 'bool': R.random((L, L)) > 0.7,
              'bool3d': R.random((N * 2, L, L)) > 0.7,
              'causal': np.triu(np.full((L, L), -np.inf), 1)}
    tk = {k: torch.tensor(values[v]) if isinstance(v, str) else v for k, v in call.items()}
    ok = {k: framework.tensor(values[v]) if isinstance(v, str) else v for k, v in call.items()}
    args_t, args_o = (T * 3, O * 3) if self_attn else (T, O)
    a, aw = t(*args_t, **tk)
    b, bw = o(*args_o, **ok)
    close(b, a)
    close(bw, aw)
    w = R.standard_normal(a.shape)
    (a * torch.tensor(w)).sum().backward()
    (b * framework.tensor(w)).sum().backward()
    for x, y in zip(O, T):
        close(x.grad, y.grad)
    for (n, p), (m, q) in zip(o.named_parameters(), t.named_parameters()):
        assert n == m
        close(p.grad, q.grad)


def test_multihead_attention_unbatched_and_layout():
    torch, t, o = both(6, 3)
    x = R.standard_normal((5, 6))
    a, aw = t(*[torch.tensor(x)] * 3)
    b, bw = o(*[framework.tensor(x)] * 3)
    assert tuple(b.shape) == (5, 6) and tuple(bw.shape) == (5, 5)
    close(b, a)
    close(bw, aw)
    m = nn.MultiheadAttention(16, 4)
    assert list(m.state_dict()) == ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']
    assert tuple(m.in_proj_weight.shape) == (48, 16)
    assert np.all(m.in_proj_bias.detach().numpy() == 0) and np.all(m.out_proj.bias.detach().numpy() == 0)
    bound = math.sqrt(6 / (48 + 16))        # xavier_uniform_ over the stacked (3E, E) matrix
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert repr(m) == ('MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=16, '
                       'out_features=16, bias=True)\n)')
    sep = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True)
    assert list(sep.state_dict()) == ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'bias_k',
                                      'bias_v', 'out_proj.weight', 'out_proj.bias']


def test_multihead_attention_dropout_and_errors():
    m = nn.MultiheadAttention(8, 2, dropout=0.5, dtype=framework.float64)
    x = framework.tensor(R.standard_normal((4, 2, 8)))
    m.eval()
    a = m(x, x, x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), m(x, x, x)[0].detach().numpy())
    m.train()
    assert not np.allclose(m(x, x, x)[0].detach().numpy(), a.detach().numpy())
    with pytest.raises(AssertionError, match='embed_dim must be divisible by num_heads'):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(RuntimeError, match='Need attn_mask if specifying the is_causal hint'):
        m(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r'The shape of the 2D attn_mask is .*\[3, 4\]\), but should be \(4, 4\).'):
        m(x, x, x, attn_mask=framework.zeros(3, 4, dtype=framework.float64))
    with pytest.raises(AssertionError, match='expected `attn_mask` to be `None`, 2-D or 3-D but found 1-D tensor'):
        m(x, x, x, attn_mask=framework.zeros(4, dtype=framework.float64))
    with pytest.raises(AssertionError, match='was expecting embedding dimension of 8, but got 5'):
        m(x[:, :, :5], x, x)
