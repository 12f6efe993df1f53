"""Bring the operands of a binary op to PyTorch's result dtype before the op runs.

NumPy 2 already treats Python scalars as weak, like PyTorch, so the common cases (same dtypes;
float tensor with a Python number) pass straight through. Everything else is cast here, through
the differentiable `to`, so the gradient of a float32 input comes back float32.
"""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap


SUB_BOOL = ('Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, '
            'use the `~` or `logical_not()` operator instead.')


def is_bool(x):
    return x.__class__ is bool or (isinstance(x, Tensor) and x._data.dtype.kind == 'b')


def operands(a, b, true_divide=False, subtract=False):
    if isinstance(a, Tensor):
        ad = a._data.dtype
        if isinstance(b, Tensor):
            if ad == b._data.dtype and (not true_divide or ad.kind == 'f'):
                return a, b
        elif b.__class__ is float:
            if ad.kind == 'f':
                return a, b
        elif b.__class__ is int:
            if ad.kind == 'f' or (ad.kind in 'iu' and not true_divide):
                return a, b
    if subtract and (is_bool(a) or is_bool(b)):     # (two bool tensors fail later, with their own message)
        raise RuntimeError(SUB_BOOL)
    a = _as_tensor_or_scalar(a)
    b = _as_tensor_or_scalar(b)
    target = _dtype.result_type(a, b)
    if true_divide and not target.is_floating_point:
        target = _dtype.get_default_dtype()
    return _cast(a, target), _cast(b, target)


def _as_tensor_or_scalar(x):
    if isinstance(x, Tensor) or x.__class__ in (int, float, bool):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        return wrap(np.asarray(x))
    if isinstance(x, (int, float, bool)):       # subclasses such as np.float64 handled above
        return x
    if hasattr(x, '__cuda_array_interface__'):
        return wrap(x)
    raise TypeError(f'unsupported operand type: {type(x).__name__}')


def _cast(x, target):
    if isinstance(x, Tensor):
        return x if x._data.dtype == target.np else x.to(target)
    if target.is_floating_point or isinstance(x, bool):
        return x
    return x if isinstance(x, int) else int(x) if target.category == 1 else x


def broadcast_message(*shapes):
    """PyTorch's text for operands whose shapes do not broadcast (None when they do)."""
    n = max(len(s) for s in shapes)
    padded = [(1,) * (n - len(s)) + tuple(s) for s in shapes]
    for d in range(n):
        sizes = [p[d] for p in padded]
        first = next((x for x in sizes if x != 1), 1)
        for k, x in enumerate(sizes):
            if x != 1 and x != first:
                j = sizes.index(first)
                return (f'The size of tensor a ({first}) must match the size of tensor b ({x}) at non-singleton '
                        f'dimension {d}') if j < k else (f'The size of tensor a ({x}) must match the size of tensor '
                                                         f'b ({first}) at non-singleton dimension {d}')
    return None


def shapes_error(*operands):
    """A RuntimeError with PyTorch's broadcasting message for these operands (arrays or scalars)."""
    msg = broadcast_message(*(getattr(o, 'shape', ()) for o in operands))
    return RuntimeError(msg or 'operands could not be broadcast together')
