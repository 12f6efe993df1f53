"""Indexing and views as PyTorch has them (issue 17).

- Every basic-indexing result is a view, integer indexing included (`b[0]`, `c[0, 1]`, `x[..., 0]`):
  an in-place op on it changes the base, bumps the shared version counter, and autograd through
  base and view afterwards is PyTorch's (CopySlices).
- PyTorch's advanced-indexing rule: an int selects first and never counts as an advanced index, so
  `zeros(3, 4, 5)[0, :, [0, 1]]` is (4, 2), where NumPy gives (2, 4).
- take_along_dim broadcasting; gather/index_select/take_along_dim/split/chunk/... checks and messages.
- A seeded random sweep of getitem/setitem/in-place-on-view against PyTorch (skipped without torch).

Values are hand-worked; gradients are float64 gradcheck; where torch is importable each case is
also compared with it.
"""
import numpy as np
import pytest

import framework
from framework.autograd import gradcheck, gradgradcheck

from ..conftest import torch_or_none

torch = torch_or_none()
LIBS = [framework] if torch is None else [framework, torch]
needs_torch = pytest.mark.skipif(torch is None, reason='needs torch')


def arr(t):
    return np.array(t.detach().numpy())


# ---------------------------------------------------------------- 1. views from integer indexing
@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_issue_examples_inplace_on_integer_indexed_view_reaches_base(T):
    b = T.tensor([-21.5, 4.])
    b[0].neg_()
    assert b.tolist() == [21.5, 4.]
    c = T.zeros(2, 3)
    c[0, 1].add_(5)
    assert c.tolist() == [[0, 5, 0], [0, 0, 0]]
    x = T.ones(3, 2)
    x[1].zero_()
    assert x.tolist() == [[1, 1], [0, 0], [1, 1]]
    w = T.ones(4, 2)
    pad_idx = 2
    w[pad_idx].fill_(0)
    assert w.tolist() == [[1, 1], [1, 1], [0, 0], [1, 1]]
    y = T.arange(6.).reshape(2, 3)
    y[..., 0].mul_(10)
    y[:, 1].clamp_(max=2)
    y[1, ..., 2].copy_(T.tensor(-1.))
    assert y.tolist() == [[0, 1, 2], [30, 2, -1]]


def test_integer_index_gives_views_sharing_memory_and_version():
    x = framework.tensor(np.arange(24.).reshape(2, 3, 4))
    for idx in [0, (0, 1), (1, 2, 3), (-1, -1, -1), (..., 0), (0, ..., 2), (slice(None), 1), (None, 0, 1),
                (0, None, 1, None), (Ellipsis, 1, None), (1, slice(1, 3), -2)]:
        v = x[idx]
        assert v._base is x and np.shares_memory(v._data, x._data), idx
        before = x._version
        v.add_(100)
        assert x._version == before + 1 and v._version == x._version
        assert np.all(x[idx].numpy() >= 100)
        v.sub_(100)
    assert x.tolist() == framework.arange(24.).reshape(2, 3, 4).tolist()


# every in-place method, on 0-d and 1-d integer-indexed views; (name, args, positive domain)
INPLACE = [
    ('add_', (2.,)), ('add_', (framework.tensor(2.),), 'alpha'), ('sub_', (1.5,)), ('mul_', (3.,)), ('div_', (2.,)),
    ('pow_', (2.,)), ('neg_', ()), ('zero_', ()), ('fill_', (7.,)), ('copy_', ('same',)),
    ('clamp_', (0.3, 0.6)), ('clip_', (0.3, 0.6)), ('clamp_min_', (0.5,)), ('clamp_max_', (0.5,)),
    ('masked_fill_', ('mask', 9.)), ('exp_', ()), ('log_', ()), ('sqrt_', ()), ('abs_', ()), ('sin_', ()),
    ('cos_', ()), ('tanh_', ()), ('sigmoid_', ()), ('relu_', ()), ('floor_', ()), ('ceil_', ()), ('trunc_', ()),
    ('round_', ()), ('reciprocal_', ()), ('rsqrt_', ()), ('log1p_', ()), ('expm1_', ()), ('sign_', ()),
    ('square_', ()), ('addcmul_', ('same', 'same')), ('addcdiv_', ('same', 'same')), ('lerp_', ('same', 0.25)),
    ('subtract_', (1.,)), ('multiply_', (2.,)), ('divide_', (4.,)), ('negative_', ()),
]
INPLACE = [(e[0], e[1]) for e in INPLACE]


def _args(T, args, view):
    out = []
    for a in args:
        if isinstance(a, str) and a == 'same':
            out.append(T.full(tuple(view.shape), 0.75, dtype=T.float64))
        elif isinstance(a, str) and a == 'mask':
            out.append(T.ones(tuple(view.shape), dtype=T.bool))
        elif isinstance(a, framework.Tensor):
            out.append(T.tensor(a.item(), dtype=T.float64))
        else:
            out.append(a)
    return out


@pytest.mark.parametrize('name,args', INPLACE, ids=[f'{n}{i}' for i, (n, _) in enumerate(INPLACE)])
@pytest.mark.parametrize('idx', [(0, 1), (1,), (Ellipsis, 2), (slice(None), 0)], ids=['0d', 'row', 'col', 'col2'])
def test_every_inplace_method_on_an_integer_view_writes_the_base(name, args, idx):
    data = np.array([[0.25, 0.5, 0.75], [1.25, 1.5, 2.5]])
    for T in LIBS:
        base = T.tensor(data)
        view = base[idx]
        expected = data.copy()
        # the same op on a private copy of the view's values: what the base must hold there afterwards
        alone = T.tensor(data[idx])
        getattr(alone, name)(*_args(T, args, alone))
        expected[idx] = arr(alone)
        before = base._version
        out = getattr(view, name)(*_args(T, args, view))
        assert out is view
        np.testing.assert_allclose(arr(base), expected, rtol=1e-12)
        np.testing.assert_allclose(arr(view), arr(alone), rtol=1e-12)
        assert base._version > before and view._version == base._version
        if T is framework and torch is not None:
            tb = torch.tensor(data)
            getattr(tb[idx], name)(*_args(torch, args, tb[idx]))
            np.testing.assert_allclose(arr(base), arr(tb), rtol=1e-12)


def test_inplace_index_ops_on_views():
    x = framework.zeros(2, 3)
    x[1].scatter_(0, framework.tensor([2, 0]), framework.tensor([5., 6.]))
    x[0].scatter_add_(0, framework.tensor([1, 1]), framework.tensor([1., 2.]))
    x[..., 2].index_fill_(0, framework.tensor([0]), -1.)
    assert x.tolist() == [[0, 3, -1], [6, 0, 5]]


