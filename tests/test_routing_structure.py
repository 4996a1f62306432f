"""Classes of wording the router must get right whatever the words: question forms,
greetings, proofs, clause-scoped triviality, system scope, prefixes and hyphens,
nouns that look like verbs, clitics, and scripts written without spaces."""

from __future__ import annotations

import pytest
from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer

ANALYZER = TaskComplexityAnalyzer()


def tier(task: str) -> str:
    return ANALYZER.analyze_task(task).complexity_level.value


def tier_and_action(task: str) -> tuple[str, str]:
    """The tier and the winning action's signal (the first signal)."""
    result = ANALYZER.analyze_task(task)
    return result.complexity_level.value, result.signals[0][0]


def signal_kinds(task: str) -> set[str]:
    """The kinds of signal a task fired ("scope", "tradeoff", "domain", ...)."""
    return {name.split(":")[0] for name, _ in ANALYZER.analyze_task(task).signals}


@pytest.mark.parametrize(
    "task",
    [
        "when did the nightly pipeline last go green?",
        "is the payments queue backed up right now?",
        "Which region hosts the search cluster?",
        "who approved the last change to the firewall rules",
        "how many pods are pending in the batch namespace?",
        "is the billing replica caught up",
        "¿Cuándo caducó el certificado del balanceador?",
        "Wann lief der Export zuletzt durch?",
        "Quelle version de Node tourne en recette ?",
        "支付服务现在是哪个版本？",
        "ステージングの DB はいつ再起動しましたか？",
    ],
)
def test_questions_about_a_state_or_a_fact_are_look_ups(task: str):
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("Why does the importer skip rows with an empty SKU?", "MEDIUM"),
        ("Should we move the session store to Redis, and what are the trade-offs?", "COMPLEX"),
        ("Is it legal to keep call recordings for ten years under the GDPR?", "COMPLEX"),
        ("can you look at why the nightly export times out?", "MEDIUM"),
    ],
)
def test_questions_that_ask_for_judgement_are_not_look_ups(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task",
    [
        "good afternoon!",
        "thanks a lot",
        "ok, got it",
        "Danke dir!",
        "merci beaucoup",
        "¡gracias!",
        "谢谢",
        "ありがとうございます",
        "감사합니다",
    ],
)
def test_greetings_and_acknowledgements_are_simple(task: str):
    assert tier(task) == "SIMPLE"


def test_a_greeting_does_not_hide_a_reported_problem():
    assert tier("hi there, the checkout page crashes on submit") == "MEDIUM"


@pytest.mark.parametrize(
    "task",
    [
        "Show that every finite group of prime order is cyclic.",
        "Demonstrate that the lock-free stack is linearizable.",
        "Formally verify the two-phase commit protocol in TLA+.",
        "Derive the closed form of the recurrence T(n) = 2T(n/2) + n.",
        "Montrez que la suite converge.",
        "证明这个调度算法不会饿死任何任务。",
    ],
)
def test_proofs_are_complex_whatever_their_first_word(task: str):
    assert tier(task) == "COMPLEX"


def test_a_quick_question_does_not_pull_down_a_system_change_in_the_next_sentence():
    task = "Quick one: how many topics do we have? Then migrate all of them to the new broker."
    assert tier(task) == "COMPLEX"


def test_triviality_counts_in_its_own_clause():
    assert tier("Just rename the flag use_cache to cache_enabled.") == "SIMPLE"
    assert tier("Rename the flag. Then redesign the caching across the platform.") == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    [
        "Build an event-streaming platform for the data teams",
        "Develop a plugin framework for the desktop app",
        "Add request signing to every service",
        "Move the data layer from MongoDB to PostgreSQL",
    ],
)
def test_a_build_verb_with_system_scope_is_cross_component_work(task: str):
    assert tier(task) == "COMPLEX"


@pytest.mark.parametrize(
    ("task", "unit"),
    [
        ("Add request signing to every internal service", "service"),
        ("Add mutual TLS to all production clusters", "clusters"),
        ("Füge allen internen Diensten eine Anfragesignatur hinzu", "diensten"),
        ("Añade trazas a todos nuestros servicios", "servicios"),
        ("Ajoute une signature des requêtes à chaque environnement de test", "environnement"),
        ("给所有的后端服务都加上请求签名", "服务"),
        ("すべてのバックエンドサービスにリクエスト署名を追加して", "サービス"),
        ("모든 백엔드 서비스에 요청 서명을 추가해 주세요", "서비스"),
    ],
)
def test_a_quantifier_makes_the_unit_of_a_system_after_it_system_wide(task: str, unit: str):
    result = ANALYZER.analyze_task(task)
    assert ("scope:" + unit) in dict(result.signals), result.signals
    assert result.complexity_level.value == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    [
        "Add request signing to the billing service",  # no quantifier
        "Add a check for each dependency that the billing service calls",  # too far after it
        "Every morning it is slow. Add request signing to the service.",  # another sentence
    ],
)
def test_a_unit_without_a_quantifier_reaching_it_is_not_system_scope(task: str):
    signals = dict(ANALYZER.analyze_task(task).signals)
    assert not any(name.startswith("scope:") for name in signals), signals


@pytest.mark.parametrize(
    "task",
    [
        "Re-architect the notification pipeline",
        "Re-platform the reporting stack onto Kubernetes",
        "De-couple the billing and shipping services from the monolith",
    ],
)
def test_hyphenated_prefixes_join_their_verb(task: str):
    assert tier(task) == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    [
        "did the smoke tests pass on the release branch?",
        "Tail the build log of the last nightly run",
        "Which commit added the audit log table?",
        "Open the design doc for the cache",
    ],
)
def test_nouns_that_look_like_verbs_do_not_raise_a_look_up(task: str):
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        "Corrige la errata del título: dice «Instalacion» y debería ser «Instalación».",
        "Corrige la coquille du titre : il devrait être « Installation ».",
    ],
)
def test_a_modal_before_be_states_the_right_value(task: str):
    # "debería ser" / "devrait être" weigh nothing: the typo fix stays a typo fix.
    assert tier_and_action(task) == ("SIMPLE", "action:corrige")


def test_a_modal_that_asks_still_weighs():
    assert tier("¿Deberíamos migrar todos los servicios a Kubernetes?") == "COMPLEX"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("Add a retry to the webhook client with a sensible backoff.", ("MEDIUM", "action:add")),
        ("Write the onboarding guide for a new product designer.", ("MEDIUM", "action:write")),
        ("Is it sensible to split the billing service into three?", ("MEDIUM", "action:sensible")),
    ],
)
def test_an_adjective_or_a_noun_that_looks_like_a_judgement_or_a_design_is_neither(
    task: str, expected: tuple[str, str]
):
    assert tier_and_action(task) == expected


def test_a_past_form_describes_a_state_not_a_request():
    assert tier("Which files did you refactor yesterday? List them.") == "SIMPLE"
    assert tier("Which files were refactored yesterday?") == "SIMPLE"
    assert tier("Did you redesign the whole retry policy?") == "SIMPLE"
    # "did" reaches a few words: the request after it still counts, and so does a "why".
    assert tier("Why did you redesign the cache layer for every service?") == "COMPLEX"
    assert tier("The deploy did finish. Now redesign the retry policy for every service.") == "COMPLEX"


