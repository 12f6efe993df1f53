"""Grad modes: whether ops record the graph.

One module-level flag read by every op (`state.enabled`); the context managers flip it and
restore it, and double as decorators like PyTorch's.
"""
import functools
import inspect


class _State:
    __slots__ = ('enabled',)


state = _State()
state.enabled = True


def is_grad_enabled():
    return state.enabled


def _decorate(fn, mode):
    """fn run under a fresh `mode()`. A generator function gets the mode around each of its steps
    and not between them, as PyTorch does: the caller's code between two `next` keeps its own mode."""
    if not inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with mode():
                return fn(*args, **kwargs)
        return wrapper

    @functools.wraps(fn)
    def generator(*args, **kwargs):
        gen = fn(*args, **kwargs)
        step, value = gen.send, None
        while True:
            try:
                with mode():
                    out = step(value)
            except StopIteration as stop:
                return stop.value
            try:
                step, value = gen.send, (yield out)
            except GeneratorExit:
                with mode():
                    gen.close()
                raise
            except BaseException as exc:       # thrown in by the caller: pass it on to fn
                step, value = gen.throw, exc
    return generator


class _Mode:
    """Base for the grad-mode context managers, usable as decorators too."""
    _target = True

    def __enter__(self):
        self._prev = state.enabled
        state.enabled = self._target

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def __call__(self, fn):
        return _decorate(fn, lambda: self.__class__(*self._args()))

    def _args(self):
        return ()


class no_grad(_Mode):
    _target = False

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        if callable(fn):               # bare @no_grad
            return self(fn)
        return self

    def __init__(self, fn=None):
        pass


class enable_grad(no_grad):
    _target = True


class set_grad_enabled(_Mode):
    def __init__(self, mode):
        self._target = bool(mode)
        self._prev = state.enabled
        state.enabled = self._target   # takes effect as a plain call too, like PyTorch

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        state.enabled = self._prev
        return False

    def _args(self):
        return (self._target,)

    def __call__(self, fn):
        state.enabled = self._prev     # used as a decorator: undo the eager switch
        target = self._target
        return _decorate(fn, lambda: set_grad_enabled(target))


class inference_mode(no_grad):
    def __new__(cls, mode=True):
        self = super().__new__(cls)
        self._target = not mode
        return self

    def __init__(self, mode=True):
        pass
