from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .signing import SEAL_MAX_BYTES, seal_path, validate_seal_image, validate_signatory_title


class PrizeTier(models.Model):
    """A prize of a contest: how many are given, the amount in đồng and any honour that comes with it."""

    contest = models.ForeignKey(
        "submissions.Contest", models.CASCADE, related_name="prize_tiers", verbose_name=_("contest")
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    count = models.PositiveSmallIntegerField(_("number of prizes"), default=1)
    amount = models.PositiveBigIntegerField(_("amount (đồng)"))
    honour = models.CharField(_("honour"), max_length=300, blank=True)
    is_side_prize = models.BooleanField(
        _("side prize"), default=False, help_text=_("Designated by the committee, not taken from the ranking.")
    )

    class Meta:
        verbose_name = _("prize tier")
        verbose_name_plural = _("prize tiers")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["contest", "name"], name="prize_tier_name_per_contest")]

    def __str__(self):
        return self.name

    @property
    def total(self):
        return self.count * self.amount


class FinalRound(models.Model):
    """How a contest's final round is judged: who scores what, how scores are combined, what the judges see."""

    class Method(models.TextChoices):
        MEAN = "mean", _("mean")
        TRIMMED_MEAN = "trimmed_mean", _("trimmed mean (drop the highest and the lowest from 4 scorecards)")
        MEDIAN = "median", _("median")
        ZSCORE = "zscore", _("mean of each judge's z-scores, on the points scale")

    class Assignment(models.TextChoices):
        EVERYONE = "everyone", _("every judge scores every finalist")
        PANELS = "panels", _("each panel scores its own finalists")
        PER_CLIP = "per_clip", _("a number of judges per clip, balanced across judges")

    contest = models.OneToOneField(
        "submissions.Contest", models.CASCADE, related_name="judging", verbose_name=_("contest")
    )
    method = models.CharField(_("aggregation"), max_length=20, choices=Method.choices, default=Method.MEAN)
    assignment = models.CharField(
        _("assignment of clips to judges"), max_length=20, choices=Assignment.choices, default=Assignment.EVERYONE
    )
    judges_per_clip = models.PositiveSmallIntegerField(_("judges per clip"), default=3)
    min_scorecards = models.PositiveSmallIntegerField(
        _("scorecards needed to rank a clip"), default=1, help_text=_("Clips with fewer are listed as incomplete.")
    )
    blind = models.BooleanField(
        _("blind judging"), default=True, help_text=_("Judges never see the entrants' names or personal data.")
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement flag"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.25"),
        help_text=_("Flag a clip when its judges' totals differ by more than this share of the maximum total."),
    )
    # When the judges' scorecards are due: told on the judges' home and in their mails; nothing locks at it.
    scoring_ends_at = models.DateTimeField(
        _("scorecards due"), null=True, blank=True, help_text=_("Shown to the judges on their home page.")
    )
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True, editable=False)
    # The certificates' wording (judging/certificates.py): empty, the portal's default.
    certificate_title = models.CharField(
        _("certificate title"), max_length=120, blank=True, help_text=_("Empty: “GIẤY CHỨNG NHẬN”.")
    )
    certificate_issuer = models.CharField(
        _("certificate issued by"),
        max_length=300,
        blank=True,
        help_text=_("The line above “chứng nhận”. Empty: “Ban Tổ chức” and the contest's name."),
    )
    certificate_signatory = models.CharField(
        _("signatory's title"),
        max_length=200,
        blank=True,
        validators=[validate_signatory_title],
        help_text=_("One line or two, such as “TM. BAN TỔ CHỨC” then “TRƯỞNG BAN”. Empty: “TM. BAN TỔ CHỨC”."),
    )
    # Where, when and by whom they are signed: without a place or a name, a certificate prints the date and the
    # title alone, as it did before these were asked.
    certificate_place = models.CharField(
        _("place of signing"), max_length=100, blank=True, help_text=_("Opens the date line: “Sơn La, ngày …”.")
    )
    certificate_signed_on = models.DateField(
        _("date of signing"), null=True, blank=True, help_text=_("Empty: the day the results are published.")
    )
    certificate_signatory_name = models.CharField(_("signatory's name"), max_length=100, blank=True)
    certificate_seal = models.FileField(
        _("seal or signature"),
        upload_to=seal_path,
        max_length=300,
        blank=True,
        validators=[validate_seal_image],
        help_text=format_lazy(
            _(
                "A PNG or JPEG image of at most {size} MB, printed above the name; best on a transparent background."
            ),
            size=SEAL_MAX_BYTES // 1024**2,
        ),
    )

    class Meta:
        verbose_name = _("final round")
        verbose_name_plural = _("final rounds")

    def __str__(self):
        return str(self.contest)

    def certificate_wording(self):
        """(title, issuer, signatory's title) as the certificates print them; the signatory's title may have two
        lines."""
        return (
            self.certificate_title or "GIẤY CHỨNG NHẬN",
            self.certificate_issuer or f"Ban Tổ chức {self.contest.name}",
            self.certificate_signatory or "TM. BAN TỔ CHỨC",
        )


