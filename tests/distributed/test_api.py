"""framework.distributed without a process group (no MPI needed): PyTorch's errors and names."""
import pytest

import framework as fw
import framework.distributed as dist
from framework.nn.parallel import DistributedDataParallel

NOT_INIT = 'Default process group has not been initialized, please make sure to call init_process_group.'

CALLS = [
    ('get_rank', lambda d, t: d.get_rank()),
    ('get_world_size', lambda d, t: d.get_world_size()),
    ('get_backend', lambda d, t: d.get_backend()),
    ('barrier', lambda d, t: d.barrier()),
    ('all_reduce', lambda d, t: d.all_reduce(t.ones(2))),
    ('broadcast', lambda d, t: d.broadcast(t.ones(2), src=0)),
    ('reduce', lambda d, t: d.reduce(t.ones(2), dst=0)),
]


@pytest.mark.parametrize('name,call', CALLS)
def test_calls_without_a_group_raise_torchs_error(name, call):
    assert not dist.is_initialized()
    with pytest.raises(ValueError) as ours:
        call(dist, fw)
    assert str(ours.value) == NOT_INIT
    torch = pytest.importorskip('torch')
    with pytest.raises(ValueError) as theirs:
        call(torch.distributed, torch)
    assert str(theirs.value) == str(ours.value)


def test_destroy_without_a_group_and_ddp_without_a_group():
    with pytest.raises(AssertionError, match='^Process group cannot be None$'):
        dist.destroy_process_group()
    with pytest.raises(ValueError, match='^Default process group has not been initialized'):
        DistributedDataParallel(fw.nn.Linear(2, 2))
    assert fw.distributed is dist and fw.nn.parallel.DistributedDataParallel is DistributedDataParallel


def test_reduce_op_and_backend_names():
    assert [repr(getattr(dist.ReduceOp, n)) for n in ('SUM', 'AVG', 'PRODUCT', 'MIN', 'MAX')] == [
        '<RedOpType.SUM: 0>', '<RedOpType.AVG: 1>', '<RedOpType.PRODUCT: 2>', '<RedOpType.MIN: 3>',
        '<RedOpType.MAX: 4>']
    assert str(dist.ReduceOp.AVG) == 'RedOpType.AVG'
    assert dist.Backend('MPI') == 'mpi' and dist.Backend.NCCL == 'nccl'
    with pytest.raises(ValueError, match="Invalid backend: 'gloo'"):
        dist.init_process_group('gloo')
    assert not dist.is_initialized()
    torch = pytest.importorskip('torch')
    for n in ('SUM', 'AVG', 'PRODUCT', 'MIN', 'MAX'):
        assert repr(getattr(dist.ReduceOp, n)) == repr(getattr(torch.distributed.ReduceOp, n))
