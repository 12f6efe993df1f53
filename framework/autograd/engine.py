"""The backward engine: dependency counts, then a ready stack; no recursion.

1. Walk the graph from the roots once, counting for every node how many edges point at it.
2. Run nodes whose count has dropped to zero. A node's incoming gradients are summed in its
   buffer before it runs, so a value used twice (`b = a + a`) gets one summed gradient.
3. Gradients reaching an `AccumulateGrad` go into the leaf's `.grad` (or, for `autograd.grad`,
   into the result). Unless `retain_graph`, each node drops its saved values as soon as it ran.

With `create_graph=True` grad mode is on while backward formulas run, so they record a graph.
"""
import numpy as np

from .._device import CPU, move, xp_of as _xp
from .._tensor import Tensor, wrap, Size
from .function import AccumulateGrad, HostInput, accumulator, grad_of, _anomaly_state
from .grad_mode import state as _grad_state
from .callbacks import with_final_callbacks, run_post_accumulate_grad_hooks

_ndarray = np.ndarray


def _root_grad(i, t, g, create_graph):
    shape = t._data.shape
    if g is None:
        if t._data.size != 1:
            raise RuntimeError('grad can be implicitly created only for scalar outputs')
        if t._data.dtype.kind != 'f':
            raise RuntimeError('grad can be implicitly created only for real scalar outputs but got '
                               + repr(t.dtype))
        one = _xp(t._data).array(1, dtype=t._data.dtype)     # cheaper than ones(shape)
        return wrap(one if not shape else one.reshape(shape))
    if not isinstance(g, Tensor):
        xp = _xp(t._data)
        g = wrap(xp.asarray(g, dtype=t._data.dtype))
    if g._data.shape != shape:
        raise RuntimeError(f'Mismatch in shape: grad_output[{i}] has a shape of {Size(g._data.shape)} and '
                           f'output[{i}] has a shape of {Size(shape)}.')
    if create_graph and g._rg:
        return g.to(t.dtype) if g._data.dtype != t._data.dtype else g
    # a private copy: the caller's tensor must never become (and be accumulated into as) a .grad
    return wrap(g._data.astype(t._data.dtype, copy=True))


def _count_dependencies(roots):
    """How many edges point at each node reachable from the roots (roots count only edges from others)."""
    deps = {}
    stack = list(roots)
    # a root met again as another root's child must not be walked twice (a DAG's single root never is)
    others = set(roots) if len(roots) > 1 else ()
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            n = deps.get(child)
            if n is None:
                deps[child] = 1
                if child not in others:
                    stack.append(child)
            else:
                deps[child] = n + 1
    return deps


def _needed_nodes(roots, deps, targets):
    """Nodes from which some target can be reached (targets included): the rest need not run."""
    remaining = dict(deps)
    order = []
    stack = [r for r in roots if remaining.get(r, 0) == 0]
    while stack:
        node = stack.pop()
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None:
                remaining[child] -= 1
                if remaining[child] == 0:
                    stack.append(child)
    needed = set(targets)
    for node in reversed(order):
        if node not in needed and any(c in needed for c, _ in node.next_functions):
            needed.add(node)
    return needed


def _accumulate_into(t, g, create_graph):
    """`.grad += g` with PyTorch's rules: in place normally, out of place when building a graph."""
    old = t._grad
    if old is None:
        d = g._data
        if not (d.flags.c_contiguous and (d.__class__ is not _ndarray or d.flags.writeable)):
            # a broadcast view (the gradient of sum) or a read-only array: .grad gets memory of its
            # own, as PyTorch's AccumulateGrad clones, so later backwards can add into it in place
            g = g.clone() if create_graph else wrap(d.copy())
        t._grad = g if create_graph else (g.detach() if g._rg else g)
    elif create_graph or old._rg:
        t._grad = old + g
    elif old._data.__class__ is _ndarray and not old._data.flags.writeable:    # a user's read-only .grad
        t._grad = grad_of(old._data + g._data)
    else:
        old._data += g._data


