"""An evidence profile (``tracker.views.company.EvidenceProfile``) as rows of a two-column
table (measure, value), and the rule and records that counted them."""

from __future__ import annotations

from statistics import median

from rich.text import Text
from textual.widgets import DataTable

from tracker.evidence.vocabulary import LEVEL_NAMES, LEVELS
from tracker.tui.text import cell
from tracker.views.company import NONE, EvidenceProfile


def sample_summary(sizes: list[int]) -> str:
    """``min / median / max (n papers)`` of the recorded sample sizes, or a dash."""
    if not sizes:
        return "none recorded"
    middle = median(sizes)
    shown = f"{middle:g}" if isinstance(middle, float) else str(middle)
    return f"{min(sizes)} / {shown} / {max(sizes)} ({len(sizes)} papers with a size)"


def with_share(count: int, profile: EvidenceProfile) -> str:
    share = profile.share(count)
    return f"{count} ({100 * share:.0f}% of evidence papers)" if share is not None else str(count)


def highest_summary(highest: dict[str, int]) -> str:
    """``3: 1, 2: 2, none: 1``: products by their highest level, strongest first."""
    order = [*reversed(LEVELS), NONE]
    return ", ".join(f"{level}: {highest[level]}" for level in order if highest.get(level))


def profile_rows(profile: EvidenceProfile) -> list[tuple[str, str]]:
    """The measures of a profile, in the order shown."""
    rows = [("products", f"{profile.products} ({profile.products_with_evidence} with evidence)"),
            ("evidence papers", f"{profile.papers} ({profile.peer_reviewed} peer-reviewed, "
                                f"{profile.preprints} preprints)")]
    rows += [(f"level {level} {LEVEL_NAMES[level]}", str(profile.by_level.get(level, 0)))
             for level in LEVELS]
    rows += [("products by highest level", highest_summary(profile.highest) or "–"),
             ("vendor-independent", with_share(profile.vendor_independent, profile)),
             ("multicentre", with_share(profile.multicentre, profile)),
             ("prospective", with_share(profile.prospective, profile)),
             ("sample size min / median / max", sample_summary(profile.sample_sizes))]
    return rows


def fill_profile(table: DataTable[Text], profile: EvidenceProfile) -> None:
    """Rows of ``profile_rows`` in a table whose columns are (measure, value)."""
    table.clear()
    for label, value in profile_rows(profile):
        table.add_row(Text(label), cell(value))


def profile_rule(profile: EvidenceProfile) -> str:
    """The rule and the records counted (publication ids)."""
    ids = ", ".join(str(i) for i in profile.paper_ids) or "none"
    return f"rule: {profile.rule}. Papers counted (publication ids): {ids}."
