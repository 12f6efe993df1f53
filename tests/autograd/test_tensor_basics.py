"""Tensor basics: creation, dtypes and promotion, flags, attributes, conversions, repr. Literal values and PyTorch's
messages everywhere; the large tables compare with PyTorch and run only where it is installed."""
import math
import warnings

import numpy as np
import pytest

import framework
from framework.autograd import Variable
from tests.conftest import agree, assert_close, libraries, same_error, torch_or_none

torch = torch_or_none()
needs_torch = pytest.mark.skipif(torch is None, reason='a table compared with torch, which is not installed')

DTYPES = ['float16', 'float32', 'float64', 'int32', 'int64', 'bool']


def same_dtype(ft, tt):
    assert str(ft.dtype).replace('framework.', '') == str(tt.dtype).replace('torch.', '')


def check(ft, tt):
    """Same shape, dtype and values as the torch tensor."""
    assert tuple(ft.shape) == tuple(tt.shape)
    same_dtype(ft, tt)
    a, b = ft.detach().numpy(), tt.detach().numpy()
    if a.dtype.kind == 'f':     # arange/linspace steps: torch's kernel may fuse a multiply-add on some CPUs
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- creation
@needs_torch
@pytest.mark.parametrize('call', [
    lambda T: T.zeros(2, 3), lambda T: T.zeros((2, 3)), lambda T: T.zeros([4]), lambda T: T.zeros(()),
    lambda T: T.ones(3, 2), lambda T: T.ones(2, dtype=T.int64), lambda T: T.ones(2, 2, dtype=T.bool),
    lambda T: T.zeros(2, dtype=T.float64), lambda T: T.ones(0, 3),
    lambda T: T.full((2, 2), 7), lambda T: T.full((2,), 1.5), lambda T: T.full((3,), True),
    lambda T: T.full((2, 3), 2, dtype=T.float32),
    lambda T: T.eye(3), lambda T: T.eye(2, 4), lambda T: T.eye(3, dtype=T.int64),
    lambda T: T.arange(5), lambda T: T.arange(1, 4), lambda T: T.arange(0, 1, 0.25), lambda T: T.arange(5.0),
    lambda T: T.arange(10, 0, -3), lambda T: T.arange(4, dtype=T.float64), lambda T: T.arange(1.0, 2.0, 0.1),
    lambda T: T.linspace(0, 1, 5), lambda T: T.linspace(-math.pi, math.pi, 2000), lambda T: T.linspace(3, 3, 1),
    lambda T: T.linspace(0, 10, 7, dtype=T.float64), lambda T: T.linspace(2, -2, 4),
    lambda T: T.zeros_like(T.ones(2, 3, dtype=T.int32)), lambda T: T.ones_like(T.zeros(2, dtype=T.float64)),
    lambda T: T.full_like(T.zeros(3), 4.5), lambda T: T.zeros_like(T.ones(2), dtype=T.int64),
    lambda T: T.tensor(3), lambda T: T.tensor(2.5), lambda T: T.tensor(True), lambda T: T.tensor([1, 2, 3]),
    lambda T: T.tensor([1.0, 2]), lambda T: T.tensor([[True, False]]), lambda T: T.tensor([]),
    lambda T: T.tensor([[1, 2], [3, 4]], dtype=T.float64), lambda T: T.tensor([2, 3], dtype=T.float),
    lambda T: T.tensor(np.array([1, 2], dtype=np.int32)), lambda T: T.tensor(np.float64(2.0)),
    lambda T: T.tensor(np.array([1.5], dtype=np.float16)),
    lambda T: T.Tensor([2, 3]), lambda T: T.Tensor(2, 3).zero_(), lambda T: T.FloatTensor([1, 2]),
    lambda T: T.Tensor([[1, 2]]), lambda T: T.FloatTensor(2).zero_(),
])
def test_creation_matches_torch(call):
    check(call(framework), call(torch))


