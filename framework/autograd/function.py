"""Function: an op with its forward and backward side by side, and the graph node it leaves.

Built-in ops (subclasses of `Op`) compute `forward(ctx, *args)` on raw arrays; user-defined
`Function`s get Tensors, as in PyTorch. Either way `apply` records a node only when grad mode is
on and some input requires grad. The node is the `ctx` that forward saw: it holds the edges to
its inputs' nodes (`next_functions`) and what `save_for_backward` kept, never its own output, so
dropping the output frees the whole graph (no reference cycles).

`backward(ctx, *grads)` is written with Tensor ops: with `create_graph=True` the engine turns
grad mode on while it runs, and the same formula records a graph for higher derivatives.
"""
import weakref

import numpy as np

from .. import _device, _dtype
from .._hooks import RemovableHandle
from .._tensor import Tensor, _new_vc, bump_version, wrap
from .grad_mode import state as _grad_state

_ndarray = np.ndarray

SECOND_BACKWARD = (
    'Trying to backward through the graph a second time (or directly access saved tensors after they '
    'have already been freed). Saved intermediate values of the graph are freed when you call .backward() '
    'or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second '
    'time or if you need to access saved tensors after calling backward.')

# kinds of saved values
_INPUT, _OUTPUT, _OTHER = 0, 1, 2


class Node:
    """A recorded op. Subclassed once per Function (`MulBackward0`, ...), named as in PyTorch."""
    __slots__ = ('next_functions', '_saved', '_meta', '__dict__', '__weakref__')
    _fn = None                      # the Function whose backward this node runs
    _n_out = 1                      # how many outputs the op had (set per node only when more than one)
    _to_save = ()                   # filled by save_for_backward during forward
    _tensor_hooks = None            # {output_nr: [hook, ...]} from Tensor.register_hook on non-leaves
    _retained = None                # {output_nr: weakref to the tensor} from retain_grad()
    _hooks = None                   # Node.register_hook: fn(grad_inputs, grad_outputs)
    _pre_hooks = None               # Node.register_prehook: fn(grad_outputs)
    _anomaly = None                 # forward stack, recorded under detect_anomaly()
    needs_input_grad = ()
    materialize_grads = True
    _non_differentiable = ()
    _dirty = ()                     # inputs a user Function's forward changed in place (mark_dirty)

    # ---- the ctx API seen by forward/backward ----
    def save_for_backward(self, *values):
        self._to_save = values

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = value

    def _checked(self):
        """The saved entries, once none has been freed by backward or changed in place since forward."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(SECOND_BACKWARD)
        for kind, obj, vc, version in saved:
            if vc is not None and vc[0] != version:
                raise RuntimeError(_modified_message(self, obj, kind, vc[0], version))
        return saved

    @property
    def saved_tensors(self):
        out = []
        for kind, obj, _, _ in self._checked():
            if kind == _INPUT:
                out.append(obj)
            elif kind == _OUTPUT:
                arr, nr = obj
                t = wrap(arr)
                if _grad_state.enabled:          # create_graph: the output's own history is this node
                    t._rg = True
                    t.grad_fn = self
                    t._out = nr
                out.append(t)
            elif obj is None or obj.__class__ in _SCALARS:
                out.append(obj)
            else:
                out.append(wrap(_device.as_array(obj)) if hasattr(obj, 'dtype') and not isinstance(obj, Tensor)
                           else obj)
        return tuple(out)

    saved_variables = saved_tensors

    def saved_arrays(self):
        """What forward saved, as bare arrays (numbers and None as they are), version-checked like
        `saved_tensors`: for backward formulas that record nothing (grad mode off)."""
        return [obj._data if kind == _INPUT else obj[0] if kind == _OUTPUT else obj
                for kind, obj, _, _ in self._checked()]

    # ---- graph inspection, as in PyTorch ----
    def name(self):
        return type(self).__name__

    def register_hook(self, fn):
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return RemovableHandle(self._pre_hooks, fn)

    @property
    def metadata(self):
        if '_metadata' not in self.__dict__:
            self._metadata = {}
        return self._metadata

    def __repr__(self):
        return f'<{type(self).__name__} object at {id(self):#x}>'

    def __call__(self, *grads):
        out = self._fn.backward(self, *grads)
        return out


class AccumulateGrad(Node):
    """The node behind a leaf that requires grad: gradients arriving here go into `.grad`.

    It refers to its leaf weakly (the leaf holds it strongly, in `_acc`), so leaf and node never
    keep each other alive.
    """
    __slots__ = ('_var',)
    _post_acc_hooks = None          # [hook(tensor)] from Tensor.register_post_accumulate_grad_hook

    def __init__(self, tensor):
        self._var = weakref.ref(tensor)
        self.next_functions = ()
        self._saved = ()

    @property
    def variable(self):
        return self._var()


def accumulator(t):
    acc = t._acc
    if acc is None:
        acc = t._acc = AccumulateGrad(t)
    return acc


class FunctionMeta(type):
    """Gives every Function its node class, named like PyTorch's (`Mul` -> `MulBackward0`)."""

    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        node_name = ns.get('node_name') or (name + ('Backward0' if ns.get('_builtin', _is_builtin(bases))
                                                    else 'Backward'))
        cls._Node = type(node_name, (Node,), {'__slots__': (), '_fn': cls})