@with_final_callbacks
def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None, capture=False,
                 allow_unused=False):
    """Backpropagate from `tensors`. With `capture`, return the gradients of `inputs` instead of
    accumulating them (autograd.grad); with `inputs` but no capture, accumulate only into those."""
    if retain_graph is None:
        retain_graph = create_graph
    roots, buffers = _seed(tensors, grad_tensors, create_graph)
    deps = _count_dependencies(roots)
    wanted = _Wanted(inputs, capture, roots, deps) if inputs is not None else None

    prev_mode = _grad_state.enabled
    _grad_state.enabled = create_graph
    try:
        ready = [r for r in roots if deps.get(r, 0) == 0]
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None) or [None] * node._n_out
            if node.__class__ is AccumulateGrad:
                _reach_leaf(node, grads, create_graph, wanted)
                continue
            if node._tensor_hooks or node._retained:
                _apply_tensor_hooks(node, grads, create_graph)
            if wanted is not None:
                wanted.take(node, grads, create_graph)
                if not wanted.leads_on(node):
                    continue
            grad_inputs = _run_node(node, grads, retain_graph)
            _pass_on(node, grad_inputs, buffers, deps, ready, create_graph, wanted)
    finally:
        _grad_state.enabled = prev_mode
    return wanted.results(allow_unused) if capture else None


def _seed(tensors, grad_tensors, create_graph):
    """The roots' nodes, and their gradient buffers filled with the starting gradients."""
    buffers = {}
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t._rg:
            raise RuntimeError(f'element {i} of tensors does not require grad and does not have a grad_fn')
        g = _root_grad(i, t, g, create_graph)
        node, nr = (t.grad_fn, t._out) if t.grad_fn is not None else (accumulator(t), 0)
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_out
            roots.append(node)
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    return roots, buffers


class _Wanted:
    """The tensors a backward was asked about (`inputs=`): where their gradients arrive, which
    nodes lead to them (the rest need not run), and, for autograd.grad, the captured results."""

    def __init__(self, inputs, capture, roots, deps):
        self.inputs = list(inputs)
        self.capture = capture
        self.targets = {}               # {(node, output_nr): [input index, ...]}
        for k, t in enumerate(self.inputs):
            if not isinstance(t, Tensor):
                raise TypeError(f'inputs must be Tensors, got {type(t).__name__}')
            if not t._rg:
                raise RuntimeError('One of the differentiated Tensors does not require grad' if capture else
                                   "can't retain_grad on Tensor that has requires_grad=False")  # PyTorch's wording
            key = (t.grad_fn, t._out) if t.grad_fn is not None else (accumulator(t), 0)
            self.targets.setdefault(key, []).append(k)
        self.needed = _needed_nodes(roots, deps, {n for n, _ in self.targets})
        self.captured = [None] * len(self.inputs)

    def take(self, node, grads, create_graph, is_leaf=False):
        """Capture (or accumulate into a non-leaf input) the gradients arriving at `node`."""
        for nr in range(node._n_out):
            ks = self.targets.get((node, nr))
            if ks is not None and grads[nr] is not None:
                for k in ks:
                    if self.capture:
                        self.captured[k] = grads[nr]
                    elif not is_leaf and not self.inputs[k].retains_grad:  # retain_grad did it
                        _accumulate_into(self.inputs[k], grads[nr], create_graph)

    def leads_on(self, node):
        return any(c in self.needed for c, _ in node.next_functions)

    def accumulates(self, node):
        return not self.capture and (node, 0) in self.targets

    def results(self, allow_unused):
        for k, r in enumerate(self.captured):
            if r is None and not allow_unused:
                raise RuntimeError(f'The differentiated Tensor at index {k} appears to not have been used in the '
                                   'graph. Set allow_unused=True if this is the desired behavior.')
        return tuple(self.captured)


def _reach_leaf(node, grads, create_graph, wanted):
    """An AccumulateGrad node: hooks, then the gradient into the leaf's .grad (or captured)."""
    var = node._var()
    if (var is not None and var._hooks) or node._tensor_hooks:
        _apply_tensor_hooks(node, grads, create_graph)
    if wanted is not None:
        wanted.take(node, grads, create_graph, is_leaf=True)
        if not wanted.accumulates(node):
            return
    if var is not None and grads[0] is not None:
        _accumulate_into(var, grads[0], create_graph)
        if node._post_acc_hooks:
            run_post_accumulate_grad_hooks(node, var)


