"""Terraform's version constraints (`>= 5.0, < 6.0`, `~> 3.6`, `1.2.3`, `!= 1.4.0`), checked
without Terraform: which provider versions a folder finds locally match what a configuration
asks for, and whether this Terraform is one its `required_version` accepts.

A bare version means `=`; `~> 1.2` allows 1.2 up to (not including) 2.0, `~> 1.2.3` up to
1.3.0. A pre-release (`1.12.0-beta1`) matches only a constraint that names it exactly. A
constraint that cannot be read is `ValueError`: the caller leaves the decision to Terraform.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[\w.-]+)?$")
_CONSTRAINT = re.compile(r"^\s*(~>|>=|<=|!=|=|>|<)?\s*(\S+)\s*$")
Version = tuple[int, int, int, str]


def parse(text: str) -> tuple[Version, int]:
    """(major, minor, patch, pre-release) and how many numeric parts were written."""
    match = _VERSION.match(text.strip())
    if not match:
        raise ValueError(f"not a version: {text!r}")
    parts = [int(p) if p is not None else 0 for p in match.group(1, 2, 3)]
    written = sum(p is not None for p in match.group(1, 2, 3))
    return (parts[0], parts[1], parts[2], match.group(4) or ""), written


def _key(v: Version) -> tuple[int, int, int, int, str]:
    return v[0], v[1], v[2], 0 if v[3] else 1, v[3]  # a pre-release sorts before its release


def _one(version: Version, constraint: str) -> bool:
    match = _CONSTRAINT.match(constraint)
    if not match:
        raise ValueError(f"not a version constraint: {constraint!r}")
    op, (want, written) = match.group(1) or "=", parse(match.group(2))
    if version[3] and (op != "=" or version != want):
        return False
    have, bound = _key(version), _key(want)
    if op == "~>":
        upper = (want[0] + 1, 0, 0) if written <= 2 else (want[0], want[1] + 1, 0)
        return have >= bound and version[:3] < upper
    return {"=": have == bound, "!=": have != bound, ">": have > bound, ">=": have >= bound,
            "<": have < bound, "<=": have <= bound}[op]


def matches(version: str, constraints: Iterable[str]) -> bool:
    """Whether `version` meets every constraint (each may hold several, comma-separated)."""
    have, _ = parse(version)
    return all(_one(have, part) for text in constraints for part in text.split(",")
               if part.strip())
