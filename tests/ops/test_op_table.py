"""Every differentiable op, from one table: float64 gradcheck and gradgradcheck, then values and
gradients against PyTorch when it is importable.

A row is (id, fn, input shapes, domain). `fn(T, *inputs)` is written once against the PyTorch API
and runs with T = framework or T = torch. `domain` keeps inputs away from poles and kinks.
"""
import numpy as np
import pytest

import framework
from framework.autograd import gradcheck, gradgradcheck

from ..conftest import torch_or_skip


def _inplace(method, *args):
    """y = x.clone(); y.method(*args): an in-place op as a function of its inputs."""
    def fn(T, a, *rest):
        y = a.clone()
        getattr(y, method)(*[r(T, rest) if callable(r) else r for r in args])
        return y
    return fn


def _arg(i):
    return lambda T, rest: rest[i]


def _setitem(idx, value_fn):
    def fn(T, a, *rest):
        y = a * 1
        y[idx] = value_fn(T, *rest)
        return y
    return fn


OPS = [
    # ---- arithmetic, with broadcasting and Python scalars on either side
    ('add', lambda T, a, b: a + b, [(2, 3), (3,)], None),
    ('add_size1', lambda T, a, b: T.add(a, b), [(2, 1), (1, 3)], None),
    ('add_alpha', lambda T, a, b: a.add(b, alpha=2), [(2, 3), (2, 3)], None),
    ('add_scalar', lambda T, a: a + 2.5, [(2, 3)], None),
    ('radd_scalar', lambda T, a: 2 + a, [(3,)], None),
    ('sub', lambda T, a, b: a - b, [(2, 3), (2, 1)], None),
    ('rsub_scalar', lambda T, a: 1 - a, [(2, 3)], None),
    ('mul', lambda T, a, b: a * b, [(2, 3), (2, 3)], None),
    ('mul_bcast', lambda T, a, b: T.mul(a, b), [(3, 1), (1, 2)], None),
    ('mul_scalar', lambda T, a: 3 * a, [(2, 2)], None),
    ('mul_0d', lambda T, a, b: a * b, [(), (2, 3)], None),
    ('div', lambda T, a, b: a / b, [(2, 3), (3,)], 'nonzero'),
    ('rdiv_scalar', lambda T, a: 2 / a, [(2, 3)], 'nonzero'),
    ('pow_int', lambda T, a: a ** 3, [(2, 3)], None),
    ('pow_float', lambda T, a: a ** 2.5, [(2, 3)], 'pos'),
    ('pow_neg', lambda T, a: a.pow(-1), [(2, 3)], 'nonzero'),
    ('pow_tensor', lambda T, a, b: a ** b, [(2, 3), (2, 3)], 'pos'),
    ('pow_tensor_bcast', lambda T, a, b: T.pow(a, b), [(2, 3), (1,)], 'pos'),
    ('rpow_scalar', lambda T, a: 2 ** a, [(2, 3)], None),
    ('neg', lambda T, a: -a, [(2, 3)], None),
    ('abs', lambda T, a: a.abs(), [(2, 3)], 'nonzero'),
    ('exp', lambda T, a: T.exp(a), [(2, 3)], None),
    ('log', lambda T, a: T.log(a), [(2, 3)], 'pos'),
    ('sqrt', lambda T, a: a.sqrt(), [(2, 3)], 'pos'),
    ('sin', lambda T, a: T.sin(a), [(2, 3)], None),
    ('cos', lambda T, a: a.cos(), [(2, 3)], None),
    ('tan', lambda T, a: a.tan(), [(2, 3)], 'unit'),
    ('atan', lambda T, a: T.atan(a), [(2, 3)], None),
    ('tanh', lambda T, a: a.tanh(), [(2, 3)], None),
    ('sigmoid', lambda T, a: T.sigmoid(a), [(2, 3)], None),
    ('relu', lambda T, a: T.relu(a), [(2, 3)], 'nonzero'),
    ('log1p', lambda T, a: a.log1p(), [(2, 3)], 'pos'),
    ('expm1', lambda T, a: T.expm1(a), [(2, 3)], None),
    ('log2', lambda T, a: T.log2(a), [(3,)], 'pos'),
    ('log10', lambda T, a: a.log10(), [(3,)], 'pos'),
    ('rsqrt', lambda T, a: a.rsqrt(), [(2, 3)], 'pos'),
    ('square', lambda T, a: T.square(a), [(2, 3)], None),
    ('reciprocal', lambda T, a: a.reciprocal(), [(2, 3)], 'nonzero'),
    ('floor', lambda T, a: a.floor() + a, [(2, 3)], 'offint'),
    ('round', lambda T, a: T.round(a) * a, [(2, 3)], 'offint'),
    ('softplus', lambda T, a: (T.softplus if T is framework else T.nn.functional.softplus)(a * 4), [(2, 3)], None),
    ('clamp', lambda T, a: T.clamp(a, -0.5, 0.5), [(3, 4)], 'kinks'),
    ('clamp_min', lambda T, a: a.clamp(min=-0.5), [(3, 4)], 'kinks'),
    ('clamp_max', lambda T, a: a.clamp_max(0.5), [(3, 4)], 'kinks'),
    ('clamp_tensor', lambda T, a, lo, hi: T.clamp(a, lo, hi - 0.5 * lo.abs() + 3), [(2, 3), (3,), (2, 1)], 'kinks'),
    ('clamp_tensor_min', lambda T, a, lo: a.clamp(min=lo), [(2, 3), (2, 3)], 'kinks'),
    ('maximum', lambda T, a, b: T.maximum(a, b), [(2, 3), (3,)], 'kinks'),
    ('minimum', lambda T, a, b: a.minimum(b), [(2, 1), (1, 3)], 'kinks'),
    ('where', lambda T, a, b: T.where(a > 0, a, b), [(2, 3), (3,)], 'kinks'),
    ('where_scalar', lambda T, a: T.where(a > 0, a * 2, 0.0), [(2, 3)], 'kinks'),
    ('remainder', lambda T, a: a % 1.5, [(2, 3)], 'offint'),
    # ---- reductions
    ('sum', lambda T, a: a.sum(), [(2, 3)], None),
    ('sum_dim', lambda T, a: T.sum(a, 1), [(2, 3, 2)], None),
    ('sum_dims_keep', lambda T, a: a.sum((0, 2), keepdim=True), [(2, 3, 2)], None),
    ('sum_neg', lambda T, a: a.sum(-1), [(2, 3)], None),
    ('mean', lambda T, a: a.mean(), [(2, 3)], None),
    ('mean_dim_keep', lambda T, a: T.mean(a, 0, keepdim=True), [(2, 3)], None),
    ('mean_dims', lambda T, a: a.mean((-1, -2)), [(2, 2, 3)], None),
    ('max_all', lambda T, a: a.max(), [(2, 3)], 'kinks'),
    ('min_all', lambda T, a: T.min(a), [(2, 3)], 'kinks'),
    ('max_dim', lambda T, a: a.max(1).values, [(2, 3)], 'kinks'),
    ('max_dim_keep', lambda T, a: T.max(a, -1, keepdim=True)[0], [(2, 3, 2)], 'kinks'),
    ('min_dim', lambda T, a: a.min(dim=0)[0], [(3, 2)], 'kinks'),
    ('max_binary', lambda T, a, b: T.max(a, b), [(2, 3), (3,)], 'kinks'),
    ('amax', lambda T, a: a.amax((0, 1)), [(2, 3, 2)], 'kinks'),
    ('amin_keep', lambda T, a: T.amin(a, -1, keepdim=True), [(2, 3)], 'kinks'),
    ('var', lambda T, a: a.var(), [(2, 3)], None),
    ('var_dim', lambda T, a: T.var(a, 1), [(2, 3)], None),
    ('var_biased', lambda T, a: a.var(0, unbiased=False), [(3, 2)], None),
    ('var_correction', lambda T, a: a.var((0, 1), correction=0, keepdim=True), [(2, 2, 2)], None),
    ('std', lambda T, a: a.std(), [(2, 3)], None),
    ('std_dim', lambda T, a: T.std(a, -1, keepdim=True), [(2, 3)], None),
    ('norm', lambda T, a: a.norm(), [(2, 3)], None),
    ('norm_dim', lambda T, a: T.norm(a, dim=1), [(2, 3)], None),
    ('norm_p1', lambda T, a: a.norm(p=1), [(2, 3)], 'nonzero'),
    ('norm_p3', lambda T, a: a.norm(p=3, dim=0, keepdim=True), [(2, 3)], 'nonzero'),
    ('norm_inf', lambda T, a: a.norm(p=float('inf')), [(2, 3)], 'kinks'),
    ('prod', lambda T, a: a.prod(), [(2, 3)], 'nonzero'),
    ('prod_dim', lambda T, a: T.prod(a, 1), [(2, 3)], 'nonzero'),
    ('prod_dim_keep', lambda T, a: a.prod(0, keepdim=True), [(2, 3)], 'nonzero'),
    ('logsumexp', lambda T, a: T.logsumexp(a, 1), [(2, 3)], None),
    ('logsumexp_dims', lambda T, a: a.logsumexp((0, 1), keepdim=True), [(2, 3)], None),
    ('softmax', lambda T, a: T.softmax(a, -1), [(2, 3)], None),
    ('softmax_dim0', lambda T, a: a.softmax(0), [(3, 2, 2)], None),
    ('log_softmax', lambda T, a: T.log_softmax(a, 1), [(2, 3)], None),
    ('log_softmax_last', lambda T, a: a.log_softmax(-1), [(2, 2, 3)], None),
    ('cumsum', lambda T, a: T.cumsum(a, 1), [(2, 3)], None),
    # ---- matrix products: every shape case of matmul
    ('dot_1d_1d', lambda T, a, b: T.matmul(a, b), [(3,), (3,)], None),
    ('matmul_1d_2d', lambda T, a, b: a @ b, [(3,), (3, 2)], None),
    ('matmul_2d_1d', lambda T, a, b: a @ b, [(2, 3), (3,)], None),
    ('mm', lambda T, a, b: T.mm(a, b), [(2, 3), (3, 2)], None),
    ('bmm', lambda T, a, b: T.bmm(a, b), [(2, 2, 3), (2, 3, 2)], None),
    ('matmul_batch_bcast', lambda T, a, b: a @ b, [(2, 1, 2, 3), (3, 3, 2)], None),
    ('matmul_1d_3d', lambda T, a, b: T.matmul(a, b), [(3,), (2, 3, 2)], None),
    ('matmul_3d_1d', lambda T, a, b: T.matmul(a, b), [(2, 2, 3), (3,)], None),
    ('matmul_3d_2d', lambda T, a, b: a.matmul(b), [(2, 2, 3), (3, 2)], None),
    ('mv', lambda T, a, b: T.mv(a, b), [(2, 3), (3,)], None),
    # ---- shapes
    ('reshape', lambda T, a: a.reshape(3, 2), [(2, 3)], None),
    ('reshape_infer', lambda T, a: T.reshape(a, (-1,)), [(2, 3)], None),
    ('reshape_noncontig', lambda T, a: a.t().reshape(6), [(2, 3)], None),
    ('view', lambda T, a: a.view(3, 2) * 2, [(2, 3)], None),
    ('view_as', lambda T, a, b: a.view_as(b), [(2, 3), (6,)], None),
    ('flatten', lambda T, a: a.flatten(), [(2, 3, 2)], None),
    ('flatten_1', lambda T, a: T.flatten(a, 1), [(2, 3, 2)], None),
    ('unsqueeze', lambda T, a: a.unsqueeze(1), [(2, 3)], None),
    ('unsqueeze_neg', lambda T, a: T.unsqueeze(a, -1), [(2, 3)], None),
    ('squeeze', lambda T, a: a.squeeze(), [(2, 1, 3, 1)], None),
    ('squeeze_dim', lambda T, a: T.squeeze(a, 1), [(2, 1, 3)], None),
    ('transpose', lambda T, a: a.transpose(0, 2), [(2, 3, 2)], None),
    ('permute', lambda T, a: a.permute(2, 0, 1), [(2, 3, 2)], None),
    ('t', lambda T, a: a.t(), [(2, 3)], None),
    ('T', lambda T, a: a.T, [(2, 3)], None),
    ('expand', lambda T, a: a.expand(2, 3), [(1, 3)], None),
    ('expand_new_dims', lambda T, a: a.expand(2, -1, 3), [(3, 1)], None),
    ('expand_as', lambda T, a, b: a.expand_as(b) * b, [(3,), (2, 3)], None),
    ('cat', lambda T, a, b: T.cat([a, b], 1), [(2, 3), (2, 2)], None),
    ('cat_neg', lambda T, a, b: T.cat((a, b), dim=-1), [(2, 2), (2, 1)], None),
    ('cat_0', lambda T, a, b: T.cat([a, b]), [(1, 3), (2, 3)], None),
    ('stack', lambda T, a, b: T.stack([a, b]), [(2, 3), (2, 3)], None),
    ('stack_last', lambda T, a, b: T.stack((a, b), dim=-1), [(2, 3), (2, 3)], None),
    ('split', lambda T, a: a.split(2, dim=1), [(2, 5)], None),
    ('split_sizes', lambda T, a: T.split(a, [1, 3], 1), [(2, 4)], None),
    ('split_one_used', lambda T, a: a.split(1)[1] * 2, [(3, 2)], None),
    ('chunk', lambda T, a: T.chunk(a, 3, 0), [(5, 2)], None),
    ('unbind', lambda T, a: a.unbind(1), [(2, 3)], None),
    ('contiguous', lambda T, a: a.t().contiguous(), [(2, 3)], None),
    ('flip', lambda T, a: a.flip(0), [(2, 3)], None),
    ('narrow', lambda T, a: a.narrow(1, 1, 2), [(2, 3)], None),
    ('repeat', lambda T, a: a.repeat(2, 1, 2), [(2, 3)], None),
    ('tril', lambda T, a: T.tril(a), [(3, 3)], None),
    ('triu', lambda T, a: a.triu(1), [(3, 4)], None),
    ('movedim', lambda T, a: T.movedim(a, 0, 2), [(2, 3, 2)], None),
    # ---- indexing (read), gradients scatter-added
    ('index_int', lambda T, a: a[1], [(2, 3)], None),
    ('index_neg_int', lambda T, a: a[:, -1], [(2, 3)], None),
    ('index_slice_step', lambda T, a: a[::2, 1::2], [(3, 4)], None),
    ('index_none_ellipsis', lambda T, a: a[None, ..., 1], [(2, 3, 2)], None),
    ('index_list_repeats', lambda T, a: a[[0, 0, 1]], [(2, 3)], None),
    ('index_tensor_repeats', lambda T, a: a[T.tensor([1, 1, 0, 1])], [(2, 3)], None),
    ('index_cols_repeats', lambda T, a: a[:, [2, 0, 2]], [(2, 3)], None),
    ('index_pairs', lambda T, a: a[[0, 1, 1], [1, 2, 1]], [(2, 3)], None),
    ('index_int_and_list', lambda T, a: a[1, [0, 0]], [(2, 3)], None),
    ('index_bool_mask', lambda T, a: a[a > 0], [(2, 3)], 'nonzero'),
    ('index_bool_rows', lambda T, a: a[T.tensor([True, False, True])], [(3, 2)], None),
    ('gather', lambda T, a: a.gather(1, T.tensor([[0, 0], [2, 1]])), [(2, 3)], None),
    ('scatter_add', lambda T, a, b: a.scatter_add(1, T.tensor([[0, 0], [2, 0]]), b), [(2, 3), (2, 2)], None),
    ('index_select', lambda T, a: a.index_select(1, T.tensor([2, 0, 2])), [(2, 3)], None),
    ('masked_fill', lambda T, a: a.masked_fill(a > 0, 0.5), [(2, 3)], 'nonzero'),
    # ---- dtype conversions that keep float64
    ('to_double', lambda T, a: a.to(T.float64) * a.double(), [(2, 3)], None),
    # ---- in-place ops and writes, recorded in the graph
    ('add_', _inplace('add_', _arg(0)), [(2, 3), (3,)], None),
    ('sub_alpha_', _inplace('sub_', 2.0), [(2, 3)], None),
    ('mul_', _inplace('mul_', _arg(0)), [(2, 3), (2, 3)], None),
    ('div_', _inplace('div_', _arg(0)), [(2, 3), (2, 1)], 'nonzero'),
    ('pow_', _inplace('pow_', 2), [(2, 3)], None),
    ('neg_', _inplace('neg_'), [(2, 3)], None),
    ('clamp_', _inplace('clamp_', -0.5, 0.5), [(2, 3)], 'kinks'),
    ('exp_', _inplace('exp_'), [(2, 3)], None),
    ('sigmoid_', _inplace('sigmoid_'), [(2, 3)], None),
    ('copy_', _inplace('copy_', _arg(0)), [(2, 3), (3,)], None),
    ('zero_', lambda T, a, b: a.clone().zero_() + b, [(2, 3), (2, 3)], None),
    ('fill_tensor_', _inplace('fill_', _arg(0)), [(2, 3), ()], None),
    ('masked_fill_', lambda T, a: a.clone().masked_fill_(a > 0, 2.0) * a, [(2, 3)], 'nonzero'),
    ('iadd_imul', lambda T, a, b: _augmented(a, b), [(2, 3), (3,)], 'nonzero'),
    ('setitem_int', _setitem(0, lambda T, b: b), [(2, 3), (3,)], None),
    ('setitem_slice', _setitem((slice(None), 1), lambda T, b: b * 2), [(2, 3), (2,)], None),
    ('setitem_mask', lambda T, a, b: _masked_write(a, b), [(2, 3), ()], 'nonzero'),
    ('setitem_list', _setitem([0, 2], lambda T, b: b ** 2), [(3, 2), (2, 2)], None),
    ('view_mul_', lambda T, a, b: _on_view(a, lambda v: v.mul_(b)), [(3, 2), (2,)], None),
    ('view_iadd', lambda T, a, b: _view_iadd(a, b), [(3, 2), (2, 2)], None),
    ('view_exp_', lambda T, a: _on_view(a.t(), lambda v: v.exp_()), [(2, 3)], None),
    ('view_copy_into_plain', lambda T, a: _copy_into_zeros(T, a), [(2,)], None),
    ('view_of_view_setitem', lambda T, a, b: _view_of_view_setitem(a, b), [(2, 3), ()], None),
]


