"""Run under `mpiexec -n 2`: the NCCL backend against the fake CuPy/NCCL (tests/cuda/fakecupy.py and
tests/distributed/fakenccl.py): the bootstrap, the calls made (in place, on the current stream,
NCCL's types and ops), no host copy, and the results, for the collectives and one DDP step."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
from tests.cuda import fakecupy  # noqa: E402
from tests.distributed import fakenccl as F  # noqa: E402

F.install(fakecupy)

import numpy as np  # noqa: E402

import framework as torch  # noqa: E402
import framework.distributed as dist  # noqa: E402
from framework import nn  # noqa: E402
from framework.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

dist.init_process_group(device_id=torch.device('cuda', 0), timeout=30)
rank = dist.get_rank()
assert dist.get_backend() == 'nccl'
boot = [c for c in F.calls]
assert boot[0] == ('Device.use', rank)
assert [c[0] for c in boot] == (['Device.use', 'get_unique_id', 'NcclCommunicator'] if rank == 0
                                 else ['Device.use', 'NcclCommunicator'])
uids = []
dist.all_gather_object(uids, boot[-1][2])
assert uids[0] == uids[1] and boot[-1][1] == 2 and boot[-1][3] == rank      # one id, from rank 0
print(f'OK bootstrap rank={rank}', flush=True)


def ptr(t):
    return t._data.__array_interface__['data'][0]


F.calls.clear()
fakecupy.transfers[0] = 0
t = torch.tensor([1.0, 2.0], device='cuda') * (rank + 1)
dist.all_reduce(t)
assert F.calls == [('allReduce', ptr(t), ptr(t), 2, F.NCCL_FLOAT32, F.NCCL_SUM, F.STREAM.ptr)]
u = torch.tensor([1, 5], dtype=torch.int64, device='cuda') * (rank + 1)
w = dist.all_reduce(u, op=dist.ReduceOp.MAX, async_op=True)
assert w.wait() is True and w.is_completed()
assert F.calls[-1] == ('allReduce', ptr(u), ptr(u), 2, F.NCCL_INT64, F.NCCL_MAX, F.STREAM.ptr)
v = torch.tensor([2.0, 4.0], dtype=torch.float64, device='cuda') * (rank + 1)
dist.all_reduce(v, op=dist.ReduceOp.AVG)
b = torch.full((3,), float(rank), device='cuda')
dist.broadcast(b, src=1)
assert F.calls[-1] == ('bcast', ptr(b), 3, F.NCCL_FLOAT32, 1, F.STREAM.ptr)
r = torch.tensor([5.0], device='cuda') * (rank + 1)
dist.reduce(r, dst=0)
g = [torch.zeros(2, device='cuda') for _ in range(2)]
dist.all_gather(g, torch.tensor([rank, 10.0 * rank], device='cuda'))
assert F.calls[-1][0] == 'allGather' and F.calls[-1][3:] == (2, F.NCCL_FLOAT32, F.STREAM.ptr)
dist.barrier()
assert fakecupy.transfers[0] == 0, fakecupy.transfers[0]        # nothing went through the host
assert t.cpu().tolist() == [3.0, 6.0] and u.cpu().tolist() == [2, 10] and v.cpu().tolist() == [3.0, 6.0]
assert b.cpu().tolist() == [1.0] * 3 and r.cpu().tolist() == ([15.0] if rank == 0 else [10.0])
assert [x.cpu().tolist() for x in g] == [[0.0, 0.0], [1.0, 10.0]]
try:
    dist.all_reduce(torch.ones(2))
except ValueError as e:
    assert "backend 'nccl' takes CUDA tensors" in str(e)
else:
    raise AssertionError('a CPU tensor went to NCCL')
print(f'OK collectives rank={rank}', flush=True)

# one DDP step on the fake GPU equals one process on the whole batch
torch.manual_seed(rank)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to('cuda')
ddp = DDP(model)
torch.manual_seed(7)
X, Y = torch.randn(4, 3), torch.randn(4, 2)
ref = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
with torch.no_grad():
    for p, q in zip(ref.parameters(), model.parameters()):
        p.copy_(q.cpu())
F.calls.clear()
nn.MSELoss()(ddp(X[2 * rank:2 * rank + 2].to('cuda')), Y[2 * rank:2 * rank + 2].to('cuda')).backward()
assert [c[0] for c in F.calls] == ['allReduce'] and F.calls[0][3] == sum(p.numel() for p in model.parameters())
nn.MSELoss()(ref(X), Y).backward()
for p, q in zip(model.parameters(), ref.parameters()):
    np.testing.assert_allclose(p.grad.cpu().numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
print(f'OK ddp rank={rank}', flush=True)
dist.destroy_process_group()
assert F.calls[-1] == ('destroy',)
print(f'OK done rank={rank}', flush=True)
