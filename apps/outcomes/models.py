"""Outcome measures (API.md: Outcome measures): instruments as data, the patient's responses
and their scores.

Definitions (``Instrument`` with its items, answer options and score definitions) are loaded
from a file (``manage.py load_instrument``); the wording of each language is a separate row
(``Wording``), so a licensed instrument's definition ships without it. A new version of an
instrument is a new ``Instrument`` row: stored responses keep pointing at the version they
answered, and their scores at the definition that made them.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Licence(models.TextChoices):
    OPEN = "open", "Open"
    LICENSED = "licensed", "Licensed"


class ItemKind(models.TextChoices):
    CHOICE = "choice", "Choice (answer options with weights)"
    INTEGER = "integer", "Integer"
    DECIMAL = "decimal", "Decimal"
    STRING = "string", "Free text"


class Algorithm(models.TextChoices):
    SUM = "sum", "Sum"
    MEAN = "mean", "Mean"
    RESCALED_SUM_0_100 = "rescaled_sum_0_100", "Sum rescaled to 0-100"
    LOOKUP = "lookup", "Raw sum converted by a lookup table"


class Better(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class Instrument(models.Model):
    """One version of a questionnaire. ``is_current`` marks the version new responses use."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(max_length=40)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    licence = models.CharField(max_length=10, choices=Licence.choices)
    licence_holder = models.CharField(max_length=200, blank=True)
    loinc = models.CharField(max_length=20, blank=True, help_text="LOINC panel code, if any.")
    source = models.TextField(blank=True, help_text="Where the instrument is published.")
    is_current = models.BooleanField(default=True)
    #: The loaded definition file (FHIR Questionnaire without wording + score definitions).
    definition = models.JSONField(default=dict)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="instrument_one_current"
            ),
            models.CheckConstraint(
                condition=Q(licence__in=["open", "licensed"]), name="instrument_licence_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"


class Item(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    link_id = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    required = models.BooleanField(default=False)
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    loinc = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["instrument_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "link_id"], name="item_link_id_unique")
        ]

    def __str__(self) -> str:
        return self.link_id


class AnswerOption(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(max_length=40)
    weight = models.FloatField(help_text="SDC itemWeight: what the option scores.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="answer_option_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.weight})"


class ScoreDefinition(models.Model):
    """How one score of an instrument is computed (a "score blueprint")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="scores")
    code = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    algorithm = models.CharField(max_length=20, choices=Algorithm.choices)
    algorithm_version = models.PositiveIntegerField(default=1)
    items = models.JSONField(default=list, help_text="The link ids the score reads.")
    min_answered = models.PositiveSmallIntegerField(default=1)
    range_min = models.FloatField()
    range_max = models.FloatField()
    better = models.CharField(max_length=6, choices=Better.choices)
    mcid = models.FloatField(null=True, blank=True)
    mcid_source = models.TextField(blank=True)
    mdc = models.FloatField(null=True, blank=True)
    mdc_source = models.TextField(blank=True)
    loinc = models.CharField(max_length=20, blank=True)
    #: For ``lookup``: {"raw sum": score}; null until the licensed file that carries it loads.
    lookup = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["instrument_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="score_definition_code"),
            models.CheckConstraint(
                condition=Q(range_min__lt=models.F("range_max")), name="score_range_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id}:{self.code}"


class Wording(models.Model):
    """The text of an instrument in one language: ``texts`` maps each link id to
    ``{"text", "options": {code: display}}``. Licensed wording is loaded by a deployment
    that holds the licence, never committed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="wordings")
    language = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    texts = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instrument", "language"], name="wording_language")
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} [{self.language}]"


class QuestionnaireResponse(models.Model):
    """One completed questionnaire. Idempotent by ``client_id`` per patient."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    client_id = models.UUIDField()
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    language = models.CharField(max_length=20)
    completed_at = models.DateTimeField()
    date = models.DateField(help_text="The patient's local date of completed_at.")
    received_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-date", "-completed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "client_id"], name="questionnaire_response_client_id"
            )
        ]
        indexes = [
            models.Index(fields=["episode", "date"], name="qresponse_episode_date"),
            models.Index(fields=["patient", "date"], name="qresponse_patient_date"),
        ]

    def __str__(self) -> str:
        return f"Response {self.date} ({self.id})"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(help_text="As sent: an option code, a number or a text.")
    weight = models.FloatField(
        null=True, blank=True, help_text="The option's weight or the number; null for text."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="answer_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}={self.value}"


class Score(models.Model):
    """A score computed on the server, with the algorithm version that made it. ``value``
    is null when too few items were answered (``reason`` says so)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="scores"
    )
    definition = models.ForeignKey(ScoreDefinition, on_delete=models.PROTECT, related_name="+")
    value = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    algorithm_version = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "definition"], name="score_unique"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(reason=""), name="score_null_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id}={self.value}"


class QuestionnaireSchedule(models.Model):
    """The care team's schedule for one episode, replacing the deployment's defaults
    (``settings.OUTCOMES["SCHEDULE"]``); ``rules`` has the same shape."""

    episode = models.OneToOneField(
        "episodes.Episode",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="questionnaire_schedule",
    )
    rules = models.JSONField(default=list)
    set_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Questionnaire schedule of {self.episode_id}"


class QuestionnaireRequest(models.Model):
    """A one-off request by the care team: due from ``requested_on`` until ``expires_on``,
    fulfilled by the patient's first response to the instrument in that window."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.CASCADE, related_name="questionnaire_requests"
    )
    instrument_code = models.SlugField(max_length=40)
    requested_on = models.DateField()
    expires_on = models.DateField()
    requested_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("requested_on")),
                name="questionnaire_request_expires_after",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code} requested {self.requested_on}"


class CatalogueVersion(models.Model):
    """One row: the version of the instrument catalogue (every instrument version with its
    items, options, score definitions and wordings). Every change of the catalogue replaces
    ``token`` in the same transaction (apps/outcomes/catalogue.py), so a process that cached
    the catalogue under the token it read knows from the next read whether it still holds.
    A random token, not a counter: a change rolled back (a test's transaction) never hands
    its token to another change."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="catalogue_version_one")]

    def __str__(self) -> str:
        return f"Instrument catalogue {self.token}"
