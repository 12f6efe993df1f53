"""The fused linear op: y = x @ W.T + b in one node (PyTorch's AddmmBackward0 for 2-D input).

One forward (a single BLAS matmul, the bias added in place) and one backward. Without
`create_graph` the backward runs on raw arrays; with it, the same formulas are written with
Tensor ops so that higher derivatives are recorded.
"""
import math

from .. import _device
from .._tensor import Tensor, wrap
from ..autograd.function import Op
from ..autograd.grad_mode import state as _grad_state


_NAMES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long', 'int32': 'Int', 'bool': 'Bool'}


def _check(x, w):
    if x.dtype != w.dtype:
        names = _NAMES
        raise RuntimeError(f'mat1 and mat2 must have the same dtype, but got {names.get(str(x.dtype), x.dtype)} and '
                           f'{names.get(str(w.dtype), w.dtype)}')
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        rows = x.size // x.shape[-1] if x.ndim and x.shape[-1] else 1
        cols = x.shape[-1] if x.ndim else 1
        raise RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({rows}x{cols} and {w.shape[1]}x{w.shape[0]})')


class Addmm(Op):
    """2-D input with bias; the subclasses differ only in the node name PyTorch shows."""

    @staticmethod
    def forward(ctx, x, w, b=None):
        if x.ndim != 2 or x.dtype != w.dtype or x.shape[1] != w.shape[1]:
            _check(x, w)
        ctx.save_for_backward(x, w)
        nd = x.ndim
        if nd == 2:
            out = x @ w.T
        elif nd == 1:
            out = w @ x
        else:
            out = (x.reshape(math.prod(x.shape[:-1]), x.shape[-1]) @ w.T).reshape(x.shape[:-1] + (w.shape[0],))
        if b is not None:
            if b.dtype != out.dtype:
                raise RuntimeError(f'self and mat2 must have the same dtype, but got {_NAMES.get(str(b.dtype))} and '
                                   f'{_NAMES.get(str(out.dtype))}')
            if b.shape == out.shape[-1:] and out.ndim:     # the common case: one bias per output feature
                out += b
                return out
            try:
                b = _device.xp_of(out).broadcast_to(b, out.shape)
            except ValueError:
                raise RuntimeError(f'The expanded size of the tensor ({out.shape[-1] if out.ndim else 1}) must match '
                                   f'the existing size ({b.shape[-1] if b.ndim else 1}) at non-singleton dimension '
                                   f'{max(out.ndim - 1, 0)}.  Target sizes: {list(out.shape)}.  Tensor sizes: '
                                   f'{list(b.shape)}') from None
            out = out + b
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        need_x, need_w = need[0], need[1]
        need_b = len(need) > 2 and need[2]
        gx = gw = gb = None
        xa = x._data
        nd = xa.ndim
        if not _grad_state.enabled:
            # a different algorithm: leading dims folded into the rows of one 2-D BLAS product per gradient
            ga, wa = g._data, w._data
            if nd != 2:
                rows = math.prod(xa.shape[:-1])
                ga = ga.reshape(rows, wa.shape[0])
                xa = xa.reshape(rows, wa.shape[1])
            if need_x:
                gx = ga @ wa
                if nd != 2:
                    gx = gx.reshape(x._data.shape)
                gx = wrap(gx)
            if need_w:
                gw = wrap(ga.T @ xa)
            if need_b:
                gb = wrap(ga.sum(0))
            return gx, gw, gb
        rows = math.prod(xa.shape[:-1])
        g2 = g if nd == 2 else g.reshape(rows, w._data.shape[0])
        if need_x:
            gx = g2.matmul(w)
            if nd != 2:
                gx = gx.reshape(xa.shape)
        if need_w:
            x2 = x if nd == 2 else x.reshape(rows, w._data.shape[1])
            gw = g2.t().matmul(x2)
        if need_b:
            gb = g2.sum(0)
        return gx, gw, gb


class Mm(Addmm):
    node_name = 'MmBackward0'


# F.linear on other than 2-D input is one node here; PyTorch's last node there is a view of the product,
# so these name the node as PyTorch does (distinct from shape.py's View and Squeeze ops)
class LinearView(Addmm):
    node_name = 'ViewBackward0'


class LinearUnsafeView(Addmm):
    node_name = 'UnsafeViewBackward0'


class LinearSqueeze(Addmm):
    node_name = 'SqueezeBackward4'


def linear(input, weight, bias=None):
    """F.linear: input (*, in), weight (out, in), bias (out,) or None."""
    if _device._cupy:
        _device.check_same_device((input, weight) if bias is None else (input, weight, bias))
    nd = input._data.ndim
    wd = weight._data.ndim
    if nd == 0 or wd == 0:
        raise RuntimeError(f'both arguments to linear need to be at least 1D, but they are {nd}D and {wd}D')
    if wd > 2:
        raise RuntimeError(f't() expects a tensor with <= 2 dimensions, but self is {wd}D')
    if wd == 1:                                 # a vector of weights: one output per row, no output dim
        from .linalg import matmul
        if bias is not None and (bias._data.ndim or nd == 2):     # PyTorch's addmm path needs a matrix
            raise RuntimeError('mat2 must be a matrix, got 1-D tensor')
        out = matmul(input, weight)
        return out if bias is None else out + bias
    if bias is None:
        return (Mm if nd == 2 else LinearSqueeze if nd == 1 else LinearUnsafeView).apply(input, weight)
    if not isinstance(bias, Tensor):
        raise TypeError(f'linear(): argument \'bias\' must be Tensor, not {type(bias).__name__}')
    return (Addmm if nd == 2 else LinearView).apply(input, weight, bias)
