"""Parameter: a leaf Tensor that a Module registers when assigned as an attribute."""
from .._tensor import Tensor, wrap, ONLY_FLOATING


class Parameter(Tensor):
    """A Tensor that requires grad by default and shares its data with the tensor it wraps."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        p = wrap(data._data if isinstance(data, Tensor) else wrap(data)._data, _cls=cls)
        if requires_grad:
            if p._data.dtype.kind not in 'fc':   # PyTorch's wording here differs from the setter's
                raise RuntimeError(ONLY_FLOATING)
            p.requires_grad = True
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return 'Parameter containing:\n' + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.detach().cpu()._data, self._rg, str(self.device)))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        new = Parameter(wrap(self._data.copy()), self._rg)
        if self.grad is not None:
            new.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new


def _rebuild_parameter(arr, rg, dev):
    p = Parameter(wrap(arr), rg)
    if dev != 'cpu':
        p.data = p.to(dev)
    return p


class Buffer(Tensor):
    """torch.nn.Buffer: marks a tensor to be registered as a buffer on assignment."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        b = wrap(data._data, _cls=cls)
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent=True):
        pass


class UninitializedParameter(Parameter):
    pass
