from django import template

from ..kinds import mail_kind_label

register = template.Library()

# {{ mail.kind|mail_kind }}: the kind's label, as contest_portal.mail.kinds has it.
register.filter("mail_kind", mail_kind_label)