def test_setitem_on_a_view_writes_the_base():
    x = framework.zeros(2, 3)
    v = x[1]
    v[...] = 4.
    v[0] = 1.
    x[0][2] = 9.
    w = x[0, 1]
    w[...] = framework.tensor(3.)
    assert x.tolist() == [[0, 3, 9], [1, 4, 4]]


def test_views_of_views_detach_and_data():
    x = framework.arange(12.).reshape(3, 4)
    v = x[1][2]           # view of a view: 0-d, element 6
    v.mul_(10)
    assert x[1, 2].item() == 60
    d = x[2].detach()
    before = x._version
    d.zero_()             # shares memory and the version counter
    assert x[2].tolist() == [0, 0, 0, 0] and x._version == before + 1
    p = x[0, 0].data      # shares memory, not the version counter (as PyTorch's .data)
    before = x._version
    p.fill_(-1)
    assert x[0, 0].item() == -1 and x._version == before


@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_copyslices_gradient_after_inplace_on_integer_view(T):
    leaf = T.tensor([1., 2., 3.], requires_grad=True)
    x = leaf.clone()
    x[0].mul_(2)
    x.sum().backward()
    assert leaf.grad.tolist() == [2., 1., 1.]
    leaf = T.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    x = leaf * 1
    x[1, 0].pow_(2)       # d/dx x^2 = 2x = 6 there
    x[0].zero_()
    (x * T.tensor([[1., 2.], [3., 4.]])).sum().backward()
    assert leaf.grad.tolist() == [[0., 0.], [18., 4.]]


def _inplace_on_view_fns():
    def mul_row(leaf, o):
        x = leaf.clone()
        x[1].mul_(o)
        return x

    def add_elem(leaf, o):
        x = leaf * 1
        x[0, 2].add_(o[0], alpha=3)
        return x

    def copy_col(leaf, o):
        x = leaf * 2
        x[..., 1].copy_(o)
        return x

    def view_of_view(leaf, o):
        x = leaf.clone()
        x[1][2].mul_(o[0])
        x[:, 0][0].exp_()
        return x

    def setitem_on_view(leaf, o):
        x = leaf.clone()
        v = x[:, 2]
        v[...] = o * o
        return x.sin()

    def chained(leaf, o):
        x = leaf.clone()
        x[0].mul_(o)
        x[0, 1].sigmoid_()
        return x * x

    return [mul_row, add_elem, copy_col, view_of_view, setitem_on_view, chained]


