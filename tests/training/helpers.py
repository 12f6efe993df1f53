"""Shared bits of the training tests: a user Module for `model.class`, and quick config builders."""
import os

import framework
from framework import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = os.path.join(ROOT, 'configs')


def config_path(name):
    return os.path.join(CONFIGS, f'{name}.yaml')


class TinyNet(nn.Module):
    """A user's own module, loaded by `model.class: tests.training.helpers:TinyNet`."""

    def __init__(self, n_in=3, hidden=4):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x):
        return framework.flatten(self.body(x))
