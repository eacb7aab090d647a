"""The reviewers' user pool (Cognito): who may sign in to the review desk, and in which group.

A user's name is their email address, lowercased (the pool compares names case-insensitively); the `email`
attribute holds it too, marked verified since the operator vouches for it. Nobody signs themselves up.
"""

from __future__ import annotations

import contextlib
import secrets
import string
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

REVIEWERS_GROUP = "reviewers"
ADMINS_GROUP = "admins"
#: Long enough for any policy the template may set, and with every character class the policy requires.
TEMPORARY_PASSWORD_LENGTH = 24
_SYMBOLS = "^$*.[]{}()?-!@#%&/,><:;|_~+="


class UserPoolError(Exception):
    """A request about a reviewer that the pool refused, with its reason."""


class TokenRefusedError(Exception):
    """The pool no longer honours an access token: signed out everywhere, revoked, disabled or deleted."""


#: What Cognito's GetUser answers for a token it no longer honours.
_REFUSED = frozenset(
    {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException", "PasswordResetRequiredException"}
)


class PoolUser(BaseModel):
    email: str
    status: str = Field(description="Cognito's user status: FORCE_CHANGE_PASSWORD until the first sign-in.")
    enabled: bool
    groups: list[str]
    created_at: datetime | None = None


def normalised_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in email) or len(email) > 128:
        raise UserPoolError(f"{email!r} is not an email address.")
    return email


def temporary_password(length: int = TEMPORARY_PASSWORD_LENGTH) -> str:
    """A random password with a lower- and upper-case letter, a digit and a symbol."""
    alphabet = string.ascii_letters + string.digits + _SYMBOLS
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in _SYMBOLS for c in candidate)
        ):
            return candidate


class UserPool:
    def __init__(self, cognito: Any, pool_id: str, public: Any = None) -> None:
        self._cognito = cognito
        self._pool = pool_id
        #: For the calls a user's token authorises (GetUser): unsigned, as AWS evaluates no IAM policy for them.
        self._public = public or cognito

    def add(self, email: str, admin: bool = False, password: str | None = None) -> str | None:
        """Adds a reviewer (to `admins` as well with `admin`). Without `password`, returns a temporary one that
        must be changed at the first sign-in; with it, that password is set as permanent (for scripts)."""
        email = normalised_email(email)
        temporary = None if password else temporary_password()
        try:
            self._cognito.admin_create_user(
                UserPoolId=self._pool,
                Username=email,
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
                TemporaryPassword=temporary or temporary_password(),
                MessageAction="SUPPRESS",  # the operator hands the password over; no email is sent
            )
            if password:
                self._cognito.admin_set_user_password(
                    UserPoolId=self._pool, Username=email, Password=password, Permanent=True
                )
            for group in (REVIEWERS_GROUP, ADMINS_GROUP) if admin else (REVIEWERS_GROUP,):
                self._cognito.admin_add_user_to_group(UserPoolId=self._pool, Username=email, GroupName=group)
        except self._cognito.exceptions.UsernameExistsException as error:
            raise UserPoolError(f"{email} is already a reviewer.") from error
        except self._cognito.exceptions.InvalidPasswordException as error:
            self._delete_quietly(email)
            raise UserPoolError(f"The password does not meet the pool's policy: {_message(error)}") from error
        return temporary

    def list(self) -> list[PoolUser]:
        users: list[PoolUser] = []
        for page in self._cognito.get_paginator("list_users").paginate(UserPoolId=self._pool):
            for user in page["Users"]:
                name = user["Username"]
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                groups = self._cognito.admin_list_groups_for_user(UserPoolId=self._pool, Username=name)["Groups"]
                users.append(
                    PoolUser(
                        email=attributes.get("email", name),
                        status=user.get("UserStatus", ""),
                        enabled=bool(user.get("Enabled", True)),
                        groups=sorted(g["GroupName"] for g in groups),
                        created_at=user.get("UserCreateDate"),
                    )
                )
        return sorted(users, key=lambda u: u.email)

    def remove(self, email: str) -> None:
        """Signs the user out everywhere (their refresh tokens stop working), then deletes them."""
        email = normalised_email(email)
        try:
            self._cognito.admin_user_global_sign_out(UserPoolId=self._pool, Username=email)
            self._cognito.admin_delete_user(UserPoolId=self._pool, Username=email)
        except self._cognito.exceptions.UserNotFoundException as error:
            raise UserPoolError(f"{email} is not a reviewer.") from error

    def token_user(self, access_token: str) -> str:
        """The user name an access token belongs to, if the pool still honours it (GetUser: no IAM permission,
        the token is the credential). Raises TokenRefusedError otherwise."""
        try:
            answer = self._public.get_user(AccessToken=access_token)
        except self._public.exceptions.ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in _REFUSED:
                raise TokenRefusedError(_message(error)) from error
            raise
        return str(answer["Username"])

    def groups_of(self, username: str) -> frozenset[str]:
        """The user's groups now (not as their token said when it was issued)."""
        answer = self._cognito.admin_list_groups_for_user(UserPoolId=self._pool, Username=username, Limit=60)
        return frozenset(str(g["GroupName"]) for g in answer["Groups"])

    def _delete_quietly(self, email: str) -> None:
        with contextlib.suppress(self._cognito.exceptions.UserNotFoundException):
            self._cognito.admin_delete_user(UserPoolId=self._pool, Username=email)


def _message(error: Any) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Message") or error)
