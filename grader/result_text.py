"""The readable report of a GradeResult, for terminals."""

from __future__ import annotations

import textwrap

from grader.results import GradeResult


def render(result: GradeResult) -> str:
    if result.status == "rejected":
        return f"{result.assignment}: REJECTED - {result.error}\n"
    lines = [f"{result.assignment}: {result.score:g} / {result.max_score:g}", ""]
    for check in result.checks:
        mark = "PASS" if check.passed else "FAIL"
        hidden = "  (hidden)" if check.hidden else ""
        lines.append(f"[{mark}] {check.name}  {check.score:g}/{check.max_score:g}{hidden}")
        for part in textwrap.wrap(check.message, 96):
            lines.append(f"       {part}")
    problems = [c for c in result.log.get("cells", []) if c.get("status") != "ok"]
    if problems:
        lines += ["", "While running your code:"]
        for cell in problems:
            if cell["status"] == "timeout":
                lines.append(
                    f"  {cell['name']}: stopped after its time budget ({cell.get('seconds')} s)"
                )
            else:
                err = cell.get("error") or {}
                where = f" at {err['where']}" if err.get("where") else ""
                lines.append(f"  {cell['name']}: {err.get('type')}: {err.get('message')}{where}")
    return "\n".join(lines) + "\n"
