"""Build a static HTML site of the notebooks without Quarto: nbdev's docs processing of each notebook (what
`nbdev_proc_nbs` does for `nbdev_docs`: front matter, `show_doc` for exported names, hidden cells dropped), then
nbconvert HTML for each processed notebook, in the order of nbs/sidebar.yml, with a navigation bar on every page and
a list of all pages on the front page.

    python tools/build_docs.py            # nbs/ -> _proc/ -> _site/
    python tools/build_docs.py --no-proc  # reuse _proc/ as it is

The `nbdev_proc_nbs` command itself is not used: where Quarto is missing it starts nbdev's installer (sudo, then
`pip install -e .[dev]` with whatever pip is first on PATH). The processing functions are called directly instead,
one notebook at a time and only for notebooks newer than their processed copy; a notebook that nbdev fails to
process (its import/show_doc cells raise) is converted from its raw form, and the build says so.

Pictures that a page links with a relative path (a Markdown image `![..](images/x.png)` or an `<img src=..>` in a
markdown cell or an HTML output, of any notebook) are copied from nbs/ into the site at the same relative path, and
manifest.json records per page how many it links (`linked`, one per <img>) and which files (`linked_files`).
A notebook that is not valid nbformat (nbconvert would stop on it) gets no page: the other pages are still built,
and the build ends with exit status 1 naming it. Processed copies in _proc/ of notebooks no longer in nbs/ are removed.

Then `python tools/check_docs.py` opens every page in headless Chromium. `_proc/` and `_site/` are git-ignored."""
import argparse, html, json, posixpath, re, shutil, time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import yaml
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]

NAV_CSS = """<style>
nav.spml-nav{position:sticky;top:0;z-index:10;background:#1f3b57;padding:6px 12px;font:13px sans-serif;display:flex;flex-wrap:wrap}
nav.spml-nav a{color:#fff;margin-right:12px;text-decoration:none;white-space:nowrap}
nav.spml-nav a.here{font-weight:bold;text-decoration:underline}
figcaption.spml-cap{font:italic 13px sans-serif;color:#444;margin:2px 0 12px 0}
</style>"""


def sidebar_order(nbs:Path)->list:
    "Notebook names in the order of sidebar.yml (then any others, sorted)."
    names = []
    sb = nbs / 'sidebar.yml'
    if sb.exists():
        def walk(x):
            if isinstance(x, str): names.append(x)
            elif isinstance(x, dict): [walk(v) for v in x.values()]
            elif isinstance(x, list): [walk(v) for v in x]
        walk(yaml.safe_load(sb.read_text())['website']['sidebar']['contents'])
    return [Path(n).stem for n in names if n.endswith('.ipynb')]


def directives(src:str)->dict:
    "Quarto/nbdev `#| key: value` lines at the top of a code cell."
    out = {}
    for line in src.splitlines():
        m = re.match(r'\s*#\|\s*([\w-]+)\s*:?\s*(.*)', line)
        if not m: break
        out[m.group(1)] = m.group(2).strip()
    return out


def prepare(nb)->tuple:
    "Turn a processed notebook's Quarto markup into plain notebook features; returns (notebook, title, description)."
    title, desc, cells = None, '', []
    for c in nb.cells:
        src = c.source
        if c.cell_type == 'raw' and src.startswith('---'):          # front matter written by nbdev_proc_nbs
            fm = yaml.safe_load(src.strip().strip('-')) or {}
            title, desc = fm.get('title'), fm.get('description', '')
            head = f"# {title}\n\n> {desc}" if desc else f"# {title}"
            cells.append(nbformat.v4.new_markdown_cell(head)); continue
        if c.cell_type == 'raw': continue
        for o in c.get('outputs', []):                                   # show_doc output: Quarto link attributes
            md = o.get('data', {}).get('text/markdown')
            if md is not None:
                md = ''.join(md) if isinstance(md, list) else md
                md = re.sub(r'\{target="_blank"[^}]*\}', '', md)
                o['data']['text/markdown'] = '\n'.join(l for l in md.splitlines() if not l.startswith(':::'))
        if c.cell_type == 'markdown':
            c.source = '\n'.join(l for l in src.splitlines() if not l.startswith(':::'))
            if title is None:
                m = re.match(r'#\s+(.+)', c.source)
                if m: title = m.group(1).strip()
            cells.append(c); continue
        d = directives(src)
        if d.get('include') == 'false' or 'hide' in d or 'default_exp' in d: continue
        c.source = '\n'.join(l for l in src.splitlines() if not re.match(r'\s*#\|', l)).strip()
        tags = c.metadata.setdefault('tags', [])
        if not c.source and not c.get('outputs'): continue
        if d.get('echo') == 'false' or 'hide_input' in d or not c.source: tags.append('remove_input')
        if d.get('output') == 'false' or 'hide_output' in d: tags.append('remove_output')
        cells.append(c)
        if 'fig-cap' in d:
            cap = d['fig-cap'].strip('"\'')
            cells.append(nbformat.v4.new_markdown_cell(f'<figcaption class="spml-cap">{html.escape(cap)}</figcaption>'))
    nb.cells = cells
    return nb, title or 'untitled', desc