def test_empty_and_random_shapes_dtypes():
    def run(T):
        made = (T.empty(2, 3), T.empty(4, dtype=T.int64), T.rand(3, 2), T.randn(5), T.randn(2, 2, dtype=T.float64),
                T.rand(()), T.randn_like(T.zeros(3, 1)), T.rand_like(T.zeros(2, dtype=T.float64)),
                T.empty_like(T.zeros(2, 2, dtype=T.int32)))
        return [(tuple(t.shape), str(t.dtype).split('.')[1], t.is_leaf, t.requires_grad) for t in made]
    agree(run, [((2, 3), 'float32', True, False), ((4,), 'int64', True, False), ((3, 2), 'float32', True, False),
                ((5,), 'float32', True, False), ((2, 2), 'float64', True, False), ((), 'float32', True, False),
                ((3, 1), 'float32', True, False), ((2,), 'float64', True, False), ((2, 2), 'int32', True, False)])
    u = framework.rand(10000).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.02
    n = framework.randn(10000).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05


def test_creation_requires_grad_flag():
    for fn in (lambda: framework.zeros(2, requires_grad=True), lambda: framework.ones(2, 2, requires_grad=True),
               lambda: framework.randn(3, requires_grad=True), lambda: framework.rand(3, requires_grad=True),
               lambda: framework.tensor([1.0], requires_grad=True), lambda: framework.full((2,), 1.0,
                                                                                          requires_grad=True),
               lambda: framework.linspace(0, 1, 3, requires_grad=True), lambda: framework.empty(2, requires_grad=True),
               lambda: framework.Tensor([1, 2], requires_grad=True)):
        t = fn()
        assert t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None


def test_tensor_copies_from_numpy_shares():
    a = np.array([1.0, 2.0, 3.0])
    t = framework.tensor(a)
    f = framework.from_numpy(a)
    a[0] = 10.0
    assert t.tolist() == [1.0, 2.0, 3.0]
    assert f.tolist() == [10.0, 2.0, 3.0]
    assert f.dtype is framework.float64
    f[1] = 20.0
    assert a[1] == 20.0
    with pytest.raises(TypeError):
        framework.from_numpy([1, 2])
    src = framework.tensor([1.0, 2.0])
    cp = framework.tensor(src)
    cp[0] = 5.0
    assert src.tolist() == [1.0, 2.0]
    assert framework.from_numpy(np.array([1, 2], dtype=np.int32)).dtype is framework.int32


def test_tensor_of_tensors_and_nested():
    def run(T):
        a, b = T.tensor([T.tensor(1.0), T.tensor(2.0)]), T.tensor([[1, 2.5], [3, 4]])
        return [(str(t.dtype).split('.')[1], t.tolist()) for t in (a, b)]
    agree(run, [('float32', [1.0, 2.0]), ('float32', [[1.0, 2.5], [3.0, 4.0]])])


def test_dtype_objects():
    assert framework.float is framework.float32
    assert framework.double is framework.float64
    assert framework.long is framework.int64
    assert repr(framework.float32) == 'framework.float32'
    assert framework.get_default_dtype() is framework.float32
    assert framework.tensor(1.0).dtype is framework.float32
    assert framework.tensor(1).dtype is framework.int64
    assert framework.tensor(True).dtype is framework.bool
    assert framework.float32.is_floating_point and not framework.int64.is_floating_point
    assert framework.tensor([1.0]).is_floating_point()
    assert not framework.tensor([1]).is_floating_point()


# ---------------------------------------------------------------- promotion
_PROMO_VALUES = {
    'bool': [True, True], 'int32': [1, 2], 'int64': [3, 4], 'float16': [0.5, 1.5], 'float32': [1.5, 2.0],
    'float64': [2.5, 3.0]}
_SCALARS = [2, 2.5, True]


def _mk(T, dt, zero_dim=False):
    v = _PROMO_VALUES[dt]
    return T.tensor(v[0] if zero_dim else v, dtype=getattr(T, dt))