def test_spanish_clitics_and_stress_marks_are_normalised():
    assert tier("Muéstrame los pods del namespace de pagos") == "SIMPLE"
    assert tier("Refactorízalo entero para separar el dominio de la infraestructura") == "COMPLEX"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("把整个支付系统从单体迁移到微服务架构", "COMPLEX"),
        ("列出所有运行中的容器", "SIMPLE"),
        ("登录接口报错了，帮我排查一下", "MEDIUM"),
        ("認証基盤全体をリファクタリングして", "COMPLEX"),
        ("ログを確認して", "SIMPLE"),
        ("결제 서비스 전체를 재설계해 주세요", "COMPLEX"),
    ],
)
def test_scripts_without_spaces_are_segmented_by_the_vocabulary(task: str, expected: str):
    result = ANALYZER.analyze_task(task)
    assert result.complexity_level.value == expected
    assert any(name.startswith("action:") for name, _ in result.signals)


def test_quoted_text_is_a_literal_not_an_instruction():
    assert tier('Set the commit message to "redesign the whole platform"') == "SIMPLE"
    assert tier("Rename the job `migrate_all_tenants` to `tenant_sync`") == "SIMPLE"
    assert tier('Migrate the tenants to the new cluster, then tag it "done"') != "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        "Kafka, Pulsar or Kinesis for the clickstream? Compare delivery guarantees and running cost.",
        "Terraform oder Pulumi für die neue Landing Zone? Vergleiche Lernkurve und Zustandshaltung.",
        "¿Postgres o DynamoDB para el catálogo? Compara coste, consultas y operación.",
        "Monorepo ou multirepo pour les douze équipes ? Compare outillage, CI et droits d'accès.",
    ],
)
def test_a_question_that_offers_alternatives_weighs_them(task: str):
    assert tier(task) == "COMPLEX"
    assert "tradeoff" in signal_kinds(task)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("Is the canary red or green?", "SIMPLE"),
        ("Restart or redeploy the ingest worker.", "SIMPLE"),
        ("Compare the two CSV exports. Use pandas or polars.", "MEDIUM"),
    ],
)
def test_or_outside_a_weighing_question_adds_nothing(task: str, expected: str):
    result = ANALYZER.analyze_task(task)
    assert result.complexity_level.value == expected
    assert not any(name.startswith("tradeoff:") for name, _ in result.signals)


@pytest.mark.parametrize(
    "task",
    [
        "Which squad owns the Okta integration?",
        "which tag is the hotfix on",
        "Who reviewed the cleanup of the fixtures?",
        "Wer betreut die Jira-Integration?",
        "Wer pflegt die Slack-Integration?",
        "Thanks for the writeup!",
        "Danke für die Zusammenfassung!",
        "Gracias por el resumen.",
        "Merci pour la revue du code !",
        "Danke für das Review!",
        "¿Quién se encarga de la integración con Okta?",
    ],
)
def test_work_nouns_a_fact_question_asks_about_are_not_work(task: str):
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("How do I write the integration test for the webhook?", "MEDIUM"),
        ("What would the migration of all 40 services to Kubernetes involve?", "COMPLEX"),
        ("Can you write the integration for the billing webhook?", "MEDIUM"),
        ("Which job fails and how do I fix the build?", "MEDIUM"),
        ("Who owns the dashboards and can they add the integration for billing?", "MEDIUM"),
        ("Thanks! Now write the integration for billing.", "MEDIUM"),
    ],
)
def test_work_asked_for_in_a_question_still_counts(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("Define the word idempotent.", "SIMPLE"),
        ("Define the event schema and API contracts between the checkout, billing and shipping services.", "MEDIUM"),
    ],
)
def test_define_is_an_edit_that_reaches_across_a_system_with_scope(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected", "action"),
    [
        ("Danach brauchen wir einen Plan, wie alle Dienste auf Kubernetes umziehen.", "COMPLEX", "action:plan"),
        ("Zuerst brauch ich eine Analyse der Cloud-Kosten.", "MEDIUM", "action:analyse"),
        # Whom the work is for, too.
        ("Give me a summary of the incident channel from last night.", "MEDIUM", "action:summary"),
        ("Do us a review of the retry logic in the worker.", "MEDIUM", "action:review"),
    ],
)
def test_a_pronoun_after_a_light_verb_keeps_its_object_the_work(task: str, expected: str, action: str):
    result = ANALYZER.analyze_task(task)
    assert result.complexity_level.value == expected
    assert action in dict(result.signals)


@pytest.mark.parametrize(
    "task",
    [
        "Is the staging deploy broken?",
        "Which consumers are failing right now?",
        "¿Cuántos jobs fallaron anoche?",
        "Ist der Export-Job abgestürzt?",
    ],
)
def test_a_question_about_a_malfunction_is_a_status_check(task: str):
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        "Hi, the export job crashes on every run.",
        "Why is the staging deploy broken?",
        "How do we deal with the consumer crashing on malformed events?",
        "Is the staging deploy broken? It fails with an OOM since yesterday.",
    ],
)
def test_a_malfunction_stated_or_asked_about_with_why_or_how_is_work(task: str):
    assert tier(task) == "MEDIUM"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("Setz den Default-Port im Helm-Chart von 80 auf 8080.", "SIMPLE"),
        ("Toggle the dark-mode flag in settings.json.", "SIMPLE"),
        ("Rename the cert-expiry check to tls-expiry.", "SIMPLE"),
    ],
)
def test_the_second_half_of_a_hyphenated_compound_is_a_noun(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("ステージング設定の LOG_LEVEL を WARN に変更して", "SIMPLE"),
        ("把我写的那段注释删掉", "SIMPLE"),
        ("全サービスの移行計画を立ててください", "COMPLEX"),
        ("배포된 이미지 태그가 뭐야?", "SIMPLE"),
        ("실패한 테스트들 목록 보여줘", "SIMPLE"),
        ("설정에서 로그 레벨 확인해 줘", "SIMPLE"),
        ("レビューされたPRの一覧を見せて", "SIMPLE"),
        ("모든 서비스의 배포 파이프라인을 재설계해 주세요", "COMPLEX"),
    ],
)
def test_a_word_before_a_noun_particle_modifies_a_noun(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            "Cierra la incidencia rediseñando el flujo de reintentos de todos los servicios.",
            ("COMPLEX", "action:rediseñando"),
        ),
        ("Documenta el módulo de pagos explicando cada parámetro.", ("MEDIUM", "action:documenta")),
        (
            "Termine la migration en restructurant les dépendances entre tous les services.",
            ("COMPLEX", "action:en restructurant"),
        ),
        ("Corrige le test en refactorisant le parseur de toute la plateforme.", ("COMPLEX", "action:en refactorisant")),
    ],
)
def test_a_gerund_names_the_work_it_does(task: str, expected: tuple[str, str]):
    assert tier_and_action(task) == expected


