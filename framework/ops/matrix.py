"""Matrix-shaped ops: diagonal, diag_embed, diag, trace, outer, cross, kron, cdist, baddbmm, addmm,
addmv, addr.

`diagonal` and its adjoint (writing a diagonal into zeros, which is `diag_embed`) are one op pair,
each the other's backward, so any order of derivative is available. The rest are compositions of
differentiable ops, which gives them backward and double backward without a formula of their own.

`diagonal` returns a view, as PyTorch's: `A.diagonal().add_(eps)` writes into A (and is recorded on A's
history like any in-place op on a view); `diag` of a matrix returns a copy, as PyTorch's.
"""
import numpy as np

from .. import _device
from .._dtype import FROM_NP
from .._tensor import wrap
from ..autograd.function import Op
from .shape import _wrap_dim, as_view


def _diag_index(n1, n2, offset):
    """Rows and columns of the `offset` diagonal of an n1 x n2 matrix."""
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    return length, max(-offset, 0), max(offset, 0)


class Diagonal(Op):
    node_name = 'DiagonalBackward0'

    @staticmethod
    def forward(ctx, a, offset=0, dim1=0, dim2=1):
        ctx.shape, ctx.args = a.shape, (offset, dim1, dim2)
        out = _device.xp_of(a).diagonal(a, offset, dim1, dim2)
        if out.__class__ is np.ndarray and a.flags.writeable:
            out.flags.writeable = True          # NumPy hands out diagonals read-only; PyTorch's are writable views
        return out

    @staticmethod
    def backward(ctx, g):
        return DiagonalScatter.apply(g, shape=ctx.shape, offset=ctx.args[0], dim1=ctx.args[1], dim2=ctx.args[2])


class DiagonalScatter(Op):
    """zeros(shape) with `g` written on the diagonal (dim1, dim2, offset) that diagonal() reads."""
    node_name = 'DiagonalBackwardBackward0'

    @staticmethod
    def forward(ctx, g, shape=(), offset=0, dim1=0, dim2=1):
        ctx.args = (offset, dim1, dim2)
        xp = _device.xp_of(g)
        out = xp.zeros(shape, dtype=g.dtype)
        view = xp.moveaxis(out, (dim1, dim2), (-2, -1))
        length, r0, c0 = _diag_index(view.shape[-2], view.shape[-1], offset)
        k = xp.arange(length)
        view[..., r0 + k, c0 + k] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        offset, d1, d2 = ctx.args
        return Diagonal.apply(gg, offset=offset, dim1=d1, dim2=d2)


def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = input._data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}')
    return as_view(Diagonal.apply(input, offset=offset, dim1=d1, dim2=d2), input)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    nd = input._data.ndim + 1
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}')
    n = input._data.shape[-1] + abs(offset)
    batch = list(input._data.shape[:-1])
    shape = []
    for i in range(nd):
        shape.append(n if i in (d1, d2) else batch.pop(0))
    return DiagonalScatter.apply(input, shape=tuple(shape), offset=offset, dim1=d1, dim2=d2)


def diag(input, diagonal=0):
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return Diagonal.apply(input, offset=diagonal, dim1=0, dim2=1).clone()     # torch.diag copies
    raise RuntimeError(f'diag(): Supports 1D or 2D tensors. Got {nd}D')


def trace(input):
    if input._data.ndim != 2:
        raise RuntimeError(f'trace: expected a matrix, but got tensor with dim {input._data.ndim}')
    return Diagonal.apply(input, offset=0, dim1=0, dim2=1).sum()


def outer(input, vec2):
    if input._data.ndim != 1:
        raise RuntimeError(f'outer: Expected 1-D argument self, but got {input._data.ndim}-D')
    if vec2._data.ndim != 1:
        raise RuntimeError(f'outer: Expected 1-D argument vec2, but got {vec2._data.ndim}-D')
    return input.unsqueeze(1) * vec2


ger = outer


_TYPE_WORD = {'int64': 'Long', 'int32': 'Int', 'bool': 'Bool', 'float32': 'Float', 'float64': 'Double'}


def cross(input, other, dim=None):
    import numpy as np
    from .shape import broadcast_to
    if input._data.ndim != other._data.ndim:
        raise RuntimeError('linalg.cross: inputs must have the same number of dimensions.')
    if input._data.dtype == bool:
        raise NotImplementedError('"cross" not implemented for \'Bool\'')
    if input._data.shape != other._data.shape:
        for i, (p, q) in enumerate(zip(input._data.shape, other._data.shape)):
            if p != q and p != 1 and q != 1:
                raise RuntimeError(f'The size of tensor a ({p}) must match the size of tensor b ({q}) at non-singleton '
                                   f'dimension {i}')
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f'expected scalar type {_TYPE_WORD.get(input._data.dtype.name, input._data.dtype.name)} '
                           f'but found {_TYPE_WORD.get(other._data.dtype.name, other._data.dtype.name)}')
    shape = tuple(np.broadcast_shapes(input._data.shape, other._data.shape)) if input._data.shape != \
        other._data.shape else input._data.shape
    if dim is None:
        dim = next((i for i, n in enumerate(shape) if n == 3), -1)
    d = _wrap_dim(dim, len(shape))
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f'linalg.cross: inputs dimension {d} must have length 3. Got '
                           f'{input._data.shape[d]} and {other._data.shape[d]}')
    a, b = broadcast_to(input, shape), broadcast_to(other, shape)
    a0, a1, a2 = a.unbind(d)
    b0, b1, b2 = b.unbind(d)
    from .shape import stack
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