class Criterion(models.Model):
    """A line of the scorecard (phiếu chấm điểm)."""

    contest = models.ForeignKey(
        "submissions.Contest", models.CASCADE, related_name="criteria", verbose_name=_("contest")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    max_points = models.DecimalField(_("maximum points"), max_digits=6, decimal_places=2)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=3, default=Decimal("1"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    breaks_ties = models.BooleanField(
        _("breaks ties"), default=False, help_text=_("In the order of the criteria.")
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_points__gt=0), name="criterion_max_points_positive"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="criterion_weight_positive"),
        ]

    def __str__(self):
        return self.name


class Panel(models.Model):
    contest = models.ForeignKey(
        "submissions.Contest", models.CASCADE, related_name="panels", verbose_name=_("contest")
    )
    name = models.CharField(_("name"), max_length=100)
    judges = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="panels", verbose_name=_("judges"))
    submissions = models.ManyToManyField(
        "submissions.Submission", related_name="panels", blank=True, verbose_name=_("finalists")
    )

    class Meta:
        verbose_name = _("panel")
        verbose_name_plural = _("panels")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Assignment(models.Model):
    """A finalist a judge is to score. A declared conflict of interest keeps that judge's score out of it."""

    submission = models.ForeignKey("submissions.Submission", models.CASCADE, related_name="assignments")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="assignments")
    conflict_declared_at = models.DateTimeField(_("conflict of interest declared"), null=True, blank=True)
    conflict_reason = models.TextField(_("conflict of interest"), blank=True)
    created_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["submission", "judge"], name="one_assignment_per_judge")]

    def __str__(self):
        return f"{self.judge} → {self.submission.code}"

    @property
    def has_conflict(self):
        return self.conflict_declared_at is not None


class Scorecard(models.Model):
    """A judge's scores for one finalist: a draft until submitted, then locked unless the committee reopens it."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    assignment = models.OneToOneField(Assignment, models.CASCADE, related_name="scorecard")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        permissions = [
            ("score_finalists", _("Can score the finalists assigned to them")),
            ("reopen_scorecard", _("Can reopen a submitted scorecard")),
            ("remind_judges", _("Can send reminders to judges")),
        ]

    def __str__(self):
        return str(self.assignment)


class Score(models.Model):
    scorecard = models.ForeignKey(Scorecard, models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, models.PROTECT, related_name="scores")
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="score_points_not_negative"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.points}"


class ScorecardEvent(models.Model):
    """The history of a scorecard: submitted, reopened by the committee (with why), conflict declared."""

    scorecard = models.ForeignKey(Scorecard, models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("scorecard event")
        verbose_name_plural = _("scorecard events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.scorecard_id} {self.action}"


class ArchivedJSONField(models.JSONField):
    """JSON kept as the text it was written in (text on PostgreSQL, not jsonb): a run's inputs and results are
    an archive, read whole and never queried inside. PostgreSQL then neither parses their megabytes into jsonb
    when a run is stored, which cost as long as ranking them, nor reorders their keys: what is stored is the
    text the run wrote."""

    def db_type(self, connection):
        return "text" if connection.vendor == "postgresql" else super().db_type(connection)


class RankingRun(models.Model):
    """One computation of the ranking, stored whole and never changed: the method, every score it used,
    the results, who started it and when. The committee approves one run; prizes come from it."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    contest = models.ForeignKey(
        "submissions.Contest", models.PROTECT, related_name="ranking_runs", verbose_name=_("contest")
    )
    method = models.CharField(_("aggregation"), max_length=20, choices=FinalRound.Method.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    inputs = ArchivedJSONField(_("inputs"), default=dict, blank=True)
    # A digest of the inputs: a run whose digest differs from the scores' current one is stale.
    inputs_digest = models.CharField(max_length=64, blank=True)
    results = ArchivedJSONField(_("results"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("ranking run")
        verbose_name_plural = _("ranking runs")
        permissions = [
            ("run_ranking", _("Can compute the ranking")),
            ("approve_ranking", _("Can approve a ranking run")),
        ]
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest"],
                condition=models.Q(approved_at__isnull=False),
                name="one_approved_run_per_contest",
            )
        ]

    def __str__(self):
        return f"{self.contest} {self.started_at:%Y-%m-%d %H:%M}"


class Award(models.Model):
    """A prize given to a clip: from the approved run in rank order, or, for a side prize, by the committee's choice."""

    tier = models.ForeignKey(PrizeTier, models.PROTECT, related_name="awards", verbose_name=_("prize"))
    submission = models.ForeignKey("submissions.Submission", models.PROTECT, related_name="awards")
    run = models.ForeignKey(RankingRun, models.PROTECT, null=True, blank=True, related_name="awards")
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Required for a side prize or a tie decided by the committee.")
    )
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(_("awarded"), default=timezone.now)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        permissions = [
            ("award_prizes", _("Can award prizes")),
            ("publish_results", _("Can publish the results")),
        ]
        ordering = ["tier__order", "rank", "id"]
        constraints = [models.UniqueConstraint(fields=["tier", "submission"], name="one_award_per_tier_and_clip")]

    def __str__(self):
        return f"{self.tier}: {self.submission.code}"
