"""Domains reserved for documentation (RFC 2606): no certificate for them ever validates."""

from __future__ import annotations

PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")


def is_placeholder(domain: str) -> bool:
    d = domain.lower().rstrip(".").lstrip("*.")
    return any(d == p or d.endswith("." + p) for p in PLACEHOLDER_DOMAINS)
