"""Sphinx configuration: numpydoc API pages, the pydata theme, a gallery of examples.

The gallery is built from ``examples/`` without running the scripts: their
figures and printed results are the committed outputs of a full run
(``make_figures.py``), so building the docs needs no network and no training.
"""

import skseq2seq

project = "skseq2seq"
author = "skseq2seq developers"
copyright = "2026, skseq2seq developers"
release = version = skseq2seq.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
html_title = f"skseq2seq {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]

# API pages: our own members, not the dozens sktime's base class brings
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# no network: links to other projects' docs are written out, not looked up
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "plot_gallery": "False",
    "download_all_examples": False,
    "remove_config_comments": True,
}
