"""Run under `mpiexec -n 2 fault.py MODE TIMEOUT CKPT_DIR`: rank 1 fails in MODE (late: never calls
init_process_group in time; hang, stop, raise, kill: at step 3); rank 0 keeps writing a checkpoint each
step. The job must end, non-zero, well within the timeout. MODE none: 5 steps and a normal exit without
destroy_process_group (the threads must be stopped before MPI_Finalize)."""
import os
import signal
import sys
import time

import framework as torch
import framework.distributed as dist
from framework import nn
from framework.nn.parallel import DistributedDataParallel as DDP
from framework.training.checkpoint import atomic_write

mode, timeout, ckpt = sys.argv[1], float(sys.argv[2]), sys.argv[3]
if mode == 'late' and os.environ.get('PMI_RANK') == '1':      # never reaches init_process_group in time
    time.sleep(600)
dist.init_process_group('mpi', timeout=timeout)
rank = dist.get_rank()
torch.manual_seed(0)
model = DDP(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(5 if mode == 'none' else 1000):
    if rank == 1 and step == 3:
        print(f'rank 1 fails: {mode}', flush=True)
        if mode == 'kill':
            os.kill(os.getpid(), signal.SIGKILL)
        elif mode == 'hang':
            time.sleep(600)
        elif mode == 'stop':                     # frozen: not even its status thread answers
            os.kill(os.getpid(), signal.SIGSTOP)
        elif mode == 'raise':
            raise RuntimeError('a failure on rank 1')
    opt.zero_grad()
    model(torch.randn(16, 4)).pow(2).mean().backward()
    opt.step()
    if rank == 0:
        atomic_write(os.path.join(ckpt, 'step.txt'), lambda f: f.write(f'{step}\n'.encode()))
print(f'rank {rank} finished', flush=True)
