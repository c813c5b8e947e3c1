import uuid
from datetime import date, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .identity import GENDER_CHOICES, decode_birth_year, validate_id_number, validate_phone
from .media.containers import CONTAINER_DEMUXERS
from .phases import STORED_CHOICES, Phase

GIB = 1024**3

# The portal's own top-level paths (contest_portal/urls.py, and the contest pages' old addresses, which
# redirect to the current contest): a contest at /<slug>/ must not shadow one of them.
RESERVED_SLUGS = frozenset(
    {
        "admin", "tai-khoan", "i18n", "jsi18n", "static", "media", "media-rieng", "tai-len", "ban-to-chuc",
        "the-le", "phieu-dang-ky", "clip-cua-toi", "chung-ket", "ket-qua", "fanpage-qr.svg", "moi-dong-tac-gia",
        "dong-y-giam-ho", "bao-mat",
    }
)  # fmt: skip


class FieldRequirement(models.TextChoices):
    REQUIRED = "required", _("required")
    OPTIONAL = "optional", _("optional")
    HIDDEN = "hidden", _("not asked")


# Registration-form fields a contest may ask for, require, or leave out. Full name, ID number, e-mail and
# the declarations are always required: the clip limit and the receipts depend on them.
CONFIGURABLE_FORM_FIELDS = {
    "date_of_birth": FieldRequirement.REQUIRED,
    "gender": FieldRequirement.REQUIRED,
    "phone": FieldRequirement.REQUIRED,
    "organisation": FieldRequirement.OPTIONAL,
    "locality": FieldRequirement.REQUIRED,
    "address": FieldRequirement.REQUIRED,
    "category": FieldRequirement.REQUIRED,
}


def default_form_fields():
    return {name: str(requirement) for name, requirement in CONFIGURABLE_FORM_FIELDS.items()}


def default_containers():
    return ["mp4", "mov", "avi", "mkv", "webm"]


class ContestQuerySet(models.QuerySet):
    def published(self):
        """Contests the public may see: every one the committee has announced."""
        return self.exclude(stage=Phase.DRAFT)

    def current(self):
        """The contest the public pages show: the published one open now, else the latest to open."""
        now = timezone.now()
        # Every public page's menu reads the final round too (the results link).
        published = self.published().select_related("judging")
        return (
            published.filter(opens_at__lte=now, closes_at__gte=now).order_by("-opens_at").first()
            or published.order_by("-opens_at").first()
        )


