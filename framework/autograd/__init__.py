"""framework.autograd: backward, grad, Function, gradcheck, grad modes, functional, anomaly."""
from .._tensor import Tensor
from .function import Function, Node
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode
from .engine import run_backward
from .gradcheck import gradcheck, gradgradcheck
from .anomaly import detect_anomaly, set_detect_anomaly
from .callbacks import _ExecutionEngine
from . import functional, graph


def _as_list(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return [x]
    return list(x)


def _grads_for(outputs, grads):
    if grads is None:
        return [None] * len(outputs)
    grads = [grads] if isinstance(grads, Tensor) or not isinstance(grads, (list, tuple)) else list(grads)
    if len(grads) != len(outputs):
        raise RuntimeError(f'got {len(grads)} tensors and {len(outputs)} gradients')
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None):
    """Accumulate the gradients of `tensors` into the `.grad` of the leaves (or of `inputs`)."""
    tensors = _as_list(tensors)
    grads = _grads_for(tensors, grad_tensors if grad_tensors is not None else grad_variables)
    inputs = _as_list(inputs)
    if inputs is not None and not inputs:
        raise RuntimeError('`inputs` argument to `backward()` cannot be empty.')
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple shaped like `inputs`; `.grad`
    is left untouched."""
    outputs = _as_list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if not inputs:
        raise RuntimeError('`inputs` argument to `grad()` cannot be empty.')
    if allow_unused is None:
        allow_unused = materialize_grads
    grads = _grads_for(outputs, grad_outputs)
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs, capture=True,
                          allow_unused=allow_unused)
    if materialize_grads:
        from ..creation import zeros_like
        result = tuple(zeros_like(i) if r is None else r for r, i in zip(result, inputs))
    return result


def Variable(data, requires_grad=False, volatile=False):
    """The legacy wrapper: returns the tensor itself (with requires_grad set), as PyTorch does now."""
    if not isinstance(data, Tensor):
        raise TypeError('Variable data has to be a tensor, but got ' + type(data).__name__)
    if requires_grad:
        if data._data.dtype.kind not in 'fc':
            from .._tensor import ONLY_FLOATING
            raise RuntimeError(ONLY_FLOATING)
        data.requires_grad_(True)
    return data


Variable._execution_engine = _ExecutionEngine()     # PyTorch's spelling: Variable._execution_engine.queue_callback

__all__ = ['Function', 'Variable', 'backward', 'grad', 'gradcheck', 'gradgradcheck', 'no_grad', 'enable_grad',
           'set_grad_enabled', 'is_grad_enabled', 'inference_mode', 'detect_anomaly', 'set_detect_anomaly',
           'functional', 'graph', 'Node']
