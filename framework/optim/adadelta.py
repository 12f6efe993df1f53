"""Adadelta: the step's size comes from running averages of squared gradients and squared updates;
PyTorch's single-tensor update (lr scales the update, 1.0 by default)."""
from .. import _device
from .._tensor import bump_version, wrap
from .optimizer import Optimizer, _check_step_flags, _new_step

_DEVICES = "['cuda', 'xpu', 'hpu', 'privateuseone']"


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f'Invalid learning rate: {lr}')
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f'Invalid rho value: {rho}')
        if not 0.0 <= eps:
            raise ValueError(f'Invalid epsilon value: {eps}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'Invalid weight_decay value: {weight_decay}')
        defaults = {'lr': lr, 'rho': rho, 'eps': eps, 'weight_decay': weight_decay, 'maximize': maximize,
                    'capturable': capturable, 'foreach': foreach, 'differentiable': differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (('foreach', None), ('maximize', False), ('differentiable', False),
                               ('capturable', False)):
                group.setdefault(key, value)

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = group['lr'], group['rho'], group['eps'], group['weight_decay']
            for p in group['params']:
                if p.grad is None:
                    continue
                _check_step_flags(group, p, devices=_DEVICES)
                a = p._data
                xp = _device.xp_of(a)
                st = self.state[p]
                if not st:
                    st['step'] = _new_step()
                    st['square_avg'] = wrap(xp.zeros_like(a))
                    st['acc_delta'] = wrap(xp.zeros_like(a))
                st['step']._data += 1
                grad = p.grad._data
                if group['maximize']:
                    grad = -grad
                if wd != 0:
                    grad = grad + wd * a
                square_avg, acc_delta = st['square_avg']._data, st['acc_delta']._data
                square_avg *= rho
                square_avg += (1 - rho) * grad * grad
                delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
                acc_delta *= rho
                acc_delta += (1 - rho) * delta * delta
                a += -lr * delta
                bump_version(p)
        return loss
