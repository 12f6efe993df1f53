"""A stand-in for `cupy.cuda.nccl`, for the NCCL backend's tests on machines without a GPU.

Used with tests/cuda/fakecupy.py (device arrays that are host memory). Every call is logged with its
arguments; the collectives read and write the memory behind the device pointers they are given and
move it between ranks with MPI, so a test sees both the call sequence and real results.
"""
import contextlib
import ctypes
import types

import numpy as np

calls = []

NCCL_INT8, NCCL_UINT8, NCCL_INT32, NCCL_INT64, NCCL_FLOAT16, NCCL_FLOAT32, NCCL_FLOAT64 = 0, 1, 2, 4, 6, 7, 8
NCCL_SUM, NCCL_PROD, NCCL_MAX, NCCL_MIN = 0, 1, 2, 3
_DT = {NCCL_INT8: np.int8, NCCL_UINT8: np.uint8, NCCL_INT32: np.int32, NCCL_INT64: np.int64,
       NCCL_FLOAT16: np.float16, NCCL_FLOAT32: np.float32, NCCL_FLOAT64: np.float64}


def _ops():
    from mpi4py import MPI
    return {NCCL_SUM: MPI.SUM, NCCL_PROD: MPI.PROD, NCCL_MAX: MPI.MAX, NCCL_MIN: MPI.MIN}


def _at(ptr, count, datatype):
    """The `count` elements at device pointer `ptr` (host memory under the fake)."""
    dt = np.dtype(_DT[datatype])
    raw = (ctypes.c_char * (count * dt.itemsize)).from_address(ptr)
    return np.frombuffer(raw, dtype=dt)


def get_unique_id():
    calls.append(('get_unique_id',))
    return tuple(int(v) for v in np.random.default_rng().integers(0, 128, 128))


class NcclCommunicator:
    def __init__(self, ndev, commId, rank):
        from mpi4py import MPI
        calls.append(('NcclCommunicator', ndev, commId, rank))
        self._comm = MPI.COMM_WORLD.Dup()

    def allReduce(self, sendbuf, recvbuf, count, datatype, op, stream):
        from mpi4py import MPI
        calls.append(('allReduce', sendbuf, recvbuf, count, datatype, op, stream))
        src, dst = _at(sendbuf, count, datatype), _at(recvbuf, count, datatype)
        self._comm.Allreduce(MPI.IN_PLACE if sendbuf == recvbuf else src, dst, _ops()[op])

    def bcast(self, buff, count, datatype, root, stream):
        calls.append(('bcast', buff, count, datatype, root, stream))
        self._comm.Bcast(_at(buff, count, datatype), root=root)

    def reduce(self, sendbuf, recvbuf, count, datatype, op, root, stream):
        from mpi4py import MPI
        calls.append(('reduce', sendbuf, recvbuf, count, datatype, op, root, stream))
        buf = _at(recvbuf, count, datatype)
        if self._comm.rank == root:
            self._comm.Reduce(MPI.IN_PLACE, buf, _ops()[op], root=root)
        else:
            self._comm.Reduce(_at(sendbuf, count, datatype), None, _ops()[op], root=root)

    def allGather(self, sendbuf, recvbuf, count, datatype, stream):
        calls.append(('allGather', sendbuf, recvbuf, count, datatype, stream))
        self._comm.Allgather(_at(sendbuf, count, datatype), _at(recvbuf, count * self._comm.size, datatype))

    def abort(self):
        calls.append(('abort',))

    def destroy(self):
        calls.append(('destroy',))
        self._comm.Free()


class _Event:
    done = True

    def synchronize(self):
        pass


class _Device(contextlib.nullcontext):
    def __init__(self, i=0):
        super().__init__()
        self.id = i

    def use(self):
        calls.append(('Device.use', self.id))


STREAM = types.SimpleNamespace(ptr=1234, record=lambda: _Event(), synchronize=lambda: None)


def install(fakecupy):
    """Give the fake CuPy what the NCCL backend reads: cuda.nccl, the current stream, Device.use."""
    import sys
    nccl = sys.modules[__name__]
    fakecupy.cuda.nccl = nccl
    fakecupy.cuda.get_current_stream = lambda: STREAM
    fakecupy.cuda.runtime.getDeviceCount = lambda: 2          # one GPU per rank of a 2-rank test
    fakecupy.cuda.Device = _Device
    sys.modules['cupy'] = fakecupy
    sys.modules['cupy.cuda'] = fakecupy.cuda
    sys.modules['cupy.cuda.nccl'] = nccl
    sys.modules['cupyx'] = fakecupy.cupyx
    from framework import _device
    _device._cupy = fakecupy