def _pass_on(node, grad_inputs, buffers, deps, ready, create_graph, wanted):
    """Add a node's input gradients into its children's buffers; children with no edges left to
    wait for become ready."""
    edges = node.next_functions
    seen = [] if len(edges) > 1 else None
    needed = wanted.needed if wanted is not None else None
    for (child, nr), g in zip(edges, grad_inputs):
        if child is None:
            continue
        if g is not None and (needed is None or child in needed):
            if seen is not None:
                # the same Tensor object handed to two edges must not be summed into in place twice
                for s in seen:
                    if g is s:
                        g = g.clone() if create_graph else wrap(g._data.copy())
                        break
                else:
                    seen.append(g)
            buf = buffers.get(child)
            if buf is None:
                if child._n_out == 1:
                    buffers[child] = [g]
                else:
                    buf = buffers[child] = [None] * child._n_out
                    buf[nr] = g
            else:
                old = buf[nr]
                buf[nr] = g if old is None else old + g if create_graph else grad_of(old._data + g._data)
        d = deps[child] - 1
        deps[child] = d
        if d == 0:
            ready.append(child)


def _apply_tensor_hooks(node, grads, create_graph):
    hooks = node._tensor_hooks
    if hooks:
        for nr, fns in hooks.items():
            g = grads[nr]
            if g is not None:
                for fn in fns:
                    r = fn(g)
                    if r is not None:
                        g = r
                grads[nr] = g
    if node.__class__ is AccumulateGrad:
        var = node._var()
        if var is not None and var._hooks and grads[0] is not None:
            g = grads[0]
            for fn in var._hooks:
                r = fn(g)
                if r is not None:
                    g = r
            grads[0] = g
    retained = node._retained
    if retained:
        for nr, ref in retained.items():
            t = ref()
            g = grads[nr]
            if t is not None and g is not None:
                _accumulate_into(t, g if create_graph else wrap(g._data.copy()), create_graph)


def _run_node(node, grads, retain_graph):
    """Call one node's backward and bring each gradient to its input's shape and dtype."""
    if node._n_out == 1:
        if grads[0] is None:
            return (None,) * len(node.next_functions)
    else:
        if all(g is None for g in grads):
            return (None,) * len(node.next_functions)
        if node.materialize_grads:
            for i, g in enumerate(grads):
                if g is None and node._out_meta[i] is not None:
                    shape, dt, xp = node._out_meta[i]
                    grads[i] = wrap(xp.zeros(shape, dt))
    if node._pre_hooks:
        for fn in node._pre_hooks:
            r = fn(tuple(grads))
            if r is not None:
                grads = list(r)
    out = node._fn.backward(node, *grads)
    if out.__class__ is not tuple:
        out = (out,)
    n = len(node.next_functions)
    if len(out) != n:
        if len(out) > n and all(g is None for g in out[n:]):
            out = out[:n]
        else:
            raise RuntimeError(f'function {type(node).__name__} returned an incorrect number of gradients '
                               f'(expected {n}, got {len(out)})')
    if not retain_graph:
        node._saved = None
    if node._hooks:
        for fn in node._hooks:
            r = fn(out, tuple(grads))
            if r is not None:
                out = tuple(r)
    fixed = None
    i = 0
    for g, m in zip(out, node._meta):
        if g is not None and m is not None:
            if not isinstance(g, Tensor):
                raise TypeError(f'function {type(node).__name__} returned a gradient of type {type(g).__name__} '
                                f'at index {i}, expected a Tensor')
            d = g._data
            if d.shape != m[0] or (d.dtype is not m[1] and d.dtype != m[1]) or m.__class__ is not tuple:
                if fixed is None:
                    fixed = list(out)
                if d.shape != m[0]:
                    g = _reduce_to(node, i, g, m[0])
                if g._data.dtype != m[1]:
                    g = g.to(m[1])
                if m.__class__ is HostInput and g._data.__class__ is not _ndarray:
                    g = wrap(move(g._data, CPU))            # a 0-d CPU tensor's gradient stays on the CPU
                fixed[i] = g
        i += 1
    if fixed is not None:
        out = fixed
    if _anomaly_state[0]:
        _check_nan(node, out)
    return out


def _reduce_to(node, i, g, shape):
    from ..ops.shape import sum_to
    try:
        return sum_to(g, shape)
    except ValueError:
        raise RuntimeError(f'Function {type(node).__name__} returned an invalid gradient at index {i} - got '
                           f'{list(g._data.shape)} but expected shape compatible with {list(shape)}') from None


def _check_nan(node, out):
    for i, g in enumerate(out):
        if g is not None and bool(_xp(g._data).isnan(g._data).any()):
            trace = ''.join(node._anomaly or ())
            raise RuntimeError(f"Function '{type(node).__name__}' returned nan values in its {i}th output.\n"
                               f'Traceback of forward call that caused the error:\n{trace}')