@needs_torch
@pytest.mark.parametrize('op', ['add', 'mul', 'sub', 'div'])
def test_promotion_tensor_scalar(op):
    for dt in DTYPES:
        for s in _SCALARS:
            if op == 'sub' and (dt == 'bool' or isinstance(s, bool)):
                continue
            for T_args in ((lambda T: (_mk(T, dt), s)), (lambda T: (s, _mk(T, dt)))):
                def run(T):
                    a, b = T_args(T)
                    return getattr(T, op)(a, b) if not isinstance(a, (int, float)) else {
                        'add': lambda: a + b, 'mul': lambda: a * b, 'sub': lambda: a - b, 'div': lambda: a / b}[op]()
                f, t = run(framework), run(torch)
                same_dtype(f, t)
                np.testing.assert_allclose(f.numpy().astype(np.float64), t.numpy().astype(np.float64), rtol=1e-3)


@needs_torch
@pytest.mark.parametrize('zero_dim', [False, True])
def test_promotion_tensor_tensor(zero_dim):
    for da in DTYPES:
        for db in DTYPES:
            for op in ('add', 'mul', 'div'):
                f = getattr(framework, op)(_mk(framework, da), _mk(framework, db, zero_dim))
                t = getattr(torch, op)(_mk(torch, da), _mk(torch, db, zero_dim))
                same_dtype(f, t)
                np.testing.assert_allclose(f.numpy().astype(np.float64), t.numpy().astype(np.float64), rtol=1e-3)


def test_promotion_examples_from_spec():
    assert (framework.ones(2) * 2.5).dtype is framework.float32
    assert (framework.tensor([1, 2]) / framework.tensor([2, 2])).dtype is framework.float32
    assert (framework.tensor([1, 2]) * 2).dtype is framework.int64
    assert (framework.tensor([1, 2]) * 2.0).dtype is framework.float32
    assert (framework.tensor([1, 2], dtype=framework.int32) + framework.tensor(5)).dtype is framework.int32
    assert (framework.ones(2, dtype=framework.float16) + framework.tensor(1.0, dtype=framework.float64)).dtype \
        is framework.float16
    assert framework.promote_types(framework.int64, framework.float16) is framework.float16
    r = np.float32(3) * framework.ones(2)
    assert isinstance(r, framework.Tensor) and r.tolist() == [3.0, 3.0]
    r = np.ones(2) + framework.ones(2)
    assert isinstance(r, framework.Tensor)


# ---------------------------------------------------------------- requires_grad
MSG_FLOAT_ONLY = 'Only Tensors of floating point and complex dtype can require gradients'


@pytest.mark.parametrize('dt', ['int32', 'int64', 'bool'])
def test_requires_grad_only_floating(dt):
    # PyTorch words it three ways: factories, the setter, requires_grad_()
    for make, msg in ((lambda T: T.tensor([1, 0], dtype=getattr(T, dt), requires_grad=True), MSG_FLOAT_ONLY),
                      (lambda T: T.zeros(2, dtype=getattr(T, dt), requires_grad=True), MSG_FLOAT_ONLY),
                      (lambda T: T.full((2,), 1, dtype=getattr(T, dt), requires_grad=True), MSG_FLOAT_ONLY),
                      (lambda T: T.autograd.Variable(T.ones(1, dtype=getattr(T, dt)), requires_grad=True),
                       MSG_FLOAT_ONLY),
                      (lambda T: setattr(T.ones(2, dtype=getattr(T, dt)), 'requires_grad', True),
                       'only Tensors of floating point and complex dtype can require gradients'),
                      (lambda T: T.zeros(2, dtype=getattr(T, dt)).requires_grad_(),
                       'only Tensors of floating point dtype can require gradients')):
        same_error(make, msg)
    with pytest.raises(RuntimeError, match=MSG_FLOAT_ONLY):
        framework.arange(3, requires_grad=True)
    t = framework.zeros(2, dtype=getattr(framework, dt))
    assert t.requires_grad_(False) is t and not t.requires_grad


@pytest.mark.parametrize('dt', ['float16', 'float32', 'float64'])
def test_requires_grad_floating_ok(dt):
    t = framework.zeros(2, dtype=getattr(framework, dt), requires_grad=True)
    assert t.requires_grad
    assert t.requires_grad_(False) is t and not t.requires_grad
    t.requires_grad = True
    assert t.requires_grad


