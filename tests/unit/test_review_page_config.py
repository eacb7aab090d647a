"""The page's settings: the password rules it checks before asking the pool are the pool's own."""

from __future__ import annotations

from service.ops.template_file import load_template
from service.review.api import PasswordPolicy


def test_the_page_checks_the_password_rules_the_user_pool_declares() -> None:
    declared = load_template()["Resources"]["ReviewerPool"]["Properties"]["Policies"]["PasswordPolicy"]
    policy = PasswordPolicy()
    assert policy.model_dump() == {
        "minimum_length": declared["MinimumLength"],
        "require_lowercase": declared["RequireLowercase"],
        "require_uppercase": declared["RequireUppercase"],
        "require_numbers": declared["RequireNumbers"],
        "require_symbols": declared["RequireSymbols"],
    }