def test_a_french_adjective_ending_like_a_gerund_is_not_one():
    # Only "en" + the -ant form is a gerund: "important" and "restaurant" stay words.
    assert tier("C'est important de garder le restaurant ouvert.") == "MEDIUM"
    assert signal_kinds("C'est important de garder le restaurant ouvert.") == {"no_action"}


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("In which namespace does the billing worker run?", "SIMPLE"),
        ("Seit wann ist das Feature-Flag für den Checkout aktiv?", "SIMPLE"),
        ("¿En qué rama está el hotfix de la 3.2?", "SIMPLE"),
        ("In which order should we migrate all services to the new cluster, and how do we roll back?", "COMPLEX"),
    ],
)
def test_a_question_word_after_an_opening_preposition_opens_the_question(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task", ["c'est quoi la commande pour vider le cache ?", "C'est quand, la mise en prod du correctif ?"]
)
def test_a_french_question_asked_in_place_after_cest_is_a_look_up(task: str):
    assert tier(task) == "SIMPLE"


def test_a_cue_after_a_separable_particle_ends_its_clause():
    # "durch" before "und" ends the clause: "geh ... durch" is "durchgehen", a review.
    task = "Geh bitte den Merge Request für das Login durch und schreib mir, was auffällt."
    assert tier_and_action(task) == ("MEDIUM", "action:durchgehen")


@pytest.mark.parametrize(
    ("one", "many"),
    [
        ("Migrate the nightly script from cron to Airflow.", "Migrate the nightly scripts from cron to Airflow."),
        ("Redesign the retry helper.", "Redesign the retry helpers."),
    ],
)
def test_a_narrow_unit_bounds_the_work_only_in_the_singular(one: str, many: str):
    assert tier(one) == "MEDIUM"
    assert tier(many) == "COMPLEX"
    assert "narrow" not in signal_kinds(many)


def test_a_narrow_unit_after_a_distributive_does_not_bound_the_work():
    bounded = ANALYZER.analyze_task("Redesign the sharding key of the orders table.")
    distributed = ANALYZER.analyze_task("Redesign the sharding key per table.")
    assert any(name.startswith("narrow:") for name, _ in bounded.signals)
    assert not any(name.startswith("narrow:") for name, _ in distributed.signals)
    assert distributed.complexity_score > bounded.complexity_score


@pytest.mark.parametrize(
    ("one", "every"),
    [
        ("重构这个函数的错误处理", "重构所有函数的错误处理"),
        ("この画面を React に移行する計画を立てて", "すべての画面を React に移行する計画を立てて"),
        ("이 페이지를 React로 마이그레이션하는 계획 세워줘", "모든 페이지를 React로 마이그레이션하는 계획 세워줘"),
    ],
)
def test_a_narrow_unit_after_a_quantifier_in_a_script_without_plurals_is_every_unit(one: str, every: str):
    # Chinese, Japanese and Korean nouns have no plural: the quantifier says "all".
    assert tier(one) == "MEDIUM"
    assert tier(every) == "COMPLEX"
    assert "narrow" not in signal_kinds(every)


def test_a_narrow_unit_ruled_out_does_not_bound_the_work():
    bounded = ANALYZER.analyze_task("Rework the dependency injection of the module.")
    ruled_out = ANALYZER.analyze_task("Rework dependency injection so that no module reads the global config.")
    assert any(name.startswith("narrow:") for name, _ in bounded.signals)
    assert not any(name.startswith("narrow:") for name, _ in ruled_out.signals)


@pytest.mark.parametrize(
    "task",
    [
        "Which file holds the session code? Next, redesign how sessions are stored and expire.",
        "Count the rows in the orders table first. Then redesign how orders are sharded and replicated.",
        "Zeig mir zuerst die Datei mit dem Login-Code. Danach entwirf eine neue Architektur für die Anmeldung.",
    ],
)
def test_a_narrow_unit_bounds_only_the_actions_of_its_own_clause(task: str):
    result = ANALYZER.analyze_task(task)
    assert not any(name.startswith("narrow:") for name, _ in result.signals), result.signals
    assert result.complexity_level.value == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    ["Redesign the retry helper function.", "Redesign how retries work. Only the one helper function."],
)
def test_a_narrow_unit_in_the_actions_clause_or_in_a_clause_without_one_bounds_it(task: str):
    result = ANALYZER.analyze_task(task)
    assert ("narrow:helper", -25) in result.signals
    assert result.complexity_level.value == "MEDIUM"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("Evaluate read replicas, a cache tier, query rewrites and sharding for the reporting load.", "COMPLEX"),
        ("Analysiere Read-Replicas, einen Cache, Query-Rewrites und Sharding für die Reporting-Last.", "COMPLEX"),
        ("Analyze why the nightly export is slow.", "MEDIUM"),
    ],
)
def test_analysis_over_a_list_of_options_weighs_alternatives(task: str, expected: str):
    result = ANALYZER.analyze_task(task)
    assert result.complexity_level.value == expected
    assert ("options" in dict(result.signals)) == (expected == "COMPLEX")


@pytest.mark.parametrize(
    ("task", "action"),
    [
        ("No rediseñes nada, solo renombra el flag enable_beta.", "action:renombra"),
        ("Ne change rien, renomme seulement la variable TIMEOUT.", "action:renomme"),
        ("不要重构，只把变量 TIMEOUT 改名", "action:改名"),
    ],
)
def test_a_negation_ends_with_its_clause(task: str, action: str):
    result = ANALYZER.analyze_task(task)
    assert action in dict(result.signals), result.signals
    assert result.complexity_level.value == "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        "Don't touch the architecture; rename the TIMEOUT variable in settings.py.",
        "No toques la arquitectura, solo cambia el timeout a 30 segundos.",
        "Ne touche pas à l'architecture, change juste le timeout à 30 secondes.",
    ],
)
def test_a_system_scope_that_is_ruled_out_is_not_asked_for(task: str):
    result = ANALYZER.analyze_task(task)
    assert not any(name.startswith("scope:") for name in dict(result.signals)), result.signals
    assert result.complexity_level.value == "SIMPLE"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("What liability do we have if the vendor leaks customer data?", "COMPLEX"),
        ("If a customer withdraws consent, what do we still owe them under the GDPR?", "COMPLEX"),
        ("What happens to the cached sessions if we restart Redis?", "MEDIUM"),
        ("Was passiert mit laufenden Verträgen, wenn der Anbieter insolvent wird?", "MEDIUM"),
    ],
)
def test_a_condition_in_a_question_asks_to_reason_about_it(task: str, expected: str):
    result = ANALYZER.analyze_task(task)
    assert result.complexity_level.value == expected
    assert result.signals[0][0] in {"action:if", "action:wenn"}


@pytest.mark.parametrize(
    "task",
    [
        "Do you know if the deploy finished?",
        "Any idea if the staging cluster is up?",
        "¿Sabes si ya terminó el deploy?",
        "Tu sais si le build de nuit est passé ?",
        # A condition outside a question asks for nothing to reason about.
        "If the nightly build failed, tell me which job.",
    ],
)
def test_if_after_a_verb_of_knowing_asks_whether_and_stays_a_look_up(task: str):
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        "Pull up the migration plan from last quarter.",
        "Open the architecture review notes from Tuesday.",
        "Muéstrame el informe de la auditoría de seguridad.",
    ],
)
def test_work_nouns_in_the_object_of_a_fetch_name_what_to_fetch(task: str):
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        # A light verb's object is the work asked for.
        "Give a proof that the square root of 2 is irrational.",
        # Weighing words are not verbs: what is shown has to be worked out.
        "Show the trade-offs between Kafka and Pulsar for our event bus.",
        # A conjunction ends the object, in every language: the redesign is asked for.
        "Find the slow query and redesign the indexing strategy for the whole reporting database.",
        "Öffne das Dashboard und entwirf ein neues Alerting-Konzept für alle Dienste.",
    ],
)
def test_work_asked_for_beside_a_fetch_still_counts(task: str):
    assert tier(task) == "COMPLEX"