@pytest.mark.parametrize('fn', _inplace_on_view_fns(), ids=lambda f: f.__name__)
def test_inplace_on_integer_view_gradcheck(fn):
    rng = np.random.default_rng(3)
    leaf = framework.tensor(rng.uniform(0.5, 1.5, (2, 3)), requires_grad=True)
    o = framework.tensor(rng.uniform(0.5, 1.5, (3,))[:2] if fn.__name__ == 'copy_col' else
                         rng.uniform(0.5, 1.5, (3,)), requires_grad=True)
    if fn.__name__ == 'setitem_on_view':
        o = framework.tensor(rng.uniform(0.5, 1.5, (2,)), requires_grad=True)
    assert gradcheck(fn, (leaf, o))
    assert gradgradcheck(fn, (leaf, o))
    if torch is not None:
        tl = torch.tensor(leaf.detach().numpy(), requires_grad=True)
        to = torch.tensor(o.detach().numpy(), requires_grad=True)
        w = rng.standard_normal((2, 3))
        (fn(leaf, o) * framework.tensor(w)).sum().backward()
        (fn(tl, to) * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(leaf.grad.numpy(), tl.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(o.grad.numpy(), to.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_inplace_errors_on_views(T):
    leaf = T.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match='^a view of a leaf Variable that requires grad is being used in an '
                                           'in-place operation.$'):
        leaf[0].mul_(2)
    with pytest.raises(RuntimeError, match='^a view of a leaf Variable that requires grad'):
        leaf[0, 1] = 2.
    with pytest.raises(RuntimeError, match='^a leaf Variable that requires grad is being used in an in-place'):
        leaf[...] = 2.
    with pytest.raises(RuntimeError, match='^a leaf Variable that requires grad is being used in an in-place'):
        leaf[[0]] = 2.
    x = leaf * 1
    for pieces, name in [(x.split(1), 'Split'), (x.chunk(2), 'Split'), (x.unbind(), 'Unbind'),
                         (x.split([1, 1]), 'SplitWithSizes')]:
        with pytest.raises(RuntimeError, match=f'^Output 1 of {name} is a view and is being modified inplace. This '
                                               'view is the output of a function that returns multiple views.'):
            pieces[1].mul_(2)
    for view, name in [(lambda: x.unbind()[1][0], 'Select'), (lambda: x.chunk(2)[0][1:], 'Slice'),
                       (lambda: x.split(1)[1].t()[0], 'Select')]:       # the mark follows a chain of views
        with pytest.raises(RuntimeError, match=f'^Output 0 of {name} is a view and is being modified inplace.'):
            view().mul_(2)
    x.split(1)[0][[0]].mul_(2)  # an advanced index copies: allowed
    (x.unbind()[0] * 1).mul_(2)
    p = x.tensor_split(2)       # separate slices: allowed
    p[1].mul_(2)
    assert x.tolist() == [[1, 1, 1], [2, 2, 2]]
    y = T.ones(4)
    y.split(2)[1].mul_(3)       # without autograd the pieces are plain views
    assert y.tolist() == [1, 1, 3, 3]


OVERLAP = ('unsupported operation: more than one element of the written-to tensor refers to a single memory '
           'location. Please clone() the tensor before performing the operation.')


@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_writes_into_an_expanded_tensor(T):
    """Filling an expand, or writing a row of it, is allowed and reaches the expanded tensor's memory;
    anything else that would write one element twice is refused, as in PyTorch."""
    x = T.zeros(3)
    e = x.expand(2, 3)
    e.fill_(2.)
    assert x.tolist() == [2, 2, 2]
    e[0] = T.tensor([1., 2., 3.])
    e[1].mul_(2)
    assert x.tolist() == [2, 4, 6]
    e.zero_()
    assert x.tolist() == [0, 0, 0]
    for write in (lambda: e.add_(1), lambda: e.exp_(), lambda: e.clamp_(0, 1), lambda: e.copy_(T.ones(2, 3)),
                  lambda: e.__setitem__(Ellipsis, 1.)):
        with pytest.raises(RuntimeError) as info:
            write()
        assert str(info.value) == OVERLAP


@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_inplace_on_view_of_a_base_without_grad_records_the_operand(T):
    x = T.zeros(2, 3)
    w = T.tensor([1., 2., 3.], requires_grad=True)
    x[0].add_(w)
    x[1].add_(w)
    x[1].mul_(w)
    assert x.requires_grad and x.tolist() == [[1, 2, 3], [1, 4, 9]]
    (x * T.tensor([[1., 1., 1.], [1., 2., 3.]])).sum().backward()
    assert w.grad.tolist() == [1 + 2, 1 + 2 * 4, 1 + 3 * 6]     # row 0 is w, row 1 is w * w (weights 1, 2, 3)


@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_inplace_on_base_updates_the_history_of_its_views(T):
    leaf = T.arange(6.).reshape(2, 3).requires_grad_()
    x = leaf * 1
    v = x[1]
    w = v[2]
    x.mul_(2)
    w.add_(1)
    (v * v).sum().backward()
    # v = 2 * leaf[1] (+1 at the end): d/dleaf of sum(v^2) = 2 v * 2
    assert leaf.grad.tolist() == [[0, 0, 0], [24, 32, 44]]


# ---------------------------------------------------------------- 2. PyTorch's advanced-indexing rule
def _cases():
    m34 = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
    m5 = np.array([True, False, True, True, False])
    return [
        # (index built from (T, ) -> index, expected shape, expected values from a = arange(60).reshape(3, 4, 5))
        ('int_slice_list', lambda T: (0, slice(None), [0, 1]), (4, 2), lambda a: a[0][:, [0, 1]]),
        ('int_slice_tensor', lambda T: (1, slice(None), T.tensor([[4], [0]])), (4, 2, 1),
         lambda a: a[1][:, np.array([[4], [0]])]),
        ('list_slice_int', lambda T: ([2, 0], slice(None), 3), (2, 4), lambda a: a[:, :, 3][[2, 0]]),
        ('list_int_list', lambda T: ([0, 2], 1, [4, 3]), (2,), lambda a: a[:, 1][[0, 2], [4, 3]]),
        ('list_slice_list', lambda T: ([0, 2], slice(1, 3), [4, 3]), (2, 2), lambda a: a[[0, 2], 1:3, [4, 3]]),
        ('slice_list_list', lambda T: (slice(None), [0, 3], [1, 2]), (3, 2), lambda a: a[:, [0, 3], [1, 2]]),
        ('0d_tensor_is_int', lambda T: (T.tensor(2), slice(None), [0, 1]), (4, 2), lambda a: a[2][:, [0, 1]]),
        ('mask_then_int', lambda T: (T.tensor(m34), 1), (6,), lambda a: a[m34][:, 1]),
        ('int_then_mask', lambda T: (0, slice(None), T.tensor(m5)), (4, 3), lambda a: a[0][:, m5]),
        ('mask_slice', lambda T: (slice(None), slice(None), T.tensor(m5)), (3, 4, 3), lambda a: a[:, :, m5]),
        ('none_between', lambda T: ([0, 1], None, [1, 2]), (2, 1, 5), lambda a: a[[0, 1], None, [1, 2]]),
        ('none_front', lambda T: (None, 0, [1, 2]), (1, 2, 5), lambda a: a[None][:, 0][:, [1, 2]]),
        ('ellipsis_int_list', lambda T: (..., 0, [1, 2]), (3, 2), lambda a: a[..., 0, :][:, [1, 2]]),
        ('int_ellipsis_list', lambda T: (2, ..., [1, 2]), (4, 2), lambda a: a[2][..., [1, 2]]),
        ('bool_true', lambda T: True, (1, 3, 4, 5), lambda a: a[None]),
        ('bool_false', lambda T: False, (0, 3, 4, 5), lambda a: a[None][:0]),
        # True adds a dim and indexes it with [0]: separated from [1] by the slice, both go to the front
        ('bool_with_int_list', lambda T: (0, True, slice(None), [1]), (1, 4), lambda a: a[0][None][[0], :, [1]]),
        ('list_as_tuple', lambda T: [[0, 1], [1, 2]], (2, 5), lambda a: a[[0, 1], [1, 2]]),
        ('list_with_slice', lambda T: [0, slice(1, 3)], (2, 5), lambda a: a[0, 1:3]),
        ('bool_list', lambda T: [True, False, True], (2, 4, 5), lambda a: a[[0, 2]]),
        ('float_list_truncates', lambda T: [1.7], (1, 4, 5), lambda a: a[[1]]),
        ('int32_tensor', lambda T: T.tensor([2, -1], dtype=T.int32), (2, 4, 5), lambda a: a[[2, -1]]),
        ('two_ellipses', lambda T: (..., 1, ...), (3, 4), lambda a: a[..., 1]),     # NumPy refuses two
        ('empty_list', lambda T: [], (0, 4, 5), lambda a: a[:0]),
        ('broadcast_indices', lambda T: (T.tensor([[0], [2]]), slice(None), T.tensor([1, 3, 4])), (2, 3, 4),
         lambda a: a[np.array([[0], [2]]), :, np.array([1, 3, 4])]),
    ]


@pytest.mark.filterwarnings('ignore:Using a non-tuple sequence')
@pytest.mark.parametrize('name,make,shape,expect', _cases(), ids=[c[0] for c in _cases()])
def test_advanced_indexing_rule(name, make, shape, expect):
    a = np.arange(60.).reshape(3, 4, 5)
    for T in LIBS:
        r = T.tensor(a)[make(T)]
        assert tuple(r.shape) == shape, (T.__name__, tuple(r.shape))
        np.testing.assert_array_equal(arr(r), expect(a))


def test_list_of_sequences_is_a_tuple_with_pytorch_warning():
    x = framework.arange(6.).reshape(2, 3)
    with pytest.warns(UserWarning, match=r'^Using a non-tuple sequence for multidimensional indexing is deprecated'):
        r = x[[[0, 1], [2, 0]]]
    assert r.tolist() == [2., 3.]


def test_numpy_would_place_the_dims_differently():
    a = np.zeros((3, 4, 5))
    assert a[0, :, [0, 1]].shape == (2, 4)          # the reason for all this
    assert tuple(framework.zeros(3, 4, 5)[0, :, [0, 1]].shape) == (4, 2)


@pytest.mark.filterwarnings('ignore:Using a non-tuple sequence')
@pytest.mark.parametrize('name,make,shape,expect', _cases()[:20], ids=[c[0] for c in _cases()[:20]])
def test_advanced_getitem_gradcheck(name, make, shape, expect):
    x = framework.tensor(np.random.default_rng(0).standard_normal((3, 4, 5)), requires_grad=True)
    idx = make(framework)
    assert gradcheck(lambda t: t[idx] * t[idx], (x,))


@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_advanced_getitem_gradient_accumulates_repeats(T):
    x = T.zeros(3, 4, requires_grad=True)
    x[1, [0, 0, 3]].sum().backward()
    assert x.grad.tolist() == [[0, 0, 0, 0], [2, 0, 0, 1], [0, 0, 0, 0]]


def _set_cases():
    return [
        ('int_slice_list', (0, slice(None), [0, 1]), (4, 2)),
        ('list_slice_int', ([2, 0], slice(None), 3), (2, 4)),
        ('mask_then_int', ('m34', 1), (6,)),
        ('int_ellipsis_list', (2, ..., [1, 4]), (4, 2)),
        ('none_front', (None, 0, [1, 2]), (1, 2, 5)),
        ('basic', (1, slice(1, 3)), (2, 5)),
        ('int_only', (1, 2, 3), ()),
    ]


@pytest.mark.parametrize('name,idx,vshape', _set_cases(), ids=[c[0] for c in _set_cases()])
def test_advanced_setitem_values_and_gradcheck(name, idx, vshape):
    m34 = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4, 5))
    v = rng.standard_normal(vshape)

    def index(T):
        return tuple(T.tensor(m34) if isinstance(i, str) else i for i in idx)

    expected = a.copy()         # NumPy, step by step, as PyTorch reads the index
    if name == 'mask_then_int':
        sub = expected[m34]
        sub[:, 1] = v
        expected[m34] = sub
    elif name == 'int_slice_list':
        expected[0][:, [0, 1]] = v
    elif name == 'list_slice_int':
        expected[:, :, 3][[2, 0]] = v
    elif name == 'int_ellipsis_list':
        expected[2][..., [1, 4]] = v
    elif name == 'none_front':
        expected[0][[1, 2]] = v[0]
    else:
        expected[idx] = v
    for T in LIBS:
        x = T.tensor(a)
        x[index(T)] = T.tensor(v)
        np.testing.assert_array_equal(arr(x), expected)

    def fn(base, value):
        y = base * 1
        y[index(framework)] = value * 2
        return y * y
    assert gradcheck(fn, (framework.tensor(a, requires_grad=True), framework.tensor(v, requires_grad=True)))