def _on_view(a, inplace):
    x = a * 1
    inplace(x[1:])
    return x


def _view_iadd(a, b):
    x = a * 1
    x[1:] += b ** 2
    return x


def _copy_into_zeros(T, a):
    x = T.zeros(3, dtype=T.float64)
    x[:2].copy_(a * 2)
    return x * x


def _view_of_view_setitem(a, b):
    x = a * 2
    v = x.t()[1:]
    v[0] = b * 2
    return x


def _augmented(a, b):
    y = a * 1
    y += b
    y *= b
    y -= 1
    y /= b
    return y


def _masked_write(a, b):
    y = a * 1
    y[a > 0] = b * 3
    return y


# ---------------------------------------------------------------- inputs
def _inputs(shapes, domain, seed):
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        n = int(np.prod(shape))
        if domain == 'pos':
            x = rng.uniform(0.5, 2.0, n)
        elif domain == 'unit':
            x = rng.uniform(-0.9, 0.9, n)
        elif domain == 'nonzero':
            x = rng.uniform(0.5, 2.0, n) * rng.choice([-1.0, 1.0], n)
        elif domain == 'offint':
            x = rng.integers(-3, 3, n) + rng.uniform(0.1, 0.4, n) * rng.choice([-1.0, 1.0], n) + 0.5
        elif domain == 'kinks':
            # well apart from each other and from 0, +-0.5 (the kinks of the piecewise ops above)
            x = (rng.permutation(40)[:n] - 19.5) * 0.1 + 0.03
        else:
            x = rng.standard_normal(n)
        out.append(x.reshape(shape))
    if domain == 'kinks' and len(shapes) > 1:        # distinct across inputs too
        flat = np.concatenate([x.reshape(-1) for x in out])
        vals = (rng.permutation(80)[:flat.size] - 39.5) * 0.07 + 0.011
        out, k = [], 0
        for shape in shapes:
            n = int(np.prod(shape))
            out.append(vals[k:k + n].reshape(shape))
            k += n
    return out


