"""User-defined autograd.Function, gradcheck/gradgradcheck and autograd.functional, against PyTorch."""
import math

import numpy as np
import pytest

import framework
from framework import autograd
from tests.conftest import assert_close, torch_or_skip

torch = torch_or_skip()


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


FW, TH = make_functions(framework), make_functions(torch)


def test_custom_function_forward_backward_and_ctx():
    def run(T, fns):
        MyExp = fns[0]
        x = T.tensor([0.5, 1.0], requires_grad=True)
        y = MyExp.apply(x, 2.0)
        assert type(y.grad_fn).__name__ == 'MyExpBackward'
        assert y.grad_fn.k == 2.0 and y.grad_fn.seen_needs == (True, False)
        assert type(y.grad_fn.next_functions[0][0]).__name__ == 'AccumulateGrad'
        assert not y.is_leaf and y.requires_grad
        y.sum().backward()
        return values(y), values(x.grad), repr(y)
    f, t = run(framework, FW), run(torch, TH)
    np.testing.assert_allclose(f[0], t[0], rtol=1e-6)
    np.testing.assert_allclose(f[1], t[1], rtol=1e-6)
    assert f[2] == t[2]


def test_custom_function_needs_input_grad_and_none_grads():
    def run(T, fns):
        MulAdd = fns[1]
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = T.tensor([3.0, 4.0])
        out = MulAdd.apply(x, y)
        out.backward(T.tensor([1.0, 0.5]))
        out2 = MulAdd.apply(y, x)
        out2.sum().backward()
        return values(x.grad), y.grad, type(out.grad_fn).__name__
    assert run(framework, FW) == run(torch, TH) == ([7.0, 6.5], None, 'MulAddBackward')


def test_custom_function_without_grad_records_nothing():
    MyExp = FW[0]
    x = framework.tensor([0.5, 1.0], requires_grad=True)
    with framework.no_grad():
        y = MyExp.apply(x, 2.0)
    assert y.grad_fn is None and not y.requires_grad
    with torch.no_grad():
        ty = TH[0].apply(torch.tensor([0.5, 1.0], requires_grad=True), 2.0)
    # forward sees needs_input_grad whatever the grad mode, as in torch
    assert MyExp.last_needs == TH[0].last_needs == (True, False)
    z = MyExp.apply(framework.ones(2), 1.0)
    assert z.grad_fn is None and not z.requires_grad
    tz = TH[0].apply(torch.ones(2), 1.0)
    assert MyExp.last_needs == TH[0].last_needs == (False, False)
    assert ty.requires_grad is False and tz.requires_grad is False
    assert_close(z, np.full(2, math.e, dtype=np.float32))


def test_custom_function_mark_non_differentiable():
    def run(T, fns):
        Sort = fns[3]
        x = T.tensor([3.0, 1.0, 2.0], requires_grad=True)
        v, i = Sort.apply(x)
        r = values(v), values(i), v.requires_grad, i.requires_grad, type(v.grad_fn).__name__
        (v * T.tensor([1.0, 10.0, 100.0])).sum().backward()
        return r, values(x.grad)
    assert run(framework, FW) == run(torch, TH)


def test_custom_function_saved_tensors_freed_and_second_backward():
    def run(T, fns):
        MyExp = fns[0]
        x = T.tensor([0.5, 1.0], requires_grad=True)
        y = MyExp.apply(x, 1.0).sum()
        y.backward()
        y.backward()
    with pytest.raises(RuntimeError) as fe:
        run(framework, FW)
    with pytest.raises(RuntimeError) as te:
        run(torch, TH)
    assert str(fe.value) == str(te.value)


