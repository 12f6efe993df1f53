"""The training loop behind `python train.py --config ...` and ``framework.training.train``.

``Run.build`` does everything that can fail on a bad config (data, model, loss, optimizer, scheduler)
before the run directory is created; ``Run.fit`` then trains. The loop is split into segments
between events (log, print, checkpoint, epoch end) so that the per-step body is only the model step:
no ``.item()``, no progress-bar call, no data copy. When a batch covers the training set the same
two tensors are used for every step; otherwise each epoch gathers its (shuffled) order once and the
batches are views of it.
"""
import math
import os
import signal
import sys
import threading
import time

import numpy as np

from . import checkpoint as ckpt
from . import config as C
from . import data as D
from . import registry as R
from .config import ConfigError

INT_TARGET_LOSSES = ('CrossEntropyLoss', 'NLLLoss')


class TrainResult:
    """What a run produced. ``history`` holds the metric-log rows (dicts); ``metrics`` the last row."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        keys = ('run_dir', 'steps', 'final_loss', 'best_loss', 'metrics', 'interrupted')
        return 'TrainResult(' + ', '.join(f'{k}={getattr(self, k)!r}' for k in keys) + ')'


def _fw():
    import framework
    return framework


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


class Run:
    def __init__(self, cfg, run_dir=None, name='run', progress=None, out=None):
        self.cfg, self.name = cfg, name
        self.run_dir = run_dir
        self.progress = cfg['train']['progress'] if progress is None else progress
        self.out = out or sys.stdout
        self._stop = False
        self.resume_state = None      # (arrays, meta) chosen by checkpoint.load_for_resume
        self.resuming = False

    # ------------------------------------------------------------------ building (all config errors)
    def build(self):
        fw = _fw()
        cfg = self.cfg
        self.device = self._device(cfg['device'])
        fw.manual_seed(cfg['seed'])
        data = D.load(cfg, cfg['seed'])
        loss_name = cfg['loss']['name']
        tdtype = cfg['data']['target_dtype']
        if tdtype == 'auto':
            tdtype = 'int64' if loss_name in INT_TARGET_LOSSES else 'float32'
        data.y = D.cast_targets(data.y, tdtype)
        self.info = data.info
        self.train_data, self.val_data = D.split(data, cfg['train']['val_split'], cfg['seed'])
        self.model = self._model(cfg['model']).to(self.device)
        self.loss_fn = self._loss(cfg['loss'])
        self.optimizer = self._optimizer(cfg['optimizer'])
        self.scheduler = self._scheduler(cfg['scheduler'])
        self._check_forward()
        if cfg['output']['export'] == 'safetensors':
            _require('safetensors', 'output.export: safetensors', 'safetensors')
        if cfg['logging']['tensorboard']:
            _require('tensorboardX', 'logging.tensorboard', 'tensorboard')
        return self

    def _device(self, name):
        fw = _fw()
        if name == 'auto':
            name = 'cuda' if fw.cuda.is_available() else 'cpu'
        elif name == 'cuda' and not fw.cuda.is_available():
            raise ConfigError("device: 'cuda' requested but framework.cuda.is_available() is False "
                              '(install the cuda extra and run on a machine with an NVIDIA GPU, or use cpu/auto)')
        return fw.device(name)

    def _model(self, m):
        fw = _fw()
        nn = fw.nn
        if m['class'] is not None:
            cls = R.import_class(m['class'], 'model.class')
            if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
                raise ConfigError(f"model.class: {m['class']} is not an nn.Module subclass")
            model = R.construct(cls, 'model.kwargs', kwargs=m['kwargs'])
        else:
            table = R.layers()
            mods = []
            for i, item in enumerate(m['layers']):
                (name, args), = item.items()
                path = f'model.layers[{i}]'
                cls = R.lookup('layer', name, path, table)
                if isinstance(args, dict):
                    mods.append(R.construct(cls, f'{path}.{name}', kwargs=args))
                else:
                    mods.append(R.construct(cls, f'{path}.{name}', args=args))
            model = nn.Sequential(*mods)
        if m['init'] is not None:
            self._init(model, m['init'])
        if m['weights'] is not None and not self.resuming:    # on resume the checkpoint has the weights
            load_weights(model, m['weights'])
        return model

    def _init(self, model, init):
        fw = _fw()
        if isinstance(init, str):
            if not os.path.isfile(init):
                raise ConfigError(f'model.init: file not found: {init}')
            with np.load(init, allow_pickle=False) as f:
                init = {k: f[k] for k in f.files}
        params = dict(model.named_parameters())
        for k, v in init.items():
            if k not in params:
                raise ConfigError(f"model.init.{k}: no such parameter; parameters: {', '.join(params)}")
            p = params[k]
            try:
                arr = np.asarray(v, dtype=p.detach().numpy().dtype)
            except (ValueError, TypeError):
                raise ConfigError(f'model.init.{k}: expected a nested list of numbers, got {C.show(v)}') from None
            if tuple(arr.shape) != tuple(p.shape):
                raise ConfigError(f'model.init.{k}: expected shape {list(p.shape)}, got {list(arr.shape)}')
            with fw.no_grad():
                p.copy_(fw.tensor(arr))

    def _loss(self, spec):
        fw = _fw()
        cls = R.lookup('loss', spec['name'], 'loss.name', R.losses())
        kwargs = {k: v for k, v in spec.items() if k != 'name'}
        for k in ('weight', 'pos_weight'):
            if isinstance(kwargs.get(k), list):
                kwargs[k] = fw.tensor(kwargs[k], dtype=fw.float32, device=self.device)
        return R.construct(cls, 'loss', kwargs=kwargs)

    def _optimizer(self, spec):
        cls = R.lookup('optimizer', spec['name'], 'optimizer.name', R.optimizers())
        kwargs = {k: v for k, v in spec.items() if k != 'name'}
        return R.construct(cls, 'optimizer', kwargs=kwargs, leading=(self.model.parameters(),), skip=1)

    def _scheduler(self, spec):
        if spec is None:
            return None
        cls = R.lookup('scheduler', spec['name'], 'scheduler.name', R.schedulers())
        kwargs = {k: v for k, v in spec.items() if k not in ('name', 'interval')}
        return R.construct(cls, 'scheduler', kwargs=kwargs, leading=(self.optimizer,), skip=1)

    def _check_forward(self):
        """One forward of a first batch under no_grad, so that a model that does not fit the data (or the
        loss) fails here with a config message and not in the middle of a run. A whole batch, not a couple
        of samples: a size that broadcasts against 2 (a loss's pos_weight of 2 values) may not against 64."""
        fw = _fw()
        n = self.cfg['train']['batch_size'] or len(self.train_data)
        x = fw.tensor(self.train_data.x[:n], device=self.device)
        y = fw.tensor(self.train_data.y[:n], device=self.device)
        state = fw.get_rng_state()
        self.model.eval()  # no running statistics updated, no dropout drawn
        try:
            with fw.no_grad():
                self.loss_fn(self.model(x), y)
        except Exception as e:  # the message is all the user needs; the shapes are in it
            raise ConfigError(f'model/loss: the model does not fit the data: {type(e).__name__}: {str(e).strip()} '
                              f'(features: {self.train_data.x.shape[1]} columns, targets: '
                              f'{tuple(self.train_data.y.shape[1:]) or "one value"} per sample, '
                              f'{self.train_data.y.dtype})') from None
        finally:
            fw.set_rng_state(state)
            self.model.train()

    def write_graph(self):
        """RUN/graph.svg (or graph.dot without graphviz) of the backward graph of one training step's loss.

        The forward runs on the first batch with framework's RNG state restored afterwards, so the run's
        numbers are the same with or without --graph. Returns (path, notice or None)."""
        fw = _fw()
        from ..autograd.graph import to_dot
        n = len(self.train_data.x)
        bs = min(self.cfg['train']['batch_size'] or n, n)
        state = fw.get_rng_state()
        try:
            x = fw.tensor(self.train_data.x[:bs], device=self.device)
            y = fw.tensor(self.train_data.y[:bs], device=self.device)
            loss = self.loss_fn(self.model(x), y)
            dot = to_dot({'loss': loss}, params=dict(self.model.named_parameters()))
        finally:
            fw.set_rng_state(state)
        try:
            return dot.render(os.path.join(self.run_dir, 'graph.svg')), None
        except (ModuleNotFoundError, RuntimeError) as e:
            return dot.save(os.path.join(self.run_dir, 'graph.dot')), str(e)

    # ------------------------------------------------------------------ state
    def state_arrays(self, step, epoch, pos, perm, best, wall):
        fw = _fw()
        arrays = ckpt.model_arrays(self.model)
        arrays['rng/framework'] = fw.get_rng_state().numpy()
        if perm is not None:
            arrays['data/perm'] = perm
        meta = {
            'step': step, 'epoch': epoch, 'pos': pos, 'best': best, 'wall_time': wall,
            'optimizer': ckpt.encode(self.optimizer.state_dict(), 'optimizer', arrays),
            'scheduler': ckpt.encode(self.scheduler.state_dict(), 'scheduler', arrays) if self.scheduler else None,
            'shuffle_rng': self.shuffle_rng.bit_generator.state,
            'config_name': self.name,
        }
        return arrays, meta

    def save(self, step, epoch, pos, perm, best, wall):
        arrays, meta = self.state_arrays(step, epoch, pos, perm, best, wall)
        return ckpt.save(self.run_dir, arrays, meta)

    def restore(self):
        fw = _fw()
        arrays, meta = self.resume_state if self.resume_state is not None else ckpt.load_for_resume(self.run_dir)
        try:
            ckpt.load_model_arrays(self.model, arrays, self.device)
            # decoded on the CPU: load_state_dict moves the state to its parameters' device, and leaves
            # Adam's step count a CPU scalar (on the GPU reading it would sync every step)
            self.optimizer.load_state_dict(ckpt.decode(meta['optimizer'], arrays))
            if self.scheduler is not None and meta['scheduler'] is not None:
                self.scheduler.load_state_dict(ckpt.decode(meta['scheduler'], arrays, self.device))
        except (KeyError, ValueError, RuntimeError, TypeError, IndexError) as e:
            raise ConfigError(f'--resume: the checkpoint in {self.run_dir} does not fit the configured model or '
                              f'optimizer (were model/optimizer overridden?): {type(e).__name__}: {e}') from None
        fw.set_rng_state(fw.tensor(arrays['rng/framework']))
        self.shuffle_rng.bit_generator.state = meta['shuffle_rng']
        return meta, arrays.get('data/perm')

    # ------------------------------------------------------------------ the loop
    def fit(self, resume=False, stop_after=None):
        fw = _fw()
        cfg, t = self.cfg, self.cfg['train']
        x_np, y_np = self.train_data.x, self.train_data.y
        n = len(x_np)
        bs = min(t['batch_size'] or n, n)
        full = bs >= n
        per_epoch = n // bs if t['drop_last'] else math.ceil(n / bs)
        total = t['steps'] if t['steps'] is not None else t['epochs'] * per_epoch
        shuffle = t['shuffle'] and not full
        self.shuffle_rng = np.random.default_rng([cfg['seed'], 3])
        X = fw.tensor(x_np, device=self.device)
        Y = fw.tensor(y_np, device=self.device)

        step, epoch, pos, perm, best, wall0 = 0, 0, 0, None, None, 0.0
        log = MetricLog(self.run_dir, self._columns(), tensorboard=cfg['logging']['tensorboard'])
        if resume:
            meta, perm = self.restore()
            step, epoch, pos, best, wall0 = meta['step'], meta['epoch'], meta['pos'], meta['best'], meta['wall_time']
            log.truncate(step)
        else:
            log.start()
        history = log.rows

        end = total if stop_after is None else min(total, step + stop_after)
        log_every, print_every, ck_every = t['log_every'], t['print_every'], t['checkpoint_every']
        sched = self.scheduler
        # a full-batch step is also an epoch: both intervals step the scheduler after every step
        sched_step = sched is not None and (cfg['scheduler']['interval'] == 'step' or full)
        sched_epoch = sched is not None and not sched_step
        model, loss_fn, opt = self.model, self.loss_fn, self.optimizer
        model.train()

        bar = _bar(total, step, self.name, self.progress)
        self._install_sigint()
        t0 = time.perf_counter()
        loss = None
        batches = None
        try:
            while step < end and not self._stop:
                if not full and batches is None:
                    if pos == 0 or perm is None:
                        perm = self.shuffle_rng.permutation(n) if shuffle else None
                    batches = self._batches(X, Y, perm, bs, per_epoch)
                # run until the next event: a log/print/checkpoint step, the end of an epoch or of the run
                nxt = min(end, _next(step, log_every), _next(step, print_every), _next(step, ck_every))
                if not full:
                    nxt = min(nxt, step + per_epoch - pos)
                start = step
                if full:
                    for step in range(step + 1, nxt + 1):
                        out = model(X)
                        loss = loss_fn(out, Y)
                        opt.zero_grad()
                        loss.backward()
                        opt.step()
                        if sched_step:
                            sched.step()
                        if self._stop:
                            break
                    epoch += step - start
                else:
                    for xb, yb in batches[pos:pos + nxt - step]:
                        out = model(xb)
                        loss = loss_fn(out, yb)
                        opt.zero_grad()
                        loss.backward()
                        opt.step()
                        if sched_step:
                            sched.step()
                        step += 1
                        if self._stop:
                            break
                    pos += step - start
                    if pos >= per_epoch:
                        pos, epoch, batches = 0, epoch + 1, None
                        if sched_epoch:
                            sched.step()
                bar.update(step - start)
                if loss is None:
                    continue
                if (step % log_every == 0 or step == total) and step > (history[-1]['step'] if history else 0):
                    row = self._log_row(step, epoch, loss)
                    log.write(row)
                    bar.set_postfix(loss=f"{row['loss']:.6g}", refresh=False)
                    if not math.isfinite(row['loss']):
                        raise FloatingPointError(f"loss became {row['loss']} at step {step}")
                    best = row['loss'] if best is None or row['loss'] < best else best
                if print_every and step % print_every == 0:
                    _write(f'{step - 1} {loss.item()}', bar, self.out)
                if ck_every and step % ck_every == 0 and step < end:
                    self.save(step, epoch, pos, perm, best, wall0 + time.perf_counter() - t0)
        finally:
            self._restore_sigint()
            bar.close()
            log.close()
        wall = wall0 + time.perf_counter() - t0
        run_wall = time.perf_counter() - t0
        interrupted = step < total
        self.save(step, epoch, pos, perm, best, wall)
        if cfg['output']['export']:
            export_weights(model, self.run_dir, cfg['output']['export'])
        final = history[-1] if history else {}
        return TrainResult(
            run_dir=self.run_dir, config=cfg, model=model, optimizer=opt, scheduler=sched, history=history,
            steps=step, total_steps=total, epochs=epoch, final_loss=final.get('loss'), best_loss=best,
            metrics={k: v for k, v in final.items() if k not in ('step', 'epoch')},
            wall_time=wall, steps_per_sec=(step - (meta['step'] if resume else 0)) / run_wall if run_wall else 0.0,
            num_params=count_parameters(model), interrupted=interrupted, stopped_by_signal=self._stop,
            polynomial=polynomial(model, self.info), sample=text_sample(model, self.info))

    def _batches(self, X, Y, perm, bs, per_epoch):
        fw = _fw()
        if perm is not None:
            idx = fw.tensor(perm, device=self.device)
            X, Y = X[idx], Y[idx]
        return [(X[i * bs:(i + 1) * bs], Y[i * bs:(i + 1) * bs]) for i in range(per_epoch)]

    # ------------------------------------------------------------------ metrics
    def _columns(self):
        cols = ['step', 'epoch', 'loss', 'lr']
        if self.val_data is not None:
            cols.append('val_loss')
        prefix = 'val_' if self.val_data is not None else 'train_'
        cols += [prefix + m for m in self.cfg['train']['metrics']]
        return cols

    def _log_row(self, step, epoch, loss):
        row = {'step': step, 'epoch': epoch, 'loss': loss.item(), 'lr': self.optimizer.param_groups[0]['lr']}
        metrics = self.cfg['train']['metrics']
        if self.val_data is None and not metrics:
            return row
        d = self.val_data if self.val_data is not None else self.train_data
        fw = _fw()
        x = fw.tensor(d.x, device=self.device)
        y = fw.tensor(d.y, device=self.device)
        self.model.eval()
        try:
            with fw.no_grad():
                out = self.model(x)
                if self.val_data is not None:
                    row['val_loss'] = self.loss_fn(out, y).item()
        finally:
            self.model.train()
        prefix = 'val_' if self.val_data is not None else 'train_'
        for m in metrics:
            row[prefix + m] = metric(m, out.detach().cpu().numpy(), d.y, self.cfg['loss']['name'])
        return row

    # ------------------------------------------------------------------ Ctrl-C
    def _install_sigint(self):
        self._old_handler = None
        if threading.current_thread() is not threading.main_thread():
            return

        def handler(signum, frame):
            if self._stop:  # a second Ctrl-C: stop at once
                raise KeyboardInterrupt
            self._stop = True
        self._old_handler = signal.signal(signal.SIGINT, handler)

    def _restore_sigint(self):
        if self._old_handler is not None:
            signal.signal(signal.SIGINT, self._old_handler)


def _next(step, every):
    return (step // every + 1) * every if every else sys.maxsize


def _write(text, bar, out):
    if bar.disable:
        print(text, file=out, flush=True)
    else:
        bar.write(text, file=out)


def _bar(total, initial, name, enabled):
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, desc=name, unit='step', disable=not enabled, dynamic_ncols=True,
                mininterval=0.2, leave=True)


def metric(name, out, y, loss_name):
    out = np.asarray(out, dtype=np.float64)
    if name == 'accuracy':
        if out.ndim == 2 and out.shape[1] > 1 and y.ndim == 1:  # class scores → class index
            return float(np.mean(out.argmax(1) == y))
        threshold = 0.5 if loss_name == 'BCELoss' else 0.0  # probabilities, or logits
        return float(np.mean((out.reshape(y.shape) > threshold) == (y > 0.5)))
    diff = out.reshape(y.shape) - y
    return float(np.mean(diff ** 2) if name == 'mse' else np.mean(np.abs(diff)))


class MetricLog:
    """metrics.csv in the run directory: one row per log step, flushed as written; with tensorboard, the same
    values as TensorBoard scalars (tag = column, global step = step) in RUN/tensorboard."""

    def __init__(self, run_dir, columns, tensorboard=False):
        self.path = os.path.join(run_dir, 'metrics.csv')
        self.columns, self.rows = columns, []
        self.tb_dir = os.path.join(run_dir, 'tensorboard') if tensorboard else None
        self.tb = None

    def start(self):
        with open(self.path, 'w', encoding='utf-8') as f:
            f.write(','.join(self.columns) + '\n')
        self._open_tensorboard(None)

    def truncate(self, step):
        """On resume: keep the rows up to the checkpoint's step, drop what came after it."""
        self.rows = [r for r in read_metrics(self.path) if r['step'] <= step] if os.path.exists(self.path) else []
        with open(self.path, 'w', encoding='utf-8') as f:
            f.write(','.join(self.columns) + '\n')
            for r in self.rows:
                f.write(self._line(r))
        self._open_tensorboard(step + 1)

    def _open_tensorboard(self, purge_step):
        if self.tb_dir is None:
            return
        from tensorboardX import SummaryWriter
        # purge_step: on resume, TensorBoard drops the events logged after the checkpoint, as the CSV does
        # the suffix keeps a resume within the same second from reusing (and truncating) the first file's name
        self.tb = SummaryWriter(logdir=self.tb_dir, purge_step=purge_step, flush_secs=10,
                                filename_suffix=f'.{time.time_ns()}')

    def close(self):
        if self.tb is not None:
            self.tb.close()
            self.tb = None

    def _line(self, row):
        return ','.join('' if row.get(c) is None else repr(row[c]) for c in self.columns) + '\n'

    def write(self, row):
        self.rows.append(row)
        with open(self.path, 'a', encoding='utf-8') as f:
            f.write(self._line(row))
        if self.tb is not None:
            for c in self.columns:
                if c != 'step' and row.get(c) is not None:
                    self.tb.add_scalar(c, row[c], global_step=row['step'])


def read_metrics(path):
    import csv
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        out.append({k: (int(v) if k in ('step', 'epoch') else float(v)) if v != '' else None for k, v in r.items()})
    return out


def text_sample(model, info):
    """For text data (data.name text), the model's continuation of the prompt when it can generate one."""
    if info.get('prompt') is None or not callable(getattr(model, 'generate', None)):
        return None
    return model.generate(info['prompt'], info['sample_length'])


def polynomial(model, info):
    """Seed 004's line, `Result: y = a + b x + c x^2 + d x^3`, when a polynomial was fitted by one Linear."""
    degree = info.get('polynomial')
    if not degree:
        return None
    lin = None
    for mod in model.modules():
        if type(mod).__name__ == 'Linear':
            if lin is not None:
                return None
            lin = mod
    if lin is None or tuple(lin.weight.shape) != (1, degree) or lin.bias is None:
        return None
    w = lin.weight.detach().cpu().numpy()
    b = lin.bias.detach().cpu().numpy()
    terms = [f'{b[0].item()}'] + [f"{w[0, k].item()} x{'' if k == 0 else f'^{k + 1}'}" for k in range(degree)]
    return 'Result: y = ' + ' + '.join(terms)


def _require(module, what, extra):
    import importlib
    try:
        importlib.import_module(module)
    except ImportError:
        raise ConfigError(f'{what} needs the {module} package: pip install -e ".[{extra}]"') from None


def _state_dict_in(obj):
    """The state dict in a weights file: the file itself, or its 'state_dict' / 'model' entry (common wrappers)."""
    from .._tensor import Tensor
    for cand in (obj, obj.get('state_dict') if isinstance(obj, dict) else None,
                 obj.get('model') if isinstance(obj, dict) else None):
        if isinstance(cand, dict) and cand and all(isinstance(k, str) and isinstance(v, Tensor)
                                                   for k, v in cand.items()):
            return cand
    return None


def load_weights(model, path):
    """Load a .pt/.pth/.safetensors state dict into model, strictly; a ConfigError lists what does not fit."""
    import pickle
    fw = _fw()
    if not os.path.isfile(path):
        raise ConfigError(f'model.weights: file not found: {path}')
    try:
        obj = fw.load(path, map_location='cpu')
    except (RuntimeError, pickle.UnpicklingError, ModuleNotFoundError, OSError) as e:
        raise ConfigError(f'model.weights: {e}') from None
    sd = _state_dict_in(obj)
    if sd is None:
        raise ConfigError(f'model.weights: {path} holds no state dict (a mapping of parameter names to tensors, '
                          "or one under 'state_dict' or 'model')")
    own = model.state_dict()
    problems = []
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    shapes = [f'{k} (file {list(sd[k].shape)}, model {list(own[k].shape)})'
              for k in own if k in sd and tuple(sd[k].shape) != tuple(own[k].shape)]
    if missing:
        problems.append('missing keys: ' + ', '.join(missing))
    if unexpected:
        problems.append('unexpected keys: ' + ', '.join(unexpected))
    if shapes:
        problems.append('shape mismatch: ' + ', '.join(shapes))
    if problems:
        raise ConfigError(f'model.weights: {path} does not fit the model: ' + '; '.join(problems))
    model.load_state_dict(sd, strict=True)


def export_weights(model, run_dir, fmt):
    """RUN/model.pt or RUN/model.safetensors: the model's state dict on the CPU, for PyTorch or anyone else."""
    fw = _fw()
    from collections import OrderedDict
    sd = OrderedDict((k, v.detach().cpu()) for k, v in model.state_dict().items())
    path = os.path.join(run_dir, f'model.{fmt}')
    fw.save(sd, path)
    return path