class Contest(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    code_prefix = models.CharField(
        _("submission code prefix"), max_length=20, help_text=_("Submission codes read PREFIX-0007.")
    )
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=120)
    organizer = models.CharField(_("organizer"), max_length=300, blank=True)
    theme = models.CharField(_("theme"), max_length=300)
    introduction = models.TextField(_("introduction"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    eligibility = models.TextField(_("who may enter"))
    content_rules = models.TextField(_("what to submit"))
    dossier = models.TextField(_("entry dossier"), blank=True)
    preliminary_round = models.TextField(_("preliminary round"), blank=True)
    final_round = models.TextField(_("final round"), blank=True)
    opens_at = models.DateTimeField(_("submissions open"))
    closes_at = models.DateTimeField(_("submissions close"), help_text=_("The last instant a clip is accepted."))
    clips_per_author = models.PositiveSmallIntegerField(
        _("clips per author"), default=3, help_text=_("Counted per person, across individual and group entries.")
    )
    max_clip_size = models.PositiveBigIntegerField(_("maximum clip size (bytes)"), default=4 * GIB)
    accepted_containers = models.JSONField(
        _("accepted containers"),
        default=default_containers,
        help_text=_('A list such as ["mp4", "mov", "avi", "mkv", "webm"]; "3gp" is also known.'),
    )
    min_duration = models.PositiveIntegerField(_("minimum duration (seconds)"), default=30)
    max_duration = models.PositiveIntegerField(_("maximum duration (seconds)"), default=600)
    allows_groups = models.BooleanField(_("groups of authors may enter"), default=True)
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"), default=6, help_text=_("Every author's age on the day entries close, in years.")
    )
    guardian_age = models.PositiveSmallIntegerField(
        _("age below which a guardian consents"),
        default=16,
        help_text=_("An author younger than this on the day entries close takes part with a guardian's consent."),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("months personal data is kept after the results"),
        default=12,
        help_text=_(
            "Then ID numbers, birth dates, addresses and phones are anonymised, except what the prize payments "
            "need."
        ),
    )
    personal_data_anonymised_at = models.DateTimeField(
        _("personal data anonymised"), null=True, blank=True, editable=False
    )
    form_fields = models.JSONField(
        _("registration form fields"),
        default=default_form_fields,
        help_text=_("For each field: required, optional or not asked."),
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    fanpage_name = models.CharField(_("fanpage name"), max_length=300, blank=True)
    fanpage_url = models.URLField(_("fanpage URL"), blank=True)
    # Where the committee has moved it (submissions.phases); contest_phase() reads the dates besides.
    stage = models.CharField(
        _("phase"), max_length=12, choices=STORED_CHOICES, default=Phase.DRAFT, editable=False
    )
    results_expected_on = models.DateField(
        _("results expected on"), null=True, blank=True, help_text=_("Shown on the public timeline.")
    )
    rolling_screening = models.BooleanField(
        _("screening while entries are open"),
        default=True,
        help_text=_("The Standing Office may decide on clips as they arrive, not only after the deadline."),
    )
    shows_author_names = models.BooleanField(
        _("the finalist gallery shows author names"), default=False, help_text=_("Only if the rules allow it.")
    )
    finalists_published_at = models.DateTimeField(_("finalists published"), null=True, blank=True, editable=False)
    # The last sequence number handed out; bumped under the contest row lock when a clip is accepted.
    last_sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = ContestQuerySet.as_manager()

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-opens_at"]
        permissions = [("run_contest", _("Can move a contest from one phase to the next"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="contest_window_order"
            ),
            models.CheckConstraint(
                condition=models.Q(max_duration__gte=models.F("min_duration")), name="contest_duration_order"
            ),
        ]

    def __str__(self):
        return self.short_name or self.name

    def clean(self):
        if self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {
                    "slug": _("/%(slug)s/ is one of the portal's own addresses: choose another slug.")
                    % {"slug": self.slug}
                }
            )
        # Clip codes are unique across the portal (CDS2024-0007 names one clip): one prefix, one contest.
        if self.code_prefix and Contest.objects.exclude(pk=self.pk).filter(code_prefix__iexact=self.code_prefix):
            raise ValidationError(
                {
                    "code_prefix": _("Another contest's clips are coded %(prefix)s-…: choose another prefix.")
                    % {"prefix": self.code_prefix}
                }
            )
        unknown = set(self.accepted_containers or []) - set(CONTAINER_DEMUXERS)
        if not self.accepted_containers or unknown:
            raise ValidationError({"accepted_containers": _("Use a list of: %s.") % ", ".join(CONTAINER_DEMUXERS)})
        fields = self.form_fields or {}
        if set(fields) - set(CONFIGURABLE_FORM_FIELDS) or set(fields.values()) - set(FieldRequirement.values):
            raise ValidationError(
                {
                    "form_fields": _("Use the fields %(fields)s, each one of %(values)s.")
                    % {"fields": ", ".join(CONFIGURABLE_FORM_FIELDS), "values": ", ".join(FieldRequirement.values)}
                }
            )

    def field_requirement(self, name):
        return self.form_fields.get(name, str(CONFIGURABLE_FORM_FIELDS[name]))

    def is_open(self, now=None):
        now = now or timezone.now()
        # closes_at is the last second accepted, all of it: 23:59:59.9 is in, 00:00:00 is out.
        return self.opens_at <= now < self.closes_at.replace(microsecond=0) + timedelta(seconds=1)

    def is_upcoming(self, now=None):
        return (now or timezone.now()) < self.opens_at


class ContestEvent(models.Model):
    """The contest's history: who moved it from which phase to which, when and why."""

    contest = models.ForeignKey(Contest, models.CASCADE, related_name="events", verbose_name=_("contest"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    action = models.CharField(_("action"), max_length=40)
    from_phase = models.CharField(_("from"), max_length=12, choices=Phase.choices, blank=True)
    to_phase = models.CharField(_("to"), max_length=12, choices=Phase.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("contest event")
        verbose_name_plural = _("contest events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.contest_id} {self.action} {self.from_phase}→{self.to_phase}"


class ContestChoice(models.Model):
    """A named option of a contest's configurable list, shown in the given order."""

    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class EntrantCategory(ContestChoice):
    contest = models.ForeignKey(Contest, models.CASCADE, related_name="categories", verbose_name=_("contest"))

    class Meta(ContestChoice.Meta):
        verbose_name = _("entrant category")
        verbose_name_plural = _("entrant categories")


class ClipGenre(ContestChoice):
    contest = models.ForeignKey(Contest, models.CASCADE, related_name="genres", verbose_name=_("contest"))
    description = models.TextField(_("description"), blank=True)

    class Meta(ContestChoice.Meta):
        verbose_name = _("clip genre")
        verbose_name_plural = _("clip genres")


class Locality(ContestChoice):
    contest = models.ForeignKey(Contest, models.CASCADE, related_name="localities", verbose_name=_("contest"))

    class Meta(ContestChoice.Meta):
        verbose_name = _("locality")
        verbose_name_plural = _("localities")


class StaffRole(models.Model):
    """A staff member's role in one contest: the role's group holds its permissions (contest_portal/roles.py),
    this row says where they hold (submissions/staff.py reads it)."""

    contest = models.ForeignKey(Contest, models.CASCADE, related_name="staff_roles", verbose_name=_("contest"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="contest_roles", verbose_name=_("staff member")
    )
    group = models.ForeignKey("auth.Group", models.PROTECT, related_name="staff_roles", verbose_name=_("role"))

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [models.UniqueConstraint(fields=["contest", "user", "group"], name="staff_role_once")]

    def __str__(self):
        return f"{self.user} · {self.group} · {self.contest}"


class Registration(models.Model):
    """The registration form (Phiếu đăng ký dự thi): one per entrant and contest, editable until the deadline.

    Every clip the entrant submits is an entry of this author, or of this group when co-authors are listed."""

    contest = models.ForeignKey(Contest, models.PROTECT, related_name="registrations", verbose_name=_("contest"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="registrations")
    full_name = models.CharField(_("full name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=GENDER_CHOICES, blank=True)
    id_number = models.CharField(
        _("personal ID number"), max_length=12, help_text=_("The 12 digits of your citizen ID card (CCCD).")
    )
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    email = models.EmailField(_("e-mail"))
    organisation = models.CharField(_("organisation or school"), max_length=300, blank=True)
    locality = models.ForeignKey(
        Locality, models.PROTECT, verbose_name=_("district / city"), null=True, blank=True, related_name="+"
    )
    address = models.CharField(
        _("address"), max_length=300, blank=True, help_text=_("Where you live, study or work in the province.")
    )
    category = models.ForeignKey(
        EntrantCategory,
        models.PROTECT,
        verbose_name=_("entrant category"),
        null=True,
        blank=True,
        related_name="+",
    )
    group_name = models.CharField(
        _("group name"), max_length=200, blank=True, help_text=_("Only if you enter as a group of authors.")
    )
    declares_originality = models.BooleanField(_("declares the clips are the authors' own work"), default=False)
    accepts_rules = models.BooleanField(_("accepts the contest rules"), default=False)
    consents_to_publication = models.BooleanField(_("consents to publication of the clips"), default=False)
    consents_to_data_processing = models.BooleanField(_("consents to processing of personal data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("registration form")
        verbose_name_plural = _("registration forms")
        constraints = [models.UniqueConstraint(fields=["contest", "user"], name="one_registration_per_user")]
        indexes = [models.Index(fields=["contest", "id_number"])]

    def __str__(self):
        return self.group_name or self.full_name

    def clean(self):
        try:
            contest = self.contest
        except ObjectDoesNotExist:
            contest = None  # a form checking a registration before it belongs to one
        check_person(self, contest=contest, gender=self.gender)

    @property
    def is_group(self):
        return bool(self.group_name)

    def id_numbers(self):
        """Everyone this entry counts against: the registrant and each co-author."""
        return {self.id_number, *(c.id_number for c in self.coauthors.all())}


class CoAuthor(models.Model):
    """A person the registrant names as an author of the group's clips. They count against the clip limit
    from the moment they are named; they confirm their own details and consents by the link mailed to them
    (submissions.coauthors), or decline and are removed."""

    registration = models.ForeignKey(Registration, models.CASCADE, related_name="coauthors")
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("The invitation to confirm is sent here."))
    date_of_birth = models.DateField(_("date of birth"))
    id_number = models.CharField(_("personal ID number"), max_length=12)
    organisation = models.CharField(_("organisation or school"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    # The account the co-author confirmed with: they see the group's clips in their own My clips.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="coauthorships",
        verbose_name=_("account"),
    )
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("co-author")
        verbose_name_plural = _("co-authors")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "id_number"], name="coauthor_listed_once"),
            models.UniqueConstraint(
                fields=["registration", "email"], condition=~models.Q(email=""), name="coauthor_email_once"
            ),
        ]
        indexes = [models.Index(fields=["id_number"])]

    def __str__(self):
        return self.full_name

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    def clean(self):
        try:
            contest = self.registration.contest
        except ObjectDoesNotExist:
            contest = None
        check_person(self, contest=contest)


# Nobody this old enters a contest: a date of birth so far back is a typing mistake.
OLDEST_AGE = 120


def _age_on(date_of_birth, day):
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def _check_birth(person, contest):
    """A real person, old enough: born in the past, not too long ago, and at least the contest's minimum age on
    the day entries close. Without a date of birth (a contest may not ask for it) the ID number's year counts."""
    today = timezone.localdate()
    if person.date_of_birth is not None:
        if person.date_of_birth > today:
            return _("The date of birth is in the future.")
        if _age_on(person.date_of_birth, today) > OLDEST_AGE:
            return _("Check the date of birth: it is more than %(years)d years ago.") % {"years": OLDEST_AGE}
        if contest is not None:
            closing_day = timezone.localdate(contest.closes_at)
            if _age_on(person.date_of_birth, closing_day) < contest.min_age:
                return _too_young(contest, closing_day)
        return None
    try:
        birth_year = decode_birth_year(validate_id_number(person.id_number))
    except ValidationError:
        return None  # the ID number's own check says what is wrong
    if birth_year > today.year:
        return _("The ID number says this person is born in %(year)d, in the future.") % {"year": birth_year}
    if contest is not None:
        closing_day = timezone.localdate(contest.closes_at)
        # Born on 1 January of that year, they would be this old at most.
        if closing_day.year - birth_year < contest.min_age:
            return _too_young(contest, closing_day)
    return None


def _too_young(contest, closing_day):
    return _("Every author must be at least %(age)d years old on %(date)s, the day entries close.") % {
        "age": contest.min_age,
        "date": formats.date_format(closing_day, "SHORT_DATE_FORMAT"),
    }


def _authors_awaiting_guardian():
    return SubmissionAuthor.objects.filter(needs_guardian=True).exclude(
        guardian__consented_at__isnull=False, guardian__withdrawn_at__isnull=True
    )


def needs_guardian(person, contest):
    """Whether `person` (a registration, a co-author or a clip's author) is younger than the contest's
    guardian_age on the day entries close, and so takes part with a guardian's consent. Without a date of birth
    the ID number's year counts, as if born on its last day: in doubt, a guardian is asked."""
    closing_day = timezone.localdate(contest.closes_at)
    if person.date_of_birth is not None:
        return _age_on(person.date_of_birth, closing_day) < contest.guardian_age
    try:
        birth_year = decode_birth_year(validate_id_number(person.id_number))
    except ValidationError:
        return False
    return _age_on(date(birth_year, 12, 31), closing_day) < contest.guardian_age


def check_person(person, *, contest=None, gender=None):
    """The ID number must agree with the birth date (and gender, when asked), the person must be real and old
    enough (_check_birth); phones are normalised."""
    errors = {}
    birth_problem = _check_birth(person, contest)
    if birth_problem:
        errors["date_of_birth" if person.date_of_birth is not None else "id_number"] = ValidationError(
            birth_problem
        )
    if person.id_number and "id_number" not in errors:
        try:
            person.id_number = validate_id_number(
                person.id_number, date_of_birth=person.date_of_birth, gender=gender or None
            )
        except ValidationError as error:
            errors["id_number"] = error
    if getattr(person, "phone", ""):
        try:
            person.phone = validate_phone(person.phone)
        except ValidationError as error:
            errors["phone"] = error
    if errors:
        raise ValidationError(errors)


def _clip_path(submission, filename):
    return f"clips/{submission.contest.slug}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


def _document_path(document, filename):
    return (
        f"documents/{document.submission.contest.slug}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"
    )


def _thumbnail_path(submission, filename):
    return f"thumbnails/{submission.contest.slug}/{uuid.uuid4().hex}.jpg"


def _preview_path(submission, filename):
    return f"previews/{submission.contest.slug}/{uuid.uuid4().hex}.mp4"


def finalist_q(path=""):
    """The finalist rule as a condition, for a query that reaches clips through a relation:
    `Assignment.objects.filter(finalist_q("submission__"))`."""
    return models.Q(**{f"{path}status": Submission.Status.SHORTLISTED})


class SubmissionQuerySet(models.QuerySet):
    """The words the rules use for clips; nothing else filters on a clip's state by hand."""

    def counting_towards_limit(self):
        return self.exclude(status=Submission.Status.WITHDRAWN)

    def finalists(self):
        """Clips the preliminary round chose for the final round."""
        return self.filter(finalist_q())

    def published_finalists(self):
        """Finalists of contests whose finalists the committee has published: anyone may watch them."""
        return self.finalists().filter(contest__finalists_published_at__isnull=False)

    def undecided(self):
        """Clips still in the contest that no screener has decided."""
        return self.filter(status=Submission.Status.RECEIVED)

    def by_person(self, id_number):
        """Clips this person is a recorded author of (SubmissionAuthor), whatever the registration says now."""
        return self.filter(authors__id_number=id_number)

    def awaiting_coauthors(self):
        """Clips a co-author has not confirmed yet: they may be screened, but not awarded a prize."""
        return self.with_waiting().filter(waits_for_coauthors=True)

    def awaiting_guardian(self):
        """Clips with an author under the contest's guardian age whose guardian has not consented (or withdrew):
        neither screened nor published until they do."""
        return self.with_waiting().filter(waits_for_guardian=True)

    def with_votes(self):
        """Annotates `shortlist_votes` and `not_select_votes`: how many screeners recommended each.

        A count in a subquery per clip, not a join with GROUP BY: a page of 50 clips out of 2,000 counts the
        votes of its 50 only, as the database runs such subqueries after the sort and the limit."""

        def votes(recommendation):
            return models.Subquery(
                ScreeningReview.objects.filter(submission=models.OuterRef("pk"), recommendation=recommendation)
                .order_by()
                .annotate(count=models.Func("pk", function="COUNT", output_field=models.IntegerField()))
                .values("count")
            )

        return self.annotate(
            shortlist_votes=votes(ScreeningReview.Recommendation.SHORTLIST),
            not_select_votes=votes(ScreeningReview.Recommendation.NOT_SELECT),
        )

    def with_waiting(self):
        """Annotates `waits_for_coauthors` and `waits_for_guardian`, the two rules above, for a list to flag."""
        unconfirmed = SubmissionAuthor.objects.filter(
            submission=models.OuterRef("pk"), needs_confirmation=True
        ).exclude(coauthor__confirmed_at__isnull=False)
        return self.annotate(
            waits_for_coauthors=models.Exists(unconfirmed),
            waits_for_guardian=models.Exists(
                _authors_awaiting_guardian().filter(submission=models.OuterRef("pk"))
            ),
        )


class Submission(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        WITHDRAWN = "withdrawn", _("withdrawn")
        SHORTLISTED = "shortlisted", _("finalist")
        NOT_SELECTED = "not_selected", _("not selected")
        DISQUALIFIED = "disqualified", _("disqualified")

    class MediaState(models.TextChoices):
        PROCESSING = "processing", pgettext_lazy("video", "processing")
        READY = "ready", pgettext_lazy("video", "ready")
        FAILED = "failed", pgettext_lazy("video", "failed")

    contest = models.ForeignKey(Contest, models.PROTECT, related_name="submissions", verbose_name=_("contest"))
    registration = models.ForeignKey(Registration, models.PROTECT, related_name="submissions")
    sequence = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    genre = models.ForeignKey(ClipGenre, models.PROTECT, verbose_name=_("genre"), related_name="submissions")
    summary = models.TextField(_("summary"), max_length=3000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    clip = models.FileField(_("clip"), upload_to=_clip_path, max_length=300)
    original_filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField("SHA-256", max_length=64)
    container = models.CharField(_("container"), max_length=10)
    duration = models.FloatField(_("duration (seconds)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    video_codec = models.CharField(_("video codec"), max_length=40)
    audio_codec = models.CharField(_("audio codec"), max_length=40, blank=True)
    rotation = models.SmallIntegerField(_("rotation (degrees)"), default=0)
    frame_rate = models.FloatField(_("frame rate"), null=True, blank=True)
    bitrate = models.PositiveBigIntegerField(_("bitrate (bit/s)"), null=True, blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=_thumbnail_path, blank=True, max_length=300)
    preview = models.FileField(_("preview"), upload_to=_preview_path, blank=True, max_length=300)
    media_state = models.CharField(
        _("media"), max_length=12, choices=MediaState.choices, default=MediaState.PROCESSING
    )
    media_error = models.TextField(_("media problem"), blank=True)
    # When the pipeline finished with the video (a preview ready, or a problem found): My clips dates it.
    media_checked_at = models.DateTimeField(_("video checked"), null=True, blank=True)
    technical_flags = models.JSONField(_("technical flags"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # The preliminary round's decision, set only through submissions.screening.submission_decide.
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_notified_at = models.DateTimeField(_("entrant told"), null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "sequence"], name="submission_sequence_per_contest"),
        ]
        indexes = [models.Index(fields=["contest", "status"])]
        permissions = [
            ("screen_submission", _("Can screen submissions (record recommendations and decisions)")),
            ("change_told_decision", _("Can change a decision the entrant was already told")),
            ("disqualify_submission", _("Can disqualify a submission")),
            ("view_personal_data", _("Can see entrants' ID numbers and personal data")),
            ("change_submission_authors", _("Can change the recorded authors of a submitted clip")),
            ("publish_finalists", _("Can publish the finalists")),
            ("export_submissions", _("Can export submissions")),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def status_for_entrant(self):
        """What the entrant may know: a decision only once the committee's e-mail told them."""
        if self.decided_at and not self.decision_notified_at:
            return Submission.Status.RECEIVED
        return Submission.Status(self.status)

    @property
    def is_finalist(self):
        return self.status == Submission.Status.SHORTLISTED

    @property
    def is_published_finalist(self):
        return self.is_finalist and self.contest.finalists_published_at is not None

    @property
    def has_audio(self):
        return bool(self.audio_codec)


class SubmissionAuthor(models.Model):
    """A person a clip was entered for, recorded when it was submitted: the registrant and the co-authors the
    registration listed then. The clip limit counts these rows and certificates name them, so a later edit of
    the registration form changes neither who authored a submitted clip nor anyone's count; only the committee
    changes a clip's authors, with a reason (submissions.services.submission_authors_change)."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="authors")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_registrant = models.BooleanField(_("registrant"), default=False)
    full_name = models.CharField(_("full name"), max_length=150)
    id_number = models.CharField(_("personal ID number"), max_length=12)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    organisation = models.CharField(_("organisation or school"), max_length=300, blank=True)
    # The co-author as named on the registration, whose confirmation the clip waits for; None for the
    # registrant, and for an author the committee recorded by hand.
    coauthor = models.ForeignKey(
        CoAuthor,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="clip_authorships",
        verbose_name=_("co-author"),
    )
    # Named on the registration form, so the co-author confirms it themselves; False for the registrant and
    # for an author the committee records (with a reason in the clip's history).
    needs_confirmation = models.BooleanField(_("needs the author's confirmation"), default=False)
    # Younger than the contest's guardian_age on its closing day: the clip waits until `guardian` consents.
    needs_guardian = models.BooleanField(_("needs a guardian"), default=False)
    guardian = models.ForeignKey(
        "Guardian",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="clip_authorships",
        verbose_name=_("guardian"),
    )

    class Meta:
        verbose_name = _("author of a clip")
        verbose_name_plural = _("authors of a clip")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "id_number"], name="clip_author_recorded_once")
        ]
        indexes = [models.Index(fields=["id_number"])]

    def __str__(self):
        return self.full_name


class SubmissionDocument(models.Model):
    """An accompanying document (PDF, DOCX, ODT) sent with a clip."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=_document_path, max_length=300)
    original_filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        verbose_name = _("accompanying document")
        verbose_name_plural = _("accompanying documents")
        ordering = ["id"]

    def __str__(self):
        return self.original_filename


class Upload(models.Model):
    """A resumable (tus) upload of a clip, in progress or finished.

    Its state lives here, not in a cache: the bytes received so far are in MEDIA_ROOT/uploads/<id>.part
    and `offset` says how many of them count. When the last byte arrives the upload is `checking` until a
    worker has checked the file like a plain-form upload: it becomes a Submission, or is refused with the
    reason (and the HTTP status of the refusal) kept."""

    class State(models.TextChoices):
        RECEIVING = "receiving", _("receiving")
        CHECKING = "checking", _("checking")
        COMPLETE = "complete", _("complete")
        REFUSED = "refused", _("refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="uploads")
    registration = models.ForeignKey(Registration, models.CASCADE, related_name="uploads")
    filename = models.CharField(_("file name"), max_length=255)
    metadata = models.JSONField(_("details"), default=dict, blank=True)
    length = models.PositiveBigIntegerField(_("length (bytes)"))
    offset = models.PositiveBigIntegerField(_("bytes received"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVING)
    refusal = models.TextField(_("reason for refusal"), blank=True)
    refusal_status = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # When the last byte arrived: the clip counts as submitted then, however long its check takes.
    received_at = models.DateTimeField(_("last byte received"), null=True, blank=True)
    # When its check was last sent to the workers (uploads.upload_check_stalled sends it again after a while).
    check_queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    submission = models.OneToOneField(
        Submission, models.SET_NULL, null=True, blank=True, related_name="upload", verbose_name=_("submission")
    )
    # A PATCH holds the upload until this instant (renewed while it streams), so two requests never
    # write the same file at once.
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("resumable upload")
        verbose_name_plural = _("resumable uploads")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__lte=models.F("length")), name="upload_offset_within_length"
            )
        ]

    def __str__(self):
        return f"{self.filename} ({self.offset}/{self.length})"


class ScreeningReview(models.Model):
    """One screener's recommendation on a clip in the preliminary round, with the checklist and its notes."""

    class Recommendation(models.TextChoices):
        SHORTLIST = "shortlist", _("shortlist")
        NOT_SELECT = "not_select", _("do not select")

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="screening_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="screening_reviews")
    recommendation = models.CharField(_("recommendation"), max_length=12, choices=Recommendation.choices)
    content_on_theme = models.BooleanField(_("content on the theme"), null=True)
    content_note = models.TextField(_("note on the content"), blank=True)
    form_ok = models.BooleanField(_("form"), null=True)
    form_note = models.TextField(_("note on the form"), blank=True)
    technical_quality_ok = models.BooleanField(_("technical quality"), null=True)
    technical_quality_note = models.TextField(_("note on the technical quality"), blank=True)
    rules_compliance_ok = models.BooleanField(_("complies with the rules"), null=True)
    rules_compliance_note = models.TextField(_("note on compliance with the rules"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("screening review")
        verbose_name_plural = _("screening reviews")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "reviewer"], name="one_screening_review_per_reviewer")
        ]

    def __str__(self):
        return f"{self.submission.code}: {self.get_recommendation_display()}"


class SubmissionEvent(models.Model):
    """The audit history of a submission: who changed its state, from what, to what, why and when."""

    submission = models.ForeignKey(Submission, models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("submission event")
        verbose_name_plural = _("submission events")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.submission_id} {self.action} {self.from_status}→{self.to_status}"


class Guardian(models.Model):
    """The parent or guardian of an author younger than the contest's guardian_age on the day entries close:
    until they consent by the link mailed to them, that author's clips wait (neither screened nor published).
    `coauthor` is None when the minor is the registrant."""

    registration = models.ForeignKey(Registration, models.CASCADE, related_name="guardians")
    coauthor = models.ForeignKey(
        CoAuthor, models.CASCADE, null=True, blank=True, related_name="guardians", verbose_name=_("co-author")
    )
    full_name = models.CharField(_("guardian's full name"), max_length=150)
    relation = models.CharField(
        _("relation"), max_length=60, help_text=_("Father, mother, or the legal guardian's relation.")
    )
    phone = models.CharField(_("guardian's phone"), max_length=15)
    email = models.EmailField(_("guardian's e-mail"), help_text=_("The consent link is sent here."))
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    consented_at = models.DateTimeField(_("consented"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"], condition=models.Q(coauthor=None), name="one_guardian_per_registrant"
            ),
            models.UniqueConstraint(
                fields=["coauthor"], condition=~models.Q(coauthor=None), name="one_guardian_per_coauthor"
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def has_consented(self):
        return self.consented_at is not None and self.withdrawn_at is None


class ConsentText(models.Model):
    """One version of a text people agree to (or, for the privacy notice, are shown), per contest. A version
    is never changed once saved: the committee adds the next one, and marks it `asks_again` when it changes
    what people agreed to, so those who agreed to an older one are asked again (submissions.consents)."""

    class Kind(models.TextChoices):
        RULES = "rules", _("the contest rules")
        PUBLICATION = "publication", _("publication of the clips")
        DATA_PROCESSING = "data_processing", _("processing of personal data")
        GUARDIAN = "guardian", _("a guardian's consent")
        PRIVACY_NOTICE = "privacy_notice", _("privacy notice")

    contest = models.ForeignKey(Contest, models.CASCADE, related_name="consent_texts", verbose_name=_("contest"))
    kind = models.CharField(_("text"), max_length=20, choices=Kind.choices)
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    body = models.TextField(_("wording"))
    asks_again = models.BooleanField(
        _("ask again"),
        default=False,
        help_text=_("A material change: people who agreed to an earlier version are asked to agree again."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["contest", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "kind", "version"], name="consent_text_version_once")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"


class Consent(models.Model):
    """That someone agreed to one version of a text, when, from which account: the registrant, a co-author
    (`coauthor`) or a guardian (`guardian`, who may have no account)."""

    text = models.ForeignKey(ConsentText, models.PROTECT, related_name="consents", verbose_name=_("text"))
    registration = models.ForeignKey(Registration, models.CASCADE, related_name="consents")
    coauthor = models.ForeignKey(CoAuthor, models.CASCADE, null=True, blank=True, related_name="consents")
    guardian = models.ForeignKey(Guardian, models.CASCADE, null=True, blank=True, related_name="consents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("account"),
    )
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-id"]

    def __str__(self):
        return f"{self.text} · {self.given_at:%Y-%m-%d %H:%M}"


class PersonalDataAccess(models.Model):
    """A member of staff saw unmasked personal data: a registration page, an export with personal columns, a
    certificate batch. The committee reads these in the admin; nobody edits them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("who"))
    contest = models.ForeignKey(
        Contest, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contest")
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    what = models.CharField(_("what"), max_length=200)
    records = models.PositiveIntegerField(_("records"), default=1)
    path = models.CharField(_("address"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.user} · {self.what} · {self.at:%Y-%m-%d %H:%M}"


class AudienceVoteWindow(models.Model):
    """When the public may vote for the finalists in the gallery (submissions.audience_vote): set by the
    committee on the contest's page; a contest without one has no audience vote."""

    contest = models.OneToOneField(
        Contest, models.CASCADE, related_name="audience_vote_window", verbose_name=_("contest")
    )
    opens_at = models.DateTimeField(_("audience vote opens"))
    closes_at = models.DateTimeField(
        _("audience vote closes"), help_text=_("From then on the counts are public on the gallery.")
    )

    class Meta:
        verbose_name = _("audience vote")
        verbose_name_plural = _("audience votes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="audience_vote_window_order"
            )
        ]

    def __str__(self):
        return str(self.contest)

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The vote must close after it opens.")})

    def is_open(self, now=None):
        return self.opens_at <= (now or timezone.now()) < self.closes_at

    def has_closed(self, now=None):
        return (now or timezone.now()) >= self.closes_at


class AudienceVote(models.Model):
    """One signed-in account's vote for one finalist. The address it came from (as the portal reads it behind
    its proxies) is kept for the committee to spot bursts (submissions.audience_vote.vote_bursts)."""

    contest = models.ForeignKey(Contest, models.CASCADE, related_name="audience_votes", verbose_name=_("contest"))
    submission = models.ForeignKey(
        Submission, models.CASCADE, related_name="audience_votes", verbose_name=_("finalist")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="audience_votes", verbose_name=_("account")
    )
    # Wanted only while bursts matter: cleared when the voter erases their data and when the contest's personal
    # data is anonymised (submissions.retention); the vote itself still counts.
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("audience vote")
        verbose_name_plural = _("audience votes")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["submission", "user"], name="audience_vote_once")]
        indexes = [models.Index(fields=["contest", "created_at"])]

    def __str__(self):
        return f"{self.submission_id} · {self.user_id}"


def _fanpage_screenshot_path(record, filename):
    return f"fanpage/{record.submission.contest.slug}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class FanpageCount(models.Model):
    """A finalist's likes and shares on the contest's fanpage as the committee read them, with a screenshot of
    the post as evidence (private media: submissions.fanpage_counts serves it to the committee only). The
    latest record of a finalist is its count."""

    submission = models.ForeignKey(
        Submission, models.CASCADE, related_name="fanpage_counts", verbose_name=_("finalist")
    )
    count = models.PositiveIntegerField(_("likes and shares"))
    screenshot = models.ImageField(
        _("screenshot"),
        upload_to=_fanpage_screenshot_path,
        max_length=300,
        help_text=_("A PNG, JPEG or WebP picture of the post showing the count."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("fanpage count")
        verbose_name_plural = _("fanpage counts")
        ordering = ["-recorded_at", "-id"]

    def __str__(self):
        return f"{self.submission_id}: {self.count}"


class FaqEntry(models.Model):
    """A question of the contest's help page (submissions.faq), written by the committee in plain text."""

    contest = models.ForeignKey(Contest, models.CASCADE, related_name="faq_entries", verbose_name=_("contest"))
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), help_text=_("Plain text; a blank line starts a new paragraph."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question and answer")
        verbose_name_plural = _("questions and answers")
        ordering = ["position", "id"]

    def __str__(self):
        return self.question
