"""Every differentiable op, from one table: float64 gradcheck and gradgradcheck, then values and
gradients against PyTorch when it is importable.

A row is (id, fn, input shapes, domain). `fn(T, *inputs)` is written once against the PyTorch API
and runs with T = framework or T = torch. `domain` keeps inputs away from poles and kinks.
"""
import numpy as np
import pytest

import framework
from framework.autograd import gradcheck, gradgradcheck

from ..conftest import _matches, torch_or_skip


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
    ('fill_scalar_', lambda T, a, b: _inplace('fill_', 0.5)(T, a) * b, [(2, 3), (3,)], None),
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


# ---------------------------------------------------------------- ops without gradients: values and dtypes
def _x(T):
    return T.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])


# (id, fn(T), expected tolist(), expected dtype name): literal, so they hold without torch too
VALUE_OPS = [
    ('argmax', lambda T: _x(T).argmax(), 5, 'int64'),
    ('argmax_dim', lambda T: T.argmax(_x(T), 1), [1, 2], 'int64'),
    ('argmin_dim_keep', lambda T: _x(T).argmin(0, keepdim=True), [[0, 1, 0]], 'int64'),
    ('argmax_first_of_ties', lambda T: T.tensor([1.0, 3.0, 3.0]).argmax(), 1, 'int64'),
    ('max_dim_indices', lambda T: _x(T).max(dim=1).indices, [1, 2], 'int64'),
    ('min_dim_values', lambda T: T.min(_x(T), 0).values, [1.0, 2.0, 3.0], 'float32'),
    ('max_dim_int', lambda T: T.tensor([[1, 3], [2, 0]]).max(0)[0], [2, 3], 'int64'),
    ('eq', lambda T: _x(T).eq(3.0), [[False, False, True], [False, False, False]], 'bool'),
    ('eq_op_promotes', lambda T: T.tensor([1, 2]) == T.tensor([1.0, 3.0]), [True, False], 'bool'),
    ('ne', lambda T: _x(T) != T.tensor([1.0, 2.0, 3.0]), [[False, True, False], [True, False, True]], 'bool'),
    ('gt', lambda T: _x(T) > 2, [[False, True, True], [True, False, True]], 'bool'),
    ('ge', lambda T: T.ge(_x(T), 4), [[False, True, False], [True, False, True]], 'bool'),
    ('lt_reflected', lambda T: 2 < _x(T), [[False, True, True], [True, False, True]], 'bool'),
    ('le', lambda T: _x(T).le(T.tensor([1.0, 2.0, 3.0])), [[True, False, True], [False, True, False]], 'bool'),
    ('all', lambda T: (_x(T) > 0).all(), True, 'bool'),
    ('all_int', lambda T: T.tensor([1, 0]).all(), False, 'bool'),
    ('any_dim', lambda T: (_x(T) > 4).any(1), [True, True], 'bool'),
    ('all_dim_keep', lambda T: T.all(_x(T) > 1, dim=0, keepdim=True), [[False, True, True]], 'bool'),
    ('float', lambda T: T.tensor([1, 2]).float(), [1.0, 2.0], 'float32'),
    ('double', lambda T: T.tensor([0.5]).double(), [0.5], 'float64'),
    ('long_truncates', lambda T: T.tensor([1.7, -1.7]).long(), [1, -1], 'int64'),
    ('int', lambda T: T.tensor([2.9, -0.5]).int(), [2, 0], 'int32'),
    ('bool', lambda T: T.tensor([0.0, 2.0]).bool(), [False, True], 'bool'),
    ('to_dtype', lambda T: _x(T).to(T.int64)[0], [1, 5, 3], 'int64'),
    ('to_dtype_kw', lambda T: T.tensor([1]).to(dtype=T.float16), [1.0], 'float16'),
    ('to_other', lambda T: T.tensor([1.5]).to(T.tensor([1])), [1], 'int64'),
    ('int_true_divide', lambda T: T.tensor([3]) / T.tensor([2]), [1.5], 'float32'),
    ('sum_int32_to_int64', lambda T: T.tensor([1, 2], dtype=T.int32).sum(), 3, 'int64'),
    ('sum_bool', lambda T: T.tensor([True, True, False]).sum(), 2, 'int64'),
    ('softmax_stable', lambda T: T.tensor([1000.0, 0.0, -1000.0]).softmax(0), [1.0, 0.0, 0.0], 'float32'),
    ('log_softmax_stable', lambda T: T.tensor([1000.0, 0.0]).log_softmax(0), [0.0, -1000.0], 'float32'),
    ('logsumexp_stable', lambda T: T.tensor([1000.0, 1000.0]).logsumexp(0), 1000.6931762695312, 'float32'),
    ('logsumexp_all_neg_inf', lambda T: T.tensor([-float('inf')] * 2).logsumexp(0), -float('inf'), 'float32'),
    ('pow_int_scalar_base', lambda T: 2 ** T.tensor([1, 3]), [2, 8], 'int64'),
    ('pow_float_base_int_exp', lambda T: 2.5 ** T.tensor([1, 2]), [2.5, 6.25], 'float32'),
    ('rsub_int', lambda T: T.rsub(T.tensor([1, 2]), 3, alpha=2), [1, -1], 'int64'),
    ('rdiv_int', lambda T: 3 / T.tensor([2, 4]), [1.5, 0.75], 'float32'),
]


