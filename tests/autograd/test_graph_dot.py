"""to_dot: the DOT text of the backward graph, checked against the graph's own next_functions (and against
PyTorch's node names for seed 000's graphs), plus rendering where graphviz and `dot` are installed."""
import re
import shutil
import sys
from collections import Counter

import pytest

import framework
from framework.autograd.graph import to_dot, DotGraph

NODE = re.compile(r'^  (\w+) \[label="((?:[^"\\]|\\.)*)"', re.M)
EDGE = re.compile(r'^  (\w+) -> (\w+)(?: \[label="([^"]*)"\])?', re.M)


def parse(dot):
    nodes = {nid: label.replace('\\n', '\n') for nid, label in NODE.findall(dot)}
    edges = [(a, b, shape) for a, b, shape in EDGE.findall(dot)]
    return nodes, edges


def walk(root):
    """The graph as the engine sees it: the nodes reachable by next_functions, and the edges, by type name
    (PyTorch's AccumulateGrad.name() is torch::autograd::AccumulateGrad, its type name AccumulateGrad)."""
    seen, order, edges = {id(root)}, [root], []
    i = 0
    while i < len(order):
        node = order[i]
        i += 1
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            edges.append((type(nxt).__name__, type(node).__name__))
            if id(nxt) not in seen:
                seen.add(id(nxt))
                order.append(nxt)
    return Counter(type(n).__name__ for n in order), Counter(edges)


def dot_graph(dot):
    nodes, edges = parse(dot)
    first = {k: v.split('\n')[0] for k, v in nodes.items()}
    names = Counter(v for k, v in first.items() if not k.startswith('out') and '_s' not in k)
    return names, Counter((first[a], first[b]) for a, b, _ in edges if not b.startswith('out') and '_s' not in a)


def seed_000_graphs(torch):
    x = torch.tensor([2.], requires_grad=True)
    w = torch.tensor([1.], requires_grad=True)
    y = torch.mul(torch.add(w, x), torch.add(w, 1))
    x2 = torch.ones(2, 2, requires_grad=True)
    out = ((x2 + 2) * (x2 + 2) * 3).mean()
    return {'y': y, 'out': out}, {'x': x, 'w': w, 'x2': x2}


def test_structure_matches_next_functions_and_pytorch_names():
    graphs, _ = seed_000_graphs(framework)
    for name, t in graphs.items():
        dot = to_dot(t)
        assert isinstance(dot, DotGraph) and dot.startswith('digraph {') and dot.rstrip().endswith('}')
        assert dot_graph(dot) == walk(t.grad_fn), name
    # the diamond of seed 000 by hand: w feeds both additions, and is drawn once
    names, edges = dot_graph(to_dot(graphs['y']))
    assert names == Counter({'MulBackward0': 1, 'AddBackward0': 2, 'AccumulateGrad': 2})
    assert edges == Counter({('AddBackward0', 'MulBackward0'): 2, ('AccumulateGrad', 'AddBackward0'): 3})
    torch = pytest.importorskip('torch')
    theirs, _ = seed_000_graphs(torch)
    for name, t in graphs.items():
        assert dot_graph(to_dot(t)) == walk(theirs[name].grad_fn), name      # PyTorch's names and edges


def test_shapes_on_edges_and_output_node():
    a = framework.randn(3, 4, requires_grad=True)
    b = framework.randn(4, 2, requires_grad=True)
    y = (a @ b).sum()
    nodes, edges = parse(to_dot({'loss': y}))
    label = {nid: text.split('\n')[0] for nid, text in nodes.items()}
    shapes = {(label[s], label[d]): shape for s, d, shape in edges}
    assert nodes['out0'] == 'loss\n()'
    assert shapes[('SumBackward0', 'loss')] == '()'
    assert shapes[('MmBackward0', 'SumBackward0')] == '(3, 2)'
    leaf_shapes = sorted(shape for s, d, shape in edges if label[s] == 'AccumulateGrad')
    assert leaf_shapes == ['(3, 4)', '(4, 2)']


