"""register_post_accumulate_grad_hook and Variable._execution_engine.queue_callback, against PyTorch."""
import numpy as np
import pytest

import framework


def _run(lib):
    """One scenario, written once, run on framework and on torch: the event log it leaves."""
    log = []
    engine = lib.autograd.Variable._execution_engine
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0], requires_grad=True)
    a.register_post_accumulate_grad_hook(lambda t: log.append(('a1', t.grad.tolist())))
    a.register_post_accumulate_grad_hook(lambda t: log.append(('a2', t.grad.tolist())))
    b.register_post_accumulate_grad_hook(lambda t: log.append(('b', t.grad.tolist())))

    def queue(_):
        engine.queue_callback(lambda: log.append(('cb', a.grad.tolist(), b.grad.tolist())))
        engine.queue_callback(lambda: (log.append('cb2'), engine.queue_callback(lambda: log.append('nested'))))

    z = a * 1
    y = (z + z).sum() * b.sum()          # a's gradient reaches it through one accumulation
    y.register_hook(queue)
    y.backward(retain_graph=True)
    log.append('--')
    y.backward()                          # a second accumulation; the hook on y queues afresh
    log.append('--')
    (a * 2).sum().backward()
    log.append('--')
    lib.autograd.grad((a * b).sum(), a)   # no accumulation: no post-accumulate hook
    log.append('--')
    c = lib.ones(1, requires_grad=True)
    (a.sum() * c).sum().backward(inputs=[c])      # a not accumulated
    return log


def test_post_accumulate_hooks_and_callbacks_match_torch():
    log = _run(framework)
    assert log == [('b', [6.0]), ('a1', [6.0, 6.0]), ('a2', [6.0, 6.0]), ('cb', [6.0, 6.0], [6.0]), 'cb2', 'nested',
                   '--', ('b', [12.0]), ('a1', [12.0, 12.0]), ('a2', [12.0, 12.0]),
                   ('cb', [12.0, 12.0], [12.0]), 'cb2', 'nested', '--',
                   ('a1', [14.0, 14.0]), ('a2', [14.0, 14.0]), '--', '--']
    torch = pytest.importorskip('torch')
    ref = _run(torch)
    assert log == ref


def test_callbacks_run_after_every_gradient_is_accumulated():
    seen = []
    params = [framework.randn(3, requires_grad=True) for _ in range(4)]

    def check():
        seen.append([p.grad is not None for p in params])
    h = params[-1].register_hook(lambda g: framework.autograd.Variable._execution_engine.queue_callback(check))
    sum((p * p).sum() for p in params).backward()
    assert seen == [[True] * 4]
    h.remove()
    sum((p * p).sum() for p in params).backward()
    assert seen == [[True] * 4]           # the queue was cleared with the first backward


def test_queue_callback_outside_backward_raises_torch_error():
    with pytest.raises(RuntimeError, match=r'^Final callbacks can only be installed during backward pass\.$'):
        framework.autograd.Variable._execution_engine.queue_callback(lambda: None)


def test_failed_backward_drops_its_callbacks():
    ran = []
    a = framework.ones(2, requires_grad=True)

    def bad(g):
        framework.autograd.Variable._execution_engine.queue_callback(lambda: ran.append(1))
        raise ValueError('boom')
    y = (a * 2).sum()
    y.register_hook(bad)
    with pytest.raises(ValueError):
        y.backward()
    with pytest.raises(RuntimeError, match='Final callbacks'):
        framework.autograd.Variable._execution_engine.queue_callback(lambda: None)
    assert ran == []


def test_callback_error_propagates():
    a = framework.ones(1, requires_grad=True)
    y = (a * 2).sum()
    y.register_hook(lambda g: framework.autograd.Variable._execution_engine.queue_callback(lambda: 1 / 0))
    with pytest.raises(ZeroDivisionError):
        y.backward()


def test_post_accumulate_hook_errors_and_removal():
    with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't require gradient$"):
        framework.ones(2).register_post_accumulate_grad_hook(lambda t: None)
    a = framework.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match='^post accumulate grad hooks cannot be registered on non-leaf tensors$'):
        (a * 2).register_post_accumulate_grad_hook(lambda t: None)
    calls = []
    h = a.register_post_accumulate_grad_hook(lambda t: calls.append(t))
    (a * 3).sum().backward()
    assert len(calls) == 1 and calls[0] is a
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])
    h.remove()
    (a * 3).sum().backward()
    assert len(calls) == 1
    a.register_post_accumulate_grad_hook(lambda t: 5)
    with pytest.raises(TypeError, match="^expected Variable, but hook returned 'int'$"):
        (a * 3).sum().backward()


def test_nested_backward_inside_hook_has_its_own_queue():
    outer, inner = [], []
    engine = framework.autograd.Variable._execution_engine
    a = framework.ones(2, requires_grad=True)
    b = framework.ones(2, requires_grad=True)

    def hook(t):
        engine.queue_callback(lambda: outer.append('outer'))
        x = framework.ones(1, requires_grad=True)
        with framework.enable_grad():
            y = (x * 2).sum()
        y.register_hook(lambda g: engine.queue_callback(lambda: inner.append(list(outer))))
        y.backward()
    a.register_post_accumulate_grad_hook(hook)
    (a * b).sum().backward()
    assert inner == [[]] and outer == ['outer']