def test_requires_grad_on_non_leaf():
    x = framework.ones(2, requires_grad=True)
    y = x * 2
    y.requires_grad = True  # no-op on a non-leaf that already requires grad, as torch
    assert y.requires_grad and not y.is_leaf
    same_error(lambda T: setattr(T.ones(2, requires_grad=True) * 2, 'requires_grad', False),
               "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in "
               "a subgraph that doesn't require differentiation use var_no_grad = var.detach().")


# ---------------------------------------------------------------- attributes
def test_attributes_leaf_and_result():
    x = framework.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.shape == (2, 2) and x.size() == (2, 2) and x.size(1) == 2 and x.size(-1) == 2
    assert repr(x.shape) == 'framework.Size([2, 2])'
    assert x.dim() == 2 and x.ndim == 2 and x.numel() == 4
    assert x.dtype is framework.float32
    assert str(x.device) == 'cpu' and x.device.type == 'cpu'
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    y = x * 2
    assert y.requires_grad and not y.is_leaf and type(y.grad_fn).__name__ == 'MulBackward0'
    n = framework.ones(3)
    assert not n.requires_grad and n.is_leaf and n.grad_fn is None
    z = n * 3
    assert z.is_leaf and z.grad_fn is None and not z.requires_grad
    d = x.data
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d[0, 0] = 100.0
    assert x[0, 0].item() == 100.0


def test_data_setter_replaces_storage():
    x = framework.ones(2, requires_grad=True)
    x.data = framework.tensor([5.0, 6.0])
    assert x.tolist() == [5.0, 6.0] and x.requires_grad


