"""Adamax: Adam with the infinity norm in place of the second moment; PyTorch's single-tensor update."""
from .. import _device
from .._tensor import bump_version, wrap
from .optimizer import Optimizer, _check_step_flags, _new_step


class Adamax(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        if not 0.0 <= lr:
            raise ValueError(f'Invalid learning rate: {lr}')
        if not 0.0 <= eps:
            raise ValueError(f'Invalid epsilon value: {eps}')
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f'Invalid beta parameter at index 0: {betas[0]}')
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f'Invalid beta parameter at index 1: {betas[1]}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'Invalid weight_decay value: {weight_decay}')
        defaults = {'lr': lr, 'betas': betas, 'eps': eps, 'weight_decay': weight_decay, 'foreach': foreach,
                    'maximize': maximize, 'differentiable': differentiable, 'capturable': capturable}
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
            lr, (beta1, beta2), eps, wd = group['lr'], group['betas'], group['eps'], group['weight_decay']
            for p in group['params']:
                if p.grad is None:
                    continue
                _check_step_flags(group, p)
                a = p._data
                xp = _device.xp_of(a)
                st = self.state[p]
                if not st:
                    st['step'] = _new_step()
                    st['exp_avg'] = wrap(xp.zeros_like(a))
                    st['exp_inf'] = wrap(xp.zeros_like(a))
                step_arr = st['step']._data
                step_arr += 1
                grad = p.grad._data
                if group['maximize']:
                    grad = -grad
                if wd != 0:
                    grad = grad + wd * a
                exp_avg, exp_inf = st['exp_avg']._data, st['exp_inf']._data
                exp_avg += (1 - beta1) * (grad - exp_avg)
                exp_inf *= beta2
                xp.maximum(exp_inf, xp.abs(grad) + eps, out=exp_inf)
                clr = lr / (1 - beta1 ** float(step_arr))
                a += (-clr * exp_avg) / exp_inf
                bump_version(p)
        return loss
