"""Who is signed in, in JSON, and what signing in and the second factor take."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from app.schema.out import DbId, Out, Time

Kind = Literal["admin", "official", "resident"]
# Credentials are checked by the accounts' services (a wrong one is a 401, not a 422), so the
# models only describe them.
Secret = Annotated[Any, WithJsonSchema({"type": "string"})]
Code = Annotated[
    Any,
    WithJsonSchema(
        {"type": "string", "maxLength": 40, "description": "6 digits, or a recovery code"}
    ),
]
NewPassword = Annotated[Any, WithJsonSchema({"type": "string", "minLength": 10, "maxLength": 1024})]


class Login(BaseModel):
    email: Secret
    password: Secret
    code: Code = None


# A transfer or recovery code as typed: any case, spaces and dashes allowed.
TypedCode = Annotated[
    Any,
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 64,
            "description": "A transfer code (8 characters, e.g. K7MX-3PRA) or a recovery "
            "code (16); any case, spaces and dashes ignored",
        }
    ),
]


class PasswordCheck(BaseModel):
    password: Secret


class CodeCheck(BaseModel):
    code: Code


class PasswordAndCode(BaseModel):
    password: Secret
    code: Code


class PasswordChange(BaseModel):
    current_password: Secret
    new_password: NewPassword


class User(Out):
    """A staff member as sign-in answers: ``role`` is their kind."""

    id: DbId
    email: str | None
    role: Kind


class UserAnswer(Out):
    user: User


class TotpSetup(Out):
    secret: str
    otpauth_uri: str


class RecoveryCodes(Out):
    recovery_codes: list[str]


class AdminScope(Out):
    """An admin's province (its name and official code); all null for a national admin."""

    province: str | None
    province_code: str | None
    district: str | None = Field(
        None, description="always null: districts are no level since 1 July 2025"
    )


class TransferCode(Out):
    """A code that signs another browser in as me: 15 minutes, one use."""

    code: str
    url: str
    expires_at: Time


class TransferRequest(BaseModel):
    code: TypedCode


class RecoveryCode(Out):
    """A code to keep for a lost phone: shown once, works once; ``url`` is what its QR opens."""

    code: str
    url: str
