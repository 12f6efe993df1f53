"""Padding and packing variable-length sequences, as torch.nn.utils.rnn.

A PackedSequence stores the valid steps only, time-major: `data` holds step 0 of every sequence,
then step 1 of those still running, ... and `batch_sizes[t]` says how many run at step t (the
batch sorted by decreasing length). The recurrent layers read that layout directly. Packing and
unpacking are each one gather (index_select) with an index built on the host, so autograd sees one
node, not one per step.
"""
from collections import namedtuple

import numpy as np

from ... import _dtype
from ...creation import tensor as _tensor, full
from ...ops.shape import cat, stack

__all__ = ['PackedSequence', 'pad_sequence', 'pack_padded_sequence', 'pad_packed_sequence', 'pack_sequence',
           'unpad_sequence', 'unpack_sequence']


class PackedSequence(namedtuple('PackedSequence_', ['data', 'batch_sizes', 'sorted_indices', 'unsorted_indices'])):
    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                          self.unsorted_indices)

    def double(self):
        return self.to(_dtype.float64)

    def float(self):
        return self.to(_dtype.float32)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def _invert(permutation):
    inv = np.empty(len(permutation), dtype=np.int64)
    inv[np.asarray(permutation.tolist(), dtype=np.int64)] = np.arange(len(permutation))
    return _tensor(inv)


def _index(values, device):
    return _tensor(np.asarray(values, dtype=np.int64), device=device)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right'):
    if padding_side not in ('left', 'right'):
        raise ValueError(f'Expected padding_side to be one of left or right, but got {padding_side}.')
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError('received an empty list of sequences')
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            pad = full((missing,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = cat([s, pad] if padding_side == 'right' else [pad, s])
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def _lengths_list(lengths):
    if hasattr(lengths, 'tolist'):
        if lengths.ndim != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.ndim}D "
                               f'{lengths.device.type} {lengths.dtype} tensor')
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    lengths = _lengths_list(lengths)
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError('`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. '
                               'You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence '
                               'to sidestep this requirement if you do not need ONNX exportability.')
        order = None
    else:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        lengths = [lengths[i] for i in order]
    if batch_first:
        input = input.transpose(0, 1)
    T, N = input.shape[0], input.shape[1]
    if len(lengths) != N:
        raise RuntimeError(f'Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} '
                           f'(batch_size={N})')
    if lengths and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           'that is <= 0')
    if lengths[0] > T:
        raise RuntimeError(f'Expected sequence length to be smaller than or equal to {T}, but got {lengths[0]}')
    batch_sizes = [sum(1 for n in lengths if n > t) for t in range(lengths[0])]
    # row (t, b) of the time-major input sits at t * N + b; the batch order is the sorted one
    cols = order if order is not None else list(range(N))
    rows = [t * N + cols[b] for t, n in enumerate(batch_sizes) for b in range(n)]
    data = input.reshape((T * N,) + tuple(input.shape[2:])).index_select(0, _index(rows, input.device))
    sorted_indices = _tensor(np.asarray(order, dtype=np.int64)) if order is not None else None
    return PackedSequence(data, _tensor(np.asarray(batch_sizes, dtype=np.int64)), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    data, batch_sizes = sequence.data, [int(b) for b in sequence.batch_sizes.tolist()]
    T, N = len(batch_sizes), batch_sizes[0]
    if total_length is not None:
        if total_length < T:
            raise ValueError('Expected total_length to be at least the length of the longest sequence in input, '
                             f'but got total_length={total_length} and max sequence length being {T}')
        T = total_length
    # every padded slot takes a packed row, or the padding row appended at the end
    pad_row = data.shape[0]
    where = np.full((T, N), pad_row, dtype=np.int64)
    start = 0
    for t, n in enumerate(batch_sizes):
        where[t, :n] = np.arange(start, start + n)
        start += n
    lengths = np.array([sum(1 for n in batch_sizes if n > b) for b in range(N)], dtype=np.int64)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:
        perm = np.asarray(unsorted.tolist(), dtype=np.int64)
        where = where[:, perm]
        lengths = lengths[perm]
    if batch_first:
        where = where.T
    pad = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    padded = cat([data, pad]).index_select(0, _index(where.reshape(-1), data.device))
    return padded.reshape(where.shape + tuple(data.shape[1:])), _tensor(lengths)


def pack_sequence(sequences, enforce_sorted=True):
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths_list(lengths))]


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
