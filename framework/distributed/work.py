"""What the backends share: Work handles, the communication thread, and the watchdog's verdict.

MPI collectives block until every rank has joined and never time out. So each group runs its
collectives, in call order (MPI requires the same order on every rank), on one thread of its own;
the caller waits on the Work with the group's timeout. That thread also lets communication overlap
the caller's computation (mpi4py releases the GIL inside MPI), which DistributedDataParallel uses to
reduce gradient buckets while backward goes on.

A collective that outlives the timeout means a rank died or hangs. Waiting longer cannot help, and
returning an error would leave the job with ranks out of step, so the rank that noticed says which
rank did not join and aborts the whole job (every rank exits non-zero, as torch's NCCL watchdog does).
"""
import os
import queue
import sys
import threading
import time


class Work:
    """torch.distributed.Work: the handle of a collective; its tensors hold the result after wait()."""

    def __init__(self, group, name, seq, tensors=()):
        self._group, self._name, self._seq, self._tensors = group, name, seq, tensors
        self._done = threading.Event()
        self._error = None
        self._value = None

    def is_completed(self):
        return self._done.is_set()

    def is_success(self):
        return self._done.is_set() and self._error is None

    def exception(self):
        return self._error

    def wait(self, timeout=None):
        limit = self._group.timeout if timeout is None else _seconds(timeout)
        if not self._done.wait(limit):
            self._group.on_timeout(self, limit)
        if self._error is not None:
            raise self._error
        return True

    def result(self):
        self.wait()
        return list(self._tensors)

    def __repr__(self):
        state = 'completed' if self.is_completed() else 'pending'
        return f'<Work {self._name} #{self._seq} on rank {self._group.rank}: {state}>'


def _seconds(timeout):
    return timeout.total_seconds() if hasattr(timeout, 'total_seconds') else float(timeout)


class CommThread:
    """Runs the group's collectives one after another; `started`/`finished` number the latest."""

    def __init__(self, name):
        self._queue = queue.SimpleQueue()
        self.started = 0
        self.finished = 0
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn, work):
        self._queue.put((fn, work))

    def _loop(self):
        while True:
            item = self._queue.get()
            if item is None:
                return
            fn, work = item
            self.started = work._seq
            try:
                work._value = fn()
            except BaseException as e:          # handed to the waiting caller
                work._error = e
            self.finished = work._seq
            work._done.set()

    def close(self, timeout=10.0):
        self._queue.put(None)
        self._thread.join(timeout)


class ProcessGroup:
    """The part of a group that does not depend on the transport: numbering, waiting, failing."""
    backend = None
    rank = 0
    size = 1
    local_rank = 0
    timeout = 300.0

    def _start_thread(self):
        self._seq = 0
        self._thread = CommThread(f'framework.distributed rank {self.rank}')

    def run(self, name, tensors, async_op, **kw):
        fn = self.collective(name, tensors, **kw)
        self._seq += 1
        work = Work(self, name, self._seq, tensors)
        self._thread.submit(fn, work)
        if async_op:
            return work
        work.wait()
        return None

    def run_objects(self, name, obj, root=0):
        fn = self.object_collective(name, obj, root)
        self._seq += 1
        work = Work(self, name + '_object', self._seq)
        self._thread.submit(fn, work)
        work.wait()
        return work._value

    def on_timeout(self, work, limit):
        """Name the rank(s) that did not join, then end the job: does not return."""
        try:
            detail = self.diagnose(work)
        except Exception as e:                  # the verdict must not stop the abort
            detail = f'could not ask the other ranks ({type(e).__name__}: {e})'
        print(f'[rank {self.rank}] framework.distributed: {work._name} (collective #{work._seq}) did not complete '
              f'within {limit:g} s: {detail}. Aborting all {self.size} ranks.', file=sys.stderr, flush=True)
        _let_output_through()
        self.abort(1)

    def diagnose(self, work):
        return 'no rank could be asked'

    def abort(self, code):
        os._exit(code)


def _let_output_through():
    """mpiexec forwards each rank's output asynchronously and drops what is in flight when the job is
    aborted: give the traceback and the verdict a moment to get through."""
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass
    time.sleep(0.3)


def install_excepthook(group):
    """A rank that raises must take the job down, not leave the others blocked in a collective."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        try:
            previous(exc_type, exc, tb)
        finally:
            print(f'[rank {group.rank}] framework.distributed: rank {group.rank} failed with {exc_type.__name__}; '
                  f'aborting all {group.size} ranks.', file=sys.stderr, flush=True)
            _let_output_through()
            group.abort(1)
    sys.excepthook = hook
    return previous
