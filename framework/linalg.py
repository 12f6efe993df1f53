"""framework.linalg: norms, inverses, solves, determinants and decompositions, as torch.linalg.

Forwards call the array module's `linalg` (NumPy's LAPACK, or CuPy's cuSOLVER). Backwards are
PyTorch's formulas (torch/csrc/autograd/FunctionsManual.cpp) written once with Tensor ops on the
saved inputs and outputs, so each has a second derivative wherever PyTorch's has one. As in
PyTorch, the gradients of eigh and svd assume distinct eigen/singular values (they divide by their
differences), and det's assumes an invertible matrix.
"""
import math

import numpy as np

from . import _device
from ._tensor import wrap
from .autograd.function import Op
from .ops.matrix import diag_embed, diagonal as _diag
from .ops.shape import tril

_TYPE = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long', 'int32': 'Int',
         'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a singular or non-positive-definite input."""


def _check_float(name, A):
    if A._data.dtype.kind != 'f':
        raise RuntimeError(f'{name}: Expected a floating point or complex tensor as input. Got '
                           f'{_TYPE[str(A._data.dtype)]}')


def _check_square(name, A):
    if A._data.ndim < 2:
        raise RuntimeError(f'{name}: The input tensor A must have at least 2 dimensions.')
    m, n = A._data.shape[-2:]
    if m != n:
        raise RuntimeError(f'{name}: A must be batches of square matrices, but they are {m} by {n} matrices')
    _check_float(name, A)


def _mT(t):
    return t.transpose(-2, -1)


def _eye_like(n, like):
    xp = _device.xp_of(like._data)
    return wrap(xp.eye(n, dtype=like._data.dtype))


# ---------------------------------------------------------------- inv, solve, det, slogdet
class Inv(Op):
    node_name = 'LinalgInvExBackward0'

    @staticmethod
    def forward(ctx, a):
        xp = _device.xp_of(a)
        out = xp.linalg.inv(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        inv_a, = ctx.saved_tensors
        inv_t = _mT(inv_a)
        return -(inv_t @ g @ inv_t)


def _singular_error(name, a):
    """PyTorch's message naming the first zero pivot (1-based) of LAPACK's LU; worked out on the host,
    only on this error path."""
    arr = np.asarray(a if isinstance(a, np.ndarray) else a.get(), dtype=np.float64)
    mats = arr.reshape((-1,) + arr.shape[-2:])
    for k, m in enumerate(mats):
        piv = _zero_pivot(m)
        if piv:
            prefix = f'(Batch element {k}): ' if arr.ndim > 2 else ''
            return LinAlgError(f'{name}: {prefix}The diagonal element {piv} is zero, the inversion could not be '
                               'completed because the input matrix is singular.')
    return LinAlgError(f'{name}: The input matrix is singular.')


def _zero_pivot(m):
    """1-based index of the first exactly zero pivot of LU with partial pivoting (LAPACK's getrf), or 0."""
    u = m.copy()
    n = u.shape[0]
    for j in range(n):
        p = j + int(np.argmax(np.abs(u[j:, j])))
        if u[p, j] == 0:
            return j + 1
        u[[j, p]] = u[[p, j]]
        u[j + 1:] -= np.outer(u[j + 1:, j] / u[j, j], u[j])
    return 0


def inv(A, *, out=None):
    _check_square('linalg.inv', A)
    try:
        return Inv.apply(A)
    except np.linalg.LinAlgError:
        raise _singular_error('linalg.inv', A._data) from None


class Solve(Op):
    node_name = 'LinalgSolveExBackward0'

    @staticmethod
    def forward(ctx, a, b):
        out = _device.xp_of(a).linalg.solve(a, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        gb = Solve.apply(_mT(a), g)
        return (-(gb @ _mT(x)) if need_a else None), (gb if need_b else None)


def solve(A, B, *, left=True, out=None):
    _check_square('linalg.solve', A)
    if not left:            # X A = B  <=>  A^T X^T = B^T
        return _mT(solve(_mT(A), _mT(B)))
    n = A._data.shape[-1]
    vector = B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])
    b = B.unsqueeze(-1) if vector else B
    if b._data.shape[-2] != n:
        raise RuntimeError(f'linalg.solve: Incompatible shapes of A and B for the equation AX = B '
                           f'({n}x{n} and {b._data.shape[-2]}x{b._data.shape[-1]})')
    batch = np.broadcast_shapes(A._data.shape[:-2], b._data.shape[:-2])
    a = A.expand(batch + A._data.shape[-2:]) if A._data.shape[:-2] != batch else A
    b = b.expand(batch + b._data.shape[-2:]) if b._data.shape[:-2] != batch else b
    try:
        x = Solve.apply(a, b)
    except np.linalg.LinAlgError:
        raise LinAlgError('torch.linalg.solve: The solver failed because the input matrix is singular.') from None
    return x.squeeze(-1) if vector else x


