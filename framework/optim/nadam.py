"""NAdam: Adam with Nesterov momentum and Dozat's momentum schedule (`momentum_decay`); PyTorch's
single-tensor update. `mu_product`, the running product of the schedule, is state like `step`."""
from .. import _device
from .._tensor import bump_version, wrap
from .optimizer import Optimizer, _check_step_flags, _new_step


class NAdam(Optimizer):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
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
        if not 0.0 <= momentum_decay:
            raise ValueError(f'Invalid momentum_decay value: {momentum_decay}')
        defaults = {'lr': lr, 'betas': betas, 'eps': eps, 'weight_decay': weight_decay,
                    'momentum_decay': momentum_decay, 'decoupled_weight_decay': decoupled_weight_decay,
                    'maximize': maximize, 'foreach': foreach, 'capturable': capturable,
                    'differentiable': differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (('maximize', False), ('foreach', None), ('capturable', False),
                               ('differentiable', False), ('decoupled_weight_decay', False)):
                group.setdefault(key, value)

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group['lr'], group['betas'], group['eps'], group['weight_decay']
            momentum_decay, decoupled = group['momentum_decay'], group['decoupled_weight_decay']
            for p in group['params']:
                if p.grad is None:
                    continue
                _check_step_flags(group, p, what='params, mu_products and state_steps')
                a = p._data
                xp = _device.xp_of(a)
                st = self.state[p]
                if not st:
                    st['step'] = _new_step()
                    st['mu_product'] = _new_step(1.0)
                    st['exp_avg'] = wrap(xp.zeros_like(a))
                    st['exp_avg_sq'] = wrap(xp.zeros_like(a))
                step_arr = st['step']._data
                step_arr += 1
                step = float(step_arr)
                grad = p.grad._data
                if group['maximize']:
                    grad = -grad
                bias_correction2 = 1 - beta2 ** step
                if wd != 0:
                    if decoupled:
                        a *= 1 - lr * wd
                    else:
                        grad = grad + wd * a
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product = st['mu_product']._data
                mu_product *= mu                       # kept in the counter's precision, as PyTorch does
                mu_product = float(mu_product)
                exp_avg, exp_avg_sq = st['exp_avg']._data, st['exp_avg_sq']._data
                exp_avg += (1 - beta1) * (grad - exp_avg)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                denom = xp.sqrt(exp_avg_sq / bias_correction2) + eps
                a += (-lr * (1.0 - mu) / (1.0 - mu_product)) * grad / denom
                a += (-lr * mu_next / (1.0 - mu_product * mu_next)) * exp_avg / denom
                bump_version(p)
        return loss
