"""Print a Markdown table of token reduction per agent: MINIMAL and STANDARD against FULL.

Usage: ``python benches/token_reduction_table.py [--prompts-dir DIR]``. Tokens are
estimated with `claude_pm.tokens.estimate_tokens`; without ``--prompts-dir`` the
prompts come from ``CLAUDE_PM_PROMPTS_DIR`` or, when unset, from the package.
"""

from __future__ import annotations

import argparse
import statistics

from claude_pm.agents.base_agent_loader import AGENT_NAMES, PromptTemplate, prompt_tokens, token_reduction_percentage

__all__ = ["main", "reduction_table"]


def reduction_table(prompts_dir: str | None = None) -> str:
    """The Markdown table, one row per agent and a closing mean row."""
    rows = [
        "| agent | FULL tokens | MINIMAL tokens | MINIMAL reduction | STANDARD tokens | STANDARD reduction |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    reductions: dict[PromptTemplate, list[float]] = {PromptTemplate.MINIMAL: [], PromptTemplate.STANDARD: []}
    for agent in AGENT_NAMES:
        cells = [agent, str(prompt_tokens(agent, PromptTemplate.FULL, prompts_dir))]
        for template in (PromptTemplate.MINIMAL, PromptTemplate.STANDARD):
            reduction = token_reduction_percentage(agent, template, prompts_dir)
            reductions[template].append(reduction)
            cells += [str(prompt_tokens(agent, template, prompts_dir)), f"{reduction:.1f}%"]
        rows.append("| " + " | ".join(cells) + " |")
    minimal = statistics.mean(reductions[PromptTemplate.MINIMAL])
    standard = statistics.mean(reductions[PromptTemplate.STANDARD])
    rows.append(f"| **mean** | | | **{minimal:.1f}%** | | **{standard:.1f}%** |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts-dir", help="directory of prompt files overriding the packaged ones")
    print(reduction_table(parser.parse_args().prompts_dir))


if __name__ == "__main__":
    main()
