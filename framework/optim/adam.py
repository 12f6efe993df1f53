"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize; PyTorch's single-tensor update."""
from .. import _device
from .._tensor import bump_version, wrap
from .optimizer import Optimizer, _check_fused, _check_step_flags, _new_step


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
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
        defaults = {'lr': lr, 'betas': tuple(float(b) for b in betas), 'eps': eps, 'weight_decay': weight_decay,
                    'amsgrad': amsgrad, 'maximize': maximize, 'foreach': foreach, 'capturable': capturable,
                    'differentiable': differentiable, 'fused': fused,
                    'decoupled_weight_decay': decoupled_weight_decay}
        super().__init__(params, defaults)
        _check_fused(defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (('amsgrad', False), ('maximize', False), ('foreach', None), ('capturable', False),
                               ('differentiable', False), ('fused', None), ('decoupled_weight_decay', False)):
                group.setdefault(key, value)

    def step(self, closure=None):
        loss = self._closure(closure)
        state = self.state
        for group in self.param_groups:
            lr = group['lr']
            beta1, beta2 = group['betas']
            eps = group['eps']
            wd = group['weight_decay']
            amsgrad = group['amsgrad']
            maximize = group['maximize']
            decoupled = group['decoupled_weight_decay']
            for p in group['params']:
                g = p.grad
                if g is None:
                    continue
                if not group['fused']:          # fused kernels are capturable on the GPU by design
                    _check_step_flags(group, p)
                a = p._data
                xp = _device.xp_of(a)
                st = state[p]
                if not st:
                    st['step'] = _new_step()
                    st['exp_avg'] = wrap(xp.zeros_like(a))
                    st['exp_avg_sq'] = wrap(xp.zeros_like(a))
                    if amsgrad:
                        st['max_exp_avg_sq'] = wrap(xp.zeros_like(a))
                grad = g._data
                if maximize:
                    grad = xp.negative(grad)
                step_arr = st['step']._data
                step_arr += 1
                if wd != 0:
                    if decoupled:
                        xp.multiply(a, 1 - lr * wd, out=a)
                    else:
                        t = xp.multiply(a, wd, out=xp.empty_like(a))   # out=: 0-d stays an array
                        grad = xp.add(grad, t, out=t)
                m = st['exp_avg']._data
                v = st['exp_avg_sq']._data
                # m.lerp_(grad, 1 - beta1): m + w * (grad - m)
                t = xp.subtract(grad, m, out=xp.empty_like(m))      # out=: 0-d stays an array
                t *= m.dtype.type(1 - beta1)
                m += t
                # v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                v *= beta2
                xp.multiply(grad, 1 - beta2, out=t)
                t *= grad
                v += t
                step = float(step_arr)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                step_size = lr / bias_correction1
                bc2_sqrt = bias_correction2 ** 0.5
                if amsgrad:
                    mx = st['max_exp_avg_sq']._data
                    xp.maximum(mx, v, out=mx)
                    denom = xp.sqrt(mx)
                else:
                    denom = xp.sqrt(v)
                denom /= bc2_sqrt
                denom += eps
                # p.addcdiv_(m, denom, value=-step_size): p + (value * m) / denom
                xp.multiply(m, -step_size, out=t)
                t /= denom
                a += t
                bump_version(p)
        return loss


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