class Det(Op):
    node_name = 'LinalgDetBackward0'

    @staticmethod
    def forward(ctx, a):
        out = _device.as_array(_device.xp_of(a).linalg.det(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, d = ctx.saved_tensors
        scale = (g * d).unsqueeze(-1).unsqueeze(-1)
        try:
            return scale * _mT(inv(a))
        except LinAlgError:
            return scale * _inv_t_or_zero(a)


def _inv_t_or_zero(a):
    """A^{-T} matrix by matrix, 0 for a singular one: det * A^{-T} is 0 there, which is what PyTorch gives."""
    from .ops.shape import stack
    n = a._data.shape[-1]
    mats = a.reshape(-1, n, n).unbind(0)
    out = []
    for m in mats:
        try:
            out.append(_mT(inv(m)))
        except LinAlgError:
            out.append(m * 0)
    return stack(out, 0).reshape(a._data.shape)


def det(A, *, out=None):
    _check_square('linalg.det', A)
    return Det.apply(A)


class Slogdet(Op):
    node_name = 'LinalgSlogdetBackward0'

    @staticmethod
    def forward(ctx, a):
        sign, logabs = _device.xp_of(a).linalg.slogdet(a)
        ctx.save_for_backward(a)
        return _device.as_array(sign), _device.as_array(logabs)

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        a, = ctx.saved_tensors
        return g_logabs.unsqueeze(-1).unsqueeze(-1) * _mT(inv(a))


class _SlogdetResult(tuple):
    """torch.return_types.linalg_slogdet: (sign, logabsdet)."""
    __slots__ = ()
    sign = property(lambda self: self[0])
    logabsdet = property(lambda self: self[1])


def slogdet(A, *, out=None):
    _check_square('linalg.slogdet', A)
    sign, logabs = Slogdet.apply(A)       # sign requires grad as in PyTorch; its gradient is ignored (real input)
    return _SlogdetResult((sign, logabs))


# ---------------------------------------------------------------- cholesky, qr
class Cholesky(Op):
    node_name = 'LinalgCholeskyExBackward0'

    @staticmethod
    def forward(ctx, a):
        out = _device.xp_of(a).linalg.cholesky(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, gL):
        L, = ctx.saved_tensors
        n = L._data.shape[-1]
        L_inv = Solve.apply(L, _eye_like(n, L).expand(L._data.shape))
        phi = tril(_mT(L) @ gL)
        phi = phi - 0.5 * diag_embed(_diag(phi, 0, -2, -1))
        gA = _mT(L_inv) @ phi @ L_inv
        return 0.5 * (gA + _mT(gA))


def _not_pd(A):
    arr = np.asarray(A._data if isinstance(A._data, np.ndarray) else A._data.get(), dtype=np.float64)
    mats = arr.reshape((-1,) + arr.shape[-2:])
    for k, m in enumerate(mats):
        for order in range(1, m.shape[0] + 1):
            try:
                np.linalg.cholesky(m[:order, :order])
            except np.linalg.LinAlgError:
                prefix = f'(Batch element {k}): ' if arr.ndim > 2 else ''
                return LinAlgError(f'linalg.cholesky: {prefix}The factorization could not be completed because the '
                                   f'input is not positive-definite (the leading minor of order {order} is not '
                                   'positive-definite).')
    return LinAlgError('linalg.cholesky: The factorization could not be completed because the input is not '
                       'positive-definite.')


def cholesky(A, *, upper=False, out=None):
    _check_square('linalg.cholesky', A)
    try:
        L = Cholesky.apply(A)
    except np.linalg.LinAlgError:
        raise _not_pd(A) from None
    return _mT(L) if upper else L


class Qr(Op):
    node_name = 'LinalgQrBackward0'

    @staticmethod
    def forward(ctx, a, mode='reduced'):
        q, r = _device.xp_of(a).linalg.qr(a, mode=mode)
        ctx.mode = mode
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors
        m, n = Q._data.shape[-2], R._data.shape[-1]
        if ctx.mode == 'complete' and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_backward_tall(gQ, gR, Q, R)
        # wide: A = [X | Y] with X = Q U square; Y = Q V only moves R's right block
        U, V = R[..., :, :m], R[..., :, m:]
        gU, gV = gR[..., :, :m], gR[..., :, m:]
        Y = Q @ V
        gX = _qr_backward_tall(gQ + Y @ _mT(gV), gU, Q, U)
        from .ops.shape import cat
        return cat([gX, Q @ gV], -1)


def _qr_backward_tall(gQ, gR, Q, R):
    """gA = (gQ + Q copyltu(M)) R^{-T},  M = R gR^T - gQ^T Q  (m >= n)."""
    M = R @ _mT(gR) - _mT(gQ) @ Q
    low = tril(M, -1)
    M = low + _mT(low) + diag_embed(_diag(M, 0, -2, -1))
    b = gQ + Q @ M
    # gA R^T = b  <=>  R gA^T = b^T
    return _mT(Solve.apply(R, _mT(b)))


class QrR(Op):
    """mode='r': R alone, which PyTorch does not differentiate (its gradient needs Q)."""
    node_name = 'LinalgQrBackward0'

    @staticmethod
    def forward(ctx, a):
        return _device.xp_of(a).linalg.qr(a, mode='r')

    @staticmethod
    def backward(ctx, gR):
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please "
                           "use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.")


class _QR(tuple):
    __slots__ = ()
    Q = property(lambda self: self[0])
    R = property(lambda self: self[1])


def qr(A, mode='reduced', *, out=None):
    if mode not in ('reduced', 'r', 'complete'):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           "'complete'")
    if A._data.ndim < 2:
        raise RuntimeError('linalg.qr: The input tensor A must have at least 2 dimensions.')
    _check_float('linalg.qr', A)
    if mode == 'r':
        return _QR((wrap(_device.xp_of(A._data).empty((0,), dtype=A._data.dtype)), QrR.apply(A)))
    return _QR(Qr.apply(A, mode=mode))


