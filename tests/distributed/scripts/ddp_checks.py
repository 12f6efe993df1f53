"""Run under `mpiexec -n 2`: collectives, DistributedDataParallel against one process on the whole
batch, no_sync, buffers, unused parameters. Prints `OK <check>` per check that passed; a failed
assertion aborts the job (framework.distributed's excepthook), so pytest sees a non-zero exit."""
import copy

import numpy as np

import framework as torch
import framework.distributed as dist
from framework import nn
from framework.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group('mpi', timeout=30)
rank, world = dist.get_rank(), dist.get_world_size()
assert world == 2


def ok(name):
    print(f'OK {name} rank={rank}', flush=True)


def same_on_all_ranks(tensors):
    """Every rank holds bitwise the values rank 0 holds (2 ranks: a+b == b+a exactly)."""
    for t in tensors:
        mine = t.detach().clone()
        ref = mine.clone()
        dist.broadcast(ref, src=0)
        assert np.array_equal(mine.numpy(), ref.numpy()), (t.shape, mine, ref)


# ---- collectives, hand-worked values
t = torch.tensor([1.0, 2.0]) * (rank + 1)
dist.all_reduce(t)
assert t.tolist() == [3.0, 6.0]
t = torch.tensor([1.0, 2.0]) * (rank + 1)
w = dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True)
assert w.wait() is True and w.is_completed()
assert t.tolist() == [1.5, 3.0]
for op, want in ((dist.ReduceOp.MAX, [2, 4]), (dist.ReduceOp.MIN, [1, 2]), (dist.ReduceOp.PRODUCT, [2, 8])):
    t = torch.tensor([1, 2], dtype=torch.int64) * (rank + 1)
    dist.all_reduce(t, op=op)
    assert t.tolist() == want and t.dtype == torch.int64, (op, t)
t = torch.full((3,), float(rank))
dist.broadcast(t, src=1)
assert t.tolist() == [1.0] * 3
t = torch.ones(4, 3)[:, 1] * (rank + 1)           # a strided view: reduced in place through a copy
dist.all_reduce(t)
assert t.tolist() == [3.0] * 4
t = torch.tensor([5.0]) * (rank + 1)
dist.reduce(t, dst=0)
assert t.tolist() == ([15.0] if rank == 0 else [10.0])
out = [torch.zeros(2) for _ in range(world)]
dist.all_gather(out, torch.tensor([rank, 10.0 * rank]))
assert [o.tolist() for o in out] == [[0.0, 0.0], [1.0, 10.0]]
flat = torch.zeros(4)
dist.all_gather_into_tensor(flat, torch.tensor([rank, -rank], dtype=torch.float32))
assert flat.tolist() == [0.0, 0.0, 1.0, -1.0]
objs = [{'rank': rank}]
dist.broadcast_object_list(objs, src=1)
assert objs == [{'rank': 1}]
h = torch.tensor([0.5, 1.5], dtype=torch.float16) * (rank + 1)      # no MPI type: reduced through float32
dist.all_reduce(h)
assert h.dtype == torch.float16 and h.tolist() == [1.5, 4.5]
m = torch.tensor([rank == 0, False])
dist.all_reduce(m, op=dist.ReduceOp.MAX)
assert m.dtype == torch.bool and m.tolist() == [True, False]
dist.barrier()
ok('collectives')


# ---- DDP == one process on the concatenated batch
def mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))


torch.manual_seed(100)
X = torch.randn(8 * world, 6, dtype=torch.float64)
Y = torch.randn(8 * world, 3, dtype=torch.float64)
per = X.shape[0] // world
mine = slice(rank * per, (rank + 1) * per)

single = mlp(0).double()
model = mlp(rank + 1).double()        # different on each rank: DDP must broadcast rank 0's values
if rank == 1:
    model.register_buffer('seen', torch.full((2,), 7.0, dtype=torch.float64))
