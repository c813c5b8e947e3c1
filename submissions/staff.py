"""Staff roles per contest: which contests a staff member works on, and what they may do in each.

A role (contest_portal/roles.py) is a group of permissions; a StaffRole row gives it to a person in one
contest. The backend below answers a permission asked about a contest from those rows, so the predicates of
contest_portal/permissions.py ask about one contest; asked without one, it answers for the contest the person
is working on in the admin (the middleware below, switched by `working_contest_switch`). A permission given to
the account itself, not through a role, holds in every contest; a superuser is a portal administrator, in all."""

from django.contrib import messages
from django.contrib.auth.models import Permission
from django.db.models import Case, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contest_portal.admin import row_id
from contest_portal.roles import role_group

from .models import Contest, StaffRole

SESSION_KEY = "working_contest"


def contests_of(user):
    """The contests a person works on as staff."""
    if not user.is_authenticated or not user.is_active:
        return Contest.objects.none()
    if user.is_superuser or user.user_permissions.exists():
        return Contest.objects.all()
    return Contest.objects.filter(staff_roles__user=user).distinct()


def staff_contest(request, slug):
    """The contest of a staff page addressed by slug: a 404 for whoever does not work on it; whoever does is
    now working on it (their permissions are those of their role there)."""
    contest = get_object_or_404(contests_of(request.user).select_related("judging"), slug=slug)
    working_contest_switch(request, contest)
    return contest


def working_contest_switch(request, contest):
    if not contests_of(request.user).filter(pk=contest.pk).exists():
        raise Http404
    request.session[SESSION_KEY] = contest.pk
    request.user.working_contest = contest


@require_POST
def working_contest_choose(request):
    """The admin header's switch (templates/admin/base_site.html): the contest chosen is the one worked on."""
    contest = contests_of(request.user).filter(pk=row_id(request.POST.get("contest", ""))).first()
    if contest is None:
        raise Http404(_("There is no such contest."))
    working_contest_switch(request, contest)
    messages.success(request, _("You are now working on %(contest)s.") % {"contest": contest.short_name})
    return redirect("admin:index")


def role_grant(user, role, contest):
    StaffRole.objects.get_or_create(user=user, contest=contest, group=role_group(role))


def _first_to_work_on(contests):
    """Of a person's contests, the one open now (the latest to open), else the latest to have opened, else the
    latest announced: one query."""
    now = timezone.now()
    started = Case(
        When(opens_at__lte=now, closes_at__gte=now, then=Value(0)),
        When(opens_at__lte=now, then=Value(1)),
        default=Value(2),
    )
    return contests.annotate(started=started).order_by("started", "-opens_at").first()


class WorkingContestMiddleware:
    """Puts `working_contest` on a staff member: the one chosen in this session if they still work on it, else
    the first to work on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff:
            contests = contests_of(user).select_related("judging")
            chosen = request.session.get(SESSION_KEY)
            user.working_contest = (chosen and contests.filter(pk=chosen).first()) or _first_to_work_on(contests)
        return self.get_response(request)


def _contest_id(obj):
    if isinstance(obj, Contest):
        return obj.pk
    return getattr(obj, "contest_id", None)


class ContestRoleBackend:
    """Permissions from the roles a person holds in a contest (see the module's docstring)."""

    def authenticate(self, request, **credentials):
        return None

    def get_all_permissions(self, user, obj=None):
        if not user.is_active or user.is_anonymous:
            return set()
        if obj is None:
            contest_id = getattr(getattr(user, "working_contest", None), "pk", None)
        else:
            contest_id = _contest_id(obj)
            if contest_id is None:
                return set()
        cache = user.__dict__.setdefault("_contest_perm_cache", {})
        if contest_id not in cache:
            roles = StaffRole.objects.filter(user=user)
            if contest_id is not None:
                roles = roles.filter(contest_id=contest_id)
            granted = Permission.objects.filter(group__staff_roles__in=roles) | Permission.objects.filter(
                user=user
            )
            cache[contest_id] = {
                f"{app}.{codename}" for app, codename in granted.values_list("content_type__app_label", "codename")
            }
        return cache[contest_id]

    def has_perm(self, user, perm, obj=None):
        return perm in self.get_all_permissions(user, obj)

    def has_module_perms(self, user, app_label):
        return any(perm.startswith(f"{app_label}.") for perm in self.get_all_permissions(user))
