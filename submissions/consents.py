"""Consent per purpose, as Decree 13/2023/NĐ-CP asks: which version of which text each person agreed to, and
when, so it can be shown later.

A contest's texts (ConsentText) are versioned: the committee adds the next version and never changes one
people have agreed to. A version marked `asks_again` changes what they agreed to, so whoever agreed to an
earlier one is asked again (consents_to_ask_again); any other version counts for new agreements only."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from .models import CONFIGURABLE_FORM_FIELDS, CoAuthor, Consent, ConsentText, FieldRequirement, Registration

Kind = ConsentText.Kind

# What every author agrees to on the registration form (the registrant) or by the confirmation link (a
# co-author); a guardian agrees to GUARDIAN, and the privacy notice is shown, not agreed to.
PERSON_KINDS = (Kind.RULES, Kind.PUBLICATION, Kind.DATA_PROCESSING)

# The registration form's checkbox for each of them (the Registration fields keep the answer too).
CONSENT_FIELDS = {
    "accepts_rules": Kind.RULES,
    "consents_to_publication": Kind.PUBLICATION,
    "consents_to_data_processing": Kind.DATA_PROCESSING,
}

# The registration form's fields always asked, besides the contest's own choice of CONFIGURABLE_FORM_FIELDS.
_ALWAYS_ASKED = ("full_name", "id_number", "email")


def consent_text_current(*, contest, kind):
    """The latest version of a contest's text of `kind`; version 1, in the default wording, if it has none."""
    text = _latest(contest, kind)
    if text is not None:
        return text
    try:
        with transaction.atomic():
            return ConsentText.objects.create(
                contest=contest, kind=kind, version=1, body=_default_body(contest, kind)
            )
    except IntegrityError:
        # Another request made version 1 at the same moment: theirs is the text.
        return _latest(contest, kind)


def consent_text_add(*, contest, kind, body, asks_again, user):
    """Saves the next version of a contest's text of `kind`; the earlier ones stay as people agreed to them."""
    while True:
        latest = ConsentText.objects.filter(contest=contest, kind=kind).aggregate(Max("version"))["version__max"]
        text = ConsentText(
            contest=contest,
            kind=kind,
            version=(latest or 0) + 1,
            body=body,
            asks_again=asks_again,
            created_by=user,
        )
        text.full_clean(exclude=["version"])
        try:
            with transaction.atomic():
                text.save()
            return text
        except IntegrityError:
            if not ConsentText.objects.filter(contest=contest, kind=kind, version=text.version).exists():
                raise
            # Someone saved that version number first: this one is the next.


@transaction.atomic
def consents_record(*, registration, kinds, user=None, coauthor=None, guardian=None, now=None):
    """Records that one person agreed to the current version of each of `kinds`: the registrant, or the
    `coauthor`, or the `guardian`. A kind they have agreed to at its current version already is skipped, so
    saving the same form again adds nothing."""
    now = now or timezone.now()
    texts = [consent_text_current(contest=registration.contest, kind=kind) for kind in kinds]
    # The registration's row lock makes two saves of the same form at once record each consent once.
    Registration.objects.select_for_update().filter(pk=registration.pk).first()
    agreed = set(
        _consents_of(registration, coauthor=coauthor, guardian=guardian)
        .filter(text__in=texts)
        .values_list("text_id", flat=True)
    )
    return [
        Consent.objects.create(
            text=text,
            registration=registration,
            coauthor=coauthor,
            guardian=guardian,
            user=user,
            given_at=now,
        )
        for text in texts
        if text.pk not in agreed
    ]


def consents_to_ask_again(*, registration, coauthor=None):
    """The current texts this person (the registrant, or `coauthor`) is to agree to again: of each kind they
    agreed to, the latest version when a version marked `asks_again` came after the one they agreed to."""
    agreed = {}
    for kind, version in _consents_of(registration, coauthor=coauthor).values_list("text__kind", "text__version"):
        agreed[kind] = max(version, agreed.get(kind, 0))
    if not agreed:
        return []
    texts = ConsentText.objects.filter(contest_id=registration.contest_id, kind__in=agreed).order_by(
        "kind", "-version"
    )
    latest, material = {}, {}
    for text in texts:
        latest.setdefault(text.kind, text)
        if text.asks_again:
            material.setdefault(text.kind, text.version)
    return [latest[kind] for kind in _in_form_order(agreed) if material.get(kind, 0) > agreed[kind]]


def consents_asked_of(*, contest, user):
    """Everyone `user` is in `contest` who is asked again: [(registration, coauthor or None, [ConsentText])],
    for their own registration and for each group that named them as a confirmed co-author."""
    people = [(registration, None) for registration in Registration.objects.filter(contest=contest, user=user)]
    people += [
        (coauthor.registration, coauthor)
        for coauthor in CoAuthor.objects.filter(
            user=user, confirmed_at__isnull=False, registration__contest=contest
        ).select_related("registration__contest")
    ]
    asked = [
        (registration, coauthor, consents_to_ask_again(registration=registration, coauthor=coauthor))
        for registration, coauthor in people
    ]
    return [(registration, coauthor, texts) for registration, coauthor, texts in asked if texts]


