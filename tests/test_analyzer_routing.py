"""Each task gets the tier it deserves, on tasks written for this suite (description only)."""

from __future__ import annotations

import pytest
from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer

ANALYZER = TaskComplexityAnalyzer()


def tier(task: str) -> str:
    return ANALYZER.analyze_task(task).complexity_level.value


SIMPLE = [
    "Display the contents of the hosts file",
    "Which port does the admin console listen on?",
    "Just count the open incidents",
    "Rename the constant TIMEOUT_MS to REQUEST_TIMEOUT_MS",
    "Bump the chart version to 3.2.0",
    "Fix the typo in the footer",
    "Quick: show the free disk space on the runner",
    "Set the retry limit from 3 to 5 in settings.yaml",
    "First print the node version, then list the global packages",
    "Is the payments queue empty?",
    "Translate the button label to German",
    "Hello there!",
    "Zeige die offenen Tickets",
    "Muestra los registros de hoy",
    "Affiche la version de Python",
    "Convert 72 kilograms to pounds for the dosage form",
    "Get the current Kubernetes context",
    "Capitalize the heading in the changelog",
    "Add the missing comma in the example",
    "Fix the broken link in the contributing guide",
    "Where is the retry limit defined?",
]

MEDIUM = [
    "Implement rate limiting on the login endpoint",
    "Write unit tests for the invoice formatter",
    "Fix the crash when the avatar upload is empty",
    "Debugging the flaky checkout spec",
    "Review the pull request that adds webhooks",
    "Document the retry helper",
    "Spinner never stops on the orders page",
    "Add a --verbose flag, then update the help text",
    "Optimise this SQL query for the monthly report",
    "Write a migration that adds an index to the orders table",
    "Just fix the null check in the parser",
    "Why does the cron job run twice on Sundays?",
    "Behebe den Absturz beim Speichern",
    "Corrige el error de validación del formulario y añade una prueba",
    "Ajoute la pagination à la liste des commandes",
    "Refactor the parse_date helper to remove the duplicated branch",
    "Optimise this regex",
    "Design the tooltip for the save button",
    "Compare the two retry helpers",
]

COMPLEX = [
    "Re-architect the notification layer",
    "Redesigning the permissions model",
    "Refactoring, the whole ledger",
    "Plan the migration of every tenant database to the new cluster",
    "Optimise cold-start latency across the gateway, the auth service and the cache",
    "Print the current config and then redesign how services discover each other",
    "Just migrate the entire codebase to the new logging library",
    "Design the event schema for the analytics pipeline",
    "Conduct a security review of the payment platform",
    "Weigh building our own search against buying a hosted one, considering cost and lock-in",
    "Prove that there are infinitely many primes",
    "Prove that this recursive function terminates for every input",
    "Refactor the sorting function used across all services",
    "Propose a new architecture for the whole notification platform",
    "Estimate the expected loss of the loan book under a recession scenario",
    "Assess whether this indemnity clause is enforceable under the governing law",
    "A patient with diabetes and hypertension asks about switching medication; assess the "
    "interactions and justify a treatment plan",
    "Estimate the net present value of the project under two interest rate scenarios",
    "Entwirf die Architektur für die gesamte Zahlungsplattform",
    "Diseña la estrategia de despliegue para todos los servicios",
    "Refactorise l'ensemble du système de facturation",
]


@pytest.mark.parametrize("task", SIMPLE)
def test_simple_tasks(task):
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize("task", MEDIUM)
def test_medium_tasks(task):
    assert tier(task) == "MEDIUM"


@pytest.mark.parametrize("task", COMPLEX)
def test_complex_tasks(task):
    assert tier(task) == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    [
        "Check the authentication logs",  # "authentication" holds "then"
        "Show the latest release",  # "latest" holds "test"
        "Open the protested invoice",  # "protested" holds "test"
        "List the contestants",
    ],
)
def test_words_inside_words_do_not_fire(task):
    result = ANALYZER.analyze_task(task)
    assert result.analysis_details["estimated_steps"] == 1
    assert "testing" not in result.analysis_details["technical_indicators"]
    assert result.complexity_level.value == "SIMPLE"


def test_no_evidence_is_medium_not_simple():
    for task in ["Gremlins in the staging printer", "Tuesday", "???", "1234"]:
        assert tier(task) == "MEDIUM", task


def test_numbered_items_are_counted_as_steps():
    result = ANALYZER.analyze_task("1. Reproduce it.\n2. Fix it.\n3. Add a regression test.")
    assert result.analysis_details["estimated_steps"] == 3
    assert result.complexity_level.value == "MEDIUM"


def test_only_the_task_text_is_scored():
    # The analyzer sees the task; a long, demanding system prompt is
    # the agent's business and never passed in.
    assert tier("List the open pull requests") == "SIMPLE"