def _is_builtin(bases):
    return any(getattr(b, '_builtin', False) for b in bases)


class Function(metaclass=FunctionMeta):
    """User-facing base: `forward(ctx, *tensors)` runs without recording; `backward(ctx, *grads)`."""
    _builtin = False

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError('You must implement the forward function for custom autograd.Function.')

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError('You must implement either the backward or vjp method for your custom '
                                  'autograd.Function to use it with backward mode AD.')

    vjp = backward

    @classmethod
    def apply(cls, *args):
        ctx = cls._Node()
        # set whatever the grad mode, as PyTorch does: forward may read it under no_grad too
        ctx.needs_input_grad = tuple([isinstance(a, Tensor) and a._rg for a in args])
        need = _grad_state.enabled and any(ctx.needs_input_grad)
        prev = _grad_state.enabled
        _grad_state.enabled = False
        try:
            out = cls.forward(ctx, *args)
        finally:
            _grad_state.enabled = prev
        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        dirty = ctx._dirty
        if dirty:
            _changed_in_place(dirty, outs, prev)
        if not need:
            return out
        non_diff = ctx._non_differentiable
        results = []
        arrays = []
        for o in outs:
            if isinstance(o, Tensor):
                if any(o is d for d in dirty):
                    r = o       # changed in place: the same tensor, its history rebased onto this node
                else:
                    # a fresh Tensor object sharing the data: the user may return an input unchanged
                    r = wrap(o._data)
                    if any(o is a for a in args) or o._vc is not None:
                        r._vc = o._vc if o._vc is not None else _new_vc(o)
                differentiable = o._data.dtype.kind == 'f' and not any(o is n for n in non_diff)
                results.append((r, differentiable))
                arrays.append(o)
            else:
                results.append((o, False))
                arrays.append(None)
        _record(ctx, args, [r for r, _ in results], [d for _, d in results], arrays)
        final = tuple(r for r, _ in results)
        return final[0] if single else final


def _changed_in_place(dirty, outs, grad_mode):
    """mark_dirty, as PyTorch checks it: every dirty input is returned, a leaf that requires grad may
    not be changed under grad mode, and each one's version moves on (saved copies of it go stale)."""
    for d in dirty:
        if not any(o is d for o in outs):
            raise RuntimeError('Some elements marked as dirty during the forward method were not returned as '
                               'output. The inputs that are modified inplace must all be outputs of the Function.')
        if grad_mode and d._rg and d.grad_fn is None:
            raise RuntimeError('a leaf Variable that requires grad has been used in an in-place operation.')
        if grad_mode and d._base is not None and d._base._rg:
            raise RuntimeError('framework does not support mark_dirty on a view of a tensor that requires grad '
                               '(PyTorch rebases the base onto CopySlices); return the base instead')
        bump_version(d)


