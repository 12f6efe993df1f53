"""Tensor methods for the ops in sorting.py, matrix.py, pointwise.py, scatter_reduce.py and framework.linalg.

Kept apart from the method table in _tensor.py so that table stays one file's business; imported
once from framework/__init__.py.
"""
from .._tensor import Tensor
from . import matrix as _mx, pointwise as _pw, scatter_reduce as _sr, sorting as _so


def _nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    from .inplace import apply_inplace
    return apply_inplace(self, lambda a: _pw.nan_to_num(a, nan, posinf, neginf), None, nargs=1)


def _linalg(name):
    def method(self, *args, **kw):
        from .. import linalg
        return getattr(linalg, name)(self, *args, **kw)
    method.__name__ = name
    return method


def logdet(input):
    """log(det(A)): NaN for a negative determinant, -inf for a singular matrix, as in PyTorch."""
    from ..linalg import slogdet
    from .unary import where
    sign, logabs = slogdet(input)
    return where(sign < 0, float('nan'), logabs)


_more = {
    'sort': _so.sort, 'argsort': _so.argsort, 'msort': _so.msort, 'topk': _so.topk, 'kthvalue': _so.kthvalue,
    'median': _so.median, 'mode': _so.mode, 'cummax': _so.cummax, 'cummin': _so.cummin, 'unique': _so.unique,
    'diag': _mx.diag, 'diagonal': _mx.diagonal, 'diag_embed': _mx.diag_embed, 'trace': _mx.trace,
    'outer': _mx.outer, 'ger': _mx.outer, 'cross': _mx.cross, 'kron': _mx.kron,
    'addmm': _mx.addmm, 'addmv': _mx.addmv, 'addr': _mx.addr, 'baddbmm': _mx.baddbmm, 'addbmm': _mx.addbmm,
    'lerp': _pw.lerp, 'roll': _pw.roll, 'repeat_interleave': _pw.repeat_interleave, 'nan_to_num': _pw.nan_to_num,
    'nan_to_num_': _nan_to_num_, 'logcumsumexp': _pw.logcumsumexp, 'addcmul': _pw.addcmul,
    'addcdiv': _pw.addcdiv, 'index_add': _pw.index_add, 'index_add_': _pw.index_add_,
    'scatter_reduce': _sr.scatter_reduce, 'scatter_reduce_': _sr.scatter_reduce_,
    'det': _linalg('det'), 'inverse': _linalg('inv'), 'slogdet': _linalg('slogdet'), 'logdet': logdet,
}
for _name, _fn in _more.items():
    setattr(Tensor, _name, _fn)
del _name, _fn