def _framework_inputs(arrays):
    return [framework.tensor(x, dtype=framework.float64, requires_grad=True) for x in arrays]


def _as_tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


IDS = [row[0] for row in OPS]


@pytest.mark.parametrize('name,fn,shapes,domain', OPS, ids=IDS)
def test_gradcheck(name, fn, shapes, domain):
    inputs = _framework_inputs(_inputs(shapes, domain, 0))
    assert gradcheck(lambda *xs: fn(framework, *xs), inputs)


@pytest.mark.parametrize('name,fn,shapes,domain', OPS, ids=IDS)
def test_gradgradcheck(name, fn, shapes, domain):
    inputs = _framework_inputs(_inputs(shapes, domain, 1))
    assert gradgradcheck(lambda *xs: fn(framework, *xs), inputs)


@pytest.mark.parametrize('name,fn,shapes,domain', OPS, ids=IDS)
def test_against_torch(name, fn, shapes, domain):
    torch = torch_or_skip()
    arrays = _inputs(shapes, domain, 2)
    ours = _framework_inputs(arrays)
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in arrays]
    out_ours, out_theirs = _as_tuple(fn(framework, *ours)), _as_tuple(fn(torch, *theirs))
    assert len(out_ours) == len(out_theirs)
    rng = np.random.default_rng(3)
    loss_ours = loss_theirs = 0
    for o, t in zip(out_ours, out_theirs):
        assert tuple(o.shape) == tuple(t.shape)
        assert o.dtype.name == str(t.dtype).replace('torch.', '')
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
        w = rng.standard_normal(tuple(t.shape))
        loss_ours = loss_ours + (o * framework.tensor(w)).sum()
        loss_theirs = loss_theirs + (t * torch.tensor(w)).sum()
    loss_ours.backward()
    loss_theirs.backward()
    for a, b in zip(ours, theirs):
        if b.grad is None:
            assert a.grad is None or not a.grad.numpy().any()
        else:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