class Op(Function):
    """Base of the built-in ops: forward on raw arrays (and Python scalars), backward on Tensors."""
    _builtin = True

    @classmethod
    def apply(cls, *args, **options):
        """Positional args are the op's inputs (Tensors or numbers, one gradient each); keyword
        options (dims, flags) go to forward unchanged and take no part in the graph."""
        ctx = cls._Node()
        if _grad_state.enabled:
            arrays, need = _graph_inputs(ctx, args)
        else:
            arrays, need = [a._data if isinstance(a, Tensor) else a for a in args], False
        if _device._cupy:
            arrays = _on_one_device(ctx, args, arrays, need)
        out = cls.forward(ctx, *arrays, **options)
        if need:
            return _recorded(ctx, args, out)
        if out.__class__ is _ndarray:
            return wrap(out)
        if out.__class__ is tuple:
            return tuple(wrap(o if o.__class__ is _ndarray else _device.as_array(o)) for o in out)
        return wrap(_device.as_array(out))


def _graph_inputs(ctx, args):
    """The inputs' arrays, and whether any needs a gradient. If one does, one pass also gives the node
    its edges to the inputs' nodes, their shapes and dtypes (to bring gradients back to them) and
    needs_input_grad."""
    arrays = []
    edges = []
    meta = []
    needs = []
    need = False
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            arrays.append(d)
            if a._rg:
                need = True
                fn = a.grad_fn
                edges.append((fn, a._out) if fn is not None else (a._acc or accumulator(a), 0))
                meta.append((d.shape, d.dtype))
                needs.append(True)
                continue
        else:
            arrays.append(a)
        edges.append(_NO_EDGE)
        meta.append(None)
        needs.append(False)
    if need:
        ctx.needs_input_grad = tuple(needs)
        ctx.next_functions = tuple(edges)
        ctx._meta = tuple(meta)
    return arrays, need


def _on_one_device(ctx, args, arrays, need):
    """0-d CPU inputs of a GPU op moved to the GPU; their gradients are marked to go back to the CPU."""
    moved = _device.on_one_device(args, arrays)
    if moved is not arrays and need:
        ctx._meta = tuple(m if m is None or moved[i] is arrays[i] else HostInput(m) for i, m in enumerate(ctx._meta))
    return moved


def _recorded(ctx, args, out):
    """Forward's result as Tensors whose grad_fn is the node. One output is wired here directly (the
    hot path: no per-output metadata, which a single output never needs); several go to `_record`."""
    if out.__class__ is tuple:
        outs = [wrap(o if o.__class__ is _ndarray else _as_output(ctx, o)) for o in out]
        _record(ctx, args, outs, [o._data.dtype.kind == 'f' for o in outs], None)
        return tuple(outs)
    r = wrap(out if out.__class__ is _ndarray else _as_output(ctx, out))
    if r._data.dtype.kind == 'f':
        to_save = ctx._to_save
        if to_save:
            ctx._saved = _pack(to_save, args, (r,), ctx)
            ctx._to_save = ()
        else:
            ctx._saved = ()
        r._rg = True
        r.grad_fn = ctx
        if _anomaly_state[0]:
            _record_anomaly(ctx)
    return r


_NO_EDGE = (None, 0)


class HostInput(tuple):
    """An input's (shape, dtype) in a node's `_meta`, for a 0-d CPU tensor that joined a GPU op."""
    __slots__ = ()


