"""Open every page of the static site (tools/build_docs.py) in headless Chromium and check that it loads and that
its figures are visible.

    python tools/check_docs.py [_site]

Per page, Chromium loads a copy of the page with a small probe script appended, and dumps the DOM after the load
event; the probe records, for every <img>, whether the browser decoded it (naturalWidth > 0) and whether it is laid
out visibly (non-zero box, not display:none / visibility:hidden / opacity 0). The data: PNGs in the dumped DOM are
decoded again here and must not be blank (more than one colour, some contrast). A second Chromium run takes a
screenshot of the top of the page, which must not be blank either. The number of figures must match what the
build wrote into manifest.json. Exit status 1 when any check fails. Debian: `apt-get install chromium`."""
import base64, html, io, json, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--no-default-browser-check', '--hide-scrollbars', '--mute-audio']

PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = [].slice.call(document.querySelectorAll('img')).map(function (im) {
    var r = im.getBoundingClientRect(), cs = getComputedStyle(im);
    return {data: im.src.slice(0, 22) === 'data:image/png;base64,', decoded: im.complete && im.naturalWidth > 0,
            w: r.width, h: r.height, visible: cs.display !== 'none' && cs.visibility !== 'hidden' && +cs.opacity > 0};
  });
  var pre = document.createElement('pre');
  pre.id = 'spml-check';
  pre.textContent = JSON.stringify({title: document.title, text: document.body.innerText.length, imgs: imgs});
  document.body.appendChild(pre);
});
</script>"""


def chromium()->str:
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        p = shutil.which(name)
        if p: return p
    raise SystemExit("check_docs: no Chromium found (Debian: apt-get update && apt-get install -y chromium)")


def run_chromium(exe, args, timeout=180)->subprocess.CompletedProcess:
    "Run Chromium with a fresh profile."
    with tempfile.TemporaryDirectory(prefix='spml-chromium-') as prof:
        return subprocess.run([exe, *FLAGS, f'--user-data-dir={prof}', *args], capture_output=True, text=True,
                              timeout=timeout)


def not_blank(png:bytes)->bool:
    "A PNG with more than one colour and some contrast."
    a = np.asarray(Image.open(io.BytesIO(png)).convert('RGB'), dtype=float)
    return a.size > 0 and a.std() > 2 and len(np.unique(a.reshape(-1, 3)[::7], axis=0)) > 1


def check_page(exe, page:Path, expected:int, tmp:Path)->dict:
    "Load one page; return its counts and problems."
    probe = tmp / page.name
    probe.write_text(page.read_text(encoding='utf-8').replace('</body>', PROBE + '\n</body>', 1), encoding='utf-8')
    t0 = time.time()
    r = run_chromium(exe, ['--virtual-time-budget=15000', '--dump-dom', probe.as_uri()])
    dom, problems = r.stdout, []
    m = re.search(r'<pre id="spml-check">(.*?)</pre>', dom, re.S)
    if not m: return dict(page=page.name, loaded=False, expected=expected, in_dom=0, visible=0, shot=False,
                          problems=[f'no probe result (chromium rc {r.returncode}): {r.stderr.strip()[-300:]}'])
    info = json.loads(html.unescape(m.group(1)))
    pngs = [base64.b64decode(s) for s in re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', dom)]
    blank = sum(not not_blank(p) for p in pngs)
    shown = [i for i in info['imgs'] if i['data'] and i['decoded'] and i['w'] > 0 and i['h'] > 0 and i['visible']]
    visible = min(len(shown), len(pngs) - blank)
    if info['text'] < 200: problems.append(f"almost no text ({info['text']} characters)")
    if len(pngs) != expected: problems.append(f'{len(pngs)} figures in the page, the notebook has {expected}')
    if blank: problems.append(f'{blank} blank figures')
    if len(shown) != len(pngs): problems.append(f'{len(pngs) - len(shown)} figures not decoded or not laid out visibly')
    shot = tmp / (page.stem + '.png')
    run_chromium(exe, ['--window-size=1280,1600', f'--screenshot={shot}', page.as_uri()])
    shot_ok = shot.exists() and not_blank(shot.read_bytes())
    if not shot_ok: problems.append('screenshot missing or blank')
    return dict(page=page.name, loaded=True, title=info['title'], expected=expected, in_dom=len(pngs), visible=visible,
                shot=shot_ok, seconds=round(time.time() - t0, 1), problems=problems)


def main(site=None, shots=None):
    site = Path(site or ROOT / '_site')
    man = site / 'manifest.json'
    if not man.exists(): raise SystemExit(f"check_docs: {man} not found: run tools/build_docs.py first")
    pages = json.loads(man.read_text())
    exe = chromium()
    print(subprocess.run([exe, '--version'], capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory(prefix='spml-site-') as tmp:
        tmp = Path(tmp)
        res = [check_page(exe, site / p['file'], p['figures'], tmp) for p in pages]
        if shots:                      # keep the screenshots
            Path(shots).mkdir(parents=True, exist_ok=True)
            for f in tmp.glob('*.png'): shutil.copy(f, Path(shots) / f.name)
    print(f"{'page':<22} {'loaded':>6} {'figures':>7} {'in DOM':>6} {'visible':>7} {'screenshot':>10}  problems")
    for r in res:
        print(f"{r['page']:<22} {str(r['loaded']):>6} {r['expected']:>7} {r['in_dom']:>6} {r['visible']:>7} "
              f"{'ok' if r['shot'] else 'BLANK':>10}  {'; '.join(r['problems']) or '-'}")
    loaded, figs = sum(r['loaded'] for r in res), sum(r['visible'] for r in res)
    bad = [r['page'] for r in res if r['problems']]
    print(f"pages: {len(res)} checked, {loaded} loaded; figures: {sum(r['expected'] for r in res)} expected, "
          f"{sum(r['in_dom'] for r in res)} in the DOM, {figs} decoded, visible and not blank; "
          f"{'all good' if not bad else 'FAILED: ' + ', '.join(bad)}")
    return 0 if not bad else 1


if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if not a.startswith('--shots=')]
    shots = next((a.split('=', 1)[1] for a in sys.argv[1:] if a.startswith('--shots=')), None)
    sys.exit(main(*args[:1], shots=shots))
