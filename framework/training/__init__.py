"""Config-driven training: the library behind `python train.py --config configs/NAME.yaml`.

    from framework.training import train
    result = train('configs/sin_cubic.yaml', overrides=['train.steps=500'])
    result.final_loss, result.run_dir, result.model

``train`` takes a path or a mapping, optional overrides (``['optimizer.lr=0.01']`` or
``{'optimizer.lr': 0.01}``) and ``resume=RUN_DIR``; it raises ``ConfigError`` for a bad config.
"""
import argparse
import os
import sys

from .config import ConfigError, load_file, apply_overrides, resolve, resolved_yaml, reference
from .trainer import Run, TrainResult, read_metrics
from .registry import register
from .distributed import launched_world_size, Context, DistributedUnavailable
from . import checkpoint

__all__ = ['train', 'main', 'ConfigError', 'TrainResult', 'register', 'resolve', 'load_config', 'checkpoint',
           'read_metrics']


def load_config(config, overrides=None):
    """(resolved config, default run name) from a path or a mapping plus overrides."""
    if isinstance(config, (str, os.PathLike)):
        raw = load_file(os.fspath(config))
        name = os.path.splitext(os.path.basename(os.fspath(config)))[0]
    elif isinstance(config, dict):
        raw, name = config, 'run'
    else:
        raise ConfigError(f'config: expected a path or a mapping, got {type(config).__name__}')
    return resolve(apply_overrides(raw, overrides)), name


def _new_run_dir(cfg, name):
    out = cfg['output']
    base = os.path.join(out['dir'], out['name'] or name)
    path, i = base, 0
    while os.path.exists(path) and not out['overwrite']:
        i += 1
        path = f'{base}-{i}'
    os.makedirs(path, exist_ok=True)
    return path


# the last line of a run's config.yaml: a file without it was cut short
CONFIG_END = '# end of config.yaml (written by train.py)\n'


def _run_config(path, overrides):
    """The config of a run directory; a damaged config.yaml is one ConfigError line naming it and how."""
    with open(path, 'rb') as f:
        text = f.read()
    if not text.endswith(CONFIG_END.encode()):
        how = 'it is empty' if not text.strip() else f'it was cut short (its last line is not {CONFIG_END.strip()!r})'
        raise ConfigError(f'--resume: {path} is damaged: {how}')
    try:
        return load_config(path, overrides)
    except ConfigError as e:
        if str(e).startswith('override'):
            raise
        raise ConfigError(f'--resume: {path} is damaged or was edited: {e}') from None


def train(config=None, overrides=None, resume=None, progress=None, stop_after=None, report=True, out=None,
          from_previous=False, graph=False):
    """Train what ``config`` describes (or continue the run in ``resume``) and return a TrainResult.

    progress: show the tqdm bar (default: the config's train.progress). stop_after: end this call after so
    many steps, with a checkpoint, as Ctrl-C would (for tests and for splitting long runs). report: print
    the report and write report.json and loss.png. from_previous: resume from the checkpoint before the
    newest (after the newest was damaged). graph: first write RUN/graph.svg (or graph.dot) of one step's
    backward graph."""
    out = out or sys.stdout
    if resume is not None:
        cfg_path = os.path.join(resume, 'config.yaml')
        if not os.path.isfile(cfg_path):
            raise ConfigError(f'--resume: {resume} is not a run directory (no config.yaml in it)')
        cfg, _ = _run_config(cfg_path, overrides)
        resume_state = checkpoint.load_for_resume(resume, from_previous)
        name = os.path.basename(os.path.normpath(resume))
    else:
        if config is None:
            raise ConfigError('--config: missing (give a config file, or --resume RUN_DIR)')
        cfg, name = load_config(config, overrides)
    dctx = None
    if launched_world_size() > 1:
        dctx = Context(cfg, Run(cfg)._device(cfg['device']))
        if dctx.rank != 0:                      # rank 0 alone prints and writes
            progress, report, out = False, False, open(os.devnull, 'w')
    try:
        run = Run(cfg, name=name, progress=progress, out=out)
        run.resuming = resume is not None
        run.build()
        run.dist = dctx
        if resume is not None:
            run.run_dir = resume
            run.resume_state = resume_state
        elif dctx is None:
            run.run_dir = _new_run_dir(cfg, name)
        else:
            run.run_dir = dctx.broadcast(_new_run_dir(cfg, name) if dctx.rank == 0 else None)
        if dctx is None or dctx.rank == 0:
            checkpoint.atomic_write(os.path.join(run.run_dir, 'config.yaml'),
                                    lambda f: f.write((resolved_yaml(cfg) + CONFIG_END).encode('utf-8')))
            if graph:
                path, notice = run.write_graph()
                print(f"graph of one step's loss: {path}" + (f' ({notice})' if notice else ''), file=out,
                      flush=True)
        result = run.fit(resume=resume is not None, stop_after=stop_after)
    finally:
        if dctx is not None:
            dctx.close()
    if report:
        from .report import report_lines, write_report, plot_loss
        write_report(result)
        for line in report_lines(result):
            print(line, file=out)
        if cfg['output']['plot']:
            path, notice = plot_loss(result)
            print(f'loss curve: {path}' if path else notice, file=out, flush=True)
    return result