# Backward formulas may skip the Tensor ops when no graph is recorded (grad mode off while the
# engine runs without create_graph): they compute on arrays and wrap the result once.
def grad_of(arr):
    """An array result as a gradient Tensor (NumPy gives scalars for 0-d operands)."""
    return wrap(arr if arr.__class__ is _ndarray else _device.as_array(arr))


def elementwise(formula):
    """A backward from one formula over the incoming gradient and the saved values, written with
    arithmetic operators only, so that it runs on Tensors when a graph is recorded (create_graph)
    and on the bare arrays otherwise: `backward = elementwise(lambda g, out: g * out)`."""
    def backward(ctx, g):
        if _grad_state.enabled:
            return formula(g, *ctx.saved_tensors)
        return grad_of(formula(g._data, *ctx.saved_arrays()))
    return staticmethod(backward)


def formula(fn):
    """A backward written once, as math: `fn(ctx, m, g, *saved)` where `m` names the functions it calls
    with PyTorch's names (`m.cos(a)`, `m.sum(g, dim, keepdim=True)`, `m.reshape(g, shape)`).

    When a graph is recorded (create_graph) `g` and the saved values are Tensors and `m` is framework
    itself, so the formula records its own graph; otherwise they are bare arrays and `m` the array
    module under those names, so no op is dispatched and each gradient is wrapped once. A result may be
    one gradient or a tuple of them (None for an input that needs none)."""
    def backward(ctx, *grads):
        if _grad_state.enabled:
            return fn(ctx, _framework(), *grads, *ctx.saved_tensors)
        if len(grads) == 1:         # most ops: one output
            g = grads[0]._data
            out = fn(ctx, _array_math(g), g, *ctx.saved_arrays())
        else:
            arrays = [None if g is None else g._data for g in grads]
            out = fn(ctx, _array_math(next(a for a in arrays if a is not None)), *arrays, *ctx.saved_arrays())
        if out.__class__ is tuple:
            # one array given to two inputs stays one Tensor, so the engine sees the sharing
            wrapped = {}
            return tuple([None if o is None else wrapped.get(id(o)) or wrapped.setdefault(id(o), grad_of(o))
                          for o in out])
        return grad_of(out)
    backward.__doc__ = fn.__doc__
    return staticmethod(backward)


def _framework():
    import framework        # resolved at the first backward, long after the package finished importing
    return framework


class _ArrayMath:
    """PyTorch's names for the few array functions backward formulas call, over NumPy or CuPy."""
    _COMMON = ('cos', 'sin', 'exp', 'log', 'tanh', 'where', 'reshape', 'swapaxes', 'matmul', 'stack')

    def __init__(self, xp):
        self.xp = xp
        for name in self._COMMON:           # looked up once, not on every backward
            setattr(self, name, getattr(xp, name))

    def __getattr__(self, name):            # the rest of the array module's functions
        return getattr(self.xp, name)

    @staticmethod
    def sum(x, dim=None, keepdim=False):
        return x.sum(axis=dim, keepdims=keepdim)

    @staticmethod
    def permute(x, dims):
        return x.transpose(dims)

    @staticmethod
    def squeeze(x, dim):
        return x.reshape(x.shape[:dim] + x.shape[dim + 1:])

    @staticmethod
    def t(x):
        return x.T

    def cat(self, arrays, dim=0):
        return self.xp.concatenate(arrays, axis=dim)

    def sigmoid(self, x):
        # 1/(1+exp(-x)) overflows for very negative x only to inf, which gives the right 0
        with _device.errstate(self.xp, over='ignore'):
            return 1 / (1 + self.xp.exp(-x))


_NUMPY_MATH = _ArrayMath(np)


def _array_math(arr):
    return _NUMPY_MATH if arr.__class__ is _ndarray else _ArrayMath(_device.xp_of(arr))


