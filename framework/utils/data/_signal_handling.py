"""A worker killed by a signal (OOM killer, segfault in a C extension, kill -9) raises at once in the
main process instead of leaving it waiting for a batch that never comes (PyTorch's
torch/utils/data/_utils/signal_handling.py, with its C++ check written in Python).

Iterators register their workers' pids; one SIGCHLD handler, installed once in the main thread,
looks at every registered worker with ``waitid(WNOWAIT)``, which reads a dead child's status
without reaping it, and raises PyTorch's message for the first that failed.
"""
import os
import signal
import threading

_worker_pids = {}
_handler_set = False


def set_worker_pids(key, pids):
    _worker_pids[key] = tuple(pids)


def remove_worker_pids(key):
    _worker_pids.pop(key, None)


def error_if_any_worker_fails(pids=None):
    """Raise PyTorch's message for the first registered worker (or the first of ``pids``) that died."""
    if not hasattr(os, 'waitid'):           # Windows: the main loop's liveness poll reports dead workers
        return
    groups = list(_worker_pids.values()) if pids is None else [pids]
    for pids in groups:
        for pid in pids:
            try:
                info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:      # already reaped by multiprocessing: its poll reports it
                continue
            if info is None:
                continue
            if info.si_code in (os.CLD_KILLED, os.CLD_DUMPED):
                name = signal.strsignal(info.si_status) or f'signal {info.si_status}'
                msg = f'DataLoader worker (pid {pid}) is killed by signal: {name}. '
                if info.si_status == signal.SIGBUS:
                    msg += ("It is possible that dataloader's workers are out of shared memory. Please try to raise "
                            'your shared memory limit.')
                raise RuntimeError(msg)
            if info.si_code == os.CLD_EXITED and info.si_status != 0:
                raise RuntimeError(f'DataLoader worker (pid {pid}) exited unexpectedly with exit code '
                                   f'{info.si_status}. Details are lost due to multiprocessing. Rerunning with '
                                   'num_workers=0 may give better error trace.')


def set_sigchld_handler():
    global _handler_set
    if _handler_set or not hasattr(signal, 'SIGCHLD') or not hasattr(os, 'waitid'):
        return
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGCHLD)
    if not callable(previous):
        previous = None

    def handler(signum, frame):
        error_if_any_worker_fails()
        if previous is not None:
            previous(signum, frame)

    signal.signal(signal.SIGCHLD, handler)
    _handler_set = True
