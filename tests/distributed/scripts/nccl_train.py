"""Run under `mpiexec -n 2 nccl_train.py OUT_DIR`: train.py's loop with device cuda on the fake CuPy, so
gradients, logged losses and the stop flag travel through the NCCL backend (tests/distributed/fakenccl.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
from tests.cuda import fakecupy  # noqa: E402
from tests.distributed import fakenccl as F  # noqa: E402

F.install(fakecupy)

from framework.training import train  # noqa: E402

out = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')
r = train(os.path.join(root, 'configs', 'mlp.yaml'), overrides=['device=cuda', f'output.dir={out}', 'output.name=gpu',
                                                             'output.plot=false', 'train.epochs=10'],
          progress=False, report=False)
kinds = {c[0] for c in F.calls}
assert {'NcclCommunicator', 'allReduce', 'bcast'} <= kinds, kinds
print(f'OK nccl_train rank={os.environ.get("PMI_RANK")} steps={r.steps}', flush=True)