def _as_output(ctx, out):
    """An output that is not an ndarray (NumPy gives scalars for 0-d inputs) as an array. If forward
    saved it, the array is saved instead, so it is still known as this op's output: its history
    then takes part in double backward."""
    arr = _device.as_array(out)
    to_save = ctx._to_save
    if to_save and arr is not out:
        ctx._to_save = tuple([arr if v is out else v for v in to_save])
    return arr


def _edge(a):
    if isinstance(a, Tensor) and a._rg:
        fn = a.grad_fn
        return (fn, a._out) if fn is not None else (accumulator(a), 0)
    return _NO_EDGE


def _record(ctx, args, outs, differentiable, user_outs):
    """Wire a node with several outputs (or a user Function's) into the graph."""
    ctx.next_functions = tuple([_edge(a) for a in args])
    ctx._meta = tuple([(a._data.shape, a._data.dtype) if isinstance(a, Tensor) and a._rg else None
                       for a in args])
    ctx._n_out = len(outs)
    ctx._out_meta = tuple((o._data.shape, o._data.dtype, _device.xp_of(o._data)) if isinstance(o, Tensor) else None
                          for o in outs)
    to_save = ctx._to_save
    ctx._saved = _pack(to_save, args, outs, ctx, user_outs) if to_save else ()
    if to_save:
        ctx._to_save = ()
    for i, (o, d) in enumerate(zip(outs, differentiable)):
        if d:
            o._rg = True
            o.grad_fn = ctx
            o._out = i
    if _anomaly_state[0]:
        _record_anomaly(ctx)


_SCALARS = (float, int, bool)


def _pack(values, args, outs, ctx, user_outs=None):
    """Turn what forward saved into (kind, object, version counter, version) entries.

    An input is kept as its Tensor (so double backward sees its history); an output as its array,
    re-attached to this node on unpacking; anything else as it is. Inputs and outputs are stamped
    with their version, so an in-place change before backward is caught.
    """
    packed = []
    for v in values:
        entry = None
        if v is None or v.__class__ in _SCALARS:
            packed.append((_OTHER, v, None, 0))
            continue
        for a in args:
            if isinstance(a, Tensor) and (v is a or v is a._data):
                vc = a._vc if a._vc is not None else _new_vc(a)
                entry = (_INPUT, a, vc, vc[0])
                break
        if entry is None:
            for i, o in enumerate(outs):
                if isinstance(o, Tensor) and (v is o or v is o._data or
                                              (user_outs is not None and v is user_outs[i])):
                    vc = o._vc if o._vc is not None else _new_vc(o)
                    entry = (_OUTPUT, (o._data, i), vc, vc[0])
                    break
        if entry is None:
            entry = (_OTHER, v, None, 0)
        packed.append(entry)
    return tuple(packed)


def _modified_message(node, obj, kind, now, expected):
    arr = obj._data if kind == _INPUT else obj[0]
    shape = ', '.join(str(s) for s in arr.shape)
    name = _dtype.tensor_type_name(arr.dtype)
    if kind == _INPUT:
        fn = obj.grad_fn
        where = f', which is output {obj._out} of {_op_name(fn)},' if fn is not None else ''
    else:
        where = f', which is output {obj[1]} of {_op_name(node)},'
    return (f'one of the variables needed for gradient computation has been modified by an inplace operation: '
            f'[torch.{name} [{shape}]]{where} is at version {now}; expected version {expected} instead. '
            'Hint: enable anomaly detection to find the operation that failed to compute its gradient, with '
            'torch.autograd.set_detect_anomaly(True, check_nan=False).')


def _op_name(node):
    """PyTorch names the forward op here: `Exp` for ExpBackward0."""
    name = type(node).__name__
    cut = name.rfind('Backward')
    return name[:cut] if cut > 0 else name


# anomaly mode is switched by autograd.anomaly; kept here as a one-element list so apply reads it cheaply
_anomaly_state = [False]


def _record_anomaly(ctx):
    import traceback
    ctx._anomaly = traceback.format_stack()[:-3]
