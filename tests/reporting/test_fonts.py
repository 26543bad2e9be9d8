"""Chinese in the charts is real text, not tofu: the packaged CJK font is found, covers every Chinese string the
report shows, and draws each character differently from the font's "missing glyph" box (.notdef)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.ft2font import FT2Font

from reporting.charts import ChartStyle, cjk_font_file, find_cjk_font, packaged_font_files
from reporting.i18n import KPI_LABELS, STRINGS

UNASSIGNED = "\u0378"  # no font maps it: its glyph is .notdef


def _bitmap(font: FT2Font, text: str) -> np.ndarray:
    font.set_size(32, 72)
    font.set_text(text, 0.0)
    font.draw_glyphs_to_bitmap()
    return np.asarray(font.get_image()).copy()


def chinese_chars() -> set[str]:
    texts = [*STRINGS["zh-CN"].values(), *KPI_LABELS["zh-CN"].values()]
    return {ch for text in texts for ch in text if ord(ch) > 0x2E7F}


def test_a_cjk_font_ships_with_the_project_and_is_chosen():
    assert packaged_font_files(), "pylopdf-fonts-zh-cn (Noto Sans SC) is a dependency: run make"
    assert find_cjk_font() == "Noto Sans SC"
    assert cjk_font_file() in packaged_font_files() or "NotoSansSC" in cjk_font_file()
    style = ChartStyle("zh-CN")
    assert style.localized and style.families == ("Noto Sans SC",)


def test_every_chinese_character_of_the_report_has_a_glyph():
    font = FT2Font(cjk_font_file())
    chars = chinese_chars()
    assert len(chars) > 200  # the report's Chinese strings
    missing = sorted(ch for ch in chars if font.get_char_index(ord(ch)) == 0)
    assert not missing, missing
    assert font.get_char_index(ord(UNASSIGNED)) == 0  # the check can fail: an unmapped character is 0


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_chinese_is_not_drawn_as_the_missing_glyph_box():
    from matplotlib import font_manager

    font = FT2Font(cjk_font_file())
    tofu = _bitmap(font, UNASSIGNED)  # what a character the font lacks looks like (blank or a box)
    drawn = {ch: _bitmap(font, ch) for ch in "社群周报健康分活跃成员"}
    for ch, image in drawn.items():
        assert image.any(), ch
        assert not (image.shape == tofu.shape and np.array_equal(image, tofu)), f"{ch} is drawn as .notdef"
    assert len({img.tobytes() for img in drawn.values()}) == len(drawn)  # each character its own glyph
    # the same comparison catches tofu: a font without Chinese draws 社 exactly as its own .notdef
    latin = FT2Font(font_manager.findfont("DejaVu Sans"))
    assert np.array_equal(_bitmap(latin, "社"), _bitmap(latin, UNASSIGNED))
