"""Colours that pass WCAG 2 AA: the contrast ratio, and pygments' default style darkened to reach it.

A feedback page shows code in pygments' classes (CSSHTMLHeaderPreprocessor writes their colours into the page):
with the default style, comments have 4.46:1 of contrast on the code's background and whitespace 2.2:1, under
the 4.5:1 that WCAG 2 AA asks of text. READABLE_CODE is that style with each colour darkened, its hue kept,
until it passes; config.py gives it to the feedback pages.
"""
from __future__ import annotations

from pygments.style import Style
from pygments.styles.default import DefaultStyle


def channels(colour: str) -> list[int]:
    """[red, green, blue], 0 to 255, of "#rgb" or "#rrggbb"."""
    digits = colour.lstrip("#")
    digits = "".join(2 * d for d in digits) if len(digits) == 3 else digits
    return [int(digits[k:k + 2], 16) for k in (0, 2, 4)]


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of "#rgb" or "#rrggbb"."""
    r, g, b = ((c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
               for c in channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable(colour: str, background: str, ratio: float) -> str:
    """`colour`, darkened toward black (its hue kept) until it has `ratio` of contrast on `background`."""
    red_green_blue = channels(colour)
    for step in range(101):
        candidate = "#" + "".join(f"{round(c * (1 - step / 100)):02x}" for c in red_green_blue)
        if contrast(candidate, background) >= ratio:
            return candidate
    return "#000000"


def readable_style(base: type[Style], background: str, ratio: float = 4.5) -> type[Style]:
    """The pygments style `base` with every text colour darkened to `ratio` of contrast on `background`."""
    def fixed(definition):
        return " ".join(readable(word, background, ratio) if word.startswith("#") else word
                        for word in definition.split())
    return type(f"Readable{base.__name__}", (base,), {"styles": {token: fixed(definition) for token, definition
                                                                 in base.styles.items()}})


# Code sits on bootstrap's #f5f5f5 (the darkest of the page's code backgrounds); a margin above 4.5:1, as the
# browser rounds. pygments' default colours give 2.2:1 (whitespace) to 4.46:1 (comments) there.
CODE_BACKGROUND = "#f5f5f5"
READABLE_CODE = readable_style(DefaultStyle, CODE_BACKGROUND, 4.6)
