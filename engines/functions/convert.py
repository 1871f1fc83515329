"""CONVERT: Excel's unit table, its metric and binary prefixes, and temperature scales.

Each unit maps to (size in its group's base unit, whether it takes a prefix). A prefix on a
squared or cubed unit scales by its square or cube (``cm2`` is 1e-4 ``m2``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engines.coerce import to_text
from engines.errors import ExcelError
from engines.functions.registry import Call, Table, numeric, register
from engines.values import Value

FUNCTIONS: Table = {}

UNITS: dict[str, dict[str, tuple[float, bool]]] = {
    "mass": {
        "g": (1, True),
        "sg": (14593.902937206363, False),
        "lbm": (453.59237, False),
        "u": (1.660538782e-24, True),
        "ozm": (28.349523125, False),
        "grain": (0.06479891, False),
        "cwt": (45359.237, False),
        "shweight": (45359.237, False),
        "uk_cwt": (50802.34544, False),
        "lcwt": (50802.34544, False),
        "hweight": (50802.34544, False),
        "stone": (6350.29318, False),
        "ton": (907184.74, False),
        "uk_ton": (1016046.9088, False),
        "LTON": (1016046.9088, False),
        "brton": (1016046.9088, False),
    },
    "distance": {
        "m": (1, True),
        "mi": (1609.344, False),
        "Nmi": (1852, False),
        "in": (0.0254, False),
        "ft": (0.3048, False),
        "yd": (0.9144, False),
        "ang": (1e-10, True),
        "ell": (1.143, False),
        "ly": (9460730472580800, True),
        "parsec": (3.0856775812815532e16, True),
        "pc": (3.0856775812815532e16, True),
        "Picapt": (0.0003527777777777778, False),
        "Pica": (0.0003527777777777778, False),
        "pica": (0.004233333333333334, False),
        "survey_mi": (1609.3472186944373, False),
    },
    "time": {
        "yr": (31557600, False),
        "day": (86400, False),
        "d": (86400, False),
        "hr": (3600, False),
        "mn": (60, False),
        "min": (60, False),
        "sec": (1, True),
        "s": (1, True),
    },
    "pressure": {
        "Pa": (1, True),
        "p": (1, True),
        "atm": (101325, True),
        "at": (101325, True),
        "mmHg": (133.322, True),
        "psi": (6894.757293168362, False),
        "Torr": (133.32236842105263, False),
    },
    "force": {
        "N": (1, True),
        "dyn": (1e-05, True),
        "dy": (1e-05, True),
        "lbf": (4.4482216152605005, False),
    },
    "energy": {
        "J": (1, True),
        "e": (1e-07, True),
        "c": (4.184, True),
        "cal": (4.1868, True),
        "eV": (1.602176487e-19, True),
        "ev": (1.602176487e-19, True),
        "HPh": (2684519.537696173, False),
        "hh": (2684519.537696173, False),
        "Wh": (3600, True),
        "wh": (3600, True),
        "flb": (1.3558179483314003, False),
        "BTU": (1055.05585262, False),
        "btu": (1055.05585262, False),
    },
    "power": {
        "HP": (745.6998715822702, False),
        "h": (745.6998715822702, False),
        "PS": (735.49875, False),
        "W": (1, True),
        "w": (1, True),
    },
    "magnetism": {
        "T": (1, True),
        "ga": (0.0001, True),
    },
    "volume": {
        "tsp": (0.00492892159375, False),
        "tspm": (0.005, False),
        "tbs": (0.01478676478125, False),
        "oz": (0.0295735295625, False),
        "cup": (0.2365882365, False),
        "pt": (0.473176473, False),
        "us_pt": (0.473176473, False),
        "uk_pt": (0.56826125, True),
        "qt": (0.946352946, False),
        "uk_qt": (1.1365225, False),
        "gal": (3.785411784, False),
        "uk_gal": (4.54609, False),
        "l": (1, True),
        "L": (1, True),
        "lt": (1, True),
        "ang3": (1e-27, True),
        "ang^3": (1e-27, True),
        "barrel": (158.987294928, False),
        "bushel": (35.23907016688, False),
        "ft3": (28.316846592, False),
        "ft^3": (28.316846592, False),
        "in3": (0.016387064, False),
        "in^3": (0.016387064, False),
        "ly3": (8.467866646237152e50, False),
        "ly^3": (8.467866646237152e50, False),
        "m3": (1000, True),
        "m^3": (1000, True),
        "mi3": (4168181825440.5796, False),
        "mi^3": (4168181825440.5796, False),
        "yd3": (764.554857984, False),
        "yd^3": (764.554857984, False),
        "Nmi3": (6352182208000, False),
        "Nmi^3": (6352182208000, False),
        "Picapt3": (4.39039566186557e-08, False),
        "Picapt^3": (4.39039566186557e-08, False),
        "Pica3": (4.39039566186557e-08, False),
        "Pica^3": (4.39039566186557e-08, False),
        "regton": (2831.6846592, False),
        "MTON": (1132.67386368, False),
    },
    "area": {
        "uk_acre": (4046.8564224, False),
        "us_acre": (4046.8726098742522, False),
        "ang2": (1e-20, True),
        "ang^2": (1e-20, True),
        "ar": (100, True),
        "ft2": (0.09290304, False),
        "ft^2": (0.09290304, False),
        "ha": (10000, False),
        "in2": (0.00064516, False),
        "in^2": (0.00064516, False),
        "ly2": (8.95054210748189e31, False),
        "ly^2": (8.95054210748189e31, False),
        "m2": (1, True),
        "m^2": (1, True),
        "Morgen": (2500, False),
        "mi2": (2589988.110336, False),
        "mi^2": (2589988.110336, False),
        "Nmi2": (3429904, False),
        "Nmi^2": (3429904, False),
        "Picapt2": (1.2445216049382715e-07, False),
        "Pica2": (1.2445216049382715e-07, False),
        "Pica^2": (1.2445216049382715e-07, False),
        "Picapt^2": (1.2445216049382715e-07, False),
        "yd2": (0.83612736, False),
        "yd^2": (0.83612736, False),
    },
    "information": {
        "bit": (1, True),
        "byte": (8, True),
    },
    "speed": {
        "admkn": (1853.184, False),
        "kn": (1852.0000000000002, False),
        "m/h": (1, True),
        "m/hr": (1, True),
        "m/s": (3600, True),
        "m/sec": (3600, True),
        "mph": (1609.344, True),
    },
}
TEMPERATURES: dict[str, tuple[float, float, bool]] = {
    # unit: (kelvin per degree, kelvin at zero degrees, takes a prefix)
    "C": (1.0, 273.15, False),
    "cel": (1.0, 273.15, False),
    "F": (5 / 9, 273.15 - 32 * 5 / 9, False),
    "fah": (5 / 9, 273.15 - 32 * 5 / 9, False),
    "K": (1.0, 0.0, True),
    "kel": (1.0, 0.0, True),
    "Rank": (5 / 9, 0.0, False),
    "Reau": (1.25, 273.15, False),
}
PREFIXES = {
    "Y": 1e24,
    "Z": 1e21,
    "E": 1e18,
    "P": 1e15,
    "T": 1e12,
    "G": 1e9,
    "M": 1e6,
    "k": 1e3,
    "h": 1e2,
    "da": 1e1,
    "e": 1e1,
    "d": 1e-1,
    "c": 1e-2,
    "m": 1e-3,
    "u": 1e-6,
    "n": 1e-9,
    "p": 1e-12,
    "f": 1e-15,
    "a": 1e-18,
    "z": 1e-21,
    "y": 1e-24,
}
BINARY_PREFIXES = {
    "ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
    "Zi": 2.0**70,
    "Yi": 2.0**80,
}
_BY_UNIT = {
    unit: (group, size, prefixed)
    for group, units in UNITS.items()
    for unit, (size, prefixed) in units.items()
}


def _power(unit: str) -> int:
    return 3 if unit.endswith("3") else 2 if unit.endswith("2") else 1


def resolve(unit: str) -> tuple[str, float, float] | None:
    """(group, scale, offset) turning one ``unit`` into its group's base unit, or None."""
    for prefix, factor in [("", 1.0), *PREFIXES.items(), *BINARY_PREFIXES.items()]:
        if not unit.startswith(prefix):
            continue
        bare = unit[len(prefix) :]
        binary = prefix in BINARY_PREFIXES
        if bare in TEMPERATURES and not binary:
            scale, offset, prefixed = TEMPERATURES[bare]
            if prefix and not prefixed:
                continue
            return "temperature", scale * factor, offset
        found = _BY_UNIT.get(bare)
        if found is None or (prefix and not found[2]):
            continue
        group, size, _ = found
        if binary and group != "information":
            continue
        return group, size * factor ** _power(bare), 0.0
    return None


@register(FUNCTIONS, "CONVERT", 3)
def convert(call: Call, args: Sequence[Value]) -> Value:
    xp = call.xp
    for arg in args[1:]:
        if arg.err is not None and bool(np.asarray(arg.err != 0).any()):
            return Value(arg.num, arg.err, arg.kind, arg.text)
    source = resolve(str(to_text(xp, args[1]).reshape(-1)[0]))
    target = resolve(str(to_text(xp, args[2]).reshape(-1)[0]))
    if source is None or target is None or source[0] != target[0]:
        return numeric(xp, args[:1], lambda x: x * xp.nan, ExcelError.NA, strict=True)
    (_, scale_in, offset_in), (_, scale_out, offset_out) = source, target
    return numeric(
        xp, args[:1], lambda x: (x * scale_in + offset_in - offset_out) / scale_out, strict=True
    )
