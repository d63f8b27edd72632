"""The validator catalogue: rules that make an OKR set specific, measurable and honest.

    from suggester.validation import validate, has_errors, RULES, Rule, Profile, load_profile

Every rule is a small pure function registered with an id, a scope (kr or set), a default severity,
a message and a fix hint (see `catalogue.py`). The rules live in `kr_rules.py` and `set_rules.py`.
"""

from __future__ import annotations

from suggester.validation import kr_rules as _kr_rules  # noqa: F401  (registers the per-KR rules)
from suggester.validation import set_rules as _set_rules  # noqa: F401  (registers the per-set rules)
from suggester.validation.catalogue import RULES, Rule, rule_by_id
from suggester.validation.engine import has_errors, validate
from suggester.validation.profile import Profile, load_profile, profile_at

__all__ = ["RULES", "Profile", "Rule", "has_errors", "load_profile", "profile_at", "rule_by_id", "validate"]
