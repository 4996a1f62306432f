"""Agent prompts: role prompts, sized base instructions and the agent loader facade."""
