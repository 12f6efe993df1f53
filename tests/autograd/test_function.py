"""User-defined autograd.Function, gradcheck/gradgradcheck and autograd.functional: literal and hand-worked values,
PyTorch's messages, and a comparison with PyTorch where it is installed."""
import math

import numpy as np
import pytest

import framework
from framework import autograd
from tests.autograd.test_engine import SECOND_BACKWARD
from tests.conftest import agree, libraries, same_error, torch_or_none

torch = torch_or_none()


def values(t):
    return None if t is None else t.detach().numpy().tolist()


def make_functions(T):
    """The same custom Functions, written once, for either library."""
    class MyExp(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            r = x.exp() * k
            ctx.save_for_backward(r)
            ctx.k = k
            ctx.seen_needs = MyExp.last_needs = ctx.needs_input_grad
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r, None

    class MulAdd(T.autograd.Function):
        """x * y + x, its backward written with tensor ops (so it is twice differentiable)."""
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y + x

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            gx = g * (y + 1) if ctx.needs_input_grad[0] else None
            gy = g * x if ctx.needs_input_grad[1] else None
            return gx, gy

    class Cube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    class Sort(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argsort() if hasattr(x, 'argsort') else T.tensor(np.argsort(x.detach().numpy()))
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return x[idx], idx

        @staticmethod
        def backward(ctx, gv, gi):
            (idx,) = ctx.saved_tensors
            g = T.zeros_like(gv)
            g[idx] = gv
            return g

    class WrongCube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x ** 2           # wrong: should be 3 x^2

    return MyExp, MulAdd, Cube, Sort, WrongCube


FW = make_functions(framework)
TH = make_functions(torch) if torch is not None else None


def fns(T):
    return FW if T is framework else TH


def test_custom_function_forward_backward_and_ctx():
    def run(T):
        MyExp = fns(T)[0]
        x = T.tensor([0.5, 1.0], requires_grad=True)
        y = MyExp.apply(x, 2.0)
        assert type(y.grad_fn).__name__ == 'MyExpBackward'
        assert y.grad_fn.k == 2.0 and y.grad_fn.seen_needs == (True, False)
        assert type(y.grad_fn.next_functions[0][0]).__name__ == 'AccumulateGrad'
        assert not y.is_leaf and y.requires_grad
        y.sum().backward()
        return values(y), values(x.grad), repr(y)
    y = [2 * math.exp(0.5), 2 * math.e]
    agree(run, (y, y, 'tensor([3.2974, 5.4366], grad_fn=<MyExpBackward>)'), rtol=1e-6)


def test_custom_function_needs_input_grad_and_none_grads():
    def run(T):
        MulAdd = fns(T)[1]
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0])
        out = MulAdd.apply(x, y)
        out.backward(T.tensor([1.0, 0.5]))
        out2 = MulAdd.apply(y, x)
        out2.sum().backward()
        return values(x.grad), y.grad, type(out.grad_fn).__name__
    agree(run, ([7.0, 6.5], None, 'MulAddBackward'))


def test_custom_function_without_grad_records_nothing():
    def run(T):
        MyExp = fns(T)[0]
        with T.no_grad():
            y = MyExp.apply(T.tensor([0.5, 1.0], requires_grad=True), 2.0)
        needs = MyExp.last_needs        # forward sees needs_input_grad whatever the grad mode, as in torch
        z = MyExp.apply(T.ones(2), 1.0)
        return y.grad_fn, y.requires_grad, needs, z.grad_fn, z.requires_grad, MyExp.last_needs, values(z)
    agree(run, (None, False, (True, False), None, False, (False, False), [math.e] * 2), rtol=1e-6)


def test_custom_function_mark_non_differentiable():
    def run(T):
        Sort = fns(T)[3]
        x = T.tensor([3.0, 1.0, 2.0], requires_grad=True)
        v, i = Sort.apply(x)
        r = values(v), values(i), v.requires_grad, i.requires_grad, type(v.grad_fn).__name__
        (v * T.tensor([1.0, 10.0, 100.0])).sum().backward()
        return r, values(x.grad)
    agree(run, (([1.0, 2.0, 3.0], [1, 2, 0], True, False, 'SortBackward'), [100.0, 1.0, 10.0]))


