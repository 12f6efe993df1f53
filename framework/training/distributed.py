"""Data-parallel training from the same YAML: `mpiexec -n N python train.py --config FILE`.

Every rank builds the same run (same seed, same data, same shuffled order of global batches) and
takes its own rows of each global batch; DistributedDataParallel averages the gradients, so N ranks
step exactly as one process on the whole batch. The checkpoint holds only global state (step,
epoch, position, order), so a run can be resumed with another number of ranks. Only rank 0 shows
the progress bar and writes the run directory; the others read it on --resume (a shared file
system when the ranks run on several machines).
"""
import os

from .config import ConfigError

_LAUNCHER_SIZE = ('PMI_SIZE', 'OMPI_COMM_WORLD_SIZE', 'WORLD_SIZE')


class DistributedUnavailable(Exception):
    """Launched as several processes, but the transport is missing: one line, exit status 2."""


def launched_world_size():
    """How many processes the launcher started (mpiexec, or torchrun-style WORLD_SIZE); 1 otherwise."""
    for k in _LAUNCHER_SIZE:
        v = os.environ.get(k)
        if v and v.isdigit():
            return int(v)
    return 1


class Context:
    """This rank's place in the job, and how it splits each global batch."""

    def __init__(self, cfg, device):
        try:
            import mpi4py  # noqa: F401
        except ImportError:
            raise DistributedUnavailable('train.py was started as several processes but mpi4py is not installed: '
                                         'pip install -e ".[distributed]"') from None
        from .. import distributed as dist
        d = cfg['distributed']
        backend = d['backend']
        if backend == 'auto':
            backend = 'nccl' if device.type == 'cuda' else 'mpi'
        if backend == 'mpi' and device.type == 'cuda':
            raise ConfigError("distributed.backend: 'mpi' carries CPU tensors; with device: cuda use nccl (or auto)")
        if backend == 'nccl':
            if device.type != 'cuda':
                raise ConfigError("distributed.backend: 'nccl' carries CUDA tensors; set device: cuda (or use mpi)")
            from .._device import cupy_module
            try:
                from cupy.cuda import nccl  # noqa: F401
                ok = cupy_module() is not None
            except Exception:
                ok = False
            if not ok:
                raise DistributedUnavailable("distributed.backend 'nccl' needs CuPy with NCCL on a GPU: "
                                             'pip install -e ".[cuda]" nvidia-nccl-cu12')
        if not dist.is_initialized():
            try:
                dist.init_process_group(backend, timeout=d['timeout'])
            except RuntimeError as e:        # e.g. WORLD_SIZE set by torchrun, but no mpiexec
                raise DistributedUnavailable(str(e)) from None
            self.owns_group = True
        else:
            self.owns_group = False
        self.dist = dist
        self.backend = backend
        self.device = device if backend == 'nccl' else 'cpu'     # where the loss and stop flag are reduced
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.per_rank = d['batch_size'] == 'per_rank'
        self.factors = {}          # id(target rows of this rank) -> loss scale, for uneven splits

    def global_batch(self, batch_size):
        return None if batch_size is None else batch_size * self.world if self.per_rank else batch_size

    def check_batch(self, global_batch):
        if global_batch < self.world:
            raise ConfigError(f'train.batch_size: a global batch of {global_batch} cannot be split across '
                              f'{self.world} ranks')

    def rows(self, n):
        """This rank's slice of a global batch of n rows: near-equal parts, the first ranks one larger."""
        q, r = divmod(n, self.world)
        start = self.rank * q + min(self.rank, r)
        return slice(start, start + q + (1 if self.rank < r else 0))

    def part(self, xb, yb, reduction):
        n = len(yb)
        rows = self.rows(n)
        x, y = xb[rows], yb[rows]
        k = rows.stop - rows.start
        if n % self.world:
            # DDP averages the ranks' losses with equal weights: scale each so the average is the
            # global batch's loss (a mean over n rows, or a sum)
            self.factors[id(y)] = self.world * k / n if reduction == 'mean' else float(self.world)
        elif reduction == 'sum':
            self.factors[id(y)] = float(self.world)
        return x, y

    def scaled(self, loss_fn):
        factors = self.factors

        def loss(out, y):
            value = loss_fn(out, y)
            f = factors.get(id(y))
            return value if f is None else value * f
        return loss

    def global_loss(self, loss):
        """The global batch's loss (for the log and prints): each rank's loss is scaled so that their
        average is it (see `part`)."""
        fw = _fw()
        t = fw.tensor([loss.item()], dtype=fw.float64, device=self.device)
        self.dist.all_reduce(t, op=self.dist.ReduceOp.AVG)
        return t.item()

    def any(self, flag):
        """True on every rank when it is True on some rank."""
        t = _fw().tensor([int(flag)], device=self.device)
        self.dist.all_reduce(t, op=self.dist.ReduceOp.MAX)
        return bool(t.item())

    def broadcast(self, obj):
        box = [obj]
        self.dist.broadcast_object_list(box, src=0)
        return box[0]

    def close(self):
        if self.owns_group and self.dist.is_initialized():
            self.dist.destroy_process_group()


def _fw():
    import framework
    return framework