def test_a_clitic_ending_is_stripped_only_to_find_a_verb():
    # "sqlite" is not the domain term "sqli" with the clitic "te".
    signals = dict(ANALYZER.analyze_task("Use SQLite for the local cache.").signals)
    assert not any(name.startswith("domain:") for name in signals)
    assert dict(ANALYZER.analyze_task("revísalo").signals) != {"no_action": 50}


@pytest.mark.parametrize(
    "task",
    [
        "Apply the new retry headers to all services across all teams.",
        "Aplica la nueva política de logs a todos los servicios de todos los equipos.",
    ],
)
def test_an_edit_across_the_services_of_every_team_is_cross_component_work(task: str):
    assert tier(task) == "COMPLEX"


def test_a_quantified_unit_counts_as_one_scope_term():
    signals = [name for name, _ in ANALYZER.analyze_task("Apply the new header to every service.").signals]
    assert [name for name in signals if name.startswith("scope:")] == ["scope:service"]
    assert tier("Apply the new header to every service.") == "MEDIUM"


def test_a_french_prefix_with_an_accent_joins_the_verb_after_its_hyphen():
    signals = dict(ANALYZER.analyze_task("Dé-couple le module de paiement du reste de l'application.").signals)
    assert "action:découple" in signals


@pytest.mark.parametrize(
    "task",
    [
        "共通ライブラリ全体のリファクタリングはしなくていいので、この関数の null チェックだけ直して",
        "マイクロサービス全体の再設計は要らない。決済 API のタイムアウトを直して",
        "아키텍처는 재설계할 필요 없고, 로그인 API 의 타임아웃만 고쳐 주세요",
    ],
)
def test_a_negation_after_what_it_rules_out_withdraws_it(task: str):
    assert tier(task) == "MEDIUM"
    assert "scope" not in signal_kinds(task)


def test_a_negated_report_of_a_malfunction_is_still_a_report():
    assert tier("アプリが起動しないです") == "MEDIUM"


@pytest.mark.parametrize(
    ("task", "expected", "verb"),
    [
        ("Leite die Formel für den Zinseszins her.", "COMPLEX", "action:herleiten"),
        ("Schlag eine Caching-Strategie für alle Dienste vor.", "COMPLEX", "action:vorschlagen"),
        ("Zeig die letzten fünf Commits auf main an, bitte.", "SIMPLE", "action:anzeigen"),
        ("Liste alle Pods im Namespace billing auf.", "SIMPLE", "action:auflisten"),
    ],
)
def test_a_german_particle_at_the_end_of_its_clause_joins_the_verb(task: str, expected: str, verb: str):
    assert tier_and_action(task) == (expected, verb)


@pytest.mark.parametrize(
    "task",
    [
        "Fass die Architektur nicht an, benenne nur die Variable um.",
        "Bau das System nicht um, ändere nur den Port.",
    ],
)
def test_nicht_before_a_separable_particle_rules_out_the_verb_and_its_object(task: str):
    assert tier(task) == "SIMPLE"
    assert "scope" not in signal_kinds(task)


def test_a_particle_inside_its_clause_is_a_preposition():
    # "um" is followed by more of the clause: it does not make "stell" "umstellen".
    signals = dict(ANALYZER.analyze_task("Stell den Export um zehn Uhr bereit.").signals)
    assert "action:umstellen" not in signals
    assert "action:umstellen" in dict(ANALYZER.analyze_task("Stell den Export auf Parquet um.").signals)


@pytest.mark.parametrize(
    ("task", "expected", "verb"),
    [
        ("Trouve-moi le lien vers la doc de l'API de paiement.", "SIMPLE", "action:trouve"),
        ("Montre-moi le schéma d'architecture du wiki.", "SIMPLE", "action:montre"),
        ("J'ai un conflit dans src/app.py, résous-le en gardant les deux versions.", "MEDIUM", "action:résous"),
    ],
)
def test_a_french_imperative_before_a_hyphened_pronoun_is_a_verb(task: str, expected: str, verb: str):
    assert tier_and_action(task) == (expected, verb)


@pytest.mark.parametrize(
    "task",
    [
        "Explain the competing hypotheses for why the latency regressed and which data would separate them.",
        "Bewerte die konkurrierenden Ansätze für das Caching der Suchergebnisse.",
    ],
)
def test_competing_explanations_or_designs_are_alternatives_to_weigh(task: str):
    assert tier(task) == "COMPLEX"
    assert "tradeoff" in signal_kinds(task)


@pytest.mark.parametrize(
    ("task", "verb"),
    [
        ("Haz un tail de los últimos 50 errores del log de la API.", "action:tail"),
        ("fais un tail de /var/log/syslog sur web-02 stp", "action:tail"),
    ],
)
def test_do_and_make_in_spanish_french_and_german_are_light_verbs(task: str, verb: str):
    # The noun after "haz un", "fais un" names the work; here a look-up.
    assert tier_and_action(task) == ("SIMPLE", verb)


@pytest.mark.parametrize("task", ["本番の証明書はいつ切れますか？", "先月の見積書を送って"])
def test_a_document_named_by_the_work_it_records_is_a_noun(task: str):
    # "証明書" is a certificate, not a proof; "見積書" a quote, not an estimate to make.
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        "When is the migration of the billing database scheduled?",
        "Who reviewed the architecture of the event bus?",
        "Wer ist für die Migration der Datenbank zuständig?",
    ],
)
def test_a_question_for_a_person_a_place_or_a_time_asks_about_the_work_it_names(task: str):
    assert tier(task) == "SIMPLE"


def test_work_asked_for_after_a_question_for_a_time_still_counts():
    assert tier("When should we migrate the billing system to Postgres?") == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    [
        "整个支付系统的重构谁来负责？",
        "マイグレーションの手順書はどこにありますか",
        "결제 시스템 재설계 문서 어디 있어?",
    ],
)
def test_a_question_word_after_the_work_it_asks_about_in_scripts_without_spaces(task: str):
    # The question word closes what it asks about: the verbs before it are its topic.
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize("task", ["谁能帮我重构整个支付系统？", "全サービスの認証をどこから作り直すべきか計画して"])
def test_work_asked_for_after_a_question_word_in_scripts_without_spaces_still_counts(task: str):
    assert tier(task) == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    [
        "Just the header colour on the status page, nothing more.",
        "Nur die Überschrift auf der Statusseite in Blau, bitte.",
        "バックアップ設定の保持日数を 14 日にするだけでいいです",
    ],
)
def test_a_triviality_word_alone_takes_a_task_without_an_action_below_the_default(task: str):
    # No action word was found: "only", "nur", "だけ" are the one measure of the work.
    assert tier(task) == "SIMPLE"
    assert "no_action" in signal_kinds(task)


