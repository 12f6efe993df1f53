"""Matrix products: matmul (1-D, 2-D, batched, broadcast batches), mm, bmm, dot, mv.

One forward (`xp.matmul`) and one backward serve every case: 1-D operands are lifted to
matrices, the products taken, and the lifted dims and broadcast batches summed away.

Products go to the BLAS NumPy links (OpenBLAS), which picks a kernel, and so an order of summation, by
CPU (OPENBLAS_CORETYPE overrides it); PyTorch uses MKL or its own. Results agree with PyTorch's to
float rounding, not bit for bit.
"""
import math

from .. import _device
from ..autograd.function import Op, grad_of
from ..autograd.grad_mode import state as _grad_state
from .._tensor import Tensor


def _shape_error(a, b):
    """PyTorch's message for operands whose inner (or batch) sizes disagree."""
    sa, sb = a.shape, b.shape
    na, nb = a.ndim, b.ndim
    if na == 1 and nb == 1:
        return (f'inconsistent tensor size, expected tensor [{sa[0]}] and src [{sb[0]}] to have the same number '
                f'of elements, but got {sa[0]} and {sb[0]} elements respectively')
    if nb == 1:                 # matrix (or batch folded into rows) times vector
        rows = math.prod(sa[:-1])
        return f'size mismatch, got input ({rows}), mat ({rows}x{sa[-1]}), vec ({sb[0]})'
    if nb == 2:                 # batch of a folded into rows; a 1-D `a` is one row
        rows = math.prod(sa[:-1]) if na > 1 else 1
        return f'mat1 and mat2 shapes cannot be multiplied ({rows}x{sa[-1]} and {sb[0]}x{sb[1]})'
    ba, bb = sa[:-2], sb[:-2]
    n = max(len(ba), len(bb))
    ba, bb = (1,) * (n - len(ba)) + tuple(ba), (1,) * (n - len(bb)) + tuple(bb)
    for i, (x, y) in enumerate(zip(ba, bb)):
        if x != y and x != 1 and y != 1:
            return (f'The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton '
                    f'dimension {i}')
    batch = math.prod(max(x, y) for x, y in zip(ba, bb))
    return (f'Expected size for first two dimensions of batch2 tensor to be: [{batch}, {sa[-1]}] but got: '
            f'[{batch}, {sb[-2]}].')


_C_NAMES = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'int64': 'long int', 'int32': 'int',
            'int16': 'short int', 'int8': 'signed char', 'uint8': 'unsigned char', 'bool': 'bool'}
_NAMES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long', 'int32': 'Int',
          'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}


def _dtype_error(a, b):
    da, db = str(a.dtype), str(b.dtype)
    if a.ndim == 1 and b.ndim == 1:
        return f'dot : expected both vectors to have same dtype, but found {_NAMES[da]} and {_NAMES[db]}'
    if a.ndim == 3 and b.ndim == 3:
        return f'expected scalar type {_NAMES[da]} but found {_NAMES[db]}'
    return f'expected m1 and m2 to have the same dtype, but got: {_C_NAMES[da]} != {_C_NAMES[db]}'


def _matmul_grads(g, a, b, need_a, need_b, a_nd, b_nd):
    """MatMul's backward on arrays (no graph recorded); broadcast batch dims are summed by the engine."""
    xp = _device.xp_of(g)
    if a_nd == 1 and b_nd == 1:
        return (grad_of(g * b._data) if need_a else None), (grad_of(g * a._data) if need_b else None)
    if a_nd == 1:
        g = g[..., None, :]
    if b_nd == 1:
        g = g[..., None]
    ga = gb = None
    if need_a:
        bm = b._data[:, None] if b_nd == 1 else b._data
        ga = xp.matmul(g, xp.swapaxes(bm, -1, -2))
        ga = grad_of(ga[..., 0, :] if a_nd == 1 else ga)
    if need_b:
        am = a._data[None, :] if a_nd == 1 else a._data
        gb = xp.matmul(xp.swapaxes(am, -1, -2), g)
        gb = grad_of(gb[..., 0] if b_nd == 1 else gb)
    return ga, gb