def proc_notebooks(nbs:Path, proc:Path, force:bool=False)->dict:
    "nbdev's docs processing of every notebook newer than its copy in `proc`; returns {name: error} of failures."
    import os
    from nbdev.serve import _proc_file
    from nbdev.serve_drv import main as proc_one
    proc.mkdir(exist_ok=True)
    for old in proc.glob('*.ipynb'):                   # a notebook renamed or removed in nbs/: no page for it
        if not (nbs / old.name).exists():
            old.unlink(); print(f"removed {old.relative_to(proc.parent)}: no {old.name} in {nbs.name}/", flush=True)
    failed = {}
    for src in sorted(nbs.glob('*.ipynb')):
        if force and (proc / src.name).exists(): (proc / src.name).unlink()
        job = _proc_file(src, proc, nbs)
        if job is None: continue                       # up to date
        t0 = time.time()
        try: proc_one(job)
        except Exception as e:
            failed[src.stem] = str(e).splitlines()[0][:200]
            (proc / src.name).unlink(missing_ok=True)
            print(f"processed {src.name}: FAILED ({failed[src.stem]}); the raw notebook is used", flush=True)
        else: print(f"processed {src.name} in {time.time() - t0:.0f} s", flush=True)
        finally: os.environ.pop('IN_TEST', None)
    return failed


def n_figures(nb)->int:
    "Number of image outputs (PNG/JPEG/SVG) left in a notebook."
    return sum(1 for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', [])
               for k in o.get('data', {}) if k.startswith('image/'))


class _ImgSrcs(HTMLParser):
    "The src of every <img> in an HTML page (entities resolved)."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.srcs = []
    def handle_starttag(self, tag, attrs):
        if tag == 'img':
            src = dict(attrs).get('src')
            if src is not None: self.srcs.append(src.strip())


def img_srcs(page_html:str)->list:
    p = _ImgSrcs()
    p.feed(page_html); p.close()
    return p.srcs


def local_path(src:str):
    "The relative file path of a linked picture's src (`images/x.png`), or None for data:/http:/absolute/empty srcs."
    if not src: return None
    u = urlsplit(src)
    if u.scheme or u.netloc or not u.path or u.path.startswith('/'): return None
    return posixpath.normpath(unquote(u.path))