def _consents_of(registration, *, coauthor=None, guardian=None):
    return Consent.objects.filter(
        registration=registration, coauthor=coauthor, guardian=guardian, withdrawn_at__isnull=True
    )


def _in_form_order(kinds):
    return [kind for kind in Kind.values if kind in kinds]


def _latest(contest, kind):
    return ConsentText.objects.filter(contest=contest, kind=kind).order_by("-version").first()


def _default_body(contest, kind):
    # Stored once and shown to everyone as what they agreed to: in the portal's language, whoever's request
    # happens to create it.
    with translation.override(settings.LANGUAGE_CODE):
        names = {"contest": contest.name, "organizer": contest.organizer or contest.name}
        if kind == Kind.RULES:
            return (
                _(
                    "I have read the rules of %(contest)s and accept them. I declare that my clips are my own work "
                    "(or my group's) and that I may enter them."
                )
                % names
            )
        if kind == Kind.PUBLICATION:
            return (
                _(
                    "I agree that %(organizer)s may show my clips, with their titles and, where the rules allow it, "
                    "the authors' names, on this portal, on the contest's fanpage and in the media, to make the "
                    "contest and its subject known, without a fee."
                )
                % names
            )
        if kind == Kind.DATA_PROCESSING:
            return (
                _(
                    "I agree that %(organizer)s processes the personal data I give on this form to run the contest, "
                    "issue certificates and pay prizes, as the privacy notice of %(contest)s describes."
                )
                % names
            )
        if kind == Kind.GUARDIAN:
            return (
                _(
                    "As the parent or legal guardian of the author, I agree that they take part in %(contest)s, that "
                    "their clips are published as the rules say, and that their personal data and mine are processed "
                    "as the privacy notice describes."
                )
                % names
            )
        return _privacy_notice(contest, names)


def _privacy_notice(contest, names):
    chosen = contest.form_fields or {}
    asked = [
        name
        for name, default in CONFIGURABLE_FORM_FIELDS.items()
        if chosen.get(name, default) != FieldRequirement.HIDDEN
    ]
    fields = [str(Registration._meta.get_field(name).verbose_name) for name in (*_ALWAYS_ASKED, *asked)]
    paragraphs = [
        _(
            "%(organizer)s, the organizer of %(contest)s, processes the personal data of the contest's entrants "
            "as the Personal Data Protection Law and Decree 13/2023/NĐ-CP require. This notice says what is "
            "collected, why, for how long, who sees it and what your rights are."
        )
        % names,
        _(
            "What is collected. On the registration form: %(fields)s. The same details of each co-author you "
            "name; for an author younger than %(age)d, the name, relation, phone and e-mail of a parent or "
            "guardian; and the clips and documents you submit."
        )
        % {"fields": get_text_list(fields, _("and")), "age": contest.guardian_age},
        _(
            "Why. To run the contest (checking who may enter and how many clips each author has entered, "
            "screening and judging), to issue certificates and to pay prizes. Nothing else: the data is neither "
            "sold nor given to anyone outside the contest."
        ),
        _(
            "For how long. Until %(months)d months after the results are announced. Then ID numbers, dates of "
            "birth, addresses and phones are anonymised, except what the prize payments must keep."
        )
        % {"months": contest.retention_months},
        _(
            "Who sees it. The Standing Office, which screens the clips; the jury, which sees the finalists and "
            "never an ID number; and the Organizing Committee. Each time a member of staff views unmasked "
            "personal data, it is logged."
        ),
        _rights(contest),
        _("Contact. Write to %(email)s.") % {"email": contest.contact_email}
        if contest.contact_email
        else _("Contact. Write to the organizer at the address in the contest rules."),
    ]
    return "\n\n".join(str(paragraph) for paragraph in paragraphs)


def _rights(contest):
    address = my_data_address(contest)
    where = (
        _("on the page “My data” of your account (%(address)s) or by writing to us") % {"address": address}
        if address
        else _("by writing to us")
    )
    return _(
        "Your rights. You may see, correct and download your data, ask for it to be erased, and withdraw any "
        "consent you gave, %(where)s. Withdrawing the consent to the processing of your data withdraws your "
        "clips from the contest."
    ) % {"where": where}


def my_data_address(contest):
    """The account page where a person sees, corrects, downloads or erases their data: None until it exists."""
    for kwargs in ({"contest_slug": contest.slug}, {}):
        try:
            return reverse("submissions:my_data", kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None