# ---------------------------------------------------------------- svd, eigh
class Svd(Op):
    node_name = 'LinalgSvdBackward0'

    @staticmethod
    def forward(ctx, a, full_matrices=True):
        u, s, vh = _device.xp_of(a).linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S._data.shape[-1]
        if U._data.shape[-1] != k:          # full_matrices: only the reduced part has a gradient
            U, gU = U[..., :, :k], gU[..., :, :k]
        if Vh._data.shape[-2] != k:
            Vh, gVh = Vh[..., :k, :], gVh[..., :k, :]
        return svd_backward(gU, gS, gVh, U, S, Vh)


def svd_backward(gU, gS, gVh, U, S, Vh):
    """PyTorch's svd_backward for real inputs (distinct singular values assumed)."""
    m, n = U._data.shape[-2], Vh._data.shape[-1]
    UhgU = U.mT @ gU
    UhgU = UhgU - UhgU.mT
    VhgV = Vh @ gVh.mT
    VhgV = VhgV - VhgV.mT
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye_like(S._data.shape[-1], S)
    gA = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E + diag_embed(gS)
    if m > n:
        gA = U @ gA
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - U @ (U.mT @ gUSinv)
        return gA @ Vh
    if m < n:
        gA = gA @ Vh
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - (SinvgVh @ Vh.mT) @ Vh
        return U @ gA
    return U @ (gA @ Vh)


class _SVD(tuple):
    __slots__ = ()
    U = property(lambda self: self[0])
    S = property(lambda self: self[1])
    Vh = property(lambda self: self[2])


def svd(A, full_matrices=True, *, driver=None, out=None):
    if A._data.ndim < 2:
        raise RuntimeError('linalg.svd: The input tensor A must have at least 2 dimensions.')
    _check_float('linalg.svd', A)
    return _SVD(Svd.apply(A, full_matrices=full_matrices))


def svdvals(A, *, driver=None, out=None):
    if A._data.ndim < 2:
        raise RuntimeError('linalg.svd: The input tensor A must have at least 2 dimensions.')
    _check_float('linalg.svd', A)
    # the singular vectors are outputs of the same node, so the second derivative sees how they move
    return Svd.apply(A, full_matrices=False)[1]


class Eigh(Op):
    node_name = 'LinalgEighBackward0'

    @staticmethod
    def forward(ctx, a, UPLO='L'):
        w, v = _device.xp_of(a).linalg.eigh(a, UPLO=UPLO)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye_like(L._data.shape[-1], L)
        VhgV = V.mT @ gV
        ret = VhgV / E
        ret = ret - diag_embed(_diag(ret, 0, -2, -1)) + diag_embed(gL)
        return V @ (ret @ V.mT)


class _Eigh(tuple):
    __slots__ = ()
    eigenvalues = property(lambda self: self[0])
    eigenvectors = property(lambda self: self[1])


def eigh(A, UPLO='L', *, out=None):
    _check_square('linalg.eigh', A)
    return _Eigh(Eigh.apply(A, UPLO=UPLO))


