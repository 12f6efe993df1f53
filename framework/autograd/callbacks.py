"""Hooks that run around gradient accumulation: what DistributedDataParallel needs from the engine.

Two PyTorch entry points live here, outside the engine's main loop, so the engine only calls in:
- `Tensor.register_post_accumulate_grad_hook(hook)`: `hook(tensor)` runs right after a gradient was
  accumulated into the leaf's `.grad` (once per accumulation, in registration order). DDP uses it to
  learn that a parameter's gradient is final for this backward and its bucket can be reduced.
- `Variable._execution_engine.queue_callback(fn)`: only valid while a backward runs; `fn()` runs once
  that backward has delivered every gradient (callbacks queued by callbacks run too), then the queue
  is cleared. DDP uses it to wait for the last buckets before `backward()` returns.

Each backward call owns one queue (a stack of them, so a backward started inside a hook has its own).
"""
import functools
import threading

from .._hooks import RemovableHandle
from .function import accumulator

_local = threading.local()          # .queues: one list of callbacks per backward running in this thread


def _queues():
    q = getattr(_local, 'queues', None)
    if q is None:
        q = _local.queues = []
    return q


class _ExecutionEngine:
    """The object PyTorch exposes as `torch.autograd.Variable._execution_engine`."""

    def queue_callback(self, callback):
        queues = _queues()
        if not queues:
            raise RuntimeError('Final callbacks can only be installed during backward pass.')
        queues[-1].append(callback)


def with_final_callbacks(run_backward):
    """Give each call of `run_backward` its own callback queue, run after every gradient is in place.

    On an error the queue is dropped unrun, as PyTorch drops a failed graph task's callbacks.
    """
    @functools.wraps(run_backward)
    def run(*args, **kwargs):
        queues = _queues()
        queue = []
        queues.append(queue)
        try:
            result = run_backward(*args, **kwargs)
            i = 0
            while i < len(queue):            # a callback may queue more callbacks
                queue[i]()
                i += 1
            return result
        finally:
            queues.pop()
    return run


def register_post_accumulate_grad_hook(tensor, hook):
    if not tensor._rg:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor.grad_fn is not None:
        raise RuntimeError('post accumulate grad hooks cannot be registered on non-leaf tensors')
    node = accumulator(tensor)
    if node._post_acc_hooks is None:
        node._post_acc_hooks = []
    node._post_acc_hooks.append(hook)
    return RemovableHandle(node._post_acc_hooks, hook)


def run_post_accumulate_grad_hooks(node, tensor):
    for hook in tuple(node._post_acc_hooks):         # a hook may remove itself
        r = hook(tensor)
        if r is not None:
            raise TypeError(f"expected Variable, but hook returned '{type(r).__name__}'")

