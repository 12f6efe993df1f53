"""Scaled dot-product attention and MultiheadAttention, with PyTorch's semantics and parameter layout.

Attention is composed from existing ops (matmul, softmax, masked_fill, dropout): each is already
one fused node, and the masks are constants built once per call on the host. Boolean masks and the
causal mask become an additive -inf bias. Like PyTorch's math kernel, scaled_dot_product_attention
gives zeros (and zero gradients) for a query whose keys are all masked, while MultiheadAttention's
need_weights path gives NaN there, as PyTorch's does.
"""
import math

import numpy as np

from .. import _dtype, _device
from .._tensor import wrap
from ..creation import empty
from ..ops.linear import linear
from ..ops.shape import cat
from . import functional as F
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter


def _neg_inf_bias(keep, dtype, xp):
    """0 where keep, -inf elsewhere, as an array of the scores' dtype."""
    return xp.where(xp.asarray(keep), 0.0, -np.inf).astype(dtype)


def _attention_bias(attn_mask, is_causal, L, S, dtype, xp):
    """The additive bias of a mask (and the causal mask): a constant array, or a Tensor when attn_mask is
    a float tensor (which may require grad)."""
    bias = None
    if is_causal:
        bias = _neg_inf_bias(np.tril(np.ones((L, S), dtype=bool)), dtype, xp)
    if attn_mask is None:
        return bias
    if attn_mask.dtype == _dtype.bool_:
        m = _neg_inf_bias(attn_mask._data, dtype, xp)
        return m if bias is None else m + bias
    return attn_mask if bias is None else attn_mask + wrap(bias)


def _add_bias(scores, bias, safe):
    """scores + bias; with `safe`, rows whose bias is -inf everywhere get bias 0 and a 0/1 row factor
    to zero them after the softmax (so they give 0, not NaN, and pass no gradient)."""
    if bias is None:
        return scores, None
    data = bias._data if hasattr(bias, '_data') else bias
    keep = None
    if safe:
        xp = _device.xp_of(scores._data)
        dead = xp.isneginf(data).all(-1)
        if bool(dead.any()):
            dead = dead[..., None]
            keep = (~dead).astype(scores._data.dtype)
            bias = bias.masked_fill(wrap(dead), 0.0) if hasattr(bias, '_data') else xp.where(dead, 0.0, data)
    return scores + (bias if hasattr(bias, '_data') else wrap(bias)), keep


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    if query.dtype != key.dtype or query.dtype != value.dtype:
        names = {_dtype.float32: 'float', _dtype.float64: 'double', _dtype.float16: 'c10::Half'}
        raise RuntimeError('Expected query, key, and value to have the same dtype, but got query.dtype: '
                           f'{names.get(query.dtype, query.dtype)} key.dtype: {names.get(key.dtype, key.dtype)} and '
                           f'value.dtype: {names.get(value.dtype, value.dtype)} instead.')
    if is_causal and attn_mask is not None:
        raise RuntimeError('_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True')
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    if key.shape[-1] != E:
        raise RuntimeError(f'Expected size for first two dimensions of batch2 tensor to be: '
                           f'[{int(np.prod(key.shape[:-2]))}, {E}] but got: [{int(np.prod(key.shape[:-2]))}, '
                           f'{key.shape[-1]}].')
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key, value = (_repeat_heads(t, rep) for t in (key, value))
    scale = 1 / math.sqrt(E) if scale is None else scale
    xp = _device.xp_of(query._data)
    scores = query.matmul(key.transpose(-2, -1)) * scale
    scores, keep = _add_bias(scores, _attention_bias(attn_mask, is_causal, L, S, scores._data.dtype, xp), True)
    weights = F.softmax(scores, -1)
    if keep is not None:
        weights = weights * wrap(keep)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p, True)
    return weights.matmul(value)


