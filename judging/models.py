from django.db import models
from django.utils.translation import gettext_lazy as _


class PrizeTier(models.Model):
    """A prize of a contest: how many are given, the amount in đồng and any honour that comes with it."""

    contest = models.ForeignKey("submissions.Contest", models.CASCADE, related_name="prize_tiers")
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
