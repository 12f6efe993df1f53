"""framework.autograd.graph: the node type, as torch.autograd.graph.Node, and pictures of the graph.

`to_dot(loss)` walks the backward graph from the given tensors through `next_functions` (iteratively,
each node once) and returns its Graphviz DOT text, as torchviz draws PyTorch's: one box per node named
as PyTorch names it (`MulBackward0`, `AccumulateGrad`), arrows in the direction of the forward pass, the
shape of the tensor each arrow carries, leaves named after their parameters. The text is a `str`;
`.save(path)` writes it and `.render(path)` draws it through the `graphviz` package and the `dot`
program (optional extra `[viz]`).
"""
import os
import shutil

from .function import Node, AccumulateGrad

__all__ = ['Node', 'to_dot', 'DotGraph']

_EXTRA = 'pip install -e ".[viz]"'


class DotGraph(str):
    """DOT text of a graph, which can write itself as .dot or render itself as SVG/PNG/PDF."""

    def save(self, path):
        with open(path, 'w', encoding='utf-8') as f:
            f.write(str(self))
        return path

    def render(self, path, format=None):
        """Draw the graph into ``path``; its extension (``.svg``, ``.png``, ``.pdf``) picks the format.

        Needs the graphviz Python package and the `dot` program; without them a ModuleNotFoundError or
        RuntimeError says what to install, and `.save('graph.dot')` still writes the text."""
        root, ext = os.path.splitext(os.fspath(path))
        format = format or ext.lstrip('.') or 'svg'
        try:
            import graphviz
        except ImportError:
            raise ModuleNotFoundError(f'rendering needs the graphviz package: {_EXTRA} (and the Graphviz `dot` '
                                      f'program); or write the text with .save("graph.dot") and run '
                                      f'`dot -Tsvg graph.dot -o graph.svg`') from None
        if shutil.which('dot') is None:
            raise RuntimeError('rendering needs the Graphviz `dot` program (apt-get install graphviz, brew install '
                               'graphviz, or https://graphviz.org/download/); or write the text with '
                               '.save("graph.dot") and render it elsewhere')
        data = graphviz.Source(str(self)).pipe(format=format)
        with open(path, 'wb') as f:
            f.write(data)
        return path


def _quote(text):
    return '"' + str(text).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n') + '"'


def _shape(shape):
    return '(' + ', '.join(str(s) for s in shape) + ')'


def _saved_entries(node):
    """(label, shape) of each value the node saved for backward; None when backward freed them."""
    saved = node._saved
    if saved is None:
        return None
    out = []
    for kind, obj, _, _ in saved:
        arr = obj._data if hasattr(obj, '_data') else obj[0] if kind == 1 else obj
        if hasattr(arr, 'shape') and hasattr(arr, 'dtype'):
            out.append(f'{_shape(arr.shape)} {arr.dtype}')
        else:
            out.append(repr(arr))
    return out


def to_dot(tensors, params=None, show_saved=False, max_nodes=500):
    """DOT text (a DotGraph) of the backward graph behind ``tensors``.

    tensors: a tensor, a sequence of them, or a dict naming them. params: ``dict(model.named_parameters())``
    to label the leaves. show_saved: also draw what each node saved for backward. max_nodes: stop after so
    many nodes (a note says how many more were reachable), so a huge graph stays drawable.
    """
    from .._tensor import Tensor
    if isinstance(tensors, Tensor):
        named = [('output', tensors)]
    elif isinstance(tensors, dict):
        named = list(tensors.items())
    else:
        named = [(f'output {i}' if len(tensors) > 1 else 'output', t) for i, t in enumerate(tensors)]
    leaf_names = {id(p): name for name, p in (params or {}).items()}

    ids = {}               # id(node) -> DOT id
    order = []             # nodes in discovery order (breadth first)
    lines = ['digraph {', '  graph [rankdir=TB, size="12,12"];',
             '  node [shape=box, style=filled, fillcolor=lightgrey, fontname=monospace, fontsize=11];',
             '  edge [fontname=monospace, fontsize=9];']
    edges = []

    def visit(node):
        key = id(node)
        if key not in ids:
            ids[key] = f'n{len(ids)}'
            order.append(node)
        return ids[key]

    for i, (name, t) in enumerate(named):
        out_id = f'out{i}'
        lines.append(f'  {out_id} [label={_quote(f"{name}{chr(10)}{_shape(t.shape)}")}, fillcolor=darkolivegreen1];')
        root = t.grad_fn
        if root is None and t.requires_grad:
            root = t._acc
            if root is None:
                from .function import accumulator
                root = accumulator(t)
        if root is not None:
            edges.append(f'  {visit(root)} -> {out_id} [label={_quote(_shape(t.shape))}];')

    pos = 0
    cut = False
    while pos < len(order):
        node = order[pos]
        pos += 1
        nid = ids[id(node)]
        if isinstance(node, AccumulateGrad):
            var = node.variable
            label = 'AccumulateGrad'
            if var is not None:
                name = leaf_names.get(id(var))
                label += f'\n{name}' if name else ''
                label += f'\n{_shape(var.shape)}'
            lines.append(f'  {nid} [label={_quote(label)}, fillcolor=lightblue];')
            continue
        lines.append(f'  {nid} [label={_quote(node.name())}];')
        meta = getattr(node, '_meta', None)
        for j, (nxt, _) in enumerate(node.next_functions):
            if nxt is None:
                continue
            if id(nxt) not in ids and len(ids) >= max_nodes:
                cut = True
                continue
            shape = meta[j][0] if meta and j < len(meta) and meta[j] is not None else None
            label = f' [label={_quote(_shape(shape))}]' if shape is not None else ''
            edges.append(f'  {visit(nxt)} -> {nid}{label};')
        if show_saved:
            saved = _saved_entries(node)
            if saved is None:
                lines.append(f'  {nid}_saved [label="saved values freed by backward", shape=note, '
                             'fillcolor=orange];')
                edges.append(f'  {nid}_saved -> {nid} [style=dashed];')
            for k, text in enumerate(saved or ()):
                lines.append(f'  {nid}_s{k} [label={_quote(f"saved {k}{chr(10)}{text}")}, shape=note, '
                             'fillcolor=orange];')
                edges.append(f'  {nid}_s{k} -> {nid} [style=dashed];')
    if cut:
        more = _count_reachable(order) - len(order)
        lines.append(f'  truncated [label={_quote(f"... {more} more nodes not drawn (max_nodes={max_nodes})")}, '
                     'shape=plaintext, style=""];')
    return DotGraph('\n'.join(lines + edges + ['}']) + '\n')


def _count_reachable(start):
    seen = {id(n) for n in start}
    stack = list(start)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is not None and id(nxt) not in seen:
                seen.add(id(nxt))
                stack.append(nxt)
    return len(seen)
