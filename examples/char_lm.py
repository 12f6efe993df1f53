"""A character-level language model written by hand: what configs/char_lm.yaml runs through train.py.

    python examples/char_lm.py                       # framework, the LSTM
    python examples/char_lm.py --arch transformer    # a 2-layer causal transformer encoder
    python examples/char_lm.py --torch               # the same program on PyTorch, for comparison

Same data as the config (data/us_constitution.txt as non-overlapping 64-byte windows, the same seeded
10% validation split and per-epoch shuffling as framework.training), same model and optimizer; it
prints the validation loss, the training time and a sample. Only the import differs between the two
libraries, so the program is also a check that PyTorch code runs unchanged on framework.
"""
import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def load_windows(seq_len=64):
    with open(os.path.join(ROOT, 'data', 'us_constitution.txt'), encoding='utf-8') as f:
        text = ''.join(line for line in f if not line.startswith('#'))
    codes = np.frombuffer(text.encode('utf-8'), dtype=np.uint8).astype(np.int64)
    n = (len(codes) - 1) // seq_len
    return codes[:n * seq_len].reshape(n, seq_len), codes[1:n * seq_len + 1].reshape(n, seq_len)


def build(torch, arch, vocab=128, d_model=128, num_layers=2, nhead=4, dim_feedforward=256, max_len=256):
    nn = torch.nn

    class CharLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(vocab, d_model)
            if arch == 'lstm':
                self.rnn = nn.LSTM(d_model, d_model, num_layers, batch_first=True)
            else:
                self.pos = nn.Embedding(max_len, d_model)
                layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, 0.0, batch_first=True,
                                                   norm_first=True)
                self.encoder = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model),
                                                     enable_nested_tensor=False)
            self.head = nn.Linear(d_model, vocab)

        def forward(self, x, state=None):
            h = self.embedding(x)
            if arch == 'lstm':
                h, state = self.rnn(h, state)
            else:
                T = x.shape[1]
                h = h + self.pos(torch.arange(T))
                mask = nn.Transformer.generate_square_subsequent_mask(T)
                h = self.encoder(h, mask=mask, is_causal=True)
            return self.head(h), state

    return CharLM()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--torch', action='store_true', help='run on PyTorch instead of framework')
    p.add_argument('--arch', choices=('lstm', 'transformer'), default='lstm')
    p.add_argument('--epochs', type=int, default=30)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    if args.torch:
        import torch
        torch.set_num_threads(2)
    else:
        import framework as torch
    torch.manual_seed(args.seed)
    x, y = load_windows()
    n = len(x)
    n_val = int(round(n * 0.1))
    perm = np.random.default_rng([args.seed, 2]).permutation(n)
    tr, va = np.sort(perm[:n - n_val]), np.sort(perm[n - n_val:])
    model = build(torch, args.arch)
    opt = torch.optim.Adam(model.parameters(), lr=0.003)
    loss_fn = torch.nn.CrossEntropyLoss()
    shuffle = np.random.default_rng([args.seed, 3])
    bs = 32
    t0 = time.perf_counter()
    for epoch in range(args.epochs):
        order = tr[shuffle.permutation(len(tr))]
        for i in range(0, len(order), bs):
            idx = order[i:i + bs]
            logits, _ = model(torch.from_numpy(x[idx]))
            loss = loss_fn(logits.transpose(1, 2), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        logits, _ = model(torch.from_numpy(x[va]))
        val = loss_fn(logits.transpose(1, 2), torch.from_numpy(y[va])).item()
        rng = np.random.default_rng(0)
        codes = list(b'We the People')
        feed, state = codes, None
        for _ in range(300):
            if args.arch == 'lstm':       # carry the state: one step per new character
                logits, state = model(torch.tensor([feed]), state)
            else:
                logits, _ = model(torch.tensor([codes[-256:]]))
            z = logits[0, -1].numpy().astype(np.float64) / 0.8
            pr = np.exp(z - z.max())
            codes.append(int(rng.choice(len(pr), p=pr / pr.sum())))
            feed = codes[-1:]
    print(f"{'torch' if args.torch else 'framework'} {args.arch}: train loss {loss.item():.4f}, val loss {val:.4f}, "
          f'{args.epochs} epochs in {seconds:.1f} s')
    print(bytes(codes).decode('utf-8', errors='replace'))


if __name__ == '__main__':
    main()
