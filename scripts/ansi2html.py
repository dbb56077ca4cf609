#!/usr/bin/env python3
"""Turn terminal text with ANSI SGR colours (as `tmux capture-pane -e -p` writes it)
into a standalone HTML page: one <pre>, one <span> per run of equal style.

Used by scripts/monitor-screenshot.sh to render the monitor for docs/monitor.png.

Usage: ansi2html.py [--title T] < screen.ansi > screen.html
"""

import argparse
import html
import re
import sys

# xterm's default 16 colours (normal, then bright).
BASIC = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
]
FG_DEFAULT = "#d0d0d0"
BG_DEFAULT = "#101418"


def xterm256(n):
    """The RGB colour of xterm-256 colour n, as #rrggbb."""
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (level, level, level)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def key(self):
        return (self.fg, self.bg, self.bold, self.dim, self.italic, self.underline, self.reverse)

    def css(self):
        fg, bg = self.fg or FG_DEFAULT, self.bg
        if self.reverse:
            fg, bg = (bg or BG_DEFAULT), fg
        out = []
        if fg != FG_DEFAULT:
            out.append("color:" + fg)
        if bg:
            out.append("background:" + bg)
        if self.bold:
            out.append("font-weight:bold")
        if self.dim:
            out.append("opacity:0.6")
        if self.italic:
            out.append("font-style:italic")
        if self.underline:
            out.append("text-decoration:underline")
        return ";".join(out)

    def apply(self, params):
        """Applies one SGR parameter list (ints)."""
        i = 0
        while i < len(params):
            p = params[i]
            if p == 0:
                self.reset()
            elif p == 1:
                self.bold = True
            elif p == 2:
                self.dim = True
            elif p == 3:
                self.italic = True
            elif p == 4:
                self.underline = True
            elif p == 7:
                self.reverse = True
            elif p == 22:
                self.bold = self.dim = False
            elif p == 23:
                self.italic = False
            elif p == 24:
                self.underline = False
            elif p == 27:
                self.reverse = False
            elif 30 <= p <= 37:
                self.fg = BASIC[p - 30]
            elif p == 39:
                self.fg = None
            elif 40 <= p <= 47:
                self.bg = BASIC[p - 40]
            elif p == 49:
                self.bg = None
            elif 90 <= p <= 97:
                self.fg = BASIC[p - 90 + 8]
            elif 100 <= p <= 107:
                self.bg = BASIC[p - 100 + 8]
            elif p in (38, 48) and i + 1 < len(params):
                if params[i + 1] == 5 and i + 2 < len(params):
                    colour = xterm256(params[i + 2])
                    i += 2
                elif params[i + 1] == 2 and i + 4 < len(params):
                    colour = "#%02x%02x%02x" % tuple(params[i + 2:i + 5])
                    i += 4
                else:
                    colour = None
                    i += 1
                if p == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1


SGR = re.compile(r"\x1b\[([0-9;:]*)m")
OTHER_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-ln-z]")


def convert(text):
    """The body of the <pre>: escaped text in styled spans."""
    text = OTHER_ESCAPE.sub("", text)
    style = Style()
    out = []
    pos = 0
    for m in SGR.finditer(text):
        chunk = text[pos:m.start()]
        if chunk:
            out.append((style.css(), chunk))
        params = [int(x) if x else 0 for x in re.split("[;:]", m.group(1))]
        style.apply(params)
        pos = m.end()
    if text[pos:]:
        out.append((style.css(), text[pos:]))
    body = []
    for css, chunk in out:
        chunk = html.escape(chunk)
        body.append('<span style="%s">%s</span>' % (css, chunk) if css else chunk)
    return "".join(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--title", default="seamless monitor")
    args = ap.parse_args()
    body = convert(sys.stdin.read())
    sys.stdout.write(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>%s</title><style>"
        "html,body{margin:0;background:%s}"
        "pre{margin:0;padding:12px;color:%s;font:14px/1.2 'DejaVu Sans Mono',monospace}"
        "</style></head><body><pre>%s</pre></body></html>\n"
        % (html.escape(args.title), BG_DEFAULT, FG_DEFAULT, body)
    )


if __name__ == "__main__":
    main()