else:
    model.register_buffer('seen', torch.zeros(2, dtype=torch.float64))
ddp = DDP(model, bucket_cap_mb=0.001)       # small buckets: several all-reduces per backward
assert ddp.module is model
assert len(ddp._buckets) > 1
same_on_all_ranks(list(ddp.parameters()) + list(ddp.buffers()))
assert model.seen.tolist() == [0.0, 0.0]
if rank == 0:
    ref = copy.deepcopy(model)             # rank 0's start is the single process's start
else:
    ref = mlp(0).double()
for p, q in zip(ref.parameters(), model.parameters()):
    dist.broadcast(p.detach(), src=0)
    assert np.array_equal(p.detach().numpy(), q.detach().numpy())
assert list(ddp.state_dict()) == ['module.' + k for k in model.state_dict()]
# buffers follow rank 0 at every forward too (broadcast_buffers=True), as BatchNorm's statistics would
with torch.no_grad():
    model.seen.fill_(float(rank + 5))
with torch.enable_grad():
    ddp(X[:1])
assert model.seen.tolist() == [5.0, 5.0]
ok('construction')

opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
loss_fn = nn.MSELoss()
for step in range(5):
    opt.zero_grad()
    loss_fn(ddp(X[mine]), Y[mine]).backward()
    opt.step()
    ref_opt.zero_grad()
    loss_fn(ref(X), Y).backward()
    ref_opt.step()
    same_on_all_ranks(ddp.parameters())
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12)
ok('equivalence')

# ---- no_sync: two local accumulations, then a synchronised backward: the big-batch gradient
torch.manual_seed(101)
X2 = torch.randn(4 * world * 2, 6, dtype=torch.float64)
Y2 = torch.randn(4 * world * 2, 3, dtype=torch.float64)
halves = [slice(0, 4 * world), slice(4 * world, 8 * world)]
opt.zero_grad()
ref_opt.zero_grad()
for k, h in enumerate(halves):
    xs, ys = X2[h], Y2[h]
    part = slice(rank * 4, (rank + 1) * 4)
    if k == 0:
        with ddp.no_sync():
            loss_fn(ddp(xs[part]), ys[part]).backward()
        local = model[0].weight.grad.clone()
        other = local.clone()
        dist.broadcast(other, src=1)
        assert rank == 1 or not np.allclose(local.numpy(), other.numpy())    # nothing was exchanged
    else:
        loss_fn(ddp(xs[part]), ys[part]).backward()
    loss_fn(ref(xs), ys).backward()
same_on_all_ranks([p.grad for p in model.parameters()])
for p, q in zip(model.parameters(), ref.parameters()):
    np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12)
ok('no_sync')

# ---- find_unused_parameters: a branch used on no rank keeps .grad None; one used on rank 1 only is reduced


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(3)
        self.body = nn.Linear(4, 4)
        self.head_a = nn.Linear(4, 1)
        self.head_b = nn.Linear(4, 1)
        self.never = nn.Linear(4, 1)

    def forward(self, x, use_b):
        h = self.body(x)
        return self.head_b(h) if use_b else self.head_a(h)


net = TwoHeads().double()
ddp2 = DDP(net, find_unused_parameters=True)
xbase = torch.randn(3, 4, dtype=torch.float64)
xin = xbase + rank
whole = TwoHeads().double()                # one process seeing both ranks' inputs: the sum of their gradients
for r in range(world):
    whole(xbase + r, use_b=r == 1).sum().backward()
ddp2(xin, use_b=rank == 1).sum().backward()
assert net.never.weight.grad is None and net.never.bias.grad is None
same_on_all_ranks([net.body.weight.grad, net.head_a.weight.grad, net.head_b.weight.grad])
for p, q in zip(net.parameters(), whole.parameters()):
    if q.grad is not None:                 # head_a only had rank 0's gradient, head_b only rank 1's: both halved
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy() / world, rtol=1e-10, atol=1e-12)
ok('find_unused_parameters')

