"""framework: a PyTorch-compatible neural-network framework on its own autograd engine.

`import framework as torch` runs PyTorch-style programs unchanged. This module only re-exports.
"""
from ._dtype import (dtype, bool_ as bool, uint8, int8, int16, int32, int64, float16, float32, float64,
                     get_default_dtype, set_default_dtype, promote_types)
from ._dtype import float32 as float, float64 as double, float16 as half, int64 as long, int32 as int, int16 as short
from ._device import device
from ._tensor import Tensor, Size
from ._tensor_str import set_printoptions
from .autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode
from .creation import (tensor, as_tensor, from_numpy, zeros, ones, empty, full, eye, arange, linspace, logspace,
                       rand, randn, randint, randperm, zeros_like, ones_like, empty_like, full_like, rand_like,
                       randn_like)
from .random import manual_seed, seed, initial_seed, get_rng_state, set_rng_state, Generator, default_generator
from .ops.arithmetic import (add, sub, mul, div, neg, pow, float_power, rsub, subtract, multiply, divide, true_divide,
                             negative)
from .ops.unary import exp, log, sin, cos, tanh, sigmoid, relu, sqrt, abs, sign, where, absolute
from .ops.unary import (tan, atan, arctan, log1p, expm1, log2, log10, rsqrt, reciprocal, square, floor, ceil, round,
                        trunc, fix, frac, clamp, clip, clamp_min, clamp_max, maximum, minimum, fmax, fmin,
                        floor_divide, remainder, fmod, softplus)
from .ops.reduction import sum, mean, norm
from .ops.reduction import (max, min, amax, amin, aminmax, argmax, argmin, var, std, var_mean, std_mean, prod,
                            logsumexp, cumsum, softmax, log_softmax, return_types)
from .ops.linalg import matmul, mm, bmm, dot, mv
from .ops.shape import reshape, flatten, unsqueeze, squeeze, transpose, t, permute, cat, stack, concat, concatenate
from .ops.shape import (split, chunk, tensor_split, unbind, flip, narrow, movedim, moveaxis, swapaxes, swapdims,
                        tile, tril, triu, unflatten, ravel, broadcast_to, broadcast_tensors, atleast_1d, hstack,
                        vstack)
from .ops.shape import select
from .ops.reduction import cumprod
from .ops.unary import atan2, arctan2
from .ops.shape import strict_reshape as reshape, strict_permute as permute  # noqa: F811  (one sequence)
from .ops.indexing import gather, scatter, scatter_add, index_select, masked_fill, masked_select, take_along_dim
from .ops.comparison import bitwise_and, bitwise_or, bitwise_xor, bitwise_not, nonzero, count_nonzero, argwhere
from .ops.comparison import (eq, ne, gt, ge, lt, le, greater, greater_equal, less, less_equal, not_equal, all, any,
                             isnan, isinf, isfinite, equal, allclose, isclose, logical_and, logical_or, logical_not,
                             logical_xor)
from .ops.convert import clone
from . import autograd
from .autograd import Function  # noqa: F401  (torch.autograd.Function is the usual spelling)
from . import cuda
from . import backends


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def FloatTensor(*args, **kw):
    return Tensor(*args, dtype=float32, **kw)


def DoubleTensor(*args, **kw):
    return Tensor(*args, dtype=float64, **kw)


def LongTensor(*args, **kw):
    return Tensor(*args, dtype=int64, **kw)


def IntTensor(*args, **kw):
    return Tensor(*args, dtype=int32, **kw)


def BoolTensor(*args, **kw):
    return Tensor(*args, dtype=bool, **kw)


def __getattr__(name):
    # nn, optim, utils and training load on first use, keeping `import framework` light
    import importlib
    if name in ('nn', 'optim', 'utils', 'training', 'models', 'distributed'):
        return importlib.import_module(f'.{name}', __name__)
    raise AttributeError(f"module 'framework' has no attribute '{name}'")


__version__ = '0.1.0'
from .serialization import save, load  # noqa: E402
from .ops.sorting import (sort, argsort, msort, topk, kthvalue, median, mode, cummax, cummin, unique,  # noqa: E402
                          searchsorted, bucketize)
from .ops.einsum import einsum  # noqa: E402
from .ops.matrix import (diag, diagonal, diag_embed, trace, outer, ger, cross, kron, cdist, addmm, addmv,  # noqa: E402
                         addr, baddbmm, addbmm)
from .ops.pointwise import (lerp, roll, repeat_interleave, nan_to_num, logcumsumexp, addcmul, addcdiv,  # noqa: E402
                            index_add)
from .ops.scatter_reduce import scatter_reduce  # noqa: E402
from .ops.more_methods import logdet  # noqa: E402
from . import linalg  # noqa: E402
from .linalg import det, slogdet, inv as inverse  # noqa: E402
