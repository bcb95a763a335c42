#!/usr/bin/env python3
"""zh_words.py REPORT.html... - fail when a Chinese report shows an English
word that is not on the allow-list.

Every text node of the page is read (chart titles, legends, axis labels,
hover titles, table headers and cells, the method), except:
  - inside <style>, and the document <title> (the model's name and the
    report's name; the <h1> shows the same name and is checked as data);
  - inside an element marked translate="no": text from outside the page's
    own words (the model's names and file, factor-table citations, ledger
    entries), shown as the user or the source wrote it.
ISO times (2024-01-01T00:00:00+08:00) and numbers in exponent form are
removed first. What remains may contain only units, abbreviations that are
the same in Chinese technical writing, and proper names (ALLOWED).
Prints each offending word with its context; exit 1 if there is one.
"""
import re
import sys
from html.parser import HTMLParser

ALLOWED = {
    # units
    "kWh", "MWh", "GWh", "kW", "MW", "MWp", "kWp", "W", "t", "kg", "kgce", "gce", "tce",
    "CO₂", "CO₂e", "CO2", "CO2e", "kgCO2", "kgCO2e", "tC", "GJ", "TJ", "CNY", "m3", "Nm3",
    "L", "h", "min",
    # abbreviations used as such in Chinese reports
    "PUE", "CUE", "WUE", "CFE", "IT", "GWP", "AR5", "AR6", "UTC", "MPC",
    # proper names
    "zeropark",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9₀-₉⁰-⁹]*")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?([+-]\d\d:\d\d|Z)?")
EXP = re.compile(r"\d(\.\d+)?e[+-]?\d+")


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, skip)
        self.bad = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        skip = (tag in ("style", "script") or (tag == "title" and "head" in [t for t, _ in self.stack])
                or a.get("translate") == "no")
        self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if any(skip for _, skip in self.stack):
            return
        text = EXP.sub(" ", ISO.sub(" ", data))
        for w in WORD.findall(text):
            if w not in ALLOWED:
                self.bad.append((w, data.strip()[:100]))


def main():
    status = 0
    for path in sys.argv[1:]:
        p = Page()
        p.feed(open(path, encoding="utf-8").read())
        seen = set()
        for w, ctx in p.bad:
            if (w, ctx) in seen:
                continue
            seen.add((w, ctx))
            print("%s: untranslated '%s' in: %s" % (path, w, ctx))
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
