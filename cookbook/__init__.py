"""The matderiv Cookbook: a printable PDF of the verified rules catalog.

Modules: :mod:`cookbook.catalog` (every access to matderiv's catalog), :mod:`cookbook.texmap`
(Unicode and notation), :mod:`cookbook.latex` (the LaTeX source), :mod:`cookbook.build`
(latexmk and the log check).  ``python -m cookbook`` (``nox -s cookbook``) builds
``build/matderiv-cookbook.pdf``.
"""
