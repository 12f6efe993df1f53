"""The 'mpi' backend: CPU tensors reduced in place through mpi4py's buffer API.

The buffer API (`Allreduce(IN_PLACE, array)`) hands MPI the tensor's own NumPy memory, no pickling
and no copy for contiguous tensors of MPI's types. mpi4py's lowercase methods pickle, which is ten
times slower for small messages; they serve only the *_object collectives.

Besides the communicator for collectives, a second one carries status queries: a small thread on
every rank answers "which collective did you last start?", so a rank whose collective timed out can
name the rank that never joined it.
"""
import atexit
import os
import sys
import threading
import time

import numpy as np

from .work import ProcessGroup, install_excepthook

_QUERY, _REPLY = 1, 2
_MPI_DTYPES = {np.dtype(t) for t in (np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                     np.uint16, np.uint32, np.uint64, np.complex64, np.complex128)}


def import_mpi():
    try:
        from mpi4py import MPI
    except ImportError:
        raise RuntimeError('framework.distributed needs mpi4py and an MPI library: pip install -e ".[distributed]"'
                           ) from None
    return MPI


def import_mpi_within(timeout):
    """Start MPI, which waits for every rank of the job: one that never starts would block it forever.

    MPI_Init runs in C holding the interpreter, so no Python thread can watch it; faulthandler's C
    watchdog can: past the timeout it prints where this process waits ("Timeout ... in
    import_mpi_within") and exits non-zero, and mpiexec then ends the other ranks.
    """
    if 'mpi4py.MPI' in sys.modules or not (os.environ.get('PMI_RANK') or os.environ.get('OMPI_COMM_WORLD_RANK')):
        return import_mpi()
    import faulthandler
    faulthandler.dump_traceback_later(timeout, exit=True, file=sys.stderr)
    try:
        return import_mpi()
    finally:
        faulthandler.cancel_dump_traceback_later()


def _as_array(t):
    from .._tensor import Tensor
    a = t._data if isinstance(t, Tensor) else t
    if a.__class__ is not np.ndarray:
        raise ValueError("backend 'mpi' takes CPU tensors; use backend='nccl' for CUDA tensors")
    return a


def _buffer(a):
    """A contiguous array MPI can take, and how to copy it back into `a` (None: it is `a` itself)."""
    if a.flags.c_contiguous and a.dtype in _MPI_DTYPES:
        return a, None
    dt = a.dtype if a.dtype in _MPI_DTYPES else np.dtype(np.float32) if a.dtype.kind == 'f' else np.dtype(np.uint8)
    buf = np.ascontiguousarray(a, dtype=dt)

    def back():
        a[...] = buf
    return buf, back


