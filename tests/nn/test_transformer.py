"""TransformerEncoderLayer/Encoder, DecoderLayer/Decoder and Transformer against PyTorch (eval mode, dropout 0,
torch's state_dict loaded): values and gradients; names, reprs, the subsequent mask, causal detection, errors."""
import numpy as np
import pytest

import framework
from framework import nn
from framework.autograd import gradcheck
from tests.conftest import torch_or_skip

R = np.random.default_rng(2)


def close(a, b, tol=1e-10):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def load(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: framework.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def run_both(t, o, arrays, call, tol=1e-10):
    torch = torch_or_skip()
    T = [torch.tensor(a, requires_grad=True) for a in arrays]
    O = [framework.tensor(a, requires_grad=True) for a in arrays]
    tk = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
    ok = {k: framework.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call.items()}
    a, b = t(*T, **tk), o(*O, **ok)
    close(b, a, tol)
    w = R.standard_normal(a.shape)
    (a * torch.tensor(w)).sum().backward()
    (b * framework.tensor(w)).sum().backward()
    for x, y in zip(O, T):
        close(x.grad, y.grad, tol * 10)
    for (n, p), (m, q) in zip(o.named_parameters(), t.named_parameters()):
        assert n == m
        close(p.grad, q.grad, tol * 10)


CAUSAL = np.triu(np.full((5, 5), -np.inf), 1)
KPM = np.zeros((3, 5), bool)
KPM[1, 3:] = True


@pytest.mark.parametrize('layer_kw,call', [
    (dict(), dict()),
    (dict(norm_first=True, activation='gelu'), dict(src_key_padding_mask=KPM)),
    (dict(batch_first=True, bias=False, layer_norm_eps=1e-3), dict(src_mask=CAUSAL, is_causal=True)),
    (dict(activation='relu'), dict(src_mask=CAUSAL, src_key_padding_mask=KPM)),
])
def test_encoder_layer_matches_torch(layer_kw, call):
    torch = torch_or_skip()
    t = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64, **layer_kw).eval()
    o = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=framework.float64, **layer_kw).eval()
    load(o, t)
    shape = (3, 5, 8) if layer_kw.get('batch_first') else (5, 3, 8)
    run_both(t, o, [R.standard_normal(shape)], call)


def test_encoder_stack_matches_torch_and_detects_causal_mask():
    torch = torch_or_skip()
    t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=torch.float64,
                                                                     batch_first=True), 2,
                                    norm=torch.nn.LayerNorm(8, dtype=torch.float64), enable_nested_tensor=False)
    o = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=framework.float64,
                                                         batch_first=True), 2,
                              norm=nn.LayerNorm(8, dtype=framework.float64), enable_nested_tensor=False)
    load(o, t)
    assert list(o.state_dict())[:2] == ['layers.0.self_attn.in_proj_weight', 'layers.0.self_attn.in_proj_bias']
    run_both(t, o, [R.standard_normal((3, 5, 8))], dict(mask=CAUSAL, src_key_padding_mask=KPM))
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=framework.float64)
    from framework.nn.transformer import _detect_is_causal_mask
    assert _detect_is_causal_mask(mask) is True
    assert _detect_is_causal_mask(framework.zeros(5, 5, dtype=framework.float64)) is False
    assert _detect_is_causal_mask(None, True) is True


def test_decoder_and_transformer_match_torch():
    torch = torch_or_skip()
    t = torch.nn.Transformer(8, 2, 1, 2, 16, dropout=0.0, dtype=torch.float64, norm_first=True).eval()
    o = nn.Transformer(8, 2, 1, 2, 16, dropout=0.0, dtype=framework.float64, norm_first=True).eval()
    load(o, t)
    tgt_mask = np.triu(np.full((4, 4), -np.inf), 1)
    run_both(t, o, [R.standard_normal((5, 3, 8)), R.standard_normal((4, 3, 8))],
             dict(tgt_mask=tgt_mask, src_key_padding_mask=KPM, memory_key_padding_mask=KPM))
    with pytest.raises(RuntimeError, match='the batch number of src and tgt must be equal'):
        o(framework.zeros(5, 3, 8, dtype=framework.float64), framework.zeros(4, 2, 8, dtype=framework.float64))
    with pytest.raises(RuntimeError, match='the feature number of src and tgt must be equal to d_model'):
        o(framework.zeros(5, 3, 4, dtype=framework.float64), framework.zeros(4, 3, 4, dtype=framework.float64))


def test_names_repr_mask_and_errors():
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    assert list(layer.state_dict()) == [
        'self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight', 'self_attn.out_proj.bias',
        'linear1.weight', 'linear1.bias', 'linear2.weight', 'linear2.bias', 'norm1.weight', 'norm1.bias',
        'norm2.weight', 'norm2.bias']
    assert repr(layer).splitlines()[4:6] == ['  (linear1): Linear(in_features=8, out_features=16, bias=True)',
                                             '  (dropout): Dropout(p=0.1, inplace=False)']
    m = nn.Transformer.generate_square_subsequent_mask(3)
    assert m.dtype == framework.float32
    assert m.tolist() == [[0.0, -np.inf, -np.inf], [0.0, 0.0, -np.inf], [0.0, 0.0, 0.0]]
    with pytest.raises(RuntimeError, match='activation should be relu/gelu, not foo'):
        nn.TransformerEncoderLayer(8, 2, 16, activation='foo')
    with pytest.raises(RuntimeError, match='Need attn_mask if specifying the is_causal hint'):
        layer(framework.zeros(3, 2, 8), is_causal=True)
    # a module activation is a child, as in PyTorch
    assert 'activation' in dict(nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU()).named_children())


def test_encoder_layer_gradcheck_and_dropout():
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, dtype=framework.float64)
    x = framework.tensor(R.standard_normal((3, 2, 4)), requires_grad=True)
    assert gradcheck(lambda x: layer(x, src_mask=framework.tensor(CAUSAL[:3, :3])), (x,))
    drop = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.5, dtype=framework.float64)
    a = drop.eval()(x)
    assert not np.allclose(drop.train()(x).detach().numpy(), a.detach().numpy())
