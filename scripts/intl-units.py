#!/usr/bin/env python3
"""Writes worker/src/sandbox/globals/intl/unit_data.rs: CLDR's unit patterns for the
units ECMA-402 sanctions, for `Intl.NumberFormat`'s `style: 'unit'` (ICU4X has
names for five unit categories only, none for bytes, degrees or speeds).

The data comes from the `cldr-units-full` npm package, the Unicode Consortium's
JSON form of CLDR (Unicode License v3). Every locale's data is resolved already,
so the tables are interned rather than inherited: a locale names a row, a row
names one set of forms per unit and width, a set of forms names its strings.

    python3 scripts/intl-units.py            # fetches cldr-units-full with npm
    python3 scripts/intl-units.py DIR        # DIR holds an unpacked package
"""

import json
import os
import subprocess
import sys
import tempfile
import unicodedata

VERSION = "48.2.0"
OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "../worker/src/sandbox/globals/intl/unit_data.rs",
)
# ECMA-402's sanctioned simple units (its table 2).
SIMPLE = """acre bit byte celsius centimeter day degree fahrenheit fluid-ounce foot
gallon gigabit gigabyte gram hectare hour inch kilobit kilobyte kilogram kilometer
liter megabit megabyte meter microsecond mile mile-scandinavian milliliter millimeter
millisecond minute month nanosecond ounce percent petabyte pound second stone
terabit terabyte week yard year""".split()
WIDTHS = ["long", "short", "narrow"]
PLURALS = ["zero", "one", "two", "few", "many", "other"]


def fetch(tmp):
    subprocess.run(
        ["npm", "pack", "--silent", f"cldr-units-full@{VERSION}"],
        cwd=tmp,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        ["tar", "xzf", f"cldr-units-full-{VERSION}.tgz"], cwd=tmp, check=True
    )
    return os.path.join(tmp, "package")


def units_of(package, locale):
    with open(os.path.join(package, "main", locale, "units.json"), encoding="utf-8") as f:
        return json.load(f)["main"][locale]["units"]


def cldr_keys(english):
    """CLDR's key ("length-kilometer") for each unit, and the X-per-Y units of two
    sanctioned ones that CLDR names on their own ("speed-kilometer-per-hour")."""
    keys = {}
    for unit in SIMPLE:
        found = [k for k in english if k.split("-", 1)[1:] == [unit]]
        assert len(found) == 1, (unit, found)
        keys[unit] = found[0]
    for key in english:
        name = key.split("-", 1)[-1]
        parts = name.split("-per-")
        if len(parts) == 2 and all(p in SIMPLE for p in parts):
            keys[name] = key
    return keys


def rust_str(text):
    """A Rust string literal; invisible and non-ASCII space characters escaped."""

    def char(c):
        if c in '\\"':
            return "\\" + c
        if c != " " and unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            return f"\\u{{{ord(c):x}}}"
        return c

    return '"' + "".join(map(char, text)) + '"'


def numbers(values, per_line=16, indent="    "):
    return ",\n".join(
        indent + ", ".join(str(v) for v in values[i : i + per_line])
        for i in range(0, len(values), per_line)
    )


def main():
    with tempfile.TemporaryDirectory() as tmp:
        package = sys.argv[1] if len(sys.argv) > 1 else fetch(tmp)
        locales = sorted(os.listdir(os.path.join(package, "main")))
        with open(os.path.join(package, "LICENSE"), encoding="utf-8") as f:
            license_text = f.read()
        keys = cldr_keys(units_of(package, "en")["long"])
        units = sorted(keys)
        strings = {"": 0}
        forms = {}
        rows = {}
        locale_rows = []
        for locale in locales:
            data = units_of(package, locale)
            row = []
            for key in [keys[u] for u in units] + ["per"]:
                for width in WIDTHS:
                    entry = data[width].get(key, {})
                    texts = [entry.get("unitPattern-count-" + p) for p in PLURALS]
                    texts += [entry.get("perUnitPattern"), entry.get("compoundUnitPattern")]
                    form = tuple(strings.setdefault(t or "", len(strings)) for t in texts)
                    row.append(forms.setdefault(form, len(forms)))
            locale_rows.append((locale, rows.setdefault(tuple(row), len(rows))))

    text = "".join(strings)
    ends, at = [], 0
    for s in strings:
        at += len(s.encode("utf-8"))
        ends.append(at)
    columns = (len(units) + 1) * len(WIDTHS)
    out = [
        f"//! CLDR {VERSION}'s unit patterns (the `cldr-units-full` npm package), written",
        "//! by `scripts/intl-units.py`: do not edit by hand. The data's license:",
        "//!",
        *[("//! " + line).rstrip() for line in license_text.strip().splitlines()],
        "",
        f"/// The units with patterns of their own, sorted; `ROWS` has {len(WIDTHS)} columns",
        "/// (long, short, narrow) per unit in this order, then 3 for the \"per\" pattern.",
        f"pub static UNITS: [&str; {len(units)}] = [",
        numbers([rust_str(u) for u in units], 6) + ",",
        "];",
        "",
        "/// CLDR's locale ids, sorted, and the row each one's patterns are in.",
        f"pub static LOCALES: [(&str, u16); {len(locale_rows)}] = [",
        numbers([f"({rust_str(l)}, {r})" for l, r in locale_rows], 6) + ",",
        "];",
        "",
        "/// Per row and column, the index of a set of forms in `FORMS`.",
        f"pub static ROWS: [[u16; {columns}]; {len(rows)}] = [",
    ]
    for row in rows:
        out.append("    [\n" + numbers(list(row), 16, "        ") + ",\n    ],")
    out += [
        "];",
        "",
        "/// Per set of forms, the strings (0 = none) for the plural categories zero, one,",
        "/// two, few, many and other, then `perUnitPattern` and `compoundUnitPattern`.",
        f"pub static FORMS: [[u16; 8]; {len(forms)}] = [",
    ]
    out += [f"    [{', '.join(map(str, form))}]," for form in forms]
    out += [
        "];",
        "",
        "/// Where each string ends in `TEXT`; string `i` starts where `i - 1` ends.",
        f"pub static ENDS: [u32; {len(ends)}] = [",
        numbers(ends) + ",",
        "];",
        "",
        "/// Every string, one after another.",
        f"pub static TEXT: &str = {rust_str(text)};",
        "",
    ]
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print(
        f"{len(locale_rows)} locales, {len(rows)} rows, {len(forms)} forms, "
        f"{len(strings)} strings ({len(text.encode('utf-8'))} bytes) -> {os.path.relpath(OUT)}"
    )


if __name__ == "__main__":
    main()