class MPIGroup(ProcessGroup):
    backend = 'mpi'

    def __init__(self, timeout, world_size=-1, rank=-1):
        MPI = import_mpi_within(timeout)
        self.MPI = MPI
        if MPI.Query_thread() < MPI.THREAD_MULTIPLE:
            raise RuntimeError('framework.distributed needs an MPI built with MPI_THREAD_MULTIPLE support')
        world = MPI.COMM_WORLD
        self.rank, self.size = world.Get_rank(), world.Get_size()
        _check_launch(self.rank, self.size, world_size, rank)
        self.timeout = timeout

        def connect():
            self.comm = world.Dup()
            self._status_comm = world.Dup()
            node = world.Split_type(MPI.COMM_TYPE_SHARED)
            self.local_rank = node.Get_rank()
            node.Free()
        # collective: a rank that never calls init_process_group must not leave the others here forever
        joiner = threading.Thread(target=connect, daemon=True)
        joiner.start()
        joiner.join(timeout)
        if joiner.is_alive():
            print(f'[rank {self.rank}] framework.distributed: init_process_group did not complete within '
                  f'{timeout:g} s: some of the {self.size} ranks did not call it. Aborting all {self.size} ranks.',
                  file=sys.stderr, flush=True)
            self.abort(1)
        self._ops = {'SUM': MPI.SUM, 'AVG': MPI.SUM, 'PRODUCT': MPI.PROD, 'MIN': MPI.MIN, 'MAX': MPI.MAX,
                     'BAND': MPI.BAND, 'BOR': MPI.BOR, 'BXOR': MPI.BXOR}
        self._start_thread()
        self._closing = False
        self._responder = threading.Thread(target=self._answer_status_queries, daemon=True,
                                           name=f'framework.distributed status rank {self.rank}')
        self._responder.start()
        self._previous_hook = install_excepthook(self) if self.size > 1 else None
        # registered after mpi4py's MPI_Finalize hook, so it runs before it: no thread may call MPI after
        atexit.register(self._stop_threads)

    # ---- collectives: each returns the function the communication thread will run
    def collective(self, name, tensors, op=None, root=0):
        comm, MPI, size = self.comm, self.MPI, self.size
        arrays = [_as_array(t) for t in tensors]
        if name == 'all_reduce':
            a, mpi_op, avg = arrays[0], self._ops[op.name], op.name == 'AVG'

            def fn():
                buf, back = _buffer(a)
                comm.Allreduce(MPI.IN_PLACE, buf, mpi_op)
                if avg:
                    _divide(buf, size)
                if back:
                    back()
            return fn
        if name == 'broadcast':
            a = arrays[0]

            def fn():
                buf, back = _buffer(a)
                comm.Bcast(buf, root=root)
                if back:
                    back()
            return fn
        if name == 'reduce':
            a, mpi_op, avg = arrays[0], self._ops[op.name], op.name == 'AVG'
            if not 0 <= root < size:
                raise ValueError(f'Invalid destination rank {root} for a world of {size}')

            def fn():
                buf, back = _buffer(a)
                if self.rank == root:
                    comm.Reduce(MPI.IN_PLACE, buf, mpi_op, root=root)
                    if avg:
                        _divide(buf, size)
                    if back:
                        back()
                else:
                    comm.Reduce(buf, None, mpi_op, root=root)
            return fn
        if name == 'all_gather_into':
            a, out = arrays

            def fn():
                src, _ = _buffer(a)
                dst, back = _buffer(out)
                comm.Allgather(src, dst)
                if back:
                    back()
            return fn
        if name == 'all_gather':
            a, outs = arrays[0], arrays[1:]

            def fn():
                src, _ = _buffer(a)
                dst = np.empty((size,) + src.shape, src.dtype)
                comm.Allgather(src, dst)
                for o, d in zip(outs, dst):
                    o[...] = d
            return fn
        if name == 'barrier':
            return comm.Barrier
        raise ValueError(f'unknown collective {name}')

    def object_collective(self, name, obj, root):
        if name == 'bcast':
            return lambda: self.comm.bcast(obj, root=root)
        return lambda: self.comm.allgather(obj)

    # ---- faults
    def _answer_status_queries(self):
        MPI, comm = self.MPI, self._status_comm
        status = MPI.Status()
        query = np.zeros(1, np.int64)
        while not self._closing:
            while comm.Iprobe(source=MPI.ANY_SOURCE, tag=_QUERY, status=status):
                src = status.Get_source()
                comm.Recv(query, source=src, tag=_QUERY)
                comm.Isend(np.array([self._thread.started, self._thread.finished], np.int64), dest=src, tag=_REPLY)
            time.sleep(0.05)

    def diagnose(self, work):
        comm = self._status_comm
        others = [r for r in range(self.size) if r != self.rank]
        replies = {r: np.full(2, -1, np.int64) for r in others}
        recvs = {r: comm.Irecv(replies[r], source=r, tag=_REPLY) for r in others}
        for r in others:
            comm.Isend(np.array([work._seq], np.int64), dest=r, tag=_QUERY)
        deadline = time.monotonic() + min(3.0, max(0.5, self.timeout))
        answered = set()
        while time.monotonic() < deadline and len(answered) < len(others):
            answered.update(r for r in others if r not in answered and recvs[r].Test())
            time.sleep(0.02)
        culprits = []
        for r in others:
            if r not in answered:
                culprits.append(f'rank {r} did not answer (it died or is stuck)')
            elif replies[r][0] < work._seq:
                culprits.append(f'rank {r} has not joined it (the last collective it started is #{replies[r][0]})')
        return '; '.join(culprits) if culprits else 'every rank joined it, but it did not finish'

    def abort(self, code):
        # MPI_Abort asks the launcher to end every process of the job; it can return while another
        # thread is inside MPI, so this process then leaves by itself (mpiexec ends the rest)
        try:
            self.MPI.COMM_WORLD.Abort(code)
        finally:
            os._exit(code)

    def _stop_threads(self):
        if not self._closing:
            self._thread.close()
            self._closing = True
            self._responder.join(5.0)

    def close(self):
        self._stop_threads()
        atexit.unregister(self._stop_threads)
        if self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        self.comm.Free()
        self._status_comm.Free()


def _divide(buf, n):
    if buf.dtype.kind in 'fc':
        np.divide(buf, n, out=buf)
    else:
        np.floor_divide(buf, n, out=buf)


def _check_launch(mpi_rank, mpi_size, world_size, rank):
    """Agree with what the caller or a torchrun-style environment says about rank and world size."""
    env_size = int(os.environ.get('WORLD_SIZE', -1))
    env_rank = int(os.environ.get('RANK', -1))
    want_size = world_size if world_size != -1 else env_size
    want_rank = rank if rank != -1 else env_rank
    if want_size not in (-1, mpi_size):
        if mpi_size == 1:
            raise RuntimeError(f'world_size is {want_size} but MPI sees one process: framework.distributed starts '
                               f'its processes with mpiexec, e.g. `mpiexec -n {want_size} python ...`')
        raise ValueError(f'world_size is {want_size} but mpiexec started {mpi_size} processes')
    if want_rank not in (-1, mpi_rank):
        raise ValueError(f'rank is {want_rank} but MPI gave this process rank {mpi_rank}')
