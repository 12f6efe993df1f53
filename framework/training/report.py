"""The end of a run: the printed report, report.json, and the loss-curve picture."""
import json
import os


def _fmt(v):
    return 'n/a' if v is None else (f'{v:.6g}' if isinstance(v, float) else str(v))


def report_lines(result):
    r = result
    lines = [f'run directory: {r.run_dir}']
    state = 'interrupted' if r.interrupted else 'finished'
    lines.append(f'{state} at step {r.steps}/{r.total_steps} (epoch {r.epochs}) in {r.wall_time:.2f} s, '
                 f'{r.steps_per_sec:.1f} steps/s')
    lines.append(f'parameters: {r.num_params}')
    if getattr(r, 'world_size', 1) > 1:
        lines.append(f'processes: {r.world_size} ({r.backend}), data-parallel')
    lines.append(f'final loss: {_fmt(r.final_loss)}   best loss: {_fmt(r.best_loss)}')
    extra = {k: v for k, v in r.metrics.items() if k not in ('loss', 'lr')}
    if extra:
        lines.append('metrics: ' + ', '.join(f'{k} {_fmt(v)}' for k, v in extra.items()))
    if r.scheduler is not None and 'lr' in r.metrics:
        lines.append(f"final lr: {_fmt(r.metrics['lr'])}")
    if r.polynomial:
        lines.append(r.polynomial)
    if getattr(r, 'sample', None):
        lines.append('sample:')
        lines.extend(r.sample.splitlines())
    return lines


def write_report(result):
    data = {k: getattr(result, k) for k in ('steps', 'total_steps', 'epochs', 'final_loss', 'best_loss', 'metrics',
                                            'wall_time', 'steps_per_sec', 'num_params', 'interrupted', 'polynomial')}
    data['world_size'] = getattr(result, 'world_size', 1)
    path = os.path.join(result.run_dir, 'report.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1)
    return path


def plot_loss(result):
    """loss.png of the logged losses; None and a one-line notice when matplotlib is not importable."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return None, 'loss curve skipped: matplotlib is not installed (pip install -e ".[plot]")'
    rows = result.history
    if not rows:
        return None, 'loss curve skipped: nothing was logged'
    fig, ax = plt.subplots(figsize=(6, 4))
    steps = [r['step'] for r in rows]
    ax.plot(steps, [r['loss'] for r in rows], label='loss')
    if rows[0].get('val_loss') is not None:
        ax.plot(steps, [r['val_loss'] for r in rows], label='val_loss')
    ax.set_xlabel('step')
    ax.set_ylabel('loss')
    if all(r['loss'] > 0 for r in rows):
        ax.set_yscale('log')
    ax.legend()
    ax.set_title(os.path.basename(result.run_dir))
    fig.tight_layout()
    path = os.path.join(result.run_dir, 'loss.png')
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path, None
