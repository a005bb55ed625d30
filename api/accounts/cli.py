"""Accounts from the command line, against SPIE_DATABASE_URL.

    python -m api.accounts.cli create-admin --email a@b.fr --organisation-id 1 \
        [--password-stdin] [--superadmin]
    python -m api.accounts.cli create-token --email a@b.fr --name "intégration SI"

create-admin creates the account (or, if it exists, sets its password and adds the role),
makes it admin of the organisation and, with --superadmin, the platform operator (who
creates organisations and may omit --organisation-id). The password is read from standard
input with --password-stdin (first line), else asked twice on the terminal.
create-token prints the new token alone on standard output, once: only its SHA-256 is kept.
"""

import argparse
import getpass
import sys

from sqlalchemy.orm import Session

from api.accounts import service
from api.db import session_scope, utcnow
from api.errors import AppError


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("no terminal to ask the password on: use --password-stdin")
    first = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Encore une fois : ") != first:
        raise SystemExit("the two passwords differ")
    return first


def create_admin(
    session: Session, *, email: str, password: str, organisation_id: int | None, superadmin: bool
) -> str:
    """Create or update an admin account; a line saying what was done."""
    if organisation_id is None and not superadmin:
        raise SystemExit("--organisation-id is required (or --superadmin for the platform operator)")
    user = service.find_user(session, email=email)
    if user is None:
        user = service.create_user(session, email=email, password=password, is_superadmin=superadmin)
        done = "created"
    else:
        service.set_password(session, user=user, password=password)
        user.is_superadmin = user.is_superadmin or superadmin
        user.active = True
        done = "updated (new password)"
    if organisation_id is not None:
        service.set_membership(session, user_id=user.id, organisation_id=organisation_id, role="admin")
    roles = [f"admin of organisation {organisation_id}"] if organisation_id is not None else []
    if user.is_superadmin:
        roles.append("platform operator")
    return f"account {user.email} {done}: {', '.join(roles)}"


def create_token(session: Session, *, email: str, name: str) -> str:
    """A new API token for an existing account."""
    user = service.find_user(session, email=email)
    if user is None:
        raise SystemExit(f"no account for {email}: run create-admin first")
    _token, secret = service.create_token(session, user_id=user.id, name=name, now=utcnow())
    return secret


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api.accounts.cli", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin", help="create the first admin (or the platform operator)")
    admin.add_argument("--email", required=True)
    admin.add_argument("--organisation-id", type=int)
    admin.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    admin.add_argument("--superadmin", action="store_true", help="the platform operator")
    token = commands.add_parser("create-token", help="print a new API token for an account")
    token.add_argument("--email", required=True)
    token.add_argument("--name", required=True)
    args = parser.parse_args(argv)

    try:
        with session_scope() as session:
            if args.command == "create-admin":
                password = _read_password(args.password_stdin)
                message = create_admin(
                    session,
                    email=args.email,
                    password=password,
                    organisation_id=args.organisation_id,
                    superadmin=args.superadmin,
                )
                session.commit()
                print(message, file=sys.stderr)
            else:
                secret = create_token(session, email=args.email, name=args.name)
                session.commit()
                print("token (shown once, keep it now):", file=sys.stderr)
                print(secret)
    except AppError as exc:
        raise SystemExit(f"error: {exc.detail}") from None


if __name__ == "__main__":
    main()