@pytest.mark.parametrize('name,fn,expected,dtype', VALUE_OPS, ids=[r[0] for r in VALUE_OPS])
def test_values_without_gradient(name, fn, expected, dtype):
    out = fn(framework)
    # floats to within float32 rounding (logsumexp's log may differ in the last bit by CPU); the rest exactly
    rtol = 1e-6 if dtype.startswith('float') else None
    assert _matches(out.tolist(), expected, rtol) and out.dtype.name == dtype and not out.requires_grad
    try:
        import torch
    except ImportError:
        return
    ref = fn(torch)
    assert _matches(ref.tolist(), expected, rtol) and str(ref.dtype) == 'torch.' + dtype     # the literal is PyTorch's


def test_max_dim_returns_named_values_and_indices():
    torch = torch_or_skip()
    for T in (framework, torch):
        x = T.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True)
        r = x.max(1, keepdim=True)
        values, indices = r
        assert type(r).__name__ == 'max' and isinstance(r, tuple) and len(r) == 2
        assert r.values is r[0] and r.indices is r[1] and values.shape == indices.shape == (2, 1)
        assert repr(T.min(x.detach(), 0)) == (f'{T.__name__}.return_types.min(\nvalues=tensor([1., 2., 3.]),\n'
                                              'indices=tensor([0, 1, 0]))')
        assert type(r.values.grad_fn).__name__ == 'MaxBackward0' and not indices.requires_grad
        (values * 2).sum().backward()
        assert x.grad.tolist() == [[0.0, 2.0, 0.0], [0.0, 0.0, 2.0]]


@pytest.mark.filterwarnings('ignore::RuntimeWarning')     # NumPy's 0 ** -1 on the branch `where` discards
def test_pow_gradient_conventions_at_zero_base():
    """0**0 is the constant 1 (no gradient through base or exponent), and d/db 0**b = 0 for b >= 0."""
    torch = torch_or_skip()
    for T in (framework, torch):
        a = T.tensor([0.0, 0.0, 2.0], requires_grad=True)
        b = T.tensor([0.0, 2.0, 0.0], requires_grad=True)
        (a ** b).sum().backward()
        assert a.grad.tolist() == [0.0, 0.0, 0.0] and b.grad.tolist()[:2] == [0.0, 0.0]
        e = T.tensor([0.0, 1.0, 2.0], requires_grad=True)
        out = 0 ** e
        assert type(out.grad_fn).__name__ == 'PowBackward2' and len(out.grad_fn.next_functions) == 1
        out.sum().backward()
        assert out.tolist() == [1.0, 0.0, 0.0] and e.grad.tolist() == [0.0, 0.0, 0.0]


def test_dtype_conversions_carry_gradient_back_in_input_dtype():
    torch = torch_or_skip()
    for T in (framework, torch):
        x = T.tensor([1.5, -2.25], dtype=T.float64, requires_grad=True)
        y = x.float()
        assert y.dtype == T.float32 and type(y.grad_fn).__name__ == 'ToCopyBackward0'
        assert not x.long().requires_grad and not (x > 0).requires_grad
        (y * T.tensor([2.0, 3.0]) + x.half().float()).sum().backward()
        assert x.grad.dtype == T.float64 and x.grad.tolist() == [3.0, 4.0]


# ---------------------------------------------------------------- bad shapes and dtypes: PyTorch's messages
def _assign_grad(T, dtype):
    t = T.ones(3, requires_grad=True)
    t.grad = T.ones(3, dtype=dtype)


GRAD_DTYPE_TAIL = ("The gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                   "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set grad_dtype "
                   'with caution. Diverging the dtypes of a tensor and its gradient may break downstream systems that '
                   'assume they match.')

SUB_BOOL = ('Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, '
            'use the `~` or `logical_not()` operator instead.')