def test_item_tolist_numpy():
    assert framework.tensor(2.5).item() == 2.5 and isinstance(framework.tensor(2.5).item(), float)
    assert framework.tensor([7]).item() == 7 and isinstance(framework.tensor([7]).item(), int)
    assert framework.tensor(True).item() is True
    same_error(lambda T: T.ones(3).item(), 'a Tensor with 3 elements cannot be converted to Scalar')
    assert framework.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert framework.tensor(3.0).tolist() == 3.0
    t = framework.ones(3)
    a = t.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    a[0] = 9
    assert t[0].item() == 9.0  # shares memory, as torch
    r = framework.ones(2, requires_grad=True)
    same_error(lambda T: T.ones(2, requires_grad=True).numpy(),
               "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
    assert r.detach().numpy().tolist() == [1.0, 1.0]
    assert float(framework.tensor([2.5])) == 2.5 and int(framework.tensor(3)) == 3


def test_clone_detach():
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert type(c.grad_fn).__name__ == 'CloneBackward0'
    assert c.requires_grad and not c.is_leaf
    c.backward(framework.tensor([1.0, 3.0]))
    assert x.grad.tolist() == [1.0, 3.0]
    c2 = framework.ones(2).clone()
    c2[0] = 5
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d[0] = 42.0
    assert x[0].item() == 42.0  # detach shares storage
    y = x * 2
    assert y.detach_() is y
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    assert y.tolist() == [84.0, 4.0]


def test_variable_legacy():
    v = Variable(framework.Tensor([2, 3]), requires_grad=True)
    assert isinstance(v, framework.Tensor) and v.requires_grad and v.dtype is framework.float32
    w = Variable(framework.randn(2, 2))
    assert not w.requires_grad
    a = v + 3
    c = (a * a * 3).mean()
    c.backward()
    assert v.grad.tolist() == [15.0, 18.0]


def test_manual_seed_reproducible():
    framework.manual_seed(42)
    a, b = framework.randn(5), framework.rand(3)
    framework.manual_seed(42)
    c, d = framework.randn(5), framework.rand(3)
    assert a.tolist() == c.tolist() and b.tolist() == d.tolist()
    e = framework.randn(5)
    assert e.tolist() != a.tolist()
    framework.manual_seed(7)
    assert framework.randn(5).tolist() != a.tolist()
    g = framework.Generator().manual_seed(3)
    h = framework.Generator().manual_seed(3)
    assert framework.rand(4, generator=g).tolist() == framework.rand(4, generator=h).tolist()
    st = framework.get_rng_state()
    x1 = framework.rand(3)
    framework.set_rng_state(st)
    assert framework.rand(3).tolist() == x1.tolist()


# ---------------------------------------------------------------- repr
def _same_repr(make):
    f, t = repr(make(framework)), repr(make(torch))
    assert f == t.replace('torch.', 'framework.'), f'\n{f}\n!=\n{t}'


REPR_CASES = [
    lambda T: T.tensor(3), lambda T: T.tensor(-2.0), lambda T: T.tensor(2.5), lambda T: T.tensor(True),
    lambda T: T.tensor([1, 2, 3]), lambda T: T.tensor([-1, 20, 300]), lambda T: T.tensor([1.0, 2.0, 3.0]),
    lambda T: T.tensor([1.5, -2.25, 3.0]), lambda T: T.tensor([0.1, 0.02, 0.003]), lambda T: T.tensor([1e-5, 1.0]),
    lambda T: T.tensor([1e8, 1.0]), lambda T: T.tensor([1e9]), lambda T: T.tensor([123456.789]),
    lambda T: T.tensor([102.4, 1024.0, 0.1024]), lambda T: T.tensor([1e-10, 2e-10]),
    lambda T: T.tensor([0.0, 0.0]), lambda T: T.tensor([0.0, 1.0]), lambda T: T.tensor([-0.0]),
    lambda T: T.tensor([float('nan'), 1.0]), lambda T: T.tensor([float('inf'), -float('inf'), 2.0]),
    lambda T: T.tensor([float('nan'), 1.5]), lambda T: T.tensor([1e20, 1e-20]),
    lambda T: T.tensor([True, False]), lambda T: T.tensor([[True], [False]]),
    lambda T: T.tensor([]), lambda T: T.zeros(0, 3), lambda T: T.zeros(2, 0, dtype=T.int64),
    lambda T: T.tensor([], dtype=T.int32), lambda T: T.tensor([], dtype=T.float64),
    lambda T: T.tensor([[1.0, 2.0], [3.0, 4.0]]), lambda T: T.ones(2, 2) * 27,
    lambda T: T.arange(24).reshape(2, 3, 4), lambda T: T.arange(24.0).reshape(2, 3, 4) / 7,
    lambda T: T.arange(2000), lambda T: T.linspace(-3, 3, 2000), lambda T: T.arange(100.0).reshape(10, 10),
    lambda T: T.arange(1200.0).reshape(40, 30), lambda T: T.arange(30.0) / 3,
    lambda T: T.tensor([1, 2], dtype=T.int32), lambda T: T.tensor([1.5, 2], dtype=T.float64),
    lambda T: T.tensor([1.5, 2], dtype=T.float16), lambda T: T.tensor(2.5, dtype=T.float64),
    lambda T: T.tensor([[1e-5, 1.0]], dtype=T.float64), lambda T: T.tensor(7, dtype=T.int32),
    lambda T: T.ones(2, requires_grad=True), lambda T: T.tensor(2.0, requires_grad=True),
    lambda T: T.ones(2, dtype=T.float64, requires_grad=True),
    lambda T: T.ones(2, 2, requires_grad=True) * 3, lambda T: T.ones(2, requires_grad=True).mean(),
    lambda T: T.ones(2, requires_grad=True) + 1, lambda T: T.ones(2, requires_grad=True) ** 2,
    lambda T: T.ones(2, requires_grad=True).sum(), lambda T: T.ones(2, dtype=T.float64, requires_grad=True) * 2,
    lambda T: T.ones(20, requires_grad=True) * 0.123456,
    lambda T: T.tensor([-482.3107, 30.9612, 915.9570], requires_grad=True) * 1,
    lambda T: T.tensor([1.0240e+02, 1.0240e+03, 1.0240e-01]),
    lambda T: T.tensor([[0.0255, 0.0777, 0.0249]] * 5),
    lambda T: T.tensor([[1.5022e-02, -3.0880e-03, 3.0836e-03, -1.2889e-02, -3.2447e-02, 4.8631e-03,
                         7.8574e-03, -4.6769e-03]] * 3),
    lambda T: T.tensor([12345678.0, 0.5]), lambda T: T.tensor([0.00012, 0.5]), lambda T: T.tensor([9.99995]),
    lambda T: T.tensor([-1, 2], dtype=T.int64) * 1000000000000,
]


@needs_torch
@pytest.mark.parametrize('i', range(len(REPR_CASES)))
def test_repr_matches_torch(i):
    _same_repr(REPR_CASES[i])


REPR_LITERALS = [  # the requires_grad / grad_fn suffixes and the main number formats, spelled out
    (lambda T: T.ones(2, requires_grad=True), 'tensor([1., 1.], requires_grad=True)'),
    (lambda T: T.tensor(2.0, requires_grad=True), 'tensor(2., requires_grad=True)'),
    (lambda T: T.ones(2, dtype=T.float64, requires_grad=True),
     'tensor([1., 1.], dtype=framework.float64, requires_grad=True)'),
    (lambda T: T.ones(2, 2, requires_grad=True) * 3, 'tensor([[3., 3.],\n        [3., 3.]], grad_fn=<MulBackward0>)'),
    (lambda T: T.ones(2, requires_grad=True).mean(), 'tensor(1., grad_fn=<MeanBackward0>)'),
    (lambda T: T.ones(2, requires_grad=True) + 1, 'tensor([2., 2.], grad_fn=<AddBackward0>)'),
    (lambda T: T.ones(2, requires_grad=True) ** 2, 'tensor([1., 1.], grad_fn=<PowBackward0>)'),
    (lambda T: T.ones(2, requires_grad=True).sum(), 'tensor(2., grad_fn=<SumBackward0>)'),
    (lambda T: T.ones(2, dtype=T.float64, requires_grad=True) * 2,
     'tensor([2., 2.], dtype=framework.float64, grad_fn=<MulBackward0>)'),
    (lambda T: T.tensor([-482.3107, 30.9612, 915.9570], requires_grad=True) * 1,
     'tensor([-482.3107,   30.9612,  915.9570], grad_fn=<MulBackward0>)'),
    (lambda T: T.tensor([1e-5, 1.0]), 'tensor([1.0000e-05, 1.0000e+00])'),
    (lambda T: T.tensor([1, 2, 3]), 'tensor([1, 2, 3])'),
    (lambda T: T.tensor([True, False]), 'tensor([ True, False])'),
    (lambda T: T.tensor([float('nan'), 1.0]), 'tensor([nan, 1.])'),
    (lambda T: T.tensor([1.5, 2], dtype=T.float16), 'tensor([1.5000, 2.0000], dtype=framework.float16)'),
    (lambda T: T.zeros(0, 3), 'tensor([], size=(0, 3))'),
]


@pytest.mark.parametrize('i', range(len(REPR_LITERALS)))
def test_repr_literals(i):
    make, want = REPR_LITERALS[i]
    agree(lambda T: repr(make(T)).replace('torch.', 'framework.'), want)


def test_repr_seed_strings():
    x = framework.ones(2, 2, requires_grad=True)
    z = (x + 2) * (x + 2) * 3
    assert repr(z) == 'tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)'
    assert str(z.mean()) == 'tensor(27., grad_fn=<MeanBackward0>)'
    s = 'tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])'
    assert repr(framework.tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])) == s
    assert str(framework.tensor([2.0, 3.0])) == 'tensor([2., 3.])'


def test_repr_printoptions():
    try:
        for T in libraries():
            T.set_printoptions(precision=2)
        agree(lambda T: repr(T.tensor([1.23456, 2.5])), 'tensor([1.23, 2.50])')
        for T in libraries():
            T.set_printoptions(sci_mode=True)
        agree(lambda T: repr(T.tensor([1.5, 2.5])), 'tensor([1.50e+00, 2.50e+00])')
    finally:
        for T in libraries():
            T.set_printoptions(profile='default')
            T.set_printoptions(sci_mode=None)


def test_no_warnings_on_basic_use():
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        x = framework.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        repr(x)
    assert_close(x.grad, [2.0, 2.0])