# without it, an unused parameter is PyTorch's error at the next forward
net2 = TwoHeads().double()
ddp3 = DDP(net2)
ddp3(xin, use_b=False).sum().backward()
try:
    ddp3(xin, use_b=False)
except RuntimeError as e:
    assert 'Expected to have finished reduction in the prior iteration' in str(e)
else:
    raise AssertionError('no error for unused parameters')
ok('unused_error')

# ---- shapes checked across ranks
try:
    DDP(nn.Linear(3, 2 + rank))
except RuntimeError as e:
    assert 'DDP expects same model across all ranks' in str(e), e
else:
    raise AssertionError('no error for different models')
ok('shape_check')

# ---- a CNN (convolution, pooling) likewise equals one process on the concatenated batch
torch.manual_seed(5)
cnn = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                    nn.Linear(4 * 4 * 4, 3)).double()
cnn_ref = copy.deepcopy(cnn)
torch.manual_seed(6)
imgs = torch.randn(4 * world, 2, 8, 8, dtype=torch.float64)
labels = torch.randint(0, 3, (4 * world,))
cddp = DDP(cnn)
copt = torch.optim.SGD(cddp.parameters(), lr=0.05, momentum=0.9)
ropt = torch.optim.SGD(cnn_ref.parameters(), lr=0.05, momentum=0.9)
ce = nn.CrossEntropyLoss()
for step in range(3):
    copt.zero_grad()
    ce(cddp(imgs[rank * 4:(rank + 1) * 4]), labels[rank * 4:(rank + 1) * 4]).backward()
    copt.step()
    ropt.zero_grad()
    ce(cnn_ref(imgs), labels).backward()
    ropt.step()
    same_on_all_ranks(cnn.parameters())
    for p, q in zip(cnn.parameters(), cnn_ref.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-10, atol=1e-12)
ok('cnn')

# ---- BatchNorm's running statistics come from rank 0 at construction and before every forward
torch.manual_seed(8)
bn_net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3)).double()
bn = bn_net[1]
with torch.no_grad():
    bn.running_mean.fill_(float(rank))              # different on each rank before DDP
bddp = DDP(bn_net)
assert bn.running_mean.tolist() == [0.0] * 3
same_on_all_ranks(list(bn_net.buffers()))
with torch.no_grad():
    if rank == 0:
        bn.running_mean.fill_(2.0)                  # rank 0 moves on; rank 1's stale values are overwritten
batch = imgs[rank * 4:(rank + 1) * 4]
bddp(batch)
conv_out = bn_net[0](batch).detach().numpy()
want = 0.9 * 2.0 + 0.1 * conv_out.mean(axis=(0, 2, 3))      # momentum 0.1 from rank 0's mean and the local batch
np.testing.assert_allclose(bn.running_mean.numpy(), want, rtol=1e-12)
ok('batchnorm_buffers')

# ---- DistributedSampler: rank and world size from the group; the ranks' shares partition the padded set
from framework.utils.data.distributed import DistributedSampler  # noqa: E402

for n, drop_last, shuffle in ((11, False, False), (11, True, True), (10, False, True)):
    sampler = DistributedSampler(range(n), shuffle=shuffle, drop_last=drop_last, seed=4)
    sampler.set_epoch(2)
    shares = []
    dist.all_gather_object(shares, list(sampler))
    assert shares[rank] == list(sampler) and len(shares[0]) == len(shares[1]) == len(sampler)
    everything = sorted(shares[0] + shares[1])
    if drop_last:
        assert len(set(everything)) == len(everything) == 2 * (n // 2)
    else:
        assert set(everything) == set(range(n)) and len(everything) == 2 * -(-n // 2)
    if not shuffle:
        assert shares == [list(range(0, 11, 2)), list(range(1, 11, 2)) + [0]]
ok('sampler')

dist.destroy_process_group()
assert not dist.is_initialized()
ok('done')
