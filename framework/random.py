"""The global random generator behind rand/randn/init/dropout/shuffling, seeded by manual_seed.

NumPy's PCG64, so runs are reproducible on framework; the numbers differ from PyTorch's generator.
"""
import numpy as np


class Generator:
    """torch.Generator: its own stream, for DataLoader(generator=...) and random_split."""

    def __init__(self, device='cpu'):
        self._seed = 0
        self.rng = np.random.default_rng(0)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from .creation import tensor
        import json
        state = json.dumps(self.rng.bit_generator.state)
        return tensor(np.frombuffer(state.encode(), dtype=np.uint8).copy())

    def set_state(self, state):
        import json
        raw = state.numpy().tobytes().decode() if hasattr(state, 'numpy') else bytes(state).decode()
        self.rng.bit_generator.state = json.loads(raw)


default_generator = Generator()


def manual_seed(seed):
    default_generator.manual_seed(seed)
    try:
        from . import cuda
        cuda.manual_seed_all(seed)
    except Exception:
        pass
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def rng(generator=None):
    return (generator or default_generator).rng
