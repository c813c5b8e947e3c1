"""The outbox and the log of every e-mail, and the committee's editable templates.

Decision e-mails wait here as drafts: the committee reads them, may reword one while it is a draft, and
releases them in bulk. Nothing is deleted from the log; failed sends can be sent again."""

from collections import Counter

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin

from contest_portal.admin import WorkingContestScope, admin_page, row_id
from contest_portal.permissions import may_release_mail
from contest_portal.personal_data import mask_email, personal_data_access_log, sees_personal_data
from contest_portal.refusals import Refusal

from .kinds import mail_kind_label
from .models import MailTemplate, OutgoingMail
from .outbox import drafts_redraft, drafts_release, drafts_sample_context
from .services import MailTemplateError, mail_draft_edit, mail_retry, mail_template_render

Draft = OutgoingMail.State.DRAFT


@xframe_options_sameorigin
@csp(
    {
        "default-src": [NONE],
        "style-src": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [SELF],
        "sandbox": [],
    }
)
def _mail_page(html):
    return HttpResponse(html)


class DraftForm(forms.ModelForm):
    class Meta:
        model = OutgoingMail
        fields = ["subject", "body_text"]
        widgets = {
            "subject": forms.TextInput(attrs={"class": "vLargeTextField mail-subject"}),
            "body_text": forms.Textarea(attrs={"rows": 24, "class": "mail-body"}),
        }