# ---------------------------------------------------------------- 3-5. take_along_dim, errors, setitem values
@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_take_along_dim_broadcasts(T):
    a = T.tensor([[1., 2.], [3., 4.], [5., 6.], [7., 8.]])
    r = T.take_along_dim(a, T.tensor([[3], [0], [1]]), dim=0)
    assert tuple(r.shape) == (3, 2) and r.tolist() == [[7, 8], [1, 2], [3, 4]]
    r = T.take_along_dim(a, T.tensor([[1, 0]]), dim=1)
    assert r.tolist() == [[2, 1], [4, 3], [6, 5], [8, 7]]
    assert T.take_along_dim(a, T.tensor([7, 0])).tolist() == [8, 1]        # dim=None: the flattened input
    assert T.take_along_dim(a, T.tensor([[-1], [5]]), dim=0).tolist() == [[7, 8], [3, 4]]   # taken modulo size
    assert tuple(T.take_along_dim(T.zeros(4, 1, 3), T.zeros(1, 5, 1, dtype=T.long), dim=1).shape) == (4, 5, 3)


def test_take_along_dim_gradcheck():
    a = framework.tensor(np.random.default_rng(2).standard_normal((4, 2)), requires_grad=True)
    idx = framework.tensor([[3], [0], [3]])
    assert gradcheck(lambda t: framework.take_along_dim(t, idx, dim=0), (a,))
    assert gradgradcheck(lambda t: framework.take_along_dim(t, idx, dim=0) ** 2, (a,))
    assert gradcheck(lambda t: framework.take_along_dim(t, framework.tensor([1, 1, 6])), (a,))