def test_a_triviality_word_does_not_pull_down_a_system_wide_task_without_an_action():
    task = "Just the whole platform's logging, across all 30 services, onto OpenTelemetry."
    assert tier(task) != "SIMPLE"
    assert "trivial" not in signal_kinds(task)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("결제 서비스 보안 감사 진행해 주세요", "COMPLEX"),
        ("정말 감사했습니다", "SIMPLE"),
        ("모두 감사드립니다", "SIMPLE"),
    ],
)
def test_korean_gamsa_is_an_audit_and_its_longer_forms_are_thanks(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task",
    ["帮我 review 一下 PR #77 的重试逻辑", "麻烦 debug 一下，登录接口是不是挂了"],
)
def test_a_chinese_request_word_before_an_english_verb_makes_it_the_verb(task: str):
    # Chinese developers write the verb in English: "review" after "帮我" is asked for.
    assert tier(task) == "MEDIUM"


@pytest.mark.parametrize(
    "task", ["Who maintains the tantivy crate these days?", "who handles the on-call rota this week"]
)
def test_the_verb_right_after_who_names_what_the_person_does(task: str):
    assert tier(task) == "SIMPLE"


def test_work_asked_for_after_who_and_a_modal_still_counts():
    assert tier("Who can refactor the billing system before the audit?") == "COMPLEX"


@pytest.mark.parametrize(
    ("task", "expected", "action"),
    [
        # Korean "봐줘" looks, as "look at" does.
        ("nightly 배치 잘 돌았는지 봐줘", "SIMPLE", "action:봐줘"),
        # The work a thanks is for was done: "レビュー" before "ありがとう" is a noun.
        ("レビューありがとうございます！助かりました", "SIMPLE", "action:ありがとう"),
        # "resúmeme" is "resume" + "me" only without its accent.
        ("Resúmeme este hilo del canal de incidentes.", "MEDIUM", "action:resúme"),
    ],
)
def test_look_thanks_and_summarise_in_korean_japanese_and_spanish(task: str, expected: str, action: str):
    assert tier_and_action(task) == (expected, action)


@pytest.mark.parametrize(
    "task",
    [
        "I'd like to know which Python version the build image ships.",
        "J'aimerais savoir quelle version de Node tourne sur le runner.",
    ],
)
def test_a_question_word_after_a_verb_of_knowing_asks_a_question(task: str):
    assert tier_and_action(task) == ("SIMPLE", "action:" + ("which" if task.startswith("I") else "quelle"))


@pytest.mark.parametrize(
    "task",
    ["the revenue numbers on the dashboard look wrong again", "the totals in the CSV export look wrong"],
)
def test_look_alone_links_a_state_and_a_reported_malfunction_is_work(task: str):
    assert tier(task) == "MEDIUM"


@pytest.mark.parametrize(
    ("task", "action"),
    [
        ("Such mir bitte die Ticketnummer vom letzten Release raus.", "action:raussuchen"),
        ("결제 대시보드 링크 좀 가져다줄래?", "action:가져다"),
        ("De acuerdo, gracias por el resumen.", "action:de acuerdo"),
    ],
)
def test_fetching_and_agreeing_in_german_korean_and_spanish(task: str, action: str):
    assert tier_and_action(task) == ("SIMPLE", action)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("주문 집계 쿼리가 전날 데이터를 빠뜨려요. 쿼리 수정해 주세요", "MEDIUM"),
        ("README 오타 수정해 주세요", "SIMPLE"),
    ],
)
def test_korean_sujeong_fixes_as_japanese_shusei_does_and_a_typo_keeps_it_small(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("Is the integration test suite green on main?", "SIMPLE"),
        ("¿Pasaron los tests de integración de anoche?", "SIMPLE"),
        ("集成测试现在是绿的吗？", "SIMPLE"),
        ("Write integration tests for the refund endpoint.", "MEDIUM"),
    ],
)
def test_an_integration_test_is_a_kind_of_test_not_work_to_integrate(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task",
    [
        "Estimate the corrosion rate of the pipeline steel in seawater at 25 °C.",
        "Analysiere die Kinetik der Reaktion bei 80 °C und vergleiche sie mit dem Modell.",
        "半導体のリーク電流の温度依存性を分析して",
    ],
)
def test_analysis_in_the_physical_sciences_is_deep_domain_work(task: str):
    assert tier(task) == "COMPLEX"
    assert "domain" in signal_kinds(task)


def test_an_estimate_outside_a_hard_domain_stays_bounded():
    assert tier("Estimate how long the batch job will take on the new cluster.") == "MEDIUM"


@pytest.mark.parametrize(
    "task",
    [
        "I'm not asking for a full security audit, just rotate the staging API key.",
        "Not a complete visual redesign of the onboarding flow, just rename the button.",
        "Bitte nichts am Deployment-Konzept umbauen, nur das Image-Tag auf 1.4.2 setzen.",
    ],
)
def test_articles_and_prepositions_do_not_use_up_a_negations_reach(task: str):
    assert tier(task) == "SIMPLE"


def test_japanese_wa_fuyou_rules_out_what_it_follows():
    # "A full refactoring is unnecessary. Just change the variable name."
    assert tier_and_action("全面的なリファクタリングは不要です。変数名だけ変えてください") == (
        "SIMPLE",
        "action:変えて",
    )


@pytest.mark.parametrize(
    "task",
    [
        "Until when is the staging freeze in place?",
        "Bis wann ist das Release eingefroren?",
        # Spanish "a" is spelled as the English article.
        "A qué hora empieza la ventana de mantenimiento",
    ],
)
def test_a_question_word_after_an_opening_preposition_asks_a_question(task: str):
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize(
    ("task", "expected", "action"),
    [
        # The stress mark belongs to the clitic: "demuestra" + "me", not "de" + "muéstrame".
        ("Demuéstrame que la función de hash es inyectiva en este dominio.", "COMPLEX", "action:demuestra"),
        # No stress mark: the prefix reading stands ("re" + "formate").
        ("Reformate le fichier avec black.", "SIMPLE", "action:formate"),
    ],
)
def test_a_stress_marked_word_is_read_as_verb_and_clitic_first(task: str, expected: str, action: str):
    assert tier_and_action(task) == (expected, action)


@pytest.mark.parametrize(
    "task",
    [
        "Bump the changelog date, and after that redesign how the plugins load their settings across services.",
        "Rename the flag first; after this rearchitect the queueing layer for every region.",
    ],
)
def test_a_verb_after_a_sequencing_phrase_ending_in_that_is_a_verb(task: str):
    assert tier(task) == "COMPLEX"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("全ワークロードを ARM に移す計画を作って", "COMPLEX"),
        ("为全服务制定统一的灰度发布方案", "COMPLEX"),
        # 安全 ("safe") holds 全 but quantifies nothing.
        ("安全なサービスのバグを修正して", "MEDIUM"),
    ],
)
def test_zen_before_a_unit_of_a_system_quantifies_it(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("Explain how LSM trees trade write speed for read amplification.", "MEDIUM"),
        ("Explain the trade-offs between a bloom filter and a cuckoo filter for our cache.", "COMPLEX"),
    ],
)
def test_trade_as_a_verb_weighs_nothing_and_trade_offs_do(task: str, expected: str):
    assert tier(task) == expected


