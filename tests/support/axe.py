"""axe-core, from the test packages (tests/support/idp, `make node-packages`), run in a page that
Playwright has open: the violations a person using a screen reader, a keyboard or weak eyes
would meet, as lines a failing test can show.

The app's Content Security Policy runs only scripts that carry its nonce, so axe is not added
as a ``<script>`` tag: its source is evaluated through Playwright, which the policy does not
govern, once per loaded document.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_SOURCE = Path(__file__).parent / "idp" / "node_modules" / "axe-core" / "axe.min.js"
#: the impacts the issue holds every page to; "minor" and "moderate" are reported by axe too
BLOCKING = frozenset({"serious", "critical"})

# axe.run() answers a promise: only what the report needs crosses back into Python, each
# element's HTML with its first three classes (Quasar's long lists hide the rest)
_RUN = """async (rules) => {
    const shortened = (html) => html.replace(
        / class="([^"]*)"/, (_, names) => ` class="${names.split(" ").slice(0, 3).join(" ")}"`
    ).slice(0, 200);
    const options = {resultTypes: ["violations"]};
    if (rules.length) options.rules = Object.fromEntries(rules.map((id) => [id, {enabled: false}]));
    const result = await axe.run(document, options);
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({
            target: n.target.map(String).join(" "), html: shortened(n.html), impact: n.impact,
            summary: n.failureSummary,
        })),
    }));
}"""


@dataclass(frozen=True)
class Violation:
    """One axe rule failed on a page, with the elements that fail it."""

    rule: str
    impact: str
    help: str
    help_url: str
    #: each failing element: axe's CSS path and the start of its HTML
    targets: tuple[str, ...]
    summaries: tuple[str, ...]

    def __str__(self) -> str:
        lines = [f"{self.rule} ({self.impact}): {self.help} <{self.help_url}>"]
        for target, summary in zip(self.targets, self.summaries, strict=True):
            lines.append(f"    {target}")
            lines.extend(f"        {line}" for line in summary.splitlines() if line.strip())
        return "\n".join(lines)


@cache
def axe_source() -> str:
    if not AXE_SOURCE.exists():
        raise FileNotFoundError(f"{AXE_SOURCE} is missing: run `make node-packages`")
    return AXE_SOURCE.read_text()


def serious_violations(page: Page, *, skip_rules: tuple[str, ...] = ()) -> list[Violation]:
    """The serious and critical axe violations of the document ``page`` shows now (axe
    loaded into it first if needed); ``skip_rules`` are axe rule ids not run at all."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    found: list[dict[str, Any]] = page.evaluate(_RUN, list(skip_rules))
    violations = []
    for item in found:
        nodes = [node for node in item["nodes"] if node["impact"] in BLOCKING]
        if nodes:
            violations.append(
                Violation(
                    rule=item["id"],
                    impact=item["impact"],
                    help=item["help"],
                    help_url=item["helpUrl"],
                    targets=tuple(f"{node['target']}  {node['html']}" for node in nodes),
                    summaries=tuple(node["summary"] or "" for node in nodes),
                )
            )
    return violations


def report(violations: list[Violation]) -> str:
    """The violations as a failing test shows them: one rule a paragraph."""
    return "\n".join(str(violation) for violation in violations)