def test_custom_function_double_backward():
    def run(T, fns):
        Cube, MulAdd = fns[2], fns[1]
        x = T.tensor([1.5, -2.0], dtype=T.float64, requires_grad=True)
        y = T.tensor([0.5, 3.0], dtype=T.float64, requires_grad=True)
        (g,) = T.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        (gg,) = T.autograd.grad(g.sum(), x, create_graph=True)
        (ggg,) = T.autograd.grad(gg.sum(), x)
        out = MulAdd.apply(x, y).sum()
        gx, gy = T.autograd.grad(out, [x, y], create_graph=True)
        gxy = T.autograd.grad(gx.sum(), y)[0]
        return values(g), values(gg), values(ggg), values(gxy)
    f, t = run(framework, FW), run(torch, TH)
    assert f == t
    assert list(f[:3]) == [[6.75, 12.0], [9.0, -12.0], [6.0, 6.0]]


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

    for fn, exc in ((wrong_count, RuntimeError), (wrong_shape, RuntimeError), (no_backward, NotImplementedError)):
        with pytest.raises(exc) as fe:
            fn(framework)
        with pytest.raises(exc) as te:
            fn(torch)
        assert str(fe.value) == str(te.value)


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
    assert run(framework) == run(torch) == ((False, 'IdentBackward', True), [3.0, 3.0])


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
    for T, fns in ((framework, FW), (torch, TH)):
        WrongCube = fns[4]
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
    for T in (framework, torch):
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
    tx = torch.tensor(a, requires_grad=True)
    ty = torch.tensor(b, requires_grad=True)
    np.testing.assert_allclose(fn(framework, x, y).detach().numpy(), fn(torch, tx, ty).detach().numpy(), rtol=1e-12)


def test_gradcheck_single_tensor_input_and_non_double_warning():
    x = framework.tensor([0.3, 0.7], dtype=framework.float64, requires_grad=True)
    assert autograd.gradcheck(lambda t: t.sin(), x)
    with pytest.warns(UserWarning, match='not a double precision floating point'):
        autograd.gradcheck(lambda t: t * 2, (framework.tensor([1.0], requires_grad=True),), raise_exception=False)


# ---------------------------------------------------------------- functional
def _f_scalar(T):
    return lambda x: (x ** 3).sum() + (x[0] * x[1]).sin()


def _f_vec(T):
    return lambda x: T.stack([x[0] * x[1], x.exp().sum(), x[2] ** 2]) if hasattr(T, 'stack') else None


def _f_two(T):
    return lambda x, y: x * y.sum() + y[0]


def test_functional_jacobian():
    a = np.array([0.5, -1.0, 2.0])
    b = np.array([1.0, 3.0, -0.5])
    for make in (_f_vec, _f_two):
        def run(T):
            fn = make(T)
            ins = (T.tensor(a),) if make is _f_vec else (T.tensor(a), T.tensor(b))
            j = T.autograd.functional.jacobian(fn, ins[0] if len(ins) == 1 else ins)
            return [values(t) for t in (j if isinstance(j, tuple) else (j,))]
        np.testing.assert_allclose(run(framework), run(torch), rtol=1e-12)


def test_functional_hessian():
    a = np.array([0.5, -1.0, 2.0])

    def run(T):
        return values(T.autograd.functional.hessian(_f_scalar(T), T.tensor(a)))
    np.testing.assert_allclose(run(framework), run(torch), rtol=1e-12)

    def run2(T):
        h = T.autograd.functional.hessian(lambda x, y: (x * x * y).sum(), (T.tensor(a), T.tensor(a + 1)))
        return [[values(c) for c in row] for row in h]
    f, t = run2(framework), run2(torch)
    for fr, tr in zip(f, t):
        for fc, tc in zip(fr, tr):
            np.testing.assert_allclose(fc, tc, rtol=1e-12)


def test_functional_vjp_jvp_hvp_vhp():
    a = np.array([0.5, -1.0, 2.0])
    v3 = np.array([1.0, 0.5, -2.0])

    def run(T):
        x, v = T.tensor(a), T.tensor(v3)
        out = []
        o, g = T.autograd.functional.vjp(_f_vec(T), x, v)
        out += [values(o), values(g)]
        o, g = T.autograd.functional.jvp(_f_vec(T), x, v)
        out += [values(o), values(g)]
        o, g = T.autograd.functional.hvp(_f_scalar(T), x, v)
        out += [values(o), values(g)]
        o, g = T.autograd.functional.vhp(_f_scalar(T), x, v)
        out += [values(o), values(g)]
        o, g = T.autograd.functional.vjp(_f_scalar(T), x)
        out += [values(o), values(g)]
        assert not x.requires_grad
        return out
    for fv, tv in zip(run(framework), run(torch)):
        np.testing.assert_allclose(fv, tv, rtol=1e-12)


def test_functional_create_graph():
    x = framework.tensor([0.5, 2.0], dtype=framework.float64, requires_grad=True)
    j = autograd.functional.jacobian(lambda t: t ** 3, x, create_graph=True)
    assert j.requires_grad
    (g,) = autograd.grad(j.sum(), x)
    tx = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    tj = torch.autograd.functional.jacobian(lambda t: t ** 3, tx, create_graph=True)
    (tg,) = torch.autograd.grad(tj.sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)