def _repeat_heads(t, rep):
    """(..., Hk, S, E) -> (..., Hk * rep, S, E), each head repeated rep times in place (repeat_interleave)."""
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(*shape[:-2], rep, *shape[-2:])
    return expanded.reshape(*shape[:-3], shape[-3] * rep, *shape[-2:])


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for MultiheadAttention.out_proj (it shows in reprs)."""


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """PyTorch's F.multi_head_attention_forward on (L, N, E) inputs (or unbatched (L, E))."""
    batched = query.ndim == 3
    if not batched:
        if query.ndim != 2:
            raise AssertionError(f'query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D '
                                 'query tensor')
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    elif attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise AssertionError('For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found '
                             f'{attn_mask.ndim}-D tensor instead')
    L, N, E = query.shape
    S = key.shape[0]
    if E != embed_dim_to_check:
        raise AssertionError(f'was expecting embedding dimension of {embed_dim_to_check}, but got {E}')
    head_dim = E // num_heads
    if is_causal and attn_mask is None:
        raise RuntimeError('Need attn_mask if specifying the is_causal hint. You may use the Transformer module '
                           'method `generate_square_subsequent_mask` to create this mask.')
    dtype = query._data.dtype
    xp = _device.xp_of(query._data)
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None        # the hint stands for the mask: the causal path builds the same one
    else:
        is_causal = False
    # projections: one matmul for q, k and v when they are the same tensor (self-attention)
    if not use_separate_proj_weight:
        b = in_proj_bias
        if query is key and key is value:
            q, k, v = linear(query, in_proj_weight, b).chunk(3, -1)
        else:
            bq, bk, bv = (None, None, None) if b is None else b.chunk(3)
            wq, wk, wv = in_proj_weight.chunk(3)
            q, k, v = linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)
    else:
        bq, bk, bv = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = linear(query, q_proj_weight, bq), linear(key, k_proj_weight, bk), linear(value, v_proj_weight, bv)
    bias = None
    if attn_mask is not None:
        if attn_mask.ndim == 2 and tuple(attn_mask.shape) != (L, S):
            raise RuntimeError(f'The shape of the 2D attn_mask is {attn_mask.shape}, but should be {(L, S)}.')
        if attn_mask.ndim == 3 and tuple(attn_mask.shape) != (N * num_heads, L, S):
            raise RuntimeError(f'The shape of the 3D attn_mask is {attn_mask.shape}, but should be '
                               f'{(N * num_heads, L, S)}.')
        # here True masks a position out (SDPA's True lets it take part)
        bias = _neg_inf_bias(~attn_mask._data, dtype, xp) if attn_mask.dtype == _dtype.bool_ else attn_mask
        if attn_mask.ndim == 3:
            bias = bias.reshape(N, num_heads, L, S)
    if bias_k is not None:
        k = cat([k, bias_k.expand(1, N, E)])
        v = cat([v, bias_v.expand(1, N, E)])
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (N, S):
            raise AssertionError(f'Expected key_padded_mask.shape[1] to be {S}, but got {key_padding_mask.shape[1]}'
                                 if key_padding_mask.shape[0] == N else
                                 f'expecting key_padding_mask shape of {(N, S)}, but got {key_padding_mask.shape}')
    if add_zero_attn:
        k = cat([k, wrap(xp.zeros((1, N, E), dtype))])
        v = cat([v, wrap(xp.zeros((1, N, E), dtype))])
    S2 = k.shape[0]
    if S2 != S:        # bias_k / zero attention added key columns the masks do not cover: pad them with 0
        pad = S2 - S
        if bias is not None:
            zeros = xp.zeros(tuple(bias.shape[:-1]) + (pad,), dtype)
            bias = cat([bias, wrap(zeros)], -1) if hasattr(bias, '_data') else xp.concatenate([bias, zeros], -1)
        if key_padding_mask is not None:
            kz = xp.zeros((N, pad), dtype=key_padding_mask._data.dtype)
            key_padding_mask = wrap(xp.concatenate([key_padding_mask._data, kz], -1))
    if key_padding_mask is not None:
        kpm = key_padding_mask
        kb = _neg_inf_bias(~kpm._data, dtype, xp) if kpm.dtype == _dtype.bool_ else kpm
        kb = kb.reshape(N, 1, 1, S2)
        if bias is None:
            bias = kb
        elif hasattr(bias, '_data') or hasattr(kb, '_data'):
            bias = (bias if hasattr(bias, '_data') else wrap(bias)) + (kb if hasattr(kb, '_data') else wrap(kb))
        else:
            bias = bias + kb
    # (T, N, E) -> (N, H, T, head_dim)
    q = q.reshape(L, N, num_heads, head_dim).permute(1, 2, 0, 3)
    k = k.reshape(S2, N, num_heads, head_dim).permute(1, 2, 0, 3)
    v = v.reshape(S2, N, num_heads, head_dim).permute(1, 2, 0, 3)
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores, _ = _add_bias(q.matmul(k.transpose(-2, -1)) * (1 / math.sqrt(head_dim)), bias, False)
        weights = F.softmax(scores, -1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, dropout_p, True)
        out = weights.matmul(v)
    else:
        mask = None if bias is None else (bias if hasattr(bias, '_data') else wrap(bias))
        out = scaled_dot_product_attention(q, k, v, mask, dropout_p, is_causal)
        weights = None
    out = linear(out.permute(2, 0, 1, 3).reshape(L, N, E), out_proj_weight, out_proj_bias)
    if weights is not None and average_attn_weights:
        weights = weights.mean(1)
    if not batched:
        out = out.squeeze(1)
        weights = weights.squeeze(0) if weights is not None else None
    return out, weights


class MultiheadAttention(Module):
    """PyTorch's layout: in_proj_weight (3E, E) stacks W_q, W_k, W_v when kdim == vdim == E (else
    q_proj_weight, k_proj_weight, v_proj_weight); in_proj_bias (3E); out_proj a Linear."""
    __constants__ = ['batch_first']

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f'embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and '
                             f'num_heads={num_heads} instead')
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError('embed_dim must be divisible by num_heads')
        kw = dict(dtype=dtype if dtype is not None else _dtype.get_default_dtype(), device=device)
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, **kw))
            self.register_parameter('in_proj_weight', None)
        else:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter('q_proj_weight', None)
            self.register_parameter('k_proj_weight', None)
            self.register_parameter('v_proj_weight', None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **kw))
        else:
            self.register_parameter('in_proj_bias', None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        batched = query.ndim == 3
        if self.batch_first and batched:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias,
            training=self.training, key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(1, 0)
        return out, weights
