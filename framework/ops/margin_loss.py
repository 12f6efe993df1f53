"""Margin and embedding losses (cosine_embedding, margin_ranking, triplet_margin, hinge_embedding,
soft_margin, multilabel_soft_margin), composed of Tensor ops with PyTorch's formulas and checks."""
from .._tensor import Size
from .distance import pairwise_distance
from .loss import _legacy, _reduce, _reduction
from .unary import relu, softplus, where


def _shape(t):
    return '[' + ', '.join(str(s) for s in t.shape) + ']'


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction='mean'):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    td = target.dim()
    if td > 1:
        raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
    if td == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f'1D target tensor expects 2D input tensors, but found inputs with sizes '
                           f'{_shape(input1)} and {_shape(input2)}.')
    if td == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f'0D target tensor expects 1D input tensors, but found inputs with sizes '
                           f'{_shape(input1)} and {_shape(input2)}.')
    dim = input1.dim() - 1
    eps = 1e-12
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, relu(cos - margin), 0.0)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction='mean'):
    """max(0, -target (x1 - x2) + margin)."""
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError('margin_ranking_loss : All input tensors should have same dimension but got sizes: '
                           f'input1: {Size(input1.shape)}, input2: {Size(input2.shape)}, target: '
                           f'{Size(target.shape)} ')
    # clamp_min as PyTorch: its gradient at nan is 0 (relu's would be 1)
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction='mean'):
    """max(0, margin + d(a, p) - d(a, n)), d the pairwise p-distance; with swap, d(a, n) is replaced by
    d(p, n) where that is smaller."""
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    if margin <= 0:
        raise ValueError(f'margin must be greater than 0, got {margin}')
    a, pd, nd = anchor.dim(), positive.dim(), negative.dim()
    if not a == pd == nd:
        raise RuntimeError('The anchor, positive, and negative tensors are expected to have the same number of '
                           f'dimensions, but got: anchor {a}D, positive {pd}D, and negative {nd}D inputs')
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = pairwise_distance(positive, negative, p, eps)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    return _reduce(relu(d_pos - d_neg + margin), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction='mean'):
    """x where target is 1, max(0, margin - x) where it is -1 (both terms where target is neither)."""
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    loss = where(target != 1, relu(margin - input), 0.0) + where(target != -1, input, 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """log(1 + exp(-target x)), computed without overflow."""
    reduction = _reduction(_legacy(size_average, reduce, reduction))
    return _reduce(softplus(-target * input), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction='mean'):
    """Per-class binary cross-entropy on logits, averaged over the classes: one value per sample."""
    if size_average is not None or reduce is not None:
        reduction = _legacy(size_average, reduce, reduction)
    # -(t log sigmoid(x) + (1 - t) log sigmoid(-x)) = softplus(-x) + (1 - t) x
    loss = softplus(-input) + (1 - target) * input
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction == 'none':
        return loss
    if reduction == 'mean':
        return loss.mean()
    if reduction == 'sum':
        return loss.sum()
    raise ValueError(reduction + ' is not valid')
