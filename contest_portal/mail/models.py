from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import mail_kind_label


class OutgoingMail(models.Model):
    """One e-mail the portal sends, kept with its state: the log of every message, and the queue itself."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=80)
    # A mail that must go out once only (a receipt) carries a key; the unique constraint makes a second
    # attempt to queue it a no-op.
    dedupe_key = models.CharField(_("deduplication key"), max_length=120, unique=True, null=True, blank=True)
    to = models.EmailField(_("to"))
    from_email = models.CharField(_("from"), max_length=200)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Drafts (decision mails) wait in the outbox until the committee releases them.
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    # The contest a mail is about, for each contest's outbox; none for an account's mails. Named by a setting,
    # as the user model is, so the mail app imports nothing of the contest app.
    contest = models.ForeignKey(
        settings.MAIL_CONTEST_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contest"),
    )

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"])]
        permissions = [("release_outgoingmail", _("Can release drafted e-mails to be sent"))]

    def __str__(self):
        return f"{mail_kind_label(self.kind)} #{self.pk}"

    @property
    def message_id(self):
        domain = self.from_email.rsplit("@", 1)[-1].strip(" >") or "localhost"
        return f"<portal-mail-{self.pk}.{self.created_at:%Y%m%d%H%M%S}@{domain}>"

    def as_message(self, connection=None):
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.body_text,
            from_email=self.from_email,
            to=[self.to],
            connection=connection,
            # The same Message-ID on every attempt: a receiving server that got an earlier attempt drops a repeat.
            headers={"Message-ID": self.message_id, "X-Portal-Mail-Id": str(self.pk)},
        )
        if self.body_html:
            message.attach_alternative(self.body_html, "text/html")
        return message


class MailTemplate(models.Model):
    """An editable e-mail: the committee words the decision and award mails; Django template syntax.

    One without a contest is the portal's default wording; a contest's own, of the same key, is used for it
    instead (mail_template_get)."""

    key = models.SlugField(_("key"), max_length=80)
    contest = models.ForeignKey(
        settings.MAIL_CONTEST_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contest"),
        help_text=_("Empty: the portal's default wording, used by every contest without its own."),
    )
    description = models.CharField(_("used for"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"), help_text=_("Django template syntax, e.g. {{ submission.code }}."))

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["key", "contest"]
        constraints = [
            models.UniqueConstraint(fields=["key", "contest"], name="mail_template_once_per_contest"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(contest__isnull=True), name="mail_template_one_default"
            ),
        ]

    def __str__(self):
        return self.description or self.key
