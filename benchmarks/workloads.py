"""The benchmark workloads, written once against the PyTorch-style API (`T` is `framework` or
`torch`), plus the hand-written NumPy versions that are the floor for a NumPy-based framework.

They are the workloads of ../shared/bench/compare.py (same sizes, same steps), so figures from
either script can be compared.
"""
import math

import numpy as np

D, H, O, B, STEPS = 784, 512, 10, 128, 20
XN = np.random.default_rng(1).standard_normal((B * STEPS, D)).astype(np.float32)
YN = np.random.default_rng(2).standard_normal((B * STEPS, O)).astype(np.float32)


def sin_fit(T, steps=2000):
    """Seed 004: the cubic fit of sin(x), plain gradient descent written by hand."""
    x = T.linspace(-math.pi, math.pi, 2000)
    y = T.sin(x)
    xx = x.unsqueeze(-1).pow(T.tensor([1, 2, 3]))
    model = T.nn.Sequential(T.nn.Linear(3, 1), T.nn.Flatten(0, 1))
    loss_fn = T.nn.MSELoss(reduction='sum')
    for _ in range(steps):
        loss = loss_fn(model(xx), y)
        model.zero_grad()
        loss.backward()
        with T.no_grad():
            for p in model.parameters():
                p -= 1e-6 * p.grad
    return loss.item()


def mlp(T, steps=STEPS):
    """784-512-512-10, batch 128, SGD with momentum: FLOP-bound."""
    net = T.nn.Sequential(T.nn.Linear(D, H), T.nn.ReLU(), T.nn.Linear(H, H), T.nn.ReLU(), T.nn.Linear(H, O))
    opt = T.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)
    X = T.from_numpy(XN)
    Y = T.from_numpy(YN)
    for k in range(steps):
        i = k % STEPS
        loss = T.nn.functional.mse_loss(net(X[i * B:(i + 1) * B]), Y[i * B:(i + 1) * B])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def small_ops(T):
    """Per-op cost: chains of tiny elementwise ops, forward and backward."""
    x = T.tensor(np.ones(4, np.float32), requires_grad=True)
    for _ in range(20):
        y = x
        for _ in range(100):
            y = y * 1.0001 + 0.0001
        y.sum().backward()
    return x.grad.sum().item()


def mlp_tiny(T):
    """Seed 002's MLP: 8-12-4, BCE with logits, batches of 10: pure overhead."""
    net = T.nn.Sequential(T.nn.Linear(8, 12), T.nn.ReLU(), T.nn.Linear(12, 4))
    opt = T.optim.SGD(net.parameters(), lr=1e-2, momentum=0.9)
    X = T.from_numpy(XN[:300, :8].copy())
    Y = T.from_numpy((YN[:300, :4] > 0).astype(np.float32))
    for _ in range(5):
        for i in range(30):
            loss = T.nn.functional.binary_cross_entropy_with_logits(net(X[i * 10:(i + 1) * 10]),
                                                                    Y[i * 10:(i + 1) * 10])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return loss.item()


def sin_fit_np(steps=2000):
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
    y = np.sin(x)
    xx = np.stack([x, x ** 2, x ** 3], 1)
    W = np.full((1, 3), 0.1, np.float32)
    b = np.zeros(1, np.float32)
    for _ in range(steps):
        d = (xx @ W.T + b).reshape(-1) - y
        loss = float((d * d).sum())
        g = (2 * d)[:, None]
        W -= 1e-6 * (g.T @ xx)
        b -= 1e-6 * g.sum(0)
    return loss


def mlp_np(steps=STEPS):
    rng = np.random.default_rng(0)
    Ws = [rng.uniform(-1 / np.sqrt(i), 1 / np.sqrt(i), (i, o)).astype(np.float32) for i, o in [(D, H), (H, H), (H, O)]]
    bs = [np.zeros(o, np.float32) for o in (H, H, O)]
    vW = [np.zeros_like(w) for w in Ws]
    vb = [np.zeros_like(b) for b in bs]
    for k in range(steps):
        i = k % STEPS
        xb = XN[i * B:(i + 1) * B]
        yb = YN[i * B:(i + 1) * B]
        h1 = xb @ Ws[0] + bs[0]
        a1 = np.maximum(h1, 0)
        h2 = a1 @ Ws[1] + bs[1]
        a2 = np.maximum(h2, 0)
        d = a2 @ Ws[2] + bs[2] - yb
        loss = float((d * d).mean())
        g = 2 * d / d.size
        gW2 = a2.T @ g
        gb2 = g.sum(0)
        g = g @ Ws[2].T
        g *= (h2 > 0)
        gW1 = a1.T @ g
        gb1 = g.sum(0)
        g = g @ Ws[1].T
        g *= (h1 > 0)
        gW0 = xb.T @ g
        gb0 = g.sum(0)
        for j, (gw, gb) in enumerate([(gW0, gb0), (gW1, gb1), (gW2, gb2)]):
            vW[j] *= 0.9
            vW[j] += gw
            Ws[j] -= 1e-3 * vW[j]
            vb[j] *= 0.9
            vb[j] += gb
            bs[j] -= 1e-3 * vb[j]
    return loss


# name: (workload on a torch-like module, hand-written NumPy version or None)
WORKLOADS = {
    'sin_fit': (sin_fit, sin_fit_np),
    'mlp': (mlp, mlp_np),
    'mlp_tiny': (mlp_tiny, None),
    'small_ops': (small_ops, None),
}
