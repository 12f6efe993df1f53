"""Adagrad: per-coordinate steps shrink with the summed squared gradients; PyTorch's single-tensor update.

As in PyTorch the state (`step`, `sum`) is created for every parameter when the optimizer is built,
so a state dict lists parameters that never received a gradient.
"""
from .. import _device
from .._tensor import bump_version, wrap
from .optimizer import Optimizer, _check_fused, _check_step_flags, _new_step


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f'Invalid learning rate: {lr}')
        if not 0.0 <= lr_decay:
            raise ValueError(f'Invalid lr_decay value: {lr_decay}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'Invalid weight_decay value: {weight_decay}')
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f'Invalid initial_accumulator_value value: {initial_accumulator_value}')
        if not 0.0 <= eps:
            raise ValueError(f'Invalid epsilon value: {eps}')
        defaults = {'lr': lr, 'lr_decay': lr_decay, 'eps': eps, 'weight_decay': weight_decay,
                    'initial_accumulator_value': initial_accumulator_value, 'foreach': foreach,
                    'maximize': maximize, 'differentiable': differentiable, 'fused': fused}
        super().__init__(params, defaults)
        _check_fused(defaults)
        for group in self.param_groups:
            for p in group['params']:
                self._init_state(p)

    def _init_state(self, p):
        st = self.state[p]
        st['step'] = _new_step()
        st['sum'] = wrap(_device.xp_of(p._data).full_like(p._data, self.defaults['initial_accumulator_value']))
        return st

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (('foreach', None), ('maximize', False), ('differentiable', False), ('fused', None)):
                group.setdefault(key, value)

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, lr_decay, eps, wd = group['lr'], group['lr_decay'], group['eps'], group['weight_decay']
            for p in group['params']:
                if p.grad is None:
                    continue
                _check_step_flags(group, p)
                a = p._data
                xp = _device.xp_of(a)
                st = self.state[p] or self._init_state(p)    # a parameter added by add_param_group
                step_arr = st['step']._data
                step_arr += 1
                grad = p.grad._data
                if group['maximize']:
                    grad = -grad
                if wd != 0:
                    grad = grad + wd * a
                clr = lr / (1 + (float(step_arr) - 1) * lr_decay)
                state_sum = st['sum']._data
                state_sum += grad * grad
                a += (-clr * grad) / (xp.sqrt(state_sum) + eps)
                bump_version(p)
        return loss
