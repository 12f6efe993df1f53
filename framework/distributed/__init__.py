"""framework.distributed: torch.distributed's process group and collectives, on MPI (CPU) and NCCL (GPU).

Processes are started by `mpiexec` (one machine or a cluster, through a hostfile): MPI gives each its
rank and the world size, and carries CPU tensors (mpi.py). GPU tensors travel over NCCL through CuPy
(nccl.py), its communicator bootstrapped over MPI. Neither library is imported before
`init_process_group` asks for it.

Every collective is ordered on one communication thread per group and waited for with the group's
timeout, because MPI's own collectives never time out: a rank that died or hangs would otherwise
leave the others blocked forever. On timeout the waiting rank names the rank that did not join and
aborts the whole job (see work.py).
"""
import datetime
import importlib.util
import os

from .work import Work

_group = None            # the default process group: a backend object from mpi.py or nccl.py

_NOT_INITIALIZED = 'Default process group has not been initialized, please make sure to call init_process_group.'
default_pg_timeout = datetime.timedelta(minutes=5)


class ReduceOp:
    """torch.distributed.ReduceOp: SUM, AVG, PRODUCT, MIN, MAX (AVG divides the sum by the world size)."""

    class RedOpType:
        __slots__ = ('name', 'value')

        def __init__(self, name, value):
            self.name, self.value = name, value

        def __repr__(self):
            return f'<RedOpType.{self.name}: {self.value}>'

        def __str__(self):
            return f'RedOpType.{self.name}'

        def __reduce__(self):
            return (getattr, (ReduceOp, self.name))


for _i, _name in enumerate(('SUM', 'AVG', 'PRODUCT', 'MIN', 'MAX', 'BAND', 'BOR', 'BXOR')):
    setattr(ReduceOp, _name, ReduceOp.RedOpType(_name, _i))
del _i, _name


class Backend(str):
    """The backend names, as torch.distributed.Backend spells them."""
    MPI = 'mpi'
    NCCL = 'nccl'

    def __new__(cls, name):
        name = name.lower()
        if name not in ('mpi', 'nccl'):
            raise ValueError(f"Invalid backend: '{name}' (framework.distributed has 'mpi' for CPU tensors and "
                             "'nccl' for CUDA tensors)")
        return str.__new__(cls, name)


def is_available():
    """True when mpi4py is installed: every process group is started and bootstrapped through MPI."""
    return importlib.util.find_spec('mpi4py') is not None


def is_mpi_available():
    return is_available()


def is_nccl_available():
    from .._device import cupy_module
    cp = cupy_module()
    if cp is None:
        return False
    try:
        from cupy.cuda import nccl  # noqa: F401
        return nccl.available if hasattr(nccl, 'available') else True
    except Exception:
        return False


def is_torchelastic_launched():
    return os.environ.get('TORCHELASTIC_RUN_ID') is not None


def is_initialized():
    return _group is not None


def _default():
    if _group is None:
        raise ValueError(_NOT_INITIALIZED)
    return _group


def _seconds(timeout):
    if timeout is None:
        return default_pg_timeout.total_seconds()
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name='', pg_options=None, device_id=None):
    """Join the processes started by `mpiexec` into the default group.

    `backend` is 'mpi' (CPU tensors) or 'nccl' (CUDA tensors); by default 'nccl' when a GPU is usable
    and `device_id` or the environment asks for CUDA, else 'mpi'. `init_method` is accepted for
    compatibility: MPI's launcher already connected the processes. `timeout` bounds every collective.
    """
    global _group
    if _group is not None:
        raise ValueError('trying to initialize the default process group twice!')
    if backend is None:
        dev = str(device_id) if device_id is not None else ''
        backend = 'nccl' if dev.startswith('cuda') else 'mpi'
    name = Backend(str(backend).split(':')[0].split(',')[0])
    if name == 'nccl':
        from .nccl import NCCLGroup as group_class
    else:
        from .mpi import MPIGroup as group_class
    _group = group_class(_seconds(timeout), world_size=world_size, rank=rank)
    os.environ.setdefault('RANK', str(_group.rank))
    os.environ.setdefault('WORLD_SIZE', str(_group.size))
    os.environ.setdefault('LOCAL_RANK', str(_group.local_rank))


def destroy_process_group(group=None):
    global _group
    if _group is None:
        raise AssertionError('Process group cannot be None')
    g, _group = _group, None
    g.close()


def get_rank(group=None):
    return _default().rank


def get_world_size(group=None):
    return _default().size


def get_backend(group=None):
    return _default().backend


def get_default_group():
    return _default()


def _check_tensor(tensor, name='tensor'):
    from .._tensor import Tensor
    if not isinstance(tensor, Tensor):
        raise TypeError(f'Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n'
                        f'             but got {type(tensor)} instead.')


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` across all ranks, in place on every rank."""
    _check_tensor(tensor)
    return _default().run('all_reduce', (tensor,), async_op, op=op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    _check_tensor(tensor)
    src = group_src if src is None else src
    return _default().run('broadcast', (tensor,), async_op, root=0 if src is None else int(src))


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce onto rank `dst`; the other ranks' tensors are left unchanged."""
    _check_tensor(tensor)
    dst = group_dst if dst is None else dst
    return _default().run('reduce', (tensor,), async_op, op=op, root=0 if dst is None else int(dst))


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill `tensor_list[r]` with rank r's `tensor`, on every rank."""
    _check_tensor(tensor)
    g = _default()
    if len(tensor_list) != g.size:
        raise ValueError(f'all_gather: tensor_list has {len(tensor_list)} entries for a world of {g.size}')
    for t in tensor_list:
        _check_tensor(t, 'tensor_list')
        if tuple(t.shape) != tuple(tensor.shape):
            raise ValueError('all_gather: every tensor of tensor_list must have the shape of tensor, '
                             f'{tuple(tensor.shape)}, got {tuple(t.shape)}')
    return g.run('all_gather', (tensor, *tensor_list), async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    g = _default()
    if output_tensor.numel() != input_tensor.numel() * g.size:
        raise ValueError('output tensor size must be equal to world_size times input tensor size')
    return g.run('all_gather_into', (input_tensor, output_tensor), async_op)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    return _default().run('barrier', (), async_op)


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """Replace `object_list`'s entries with rank `src`'s (pickled; for small Python objects)."""
    src = group_src if src is None else src
    got = _default().run_objects('bcast', list(object_list), root=0 if src is None else int(src))
    object_list[:] = got


def all_gather_object(object_list, obj, group=None):
    object_list[:] = _default().run_objects('allgather', obj)


__all__ = ['init_process_group', 'destroy_process_group', 'is_available', 'is_initialized', 'is_mpi_available',
           'is_nccl_available', 'get_rank', 'get_world_size', 'get_backend', 'all_reduce', 'broadcast', 'reduce',
           'all_gather', 'all_gather_into_tensor', 'barrier', 'broadcast_object_list', 'all_gather_object',
           'ReduceOp', 'Backend', 'Work']
