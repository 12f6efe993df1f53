"""Seed 000's computational graphs as pictures: y = (w + x) * (w + 1), and out = mean(3 (x + 2)^2).

Run: python examples/seed_000_graph_picture.py [OUT_DIR]   (default runs/seed_000_graphs)

It prints each graph as text, walking `grad_fn.next_functions` from the output to the leaves (this part
prints the same under PyTorch), then draws it with `framework.autograd.graph.to_dot`: graph_y.svg and
graph_out.svg when the graphviz package (pip install -e ".[viz]") and the Graphviz `dot` program are
installed, else graph_y.dot and graph_out.dot, which `dot -Tsvg graph_y.dot -o graph_y.svg` draws. The
files written are reported on stderr.
"""
import os
import sys

import framework as torch

# framework.autograd.graph.to_dot; the same script under PyTorch (which has no to_dot) prints the text part only
to_dot = getattr(torch.autograd.graph, 'to_dot', None)


def show(t, names):
    """Each node once, breadth first from the output, with what it feeds from: the graph the engine walks."""
    order, seen, i = [t.grad_fn], {t.grad_fn}, 0
    while i < len(order):
        node = order[i]
        i += 1
        inputs = []
        for nxt, _ in node.next_functions:
            if nxt is None:
                inputs.append('None')
                continue
            leaf = getattr(nxt, 'variable', None)
            inputs.append(type(nxt).__name__ + (f'({names[id(leaf)]})' if leaf is not None else ''))
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
        if inputs:
            print(f'{type(node).__name__} <- {", ".join(inputs)}')


# --- the computational graph of the seed: y = (w + x) * (w + 1)
x = torch.tensor([2.], requires_grad=True)
w = torch.tensor([1.], requires_grad=True)
a = torch.add(w, x)
b = torch.add(w, 1)
y = torch.mul(a, b)
print('y = (w + x) * (w + 1)')
show(y, {id(x): 'x', id(w): 'w'})

# --- the autograd tour's graph: out = mean(3 (x + 2)^2)
x2 = torch.ones(2, 2, requires_grad=True)
y2 = x2 + 2
z = y2 * y2 * 3
out = z.mean()
print('out = (3 * (x + 2) * (x + 2)).mean()')
show(out, {id(x2): 'x'})

if to_dot is not None:
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join('runs', 'seed_000_graphs')
    os.makedirs(out_dir, exist_ok=True)
    for name, (t, params) in {'y': (y, {'x': x, 'w': w}), 'out': (out, {'x': x2})}.items():
        dot = to_dot({name: t}, params=params, show_saved=True)
        try:
            path = dot.render(os.path.join(out_dir, f'graph_{name}.svg'))
        except (ModuleNotFoundError, RuntimeError) as e:
            path = dot.save(os.path.join(out_dir, f'graph_{name}.dot'))
            print(f'({e})', file=sys.stderr)
        print(f'wrote {path}', file=sys.stderr)

y.backward()
print(w.grad)
