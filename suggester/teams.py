"""Team types: the canonical names, their aliases, and which teams are related.

Team type is an open set: an unknown type still works (retrieval maps it to its nearest known ones).
"""

from __future__ import annotations

import re

# Canonical name -> teams whose examples are also relevant.
RELATED: dict[str, tuple[str, ...]] = {
    "sales": ("partnerships", "customer success", "growth"),
    "marketing": ("growth", "content", "e-commerce"),
    "customer support": ("customer success", "operations"),
    "customer success": ("customer support", "sales"),
    "engineering": ("product", "security", "it", "developer relations"),
    "product": ("engineering", "design", "growth"),
    "design": ("product", "content"),
    "data analytics": ("engineering", "product", "finance"),
    "security": ("it", "engineering", "legal"),
    "it": ("security", "operations", "engineering"),
    "people": ("recruiting", "operations"),
    "recruiting": ("people",),
    "finance": ("operations", "legal", "data analytics"),
    "legal": ("finance", "security"),
    "operations": ("supply chain", "finance", "manufacturing"),
    "manufacturing": ("supply chain", "operations"),
    "supply chain": ("manufacturing", "operations", "e-commerce"),
    "e-commerce": ("marketing", "growth", "supply chain"),
    "growth": ("marketing", "product", "e-commerce"),
    "partnerships": ("sales", "developer relations"),
    "developer relations": ("partnerships", "content", "engineering"),
    "content": ("marketing", "developer relations"),
    "education": ("nonprofit fundraising", "personal career"),
    "healthcare": ("operations", "customer support"),
    "nonprofit fundraising": ("marketing", "education"),
    "hospitality": ("customer support", "operations"),
    "personal career": ("education",),
}

TEAM_TYPES: tuple[str, ...] = tuple(RELATED)

ALIASES: dict[str, str] = {
    "support": "customer support",
    "customer service": "customer support",
    "cs": "customer success",
    "account management": "customer success",
    "eng": "engineering",
    "software engineering": "engineering",
    "dev": "engineering",
    "pm": "product",
    "product management": "product",
    "ux": "design",
    "data": "data analytics",
    "analytics": "data analytics",
    "data science": "data analytics",
    "infosec": "security",
    "hr": "people",
    "people ops": "people",
    "talent": "recruiting",
    "talent acquisition": "recruiting",
    "ops": "operations",
    "logistics": "supply chain",
    "supply chain and logistics": "supply chain",
    "ecommerce": "e-commerce",
    "devrel": "developer relations",
    "editorial": "content",
    "fundraising": "nonprofit fundraising",
    "nonprofit": "nonprofit fundraising",
    "career": "personal career",
    "personal": "personal career",
}


def normalize_team(name: str) -> str:
    """Lower-case, trim, fold separators and map aliases; unknown names pass through normalized."""
    key = re.sub(r"[\s_/]+", " ", name.strip().lower()).replace(" & ", " and ")
    key = re.sub(r"\s+(team|department|dept)$", "", key)
    return ALIASES.get(key, key)
