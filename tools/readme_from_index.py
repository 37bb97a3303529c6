"Write README.md from nbs/index.ipynb without Quarto: markdown cells as they are, visible code cells fenced, text outputs fenced."
import json, re, sys
from pathlib import Path

def main(nb_path='nbs/index.ipynb', out='README.md'):
    nb = json.loads(Path(nb_path).read_text())
    parts = []
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown':
            parts.append(re.sub(r'\]\((images/)', r'](nbs/\1', src))   # pictures live in nbs/images
        elif c['cell_type'] == 'code' and not re.match(r'\s*#\|\s*(hide|export)', src):
            parts.append('```python\n' + src.strip() + '\n```')
            texts = [''.join(o.get('text', '')) or ''.join(o.get('data', {}).get('text/plain', ''))
                     for o in c.get('outputs', []) if o.get('output_type') == 'execute_result' or o.get('name') == 'stdout']
            texts = [t for t in texts if t.strip()]
            if texts: parts.append('    ' + '\n'.join(texts).strip().replace('\n', '\n    '))
    Path(out).write_text('<!-- written from nbs/index.ipynb by tools/readme_from_index.py; edit the notebook -->\n\n'
                         + '\n\n'.join(parts) + '\n')

if __name__ == '__main__': main(*sys.argv[1:])
