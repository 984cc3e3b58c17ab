"""Making Data Count style icons as small inline SVGs (and how an icon is chosen).

Variation (from the latest SPC point): grey = common cause, blue = special cause
improvement, orange = special cause concern, purple = special cause where neither
direction is better; the letter says whether the run is High or Low.
Assurance (process limits against the target): blue P = will consistently pass,
orange F = will consistently fail, grey ? = hit or miss.

Every icon carries a ``<title>`` and an ``aria-label``, and the letter makes it
readable in black and white print.
"""

from dataclasses import dataclass
from html import escape
from typing import Any

from pipelines.dashboard.fmt import is_missing

BLUE = "#005EB8"  # NHS blue: improvement / assurance pass
# NHS orange (#ED8B00) has only 2.5:1 contrast on white; this darker orange has 5.7:1 on
# white and 5.1:1 on its light fill, so points, rings and letters pass WCAG 2.2 AA.
ORANGE = "#A34F00"  # concern / assurance fail
GREY = "#768692"  # NHS mid grey (3.7:1 on white): common cause / hit or miss
GREY_TEXT = "#425563"  # NHS dark grey: the letters of grey icons (text needs 4.5:1)
PURPLE = "#330072"  # NHS purple: special cause, neither direction better
LIGHT = {BLUE: "#E3EEF8", ORANGE: "#FDF0DC", GREY: "#EEF1F3", PURPLE: "#EBE5F2"}


@dataclass(frozen=True)
class Icon:
    code: str
    colour: str
    letter: str  # 'H', 'L', 'P', 'F', '?' or '' (common cause)
    label: str
    kind: str  # 'variation' or 'assurance'
    trend: int = 0  # +1 points rising, -1 falling, 0 flat (variation icons only)


VARIATION_ICONS: dict[str, Icon] = {
    "common_cause": Icon("common_cause", GREY, "", "Common cause variation", "variation"),
    "improvement_high": Icon("improvement_high", BLUE, "H",
                             "Special cause variation: improvement (high values)",
                             "variation", 1),
    "improvement_low": Icon("improvement_low", BLUE, "L",
                            "Special cause variation: improvement (low values)", "variation", -1),
    "concern_high": Icon("concern_high", ORANGE, "H",
                         "Special cause variation: concern (high values)", "variation", 1),
    "concern_low": Icon("concern_low", ORANGE, "L",
                        "Special cause variation: concern (low values)", "variation", -1),
    "neither_high": Icon("neither_high", PURPLE, "H",
                         "Special cause variation: high values (neither better nor worse)",
                         "variation", 1),
    "neither_low": Icon("neither_low", PURPLE, "L",
                        "Special cause variation: low values (neither better nor worse)",
                        "variation", -1),
}

ASSURANCE_ICONS: dict[str, Icon] = {
    "pass": Icon("pass", BLUE, "P", "Assurance: the process will consistently meet the target",
                 "assurance"),
    "fail": Icon("fail", ORANGE, "F",
                 "Assurance: the process will consistently fail the target", "assurance"),
    "hit_or_miss": Icon("hit_or_miss", GREY, "?",
                        "Assurance: the process will hit or miss the target at random",
                        "assurance"),
}

POINT_COLOURS = {
    "common_cause": GREY,
    "special_cause_improvement": BLUE,
    "special_cause_concern": ORANGE,
    "special_cause_neither": PURPLE,
}


def _text(value: Any) -> str | None:
    if is_missing(value):
        return None
    s = str(value).strip().lower()
    return s or None