def test_custom_function_saved_tensors_freed_and_second_backward():
    def run(T):
        x = T.tensor([0.5, 1.0], requires_grad=True)
        y = fns(T)[0].apply(x, 1.0).sum()
        y.backward()
        y.backward()
    same_error(run, SECOND_BACKWARD)


def test_custom_function_double_backward():
    def run(T):
        Cube, MulAdd = fns(T)[2], fns(T)[1]
        x = T.tensor([1.5, -2.0], dtype=T.float64, requires_grad=True)
        y = T.tensor([0.5, 3.0], dtype=T.float64, requires_grad=True)
        (g,) = T.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        (gg,) = T.autograd.grad(g.sum(), x, create_graph=True)
        (ggg,) = T.autograd.grad(gg.sum(), x)
        out = MulAdd.apply(x, y).sum()
        gx, gy = T.autograd.grad(out, [x, y], create_graph=True)
        gxy = T.autograd.grad(gx.sum(), y)[0]
        return values(g), values(gg), values(ggg), values(gxy)
    agree(run, ([6.75, 12.0], [9.0, -12.0], [6.0, 6.0], [1.0, 1.0]))


def test_custom_function_errors():
    def wrong_count(T):
        class Bad(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g, g
        Bad.apply(T.ones(2, requires_grad=True)).sum().backward()

    def wrong_shape(T):
        class Bad2(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return T.ones(3)
        Bad2.apply(T.ones(2, requires_grad=True)).sum().backward()

    def no_backward(T):
        class NoBack(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
        NoBack.apply(T.ones(2, requires_grad=True)).sum().backward()

    same_error(wrong_count, 'function BadBackward returned an incorrect number of gradients (expected 1, got 2)')
    same_error(wrong_shape, 'Function Bad2Backward returned an invalid gradient at index 0 - got [3] but expected '
                            'shape compatible with [2]')
    same_error(no_backward, 'You must implement either the backward or vjp method for your custom autograd.Function '
                            'to use it with backward mode AD.', NotImplementedError)


def test_custom_function_returning_input():
    def run(T):
        class Ident(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 3
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = Ident.apply(x)
        r = y is x, type(y.grad_fn).__name__, x.is_leaf
        y.sum().backward()
        return r, values(x.grad)
    agree(run, ((False, 'IdentBackward', True), [3.0, 3.0]))


def test_custom_function_gradcheck():
    Cube, MulAdd = FW[2], FW[1]
    x = framework.tensor([1.5, -2.0, 0.3], dtype=framework.float64, requires_grad=True)
    y = framework.tensor([0.5, 3.0, -1.0], dtype=framework.float64, requires_grad=True)
    assert autograd.gradcheck(Cube.apply, (x,))
    assert autograd.gradcheck(MulAdd.apply, (x, y))
    assert autograd.gradgradcheck(Cube.apply, (x,))
    assert autograd.gradgradcheck(MulAdd.apply, (x, y))


# ---------------------------------------------------------------- gradcheck
def test_gradcheck_detects_wrong_backward():
    for T in libraries():
        WrongCube = fns(T)[4]
        x = T.tensor([1.5, -2.0], dtype=T.float64, requires_grad=True)
        assert T.autograd.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False
        with pytest.raises(RuntimeError, match='Jacobian mismatch for output 0 with respect to input 0'):
            T.autograd.gradcheck(WrongCube.apply, (x,))


def test_gradgradcheck_detects_wrong_double_backward():
    def make(T):
        class WrongSecond(T.autograd.Function):
            """First derivative right (3 x^2), but computed from a detached x: no second derivative."""
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x.detach() ** 2 + g * x * 0.0 * x.detach()
        return WrongSecond
    for T in libraries():
        F = make(T)
        x = T.tensor([1.5, -2.0], dtype=T.float64, requires_grad=True)
        assert T.autograd.gradcheck(F.apply, (x,))
        assert T.autograd.gradgradcheck(F.apply, (x,), raise_exception=False) is False
        with pytest.raises(RuntimeError):
            T.autograd.gradgradcheck(F.apply, (x,))


GRADCHECK_FNS = [
    ('add_mul', lambda T, x, y: x * y + x), ('div', lambda T, x, y: x / (y * y + 1)),
    ('pow', lambda T, x, y: x ** 3 + y ** 2), ('pow_tt', lambda T, x, y: (x * x + 1) ** y),
    ('sin_exp_log', lambda T, x, y: T.sin(x) * T.exp(y) + T.log(x * x + 1)),
    ('mean_sum', lambda T, x, y: (x * y).mean() + y.sum()),
    ('matmul', lambda T, x, y: x.reshape(2, 2) @ y.reshape(2, 2)),
    ('norm', lambda T, x, y: x.norm() * y), ('unsqueeze', lambda T, x, y: x.unsqueeze(0) * y.unsqueeze(1)),
    ('broadcast', lambda T, x, y: x.reshape(4, 1) - y), ('neg_sub', lambda T, x, y: -x - 2 * y),
]


@pytest.mark.parametrize('name,fn', GRADCHECK_FNS, ids=[g[0] for g in GRADCHECK_FNS])
def test_gradcheck_and_gradgradcheck_core_ops(name, fn):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.5, 1.5, 4), rng.uniform(0.5, 1.5, 4)
    x = framework.tensor(a, requires_grad=True)
    y = framework.tensor(b, requires_grad=True)
    assert autograd.gradcheck(lambda p, q: fn(framework, p, q), (x, y))
    assert autograd.gradgradcheck(lambda p, q: fn(framework, p, q), (x, y))
    if torch is not None:
        want = fn(torch, torch.tensor(a), torch.tensor(b)).numpy()
        np.testing.assert_allclose(fn(framework, x, y).detach().numpy(), want, rtol=1e-12)


def test_gradcheck_single_tensor_input_and_non_double_warning():
    x = framework.tensor([0.3, 0.7], dtype=framework.float64, requires_grad=True)
    assert autograd.gradcheck(lambda t: t.sin(), x)
    with pytest.warns(UserWarning, match='not a double precision floating point'):
        autograd.gradcheck(lambda t: t * 2, (framework.tensor([1.0], requires_grad=True),), raise_exception=False)


# ---------------------------------------------------------------- functional
A = np.array([0.5, -1.0, 2.0])
V = np.array([1.0, 0.5, -2.0])


def _f_scalar(T):
    return lambda x: (x ** 3).sum() + (x[0] * x[1]).sin()


def _f_vec(T):
    return lambda x: T.stack([x[0] * x[1], x.exp().sum(), x[2] ** 2])


def _f_two(T):
    return lambda x, y: x * y.sum() + y[0]


def _scalar_by_hand(x):
    """f(x) = sum x^3 + sin(x0 x1): its value, gradient and Hessian."""
    p = x[0] * x[1]
    g = 3 * x ** 2 + math.cos(p) * np.array([x[1], x[0], 0.0])
    h = np.diag(6 * x)
    h[:2, :2] += [[-x[1] ** 2 * math.sin(p), math.cos(p) - p * math.sin(p)],
                  [math.cos(p) - p * math.sin(p), -x[0] ** 2 * math.sin(p)]]
    return float((x ** 3).sum() + math.sin(p)), g, h


def _vec_by_hand(x):
    """f(x) = [x0 x1, sum exp x, x2^2]: its value and Jacobian."""
    return np.array([x[0] * x[1], np.exp(x).sum(), x[2] ** 2]), np.array([[x[1], x[0], 0], np.exp(x), [0, 0, 2 * x[2]]])


def test_functional_jacobian():
    agree(lambda T: values(T.autograd.functional.jacobian(_f_vec(T), T.tensor(A))), _vec_by_hand(A)[1].tolist(),
          rtol=1e-12)
    b = np.array([1.0, 3.0, -0.5])

    def run(T):
        return [values(j) for j in T.autograd.functional.jacobian(_f_two(T), (T.tensor(A), T.tensor(b)))]
    by_y = np.repeat(A[:, None], 3, axis=1) + [1, 0, 0]   # d(x_i sum(y) + y0)/dy_j = x_i + [j == 0]
    agree(run, [(b.sum() * np.eye(3)).tolist(), by_y.tolist()], rtol=1e-12)


def test_functional_hessian():
    agree(lambda T: values(T.autograd.functional.hessian(_f_scalar(T), T.tensor(A))), _scalar_by_hand(A)[2].tolist(),
          rtol=1e-12)

    def run(T):  # sum(x^2 y): H_xx = diag(2y), H_xy = H_yx = diag(2x), H_yy = 0
        h = T.autograd.functional.hessian(lambda x, y: (x * x * y).sum(), (T.tensor(A), T.tensor(A + 1)))
        return [[values(c) for c in row] for row in h]
    xx, xy = np.diag(2 * (A + 1)).tolist(), np.diag(2 * A).tolist()
    agree(run, [[xx, xy], [xy, np.zeros((3, 3)).tolist()]], rtol=1e-12)


def test_functional_vjp_jvp_hvp_vhp():
    def run(T):
        x, v = T.tensor(A), T.tensor(V)
        out = []
        out += map(values, T.autograd.functional.vjp(_f_vec(T), x, v))
        out += map(values, T.autograd.functional.jvp(_f_vec(T), x, v))
        out += map(values, T.autograd.functional.hvp(_f_scalar(T), x, v))
        out += map(values, T.autograd.functional.vhp(_f_scalar(T), x, v))
        out += map(values, T.autograd.functional.vjp(_f_scalar(T), x))
        assert not x.requires_grad
        return out
    (f, g, h), (fv, j) = _scalar_by_hand(A), _vec_by_hand(A)
    agree(run, [fv.tolist(), (V @ j).tolist(), fv.tolist(), (j @ V).tolist(), f, (h @ V).tolist(), f,
                (V @ h).tolist(), f, g.tolist()], rtol=1e-12)


def test_functional_create_graph():
    def run(T):
        x = T.tensor([0.5, 2.0], dtype=T.float64, requires_grad=True)
        j = T.autograd.functional.jacobian(lambda t: t ** 3, x, create_graph=True)
        return j.requires_grad, values(T.autograd.grad(j.sum(), x)[0])
    agree(run, (True, [3.0, 12.0]), rtol=1e-12)   # d/dx sum(diag(3 x^2)) = 6x


def _inplace_double(T):
    class Double(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return Double


def test_mark_dirty_rebases_the_changed_input():
    for T in libraries():
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = a.clone()
        c = _inplace_double(T).apply(b)
        assert c is b and b._version == 2 and type(b.grad_fn).__name__ == 'DoubleBackward'
        (c * c).sum().backward()
        assert a.grad.tolist() == [8.0, 16.0] and b.tolist() == [2.0, 4.0]
        d = T.tensor([1.0, 2.0])
        assert _inplace_double(T).apply(d) is d and d._version == 2 and not d.requires_grad


def test_mark_dirty_makes_saved_copies_stale():
    for T in libraries():
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = a.clone()
        y = b * b                       # saves b at version 0
        _inplace_double(T).apply(b)
        with pytest.raises(RuntimeError, match='modified by an inplace operation'):
            y.sum().backward()


def test_mark_dirty_errors_as_pytorch():
    class NotReturned(framework.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            return g
    for T in libraries():
        Double = _inplace_double(T)
        with pytest.raises(RuntimeError, match='^a leaf Variable that requires grad has been used in an in-place '
                                               'operation.$'):
            Double.apply(T.tensor([1.0], requires_grad=True))
        with T.no_grad():
            leaf = T.tensor([1.0], requires_grad=True)
            assert Double.apply(leaf).tolist() == [2.0]
    with pytest.raises(RuntimeError, match='^Some elements marked as dirty during the forward method were not '
                                           'returned as output'):
        NotReturned.apply(framework.tensor([1.0], requires_grad=True).clone())