class KindFilter(admin.SimpleListFilter):
    """The kinds of the mails listed, by their labels (contest_portal.mail.kinds)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = model_admin.get_queryset(request).order_by().values_list("kind", flat=True).distinct()
        return sorted(((kind, mail_kind_label(kind)) for kind in kinds), key=lambda choice: choice[1].lower())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(OutgoingMail)
class OutgoingMailAdmin(WorkingContestScope, admin.ModelAdmin):
    form = DraftForm
    list_display = ["to", "subject", "kind_label", "state", "attempts", "created_at", "released_at", "sent_at"]
    list_filter = ["state", KindFilter, "released_at", "sent_at"]
    search_fields = ["to", "subject", "dedupe_key"]
    actions = ["release_selected", "retry_failed", "redraft_selected"]
    fieldsets = [
        (None, {"fields": ["state", "kind_label", "to", "from_email", "subject", "body_text", "html_preview"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    "released_by",
                    "released_at",
                    "attempts",
                    "last_attempt_at",
                    "last_error",
                    "sent_at",
                    "created_at",
                    "dedupe_key",
                ]
            },
        ),
    ]
    readonly_fields = [
        "state",
        "kind_label",
        "to",
        "from_email",
        "html_preview",
        "released_by",
        "released_at",
        "attempts",
        "last_attempt_at",
        "last_error",
        "sent_at",
        "created_at",
        "dedupe_key",
    ]

    class Media:
        css = {"all": ["admin-extra/mail.css"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            # The account mails (sign-up, password) are nobody's contest's: the portal administrator's.
            queryset = queryset | OutgoingMail.objects.filter(contest=None)
        return queryset.select_related("released_by")

    # The recipient's address is personal data: masked for staff who may not see it.

    def _recipient_field(self, request):
        return "to" if sees_personal_data(request.user) else "masked_to"

    def get_list_display(self, request):
        return [
            self._recipient_field(request) if name == "to" else name for name in super().get_list_display(request)
        ]

    def get_fieldsets(self, request, obj=None):
        return [
            (
                title,
                {
                    **options,
                    "fields": [self._recipient_field(request) if f == "to" else f for f in options["fields"]],
                },
            )
            for title, options in super().get_fieldsets(request, obj)
        ]

    def get_readonly_fields(self, request, obj=None):
        return [
            self._recipient_field(request) if f == "to" else f for f in super().get_readonly_fields(request, obj)
        ]

    @admin.display(description=_("to"))
    def masked_to(self, obj):
        return mask_email(obj.to)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        return mail_kind_label(obj.kind)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # Only a draft may be reworded; a released mail is what was (or will be) sent, and stays as it is.
        if obj is not None and obj.state != Draft:
            return False
        return super().has_change_permission(request, obj)

    def has_release_permission(self, request):
        return may_release_mail(request.user)

    @admin.display(description=_("as the recipient sees it"))
    def html_preview(self, obj):
        if not obj.body_html:
            return "-"
        # Its own page, not srcdoc: a srcdoc frame would take this page's policy, which forbids the inline
        # styles an e-mail is made of.
        return format_html(
            '<iframe sandbox class="mail-preview" src="{}" title="{}"></iframe>',
            reverse("admin:mail_outgoingmail_html", args=[obj.pk]),
            obj.subject,
        )

    def save_model(self, request, obj, form, change):
        # A conditional update, not obj.save(): a release a moment ago must not be undone by an old form.
        if not mail_draft_edit(mail=obj, subject=obj.subject, body_text=obj.body_text):
            self.message_user(
                request, _("This e-mail has been released meanwhile: your changes were not saved."), messages.ERROR
            )

    def html_view(self, request, object_id):
        """The HTML body alone, for the preview frame: its inline styles may apply, nothing in it may run."""
        mail = self.get_object(request, unquote(object_id))
        if mail is None or not self.has_view_permission(request, mail):
            raise Http404
        return _mail_page(mail.body_html)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/html/", self.admin_site.admin_view(self.html_view), name="mail_outgoingmail_html"
            ),
            path(
                "release-drafts/",
                self.admin_site.admin_view(self.release_drafts_view),
                name="mail_outgoingmail_release_drafts",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "can_release": self.has_release_permission(request),
            "draft_count": self.get_queryset(request).filter(state=Draft).count(),
            **(extra_context or {}),
        }
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if response.status_code == 200 and changelist is not None and sees_personal_data(request.user):
            # The recipients' addresses, unmasked: in the access log, as every view of personal data.
            personal_data_access_log(
                user=request.user,
                contest=getattr(request.user, "working_contest", None),
                what=gettext_noop("List of e-mails with their recipients"),
                records=len(changelist.result_list),
                path=request.get_full_path(),
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        mail = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code == 200 and mail is not None and sees_personal_data(request.user):
            personal_data_access_log(
                user=request.user,
                contest=mail.contest,
                what=gettext_noop("An e-mail with its recipient"),
                path=request.get_full_path(),
            )
        return response

    def release_drafts_view(self, request):
        """Every draft, listed for a last look, then released together once confirmed; the selected ones when
        the release action sends them here."""
        if not self.has_release_permission(request):
            raise PermissionDenied
        drafts = self.get_queryset(request).filter(state=Draft)
        if request.method == "POST":
            # The drafts the committee saw on the page, not whatever was drafted since.
            ids = [mail_id for mail_id in map(row_id, request.POST.getlist("mail")) if mail_id is not None]
            if request.POST.get("confirm") == "yes":
                self._release(request, self.get_queryset(request).filter(pk__in=ids))
                return redirect("admin:mail_outgoingmail_changelist")
            drafts = drafts.filter(pk__in=ids)
        return self._release_confirmation(request, drafts)

    def _release_confirmation(self, request, drafts):
        """The page that asks before drafts go out: how many of each kind, to whom, and that it cannot be undone."""
        drafts = list(drafts.order_by("kind", "to", "pk"))
        unmasked = sees_personal_data(request.user)
        for draft in drafts:
            draft.shown_to = draft.to if unmasked else mask_email(draft.to)
        if unmasked:
            personal_data_access_log(
                user=request.user,
                contest=getattr(request.user, "working_contest", None),
                what=gettext_noop("List of e-mails with their recipients"),
                records=len(drafts),
                path=request.get_full_path(),
            )
        context = {
            **admin_page(self, request),
            "title": _("Release the drafts"),
            "drafts": drafts,
            "kinds": sorted(Counter(draft.kind for draft in drafts).items()),
        }
        return TemplateResponse(request, "admin/mail/outgoingmail/release_drafts.html", context)

    def _release(self, request, mails):
        try:
            release = drafts_release(mails=mails, user=request.user)
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return
        count = len(release.released)
        self.message_user(
            request,
            ngettext(
                "%(count)d e-mail released: queued to be sent.",
                "%(count)d e-mails released: queued to be sent.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )
        if release.redrafted:
            count = len(release.redrafted)
            self.message_user(
                request,
                ngettext(
                    "%(count)d draft told a decision that has changed since: it was drafted again and not sent. "
                    "Read it, then release it.",
                    "%(count)d drafts told a decision that has changed since: they were drafted again and not "
                    "sent. Read them, then release them.",
                    count,
                )
                % {"count": count},
                messages.WARNING,
            )

    @admin.action(description=_("Release the selected drafts"), permissions=["release"])
    def release_selected(self, request, queryset):
        """Asks first, on the page that releases all drafts, listing the selected ones only."""
        return self._release_confirmation(request, queryset.filter(state=Draft))

    @admin.action(description=_("Retry the failed ones"), permissions=["release"])
    def retry_failed(self, request, queryset):
        count = len(mail_retry(mails=queryset, user=request.user))
        self.message_user(
            request,
            ngettext(
                "%(count)d e-mail queued to be sent again.", "%(count)d e-mails queued to be sent again.", count
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )

    @admin.action(
        description=_("Word the selected drafts again from the current templates"), permissions=["change"]
    )
    def redraft_selected(self, request, queryset):
        try:
            count = drafts_redraft(mails=queryset, user=request.user)
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%(count)d draft worded again.", "%(count)d drafts worded again.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


class MailTemplateForm(forms.ModelForm):
    class Meta:
        model = MailTemplate
        fields = ["description", "subject", "body_text"]
        widgets = {
            "subject": forms.TextInput(attrs={"class": "vLargeTextField mail-subject"}),
            "body_text": forms.Textarea(attrs={"rows": 28, "class": "mail-body"}),
        }

    def clean(self):
        cleaned_data = super().clean()
        if "subject" in cleaned_data and "body_text" in cleaned_data:
            edited = MailTemplate(
                key=self.instance.key, subject=cleaned_data["subject"], body_text=cleaned_data["body_text"]
            )
            try:
                mail_template_render(template=edited, context=_sample_context(edited))
            except MailTemplateError as error:
                self.add_error(error.field, error.message)
        return cleaned_data


def _sample_context(template):
    return drafts_sample_context(key=template.key) or {}


@admin.register(MailTemplate)
class MailTemplateAdmin(admin.ModelAdmin):
    """The wording of the contest being worked on: its own templates, and the portal's defaults for the rest.
    Saving a default words it for this contest (the default stays, for the others); only a portal
    administrator changes a default itself."""

    form = MailTemplateForm

    class Media:
        css = {"all": ["admin-extra/mail.css"]}

    list_display = ["key", "description", "subject", "wording"]
    search_fields = ["key", "description", "subject", "body_text"]
    readonly_fields = ["key", "preview"]
    fieldsets = [
        (
            None,
            {
                "fields": ["key", "description", "subject", "body_text"],
                "description": _(
                    "Written as plain text in Django template syntax; the HTML part is made from it. "
                    "Decision e-mails know {{ contest.name }}, {{ contest.short_name }}, {{ contest.contact_email }}, "
                    "{{ contest.fanpage_name }}, {{ contest.fanpage_url }}, {{ submission.code }}, "
                    "{{ submission.title }}, {{ registration.full_name }}, {{ registration.group_name }}, "
                    "{{ reason }} and {{ my_clips_url }}. Drafts already in the outbox keep their words until "
                    "they are worded again."
                ),
            },
        ),
        (_("Preview with a made-up clip"), {"fields": ["preview"]}),
    ]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        contest = getattr(request.user, "working_contest", None)
        own = MailTemplate.objects.filter(contest=contest) if contest is not None else MailTemplate.objects.none()
        defaults = MailTemplate.objects.filter(contest=None).exclude(key__in=own.values("key"))
        return own | defaults

    @admin.display(description=_("wording"))
    def wording(self, obj):
        return _("this contest's own") if obj.contest_id else _("the portal's default")

    def save_model(self, request, obj, form, change):
        contest = getattr(request.user, "working_contest", None)
        if obj.contest_id is None and contest is not None and not request.user.is_superuser:
            obj.pk, obj.contest = None, contest
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("preview"))
    def preview(self, obj):
        try:
            subject, text, _html = mail_template_render(template=obj, context=_sample_context(obj))
        except MailTemplateError as error:
            return format_html('<p class="errornote">{}</p>', error.message)
        return format_html(
            '<p><strong>{}</strong></p><pre class="mail-sample">{}</pre>',
            subject,
            text,
        )
