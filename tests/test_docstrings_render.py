"""The API reference renders without warnings: every public docstring is valid reST.

The book's API pages render these docstrings with Sphinx (autodoc + numpydoc); a docstring that
docutils rejects, or one inherited from scikit-learn or pandas that points at their own
documentation (``:ref:`metadata_routing```), becomes a warning in the build. This test finds
them in seconds, without building the book.
"""

from __future__ import annotations

import inspect
import io

import pytest

import kequn_lib as kq

docutils_core = pytest.importorskip("docutils.core")
docscrape = pytest.importorskip("numpydoc.docscrape_sphinx")


def _register_sphinx_markup() -> None:
    """Sphinx's roles and directives as no-ops, so plain docutils can check the rest."""
    from docutils.parsers.rst import Directive, directives, roles

    class _Any(dict):
        def __getitem__(self, key):
            return directives.unchanged

        def __contains__(self, key):
            return True

    class _Null(Directive):
        has_content = True
        optional_arguments = 10
        final_argument_whitespace = True
        option_spec = _Any()

        def run(self):
            return []

    for name in ("seealso", "autosummary", "rubric", "versionadded", "versionchanged",
                 "deprecated", "math", "currentmodule", "note", "warning", "plot"):
        directives.register_directive(name, _Null)

    def _role(name, rawtext, text, lineno, inliner, options=None, content=None):
        return [], []

    for name in ("class", "func", "meth", "attr", "obj", "ref", "mod", "data", "exc", "doc",
                 "math", "term"):
        roles.register_local_role(name, _role)


def _documented():
    """(name, docstring) of every public name and of the members autodoc shows for classes."""
    for name in kq.__all__:
        obj = getattr(kq, name)
        if inspect.isroutine(obj) or inspect.isclass(obj):
            yield name, inspect.getdoc(obj)
        elif type(obj).__module__ != "builtins":  # a constant: autodoc shows its __doc__
            yield name, inspect.getdoc(obj)
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for member, value in vars(obj).items():
                if not member.startswith("_") and callable(value):
                    yield f"{name}.{member}", inspect.getdoc(getattr(obj, member))


def test_every_public_docstring_is_valid_rest():
    _register_sphinx_markup()
    problems = []
    for name, doc in _documented():
        if not doc:
            problems.append(f"{name}: no docstring of its own")
            continue
        if ":ref:`" in doc:
            problems.append(f"{name}: inherits a docstring that links into another project's "
                            "documentation; write its own")
            continue
        text = str(docscrape.SphinxDocString(doc))
        stream = io.StringIO()
        docutils_core.publish_string(text, writer="null", settings_overrides={
            "report_level": 2, "warning_stream": stream, "halt_level": 5})
        if stream.getvalue().strip():
            problems.append(f"{name}: {stream.getvalue().strip().splitlines()[0]}")
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_broken_reference():
    _register_sphinx_markup()
    text = str(docscrape.SphinxDocString('Summary.\n\nParameters\n----------\nprefix : str, '
                                         'default=``"z_"``\n    Prefix.\n'))
    stream = io.StringIO()
    docutils_core.publish_string(text, writer="null", settings_overrides={
        "report_level": 2, "warning_stream": stream, "halt_level": 5})
    assert "Unknown target name" in stream.getvalue()
