"""CharLM: a small character-level language model, an LSTM or a causal transformer encoder.

It reads (N, T) int64 character codes and returns logits as (N, vocab, T), the layout
CrossEntropyLoss takes with (N, T) targets, so a config trains it with `loss: CrossEntropyLoss`
and no reshaping. `generate` samples text after a prompt (the trainer prints one at the end).
"""
import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..creation import arange, tensor


class CharLM(nn.Module):
    def __init__(self, vocab_size=128, arch='lstm', d_model=128, num_layers=2, nhead=4, dim_feedforward=512,
                 dropout=0.0, max_len=256):
        super().__init__()
        if arch not in ('lstm', 'transformer'):
            raise ValueError(f"arch should be 'lstm' or 'transformer', not {arch!r}")
        self.arch, self.vocab_size, self.max_len = arch, vocab_size, max_len
        self.embedding = nn.Embedding(vocab_size, d_model)
        if arch == 'lstm':
            self.rnn = nn.LSTM(d_model, d_model, num_layers, batch_first=True, dropout=dropout)
        else:
            self.pos = nn.Embedding(max_len, d_model)
            layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, batch_first=True,
                                               norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model),
                                                 enable_nested_tensor=False)
        self.head = nn.Linear(d_model, vocab_size)

    def _logits(self, x, state=None):
        """(N, T, vocab) logits and the LSTM's state after the last step (None for the transformer)."""
        h = self.embedding(x)
        if self.arch == 'lstm':
            h, state = self.rnn(h, state)
        else:
            T = x.shape[1]
            h = h + self.pos(arange(T, device=x.device))
            mask = nn.Transformer.generate_square_subsequent_mask(T, device=x.device, dtype=h.dtype)
            h = self.encoder(h, mask=mask, is_causal=True)
        return self.head(h), state

    def forward(self, x):
        return self._logits(x)[0].transpose(1, 2)

    def generate(self, prompt, length=300, temperature=0.8, seed=0):
        """prompt followed by `length` characters drawn from the model (UTF-8 bytes; invalid ones shown as U+FFFD)."""
        rng = np.random.default_rng(seed)
        codes = list(prompt.encode('utf-8')) or [ord(' ')]
        device = self.embedding.weight.device
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                state = None
                feed = codes
                for _ in range(length):
                    if self.arch == 'lstm':      # carry the state: each new character costs one step
                        logits, state = self._logits(tensor([feed], device=device), state)
                    else:
                        logits, _ = self._logits(tensor([codes[-self.max_len:]], device=device))
                    z = logits[0, -1].detach().cpu().numpy().astype(np.float64) / temperature
                    p = np.exp(z - z.max())
                    nxt = int(rng.choice(len(p), p=p / p.sum()))
                    codes.append(nxt)
                    feed = [nxt]
        finally:
            self.train(was_training)
        return bytes(codes).decode('utf-8', errors='replace')
