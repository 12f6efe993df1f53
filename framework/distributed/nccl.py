"""The 'nccl' backend: CUDA tensors reduced in place on the GPU by NCCL, through CuPy.

The processes are still started and bootstrapped by MPI (mpi.py): rank 0 draws NCCL's unique id,
MPI broadcasts it, each rank opens `NcclCommunicator(world, uid, rank)` on GPU `local_rank`. A
collective is enqueued on the current CUDA stream with the tensor's own device pointer (send and
receive buffers the same: in place, no host copy), so later kernels on that stream see its result
and `Work.wait()` has nothing to block on, as in PyTorch. Timeouts are watched by a thread that
polls each collective's CUDA event; one that outlives the timeout aborts the NCCL communicator and
the job, naming the rank that did not join (asked over MPI).
"""
import collections
import threading
import time

from .work import ProcessGroup, Work


class NCCLWork(Work):
    """Complete when its CUDA event is; waiting is stream-ordered, so wait() does not block the host."""

    def __init__(self, group, name, seq, tensors, event):
        super().__init__(group, name, seq, tensors)
        self._event = event
        self._started = time.monotonic()

    def is_completed(self):
        return bool(self._event.done)

    def wait(self, timeout=None):
        return True


class NCCLGroup(ProcessGroup):
    backend = 'nccl'

    def __init__(self, timeout, world_size=-1, rank=-1):
        from .._device import cupy_module
        cp = cupy_module()
        if cp is None:
            raise RuntimeError("backend 'nccl' needs CuPy and an NVIDIA GPU: pip install -e \".[cuda]\"")
        try:
            from cupy.cuda import nccl
        except ImportError:
            nccl = getattr(cp.cuda, 'nccl', None)
        if nccl is None:
            raise RuntimeError("backend 'nccl' needs NCCL for CuPy: pip install nvidia-nccl-cu12")
        from .mpi import MPIGroup
        self.cp, self.nccl = cp, nccl
        self._mpi = MPIGroup(timeout, world_size, rank)        # launch, bootstrap, objects, verdicts
        self.rank, self.size, self.local_rank, self.timeout = (self._mpi.rank, self._mpi.size,
                                                               self._mpi.local_rank, timeout)
        self.device = self.local_rank % cp.cuda.runtime.getDeviceCount()
        cp.cuda.Device(self.device).use()
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = self._mpi.run_objects('bcast', uid, root=0)
        self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self._dtypes = {'float16': nccl.NCCL_FLOAT16, 'float32': nccl.NCCL_FLOAT32, 'float64': nccl.NCCL_FLOAT64,
                        'int8': nccl.NCCL_INT8, 'uint8': nccl.NCCL_UINT8, 'int32': nccl.NCCL_INT32,
                        'int64': nccl.NCCL_INT64, 'bool': nccl.NCCL_UINT8}
        self._ops = {'SUM': nccl.NCCL_SUM, 'AVG': nccl.NCCL_SUM, 'PRODUCT': nccl.NCCL_PROD, 'MIN': nccl.NCCL_MIN,
                     'MAX': nccl.NCCL_MAX}
        self._pending = collections.deque()
        self._closing = False
        self._watchdog = threading.Thread(target=self._watch, daemon=True, name=f'framework.distributed nccl watchdog '
                                                                                  f'rank {self.rank}')
        self._watchdog.start()

    # ---- collectives, enqueued on the current stream
    def run(self, name, tensors, async_op, op=None, root=0):
        cp, comm, size = self.cp, self.comm, self.size
        arrays = []
        for t in tensors:
            a = t._data
            if not isinstance(a, cp.ndarray):
                raise ValueError("backend 'nccl' takes CUDA tensors; use backend='mpi' for CPU tensors")
            arrays.append(a)
        stream = cp.cuda.get_current_stream()
        s = stream.ptr
        if name == 'all_reduce':
            buf, back = self._contiguous(arrays[0])
            comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, self._dtype(buf), self._op(op), s)
            if op.name == 'AVG':
                _divide(buf, size)
            if back:
                back()
        elif name == 'broadcast':
            buf, back = self._contiguous(arrays[0])
            comm.bcast(buf.data.ptr, buf.size, self._dtype(buf), root, s)
            if back:
                back()
        elif name == 'reduce':
            buf, back = self._contiguous(arrays[0])
            if self.rank == root:
                comm.reduce(buf.data.ptr, buf.data.ptr, buf.size, self._dtype(buf), self._op(op), root, s)
                if op.name == 'AVG':
                    _divide(buf, size)
                if back:
                    back()
            else:                    # the others' tensors stay as they were: reduce from a copy
                src = buf if back else buf.copy()
                comm.reduce(src.data.ptr, src.data.ptr, src.size, self._dtype(src), self._op(op), root, s)
        elif name in ('all_gather', 'all_gather_into'):
            src, _ = self._contiguous(arrays[0])
            if name == 'all_gather_into':
                dst, back = self._contiguous(arrays[1])
            else:
                dst, back = cp.empty((size,) + src.shape, src.dtype), None
            comm.allGather(src.data.ptr, dst.data.ptr, src.size, self._dtype(src), s)
            if back:
                back()
            if name == 'all_gather':
                for o, d in zip(arrays[1:], dst):
                    o[...] = d
        elif name == 'barrier':
            one = cp.ones(1, cp.float32)
            comm.allReduce(one.data.ptr, one.data.ptr, 1, self.nccl.NCCL_FLOAT32, self.nccl.NCCL_SUM, s)
        else:
            raise ValueError(f'unknown collective {name}')
        self._mpi._seq += 1                  # one numbering with the MPI group's, for the status queries
        seq = self._mpi._seq
        self._mpi._thread.started = seq
        work = NCCLWork(self, name, seq, tensors, stream.record())
        self._pending.append(work)
        if name == 'barrier':
            self._wait_host(work)
        if async_op:
            return work
        return None

    def run_objects(self, name, obj, root=0):
        return self._mpi.run_objects(name, obj, root)

    def _contiguous(self, a):
        if a.flags.c_contiguous and a.dtype.name != 'bool':
            return a, None
        buf = self.cp.ascontiguousarray(a.view(self.cp.uint8) if a.dtype.name == 'bool' else a)

        def back():
            a[...] = buf.view(a.dtype) if a.dtype.name == 'bool' else buf
        return buf, back

    def _dtype(self, a):
        try:
            return self._dtypes[a.dtype.name]
        except KeyError:
            raise ValueError(f"backend 'nccl' does not support tensors of dtype {a.dtype.name}") from None

    def _op(self, op):
        try:
            return self._ops[op.name]
        except KeyError:
            raise ValueError(f"backend 'nccl' does not support ReduceOp.{op.name}") from None

    # ---- faults
    def _wait_host(self, work):
        deadline = work._started + self.timeout
        while not work.is_completed():
            if time.monotonic() > deadline:
                self.on_timeout(work, self.timeout)
            time.sleep(0.0005)

    def _watch(self):
        while not self._closing:
            while self._pending and self._pending[0].is_completed():
                self._pending.popleft()._done.set()
            if self._pending and time.monotonic() - self._pending[0]._started > self.timeout:
                self.on_timeout(self._pending[0], self.timeout)
            time.sleep(0.1)

    def diagnose(self, work):
        return self._mpi.diagnose(work)

    def abort(self, code):
        try:
            self.comm.abort()
        finally:
            self._mpi.abort(code)

    def close(self):
        self._closing = True
        self._watchdog.join(5.0)
        self.comm.destroy()
        self._mpi.close()


def _divide(buf, n):
    if buf.dtype.kind in 'fc':
        buf /= n
    else:
        buf //= n