def kron(input, other):
    na, nb = input._data.ndim, other._data.ndim
    n = max(na, nb)
    a = input.reshape((1,) * (n - na) + input._data.shape)
    b = other.reshape((1,) * (n - nb) + other._data.shape)
    sa, sb = a._data.shape, b._data.shape
    # interleave: a's dims at even positions, b's at odd, then merge each pair
    a2 = a.reshape(tuple(x for s in sa for x in (s, 1)))
    b2 = b.reshape(tuple(x for s in sb for x in (1, s)))
    return (a2 * b2).reshape(tuple(x * y for x, y in zip(sa, sb)))


def cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary'):
    from ..linalg import vector_norm
    if x1._data.ndim < 2:
        raise RuntimeError(f'cdist only supports at least 2D tensors, X1 got: {x1._data.ndim}D')
    if x2._data.ndim < 2:
        raise RuntimeError(f'cdist only supports at least 2D tensors, X2 got: {x2._data.ndim}D')
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f'X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} X2: '
                           f'{x2._data.shape[-1]}')
    if p < 0:
        raise RuntimeError('cdist only supports non-negative p values')
    if compute_mode not in ('use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist',
                            'donot_use_mm_for_euclid_dist'):
        raise ValueError(f'{compute_mode} is not a valid value for compute_mode')
    rows, cols = x1._data.shape[-2], x2._data.shape[-2]
    if p == 2 and (compute_mode == 'use_mm_for_euclid_dist' or
                   (compute_mode == 'use_mm_for_euclid_dist_if_necessary' and (rows > 25 or cols > 25))):
        return _euclidean_dist(x1, x2)
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(diff, p, dim=-1)


def _euclidean_dist(x1, x2):
    """PyTorch's matrix-product form, |a|^2 - 2 a.b + |b|^2 in one matmul: no (P, R, M) difference tensor."""
    from .shape import cat
    from .unary import clamp_min
    n1 = (x1 * x1).sum(-1, keepdim=True)
    n2 = (x2 * x2).sum(-1, keepdim=True)
    a = cat([x1 * -2, n1, n1 * 0 + 1], -1)
    b = cat([x2, n2 * 0 + 1, n2], -1)
    return clamp_min(a @ b.transpose(-1, -2), 1e-30).sqrt()


def _scaled(t, s):
    return t if s == 1 else t * s


def _combine(input, prod, beta, alpha, name, operand=None):
    """beta input + alpha prod, as PyTorch: the result's dtype is the tensors' (an integral result takes the
    scalars truncated, addr refuses fractional ones, and addbmm's batch sum does not widen it), and with
    beta = 0 input's values are ignored (nan does not propagate) while input stays in the graph, so the
    result still requires grad; alpha = 0 ignores the product's values alike in addmm/addmv/addbmm."""
    from .unary import where
    target = None
    if prod._data.dtype.kind in 'biu' and input._data.dtype.kind in 'biu':
        if name == 'addr':
            for word, v in (('beta', beta), ('alpha', alpha)):
                if isinstance(v, float):
                    raise RuntimeError(f'For integral input tensors, argument {word} must not be a floating point '
                                       'number.')
        beta, alpha = int(beta), int(alpha)
        target = np.promote_types(input._data.dtype, (operand if operand is not None else prod)._data.dtype)
    xp = _device.xp_of(input._data)

    def ignored(t):             # t's values do not count (inf * 0 is no nan here), t stays in the graph
        return where(wrap(xp.zeros(t._data.shape, dtype=bool)), t, 0)
    # PyTorch's addmm/addmv/addbmm skip the product for alpha = 0; its baddbmm and addr multiply it by 0
    prod = ignored(prod) if alpha == 0 and name in ('addmm', 'addmv', 'addbmm') else _scaled(prod, alpha)
    if beta == 0:
        out = prod + ignored(input)
    else:
        out = _scaled(input, beta) + prod
    return out if target is None or out._data.dtype == target else out.to(FROM_NP[target])


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    from .linalg import bmm
    return _combine(input, bmm(batch1, batch2), beta, alpha, 'baddbmm')


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    from .linalg import bmm
    return _combine(input, bmm(batch1, batch2).sum(0), beta, alpha, 'addbmm', batch1)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    from .linalg import mm
    return _combine(input, mm(mat1, mat2), beta, alpha, 'addmm')


def addmv(input, mat, vec, *, beta=1, alpha=1):
    from .linalg import mv
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f'vector + matrix @ vector expected, got {input._data.ndim}, {mat._data.ndim}, '
                           f'{vec._data.ndim}')
    return _combine(input, mv(mat, vec), beta, alpha, 'addmv')


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    return _combine(input, outer(vec1, vec2), beta, alpha, 'addr')

