"""SGD with PyTorch's exact update (momentum buffer starts as a copy of the first gradient)."""
from .. import _device
from .._tensor import bump_version, wrap
from .optimizer import Optimizer, _check_fused, _check_step_flags


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f'Invalid learning rate: {lr}')
        if momentum < 0.0:
            raise ValueError(f'Invalid momentum value: {momentum}')
        if weight_decay < 0.0:
            raise ValueError(f'Invalid weight_decay value: {weight_decay}')
        defaults = {'lr': lr, 'momentum': momentum, 'dampening': dampening, 'weight_decay': weight_decay,
                    'nesterov': nesterov, 'maximize': maximize, 'foreach': foreach,
                    'differentiable': differentiable, 'fused': fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError('Nesterov momentum requires a momentum and zero dampening')
        super().__init__(params, defaults)
        _check_fused(defaults)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault('nesterov', False)
            group.setdefault('maximize', False)

    def step(self, closure=None):
        loss = self._closure(closure)
        state = self.state
        for group in self.param_groups:
            lr = group['lr']
            momentum = group['momentum']
            dampening = group['dampening']
            wd = group['weight_decay']
            nesterov = group['nesterov']
            maximize = group['maximize']
            check = group['differentiable']
            for p in group['params']:
                g = p.grad
                if g is None:
                    continue
                if check:
                    _check_step_flags(group, p)
                a = p._data
                d_p = g._data
                xp = _device.xp_of(a)
                own = False             # is d_p a temporary of ours (free to overwrite)?
                if wd != 0:
                    t = xp.multiply(a, wd, out=xp.empty_like(a))   # out=: a 0-d result stays an array
                    (xp.subtract if maximize else xp.add)(t, d_p, out=t)
                    d_p, own = t, True
                elif maximize:
                    d_p, own = xp.negative(d_p, out=xp.empty_like(d_p)), True
                if momentum != 0:
                    st = state[p]
                    buf = st.get('momentum_buffer')
                    if buf is None:
                        buf = wrap(d_p if own else d_p.copy())
                        st['momentum_buffer'] = buf
                        b = buf._data
                        own = False
                    else:
                        b = buf._data
                        xp.multiply(b, momentum, out=b)
                        if dampening != 0:
                            t = xp.multiply(d_p, 1 - dampening, out=d_p if own else None)
                            xp.add(b, t, out=b)
                        else:
                            xp.add(b, d_p, out=b)
                    if nesterov:
                        # d_p + momentum * buf
                        t = xp.multiply(b, momentum, out=xp.empty_like(b))
                        xp.add(d_p, t, out=t)
                        d_p, own = t, True
                    else:
                        d_p, own = b, False
                # p += (-lr) * d_p
                t = xp.multiply(d_p, -lr, out=d_p if own else None)
                xp.add(a, t, out=a)
                bump_version(p)
        return loss
