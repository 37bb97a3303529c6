"""Check the static site (tools/build_docs.py) and the committed outputs of the notebooks it is built from.

    python tools/check_docs.py [_site] [--nbs nbs] [--shots=DIR]
    python tools/check_docs.py --outputs-only      # only the notebooks' committed outputs; no Chromium needed

First (no browser): every nbs/*.ipynb is scanned for committed cell outputs that should not be published: stderr
streams, error outputs, Python warnings (`UserWarning:`, `FutureWarning:`, ..., ` warnings.warn(`) and absolute
paths of a developer machine (`/work/`, `/home/`, `/Users/`, `/tmp/` other than the examples' own `tempfile.mkdtemp`
folders, `site-packages`, `C:\\`, ...); each is printed
with its notebook, cell id and an excerpt. Each page of the site is also scanned for warning boxes: nbconvert's lab
template renders stderr streams and errors as `<div ... data-mime-type="application/vnd.jupyter.stderr">` (the
classic template as `class="... output_stderr ..."`).

Then every page is opened in headless Chromium: a copy of the page with a `<base>` pointing at the site folder (so
relative srcs resolve as on the real page) and a small probe script appended; its DOM is dumped after the load event.
The probe records, for every <img>, its src, whether the browser decoded it (naturalWidth > 0) and whether it is laid
out visibly (non-zero box, not display:none / visibility:hidden / opacity 0). Any <img> that does not load fails the
check, named by page and src: linked pictures (relative path, copied into the site by the build), embedded ones
(data: URIs, the notebooks' figure outputs) and remote ones alike. Embedded raster figures are decoded again here and
must not be blank (more than one colour, some contrast), and so must linked pictures that PIL can read. A second
Chromium run takes a screenshot of the top of the page, which must not be blank either. The numbers of embedded and
linked pictures must match what the build wrote into manifest.json. Exit status 1 when any check fails.
Debian: `apt-get install chromium`."""
import argparse, base64, html, io, json, re, shutil, subprocess, sys, tempfile, time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--no-default-browser-check', '--hide-scrollbars', '--mute-audio']

PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = [].slice.call(document.querySelectorAll('img')).map(function (im) {
    var r = im.getBoundingClientRect(), cs = getComputedStyle(im), src = im.getAttribute('src') || '';
    var kind = /^data:/i.test(src) ? 'embedded' : (/^([a-z][a-z0-9+.-]*:|\\/\\/)/i.test(src) ? 'remote' : 'linked');
    return {kind: kind, src: kind === 'embedded' ? src.slice(0, 40) : src, png: /^data:image\\/png;base64,/i.test(src),
            decoded: im.complete && im.naturalWidth > 0, w: r.width, h: r.height,
            visible: cs.display !== 'none' && cs.visibility !== 'hidden' && +cs.opacity > 0};
  });
  var pre = document.createElement('pre');
  pre.id = 'spml-check';
  pre.textContent = JSON.stringify({title: document.title, text: document.body.innerText.length, imgs: imgs});
  document.body.appendChild(pre);
});
</script>"""

# -- committed outputs ------------------------------------------------------------------------------------------------
WARNING_RE = re.compile(r'\b[A-Z][A-Za-z]*Warning:|\bwarnings\.warn\(')
PATH_RE = re.compile(r'(?<![\w./:+~-])/(?:(?:work|home|Users|root|mnt|private|var/folders|opt/conda|usr/local/lib)/|tmp/(?!tmp\w{8}/))'
                     r'|site-packages|dist-packages|\b[A-Za-z]:\\\\?[\w.$ -]')
DATA_URI_RE = re.compile(r'data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+')
ANSI_RE = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')
TEXT_MIMES = ('text/plain', 'text/html', 'text/markdown', 'text/latex', 'application/json', 'application/javascript')


def _text(x)->str:
    if isinstance(x, list): x = ''.join(map(str, x))
    if not isinstance(x, str): x = json.dumps(x)
    return ANSI_RE.sub('', DATA_URI_RE.sub('data:...', x))


def _excerpt(text:str, m=None, width=110)->str:
    i = m.start() if m else 0
    lo = max(0, i - width // 3)
    return ('...' if lo else '') + ' '.join(text[lo:lo + width].split())


def output_findings(nb_path:Path)->list:
    "(notebook, cell id, reasons, excerpt) for every committed output that shows a warning, an error or a path."
    try: nb = json.loads(nb_path.read_text(encoding='utf-8'))
    except Exception as e: return [(nb_path.name, '-', ['unreadable notebook'], str(e)[:110])]
    found = []
    for i, c in enumerate(nb.get('cells', [])):
        cid = f"{c.get('id', '?')} (cell #{i})"
        for o in c.get('outputs', []):
            t, reasons = o.get('output_type'), []
            if t == 'stream':
                text = _text(o.get('text', ''))
                if o.get('name') == 'stderr': reasons.append('stderr stream')
            elif t == 'error':
                text = _text([f"{o.get('ename', '')}: {o.get('evalue', '')}\n"] + ['\n'.join(o.get('traceback', []))])
                reasons.append('error output')
            else:
                text = '\n'.join(_text(v) for k, v in o.get('data', {}).items() if k in TEXT_MIMES)
            mw, mp = WARNING_RE.search(text), PATH_RE.search(text)
            if mw: reasons.append(f'warning ({mw.group(0).rstrip(":(")})')
            if mp: reasons.append(f'absolute path ({mp.group(0)})')
            if reasons: found.append((nb_path.name, cid, reasons, _excerpt(text, mp or mw)))
    return found


def check_outputs(nbs:Path)->list:
    found = [f for p in sorted(nbs.glob('*.ipynb')) for f in output_findings(p)]
    print(f"committed outputs of {nbs}/*.ipynb: {len(found) or 'nothing'} flagged"
          f"{' in ' + str(len({f[0] for f in found})) + ' notebooks' if found else ''}")
    for name, cid, reasons, ex in found: print(f"  {name} cell {cid}: {', '.join(reasons)}: {ex}")
    return found


# -- warning boxes in the rendered pages ------------------------------------------------------------------------------
class _Boxes(HTMLParser):
    "Elements that nbconvert uses for stderr / error output, with the start of their text."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.boxes, self.grab = [], False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if 'stderr' in (a.get('data-mime-type') or '') or any('stderr' in c for c in (a.get('class') or '').split()):
            self.boxes.append(''); self.grab = True
    def handle_data(self, data):
        if self.grab and data.strip():
            self.boxes[-1] = ' '.join(data.split())[:80]; self.grab = False


def warning_boxes(page_html:str)->list:
    p = _Boxes()
    p.feed(page_html); p.close()
    return p.boxes


# -- the browser ------------------------------------------------------------------------------------------------------
def chromium()->str:
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        p = shutil.which(name)
        if p: return p
    raise SystemExit("check_docs: no Chromium found (Debian: apt-get update && apt-get install -y chromium); "
                     "`--outputs-only` runs without it")


def run_chromium(exe, args, timeout=180)->subprocess.CompletedProcess:
    "Run Chromium with a fresh profile."
    with tempfile.TemporaryDirectory(prefix='spml-chromium-') as prof:
        return subprocess.run([exe, *FLAGS, f'--user-data-dir={prof}', *args], capture_output=True, text=True,
                              timeout=timeout)


def not_blank(png:bytes)->bool:
    "A picture with more than one colour and some contrast."
    a = np.asarray(Image.open(io.BytesIO(png)).convert('RGB'), dtype=float)
    return a.size > 0 and a.std() > 2 and len(np.unique(a.reshape(-1, 3)[::7], axis=0)) > 1


def probe_copy(page:Path, tmp:Path)->Path:
    "The page with a <base> at the site folder (relative srcs resolve as on the page itself) and the probe appended."
    text = page.read_text(encoding='utf-8')
    base = f'<base href="{html.escape(page.parent.resolve().as_uri() + "/")}">'
    text, n = re.subn(r'(<head\b[^>]*>)', lambda m: m.group(1) + base, text, count=1, flags=re.I)
    if not n: text = base + text
    text = re.sub(r'(<img\b[^>]*\bloading=)["\']?lazy["\']?', r'\1"eager"', text, flags=re.I)  # load them all now
    i = text.lower().rfind('</body>')
    text = text[:i] + PROBE + '\n' + text[i:] if i >= 0 else text + PROBE
    probe = tmp / page.name
    probe.write_text(text, encoding='utf-8')
    return probe


def linked_file(site:Path, src:str):
    u = urlsplit(src)
    return site / unquote(u.path) if not (u.scheme or u.netloc) and u.path else None


def check_page(exe, site:Path, p:dict, tmp:Path)->dict:
    "Load one page; return its counts and problems."
    page = site / p['file']
    exp_emb, exp_lnk = p.get('figures', 0), p.get('linked')
    res = dict(page=p['file'], loaded=False, exp_emb=exp_emb, exp_lnk=exp_lnk or 0, emb=0, emb_ok=0, lnk=0, lnk_ok=0,
               remote=0, shot=False, problems=[])
    if not page.exists():
        res['problems'].append('page file missing'); return res
    boxes = warning_boxes(page.read_text(encoding='utf-8'))
    if boxes: res['problems'].append(f"{len(boxes)} warning/error boxes (stderr output), first: {boxes[0]!r}")
    t0 = time.time()
    r = run_chromium(exe, ['--virtual-time-budget=15000', '--dump-dom', probe_copy(page, tmp).as_uri()])
    dom = r.stdout
    m = re.search(r'<pre id="spml-check">(.*?)</pre>', dom, re.S)
    if not m:
        res['problems'].append(f'no probe result (chromium rc {r.returncode}): {r.stderr.strip()[-300:]}'); return res
    info = json.loads(html.unescape(m.group(1)))
    res.update(loaded=True, title=info['title'])
    ok = lambda i: i['decoded'] and i['w'] > 0 and i['h'] > 0 and i['visible']
    # embedded: data: URIs; the raster ones must not be blank either
    emb = [i for i in info['imgs'] if i['kind'] == 'embedded']
    uris = re.findall(r'<img\b[^>]*?\bsrc="(data:[^"]*)"', dom)       # the same images, in the same order
    if len(uris) != len(emb):
        res['problems'].append(f'{len(uris)} data: srcs in the DOM but {len(emb)} embedded <img>: not checked for blanks')
        uris = [None] * len(emb)
    for n, (i, uri) in enumerate(zip(emb, uris), 1):
        m64 = re.match(r'data:image/(?:png|jpeg|jpg|gif|webp);base64,(.*)', uri or '', re.S)
        if not ok(i): i['why'] = 'not decoded' if not i['decoded'] else 'not visible'
        elif m64:
            try: i['why'] = None if not_blank(base64.b64decode(m64.group(1))) else 'blank'
            except Exception as e: i['why'] = f'not readable here ({type(e).__name__})'
        else: i['why'] = None
        if i['why']: res['problems'].append(f"embedded picture #{n} (src={i['src']}...) {i['why']}")
    res.update(emb=len(emb), emb_ok=sum(not i['why'] for i in emb))
    if len(emb) != exp_emb: res['problems'].append(f'{len(emb)} embedded pictures in the page, the notebook has {exp_emb}')
    # linked: relative paths into the site folder
    lnk = [i for i in info['imgs'] if i['kind'] == 'linked']
    res['lnk'] = len(lnk)
    for i in lnk:
        f = linked_file(site, i['src'])
        if not ok(i):
            why = 'not decoded' if not i['decoded'] else 'not visible'
            if f is None or not f.is_file(): why += f', no file {f}' if f else ', not a file path'
            res['problems'].append(f"linked picture src={i['src']!r} does not load ({why})"); continue
        try:
            if f is not None and f.is_file() and not not_blank(f.read_bytes()):
                res['problems'].append(f"linked picture src={i['src']!r} is blank"); continue
        except Exception: pass                                # a format PIL can't read (SVG): the browser decoded it
        res['lnk_ok'] += 1
    if exp_lnk is not None and len(lnk) != exp_lnk:
        res['problems'].append(f'{len(lnk)} linked pictures in the page, the build recorded {exp_lnk}')
    # remote: no network here, so these never load
    for i in info['imgs']:
        if i['kind'] == 'remote':
            res['remote'] += 1
            if not ok(i): res['problems'].append(f"remote picture src={i['src']!r} does not load")
    if info['text'] < 200: res['problems'].append(f"almost no text ({info['text']} characters)")
    shot = tmp / (page.stem + '.png')
    run_chromium(exe, ['--window-size=1280,1600', f'--screenshot={shot}', page.resolve().as_uri()])
    res['shot'] = shot.exists() and not_blank(shot.read_bytes())
    if not res['shot']: res['problems'].append('screenshot missing or blank')
    res['seconds'] = round(time.time() - t0, 1)
    return res


def main(argv=None)->int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('site', nargs='?', default=str(ROOT / '_site'), help='the built site (default: _site)')
    ap.add_argument('--nbs', default=str(ROOT / 'nbs'), help='notebooks whose committed outputs are scanned (default: nbs)')
    ap.add_argument('--outputs-only', action='store_true', help='only scan the committed outputs (no Chromium)')
    ap.add_argument('--shots', help='keep the screenshots in this folder')
    a = ap.parse_args(argv)
    flagged = check_outputs(Path(a.nbs))
    flagged_nbs = sorted({f[0] for f in flagged})
    if a.outputs_only:
        print(f"outputs: {len(flagged)} flagged in {len(flagged_nbs)} notebooks; "
              f"{'all good' if not flagged else 'FAILED: ' + ', '.join(flagged_nbs)}")
        return 1 if flagged else 0
    site = Path(a.site)
    man = site / 'manifest.json'
    if not man.exists(): raise SystemExit(f"check_docs: {man} not found: run tools/build_docs.py first")
    pages = json.loads(man.read_text())
    exe = chromium()
    print(subprocess.run([exe, '--version'], capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory(prefix='spml-site-') as tmp:
        tmp = Path(tmp)
        res = [check_page(exe, site, p, tmp) for p in pages]
        if a.shots:                    # keep the screenshots
            Path(a.shots).mkdir(parents=True, exist_ok=True)
            for f in tmp.glob('*.png'): shutil.copy(f, Path(a.shots) / f.name)
    print(f"{'page':<22} {'loaded':>6} {'embedded':>8} {'loaded':>6} {'linked':>6} {'loaded':>6} {'screenshot':>10}  problems")
    for r in res:
        print(f"{r['page']:<22} {str(r['loaded']):>6} {r['exp_emb']:>8} {r['emb_ok']:>6} {r['exp_lnk']:>6} "
              f"{r['lnk_ok']:>6} {'ok' if r['shot'] else 'BLANK':>10}  {'; '.join(r['problems']) or '-'}")
    for r in res:
        for q in r['problems']: print(f"FAIL {r['page']}: {q}")
    bad = [r['page'] for r in res if r['problems']] + flagged_nbs
    print(f"pages: {len(res)} checked, {sum(r['loaded'] for r in res)} loaded; "
          f"linked pictures: {sum(r['exp_lnk'] for r in res)} expected, {sum(r['lnk_ok'] for r in res)} loaded; "
          f"embedded pictures: {sum(r['exp_emb'] for r in res)} expected, {sum(r['emb_ok'] for r in res)} loaded "
          f"(decoded, visible, not blank); outputs: {len(flagged)} flagged; "
          f"{'all good' if not bad else 'FAILED: ' + ', '.join(bad)}")
    return 0 if not bad else 1


if __name__ == '__main__': sys.exit(main())
