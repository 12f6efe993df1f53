"""Your own nn.Module trained by framework.training, with no YAML file: the config is a dict.

The model is seed 004's cubic written as a Module with four scalar parameters (a + b x + c x^2 + d x^3
over the features x, x^2, x^3 of the `sin_cubic` data), named to the trainer by `model.class`.
Adam with a step schedule reaches the least-squares optimum in 2000 full-batch steps.

    python examples/train_custom_module.py
"""
import framework as torch
from framework import nn
from framework.training import train


class Cubic(nn.Module):
    """y = a + b x + c x^2 + d x^3, fed the columns (x, x^2, x^3); starts where seed 004's Linear starts."""

    def __init__(self, start=(-0.4248946011066437, -0.004322517663240433, 0.3097158372402191, -0.4751853346824646)):
        super().__init__()
        self.a, self.b, self.c, self.d = (nn.Parameter(torch.tensor(v)) for v in start)

    def forward(self, features):
        x, x2, x3 = features.unbind(1)
        return self.a + self.b * x + self.c * x2 + self.d * x3


CONFIG = {
    'seed': 0,
    'data': {'name': 'sin_cubic'},
    'model': {'class': '__main__:Cubic'},
    'loss': {'name': 'MSELoss', 'reduction': 'sum'},
    'optimizer': {'name': 'Adam', 'lr': 0.05},
    'scheduler': {'name': 'StepLR', 'step_size': 500, 'gamma': 0.5, 'interval': 'step'},
    'train': {'steps': 2000, 'log_every': 500, 'progress': False},
    'output': {'dir': 'runs', 'name': 'custom_model', 'overwrite': True, 'plot': False},
}


def main():
    result = train(CONFIG, report=False)
    m = result.model
    print(f'{result.steps} steps, final loss {result.final_loss:.4f}, checkpoint in {result.run_dir}')
    print(f'Result: y = {m.a.item()} + {m.b.item()} x + {m.c.item()} x^2 + {m.d.item()} x^3')


if __name__ == '__main__':
    main()
