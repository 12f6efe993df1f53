"""jacobian, hessian, vjp, jvp, hvp, vhp: built on autograd.grad (create_graph for the second order)."""
from .._tensor import Tensor


def _tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _prepare(inputs, create_graph):
    return tuple(i.detach().requires_grad_(True) if not (create_graph and i._rg) else i for i in inputs)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    from . import grad
    from ..creation import zeros_like
    single = isinstance(inputs, Tensor)
    inputs = _prepare(_tuple(inputs), create_graph)
    from .grad_mode import enable_grad
    with enable_grad():
        out = func(*inputs)
    outs = _tuple(out)
    vs = _tuple(v) if v is not None else (None,) * len(outs)
    grads = grad(outs, inputs, vs, create_graph=create_graph, allow_unused=True)
    grads = tuple(zeros_like(i) if g is None else g for g, i in zip(grads, inputs))
    res_out = out if create_graph else (out.detach() if isinstance(out, Tensor) else tuple(o.detach() for o in out))
    return res_out, (grads[0] if single else grads)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy='reverse-mode'):
    from . import grad
    from ..creation import zeros_like, zeros
    from ..ops.shape import reshape
    from ..ops.shape import stack
    single_in = isinstance(inputs, Tensor)
    inputs = _prepare(_tuple(inputs), create_graph)
    from .grad_mode import enable_grad
    with enable_grad():
        out = func(*inputs)
    single_out = isinstance(out, Tensor)
    outs = _tuple(out)
    result = []
    for o in outs:
        rows = [[] for _ in inputs]
        flat = reshape(o, -1)
        for j in range(flat._data.size):
            if o._rg:
                gs = grad([flat[j]], inputs, retain_graph=True, create_graph=create_graph, allow_unused=True)
            else:
                gs = (None,) * len(inputs)
            for k, (g, inp) in enumerate(zip(gs, inputs)):
                rows[k].append(zeros_like(inp) if g is None else g)
        per_input = []
        for k, inp in enumerate(inputs):
            if rows[k]:
                j = stack(rows[k])
            else:
                j = zeros(0, *inp._data.shape, dtype=inp.dtype)
            per_input.append(reshape(j, tuple(o._data.shape) + tuple(inp._data.shape)))
        result.append(per_input[0] if single_in else tuple(per_input))
    return result[0] if single_out else tuple(result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy='reverse-mode'):
    single_in = isinstance(inputs, Tensor)

    def gradient(*ins):
        from . import grad
        out = func(*ins)
        gs = grad([out], ins, create_graph=True, allow_unused=True)
        from ..creation import zeros_like
        gs = tuple(zeros_like(i) if g is None else g for g, i in zip(gs, ins))
        return gs[0] if single_in else gs

    return jacobian(gradient, inputs, create_graph=create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Forward-mode product J v, by the double-vjp trick (reverse mode twice)."""
    from . import grad
    from ..creation import zeros_like
    inputs = _prepare(_tuple(inputs), create_graph)
    from .grad_mode import enable_grad
    with enable_grad():
        out = func(*inputs)
        outs = _tuple(out)
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        gs = grad(outs, inputs, us, create_graph=True, allow_unused=True)
        vs = _tuple(v) if v is not None else tuple(zeros_like(i) + 1 for i in inputs)
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g is not None]
        jv = grad([g for g, _ in pairs], us, [vv for _, vv in pairs], create_graph=create_graph, allow_unused=True)
    jv = tuple(zeros_like(o) if j is None else j for j, o in zip(jv, outs))
    res_out = out if create_graph else (out.detach() if isinstance(out, Tensor) else tuple(o.detach() for o in outs))
    return res_out, (jv[0] if isinstance(out, Tensor) else jv)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    from . import grad
    single = isinstance(inputs, Tensor)
    inputs = _prepare(_tuple(inputs), create_graph)
    from .grad_mode import enable_grad
    with enable_grad():
        out = func(*inputs)
        gs = grad([out], inputs, create_graph=True)
        vs = _tuple(v)
        res = grad(gs, inputs, vs, create_graph=create_graph, allow_unused=True)
    from ..creation import zeros_like
    res = tuple(zeros_like(i) if r is None else r for r, i in zip(res, inputs))
    return (out if create_graph else out.detach()), (res[0] if single else res)


hvp = vhp   # the Hessian is symmetric for the twice-differentiable functions these are meant for