def test_params_name_the_leaves():
    model = framework.nn.Sequential(framework.nn.Linear(3, 4), framework.nn.Tanh(), framework.nn.Linear(4, 1))
    loss = model(framework.randn(5, 3)).pow(2).mean()
    nodes, _ = parse(to_dot(loss, params=dict(model.named_parameters())))
    leaves = sorted(v for v in nodes.values() if v.startswith('AccumulateGrad'))
    assert leaves == ['AccumulateGrad\n0.bias\n(4)', 'AccumulateGrad\n0.weight\n(4, 3)',
                      'AccumulateGrad\n2.bias\n(1)', 'AccumulateGrad\n2.weight\n(1, 4)']
    unnamed = sorted(v for v in parse(to_dot(loss))[0].values() if v.startswith('AccumulateGrad'))
    assert unnamed[0] == 'AccumulateGrad\n(1)'


def test_saved_tensors_shown_when_asked():
    x = framework.randn(2, 3, requires_grad=True)
    y = (x.exp() * x).sum()
    assert 'saved' not in to_dot(y)
    nodes, edges = parse(to_dot(y, show_saved=True))
    mul = next(k for k, v in nodes.items() if v == 'MulBackward0')
    saved = [v for k, v in nodes.items() if k.startswith(mul + '_s')]
    assert len(saved) == len(y.grad_fn.next_functions[0][0]._saved) == 2
    assert all(v.endswith('(2, 3) float32') for v in saved)
    assert sum(1 for s, d, _ in edges if d == mul and s.startswith(mul + '_s')) == 2
    y.backward()
    assert 'saved values freed by backward' in to_dot(y, show_saved=True)


def test_max_nodes_cuts_a_long_chain():
    x = framework.ones(2, requires_grad=True)
    y = x
    for _ in range(50):
        y = y * 1.5
    dot = to_dot(y.sum(), max_nodes=10)
    nodes, _ = parse(dot)
    assert sum(1 for k in nodes if k.startswith('n')) == 10
    # 52 nodes in all (SumBackward0, 50 MulBackward0, AccumulateGrad): 42 left out
    assert '... 42 more nodes not drawn (max_nodes=10)' in dot
    assert 'not drawn' not in to_dot(y.sum())


def test_leaf_and_several_outputs():
    x = framework.ones(2, requires_grad=True)
    nodes, edges = parse(to_dot([x, x * 2]))
    assert nodes['out0'] == 'output 0\n(2)' and nodes['out1'] == 'output 1\n(2)'
    assert sum(1 for v in nodes.values() if v.startswith('AccumulateGrad')) == 1      # x once
    assert to_dot(framework.ones(2)).count('->') == 0         # no graph: just the output box


def test_save_writes_the_text(tmp_path):
    dot = to_dot(framework.ones(2, requires_grad=True).sum())
    dot.save(tmp_path / 'g.dot')
    assert (tmp_path / 'g.dot').read_text() == dot


@pytest.mark.skipif(shutil.which('dot') is None, reason='the Graphviz dot program is not installed')
@pytest.mark.parametrize('ext,magic', [('svg', b'<svg'), ('png', b'\x89PNG')])
def test_render(tmp_path, ext, magic):
    pytest.importorskip('graphviz')
    graphs, params = seed_000_graphs(framework)
    path = to_dot(graphs['y'], params=params).render(tmp_path / f'g.{ext}')
    data = open(path, 'rb').read()
    assert magic in data[:400]
    if ext == 'svg':
        text = data.decode()
        assert 'MulBackward0' in text and text.count('AddBackward0') == 2 and 'w' in text


def test_render_without_graphviz_says_how(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'graphviz', None)
    with pytest.raises(ModuleNotFoundError, match=r'pip install -e "\.\[viz\]".*\.save\("graph\.dot"\)'):
        to_dot(framework.ones(1, requires_grad=True).sum()).render(tmp_path / 'g.svg')


def test_seed_000_example_writes_its_pictures(tmp_path):
    import os
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root)
    p = subprocess.run([sys.executable, os.path.join(root, 'examples', 'seed_000_graph_picture.py'), str(tmp_path)],
                       capture_output=True, text=True, cwd=root, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert 'MulBackward0 <- AddBackward0, AddBackward0' in p.stdout
    assert 'AddBackward0 <- AccumulateGrad(w), AccumulateGrad(x)' in p.stdout
    try:
        import graphviz  # noqa: F401
        drawn = shutil.which('dot') is not None
    except ImportError:
        drawn = False
    ext = 'svg' if drawn else 'dot'
    for name in ('y', 'out'):
        path = tmp_path / f'graph_{name}.{ext}'
        assert path.is_file() and f'wrote {path}' in p.stderr
        text = path.read_text()
        assert 'MulBackward0' in text and 'AccumulateGrad' in text
