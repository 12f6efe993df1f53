"""The engine's memory rules: no recursion, no reference cycles, saved values freed as soon as possible."""
import gc
import weakref

import numpy as np
import pytest

import framework
from framework import autograd

SECOND_BACKWARD = 'Trying to backward through the graph a second time'


@pytest.fixture
def no_gc():
    """Garbage collection off: whatever is freed here is freed by reference counting alone."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def saved_output_array(node):
    """The array an op saved from its own output (exp saves its result), through the public API."""
    (t,) = node.saved_tensors
    return t._data


def test_deep_chain_backward_no_recursion_error():
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    assert y.tolist() == [100_001.0, 100_002.0]


def test_deep_chain_dropped_without_backward(no_gc):
    x = framework.ones(1, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1
    probe = weakref.ref(y.grad_fn)
    del y  # freeing 100,000 nodes must not overflow the stack either
    assert probe() is None


def test_deep_chain_grad_with_create_graph():
    x = framework.tensor(1.5, requires_grad=True)
    y = x
    for _ in range(5_000):
        y = y + x * x
    (g,) = autograd.grad(y, x, create_graph=True)
    assert g.item() == 1 + 5_000 * 3.0 and g.requires_grad
    (gg,) = autograd.grad(g, x)
    assert gg.item() == 10_000.0


def test_saved_array_freed_after_backward(no_gc):
    x = framework.tensor([0.5, 1.0], requires_grad=True)
    out = x.exp().sum()              # the exp result lives only in ExpBackward0's saved values
    exp_node = out.grad_fn.next_functions[0][0]
    assert type(exp_node).__name__ == 'ExpBackward0'
    probe = weakref.ref(saved_output_array(exp_node))
    assert probe() is not None
    out.backward()
    assert probe() is None
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        exp_node.saved_tensors
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, 1.0]), rtol=1e-6)


def test_saved_input_freed_after_backward(no_gc):
    x = framework.tensor([0.5, 1.0], requires_grad=True)
    h = x * 2                        # sin saves its input h
    probe = weakref.ref(h)
    out = h.sin().sum()
    del h
    assert probe() is not None
    out.backward()
    assert probe() is None


def test_graph_freed_when_output_dropped(no_gc):
    x = framework.tensor([0.5, 1.0], requires_grad=True)
    out = (x * 3).exp().sum()
    exp_node = out.grad_fn.next_functions[0][0]
    probe_arr = weakref.ref(saved_output_array(exp_node))
    probe_node = weakref.ref(exp_node)
    probe_root = weakref.ref(out.grad_fn)
    del exp_node
    del out
    assert probe_arr() is None and probe_node() is None and probe_root() is None
    assert x.grad is None


def test_retain_graph_keeps_saved_values(no_gc):
    x = framework.tensor([0.5, 1.0], requires_grad=True)
    out = x.exp().sum()
    exp_node = out.grad_fn.next_functions[0][0]
    probe = weakref.ref(saved_output_array(exp_node))
    out.backward(retain_graph=True)
    assert probe() is not None
    out.backward(retain_graph=True)
    assert probe() is not None
    out.backward()
    assert probe() is None
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.exp([0.5, 1.0]), rtol=1e-6)


def test_autograd_grad_frees_unless_retained(no_gc):
    x = framework.tensor([0.5, 1.0], requires_grad=True)
    out = x.exp().sum()
    probe = weakref.ref(saved_output_array(out.grad_fn.next_functions[0][0]))
    autograd.grad(out, x, retain_graph=True)
    assert probe() is not None
    autograd.grad(out, x)
    assert probe() is None


def test_no_reference_cycles(no_gc):
    x = framework.tensor([0.5, 1.0], requires_grad=True)
    w = framework.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    gc.collect()
    for _ in range(3):
        h = (x @ w).sin() * x.exp()
        h.retain_grad()
        h.register_hook(lambda g: g * 1)
        out = (h ** 2).mean() + h.sum()
        out.backward()
        del h, out
        y = (x * w).tanh().sum()    # dropped without backward
        del y
        (g,) = autograd.grad((x ** 3).sum(), x, create_graph=True)
        g.sum().backward()
        del g
    assert gc.collect() == 0


def test_leaf_and_its_accumulator_do_not_keep_each_other(no_gc):
    x = framework.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    probe = weakref.ref(x)
    acc = framework.ones(2, requires_grad=True)
    node_probe = weakref.ref((acc * 2).grad_fn.next_functions[0][0])
    del x, acc
    assert probe() is None and node_probe() is None


def test_create_graph_grad_graph_freed(no_gc):
    x = framework.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() ** 2).sum()
    (g,) = autograd.grad(y, x, create_graph=True)
    probe = weakref.ref(g.grad_fn)
    (gg,) = autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 4 * np.exp(2 * np.array([1.0, 2.0])), rtol=1e-5)
    del g
    assert probe() is None
