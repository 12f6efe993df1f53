"""The handle every register_*_hook returns (PyTorch's torch.utils.hooks.RemovableHandle)."""
import itertools


class RemovableHandle:
    """`remove()` takes the hook out again; also a context manager. Modules and optimizers keep hooks
    in an ordered dict under the handle's `id`; the autograd engine, which runs them on every
    backward, keeps them in plain lists, and the handle then remembers the hook itself."""
    __slots__ = ('hooks_dict_ref', 'id', '_hook')
    _next_id = itertools.count()

    def __init__(self, hooks, hook=None):
        self.hooks_dict_ref = hooks
        self.id = next(RemovableHandle._next_id)
        self._hook = hook

    def remove(self):
        hooks = self.hooks_dict_ref
        if isinstance(hooks, dict):
            hooks.pop(self.id, None)
        elif self._hook in hooks:
            hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