def test_a_message_consumer_is_not_a_hard_domain_term():
    task = "The Kafka consumer for the billing topic falls behind every night. Find out why."
    assert tier(task) == "MEDIUM"
    assert "domain" not in signal_kinds(task)


@pytest.mark.parametrize(
    "task",
    [
        "Fix the label on the settings page: 'Recieve alerts' → 'Receive alerts'.",
        "設定画面の「保存する」を「保存」に直して",
        "Dans le footer, corrige « Tous droits réservé » en « Tous droits réservés ».",
        'Korrigiere im Banner "Anmeldng" zu "Anmeldung".',
        # The quoted words are literals, not the work: "Publish" is a label.
        "Change the button text from 'Deploy' to 'Publish'.",
    ],
)
def test_a_quoted_literal_replaced_by_another_is_a_mechanical_edit(task: str):
    assert tier(task) == "SIMPLE"
    assert "trivial:quoted replacement" in {name for name, _ in ANALYZER.analyze_task(task).signals}


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # "and" joins literals to weigh or to work on, not a literal to its replacement.
        ("Compare 'Kafka' and 'Pulsar' for our event bus.", "MEDIUM"),
        ("Write tests for the 'Deploy' and 'Publish' buttons.", "MEDIUM"),
        ("Explain the difference between `merge` and `rebase` in our release flow.", "MEDIUM"),
    ],
)
def test_quotations_joined_by_other_words_are_no_replacement(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task",
    [
        "文档站用的是哪个静态站点生成器？",
        "我们用的分析器是开源的吗？",
        "이 코드 생성기는 오픈소스인가요?",
    ],
)
def test_a_tool_named_by_its_work_is_a_noun_in_chinese_and_korean(task: str):
    assert tier(task) == "SIMPLE"


def test_a_spanish_second_person_request_after_a_pronoun_asks_for_the_work():
    # "Will you review this diff for me?": "revisas" is "revisa" in the second person.
    assert tier_and_action("¿Me revisas este diff del middleware de auth?") == ("MEDIUM", "action:revisa")


def test_a_plural_noun_away_from_a_cue_is_not_read_as_a_verb():
    # "consultas" would be "consulta" without its ending, but no cue stands before it:
    # the task reports slow queries and names no action.
    assert tier_and_action("Las consultas lentas del panel tardan 9 segundos desde ayer.") == (
        "MEDIUM",
        "no_action",
    )


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # 搭 ("put up") builds: a platform built from scratch is system work.
        ("搭一套内部的服务目录平台", "COMPLEX"),
        # "code review" written as one English noun is the review asked for.
        ("麻烦 code review 一下这次的 diff，看看锁用得对不对", "MEDIUM"),
    ],
)
def test_colloquial_build_and_review_requests_in_chinese(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # A failure foreseen asks for analysis, which a look-up verb does not hide.
        ("Read the cleanup cron script and tell me where it could fail.", "MEDIUM"),
        ("Lis ce script de purge et dis-moi où il pourrait échouer.", "MEDIUM"),
        # A failure that happened is a status to report.
        ("Did the nightly job fail? Just tell me which step.", "SIMPLE"),
    ],
)
def test_a_foreseen_failure_is_analysis_and_a_past_one_a_status(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # Weaknesses looked for are a review, not a look-up.
        ("Scan the login handler for vulnerabilities.", "MEDIUM"),
        ("Check the Helm chart for security issues before we ship.", "MEDIUM"),
        # Weaknesses already filed are fetched.
        ("List the vulnerabilities the scanner reported last week.", "SIMPLE"),
        ("Show me the security issues filed this sprint.", "SIMPLE"),
    ],
)
def test_looking_for_weaknesses_is_a_review_and_listing_them_a_look_up(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # A comma after an action ends its clause: the typo's triviality stays with it.
        ("Fix the typo in the footer, add a CSV export to the reports page.", "MEDIUM"),
        ("오타 하나만 고치고, 결제 API에 재시도 로직 추가해 주세요", "MEDIUM"),
        # A clause with no action lends its triviality to the one before it.
        ("Just rename the flag in config.py, nothing else.", "SIMPLE"),
        ("Quick one, rename the env var in the compose file.", "SIMPLE"),
    ],
)
def test_a_comma_after_an_action_ends_its_clause(task: str, expected: str):
    assert tier(task) == expected


def test_korean_da_eum_e_with_a_space_sequences_steps():
    # "Fix one typo, and then (그 다음에) add pagination": the second step is a feature.
    assert tier("README 오타 하나 고쳐 주시고 그 다음에 목록 API에 페이지네이션 추가해 주세요") == "MEDIUM"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # A negation that opens a compound negates nothing after it.
        ("Make the writes non-blocking and add a retry queue for failed ones.", "MEDIUM"),
        ("Keep the cache non-blocking and add metrics for misses.", "MEDIUM"),
        ("non-zero exit 코드가 나오게 스크립트 수정해 주세요", "MEDIUM"),
        # A negation on its own still rules out what follows it.
        ("No changes to the code, just list the failing tests.", "SIMPLE"),
    ],
)
def test_a_negation_inside_a_compound_negates_nothing(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # Looking something over while reporting a malfunction asks for debugging.
        ("Can you look at the invoice export? The totals come out wrong.", "MEDIUM"),
        ("Tu peux regarder la page de paiement ? Elle ne marche plus depuis hier.", "MEDIUM"),
        ("看下这个 job，一直 OOM 挂掉", "MEDIUM"),
        # Looking something over with nothing reported is a look-up.
        ("Have a look at the retry settings in worker.yaml and tell me the timeout.", "SIMPLE"),
        ("看一下 worker 现在的副本数", "SIMPLE"),
    ],
)
def test_looking_over_a_reported_malfunction_is_debugging(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task",
    [
        # Chinese, Japanese and Korean ask how many and which in place, after what
        # they ask about: the work nouns and malfunctions before the question word are
        # what is counted.
        "上周失败的测试有多少个",
        "실패한 테스트 몇 개야?",
        "tests/unit 밑에 skip 된 테스트 몇 개인지 세어줘",
        "部署文档在哪",
    ],
)
def test_a_question_word_in_place_asks_about_what_stands_before_it(task: str):
    assert tier(task) == "SIMPLE"


def test_a_demonstrative_before_ji_asks_nothing():
    # "Show the names of those few failed cases": 那几个 points, it does not ask.
    assert tier("显示上一次跑失败的那几个用例名") == "SIMPLE"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # Thanks for work done name the work before them: nothing is asked.
        ("문서 정리 수고하셨습니다 👍", "SIMPLE"),
        ("昨日のレビュー読みました、ありがとうございました", "SIMPLE"),
        ("测试跑完了，辛苦了", "SIMPLE"),
        # A request with thanks still asks for the work.
        ("문서 정리 부탁드립니다, 수고하세요", "MEDIUM"),
        ("お疲れ様です。ログイン画面のバグを修正してください", "MEDIUM"),
    ],
)
def test_thanks_for_work_done_name_the_work_and_ask_for_nothing(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # The verb of a relative or embedded clause describes what is looked up.
        ("Look up which cron job writes to the audit_events table.", "SIMPLE"),
        ("Retrouve la page du wiki qui explique la rotation des astreintes.", "SIMPLE"),
        ("Busca la sección del manual donde se describe el formato de exportación.", "SIMPLE"),
        # At a sentence start "which" asks, and the work it names still counts.
        ("Which services need refactoring?", "COMPLEX"),
    ],
)
def test_the_verb_of_a_relative_clause_describes_what_is_looked_up(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task",
    [
        # A conjunction before the second action ends the first one's clause, as a
        # comma does: the typo's triviality stays with the typo.
        "Fix the typo in the changelog and add a CSV export to the reports page.",
        "Korrigier den Tippfehler im Footer und bau einen CSV-Export für die Berichte.",
    ],
)
def test_a_conjunction_before_a_second_action_ends_the_first_clause(task: str):
    assert tier(task) == "MEDIUM"


