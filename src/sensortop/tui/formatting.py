"""Numbers, ages and words as short, steady text for panels, status line and detail.

Everything that is cut to fit says so: a number loses significant digits (never
to a dangling ``23.``), text ends in ``…``. The whole text is on the detail screen.
"""

from __future__ import annotations

import math

from rich.cells import cell_len, set_cell_size

ELLIPSIS = "…"
NOTHING = "—"


def _plain(value: float) -> str:
    """The text a reading gets when there is room: decimals follow its size."""
    size = abs(value)
    if size != 0 and (size >= 1e6 or size < 1e-3):
        return _short_exponent(f"{value:.3g}")
    if size >= 1000:
        return f"{value:.0f}"
    if size >= 100:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _short_exponent(text: str) -> str:
    """``1.5e+07`` -> ``1.5e7``, ``2e-05`` -> ``2e-5``: the same number in fewer cells."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"


def format_value(value: float | None, width: int | None = None) -> str:
    """A reading in at most ``width`` cells (any width if None), as exact as fits.

    With room, decimals follow the size (``23.45``, ``0.730``, ``1013``); in less
    room the number keeps fewer significant digits, then goes to an exponent
    (``1.2e7``), and only when not even one digit fits is it ``…``. ``—`` is no
    value (None or NaN); infinities are ``∞`` / ``-∞``.
    """
    if value is None or math.isnan(value):
        text = NOTHING
    elif math.isinf(value):
        text = "∞" if value > 0 else "-∞"
    else:
        text = _plain(value + 0.0)  # + 0.0: no "-0.000"
        if width is not None and len(text) > width:
            text = _fit_number(value, width)
    if width is not None and (not text or len(text) > width):
        return ELLIPSIS[:max(width, 0)]
    return text


def _fit_number(value: float, width: int) -> str:
    """The most exact text for a finite ``value`` in ``width`` cells, or '' if none fits."""
    # Fixed point with fewer decimals, while the integer part fits.
    integer_digits = len(f"{abs(value):.0f}") + (value < 0)
    if integer_digits <= width:
        for decimals in range(max(0, width - integer_digits - 1), -1, -1):
            text = f"{value:.{decimals}f}"
            # A nonzero value never shows as 0: it goes to an exponent instead.
            if len(text) <= width and (float(text) != 0 or value == 0):
                return text
    # Exponent form with as many mantissa digits as fit.
    for digits in range(max(1, width), 0, -1):
        text = _short_exponent(f"{value:.{digits - 1}e}")
        if len(text) <= width:
            return text
    return ""


def fit_text(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending in ``…`` if it had to be cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + ELLIPSIS


def format_rate(per_second: float) -> str:
    """Readings per second: one decimal below 10/s (``4.6``), whole above (``1,250``)."""
    if per_second < 10:
        return f"{per_second:.1f}"
    return f"{per_second:,.0f}"


def format_age(seconds: float | None) -> str:
    """Age of the last good reading, coarse enough not to change every frame."""
    if seconds is None:
        return "never"
    if seconds < 1:
        return "<1 s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 86400:
        return f"{seconds // 3600:.0f} h {seconds % 3600 // 60:.0f} min"
    return f"{seconds // 86400:.0f} d"



def stats_line(minimum: float, maximum: float, mean: float, width: int) -> str:
    """``min 21.3  max 25.0  mean 23.4`` in ``width`` cells: tighter spacing first,
    then fewer digits per number (each gets a third of what is left)."""
    values = (minimum, maximum, mean)
    texts = [format_value(v) for v in values]
    for sep in ("  ", " "):
        labels = ("min ", f"{sep}max ", f"{sep}mean ")
        line = "".join(label + text for label, text in zip(labels, texts, strict=True))
        if len(line) <= width:
            return line
    room = max(1, (width - sum(map(len, labels))) // 3)
    texts = [format_value(v, room) for v in values]
    line = "".join(label + text for label, text in zip(labels, texts, strict=True))
    return fit_text(line, width)
