"""Chinese text renders: a CJK font is found or registered, and no glyph goes missing."""

from __future__ import annotations

import io
import warnings

import matplotlib.pyplot as plt
import pytest

import kequn_lib as kq


def test_use_theme_puts_a_cjk_font_first():
    family = kq.use_theme()
    assert plt.rcParams["font.sans-serif"][0] == family
    assert plt.rcParams["axes.unicode_minus"] is False


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_chinese_renders_without_missing_glyphs(fmt):
    kq.use_theme()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would raise
        fig, ax = plt.subplots()
        ax.set_title("客群经营：金卡客户与私人银行 −12%")
        ax.set_xlabel("资产 (万元)")
        fig.savefig(io.BytesIO(), format=fmt)


def test_importing_kequn_changes_no_global_option():
    import subprocess
    import sys

    code = (
        "import matplotlib as m; before = dict(m.rcParams); import kequn_lib; "
        "changed = [k for k, v in m.rcParams.items() if before[k] != v]; print(changed)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_use_theme_rejects_unknown_context():
    with pytest.raises(kq.ParameterError, match="context='huge'.*'paper'"):
        kq.use_theme("huge")


def test_plot_functions_return_axes(customers):
    kq.use_theme()
    _fig, axes = plt.subplots(1, 4)
    assert kq.plot_mix(customers, x="bank", hue="region", ax=axes[0]) is axes[0]
    assert kq.plot_take_up(customers, flags=["has_loan"], by="bank", ax=axes[1]) is axes[1]
    assert kq.plot_aum_distribution(customers, ax=axes[2]) is axes[2]
    assert kq.plot_lorenz(customers, x="aum", hue="bank", ax=axes[3]) is axes[3]
    with pytest.raises(kq.SchemaError, match="missing column.*'segment'"):
        kq.plot_mix(customers, x="bank", hue="segment")


def test_no_cjk_font_anywhere_gives_the_kequn_message(monkeypatch):
    """A machine with no CJK system font and without the bundled font package gets the
    KequnError that says what to install, not an ImportError from inside kequn."""
    import sys

    from matplotlib import font_manager

    from kequn_lib.plots import _theme

    no_cjk = [f for f in font_manager.fontManager.ttflist
              if f.name not in _theme._SYSTEM_CJK_FAMILIES]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", no_cjk)
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)  # import raises ImportError
    _theme.cjk_font.cache_clear()
    try:
        with pytest.raises(kq.KequnError, match="No CJK font found: install the package "
                           "'pylopdf-fonts-zh-cn'"):
            kq.use_theme()
    finally:
        _theme.cjk_font.cache_clear()
