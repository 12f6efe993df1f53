"""The training loop behind `python train.py --config ...` and ``framework.training.train``.

``Run.build`` does everything that can fail on a bad config (data, model, loss, optimizer, scheduler)
before the run directory is created; ``Run.fit`` then trains. The loop is split into segments
between events (log, print, checkpoint, epoch end) so that the per-step body is only the model step:
no ``.item()``, no progress-bar call, no data copy. When a batch covers the training set the same
two tensors are used for every step; otherwise each epoch gathers its (shuffled) order once and the
batches are views of it.
"""
import itertools
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
        self._stop_asked = False    # Ctrl-C seen by this rank; the ranks agree on stopping (see fit)
        self.dist = None            # a training.distributed.Context under mpiexec
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
                              f'(features: {_feature_shape(self.train_data.x)}, targets: '
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
        if self.dist is not None and self.dist.rank != 0:
            return None
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
        dctx = self.dist
        bs = min((dctx.global_batch(t['batch_size']) if dctx else t['batch_size']) or n, n)
        if dctx:
            dctx.check_batch(bs)
        full = bs >= n
        per_epoch = n // bs if t['drop_last'] else math.ceil(n / bs)
        total = t['steps'] if t['steps'] is not None else t['epochs'] * per_epoch
        shuffle = t['shuffle'] and not full
        self.shuffle_rng = np.random.default_rng([cfg['seed'], 3])
        # worker processes, or features memory mapped from disk: batches come from a DataLoader, gathered
        # in the same order from the same arrays (so the same values); otherwise the whole set is one tensor
        loader = self._loader() if not full and (t['num_workers'] > 0 or D.is_mapped(x_np)) else None
        X = Y = None
        if loader is None:
            X = fw.tensor(np.asarray(x_np), device=self.device)
            Y = fw.tensor(y_np, device=self.device)

        step, epoch, pos, perm, best, wall0 = 0, 0, 0, None, None, 0.0
        log = MetricLog(self.run_dir, self._columns(), tensorboard=cfg['logging']['tensorboard'],
                        write=dctx is None or dctx.rank == 0)
        if resume:
            meta, perm = self.restore()
            step, epoch, pos, best, wall0 = meta['step'], meta['epoch'], meta['pos'], meta['best'], meta['wall_time']
            log.truncate(step)
            if dctx is not None:        # rank 0 rewrote the file: its rows decide when the ranks log
                log.rows = dctx.broadcast(log.rows)
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
        if dctx:
            from ..nn.parallel import DistributedDataParallel
            model = DistributedDataParallel(self.model)
            loss_fn = dctx.scaled(loss_fn)
            if full:
                X, Y = dctx.part(X, Y, self._reduction())
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
                    batches = (self._batches(X, Y, perm, bs, per_epoch) if loader is None else
                               _LoaderEpoch(loader, perm, n, bs, per_epoch, pos, self.device))
                # run until the next event: a log/print/checkpoint step, the end of an epoch or of the run
                nxt = min(end, _next(step, log_every), _next(step, print_every), _next(step, ck_every))
                if not full:
                    nxt = min(nxt, step + per_epoch - pos)
                start = step
                ran, last = self._steps(model, loss_fn, opt, sched if sched_step else None,
                                        itertools.repeat((X, Y), nxt - step) if full else batches[pos:pos + nxt - step])
                step += ran
                loss = last if last is not None else loss
                if full:
                    epoch += ran
                else:
                    pos += ran
                    if pos >= per_epoch:
                        pos, epoch, batches = 0, epoch + 1, None
                        if sched_epoch:
                            sched.step()
                bar.update(step - start)
                if dctx is not None:
                    # every rank must stop after the same step, or the others wait in a collective
                    self._stop = dctx.any(self._stop_asked)
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
                    _write(f'{step - 1} {self._loss_value(loss)}', bar, self.out)
                if ck_every and step % ck_every == 0 and step < end:
                    self.save(step, epoch, pos, perm, best, wall0 + time.perf_counter() - t0)
        finally:
            self._restore_sigint()
            bar.close()
            log.close()
            if loader is not None:      # stop the workers now, not when the collector gets to them
                _LoaderEpoch.close(batches, loader)
        wall = wall0 + time.perf_counter() - t0
        run_wall = time.perf_counter() - t0
        interrupted = step < total
        self.save(step, epoch, pos, perm, best, wall)
        if cfg['output']['export'] and (dctx is None or dctx.rank == 0):
            export_weights(self.model, self.run_dir, cfg['output']['export'])
        final = history[-1] if history else {}
        return TrainResult(
            run_dir=self.run_dir, config=cfg, model=self.model, optimizer=opt, scheduler=sched, history=history,
            steps=step, total_steps=total, epochs=epoch, final_loss=final.get('loss'), best_loss=best,
            metrics={k: v for k, v in final.items() if k not in ('step', 'epoch')},
            wall_time=wall, steps_per_sec=(step - (meta['step'] if resume else 0)) / run_wall if run_wall else 0.0,
            num_params=count_parameters(self.model), interrupted=interrupted, stopped_by_signal=self._stop,
            polynomial=polynomial(self.model, self.info), world_size=dctx.world if dctx else 1,
            backend=dctx.backend if dctx else None, sample=text_sample(self.model, self.info))

    def _steps(self, model, loss_fn, opt, sched, batches):
        """Train on each (x, y) of `batches`, stopping early after a Ctrl-C: how many steps ran, the last loss.
        The loop calls nothing per step beyond the model step (no .item(), no progress-bar call)."""
        ran, loss = 0, None
        for xb, yb in batches:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            ran += 1
            if self._stop:
                break
        return ran, loss

    def _loader(self):
        """The DataLoader of the training set: its batch sampler is set to each epoch's order by _LoaderEpoch.
        Its base seed comes from its own generator, so framework's global generator (dropout) is not drawn."""
        fw = _fw()
        t = self.cfg['train']
        if D.is_mapped(self.train_data.x):
            self.train_data.x.advise(random=t['shuffle'])
        ds = D.ArrayDataset(self.train_data.x, self.train_data.y)
        return fw.utils.data.DataLoader(
            ds, batch_sampler=_EpochBatches(), collate_fn=D.batch_to_tensors, num_workers=t['num_workers'],
            prefetch_factor=t['prefetch_factor'], persistent_workers=t['persistent_workers'],
            generator=fw.Generator().manual_seed(self.cfg['seed']))

    def _batches(self, X, Y, perm, bs, per_epoch):
        fw = _fw()
        if perm is not None:
            idx = fw.tensor(perm, device=self.device)
            X, Y = X[idx], Y[idx]
        if self.dist:
            red = self._reduction()
            self.dist.factors.clear()        # keyed by id: the last epoch's batches are gone
            return [self.dist.part(X[i * bs:(i + 1) * bs], Y[i * bs:(i + 1) * bs], red) for i in range(per_epoch)]
        return [(X[i * bs:(i + 1) * bs], Y[i * bs:(i + 1) * bs]) for i in range(per_epoch)]

    def _reduction(self):
        return self.cfg['loss'].get('reduction', 'mean')

    def _loss_value(self, loss):
        return self.dist.global_loss(loss) if self.dist else loss.item()

    # ------------------------------------------------------------------ metrics
    def _columns(self):
        cols = ['step', 'epoch', 'loss', 'lr']
        if self.val_data is not None:
            cols.append('val_loss')
        prefix = 'val_' if self.val_data is not None else 'train_'
        cols += [prefix + m for m in self.cfg['train']['metrics']]
        return cols

    def _log_row(self, step, epoch, loss):
        row = {'step': step, 'epoch': epoch, 'loss': self._loss_value(loss), 'lr': self.optimizer.param_groups[0]['lr']}
        metrics = self.cfg['train']['metrics']
        if self.val_data is None and not metrics:
            return row
        d = self.val_data if self.val_data is not None else self.train_data
        fw = _fw()
        y = fw.tensor(d.y, device=self.device)
        self.model.eval()
        try:
            with fw.no_grad():
                if D.is_mapped(d.x):       # not all in memory: the outputs of chunks of rows, concatenated
                    step = max(self.cfg['train']['batch_size'] or 0, 4096)
                    out = fw.cat([self.model(fw.tensor(d.x[i:i + step], device=self.device))
                                  for i in range(0, len(d.x), step)])
                else:
                    out = self.model(fw.tensor(d.x, device=self.device))
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
            if self._stop or self._stop_asked:  # a second Ctrl-C: stop at once
                raise KeyboardInterrupt
            if self.dist is not None:
                self._stop_asked = True
            else:
                self._stop = True
        self._old_handler = signal.signal(signal.SIGINT, handler)

    def _restore_sigint(self):
        if self._old_handler is not None:
            signal.signal(signal.SIGINT, self._old_handler)