def test_a_conjunction_between_two_trivial_edits_keeps_them_simple():
    assert tier("Just rename the variable and update the docstring.") == "SIMPLE"


def test_a_korean_request_after_a_question_word_asks_for_the_work():
    # "Fit the model and interpret physically how the onset temperature changes":
    # 어떻게 (how) comes first, the request ending (해 주세요) last.
    task = "실험 데이터로 반응속도 모델 피팅하고, 냉각 조건별로 개시 온도가 어떻게 달라지는지 물리적으로 해석해 주세요."
    assert tier(task) != "SIMPLE"
    assert tier("배포 언제 했어?") == "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        # Asking for opinions asks for no fact: with nothing else named, it is the
        # no-evidence default, not a look-up.
        "Any thoughts on the new pricing page?",
        "Ideas for the team offsite?",
        "Hast du eine Meinung zum neuen Onboarding?",
        "Meinungen zum neuen Release-Prozess?",
        "大家对新版首页有什么想法？",
    ],
)
def test_an_opinion_asked_for_is_no_look_up(task: str):
    assert tier(task) == "MEDIUM"


def test_a_question_about_a_fact_still_looks_it_up_beside_the_opinion_words():
    assert tier("any idea when the deploy finishes?") == "SIMPLE"
    assert tier("Thanks for your feedback!") == "SIMPLE"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # "¿" opens a question: the state it names is asked about, at a sentence
        # start or after a greeting.
        ("¿Sigue caído el servidor de staging?", "SIMPLE"),
        ("Hola, ¿sigue roto el build de la rama main?", "SIMPLE"),
        # After a sentence end, "¿" does not keep the next sentence from starting.
        ("Una pregunta. ¿Qué servicio está caído ahora mismo?", "SIMPLE"),
        ("Pregunta rápida: ¿cuántas pruebas fallaron en el build de anoche?", "SIMPLE"),
        # A request in the question still asks for the work.
        ("¿Puedes arreglar el build roto de main?", "MEDIUM"),
    ],
)
def test_an_inverted_question_mark_opens_a_question(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # A subject pronoun after its verb and a hyphen asks a question.
        ("Le service de paiement est-il encore en panne ?", "SIMPLE"),
        ("La file d'attente est-elle bloquée depuis ce matin ?", "SIMPLE"),
        # "Peux-tu ...": a request, not an inversion that asks.
        ("Peux-tu corriger le test cassé ?", "MEDIUM"),
        # The question asks; the work asked for after it still counts.
        ("Le cache est-il cassé ? Corrige-le et ajoute un test de régression.", "MEDIUM"),
    ],
)
def test_a_french_inversion_asks_a_question(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize("task", ["订单服务部署了吗？", "昨晚的数据同步跑完了没"])
def test_a_chinese_perfective_question_asks_whether_the_work_is_done(task: str):
    assert tier(task) == "SIMPLE"


def test_mira_si_checks_whether():
    assert tier("Mira si la réplica de lectura ya está sincronizada.") == "SIMPLE"


def test_formal_verification_written_with_an_adverb_is_a_proof():
    assert tier("TLA+ でこのキューの順序保証を形式的に検証してほしい") == "COMPLEX"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # A request verb's past form after "be" asks for the work.
        ("All services should be migrated to the new queue.", ("COMPLEX", "action:migrate")),
        ("The login form needs to be fixed.", ("MEDIUM", "action:fix")),
        # "been" reports work done; a negation still rules the work out.
        ("The billing platform has been redesigned, list the new endpoints.", ("SIMPLE", "action:list")),
        ("This release should not be deployed on Friday.", ("MEDIUM", "no_action")),
    ],
)
def test_a_passive_request_asks_for_the_work(task: str, expected: tuple[str, str]):
    assert tier_and_action(task) == expected


@pytest.mark.parametrize(
    "task",
    [
        # A post-negator rules out what its clause named: the rewrite is not asked for.
        "テストスイート全体を書き直すのはナシで。flaky な test_login_timeout の原因だけ直してほしい",
        "문서 전체를 갈아엎자는 건 아니고요, 설치 섹션만 최신 버전에 맞게 고쳐 주세요.",
    ],
)
def test_a_japanese_or_korean_negation_after_the_work_rules_it_out(task: str):
    assert tier(task) == "MEDIUM"


@pytest.mark.parametrize(
    "task",
    [
        # Something reported as off, without saying what, is a problem to look into.
        "Schau mal auf den Export, der wirkt seltsam.",
        "注册页这两天有点怪，你看看？",
        "The search page is acting weird, take a look?",
    ],
)
def test_a_vague_malfunction_is_a_problem_to_look_into(task: str):
    assert tier(task) == "MEDIUM"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # Casual Japanese contracts a te-form and おく (上げておいて -> 上げといて).
        ("requirements.txt の Django を 4.2.11 に上げといて", "SIMPLE"),
        ("この PR 読んどいてもらえる？", "SIMPLE"),
    ],
)
def test_a_contracted_japanese_te_form_is_its_verb(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # A sentence that names a text error and asks for nothing: the short request
        # after it is about that error.
        ("Spotted a typo on the pricing page: 'recieve'. Can you fix it?", "SIMPLE"),
        ("En el pie de página se coló una errata: 'Contáctanos' con dos tildes. Arréglala.", "SIMPLE"),
        ("릴리스 노트에 '배포'가 '베포'로 오타 났어요. 고쳐 주세요", "SIMPLE"),
        # A request long enough to name its own object is not about the typo.
        ("There's a typo on the pricing page. Also write integration tests for the invoice exporter.", "MEDIUM"),
    ],
)
def test_a_short_request_after_a_named_text_error_is_about_that_error(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task",
    [
        # "로그인", "登录" name the login screen far more often than they ask to log in:
        # the malfunction reported about them is what the task is about.
        "회원가입 후 로그인 화면이 계속 이상해요",
        "手机端登录这块最近有点问题，帮忙瞅瞅",
        # A Korean verb with the nominal ending -기 names a feature ("보내기 기능").
        "PDF 내보내기 기능이 요즘 이상하게 동작해요",
        "Irgendwas stimmt da nicht beim CSV-Import, schau mal rein",
    ],
)
def test_a_malfunction_reported_about_a_named_feature_is_a_problem(task: str):
    assert tier(task) == "MEDIUM"


@pytest.mark.parametrize(
    "task",
    [
        # A clinical question about two drugs taken together: deep domain analysis.
        "Ein Patient unter Marcumar bekommt wegen einer Lungenentzündung Clarithromycin. Was ist beim INR zu beachten?",
        "老年患者在用华法林，医生想加克拉霉素，会有什么相互作用？",
    ],
)
def test_a_drug_interaction_question_is_deep_domain_analysis(task: str):
    assert tier(task) == "COMPLEX"


