"""`prodstack audit --format`: one renderer per format, each from an `AuditResult` to text.

`text` and `json` are report.py's; `sarif` (SARIF 2.1.0, for code scanning), `junit` (JUnit
XML, for CI test reports) and `markdown` (a pull-request comment) have a module each here.
"""

from __future__ import annotations

import json

from prodstack.ops.audit import report
from prodstack.ops.audit.engine import AuditResult

FORMATS = ("text", "json", "sarif", "junit", "markdown")


def render(fmt: str, result: AuditResult, fail_on: str = "low") -> str:
    if fmt == "json":
        return json.dumps(report.to_json(result), indent=2)
    if fmt == "sarif":
        from prodstack.ops.audit.formats import sarif

        return json.dumps(sarif.to_sarif(result), indent=2)
    if fmt == "junit":
        from prodstack.ops.audit.formats import junit

        return junit.to_junit(result)
    if fmt == "markdown":
        from prodstack.ops.audit.formats import markdown

        return markdown.to_markdown(result, fail_on)
    return report.to_text(result)
