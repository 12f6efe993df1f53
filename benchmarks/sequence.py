"""Issue 15's sequence workloads against PyTorch, interleaved in one process (median of `--reps` rounds):

- lstm: one training step of nn.LSTM(32, 256, batch_first=True) on a batch of 32 sequences of 64 steps,
  a Linear head on the last output, squared loss, Adam;
- transformer: one training step of nn.TransformerEncoderLayer(128, 4, 512, dropout=0, batch_first=True)
  on 16 sequences of 128 tokens with the causal mask, squared loss, AdamW.

Prints milliseconds per step for each library and framework / torch.

    python benchmarks/sequence.py --reps 5                            # PyTorch on 2 threads
    OPENBLAS_NUM_THREADS=1 python benchmarks/sequence.py --threads 1   # one thread each, on a loaded machine
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import numpy as np  # noqa: E402

import framework  # noqa: E402

RNG = np.random.default_rng(0)
SEQ = RNG.standard_normal((32, 64, 32)).astype(np.float32)
TOKENS = RNG.standard_normal((16, 128, 128)).astype(np.float32)


def lstm(T):
    T.manual_seed(0)
    net, head = T.nn.LSTM(32, 256, batch_first=True), T.nn.Linear(256, 1)
    opt = T.optim.Adam(list(net.parameters()) + list(head.parameters()), lr=1e-3)
    x = T.from_numpy(SEQ)

    def step():
        out, _ = net(x)
        loss = head(out[:, -1]).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def transformer(T):
    T.manual_seed(0)
    net = T.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True)
    opt = T.optim.AdamW(net.parameters(), lr=1e-3)
    mask = T.nn.Transformer.generate_square_subsequent_mask(128)
    x = T.from_numpy(TOKENS)

    def step():
        loss = net(x, src_mask=mask, is_causal=True).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


WORKLOADS = {'lstm': lstm, 'transformer': transformer}


def main():
    import torch
    ap = argparse.ArgumentParser()
    ap.add_argument('names', nargs='*', default=list(WORKLOADS))
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2, help="PyTorch's intra-op threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.names:
        steps = {T: WORKLOADS[name](T) for T in (framework, torch)}
        times = {framework: [], torch: []}
        for fn in steps.values():
            fn()                      # warm-up
        for _ in range(args.reps):
            for T, fn in steps.items():
                t = time.perf_counter()
                fn()
                times[T].append(time.perf_counter() - t)
        f, t = statistics.median(times[framework]), statistics.median(times[torch])
        print(f'{name:12s} framework {f * 1e3:8.1f} ms   torch {t * 1e3:8.1f} ms   framework/torch {f / t:5.2f}')


if __name__ == '__main__':
    main()