class _EpochBatches:
    """The DataLoader's batch sampler: the index batches of the current epoch (from the current position)."""

    def __init__(self):
        self.batches = []

    def __iter__(self):
        return iter(self.batches)

    def __len__(self):
        return len(self.batches)


class _LoaderEpoch:
    """One epoch of DataLoader batches, sliced by the loop as it slices the in-memory list: consecutive
    slices ``[pos:pos + k]`` of batches ``perm[i * bs:(i + 1) * bs]``, moved to the device."""

    def __init__(self, loader, perm, n, bs, per_epoch, start, device):
        order = np.arange(n) if perm is None else perm
        loader.batch_sampler.batches = [order[i * bs:(i + 1) * bs] for i in range(start, per_epoch)]
        self.it = iter(loader)
        self.pos, self.end, self.device = start, per_epoch, device

    def __getitem__(self, s):
        if s.start != self.pos:
            raise IndexError(f'batches are read in order: asked for {s.start}, at {self.pos}')
        return self._take(s.stop - s.start)

    @staticmethod
    def close(epoch, loader):
        for it in (getattr(epoch, 'it', None), loader._iterator):
            stop = getattr(it, '_shutdown_workers', None)
            if stop is not None:
                stop()

    def _take(self, k):
        cpu = self.device.type == 'cpu'
        for _ in range(min(k, self.end - self.pos)):
            xb, yb = next(self.it)
            self.pos += 1
            if self.pos == self.end:
                next(self.it, None)        # the end of the epoch: the iterator stops its workers now
            yield (xb, yb) if cpu else (xb.to(self.device), yb.to(self.device))


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

    def __init__(self, run_dir, columns, tensorboard=False, write=True):
        self.path = os.path.join(run_dir, 'metrics.csv')
        self.columns, self.rows = columns, []
        self.enabled = write         # False on ranks other than 0: they keep the rows, rank 0 the files
        self.tb_dir = os.path.join(run_dir, 'tensorboard') if tensorboard and write else None
        self.tb = None

    def start(self):
        if not self.enabled:
            return
        with open(self.path, 'w', encoding='utf-8') as f:
            f.write(','.join(self.columns) + '\n')
        self._open_tensorboard(None)

    def truncate(self, step):
        """On resume: keep the rows up to the checkpoint's step, drop what came after it."""
        if not self.enabled:         # rank 0 may be rewriting the file: its rows come by broadcast
            return
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
        if not self.enabled:
            return
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


def _feature_shape(x):
    """How a config error describes the inputs: columns of a table, or the shape of one image."""
    return f'{x.shape[1]} columns' if x.ndim == 2 else f'shape {tuple(x.shape[1:])} per sample'


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
