"""What the benchmark scripts share: each model trains in a process of its own on one thread, and answers with one line
of JSON on its standard output; timings are wall-clock runs, interleaved."""
import json, os, platform, subprocess, time


def one_thread_env()->dict:
    "The environment of a one-thread worker process (two such processes on two cores do not slow each other down)."
    return {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}


def run_json(cmd:list, what)->dict:
    "Run `cmd` on one thread and return the JSON of its last output line; its error output when it fails."
    res = subprocess.run(cmd, env=one_thread_env(), capture_output=True, text=True)
    if res.returncode: raise RuntimeError(f"{what} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def write_results(stem, md:str, cmd:str, wall:float, results:list):
    "`stem`.md (the table) and `stem`.json (the command, the wall time and every result); prints the table."
    from pathlib import Path
    stem = Path(stem); stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix('.md').write_text(md)
    stem.with_suffix('.json').write_text(json.dumps({'command': cmd, 'wall_seconds': wall, 'results': results}, indent=1))
    print(md)


def run_table(runs:list, rows:list, variants:list, cell)->str:
    "Markdown table: a row per variant, a column per run folder, `cell(row)` in each (rows: dicts with 'run', 'variant')."
    from pathlib import Path
    lines = ['| ' + ' | '.join(['variant'] + [Path(r).name for r in runs]) + ' |', '|' + '---|'*(len(runs) + 1)]
    for v in variants:
        lines.append(f"| {v} | " + ' | '.join(cell(x) for r in runs for x in rows if x['run'] == str(r) and x['variant'] == v) + ' |')
    return '\n'.join(lines)


def write_table(out, script:str, argv:list, title:str, what:str, table:str, rows:list):
    "Print `what` and `table`; with `out`, write `out`.md (title, command, table) and `out`.json (command, rows)."
    print(f"\n{what}\n\n{table}")
    if out:
        from pathlib import Path
        cmd = f'python bench/{script} ' + ' '.join(argv)
        Path(out + '.json').write_text(json.dumps(dict(command=cmd, rows=rows), indent=1))
        Path(out + '.md').write_text(f"# {title}\n\n`{cmd}`\n\n{what}\n\n{table}\n")


def run_times(fns:list, runs:int, sync=lambda: None, warmup:int=1)->list:
    "Seconds of each of `runs` calls of every function in `fns` (after `warmup` calls each); the functions take turns, so load from other processes hits all alike; `sync` waits for the GPU."
    for fn in fns:
        for _ in range(warmup): fn()
    sync()
    ts = [[] for _ in fns]
    for _ in range(runs):
        for fn, t in zip(fns, ts):
            t0 = time.perf_counter(); fn(); sync(); t.append(time.perf_counter() - t0)
    return ts


def median(ts:list)->float: return sorted(ts)[len(ts)//2]


def how_run(script:str, argv:list, n_models:int, workers:int, wall:float)->tuple:
    "(the command line, the sentence saying how it ran) for a results file's first line."
    cmd = f'python bench/{script} ' + ' '.join(argv)
    return cmd, (f"`{cmd}`: {n_models} models, {workers} processes of one thread on {os.cpu_count()} cores "
                 f"({platform.processor() or platform.machine()}), {wall/60:.0f} min wall-clock, {time.strftime('%Y-%m-%d')}.")