def test_combing_through_for_weaknesses_is_a_review_not_a_look_up():
    # "Comb through", "pore over": careful examination, as "go over" is.
    assert tier("Comb through the payment service's IAM policies for over-broad grants.") == "MEDIUM"
    assert tier("Pore over the draft supplier contract and flag anything unusual.") != "SIMPLE"


def test_a_german_participle_of_rethinking_asks_for_the_redesign():
    # "muss neu gedacht werden": the participles of "neu denken" count as
    # "refaktoriert" and "migriert" already do.
    assert tier("Nicht nur den Typo fixen: die Rechteverwaltung aller Mandanten muss neu gedacht werden.") == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    [
        "Der Lieferant droht mit fristloser Kündigung des Rahmenvertrags. "
        "Prüf, ob die Abmahnung wirksam war und was die Vertragsstrafe bedeutet.",
        "Les ventes ont-elles monté à cause de la promo ? "
        "Fais une vraie inférence causale, en différences de différences ou par contrôle synthétique.",
    ],
)
def test_contract_law_and_causal_inference_are_deep_domain_analysis(task: str):
    assert tier(task) == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    [
        "What dose of amoxicillin should a 20 kg child with pneumonia get?",
        "Who owns the copyright when a contractor writes code without a written contract?",
        "With only five clusters, is a random-slopes mixed-effects model estimable?",
    ],
)
def test_a_question_with_two_hard_domain_terms_is_never_a_look_up(task: str):
    # A clinical or legal question may read like a fact look-up; sending it to the
    # cheapest model is the costly error, so two domain terms keep it at MEDIUM or above.
    assert tier(task) != "SIMPLE"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # Spanish conditional and future, with and without the accent.
        ("¿Cómo rediseñarías la arquitectura de pagos?", "COMPLEX"),
        ("Migraremos todos los servicios a Kubernetes el próximo trimestre.", "COMPLEX"),
        ("como refactorizarias el monolito?", "COMPLEX"),
        # French future stems, and the subject after the verb in an inverted question.
        ("Comment concevrais-tu l'architecture du système de paiement ?", "COMPLEX"),
        ("Nous refondrons l'architecture d'authentification.", "COMPLEX"),
        ("Refonds-tu l'architecture des permissions ?", "COMPLEX"),
        # A look-up stays a look-up in the conditional.
        ("¿Me listarías los pods del namespace staging?", "SIMPLE"),
    ],
)
def test_a_request_in_the_conditional_or_future_names_its_verb(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        # A request that opens with a question word asks for the work: with no action
        # word it is no evidence (MEDIUM), with system scope it is design.
        ("Is there a way to make the whole search stack horizontally scalable?", "MEDIUM"),
        ("How can we guarantee exactly-once delivery across the whole pipeline?", "COMPLEX"),
        # Its look-up and edit verbs still make it a look-up or a mechanical edit.
        ("How do I rename a branch?", "SIMPLE"),
        ("Is there a way to list all pods in staging?", "SIMPLE"),
    ],
)
def test_a_question_word_opening_a_request_is_no_look_up(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task",
    [
        # The finite verb in second place, its particle at the clause's end.
        "Wie stellen wir das ganze Backend auf Event-Sourcing um?",
        "Stellst du das ganze Backend auf Event-Sourcing um?",
        "Wie leitet man die Formel für die Varianz her?",
    ],
)
def test_a_german_separable_verb_in_second_place_joins_its_particle(task: str):
    assert tier(task) == "COMPLEX"


@pytest.mark.parametrize(
    "task",
    [
        "Who should own the event schema across teams?",
        "Wer sollte das Event-Schema teamübergreifend verantworten?",
        "¿Quién debería revisar el diseño del esquema?",
    ],
)
def test_who_should_asks_for_a_judgement_not_a_name(task: str):
    # "who maintains X?" looks a name up; "who should own X?" asks for advice.
    assert tier(task) != "SIMPLE"


def test_pointing_out_mistakes_is_a_review():
    assert tier("Have a look at the new rate limiter and point out anything that looks off.") == "MEDIUM"


@pytest.mark.parametrize("task", ["🙏", "✅✅", "👌 !", "🎉🎉🎉"])
def test_a_reaction_without_a_word_asks_for_nothing(task: str):
    result = ANALYZER.analyze_task(task)
    assert (result.complexity_level.value, result.complexity_score) == ("SIMPLE", 0)


def test_a_reaction_before_a_task_leaves_the_task_its_tier():
    assert tier("🙏 now migrate every service to the new cluster") == "COMPLEX"
    # Bare punctuation may ask about the previous reply: no evidence, so MEDIUM.
    assert tier("?!") == "MEDIUM"


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("hahaha", "SIMPLE"),
        ("jajaja vale", "SIMPLE"),
        ("哈哈哈哈", "SIMPLE"),
        ("ㅋㅋㅋ", "SIMPLE"),
        ("lol, now redesign the billing platform across all regions", "COMPLEX"),
    ],
)
def test_laughter_asks_for_nothing_but_never_hides_work(task: str, expected: str):
    assert tier(task) == expected


@pytest.mark.parametrize(
    "task",
    [
        "¿Cómo aseguramos la idempotencia de los pagos en todos los microservicios?",
        "¿Cómo se sincroniza la caché entre todas las regiones?",
        "Comment garantir la traçabilité des commandes sur tout le système ?",
        "我们如何保证所有服务之间的订单数据一致？",
        "パイプライン全体でどうやってデータの重複を防ぐ？",
        "모든 서비스에서 인증을 어떻게 통일할 수 있을까?",
    ],
)
def test_asking_how_to_do_something_across_a_system_is_no_look_up(task: str):
    assert tier(task) != "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        # How something stands, even across the system, is a look-up.
        "¿Cómo va el despliegue en todos los clústeres?",
        "Comment vont les sauvegardes sur tous les serveurs ?",
        "전체 서버 백업은 어떻게 됐어요?",
        # How to do a bounded thing is a how-to look-up.
        "¿Cómo reinicio el contenedor de nginx?",
        "怎么查看这个容器的日志？",
    ],
)
def test_asking_how_something_stands_or_how_to_do_a_bounded_thing_is_a_look_up(task: str):
    assert tier(task) == "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        "Rename `account` to `workspace` in every service, the public APIs and both mobile apps",
        "Benenne das Feld `mandant` überall in `kunde` um – in der Datenbank, allen Services und der Mobile-App",
        "Renombra `cliente` a `cuenta` en todo el sistema: la base de datos, las APIs y los SDKs",
        "把 `user_id` 在整个系统里重命名为 `account_id`：数据库、所有服务和前端",
    ],
)
def test_a_mechanical_edit_across_a_system_is_never_haiku(task: str):
    assert tier(task) != "SIMPLE"


@pytest.mark.parametrize(
    "task",
    [
        "Rename `tmp_val` to `total` everywhere it appears in report.py",
        "Bump the version in every package.json",
        "Format every file under src/",
        "Translate the error message in login.ts into German",
    ],
)
def test_a_bounded_mechanical_edit_stays_simple(task: str):
    assert tier(task) == "SIMPLE"
