"""argon2id hashes, and the command that creates the first admin and tokens."""

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.accounts import cli
from api.accounts import service as accounts_service
from api.errors import Conflict, Invalid
from tests.api import factories as f


@pytest.mark.real_password_hash
def test_passwords_are_hashed_with_argon2id(session: Session) -> None:
    user = accounts_service.create_user(session, email="hash@acc.test", password="un mot de passe long")
    assert user.password_hash.startswith("$argon2id$")
    assert "un mot de passe long" not in user.password_hash
    assert (
        accounts_service.authenticate(session, email="HASH@acc.test", password="un mot de passe long") is user
    )
    assert accounts_service.authenticate(session, email="hash@acc.test", password="autre chose long") is None
    assert (
        accounts_service.authenticate(session, email="nobody@acc.test", password="un mot de passe long")
        is None
    )


def test_accounts_refuse_short_passwords_bad_addresses_and_duplicates(session: Session) -> None:
    with pytest.raises(Invalid):
        accounts_service.create_user(session, email="a@acc.test", password="court")
    with pytest.raises(Invalid):
        accounts_service.create_user(session, email="pas-une-adresse", password="un mot de passe long")
    accounts_service.create_user(session, email="a@acc.test", password="un mot de passe long")
    with pytest.raises(Conflict):
        accounts_service.create_user(session, email=" A@ACC.test ", password="un mot de passe long")


@pytest.fixture
def cli_session(session: Session, monkeypatch: pytest.MonkeyPatch) -> Session:
    """The command's own session is the test's (its commit releases a savepoint)."""
    monkeypatch.setattr(cli, "session_scope", lambda: _Borrowed(session))
    return session


class _Borrowed:
    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> Session:
        return self.session

    def __exit__(self, *exc) -> None:
        return None


def test_cli_creates_the_first_admin_and_a_token(
    cli_session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    org = f.organisation(cli_session)
    monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe long\n"))
    cli.main(
        ["create-admin", "--email", "Admin@Drome.fr", "--organisation-id", str(org.id), "--password-stdin"]
    )
    assert "account admin@drome.fr created: admin of organisation" in capsys.readouterr().err
    cli.main(["create-token", "--email", "admin@drome.fr", "--name", "premier jeton"])
    token = capsys.readouterr().out.strip()
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["memberships"] == [{"organisation_id": org.id, "role": "admin"}]
    assert me["is_superadmin"] is False


def test_cli_superadmin_needs_no_organisation_and_reruns_update(
    cli_session: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe long\n"))
    cli.main(["create-admin", "--email", "ops@spie.test", "--superadmin", "--password-stdin"])
    monkeypatch.setattr("sys.stdin", io.StringIO("un autre mot de passe\n"))
    cli.main(["create-admin", "--email", "ops@spie.test", "--superadmin", "--password-stdin"])
    assert "updated (new password): platform operator" in capsys.readouterr().err
    user = accounts_service.authenticate(cli_session, email="ops@spie.test", password="un autre mot de passe")
    assert user is not None and user.is_superadmin

    with pytest.raises(SystemExit, match="organisation-id is required"):
        monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe long\n"))
        cli.main(["create-admin", "--email", "x@spie.test", "--password-stdin"])
    with pytest.raises(SystemExit, match="no account"):
        cli.main(["create-token", "--email", "nobody@spie.test", "--name", "x"])
    with pytest.raises(SystemExit, match="at least 12"):
        monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
        cli.main(["create-admin", "--email", "y@spie.test", "--superadmin", "--password-stdin"])