def eigvalsh(A, UPLO='L', *, out=None):
    _check_square('linalg.eigvalsh', A)
    return Eigh.apply(A, UPLO=UPLO)[0]


# ---------------------------------------------------------------- norms
def _norm_axes(dim, ndim):
    from .ops.reduction import _axes
    if dim is None:
        return tuple(range(ndim))
    axes = _axes(dim, ndim)
    return axes if axes is not None else tuple(range(ndim))


class VectorNorm(Op):
    node_name = 'LinalgVectorNormBackward0'

    @staticmethod
    def forward(ctx, a, ord=2.0, axes=(), keepdim=False):
        xp = _device.xp_of(a)
        x = xp.abs(a)
        if ord == math.inf:
            out = x.max(axis=axes, keepdims=True) if x.size else xp.zeros([1] * x.ndim, dtype=a.dtype)
        elif ord == -math.inf:
            out = x.min(axis=axes, keepdims=True)
        elif ord == 0:
            out = (x != 0).sum(axis=axes, keepdims=True).astype(a.dtype)
        elif ord == 1:
            out = x.sum(axis=axes, keepdims=True)
        elif ord == 2:
            out = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
        else:
            out = (x ** ord).sum(axis=axes, keepdims=True) ** (1.0 / ord)
        ctx.ord, ctx.axes, ctx.keep_shape = ord, axes, out.shape
        out = out.astype(a.dtype, copy=False)
        if not keepdim:
            out = out.squeeze(axes) if axes else out.reshape(())
        ctx.save_for_backward(a, out)       # the returned array: known as this op's output in double backward
        return out

    @staticmethod
    def backward(ctx, g):
        from .ops.unary import where
        a, norm = ctx.saved_tensors
        p = ctx.ord
        g = g.reshape(ctx.keep_shape)
        norm = norm.reshape(ctx.keep_shape)
        if p == 0:
            return a * 0
        if p == 1:
            return g * a.sign()
        if p in (math.inf, -math.inf):
            hit = (a.abs() == norm)
            hit_f = wrap(hit._data.astype(a._data.dtype))
            count = hit_f.sum(ctx.axes, keepdim=True)
            return g * a.sign() * hit_f / count
        zero = norm == 0
        safe = where(zero, 1.0, norm)
        if p == 2:
            scaled = a / safe
        else:
            nz = a != 0
            scaled = a.sign() * where(nz, a.abs(), 1.0) ** (p - 1) / safe ** (p - 1)
            scaled = where(nz, scaled, 0.0)
        return where(zero, 0.0, g * scaled)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    if dtype is not None:
        x = x.to(dtype)
    _check_float('linalg.vector_norm', x)
    nd = x._data.ndim
    if nd == 0:
        return VectorNorm.apply(x.reshape(1), ord=float(ord), axes=(0,), keepdim=False)
    return VectorNorm.apply(x, ord=float(ord), axes=_norm_axes(dim, nd), keepdim=keepdim)


def matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    from .ops.reduction import amax, amin
    if dtype is not None:
        A = A.to(dtype)
    if A._data.ndim < 2:
        raise RuntimeError('linalg.matrix_norm: The input tensor A must have at least 2 dimensions.')
    _check_float('linalg.matrix_norm', A)
    nd = A._data.ndim
    d0, d1 = (d % nd for d in dim)
    if ord == 'fro':
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord not in ('nuc', 2, -2, 1, -1, math.inf, -math.inf):
        raise RuntimeError(f'linalg.matrix_norm: Order {ord} not supported.')
    if ord in ('nuc', 2, -2):
        moved = A.movedim((d0, d1), (-2, -1))
        s = svdvals(moved)
        r = s.sum(-1) if ord == 'nuc' else amax(s, -1) if ord == 2 else amin(s, -1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
        return r
    # 1: largest column sum (sum over rows d0); inf: largest row sum (sum over columns d1)
    summed, other = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = vector_norm(A, 1, summed, keepdim=True)
    r = (amax if ord > 0 else amin)(sums, other, keepdim=True)
    return r if keepdim else r.reshape(tuple(n for i, n in enumerate(r._data.shape) if i not in (d0, d1)))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2:
            return matrix_norm(A, 'fro' if ord is None else ord, dims, keepdim, dtype=dtype)
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    nd = A._data.ndim
    if nd == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if nd == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f'linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D.')


def cross(input, other, *, dim=-1):
    from .ops.matrix import cross as _cross
    return _cross(input, other, dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):   # noqa: F811  (torch.linalg.diagonal's keyword-only form)
    return _diag(A, offset, dim1, dim2)

