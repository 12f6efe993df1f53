"""DistributedDataParallel: every rank holds the same model, sees its own share of the batch, and
steps with the gradient averaged over all ranks, so N ranks train as one process on the whole batch.

How the gradients travel, as in PyTorch's Reducer:
- Parameters are grouped into buckets (flat arrays, one dtype each) in reverse registration order,
  the order backward usually produces their gradients; the first bucket is small (1 MiB) so
  communication starts early, the others hold up to `bucket_cap_mb`.
- A post-accumulate-grad hook on every parameter copies its gradient into its bucket; when a bucket
  is full its all-reduce (ReduceOp.AVG) is handed to the process group's communication thread and
  runs while backward computes the earlier layers' gradients. Buckets are launched in index order,
  the same on every rank, as MPI needs.
- A callback queued on the autograd engine runs when backward has finished: it waits for the
  buckets and copies the averaged values back into each `.grad`.

`gradient_as_bucket_view` and `static_graph` are accepted for PyTorch's signature; gradients are always
copied (PyTorch's default), which gives the same values.
"""
import contextlib
import weakref

import numpy as np

from ..module import Module
from ... import distributed as dist

_FIRST_BUCKET_BYTES = 1 << 20


class _Bucket:
    __slots__ = ('params', 'offsets', 'flat', 'pending', 'work')

    def __init__(self, params, xp, dtype):
        self.params = params
        self.offsets = np.cumsum([0] + [p.numel() for p in params]).tolist()
        self.flat = xp.zeros(self.offsets[-1], dtype)
        self.pending = len(params)
        self.work = None


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        group = dist.get_default_group()         # PyTorch's error when no group was initialised
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = bool(broadcast_buffers) if broadcast_buffers is not None else True
        self.find_unused_parameters = find_unused_parameters
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.static_graph = static_graph
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self._group = group
        self._world = group.size

        seen = set()
        named = []
        for name, p in module.named_parameters():
            if p.requires_grad and id(p) not in seen:
                seen.add(id(p))
                named.append((name, p))
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               'that requires a gradient.')
        self._params = [p for _, p in named]
        self._verify_same_model(named)
        if init_sync:
            self._broadcast_from_rank0([p for _, p in module.named_parameters()] + self._buffer_list())
        self._buckets, self._where = self._make_buckets()
        self._next_bucket = 0
        self._armed = False          # a forward asked for this backward to be synchronised
        self._callback_queued = False
        self._unfinished = False
        self._used = None
        self._ready = set()
        # the hooks hold DDP weakly: parameter -> hook -> DDP -> module -> parameter would be a cycle
        ref = weakref.ref(self)

        def grad_ready(p):
            ddp = ref()
            if ddp is not None:
                ddp._grad_ready(p)
        self._hook_handles = [p.register_post_accumulate_grad_hook(grad_ready) for p in self._params]

    # ------------------------------------------------------------------ construction
    def _buffer_list(self):
        return [b for b in self.module.buffers() if b is not None]

    def _verify_same_model(self, named):
        mine = [(name, tuple(p.shape), str(p.dtype)) for name, p in named]
        everyone = []
        dist.all_gather_object(everyone, mine)
        first = everyone[0]
        for r, theirs in enumerate(everyone):
            if len(theirs) != len(first):
                raise RuntimeError(f'DDP expects same model across all ranks, but Rank {r} has {len(theirs)} params, '
                                   f'while rank 0 has inconsistent {len(first)} params.')
            for i, (a, b) in enumerate(zip(first, theirs)):
                if a[1:] != b[1:]:
                    raise RuntimeError(f'DDP expects same model across all ranks, but params[{i}] ({b[0]}) on rank {r} '
                                       f'has shape {list(b[1])} and dtype {b[2]}, while rank 0 has shape {list(a[1])} '
                                       f'and dtype {a[2]}.')

    def _broadcast_from_rank0(self, tensors):
        """Rank 0's values into every rank's tensors: one broadcast per dtype, of the tensors flattened."""
        by_kind = {}
        for t in tensors:
            by_kind.setdefault((t._data.dtype, type(t._data)), []).append(t)
        for (dtype, _), ts in by_kind.items():
            xp = _xp(ts[0])
            flat = xp.concatenate([t._data.reshape(-1) for t in ts]) if len(ts) > 1 else ts[0]._data.reshape(-1).copy()
            dist.broadcast(_wrap(flat), src=0)
            k = 0
            for t in ts:
                n = t._data.size
                t._data[...] = flat[k:k + n].reshape(t._data.shape)
                k += n

    def _make_buckets(self):
        buckets, where = [], {}
        current, size, cap = {}, {}, min(_FIRST_BUCKET_BYTES, self.bucket_bytes_cap)
        order = list(reversed(self._params))
        for p in order:
            key = (p._data.dtype, type(p._data))
            current.setdefault(key, []).append(p)
            size[key] = size.get(key, 0) + p._data.nbytes
            if size[key] >= cap:
                buckets.append(current.pop(key))
                size[key] = 0
                cap = self.bucket_bytes_cap
        buckets.extend(current.values())
        made = []
        for i, ps in enumerate(buckets):
            b = _Bucket(ps, _xp(ps[0]), ps[0]._data.dtype)
            for j, p in enumerate(ps):
                where[id(p)] = (i, j)
            made.append(b)
        return made, where

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs, **kwargs):
        from ...autograd.grad_mode import is_grad_enabled
        if self._unfinished:
            self._unfinished = False
            raise RuntimeError(
                'Expected to have finished reduction in the prior iteration before starting a new one. This error '
                'indicates that your module has parameters that were not used in producing loss. You can enable '
                'unused parameter detection by passing the keyword argument `find_unused_parameters=True` to '
                '`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs '
                'participate in calculating loss.')
        sync = is_grad_enabled() and self.require_backward_grad_sync
        if self.broadcast_buffers and self.require_forward_param_sync and self._world > 1:
            buffers = self._buffer_list()
            if buffers:
                self._broadcast_from_rank0(buffers)
        out = self.module(*inputs, **kwargs)
        if sync:
            self._prepare_for_backward(out)
        else:
            self._armed = False
        return out

    def _prepare_for_backward(self, out):
        for b in self._buckets:
            b.pending = len(b.params)
            b.work = None
        self._next_bucket = 0
        self._armed = True
        self._callback_queued = False
        self._ready = set()
        if self.find_unused_parameters:
            reached = _reachable_leaves(out)
            self._used = np.array([id(p) in reached for p in self._params], np.int32)
            for p in self._params:
                if id(p) not in reached:
                    self._mark_ready(p, None)

    # ------------------------------------------------------------------ backward
    def _grad_ready(self, p):
        if not self._armed:
            return
        if not self._callback_queued:
            from ...autograd import Variable
            Variable._execution_engine.queue_callback(self._finish_backward)
            self._callback_queued = True
        self._mark_ready(p, p.grad)

    def _mark_ready(self, p, grad):
        if id(p) in self._ready:
            raise RuntimeError('Expected to mark a variable ready only once. This error is caused by one of the '
                               'following reasons: 1) Use of a module parameter outside the `forward` function. '
                               '2) Reused parameters in multiple reentrant backward passes.')
        self._ready.add(id(p))
        i, j = self._where[id(p)]
        b = self._buckets[i]
        part = b.flat[b.offsets[j]:b.offsets[j + 1]]
        if grad is None:
            part[...] = 0
        else:
            part[...] = grad._data.reshape(-1)
        b.pending -= 1
        while self._next_bucket < len(self._buckets) and self._buckets[self._next_bucket].pending == 0:
            nb = self._buckets[self._next_bucket]
            nb.work = dist.all_reduce(_wrap(nb.flat), op=dist.ReduceOp.AVG, async_op=True)
            self._next_bucket += 1

    def _finish_backward(self):
        self._armed = False
        if self._next_bucket < len(self._buckets):
            self._unfinished = True         # PyTorch reports this at the next forward
            return
        used = None
        if self._used is not None:
            used = _wrap(self._used.copy())
            dist.all_reduce(used)
            used = used._data
        for b in self._buckets:
            b.work.wait()
        for k, p in enumerate(self._params):
            i, j = self._where[id(p)]
            b = self._buckets[i]
            if p.grad is None:
                if used is None or used[k] == 0:
                    continue                 # unused on every rank: .grad stays None, as in PyTorch
                from ...creation import zeros_like
                p.grad = zeros_like(p)
            p.grad._data[...] = b.flat[b.offsets[j]:b.offsets[j + 1]].reshape(p.grad._data.shape)

    # ------------------------------------------------------------------ user controls
    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally; the first one after synchronises the sum."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def extra_repr(self):
        return ''


def _xp(t):
    from ..._device import xp_of
    return xp_of(t._data)


def _wrap(array):
    from ..._tensor import wrap
    return wrap(array)


def _reachable_leaves(out):
    """ids of the leaves the outputs' graph reaches, for find_unused_parameters."""
    from ..._tensor import Tensor
    stack, seen, leaves = [], set(), set()
    todo = [out]
    while todo:
        o = todo.pop()
        if isinstance(o, Tensor):
            if o.grad_fn is not None:
                stack.append(o.grad_fn)
            elif o.requires_grad:
                leaves.add(id(o))
        elif isinstance(o, dict):
            todo.extend(o.values())
        elif isinstance(o, (list, tuple)):
            todo.extend(o)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        var = getattr(node, 'variable', None)
        if var is not None:
            leaves.add(id(var))
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                stack.append(child)
    return leaves
