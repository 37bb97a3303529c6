"Setup for spml_nb, generated from settings.ini (nbdev 2 layout, without pkg_resources)."
from configparser import ConfigParser
from pathlib import Path
import setuptools

cfg_path = Path(__file__).parent/'settings.ini'
config = ConfigParser(delimiters=['='])
config.read(cfg_path, encoding='utf-8')
cfg = config['DEFAULT']

expected = ('version description keywords author author_email license min_python status '
            'user lib_name git_url'.split())
missing = [o for o in expected if o not in cfg]
if missing: raise ValueError(f"settings.ini is missing the keys {missing}")

licenses = {'apache2': 'Apache-2.0'}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable',
            '6 - Mature', '7 - Inactive']
py_versions = '3.9 3.10 3.11 3.12 3.13'.split()

def split_reqs(key):
    "Space-separated requirement list `key` from settings.ini (commas inside a requirement are kept)."
    return cfg.get(key, '').split()

lic = licenses[cfg['license'].lower()]
min_python = cfg['min_python']
requirements = split_reqs('requirements')
dev_requirements = split_reqs('dev_requirements')
crf_requirements = split_reqs('crf_requirements')
scripts = [s.strip() for s in cfg.get('console_scripts', '').split('\n') if s.strip()]
readme = Path(__file__).parent/'README.md'

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    license=lic,
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title()] +
                ['Programming Language :: Python :: ' + v for v in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    include_package_data=True,
    install_requires=requirements,
    extras_require={'dev': dev_requirements, 'crf': crf_requirements},
    dependency_links=cfg.get('dep_links', '').split(),
    python_requires='>=' + min_python,
    long_description=readme.read_text(encoding='utf-8') if readme.exists() else cfg['description'],
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': scripts, 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    author=cfg['author'], author_email=cfg['author_email'], description=cfg['description'],
    keywords=cfg['keywords'],
)
