"""Warm prompt lookup against assembling the prompt on every call, in the same run.

Run with ``python -m pytest benches/test_prompt_lookup_bench.py --benchmark-enable``.
The baseline is what a loader without precomputation does per call: cut the base
instructions into sections, join the template's sections with the role prompt and
estimate the tokens of both the prompt and the FULL prompt for the reduction.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from claude_pm.agents.base_agent_loader import (
    DEFAULT_SEPARATOR,
    PromptTemplate,
    build_agent_prompt,
    load_prompt_library,
    token_reduction_percentage,
)
from claude_pm.agents.prompt_files import parse_base_instructions, read_prompt_text
from claude_pm.tokens import estimate_tokens


def lookup() -> tuple[str, float]:
    return build_agent_prompt("engineer", PromptTemplate.STANDARD), token_reduction_percentage(
        "engineer", PromptTemplate.STANDARD
    )


@pytest.mark.benchmark(group="prompt for (agent, template)")
def test_precomputed_lookup(benchmark):
    prompt, reduction = benchmark(lookup)
    assert reduction > 0
    assert prompt.endswith(load_prompt_library().roles["engineer"])


@pytest.mark.benchmark(group="prompt for (agent, template)")
def test_baseline_assembly_per_call(benchmark):
    library = load_prompt_library()
    base_text = read_prompt_text(Path(library.origins["base_instructions"]))
    role = library.roles["engineer"]

    def assemble() -> tuple[str, float]:
        sections = parse_base_instructions(base_text, "base_instructions.md")

        def join(template: PromptTemplate) -> str:
            base = "\n\n".join(s.body for s in sections if template in s.templates)
            return f"{base}{DEFAULT_SEPARATOR}{role}"

        prompt = join(PromptTemplate.STANDARD)
        full_tokens = estimate_tokens(join(PromptTemplate.FULL))
        return prompt, round(100.0 * (1.0 - estimate_tokens(prompt) / full_tokens), 1)

    assert assemble() == lookup()
    benchmark(assemble)
