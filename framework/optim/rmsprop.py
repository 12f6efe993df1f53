"""RMSprop (Hinton's, with PyTorch's centered and momentum variants); PyTorch's single-tensor update."""
from .. import _device
from .._tensor import bump_version, wrap
from .optimizer import Optimizer, _check_step_flags, _new_step


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f'Invalid learning rate: {lr}')
        if not 0.0 <= eps:
            raise ValueError(f'Invalid epsilon value: {eps}')
        if not 0.0 <= momentum:
            raise ValueError(f'Invalid momentum value: {momentum}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'Invalid weight_decay value: {weight_decay}')
        if not 0.0 <= alpha:
            raise ValueError(f'Invalid alpha value: {alpha}')
        defaults = {'lr': lr, 'momentum': momentum, 'alpha': alpha, 'eps': eps, 'centered': centered,
                    'weight_decay': weight_decay, 'capturable': capturable, 'foreach': foreach, 'maximize': maximize,
                    'differentiable': differentiable}
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in (('momentum', 0), ('centered', False), ('foreach', None), ('maximize', False),
                               ('differentiable', False), ('capturable', False)):
                group.setdefault(key, value)

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, alpha, eps = group['lr'], group['alpha'], group['eps']
            wd, momentum, centered = group['weight_decay'], group['momentum'], group['centered']
            for p in group['params']:
                if p.grad is None:
                    continue
                _check_step_flags(group, p)
                a = p._data
                xp = _device.xp_of(a)
                st = self.state[p]
                if not st:
                    st['step'] = _new_step()
                    st['square_avg'] = wrap(xp.zeros_like(a))
                    if momentum > 0:
                        st['momentum_buffer'] = wrap(xp.zeros_like(a))
                    if centered:
                        st['grad_avg'] = wrap(xp.zeros_like(a))
                st['step']._data += 1
                grad = p.grad._data
                if group['maximize']:
                    grad = -grad
                if wd != 0:
                    grad = grad + wd * a
                square_avg = st['square_avg']._data
                square_avg *= alpha
                square_avg += (1 - alpha) * grad * grad
                if centered:
                    grad_avg = st['grad_avg']._data
                    grad_avg += (1 - alpha) * (grad - grad_avg)
                    avg = xp.sqrt(square_avg - grad_avg * grad_avg)
                else:
                    avg = xp.sqrt(square_avg)
                avg = avg + eps
                if momentum > 0:
                    buf = st['momentum_buffer']._data
                    buf *= momentum
                    buf += grad / avg
                    a += -lr * buf
                else:
                    a += (-lr * grad) / avg
                bump_version(p)
        return loss