def _epilog():
    rows = '\n'.join(f'  {k:<26} {t}' for k, t, _, _ in reference())
    return ('overrides:\n'
            '  Any config key can be set after the options as dotted.key=value; the value is read as YAML\n'
            '  (3 → int, 1e-3 → float, true → bool, null, [64, 64] → list), and the result is validated like\n'
            '  the file. Examples:\n'
            '    python train.py --config configs/sin_cubic.yaml train.steps=500 optimizer.lr=2e-6\n'
            '    python train.py --config configs/mlp.yaml optimizer.name=Adam optimizer.lr=0.01 seed=1\n'
            '    python train.py --config configs/classify.yaml model.layers.0.Linear=[2,128] train.epochs=5\n'
            '  loss.*, optimizer.* and scheduler.* also take the keyword arguments of the named class\n'
            '  (optimizer.momentum=0.9, loss.reduction=sum, scheduler.gamma=0.5).\n\n'
            'keys:\n' + rows + '\n\n'
            'exit status: 0 done, 1 the run failed (e.g. the loss became nan; the last checkpoint is kept),\n'
            '2 bad config or arguments, 130 interrupted (Ctrl-C; a checkpoint was saved, continue with --resume).')


def main(argv=None):
    """The command line of train.py; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog='train.py', formatter_class=argparse.RawDescriptionHelpFormatter,
        description='Train the model a YAML config describes: progress bar, metrics.csv, checkpoints, report.',
        epilog=_epilog())
    parser.add_argument('--config', metavar='FILE', help='YAML config (configs/NAME.yaml)')
    parser.add_argument('--resume', metavar='RUN_DIR', help='continue the run in RUN_DIR from its checkpoint '
                        '(bit-identical to an uninterrupted run)')
    parser.add_argument('--from-previous', action='store_true', help='with --resume: continue from the checkpoint '
                        'before the newest (checkpoint.prev.npz), when the newest is damaged')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    parser.add_argument('--graph', action='store_true', help="write RUN/graph.svg (graph.dot without graphviz) "
                        "of one training step's backward graph")
    parser.add_argument('overrides', nargs='*', metavar='dotted.key=value', help='config overrides (see below)')
    args = parser.parse_intermixed_args(argv)
    if args.config is None and args.resume is None:
        parser.print_usage(sys.stderr)
        print('train.py: error: give --config FILE (or --resume RUN_DIR)', file=sys.stderr)
        return 2
    if args.from_previous and args.resume is None:
        print('train.py: error: --from-previous goes with --resume RUN_DIR', file=sys.stderr)
        return 2
    if args.config is not None and args.resume is not None:
        print('train.py: error: --resume takes the config from the run directory; drop --config '
              '(overrides are still allowed)', file=sys.stderr)
        return 2
    try:
        result = train(args.config, overrides=args.overrides, resume=args.resume,
                       progress=False if args.no_progress else None, from_previous=args.from_previous,
                       graph=args.graph)
    except (ConfigError, DistributedUnavailable) as e:
        print(f'train.py: error: {e}', file=sys.stderr)
        return 2
    except FloatingPointError as e:
        print(f'train.py: run failed: {e}; the last checkpoint was kept', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('train.py: interrupted', file=sys.stderr)
        return 130
    if result.stopped_by_signal:
        print(f'interrupted: checkpoint saved at step {result.steps}; continue with: '
              f'python train.py --resume {result.run_dir}', file=sys.stderr)
        return 130
    return 0
