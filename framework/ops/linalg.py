"""Matrix products: matmul (1-D, 2-D, batched, broadcast batches), mm, bmm, dot, mv.

One forward (`xp.matmul`) and one backward serve every case: 1-D operands are lifted to
matrices, the products taken, and the lifted dims and broadcast batches summed away.
"""
from .. import _device
from ..autograd.function import Op
from .promotion import operands


def _shape_error(a, b):
    sa, sb = a.shape, b.shape
    if a.ndim == 2 and b.ndim == 2:
        return f'mat1 and mat2 shapes cannot be multiplied ({sa[0]}x{sa[1]} and {sb[0]}x{sb[1]})'
    if a.ndim == 1 and b.ndim == 1:
        return (f'inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the same number '
                'of elements, but got {} and {} elements respectively'.format(sa[0], sb[0]))
    if b.ndim == 1 and a.ndim == 2:
        return f'size mismatch, got input ({sa[0]}), mat ({sa[0]}x{sa[1]}), vec ({sb[0]})'
    return (f'Expected size for first two dimensions of batch2 tensor to be: [{sb[0] if b.ndim > 2 else 1}, '
            f'{sa[-1]}] but got: [{sb[0] if b.ndim > 2 else 1}, {sb[-2] if b.ndim > 1 else sb[0]}].')


class MatMul(Op):
    node_name = 'UnsafeViewBackward0'

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f'both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D')
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
            raise RuntimeError(_shape_error(a, b))
        ctx.save_for_backward(a, b)
        return _device.xp_of(a).matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_nd, b_nd = a._data.ndim, b._data.ndim
        if a_nd == 1 and b_nd == 1:
            return (g * b if need_a else None), (g * a if need_b else None)
        # lift 1-D operands (and the gradient) to matrices
        a2 = a.unsqueeze(0) if a_nd == 1 else a
        b2 = b.unsqueeze(-1) if b_nd == 1 else b
        g2 = g
        if a_nd == 1:
            g2 = g2.unsqueeze(-2)
        if b_nd == 1:
            g2 = g2.unsqueeze(-1)
        ga = gb = None
        if need_a:
            ga = matmul(g2, b2.transpose(-1, -2))
            if a_nd == 1:
                ga = ga.squeeze(-2)
            if ga._data.shape != a._data.shape:
                from .shape import sum_to
                ga = sum_to(ga, a._data.shape)
        if need_b:
            gb = matmul(a2.transpose(-1, -2), g2)
            if b_nd == 1:
                gb = gb.squeeze(-1)
            if gb._data.shape != b._data.shape:
                from .shape import sum_to
                gb = sum_to(gb, b._data.shape)
        return ga, gb


class Mm(MatMul):
    node_name = 'MmBackward0'


class Dot(MatMul):
    node_name = 'DotBackward0'


class Mv(MatMul):
    node_name = 'MvBackward0'


class Bmm(MatMul):
    node_name = 'BmmBackward0'


class VecMat(MatMul):
    node_name = 'SqueezeBackward4'


def matmul(input, other):
    a, b = operands(input, other)
    na, nb = a._data.ndim, b._data.ndim
    op = (Mm if na == 2 and nb == 2 else Dot if na == 1 and nb == 1 else Mv if na == 2 and nb == 1
          else VecMat if na == 1 and nb == 2 else Bmm if na == 3 and nb == 3 and a._data.shape[0] == b._data.shape[0]
          else MatMul)
    return op.apply(a, b)


def mm(input, mat2):
    if input._data.ndim != 2:
        raise RuntimeError('self must be a matrix')
    if mat2._data.ndim != 2:
        raise RuntimeError('mat2 must be a matrix')
    return matmul(input, mat2)


def bmm(input, mat2):
    if input._data.ndim != 3:
        raise RuntimeError('batch1 must be a 3D tensor')
    if mat2._data.ndim != 3:
        raise RuntimeError('batch2 must be a 3D tensor')
    if input._data.shape[0] != mat2._data.shape[0]:
        raise RuntimeError('batch1 and batch2 must have same number of batches, got '
                           f'{input._data.shape[0]} and {mat2._data.shape[0]}')
    return matmul(input, mat2)


def dot(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f'1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors')
    return matmul(input, other)


def mv(input, vec):
    return matmul(input, vec)