ERRORS = [
    # (id, fn(T), exception class, exact message) -- PyTorch 2.13's
    ('step_negative', lambda T: T.arange(4)[::-1], ValueError, 'step must be greater than zero'),
    ('step_zero', lambda T: T.arange(4)[::0], ValueError, 'slice step cannot be zero'),
    ('step_negative_tuple', lambda T: T.zeros(2, 3)[0, ::-2], ValueError, 'step must be greater than zero'),
    ('int_out_of_range', lambda T: T.zeros(3, 4)[3], IndexError,
     'index 3 is out of bounds for dimension 0 with size 3'),
    ('int_out_of_range_dim1', lambda T: T.zeros(3, 4)[:, -5], IndexError,
     'index -5 is out of bounds for dimension 1 with size 4'),
    ('int_position_counts_none', lambda T: T.zeros(3)[None, 5], IndexError,
     'index 5 is out of bounds for dimension 1 with size 3'),
    ('list_out_of_range', lambda T: T.zeros(3, 4)[:, [4]], IndexError,
     'index 4 is out of bounds for dimension 0 with size 4'),
    ('too_many', lambda T: T.zeros(3, 4)[0, 0, 0], IndexError, 'too many indices for tensor of dimension 2'),
    ('0d_int', lambda T: T.zeros(())[0], IndexError, 'invalid index of a 0-dim tensor. Use `tensor.item()` in '
     'Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number'),
    ('0d_int_1', lambda T: T.zeros(())[1], IndexError, 'index 1 is out of bounds for dimension 0 with size 0'),
    ('0d_slice', lambda T: T.zeros(())[:], IndexError, 'slice() cannot be applied to a 0-dim tensor.'),
    ('float_index', lambda T: T.zeros(3)[1.0], IndexError, 'only integers, slices (`:`), ellipsis (`...`), None and '
     'long or byte Variables are valid indices (got float)'),
    ('float_tensor_index', lambda T: T.zeros(3)[T.tensor([1.])], IndexError,
     'tensors used as indices must be long, int, byte or bool tensors'),
    ('mask_shape', lambda T: T.zeros(3, 4)[T.ones(3, 3, dtype=T.bool)], IndexError,
     'The shape of the mask [3, 3] at index 1 does not match the shape of the indexed tensor [3, 4] at index 1'),
    ('index_broadcast', lambda T: T.zeros(3, 4)[[0, 1], [0, 1, 2]], IndexError,
     'shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]'),
    ('index_into_empty', lambda T: T.zeros(0, 3)[[0]], IndexError, 'index is out of bounds for dimension with size 0'),
    ('index_select_negative', lambda T: T.index_select(T.zeros(4, 2), 0, T.tensor([-1])), IndexError,
     'index out of range in self'),
    ('index_select_high', lambda T: T.zeros(4, 2).index_select(0, T.tensor([4])), IndexError,
     'index out of range in self'),
    ('index_select_2d', lambda T: T.zeros(4, 2).index_select(0, T.tensor([[1]])), IndexError,
     'index_select(): Index is supposed to be a vector'),
    ('index_select_float', lambda T: T.zeros(4, 2).index_select(0, T.tensor([1.])), RuntimeError,
     'index_select(): Expected dtype int32 or int64 for index'),
    ('index_select_dim1', lambda T: T.zeros(2, 3).index_select(1, T.tensor([0, 5])), RuntimeError,
     'INDICES element is out of DATA bounds, id=5 axis_dim=3'),
    ('index_select_scalar', lambda T: T.zeros(()).index_select(0, T.tensor([0, 0])), RuntimeError,
     'index_select(): Index to scalar can have only 1 value, got 2 value(s)'),
    ('index_select_empty_dim', lambda T: T.zeros(0, 2).index_select(0, T.tensor([0])), RuntimeError,
     'index_select(): self indexing axis dim should be positive'),
    ('gather_float', lambda T: T.gather(T.zeros(4, 2), 0, T.zeros(3, 1)), RuntimeError,
     'gather(): Expected dtype int32/int64 for index'),
    ('gather_ndim', lambda T: T.gather(T.zeros(4, 2), 0, T.zeros(3, dtype=T.long)), RuntimeError,
     'Index tensor must have the same number of dimensions as input tensor'),
    ('gather_size', lambda T: T.gather(T.zeros(4, 2), 0, T.zeros(3, 3, dtype=T.long)), RuntimeError,
     'Size does not match at dimension 1 expected index [3, 3] to be no larger than self [4, 2] apart from '
     'dimension 0'),
    ('gather_range', lambda T: T.gather(T.zeros(4, 2), 0, T.full((3, 1), 7)), RuntimeError,
     'index 7 is out of bounds for dimension 0 with size 4'),
    ('tad_dtype', lambda T: T.take_along_dim(T.zeros(4, 2), T.zeros(3, 1, dtype=T.int32), dim=0), RuntimeError,
     'torch.take_along_dim(): dtype of indices should be Long but got Int'),
    ('tad_ndim', lambda T: T.take_along_dim(T.zeros(4, 2), T.zeros(3, dtype=T.long), dim=0), RuntimeError,
     'torch.take_along_dim(): input and indices should have the same number of dimensions, but got 2 dimensions '
     'for input, and 1 dimensions for indices'),
    ('tad_broadcast', lambda T: T.take_along_dim(T.zeros(4, 2), T.zeros(3, 3, dtype=T.long), dim=0), RuntimeError,
     'The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1'),
    ('tad_none_range', lambda T: T.take_along_dim(T.zeros(4, 2), T.tensor([9])), RuntimeError,
     'index 9 is out of bounds for dimension 0 with size 8'),
    ('tad_empty_dim', lambda T: T.take_along_dim(T.zeros(0, 3), T.zeros(2, 3, dtype=T.long), dim=0), RuntimeError,
     'ZeroDivisionError'),
    ('tad_broadcast_last_mismatch', lambda T: T.take_along_dim(T.zeros(3, 1, 3), T.zeros(2, 3, 2, dtype=T.long),
                                                               dim=1), RuntimeError,
     'The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 2'),
    ('tad_0d', lambda T: T.take_along_dim(T.zeros(()), T.zeros((), dtype=T.long), dim=0), IndexError,
     'Dimension specified as 0 but tensor has no dimensions'),
    ('set_basic_mismatch', lambda T: T.zeros(2, 3).__setitem__(0, T.ones(2)), RuntimeError,
     'The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0.  '
     'Target sizes: [3].  Tensor sizes: [2]'),
    ('set_basic_mismatch_last_dim', lambda T: T.zeros(2, 3).__setitem__(slice(None), T.ones(3, 2)), RuntimeError,
     'The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 1.  '
     'Target sizes: [2, 3].  Tensor sizes: [3, 2]'),
    ('expand_last_mismatch_first', lambda T: T.zeros(2, 3).expand(-1, -1, 2), RuntimeError,
     'The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 2.  '
     'Target sizes: [-1, -1, 2].  Tensor sizes: [2, 3]'),
    ('set_advanced_mismatch', lambda T: T.zeros(2, 3).__setitem__([0], T.ones(2)), RuntimeError,
     'shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of shape [1, 3]'),
    ('set_advanced_mismatch_int', lambda T: T.zeros(2, 3).__setitem__((0, [0, 1]), T.ones(3)), RuntimeError,
     'shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2]'),
    ('set_dtype', lambda T: T.zeros(2, 3, dtype=T.long).__setitem__([0], T.ones(3)), RuntimeError,
     'Index put requires the source and destination dtypes match, got Long for the destination and Float for the '
     'source.'),
    ('set_list_value', lambda T: T.zeros(2, 3).__setitem__(0, [1, 2, 3]), TypeError,
     "can't assign a list to a torch.FloatTensor"),
    ('set_ndarray_value', lambda T: T.zeros(2, 3).__setitem__(0, np.ones(3)), TypeError,
     "can't assign a numpy.ndarray to a torch.FloatTensor"),
    ('chunk_zero', lambda T: T.zeros(5, 3).chunk(0), RuntimeError,
     'chunk expects `chunks` to be greater than 0, got: 0'),
    ('chunk_negative', lambda T: T.zeros(5, 3).chunk(-1), RuntimeError,
     'chunk expects `chunks` to be greater than 0, got: -1'),
    ('chunk_0d', lambda T: T.zeros(()).chunk(2), RuntimeError, 'chunk expects at least a 1-dimensional tensor'),
    ('split_negative', lambda T: T.zeros(5, 3).split(-1), RuntimeError,
     'split expects split_size be non-negative, but got split_size=-1'),
    ('split_zero', lambda T: T.zeros(5, 3).split(0), RuntimeError,
     'split_size can only be 0 if dimension size is 0, but got dimension size of 5'),
    ('split_sizes_negative', lambda T: T.zeros(5, 3).split([2, -1, 4]), RuntimeError,
     'split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=[2, -1, 4]'),
    ('split_sizes_sum', lambda T: T.zeros(5, 3).split([2, 2]), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 5 (input tensor's size at dimension 0), but got "
     'split_sizes=[2, 2]'),
    ('tensor_split_zero', lambda T: T.zeros(5).tensor_split(0), RuntimeError,
     'number of sections must be larger than 0, got 0'),
    ('tensor_split_0d', lambda T: T.zeros(()).tensor_split(2), RuntimeError,
     'tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims'),
    ('unbind_0d', lambda T: T.zeros(()).unbind(), IndexError, 'Dimension specified as 0 but tensor has no dimensions'),
    ('narrow_start', lambda T: T.zeros(5).narrow(0, 6, 0), IndexError,
     'start out of range (expected to be in range of [-5, 5], but got 6)'),
    ('narrow_length', lambda T: T.zeros(5).narrow(0, 1, -1), RuntimeError, 'narrow(): length must be non-negative.'),
    ('narrow_exceeds', lambda T: T.zeros(5).narrow(0, 4, 2), RuntimeError,
     'start (4) + length (2) exceeds dimension size (5).'),
    ('select_range', lambda T: T.zeros(5, 3).select(1, 3), IndexError,
     'select(): index 3 out of range for tensor of size [5, 3] at dimension 1'),
    ('select_0d', lambda T: T.zeros(()).select(0, 0), IndexError, 'select() cannot be applied to a 0-dim tensor.'),
]


@pytest.mark.parametrize('name,fn,exc,msg', ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_as_pytorch(name, fn, exc, msg):
    for T in LIBS:
        with pytest.raises(exc) as info:
            fn(T)
        assert str(info.value) == msg, T.__name__


@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_setitem_values_pytorch_accepts(T):
    x = T.zeros(2, 3)
    x[0, 2] = T.tensor([5.])                 # a 1-element tensor into a scalar slot
    x[1] = T.ones(1, 1, 3) * 2                # leading 1s of the value are dropped
    x[1, [0, 2]] = T.tensor([[7., 8.]])
    assert x.tolist() == [[0, 0, 5], [7, 2, 8]]
    x[False] = T.ones(5)                     # PyTorch's shortcut: nothing written, nothing checked
    x[True] = T.tensor([1., 2., 3.], dtype=T.float64)
    assert x.tolist() == [[1, 2, 3], [1, 2, 3]]
    y = T.zeros(2, 3, dtype=T.long)
    y[T.tensor([[True, False, False], [False, False, True]])] = T.tensor(2.5)   # one mask: masked_fill casts
    y[0, 1] = 1.9
    assert y.tolist() == [[2, 1, 0], [0, 0, 2]]


def test_setitem_value_gradient_through_leading_ones():
    v = framework.tensor([[[1., 2., 3.]]], requires_grad=True)
    base = framework.zeros(2, 3, requires_grad=True)
    x = base * 1
    x[1] = v * 3
    (x * framework.tensor([[1., 1., 1.], [1., 2., 3.]])).sum().backward()
    assert v.grad.tolist() == [[[3., 6., 9.]]]
    assert base.grad.tolist() == [[1., 1., 1.], [0., 0., 0.]]


def test_index_select_values_and_0d():
    a = framework.arange(8.).reshape(4, 2)
    assert a.index_select(0, framework.tensor([3, 0, 3])).tolist() == [[6, 7], [0, 1], [6, 7]]
    assert a.index_select(1, framework.tensor(1)).tolist() == [[1], [3], [5], [7]]
    assert framework.index_select(framework.tensor(5.), 0, framework.tensor([0])).tolist() == 5.


# ---------------------------------------------------------------- 6. chunk/split on empty dims
@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_split_family_on_a_size_0_dim(T):
    z = T.zeros(0, 3)
    assert [tuple(p.shape) for p in z.chunk(3, 0)] == [(0, 3)] * 3
    assert [tuple(p.shape) for p in z.split(2, 0)] == [(0, 3)]
    assert [tuple(p.shape) for p in z.split(0, 0)] == [(0, 3)]
    assert [tuple(p.shape) for p in z.tensor_split(3, 0)] == [(0, 3)] * 3
    assert z.unbind(0) == ()
    assert [tuple(p.shape) for p in T.zeros(5).split(7)] == [(5,)]


@pytest.mark.parametrize('T', LIBS, ids=lambda m: m.__name__)
def test_split_family_values(T):
    x = T.arange(7.)
    assert [p.tolist() for p in x.chunk(3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [p.tolist() for p in T.arange(6.).chunk(4)] == [[0, 1], [2, 3], [4, 5]]
    assert [p.tolist() for p in x.tensor_split(3)] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [p.tolist() for p in x.tensor_split([3, 1])] == [[0, 1, 2], [], [1, 2, 3, 4, 5, 6]]
    assert [p.tolist() for p in x.tensor_split([-2, 9])] == [[0, 1, 2, 3, 4], [5, 6], []]
    assert [p.tolist() for p in x.tensor_split(T.tensor([2]))] == [[0, 1], [2, 3, 4, 5, 6]]
    assert x.narrow(0, -3, 2).tolist() == [4, 5]
    assert T.arange(6.).reshape(2, 3).select(1, -1).tolist() == [2, 5]
    for p in x.split(3) + x.chunk(2) + x.tensor_split(2) + x.unbind() + (x.narrow(0, 1, 2), x.select(0, 3)):
        assert p._base is x


def test_split_family_gradcheck():
    x = framework.tensor(np.random.default_rng(4).standard_normal((5, 3)), requires_grad=True)
    assert gradcheck(lambda t: framework.cat([p * (i + 1) for i, p in enumerate(t.chunk(2, 1))], 1), (x,))
    assert gradcheck(lambda t: framework.stack([p * (i + 1) for i, p in enumerate(t.unbind(0))]), (x,))
    assert gradcheck(lambda t: t.tensor_split([1, 4])[1] * t.narrow(0, 2, 3) + t.select(1, 2).sum(), (x,))


# ---------------------------------------------------------------- 7. the random sweep against PyTorch
def _rand_index(rng, shape):
    """A random index for `shape`: ints (some out of range), slices with steps, None, ..., lists,
    long/int32 tensors, masks (some of the wrong shape), Python and 0-d tensor bools, 0-d ints."""
    nd = len(shape)
    items = []
    d = 0
    ell = False
    n = rng.integers(0, nd + 2)
    for _ in range(n):
        size = shape[d] if d < nd else 3
        r = rng.random()
        if r < 0.25:
            items.append(('int', int(rng.integers(-size - (rng.random() < 0.05), size + (rng.random() < 0.05)))
                          if size else 0))
            d += 1
        elif r < 0.45:
            a = None if rng.random() < 0.3 else int(rng.integers(-size - 1, size + 2))
            b = None if rng.random() < 0.3 else int(rng.integers(-size - 1, size + 2))
            c = None if rng.random() < 0.5 else int(rng.integers(1, 4)) if rng.random() < 0.97 else \
                int(rng.integers(-1, 1))
            items.append(('slice', a, b, c))
            d += 1
        elif r < 0.52:
            items.append(('none',))
        elif r < 0.58 and not ell:
            items.append(('ell',))
            ell = True
            d = max(d, nd - (n - len(items)))
        elif r < 0.68:
            items.append(('list', [int(v) for v in rng.integers(-size, size, int(rng.integers(0, 4)))] if size else []))
            d += 1
        elif r < 0.78:
            sh = tuple(int(s) for s in rng.integers(1, 3, rng.integers(1, 3)))
            a = rng.integers(-size, size, sh) if size else np.zeros((0,), np.int64)
            if rng.random() < 0.05 and size:
                a.flat[0] = size
            items.append(('tensor', a.astype(np.int64 if rng.random() < 0.8 else np.int32)))
            d += 1
        elif r < 0.86:
            k = int(rng.integers(1, 3)) if d + 1 < nd else 1
            msh = tuple(shape[d:d + k]) if d + k <= nd else (2,) * k
            if rng.random() < 0.05:
                msh = tuple(s + 1 for s in msh)
            items.append(('mask', rng.random(msh) < 0.5))
            d += len(msh)
        elif r < 0.9:
            items.append(('bool', bool(rng.random() < 0.7)))
        else:
            items.append(('t0', int(rng.integers(-size, size)) if size else 0))
            d += 1
    form = 'list' if len(items) > 1 and rng.random() < 0.1 else 'single' if len(items) == 1 and rng.random() < 0.5 \
        else 'tuple'
    return items, form


def _materialize(T, items, form):
    out = []
    for it in items:
        k = it[0]
        out.append(it[1] if k in ('int', 'bool') else slice(*it[1:]) if k == 'slice' else None if k == 'none' else
                   Ellipsis if k == 'ell' else list(it[1]) if k == 'list' else T.tensor(it[1]))
    return out[0] if form == 'single' else list(out) if form == 'list' else tuple(out)


def _sweep_trial(seed):
    rng = np.random.default_rng(seed)
    nd = int(rng.integers(0, 5))
    shape = tuple(int(s) for s in rng.integers(0 if rng.random() < 0.15 else 1, 5, nd))
    data = rng.standard_normal(shape)
    items, form = _rand_index(rng, shape)
    kind = rng.choice(['get', 'set_scalar', 'set_tensor', 'inplace', 'view_of_view', 'detach', 'get_int'])
    op = rng.choice(['mul_', 'add_', 'zero_', 'fill_', 'neg_', 'clamp_', 'copy_', 'setell', 'setidx', 'exp_'])
    items2, _ = _rand_index(rng, (3,) * 4)
    items2 = tuple(it for it in items2 if it[0] in ('int', 'slice', 'none', 'ell'))
    wseed = int(rng.integers(0, 2 ** 31))

    def go(T):
        x = T.tensor(data, requires_grad=True)
        y = x * 1
        if nd > 1 and wseed % 4 == 0:       # a non-contiguous base
            x = T.tensor(np.ascontiguousarray(np.swapaxes(data, 0, -1)), requires_grad=True)
            y = (x * 1).transpose(0, -1)
        idx = _materialize(T, items, form)
        res = {}
        w = np.random.default_rng(wseed + 1).standard_normal(tuple(y.shape))
        if kind in ('get', 'get_int'):
            r = (T.tensor((data * 10).astype(np.int64)) if kind == 'get_int' else y)[idx]
            res.update(shape=tuple(r.shape), val=arr(r), view=r._base is not None, dtype=str(r.dtype)[-5:])
            if kind == 'get':
                (r * T.tensor(np.random.default_rng(wseed).standard_normal(tuple(r.shape)))).sum().backward()
                res['grad'] = arr(x.grad)
            return res
        if kind in ('set_scalar', 'set_tensor'):
            v = None
            if kind == 'set_scalar':
                y[idx] = 2.5
            else:
                tshape = tuple(y.detach()[idx].shape)
                tshape = tshape[wseed % 3:] if wseed % 3 < len(tshape) else tshape
                v = T.tensor(np.random.default_rng(wseed).standard_normal(tshape), requires_grad=True)
                y[idx] = v * 1
            (y * T.tensor(w)).sum().backward()
            res.update(val=arr(y), grad=arr(x.grad))
            if v is not None and v.grad is not None:
                res['vgrad'] = arr(v.grad)
            return res
        v = y[idx]
        if kind == 'detach':
            before = y._version
            v.detach().mul_(3)
            res.update(bumped=y._version > before, val=arr(y))
            v.data.add_(1)
            res['val2'] = arr(y)
            return res
        if kind == 'view_of_view':
            try:
                v = v[_materialize(T, items2, 'tuple')]
            except (IndexError, ValueError) as e:
                return {'second': type(e).__name__}
        res['view'] = v._base is not None
        before = y._version
        other = T.tensor(np.random.default_rng(wseed).standard_normal(tuple(v.shape)), requires_grad=True)
        if op in ('mul_', 'copy_'):
            getattr(v, op)(other)
        elif op == 'add_':
            v.add_(other, alpha=2)
        elif op == 'fill_':
            v.fill_(3.)
        elif op == 'clamp_':
            v.clamp_(-0.5, 0.5)
        elif op == 'setell':
            v[...] = other
        elif op == 'setidx':
            v[(0,) if v.dim() else ()] = 7.
        else:
            getattr(v, op)()
        (y * T.tensor(w)).sum().backward()
        res.update(bumped=y._version > before, val=arr(y), vval=arr(v), grad=arr(x.grad))
        if other.grad is not None:
            res['ograd'] = arr(other.grad)
        return res

    out = []
    for T in (framework, torch):
        try:
            out.append(('ok', go(T)))
        except Exception as e:
            out.append(('raise', type(e).__name__, str(e)))
    where = f'trial {seed}: shape {shape}, {kind} {op}, index {items} ({form})'
    (ka, *a), (kb, *b) = out
    assert ka == kb, f'{where}: framework {out[0]}, torch {out[1]}'
    if ka == 'raise':
        assert a == b, where
        return
    a, b = a[0], b[0]
    assert a.keys() == b.keys(), where
    for k in a:
        if isinstance(a[k], np.ndarray):
            assert a[k].shape == b[k].shape, f'{where}: {k}'
            np.testing.assert_allclose(a[k], b[k], rtol=1e-10, atol=1e-12, err_msg=f'{where}: {k}')
        else:
            assert a[k] == b[k], f'{where}: {k}: framework {a[k]}, torch {b[k]}'


@needs_torch
@pytest.mark.filterwarnings('ignore:Using a non-tuple sequence')
@pytest.mark.parametrize('block', range(4))
def test_random_indexing_sweep_against_torch(block):
    """1600 seeded trials (each reproducible alone: `_sweep_trial(n)`): values, shapes, dtypes, view
    or copy, version bumps, gradients of base, value and operand, and error class and message."""
    for seed in range(block * 400, block * 400 + 400):
        _sweep_trial(seed)


def _sweep_dim_ops_trial(seed):
    """gather, index_select, take_along_dim, select, narrow, unbind, split, chunk, tensor_split with
    random shapes (empty and 0-d included), dims (some out of range) and indices (some out of range)."""
    rng = np.random.default_rng(seed)
    nd = int(rng.integers(0, 4))
    shape = tuple(int(s) for s in rng.integers(0 if rng.random() < 0.1 else 1, 4, nd))
    data = rng.standard_normal(shape)
    op = rng.choice(['gather', 'index_select', 'tad', 'tad_none', 'select', 'narrow', 'unbind', 'split', 'chunk',
                     'tensor_split'])
    dim = int(rng.integers(-nd - 1, nd + 1)) if nd else int(rng.integers(-1, 2))
    ishape = tuple(int(s) for s in rng.integers(0, 4, nd if rng.random() < 0.8 else max(nd - 1, 0)))
    hi = max(shape[dim] if nd and -nd <= dim < nd else 1, 1)
    idata = rng.integers(-1 if rng.random() < 0.1 else 0, hi + (rng.random() < 0.1), ishape)
    idata1 = rng.integers(-1 if rng.random() < 0.1 else 0, hi + (rng.random() < 0.1), int(rng.integers(0, 4)))
    a1, a2 = int(rng.integers(-4, 5)), int(rng.integers(-1, 4))
    w = rng.standard_normal(64)
    sections = a1 if rng.random() < 0.5 else [a1, a2]

    def go(T):
        x = T.tensor(data, requires_grad=True)
        if op == 'gather':
            r = T.gather(x, dim, T.tensor(idata))
        elif op == 'index_select':
            r = T.index_select(x, dim, T.tensor(idata1))
        elif op == 'tad':
            r = T.take_along_dim(x, T.tensor(idata), dim=dim)
        elif op == 'tad_none':
            r = T.take_along_dim(x, T.tensor(idata1))
        elif op == 'select':
            r = x.select(dim, a1)
        elif op == 'narrow':
            r = x.narrow(dim, a1, a2)
        else:
            pieces = {'unbind': lambda: x.unbind(dim), 'split': lambda: x.split(a2, dim),
                      'chunk': lambda: x.chunk(a1, dim), 'tensor_split': lambda: x.tensor_split(sections, dim)}[op]()
            if not pieces:
                return {'pieces': 0}
            scaled = [p * (i + 1) for i, p in enumerate(pieces)]
            r = T.stack(scaled) if op == 'unbind' else T.cat(scaled, dim)
        (r * T.tensor(w[:r.numel()].reshape(tuple(r.shape)))).sum().backward()
        return {'shape': tuple(r.shape), 'val': arr(r), 'grad': arr(x.grad)}

    out = []
    for T in (framework, torch):
        try:
            out.append(('ok', go(T)))
        except Exception as e:
            out.append(('raise', type(e).__name__, str(e)))
    where = f'trial {seed}: {op} shape {shape} dim {dim}'
    assert out[0][0] == out[1][0], f'{where}: framework {out[0]}, torch {out[1]}'
    if out[0][0] == 'raise':
        assert out[0] == out[1], where
        return
    a, b = out[0][1], out[1][1]
    assert a.keys() == b.keys(), where
    for k in a:
        if isinstance(a[k], np.ndarray):
            assert a[k].shape == b[k].shape, f'{where}: {k}'
            np.testing.assert_allclose(a[k], b[k], rtol=1e-10, atol=1e-12, err_msg=f'{where}: {k}')
        else:
            assert a[k] == b[k], f'{where}: {k}'


@needs_torch
@pytest.mark.parametrize('block', range(2))
def test_random_dim_ops_sweep_against_torch(block):
    """1000 seeded trials of the gather/select/split family against PyTorch (`_sweep_dim_ops_trial(n)`)."""
    for seed in range(block * 500, block * 500 + 500):
        _sweep_dim_ops_trial(seed)


def _sweep_dtypes_trial(seed):
    """Writes through an index or into an indexed view on int64/int32/float32/float64/bool tensors,
    with Python and tensor values of every kind: values, result dtype, and error class and text."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in rng.integers(1, 4, int(rng.integers(1, 4))))
    dt = str(rng.choice(['int64', 'float32', 'bool', 'int32', 'float64']))
    data = rng.standard_normal(shape) * 5
    items, form = _rand_index(rng, shape)
    vkind = rng.choice(['int', 'float', 'bool', 't_int', 't_float', 't_bool', 't0_float'])
    op = rng.choice(['set', 'add_', 'mul_', 'fill_', 'copy_', 'zero_', 'neg_', 'clamp_'])
    if dt == 'bool' and op == 'clamp_':     # clamp's result dtype for bool input: a dtype rule, not indexing
        return

    def go(T):
        x = T.tensor(data).to(getattr(T, dt))
        idx = _materialize(T, items, form)
        tshape = tuple(x[idx].shape)
        v = {'int': 3, 'float': 2.5, 'bool': True, 't_int': T.full(tshape, 4, dtype=T.int64),
             't_float': T.full(tshape, 1.5), 't_bool': T.ones(tshape, dtype=T.bool), 't0_float': T.tensor(-2.5)}[vkind]
        if op == 'set':
            x[idx] = v
        else:
            view = x[idx]
            if op in ('add_', 'mul_', 'copy_'):
                getattr(view, op)(v)
            elif op == 'fill_':
                view.fill_(v if not hasattr(v, 'shape') or v.dim() == 0 else 1)
            elif op == 'clamp_':
                view.clamp_(0, 2)
            else:
                getattr(view, op)()
        return x.numpy().astype(np.float64), str(x.dtype).split('.')[-1]

    out = []
    for T in (framework, torch):
        try:
            out.append(('ok',) + go(T))
        except Exception as e:
            out.append(('raise', type(e).__name__, str(e)))
    a, b = out
    where = f'trial {seed}: {dt} {shape} {op} {vkind} index {items} ({form})'
    assert a[0] == b[0], f'{where}: framework {a}, torch {b}'
    if a[0] == 'raise':
        assert a == b, where
    else:
        assert a[2] == b[2], where
        np.testing.assert_allclose(a[1], b[1], rtol=1e-6, err_msg=where)


@needs_torch
@pytest.mark.filterwarnings('ignore:Using a non-tuple sequence')
def test_random_dtype_writes_sweep_against_torch():
    """600 seeded trials (`_sweep_dtypes_trial(n)`)."""
    for seed in range(600):
        _sweep_dtypes_trial(seed)