def choose_variation_icon(variation_icon: Any = None, *, point_type: Any = None,
                          value: Any = None, mean: Any = None) -> Icon | None:
    """The variation icon for the latest SPC point.

    The published ``variation_icon`` wins; without it the icon is derived from the
    point's ``point_type`` and which side of the mean the point lies.
    """
    code = _text(variation_icon)
    if code in VARIATION_ICONS:
        return VARIATION_ICONS[code]
    ptype = _text(point_type)
    if ptype is None:
        return None
    if ptype == "common_cause":
        return VARIATION_ICONS["common_cause"]
    if is_missing(value) or is_missing(mean):
        return None
    side = "high" if float(value) >= float(mean) else "low"
    kind = {"special_cause_improvement": "improvement", "special_cause_concern": "concern",
            "special_cause_neither": "neither"}.get(ptype)
    return VARIATION_ICONS[f"{kind}_{side}"] if kind else None


def choose_assurance_icon(assurance_icon: Any = None, *, lower_limit: Any = None,
                          upper_limit: Any = None, target: Any = None,
                          target_type: Any = None, derive: bool = False) -> Icon | None:
    """The assurance icon: the published ``assurance_icon`` or, with ``derive``, from limits.

    ``target_type`` 'min' means the value should be at least the target (pass when the
    lower limit is above it), 'max' at most (pass when the upper limit is below it).
    """
    code = _text(assurance_icon)
    if code in ASSURANCE_ICONS:
        return ASSURANCE_ICONS[code]
    if code is not None or not derive:
        return None
    if any(is_missing(x) for x in (lower_limit, upper_limit, target)):
        return None
    lo, hi, t = float(lower_limit), float(upper_limit), float(target)
    ttype = _text(target_type)
    if ttype == "min":
        code = "pass" if lo >= t else "fail" if hi < t else "hit_or_miss"
    elif ttype == "max":
        code = "pass" if hi <= t else "fail" if lo > t else "hit_or_miss"
    else:
        return None
    return ASSURANCE_ICONS[code]


def icon_svg(icon: Icon | None, size: int = 32) -> str:
    """The icon as inline SVG (an empty string for no icon)."""
    if icon is None:
        return ""
    c = icon.colour
    text = GREY_TEXT if c == GREY else c
    label = escape(icon.label)
    parts = [
        f'<svg class="icon icon-{icon.kind}" data-icon="{escape(icon.code)}" '
        f'width="{size}" height="{size}" viewBox="0 0 40 40" role="img" '
        f'aria-label="{label}"><title>{label}</title>',
        f'<circle cx="20" cy="20" r="18" fill="{LIGHT[c]}" stroke="{c}" stroke-width="3"/>',
    ]
    if icon.kind == "variation":
        # a little run of dots: flat for common cause, rising or falling at the end otherwise
        if icon.trend > 0:
            ys = [27, 28, 26, 20, 14]
        elif icon.trend < 0:
            ys = [13, 12, 14, 20, 26]
        else:
            ys = [21, 25, 21, 25, 21]
        pts = " ".join(f"{9 + i * 5.5:.1f},{y}" for i, y in enumerate(ys))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{GREY}" '
                     f'stroke-width="1.5"/>')
        for i, y in enumerate(ys):
            fill = c if (icon.trend != 0 and i >= 3) else GREY
            parts.append(f'<circle cx="{9 + i * 5.5:.1f}" cy="{y}" r="2.6" fill="{fill}"/>')
        if icon.letter:
            y = 17 if icon.trend > 0 else 32
            parts.append(f'<text x="13" y="{y}" text-anchor="middle" font-size="14" '
                         f'font-weight="700" font-family="Arial, sans-serif" '
                         f'fill="{text}">{icon.letter}</text>')
    else:
        parts.append(f'<text x="20" y="26.5" text-anchor="middle" font-size="19" '
                     f'font-weight="700" font-family="Arial, sans-serif" '
                     f'fill="{text}">{escape(icon.letter)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def legend_html() -> str:
    """A key to every icon, for the top of each page."""
    items = []
    for icon in [*VARIATION_ICONS.values(), *ASSURANCE_ICONS.values()]:
        items.append(f'<li>{icon_svg(icon, 24)}<span>{escape(icon.label)}</span></li>')
    return '<ul class="legend">' + "".join(items) + "</ul>"
