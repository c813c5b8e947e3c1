"""Who may do what, by name: every permission a rule asks about, as a predicate of the user in a contest.

The roles (contest_portal/roles.py) give the permissions to groups, and a person holds a role in one contest
(submissions/staff.py); the services, views, admin screens and templates ask these predicates, never a
permission string of their own, so a newcomer finds here what each role's work needs. Asked with the contest
(or a thing of it: a clip, a run), a predicate answers for it; without, for the contest the person is working
on in the admin. (Permissions are Django's, named "app.codename"; the phases, submissions/phases.py, say
when.)"""


def _has(permission):
    def predicate(user, contest=None):
        return user is not None and user.has_perm(permission, contest)

    predicate.permission = permission
    return predicate


# The contest and its preliminary round.
may_preview_contest = _has("submissions.view_contest")  # a draft's public pages, before it is announced
may_run_contest = _has("submissions.run_contest")
may_change_contest_settings = _has("submissions.change_contest")  # its rules, form, and consent texts
may_view_registrations = _has("submissions.view_registration")
may_view_submissions = _has("submissions.view_submission")
may_screen = _has("submissions.screen_submission")
may_disqualify = _has("submissions.disqualify_submission")
may_change_told_decision = _has("submissions.change_told_decision")
may_change_authors = _has("submissions.change_submission_authors")
may_publish_finalists = _has("submissions.publish_finalists")
may_export_submissions = _has("submissions.export_submissions")
sees_personal_data = _has("submissions.view_personal_data")
# The audience vote and the fanpage's counts (submissions.audience_vote, submissions.fanpage_counts).
may_view_audience_votes = _has("submissions.view_audiencevote")  # the counts while the vote is open
may_view_fanpage_counts = _has("submissions.view_fanpagecount")  # with their screenshots
may_record_fanpage_counts = _has("submissions.add_fanpagecount")

# The outbox.
may_view_outbox = _has("mail.view_outgoingmail")
may_change_mail = _has("mail.change_outgoingmail")
may_release_mail = _has("mail.release_outgoingmail")

# The final round.
may_score = _has("judging.score_finalists")
may_oversee_scorecards = _has("judging.view_scorecard")
may_view_assignments = _has("judging.view_assignment")
may_assign = _has("judging.add_assignment")
may_reopen_scorecard = _has("judging.reopen_scorecard")
may_remind_judges = _has("judging.remind_judges")
may_rank = _has("judging.run_ranking")
may_approve_ranking = _has("judging.approve_ranking")
may_award = _has("judging.award_prizes")
may_publish_results = _has("judging.publish_results")
may_view_runs = _has("judging.view_rankingrun")
may_view_awards = _has("judging.view_award")
