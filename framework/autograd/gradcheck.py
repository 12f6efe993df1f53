"""Finite-difference checks of analytic gradients (float64 inputs, central differences).

gradcheck compares the full Jacobian, column by column: perturb one input element by ±eps,
and compare (f(x+eps) - f(x-eps)) / 2eps with the row of vector-Jacobian products obtained by
backpropagating each output unit vector. gradgradcheck applies the same to the gradient itself.
"""
import numpy as np

from .._tensor import Tensor, wrap


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs):
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(out)


def _numerical_jacobian(fn, inputs, eps):
    """J[i][j]: d out_j / d input_i as a (numel_in, numel_out) array, by central differences.

    Grad mode stays on: the function may itself differentiate (gradgradcheck)."""
    def flat_outputs():
        return np.concatenate([np.asarray(o._data, np.float64).reshape(-1) for o in _outputs(fn, inputs)])

    n_out = flat_outputs().size
    cols = []
    for inp in inputs:
        if not (isinstance(inp, Tensor) and inp._rg):
            cols.append(None)
            continue
        arr = inp._data
        jac = np.zeros((arr.size, n_out))
        for k in range(arr.size):
            pos = np.unravel_index(k, arr.shape)
            orig = arr[pos].item()
            arr[pos] = orig + eps
            plus = flat_outputs()
            arr[pos] = orig - eps
            minus = flat_outputs()
            arr[pos] = orig
            jac[k] = (plus - minus) / (2 * eps)
        cols.append(jac)
    return cols


def _analytical_jacobian(fn, inputs):
    from . import grad as autograd_grad
    diff_inputs = [i for i in inputs if isinstance(i, Tensor) and i._rg]
    outs = _outputs(fn, inputs)
    n_out = sum(o._data.size for o in outs)
    jacs = [np.zeros((i._data.size, n_out)) for i in diff_inputs]
    col = 0
    for o in outs:
        for j in range(o._data.size):
            if not o._rg:
                col += 1
                continue
            g = np.zeros(o._data.size, dtype=o._data.dtype)
            g[j] = 1
            grads = autograd_grad([o], diff_inputs, [wrap(g.reshape(o._data.shape))], retain_graph=True,
                                  allow_unused=True)
            for k, gr in enumerate(grads):
                if gr is not None:
                    jacs[k][:, col] = np.asarray(gr._data, np.float64).reshape(-1)
            col += 1
    return jacs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **kwargs):
    """True when analytic and numerical Jacobians agree for every differentiable input."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for i in inputs:
        if isinstance(i, Tensor) and i._rg and i._data.dtype != np.float64:
            import warnings
            warnings.warn('Input #0 requires gradient and is not a double precision floating point. '
                          'This check will likely fail if all the inputs are not of double precision floating point.')
    numerical = [j for j in _numerical_jacobian(func, inputs, eps) if j is not None]
    analytical = _analytical_jacobian(func, inputs)
    for k, (a, n) in enumerate(zip(analytical, numerical)):
        if not np.allclose(a, n, rtol=rtol, atol=atol):
            if raise_exception:
                raise GradcheckError(f'Jacobian mismatch for output 0 with respect to input {k},\n'
                                     f'numerical:{n}\nanalytical:{a}\n')
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
                  **kwargs):
    """gradcheck of the function inputs -> (vector-Jacobian products), i.e. second derivatives."""
    from . import grad as autograd_grad
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    [i for i in inputs if isinstance(i, Tensor) and i._rg]
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [wrap(rng.standard_normal(o._data.shape)) for o in outs]
        for g in grad_outputs:
            g._rg = True
    n_in = len(inputs)

    def first_derivative(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _outputs(func, ins)
        d = [i for i in ins if isinstance(i, Tensor) and i._rg]
        grads = autograd_grad(outs, d, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