class MatMul(Op):
    node_name = 'UnsafeViewBackward0'

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f'both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D')
        if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0] or a.dtype != b.dtype:
            raise RuntimeError(_shape_error(a, b) if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]
                               else _dtype_error(a, b))
        need = ctx.needs_input_grad
        if need:
            ctx.save_for_backward(a if need[1] else None, b if need[0] else None)
            ctx.nd, ctx.shapes = (a.ndim, b.ndim), (a.shape, b.shape)
        try:
            return _device.xp_of(a).matmul(a, b)
        except ValueError:          # batch dims that do not broadcast
            raise RuntimeError(_shape_error(a, b)) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        a_nd, b_nd = ctx.nd
        if not _grad_state.enabled:
            # a different algorithm, not a second copy: on arrays the batch dims are folded into one 2-D BLAS
            # product each way (and summed there), which the Tensor ops below cannot express without copies
            return _matmul_grads(g._data, a, b, need_a, need_b, a_nd, b_nd)
        if a_nd == 1 and b_nd == 1:
            return (g * b if need_a else None), (g * a if need_b else None)
        # lift 1-D operands (and the gradient) to matrices
        a2 = a.unsqueeze(0) if need_b and a_nd == 1 else a
        b2 = b.unsqueeze(-1) if need_a and b_nd == 1 else b
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
            if ga._data.shape != ctx.shapes[0]:
                from .shape import sum_to
                ga = sum_to(ga, ctx.shapes[0])
        if need_b:
            gb = matmul(a2.transpose(-1, -2), g2)
            if b_nd == 1:
                gb = gb.squeeze(-1)
            if gb._data.shape != ctx.shapes[1]:
                from .shape import sum_to
                gb = sum_to(gb, ctx.shapes[1])
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
    a, b = (input, other) if isinstance(input, Tensor) and isinstance(other, Tensor) else _tensors(input, other)
    na, nb = a._data.ndim, b._data.ndim
    if a._data.dtype.kind == 'b' and b._data.dtype.kind == 'b' and na and nb and (
            a._data.size and b._data.size or na == nb == 1):
        kernel = ('dot' if na == 1 and nb == 1 else 'addmv_impl_cpu' if 1 in (na, nb) and max(na, nb) <= 2
                  else 'addmm_impl_cpu_' if max(na, nb) <= 2 else 'bmm')
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    op = (Mm if na == 2 and nb == 2 else Dot if na == 1 and nb == 1 else Mv if na == 2 and nb == 1
          else VecMat if na == 1 and nb == 2 else Bmm if na == 3 and nb == 3 and a._data.shape[0] == b._data.shape[0]
          else MatMul)
    return op.apply(a, b)


def _tensors(a, b):
    from .promotion import _as_tensor_or_scalar
    a, b = _as_tensor_or_scalar(a), _as_tensor_or_scalar(b)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f'matmul(): argument \'other\' (position 2) must be Tensor, not {type(b).__name__}')
    return a, b


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
    if input._data.shape[0] != mat2._data.shape[0] or input._data.shape[2] != mat2._data.shape[1]:
        raise RuntimeError(f'Expected size for first two dimensions of batch2 tensor to be: [{input._data.shape[0]}, '
                           f'{input._data.shape[2]}] but got: [{mat2._data.shape[0]}, {mat2._data.shape[1]}].')
    return matmul(input, mat2)


def dot(input, other):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f'1D tensors expected, but got {input._data.ndim}D and {other._data.ndim}D tensors')
    n, m = input._data.shape[0], other._data.shape[0]
    if n != m:
        raise RuntimeError(f'inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number of '
                           f'elements, but got {n} and {m} elements respectively')
    return matmul(input, other)


def mv(input, vec):
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f'vector + matrix @ vector expected, got 1, {input._data.ndim}, {vec._data.ndim}')
    return matmul(input, vec)