def copy_linked(srcs:list, dirs:list, out:Path, copied:dict, page:str)->list:
    "Copy the relative-path pictures among `srcs` from the first of `dirs` that has them to `out`; returns their paths."
    rels = []
    for src in srcs:
        rel = local_path(src)
        if rel is None: continue
        rels.append(rel)
        if rel in copied: continue
        if rel == '..' or rel.startswith('../'):
            copied[rel] = None
            print(f"build_docs: WARNING: {page} links picture {src!r} outside the notebooks folder: not copied", flush=True)
            continue
        found = next((d / rel for d in dirs if (d / rel).is_file()), None)
        copied[rel] = found
        if found is None:
            print(f"build_docs: WARNING: {page} links picture {src!r}, which is not in {', '.join(map(str, dirs))}",
                  flush=True)
            continue
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(found, out / rel)
    return rels


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--no-proc', action='store_true', help='reuse _proc/ instead of running nbdev_proc_nbs')
    p.add_argument('--out', default=str(ROOT / '_site'), help='output folder (default: _site)')
    p.add_argument('--force', action='store_true', help='process every notebook again, even when _proc/ is newer')
    a = p.parse_args(argv)
    t0 = time.time()
    proc, out = ROOT / '_proc', Path(a.out)
    failed = {} if a.no_proc else proc_notebooks(ROOT / 'nbs', proc, a.force)
    if not proc.exists(): raise SystemExit(f"build_docs: {proc} does not exist: run without --no-proc first")
    have = {f.stem: f for f in proc.glob('*.ipynb')}
    for name in failed: have[name] = ROOT / 'nbs' / f'{name}.ipynb'          # raw notebook instead
    order = [n for n in sidebar_order(ROOT / 'nbs') if n in have]
    order += sorted(set(have) - set(order))
    if 'index' in order: order.remove('index'); order.insert(0, 'index')
    if out.exists(): shutil.rmtree(out)
    out.mkdir(parents=True)
    pages = []
    broken = {}                          # name -> why no page was written for it
    for name in order:
        try:
            nb = nbformat.read(have[name], as_version=4)
            nbformat.validate(nb, relax_add_props=True)     # as nbconvert does (nbdev adds keys)
        except Exception as e:           # e.g. a cell of an unknown type: nbconvert would stop the whole build
            broken[name] = ' '.join(str(e).split())[:160]
            print(f"build_docs: FAILED: {have[name].relative_to(ROOT)} is not a valid notebook ({broken[name]}): no page",
                  flush=True)
            continue
        nb, title, desc = prepare(nb)
        nb.metadata['title'] = title
        pages.append(dict(name=name, file=f'{name}.html', title=title, description=desc, nb=nb, figures=n_figures(nb),
                          processed=name not in failed))
    nav = '<nav class="spml-nav">' + ''.join(
        f'<a href="{q["file"]}" data-page="{q["name"]}" title="{html.escape(q["title"])}">{q["name"] if q["name"] != "index" else "spml_nb"}</a>'
        for q in pages) + '</nav>'
    exporter = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags={'remove_input'},
                                                         remove_cell_tags={'remove_cell'},
                                                         remove_all_outputs_tags={'remove_output'}), enabled=True)
    dirs = list(dict.fromkeys([ROOT / 'nbs', proc]))   # where linked pictures are looked up, relative paths kept
    copied = {}                                         # relative path -> source file (None: not found / outside)
    for q in pages:
        nb = q['nb']
        if q['name'] == 'index':     # the front page lists every chapter
            rows = '\n'.join(f'| [{r["title"]}]({r["file"]}) | {r["description"]} |' for r in pages if r['name'] != 'index')
            nb.cells.append(nbformat.v4.new_markdown_cell('## All pages of this site\n\n| page | summary |\n|---|---|\n' + rows))
        try: body, _ = exporter.from_notebook_node(nb)
        except Exception as e:
            broken[q['name']] = ' '.join(str(e).split())[:160]
            print(f"build_docs: FAILED: nbconvert could not convert {q['name']} ({broken[q['name']]}): no page", flush=True)
            continue
        here = nav.replace(f'data-page="{q["name"]}"', f'data-page="{q["name"]}" class="here"')
        body = body.replace('</head>', NAV_CSS + '\n</head>', 1)
        body = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + '\n' + here, body, count=1)
        rels = copy_linked(img_srcs(body), dirs, out, copied, q['file'])
        q['linked'], q['linked_files'] = len(rels), sorted(set(rels))
        (out / q['file']).write_text(body, encoding='utf-8')
    if 'index' not in have:             # no front page notebook: a plain list
        items = ''.join(f'<li><a href="{q["file"]}">{html.escape(q["title"])}</a> {html.escape(q["description"])}</li>' for q in pages)
        (out / 'index.html').write_text(f'<!doctype html><html><head><meta charset="utf-8"><title>spml_nb</title>{NAV_CSS}'
                                        f'</head><body>{nav}<h1>spml_nb</h1><ul>{items}</ul></body></html>')
    pages = [q for q in pages if q['name'] not in broken]
    for q in pages: q.setdefault('linked', 0); q.setdefault('linked_files', [])
    manifest = [{k: q[k] for k in ('name', 'file', 'title', 'figures', 'linked', 'linked_files', 'processed')} for q in pages]
    (out / 'manifest.json').write_text(json.dumps(manifest, indent=1))
    print(f"{'page':<20} {'figures':>7} {'linked':>6}  {'nbdev':>5}  title")
    for q in manifest:
        print(f"{q['file']:<20} {q['figures']:>7} {q['linked']:>6}  {'ok' if q['processed'] else 'RAW':>5}  {q['title']}")
    n_copied, missing = sum(v is not None for v in copied.values()), [k for k, v in copied.items() if v is None]
    print(f"built {len(pages)} pages with {sum(q['figures'] for q in pages)} figures and "
          f"{sum(q['linked'] for q in pages)} linked pictures ({n_copied} files copied"
          f"{', ' + str(len(missing)) + ' NOT FOUND: ' + ', '.join(missing) if missing else ''}) into {out} "
          f"in {time.time() - t0:.0f} s")
    if broken: print(f"build_docs: FAILED: no page for {', '.join(broken)} (see above)")
    return 1 if broken else 0


if __name__ == '__main__': raise SystemExit(main())