ERRORS = [
    ('bce_logits_int_target', lambda T: T.nn.functional.binary_cross_entropy_with_logits(
        T.zeros(3), T.tensor([1, 0, 1])), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    ('bce_logits_pos_weight', lambda T: T.nn.functional.binary_cross_entropy_with_logits(
        T.zeros(2, 3), T.ones(2, 3), pos_weight=T.ones(2)), RuntimeError,
     'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1'),
    ('bce_int_target', lambda T: T.nn.functional.binary_cross_entropy(T.full((3,), 0.5), T.tensor([1, 0, 1])),
     RuntimeError, 'Found dtype Long but expected Float'),
    ('bce_double_target', lambda T: T.nn.functional.binary_cross_entropy(
        T.full((3,), 0.5), T.tensor([1.0, 0, 1], dtype=T.float64)), RuntimeError,
     'Found dtype Double but expected Float'),
    ('index_too_many_slices', lambda T: T.ones(2, 3, 4)[:, :, :, :], IndexError,
     'too many indices for tensor of dimension 3'),
    ('index_slice_0d', lambda T: T.tensor(3.0)[:], IndexError, 'slice() cannot be applied to a 0-dim tensor.'),
    ('sub_float_bool', lambda T: T.ones(3) - T.tensor([True, False, True]), RuntimeError, SUB_BOOL),
    ('sub_bool_float', lambda T: T.tensor([True]) - T.ones(3), RuntimeError, SUB_BOOL),
    ('sub_python_bool', lambda T: T.ones(3) - True, RuntimeError, SUB_BOOL),
    ('rsub_python_bool', lambda T: True - T.ones(3), RuntimeError, SUB_BOOL),
    ('sub_int_bool', lambda T: T.tensor([1, 2]) - T.tensor([True, False]), RuntimeError, SUB_BOOL),
    ('sub_inplace_bool', lambda T: T.ones(3).sub_(T.tensor([True, False, True])), RuntimeError, SUB_BOOL),
    ('grad_dtype_double', lambda T: _assign_grad(T, T.float64), RuntimeError,
     "attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype 'Float'. " + GRAD_DTYPE_TAIL),
    ('grad_dtype_long', lambda T: _assign_grad(T, T.int64), RuntimeError,
     "attempting to assign a gradient with dtype 'long int' to a tensor with grad_dtype 'Float'. " + GRAD_DTYPE_TAIL),
    ('grad_size', lambda T: setattr(T.ones(3, requires_grad=True), 'grad', T.ones(2)), RuntimeError,
     "attempting to assign a gradient of size '[2]' to a tensor of size '[3]'. Please ensure that the gradient and the "
     'tensor are the same size'),
    ('add_shapes', lambda T: T.ones(2, 3) + T.ones(2), RuntimeError,
     'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1'),
    ('matmul_inner', lambda T: T.ones(2, 3) @ T.ones(2, 3), RuntimeError,
     'mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)'),
    ('matmul_1d_1d', lambda T: T.ones(3) @ T.ones(4), RuntimeError,
     'inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 '
     'elements respectively'),
    ('matmul_2d_1d', lambda T: T.ones(2, 3) @ T.ones(4), RuntimeError,
     'size mismatch, got input (2), mat (2x3), vec (4)'),
    ('matmul_1d_2d', lambda T: T.matmul(T.ones(4), T.ones(3, 2)), RuntimeError,
     'mat1 and mat2 shapes cannot be multiplied (1x4 and 3x2)'),
    ('matmul_batch', lambda T: T.ones(2, 2, 3) @ T.ones(3, 3, 2), RuntimeError,
     'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0'),
    ('matmul_0d', lambda T: T.tensor(1.0) @ T.ones(3), RuntimeError,
     'both arguments to matmul need to be at least 1D, but they are 0D and 1D'),
    ('matmul_dtype', lambda T: T.ones(2, 2) @ T.ones(2, 2, dtype=T.float64), RuntimeError,
     'expected m1 and m2 to have the same dtype, but got: float != double'),
    ('mm_1d', lambda T: T.mm(T.ones(3), T.ones(3, 2)), RuntimeError, 'self must be a matrix'),
    ('bmm_2d', lambda T: T.bmm(T.ones(2, 3), T.ones(2, 3, 3)), RuntimeError, 'batch1 must be a 3D tensor'),
    ('bmm_inner', lambda T: T.bmm(T.ones(2, 2, 3), T.ones(2, 2, 3)), RuntimeError,
     'Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 2].'),
    ('view_size', lambda T: T.ones(2, 3).view(4), RuntimeError, "shape '[4]' is invalid for input of size 6"),
    ('reshape_infer', lambda T: T.ones(2, 3).reshape(5, -1), RuntimeError,
     "shape '[5, -1]' is invalid for input of size 6"),
    ('view_noncontig', lambda T: T.ones(2, 3).t().view(6), RuntimeError,
     "view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
     'contiguous subspaces). Use .reshape(...) instead.'),
    ('expand', lambda T: T.ones(2, 3).expand(3, 3), RuntimeError,
     'The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0.  '
     'Target sizes: [3, 3].  Tensor sizes: [2, 3]'),
    ('cat_sizes', lambda T: T.cat([T.ones(2, 3), T.ones(3, 2)]), RuntimeError,
     'Sizes of tensors must match except in dimension 0. Expected size 3 but got size 2 for tensor number 1 in the '
     'list.'),
    ('cat_0d', lambda T: T.cat([T.ones(2), T.tensor(1.0)]), RuntimeError,
     'zero-dimensional tensor (at position 1) cannot be concatenated'),
    ('cat_empty', lambda T: T.cat([]), ValueError, 'framework.cat(): expected a non-empty list of Tensors'),
    ('stack_sizes', lambda T: T.stack([T.ones(2), T.ones(3)]), RuntimeError,
     'stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1'),
    ('stack_empty', lambda T: T.stack([]), RuntimeError, 'stack expects a non-empty TensorList'),
    ('split_sizes', lambda T: T.ones(4).split([1, 2]), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 4 (input tensor's size at dimension 0), but got "
     'split_sizes=[1, 2]'),
    ('transpose_dim', lambda T: T.ones(2, 3).transpose(0, 2), IndexError,
     'Dimension out of range (expected to be in range of [-2, 1], but got 2)'),
    ('unsqueeze_dim', lambda T: T.ones(2, 3).unsqueeze(3), IndexError,
     'Dimension out of range (expected to be in range of [-3, 2], but got 3)'),
    ('sum_dim', lambda T: T.ones(2, 3).sum(2), IndexError,
     'Dimension out of range (expected to be in range of [-2, 1], but got 2)'),
    ('permute_dup', lambda T: T.ones(2, 3).permute(1, 1), RuntimeError, 'permute(): duplicate dims are not allowed.'),
    ('index_out', lambda T: T.ones(2, 3)[:, 5], IndexError, 'index 5 is out of bounds for dimension 1 with size 3'),
    ('index_list_out', lambda T: T.ones(2, 3)[[0, 3]], IndexError,
     'index 3 is out of bounds for dimension 0 with size 2'),
    ('index_mask_shape', lambda T: T.ones(2, 3)[T.tensor([True, False, True])], IndexError,
     'The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [2, 3] at index 0'),
    ('index_too_many', lambda T: T.ones(2, 3)[0, 0, 0], IndexError, 'too many indices for tensor of dimension 2'),
    ('index_float_tensor', lambda T: T.ones(3)[T.tensor([1.0])], IndexError,
     'tensors used as indices must be long, int, byte or bool tensors'),
    ('index_float', lambda T: T.ones(3)[1.5], IndexError,
     'only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)'),
    ('mean_int', lambda T: T.tensor([1, 2]).mean(), RuntimeError,
     'mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long'),
    ('where_cond', lambda T: T.where(T.ones(2), T.ones(2), T.ones(2)), RuntimeError,
     'where expected condition to be a boolean tensor, but got a tensor with dtype Float'),
    ('neg_bool', lambda T: -T.tensor([True]), RuntimeError,
     'Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` '
     'or `logical_not()` operator instead.'),
    ('sub_bool', lambda T: T.tensor([True]) - T.tensor([False]), RuntimeError,
     'Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator '
     'instead.'),
    ('float_alpha_int', lambda T: T.tensor([1]).add(T.tensor([1]), alpha=1.5), RuntimeError,
     'For integral input tensors, argument alpha must not be a floating point number.'),
    ('int_neg_pow', lambda T: T.tensor([2]) ** -1, RuntimeError,
     'Integers to negative integer powers are not allowed.'),
    ('inplace_float_into_int', lambda T: T.tensor([1, 2]).mul_(1.5), RuntimeError,
     "result type Float can't be cast to the desired output type Long"),
    ('inplace_bcast', lambda T: T.ones(2).add_(T.ones(2, 2)), RuntimeError,
     "output with shape [2] doesn't match the broadcast shape [2, 2]"),
    ('inplace_leaf', lambda T: T.ones(2, requires_grad=True).clamp_(0, 1), RuntimeError,
     'a leaf Variable that requires grad is being used in an in-place operation.'),
    ('inplace_leaf_view', lambda T: T.ones(2, 2, requires_grad=True)[0].mul_(2), RuntimeError,
     'a view of a leaf Variable that requires grad is being used in an in-place operation.'),
    ('setitem_leaf', lambda T: T.ones(2, requires_grad=True).__setitem__(0, 1.0), RuntimeError,
     'a view of a leaf Variable that requires grad is being used in an in-place operation.'),
]


@pytest.mark.parametrize('name,fn,exc,message', ERRORS, ids=[r[0] for r in ERRORS])
def test_error_messages(name, fn, exc, message):
    with pytest.raises(exc) as info:
        fn(framework)
    assert str(info.value) == message
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(exc) as info:
        fn(torch)
    assert str(info.value).replace('torch.', 'framework.') == message     # the literal is PyTorch's
