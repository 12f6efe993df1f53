"""RAdam: Adam whose adaptive step is switched on only once the variance of its estimate is bounded
(rho_t > 5), and rectified after; PyTorch's single-tensor update."""
from .. import _device
from .._tensor import bump_version, wrap
from .optimizer import Optimizer, _check_step_flags, _new_step


class RAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
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
        defaults = {'lr': lr, 'betas': betas, 'eps': eps, 'weight_decay': weight_decay, 'maximize': maximize,
                    'foreach': foreach, 'capturable': capturable, 'decoupled_weight_decay': decoupled_weight_decay,
                    'differentiable': differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (('foreach', None), ('maximize', False), ('differentiable', False),
                               ('decoupled_weight_decay', False), ('capturable', False)):
                group.setdefault(key, value)

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, wd = group['lr'], group['betas'], group['eps'], group['weight_decay']
            decoupled = group['decoupled_weight_decay']
            rho_inf = 2 / (1 - beta2) - 1          # the longest the approximated moving average gets
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
                    st['exp_avg_sq'] = wrap(xp.zeros_like(a))
                step_arr = st['step']._data
                step_arr += 1
                step = float(step_arr)
                grad = p.grad._data
                if group['maximize']:
                    grad = -grad
                if wd != 0:
                    if decoupled:
                        a *= 1 - lr * wd
                    else:
                        grad = grad + wd * a
                exp_avg, exp_avg_sq = st['exp_avg']._data, st['exp_avg_sq']._data
                exp_avg += (1 - beta1) * (grad - exp_avg)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                update = exp_avg / bias_correction1 * lr
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    update = update * (bias_correction2 ** 0.5 / (xp.sqrt(exp_avg_sq) + eps)) * rect
                a -= update
                bump_version(p)
        return loss
